package flyte

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// scope is the values of one workflow run: its inputs and the outputs of
// its finished nodes.
type scope struct {
	path   string
	inputs *corev1.LiteralMap
	mu     sync.Mutex
	outs   map[string]*corev1.LiteralMap
}

func (sc *scope) set(id string, m *corev1.LiteralMap) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.outs[id] = m
}

// resolve computes the value of binding data.
func (sc *scope) resolve(bd *corev1.BindingData) (*corev1.Literal, error) {
	switch v := bd.GetValue().(type) {
	case *corev1.BindingData_Scalar:
		return scalarLit(v.Scalar), nil
	case *corev1.BindingData_Collection:
		c := &corev1.LiteralCollection{}
		for _, e := range v.Collection.GetBindings() {
			l, err := sc.resolve(e)
			if err != nil {
				return nil, err
			}
			c.Literals = append(c.Literals, l)
		}
		return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: c}}, nil
	case *corev1.BindingData_Map:
		m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
		for k, e := range v.Map.GetBindings() {
			l, err := sc.resolve(e)
			if err != nil {
				return nil, err
			}
			m.Literals[k] = l
		}
		return &corev1.Literal{Value: &corev1.Literal_Map{Map: m}}, nil
	case *corev1.BindingData_Promise:
		p := v.Promise
		var m *corev1.LiteralMap
		if p.GetNodeId() == startNode {
			m = sc.inputs
		} else {
			sc.mu.Lock()
			m = sc.outs[p.GetNodeId()]
			sc.mu.Unlock()
		}
		l, ok := m.GetLiterals()[p.GetVar()]
		if !ok {
			return nil, fmt.Errorf("%s has no value %s", p.GetNodeId(), p.GetVar())
		}
		if len(p.GetAttrPath()) > 0 {
			return nil, fmt.Errorf("attribute paths are not supported in local runs (%s.%s)", p.GetNodeId(), p.GetVar())
		}
		return l, nil
	}
	return nil, errors.New("empty binding")
}

// bindings resolves a node's input bindings into a literal map.
func (sc *scope) bindings(bs []*corev1.Binding) (*corev1.LiteralMap, error) {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for _, b := range bs {
		l, err := sc.resolve(b.GetBinding())
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", b.GetVar(), err)
		}
		m.Literals[b.GetVar()] = l
	}
	return m, nil
}

// promises adds the node ids the binding data reads to deps.
func promises(bd *corev1.BindingData, deps map[string]bool) {
	switch v := bd.GetValue().(type) {
	case *corev1.BindingData_Promise:
		if id := v.Promise.GetNodeId(); id != startNode {
			deps[id] = true
		}
	case *corev1.BindingData_Collection:
		for _, e := range v.Collection.GetBindings() {
			promises(e, deps)
		}
	case *corev1.BindingData_Map:
		for _, e := range v.Map.GetBindings() {
			promises(e, deps)
		}
	}
}

// nodeDeps returns the nodes n waits for: those its bindings (and the
// bindings of nested nodes) read, and its upstream ids.
func nodeDeps(n *corev1.Node, deps map[string]bool) {
	for _, b := range n.GetInputs() {
		promises(b.GetBinding(), deps)
	}
	for _, id := range n.GetUpstreamNodeIds() {
		deps[id] = true
	}
	switch t := n.GetTarget().(type) {
	case *corev1.Node_ArrayNode:
		nodeDeps(t.ArrayNode.GetNode(), deps)
	case *corev1.Node_BranchNode:
		ie := t.BranchNode.GetIfElse()
		for _, c := range append([]*corev1.IfBlock{ie.GetCase()}, ie.GetOther()...) {
			if c.GetThenNode() != nil {
				nodeDeps(c.GetThenNode(), deps)
			}
		}
		if e := ie.GetElseNode(); e != nil {
			nodeDeps(e, deps)
		}
	}
}

type nodeRun struct {
	done chan struct{}
	err  error
}

// runTemplate runs nodes as a DAG, each as soon as the nodes it depends on
// succeeded, then the failure node if one failed, and returns the outputs.
func (l *local) runTemplate(ctx context.Context, path string, nodes []*corev1.Node, outputs []*corev1.Binding,
	failure *corev1.Node, failFast bool, inputs *corev1.LiteralMap) (*corev1.LiteralMap, error) {
	sc := &scope{path: path, inputs: inputs, outs: map[string]*corev1.LiteralMap{}}
	runs := make(map[string]*nodeRun, len(nodes))
	deps := make(map[string][]string, len(nodes))
	for _, n := range nodes {
		runs[n.GetId()] = &nodeRun{done: make(chan struct{})}
	}
	for _, n := range nodes {
		set := map[string]bool{}
		nodeDeps(n, set)
		for d := range set {
			if runs[d] == nil {
				return nil, fmt.Errorf("%s: node %s depends on unknown node %s", path, n.GetId(), d)
			}
			deps[n.GetId()] = append(deps[n.GetId()], d)
		}
	}
	if err := checkAcyclic(nodes, deps); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		failedID string
	)
	for _, n := range nodes {
		r := runs[n.GetId()]
		wg.Go(func() {
			defer close(r.done)
			for _, d := range deps[n.GetId()] {
				select {
				case <-runs[d].done:
					if runs[d].err != nil {
						r.err = errSkipped
						return
					}
				case <-runCtx.Done():
					r.err = context.Cause(runCtx)
					return
				}
			}
			out, err := l.runNode(runCtx, sc, n, sc.path)
			if err != nil {
				r.err = err
				mu.Lock()
				if firstErr == nil && !errors.Is(err, errSkipped) {
					firstErr, failedID = err, n.GetId()
				}
				mu.Unlock()
				if failFast {
					cancel(fmt.Errorf("aborted: node %s failed", n.GetId()))
				}
				return
			}
			sc.set(n.GetId(), out)
		})
	}
	wg.Wait()
	if firstErr == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out, err := sc.bindings(outputs)
		if err != nil {
			return nil, fmt.Errorf("%s: outputs: %w", path, err)
		}
		return out, nil
	}
	if failure != nil {
		if ferr := l.runFailureNode(ctx, sc, failure, failedID, firstErr); ferr != nil {
			return nil, fmt.Errorf("%w (and failure node %s failed: %v)", firstErr, failure.GetId(), ferr)
		}
	}
	return nil, firstErr
}

// checkAcyclic reports a dependency cycle, which would make the run wait
// forever.
func checkAcyclic(nodes []*corev1.Node, deps map[string][]string) error {
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("nodes depend on each other in a cycle: %s -> %s", strings.Join(path, " -> "), id)
		case 2:
			return nil
		}
		state[id] = 1
		for _, d := range deps[id] {
			if err := visit(d, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = 2
		return nil
	}
	for _, n := range nodes {
		if err := visit(n.GetId(), nil); err != nil {
			return err
		}
	}
	return nil
}

// runFailureNode runs the failure node with the error of the failed node
// in its error-typed inputs.
func (l *local) runFailureNode(ctx context.Context, sc *scope, n *corev1.Node, failedID string, failure error) error {
	if tn := n.GetTaskNode(); tn != nil {
		d, err := l.task(tn.GetReferenceId().GetName())
		if err != nil {
			return err
		}
		in, err := sc.bindings(n.GetInputs())
		if err != nil {
			return err
		}
		for i, f := range d.in.fields {
			if _, ok := in.Literals[f.name]; !ok && d.in.codecs[i].t == typeFailedNode {
				in.Literals[f.name] = scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Error{Error: &corev1.Error{FailedNodeId: failedID, Message: failure.Error()}}})
			}
		}
		_, err = l.runTask(ctx, sc.path+"/"+n.GetId(), d, in, n.GetMetadata())
		return err
	}
	_, err := l.runNode(ctx, sc, n, sc.path)
	return err
}

// runNode runs one node and returns its outputs; parent is the path of
// what contains it, for logs and file names.
func (l *local) runNode(ctx context.Context, sc *scope, n *corev1.Node, parent string) (*corev1.LiteralMap, error) {
	path := parent + "/" + n.GetId()
	log := l.cfg.logger.With(slog.String("node", path))
	log.Info("node started")
	out, err := l.runNodeTarget(ctx, sc, n, path)
	if err != nil {
		if !errors.Is(err, errSkipped) {
			log.Info("node failed", slog.Any("error", err))
		}
		return nil, fmt.Errorf("node %s: %w", n.GetId(), err)
	}
	log.Info("node succeeded")
	return out, nil
}

func (l *local) runNodeTarget(ctx context.Context, sc *scope, n *corev1.Node, path string) (*corev1.LiteralMap, error) {
	switch t := n.GetTarget().(type) {
	case *corev1.Node_TaskNode:
		d, err := l.task(t.TaskNode.GetReferenceId().GetName())
		if err != nil {
			return nil, err
		}
		in, err := sc.bindings(n.GetInputs())
		if err != nil {
			return nil, err
		}
		return l.runTask(ctx, path, d, in, n.GetMetadata())
	case *corev1.Node_WorkflowNode:
		in, err := sc.bindings(n.GetInputs())
		if err != nil {
			return nil, err
		}
		if ref := t.WorkflowNode.GetSubWorkflowRef(); ref != nil {
			d, err := l.workflow(ref.GetName())
			if err != nil {
				return nil, err
			}
			return l.runWorkflow(ctx, path, d, in)
		}
		d, err := l.launchPlan(t.WorkflowNode.GetLaunchplanRef().GetName())
		if err != nil {
			return nil, err
		}
		return l.runLaunchPlan(ctx, path, d, in)
	case *corev1.Node_BranchNode:
		return l.runBranch(ctx, sc, n, t.BranchNode, path)
	case *corev1.Node_GateNode:
		return l.runGate(ctx, t.GateNode)
	case *corev1.Node_ArrayNode:
		return l.runArray(ctx, sc, n, t.ArrayNode, path)
	}
	return nil, errors.New("the node runs nothing")
}

// runBranch runs the node of the first case whose condition holds.
func (l *local) runBranch(ctx context.Context, sc *scope, n *corev1.Node, bn *corev1.BranchNode, path string) (*corev1.LiteralMap, error) {
	in, err := sc.bindings(n.GetInputs())
	if err != nil {
		return nil, err
	}
	ie := bn.GetIfElse()
	for i, c := range append([]*corev1.IfBlock{ie.GetCase()}, ie.GetOther()...) {
		ok, err := evalCond(c.GetCondition(), in)
		if err != nil {
			return nil, fmt.Errorf("case %d: %w", i+1, err)
		}
		if ok {
			return l.runNode(ctx, sc, c.GetThenNode(), path)
		}
	}
	if e := ie.GetElseNode(); e != nil {
		return l.runNode(ctx, sc, e, path)
	}
	return nil, &TaskError{Err: errors.New(ie.GetError().GetMessage()), Code: "BranchFailed"}
}

// runGate answers a gate from the run's options.
func (l *local) runGate(ctx context.Context, g *corev1.GateNode) (*corev1.LiteralMap, error) {
	switch c := g.GetCondition().(type) {
	case *corev1.GateNode_Sleep:
		if !l.cfg.skipSleep {
			t := time.NewTimer(c.Sleep.GetDuration().AsDuration())
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return &corev1.LiteralMap{}, nil
	case *corev1.GateNode_Approve:
		id := c.Approve.GetSignalId()
		v, ok := l.cfg.signals[id]
		if !ok {
			return nil, fmt.Errorf("approval %s has no answer: run with flyte.WithApproval(%q, true)", id, id)
		}
		yes, isBool := v.(bool)
		switch {
		case !isBool:
			return nil, fmt.Errorf("approval %s: the answer is a %T, want a bool", id, v)
		case !yes:
			return nil, &TaskError{Err: fmt.Errorf("approval %s was denied", id), Code: "NotApproved"}
		}
		return &corev1.LiteralMap{}, nil
	case *corev1.GateNode_Signal:
		id := c.Signal.GetSignalId()
		if text, ok := l.cfg.textSignals[id]; ok {
			lit, err := rawvalue.Decode([]byte(text), c.Signal.GetType(), rawvalue.Hooks{})
			if err != nil {
				return nil, fmt.Errorf("signal %s: %w", id, err)
			}
			return &corev1.LiteralMap{Literals: map[string]*corev1.Literal{c.Signal.GetOutputVariableName(): lit}}, nil
		}
		v, ok := l.cfg.signals[id]
		if !ok {
			return nil, fmt.Errorf("signal %s has no value: run with flyte.WithSignal(%q, value)", id, id)
		}
		codec, err := codecFor(reflect.TypeOf(v))
		if err != nil {
			return nil, fmt.Errorf("signal %s: %w", id, err)
		}
		lit, err := codec.enc(nil, reflect.ValueOf(v))
		if err != nil {
			return nil, fmt.Errorf("signal %s: %w", id, err)
		}
		if err := compiler.CheckLiteral(lit, c.Signal.GetType()); err != nil {
			return nil, fmt.Errorf("signal %s: the value given (%T) does not fit %s: %w", id, v, formatType(c.Signal.GetType()), err)
		}
		return &corev1.LiteralMap{Literals: map[string]*corev1.Literal{c.Signal.GetOutputVariableName(): lit}}, nil
	}
	return nil, errors.New("gate has no condition")
}

// runArray runs the task of an array node once per element.
func (l *local) runArray(ctx context.Context, sc *scope, n *corev1.Node, an *corev1.ArrayNode, path string) (*corev1.LiteralMap, error) {
	sub := an.GetNode()
	d, err := l.task(sub.GetTaskNode().GetReferenceId().GetName())
	if err != nil {
		return nil, err
	}
	lists, err := sc.bindings(n.GetInputs())
	if err != nil {
		return nil, err
	}
	fixed, err := sc.bindings(sub.GetInputs())
	if err != nil {
		return nil, err
	}
	size := -1
	for k, l := range lists.GetLiterals() {
		c := plain(l).GetCollection()
		if c == nil {
			return nil, fmt.Errorf("input %s is not a list", k)
		}
		switch {
		case size < 0:
			size = len(c.GetLiterals())
		case size != len(c.GetLiterals()):
			return nil, fmt.Errorf("the lists to map over have different lengths (%d and %d for %s)", size, len(c.GetLiterals()), k)
		}
	}
	if size < 0 {
		size = 0
	}
	parallel := size
	if p := an.GetParallelism(); p > 0 && int(p) < parallel {
		parallel = int(p)
	}
	outs := make([]*corev1.LiteralMap, size)
	errs := make([]error, size)
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i := range size {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			in := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
			for k, v := range fixed.GetLiterals() {
				in.Literals[k] = v
			}
			for k, v := range lists.GetLiterals() {
				in.Literals[k] = plain(v).GetCollection().GetLiterals()[i]
			}
			outs[i], errs[i] = l.runTask(ctx, fmt.Sprintf("%s-%d", path, i), d, in, sub.GetMetadata())
		})
	}
	wg.Wait()
	succeeded := 0
	var first error
	for i, e := range errs {
		if e == nil {
			succeeded++
		} else if first == nil {
			first = fmt.Errorf("element %d: %w", i, e)
		}
	}
	if need := required(an, size); succeeded < need {
		return nil, fmt.Errorf("%d of %d elements succeeded, %d needed; first failure: %w", succeeded, size, need, first)
	}
	result := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for _, f := range d.out.fields {
		c := &corev1.LiteralCollection{Literals: make([]*corev1.Literal, size)}
		for i := range size {
			if errs[i] != nil {
				c.Literals[i] = noneLit()
				continue
			}
			c.Literals[i] = outs[i].GetLiterals()[f.name]
		}
		result.Literals[f.name] = &corev1.Literal{Value: &corev1.Literal_Collection{Collection: c}}
	}
	return result, nil
}

// required is how many elements must succeed, as the engine counts it.
func required(an *corev1.ArrayNode, n int) int {
	switch c := an.GetSuccessCriteria().(type) {
	case *corev1.ArrayNode_MinSuccesses:
		return min(int(c.MinSuccesses), n)
	case *corev1.ArrayNode_MinSuccessRatio:
		return int(math.Ceil(float64(c.MinSuccessRatio)*float64(n) - 1e-9))
	}
	return n
}
