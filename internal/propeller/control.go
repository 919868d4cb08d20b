package propeller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/proto"
)

// evalBranch chooses a case once (from the node's bound inputs), then runs
// the chosen node as a child "<branch>-<case node>" whose bindings resolve in
// the branch's scope; the branch ends as its child does.
func (r *round) evalBranch(ctx context.Context, sc *scope, n *corev1.Node, b *corev1.BranchNode, ne *store.NodeExecution) error {
	ns := decodeState(ne)
	ie := b.GetIfElse()
	if ns.Branch == "" {
		inputs, err := r.bindInputs(ctx, sc, n.GetInputs())
		if err != nil {
			r.failNode(ne, "InputBinding", fmt.Sprintf("node %s: %v", ne.NodeID, err), corev1.ExecutionError_ERROR_KIND_USER)
			return nil
		}
		cases := append([]*corev1.IfBlock{ie.GetCase()}, ie.GetOther()...)
		for _, c := range cases {
			ok, err := evalCondition(c.GetCondition(), inputs)
			if err != nil {
				r.failNode(ne, "BadCondition", fmt.Sprintf("branch %s: %v", ne.NodeID, err), corev1.ExecutionError_ERROR_KIND_USER)
				return nil
			}
			if ok {
				ns.Branch = c.GetThenNode().GetId()
				break
			}
		}
		if ns.Branch == "" {
			switch d := ie.GetDefault().(type) {
			case *corev1.IfElseBlock_ElseNode:
				ns.Branch = d.ElseNode.GetId()
			case *corev1.IfElseBlock_Error:
				msg := d.Error.GetMessage()
				if msg == "" {
					msg = "no case matched"
				}
				r.failNode(ne, "BranchError", fmt.Sprintf("branch %s: %s", ne.NodeID, msg), corev1.ExecutionError_ERROR_KIND_USER)
				return nil
			default:
				r.failNode(ne, "NoBranchMatched", fmt.Sprintf("branch %s: no case matched and there is no else", ne.NodeID), corev1.ExecutionError_ERROR_KIND_USER)
				return nil
			}
		}
		r.saveState(ne, ns)
	}
	var child *corev1.Node
	for _, c := range append([]*corev1.IfBlock{ie.GetCase()}, ie.GetOther()...) {
		if c.GetThenNode().GetId() == ns.Branch {
			child = c.GetThenNode()
		}
	}
	if child == nil && ie.GetElseNode().GetId() == ns.Branch {
		child = ie.GetElseNode()
	}
	if child == nil {
		r.failNode(ne, "BranchLost", fmt.Sprintf("branch %s: chosen node %s is not in the workflow", ne.NodeID, ns.Branch), corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil
	}
	ce, err := r.evalNode(ctx, sc, child, ne.NodeID+"-"+child.GetId(), ne.NodeID)
	if err != nil || ce == nil {
		return err
	}
	return r.followChild(ctx, ne, ce)
}

// followChild ends a parent node the way its single child ended.
func (r *round) followChild(ctx context.Context, ne, ce *store.NodeExecution) error {
	switch {
	case !nodeTerminal(ce.Phase):
	case nodeSucceeded(ce.Phase):
		outs, err := r.nodeOutputs(ctx, ce)
		if err != nil {
			return err
		}
		r.st.outputs[ne.NodeID] = outs
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_SUCCEEDED, nil, ce.OutputURI)
	default:
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, r.nodeError(ce), "")
	}
	return nil
}

// evalGate waits for time (sleep) or for a signal (approve, typed value).
func (r *round) evalGate(ctx context.Context, g *corev1.GateNode, ne *store.NodeExecution) error {
	switch c := g.GetCondition().(type) {
	case *corev1.GateNode_Sleep:
		ns := decodeState(ne)
		if ns.SleepUntil.IsZero() {
			ns.SleepUntil = ne.StartedAt.Add(c.Sleep.GetDuration().AsDuration())
			r.saveState(ne, ns)
		}
		if r.now.Before(ns.SleepUntil) {
			r.wakeAt(ns.SleepUntil)
			return nil
		}
		return r.succeedWith(ctx, ne, &corev1.LiteralMap{})
	case *corev1.GateNode_Approve:
		boolType := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_BOOLEAN}}
		v, err := r.signal(ctx, c.Approve.GetSignalId(), boolType)
		if err != nil || v == nil {
			return err
		}
		if !v.GetScalar().GetPrimitive().GetBoolean() {
			r.failNode(ne, "Rejected", fmt.Sprintf("gate %s: signal %s rejected the approval", ne.NodeID, c.Approve.GetSignalId()), corev1.ExecutionError_ERROR_KIND_USER)
			return nil
		}
		return r.succeedWith(ctx, ne, &corev1.LiteralMap{})
	case *corev1.GateNode_Signal:
		v, err := r.signal(ctx, c.Signal.GetSignalId(), c.Signal.GetType())
		if err != nil || v == nil {
			return err
		}
		return r.succeedWith(ctx, ne, &corev1.LiteralMap{Literals: map[string]*corev1.Literal{c.Signal.GetOutputVariableName(): v}})
	}
	r.failNode(ne, "BadGate", "gate "+ne.NodeID+" has no condition", corev1.ExecutionError_ERROR_KIND_USER)
	return nil
}

// signal returns a signal's value, creating the signal on first use; nil
// while unset (SignalSet makes the execution due again).
func (r *round) signal(ctx context.Context, id string, t *corev1.LiteralType) (*corev1.Literal, error) {
	s, err := r.e.st.SignalGetOrCreate(ctx, store.SignalGetOrCreateParams{ExecutionRowID: r.st.exec.RowID, SignalID: id, Type: marshal(t), Now: r.now})
	if err != nil {
		return nil, fmt.Errorf("signal %s: %w", id, err)
	}
	if s.Value == nil {
		return nil, nil
	}
	v := &corev1.Literal{}
	if err := proto.Unmarshal(s.Value, v); err != nil {
		return nil, fmt.Errorf("decode signal %s: %w", id, err)
	}
	return v, nil
}

// succeedWith keeps a node's outputs (inline, or in its outputs.pb when
// large) and ends it SUCCEEDED.
func (r *round) succeedWith(ctx context.Context, ne *store.NodeExecution, outs *corev1.LiteralMap) error {
	uri, err := r.keepOutputs(ctx, ne, outs, r.st.nodeOutputsKey(ne.NodeID))
	if err != nil {
		return err
	}
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_SUCCEEDED, nil, uri)
	return nil
}

// keepOutputs caches a node's outputs for this view; outputs larger than
// inlineLimit are written to key and its URI returned, smaller ones return
// "" and setNodePhase stores them inline in the node's closure.
func (r *round) keepOutputs(ctx context.Context, ne *store.NodeExecution, outs *corev1.LiteralMap, key string) (string, error) {
	r.st.outputs[ne.NodeID] = outs
	if proto.Size(outs) <= inlineLimit {
		return "", nil
	}
	if err := r.e.blobs.WriteProto(ctx, key, outs); err != nil {
		return "", fmt.Errorf("write outputs of node %s: %w", ne.NodeID, err)
	}
	return r.e.blobs.URL(key), nil
}

// evalWorkflowNode runs a sub-workflow inline or watches a child execution.
func (r *round) evalWorkflowNode(ctx context.Context, n *corev1.Node, wn *corev1.WorkflowNode, ne *store.NodeExecution) error {
	switch ref := wn.GetReference().(type) {
	case *corev1.WorkflowNode_SubWorkflowRef:
		return r.evalSubWorkflow(ctx, ref.SubWorkflowRef, ne)
	case *corev1.WorkflowNode_LaunchplanRef:
		return r.evalLaunchPlan(ctx, ref.LaunchplanRef, ne)
	}
	r.failNode(ne, "BadWorkflowNode", "workflow node "+ne.NodeID+" names nothing to run", corev1.ExecutionError_ERROR_KIND_USER)
	return nil
}

func (r *round) evalSubWorkflow(ctx context.Context, id *corev1.Identifier, ne *store.NodeExecution) error {
	g := r.st.wf.subs[idKey(id)]
	if g == nil {
		r.failNode(ne, "SubWorkflowNotFound", fmt.Sprintf("node %s: sub-workflow %s is not in the compiled workflow", ne.NodeID, idKey(id)), corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil
	}
	outs, err := r.evalChildren(ctx, ne, g, "sub-workflow "+ne.NodeID)
	if err != nil || outs == nil {
		return err
	}
	return r.succeedWith(ctx, ne, outs)
}

// evalChildren evaluates the nodes of g as the children of node ne (ids
// prefixed by the node's, inputs from the node's), for a sub-workflow or a
// dynamic node. When a child failed it runs g's failure node and then
// fails ne; when every child finished it returns g's bound outputs (what
// names ne in messages); otherwise, and when ne failed, it returns nil.
func (r *round) evalChildren(ctx context.Context, ne *store.NodeExecution, g *wfGraph, what string) (*corev1.LiteralMap, error) {
	inputs, err := r.nodeInputs(ctx, ne)
	if err != nil {
		return nil, err
	}
	sc := &scope{g: g, prefix: ne.NodeID + "-", parent: ne.NodeID, inputs: inputs}
	res, err := r.evalScope(ctx, sc)
	if err != nil {
		return nil, err
	}
	switch {
	case res.failure != nil:
		cause, done, err := r.runFailureNode(ctx, sc, res.failure, res.failedNode)
		if err != nil || !done {
			return nil, err
		}
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, cause, "")
	case res.done:
		outs, err := r.bindInputs(ctx, sc, g.wf.GetTemplate().GetOutputs())
		if err != nil {
			r.failNode(ne, "OutputBinding", fmt.Sprintf("%s: %v", what, err), corev1.ExecutionError_ERROR_KIND_USER)
			return nil, nil
		}
		return outs, nil
	}
	return nil, nil
}

// nodeInputs returns a node's inputs (cached under "<node>#in"): from the
// view, the node's closure, or its inputs.pb when they were too large to
// keep inline.
func (r *round) nodeInputs(ctx context.Context, ne *store.NodeExecution) (*corev1.LiteralMap, error) {
	k := ne.NodeID + "#in"
	if m, ok := r.st.outputs[k]; ok {
		return m, nil
	}
	c := &adminv1.NodeExecutionClosure{}
	if err := unmarshal(ne.Closure, c); err != nil {
		return nil, fmt.Errorf("decode closure of node %s: %w", ne.NodeID, err)
	}
	m := c.GetInputData()
	if m == nil {
		m = &corev1.LiteralMap{}
		key := r.st.nodeInputsKey(ne.NodeID)
		if ne.InputURI != "" {
			var err error
			if key, err = r.e.blobs.Key(ne.InputURI); err != nil {
				return nil, fmt.Errorf("inputs of node %s: %w", ne.NodeID, err)
			}
		}
		if err := r.e.blobs.ReadProto(ctx, key, m); err != nil {
			return nil, fmt.Errorf("read inputs of node %s: %w", ne.NodeID, err)
		}
	}
	r.st.outputs[k] = m
	return m, nil
}

// keepInputs records a node's inputs: inline in its closure, or in its
// inputs.pb when larger than inlineLimit.
func (r *round) keepInputs(ctx context.Context, ne *store.NodeExecution, inputs *corev1.LiteralMap) error {
	r.st.outputs[ne.NodeID+"#in"] = inputs
	if proto.Size(inputs) > inlineLimit {
		key := r.st.nodeInputsKey(ne.NodeID)
		if err := r.e.blobs.WriteProto(ctx, key, inputs); err != nil {
			return fmt.Errorf("write inputs of node %s: %w", ne.NodeID, err)
		}
		ne.InputURI = r.e.blobs.URL(key)
		return nil
	}
	c := &adminv1.NodeExecutionClosure{}
	_ = unmarshal(ne.Closure, c)
	c.InputData = inputs
	ne.Closure = marshal(c)
	return nil
}

// ChildExecutionName is the deterministic name of the child execution a
// launch-plan node starts: the same parent, node and attempt always give the
// same name, so a retry after a crash finds the child it already started.
func ChildExecutionName(parent store.ExecutionID, nodeID string, attempt int32) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%s/%s/%d", parent.Project, parent.Domain, parent.Name, nodeID, attempt))
	return "c" + hex.EncodeToString(sum[:])[:19]
}

func (r *round) evalLaunchPlan(ctx context.Context, lp *corev1.Identifier, ne *store.NodeExecution) error {
	ns := decodeState(ne)
	x := r.st.exec
	if ns.Child == nil {
		if r.e.opts.Launcher == nil {
			r.failNode(ne, "NoLauncher", fmt.Sprintf("node %s: this engine cannot launch child executions", ne.NodeID), corev1.ExecutionError_ERROR_KIND_SYSTEM)
			return nil
		}
		inputs, err := r.nodeInputs(ctx, ne)
		if err != nil {
			return err
		}
		name := ChildExecutionName(x.ID, ne.NodeID, 0)
		req := &adminv1.ExecutionCreateRequest{
			Project: x.ID.Project, Domain: x.ID.Domain, Name: name, Inputs: inputs,
			Spec: &adminv1.ExecutionSpec{
				LaunchPlan: lp,
				Metadata: &adminv1.ExecutionMetadata{
					Mode:                adminv1.ExecutionMetadata_EXECUTION_MODE_CHILD_WORKFLOW,
					Principal:           x.Principal,
					Nesting:             r.st.spec.GetMetadata().GetNesting() + 1,
					ParentNodeExecution: &corev1.NodeExecutionIdentifier{NodeId: ne.NodeID, ExecutionId: r.execID()},
				},
				MaxParallelism: r.st.spec.GetMaxParallelism(),
			},
		}
		if _, err := r.e.opts.Launcher.Launch(ctx, req); err != nil && !errors.Is(err, store.ErrAlreadyExists) && !isAlreadyExists(err) {
			r.failNode(ne, "LaunchFailed", fmt.Sprintf("node %s: launch %s: %v", ne.NodeID, idKey(lp), err), corev1.ExecutionError_ERROR_KIND_USER)
			return nil
		}
		ns.Child = &store.ExecutionID{Project: x.ID.Project, Domain: x.ID.Domain, Name: name}
		r.saveState(ne, ns)
	}
	r.e.children.Store(*ns.Child, x.RowID)
	child, err := r.e.st.ExecutionGet(ctx, store.ExecutionGetParams{ID: *ns.Child})
	if err != nil {
		return fmt.Errorf("get child execution %s: %w", ns.Child.Name, err)
	}
	if !store.ExecutionTerminal(child.Phase) {
		// The child's last round wakes this execution (notifyParent); the
		// periodic safety wake-up covers a child run by another replica.
		return nil
	}
	cc := &adminv1.ExecutionClosure{}
	_ = unmarshal(child.Closure, cc)
	if corev1.WorkflowExecution_Phase(child.Phase) == corev1.WorkflowExecution_PHASE_SUCCEEDED {
		if d := cc.GetOutputData(); d != nil {
			r.st.outputs[ne.NodeID] = d
		}
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_SUCCEEDED, nil, cc.GetOutputUri())
		return nil
	}
	execErr := cc.GetError()
	if execErr == nil {
		execErr = &corev1.ExecutionError{Code: "ChildFailed", Kind: corev1.ExecutionError_ERROR_KIND_USER}
	}
	execErr = &corev1.ExecutionError{Code: execErr.GetCode(), Kind: execErr.GetKind(),
		Message: fmt.Sprintf("child execution %s ended %s: %s", child.ID.Name, corev1.WorkflowExecution_Phase(child.Phase), execErr.GetMessage())}
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, execErr, "")
	return nil
}

// isAlreadyExists recognises an AlreadyExists answer from an API launcher
// (a connect error) without importing the API layer here.
func isAlreadyExists(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "already_exists") || strings.Contains(msg, "already exists")
}

// notifyParent wakes the parent of a finished child execution.
func (e *Engine) notifyParent(x *store.Execution) {
	if x.ParentNodeExecution == "" {
		return
	}
	if v, ok := e.children.Load(x.ID); ok {
		e.Wake(v.(int64))
		return
	}
	var parent int64
	if _, err := fmt.Sscanf(x.ParentNodeExecution, "%d/", &parent); err == nil && parent > 0 {
		e.Wake(parent)
	}
}
