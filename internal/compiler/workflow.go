package compiler

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/protobuf/proto"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Reserved node ids: the implicit nodes that provide the workflow inputs and take its outputs.
const (
	// StartNodeID is the implicit first node; promises on it read workflow inputs.
	StartNodeID = "start-node"
	// EndNodeID is the implicit last node; it depends on the nodes the workflow outputs read.
	EndNodeID = "end-node"
)

// CompileWorkflow validates a workflow and the sub-workflows it references (recursively) and
// resolves the tasks and launch plans its nodes run. subWorkflows are the templates that
// sub_workflow_ref may name; those not referenced are ignored. It returns a *CompileError listing
// every problem found, or an error from the Resolver other than "not found". The closure shares
// the templates passed in; do not modify them afterwards.
func CompileWorkflow(ctx context.Context, primary *corev1.WorkflowTemplate, subWorkflows []*corev1.WorkflowTemplate, r Resolver) (*corev1.CompiledWorkflowClosure, error) {
	if primary == nil {
		return nil, &CompileError{Problems: []Problem{{Code: CodeInvalidWorkflow, Message: "workflow template is missing"}}}
	}
	if r == nil {
		r = &StaticResolver{}
	}
	c := &compilation{
		ctx:      ctx,
		r:        r,
		subs:     make(map[string]*corev1.WorkflowTemplate, len(subWorkflows)),
		compiled: make(map[string]*corev1.CompiledWorkflow),
		tasks:    make(map[string]*taskEntry),
		lps:      make(map[string]*lpEntry),
	}
	c.lpr, _ = r.(LaunchPlanResolver)
	for i, s := range subWorkflows {
		if s == nil || s.GetId() == nil {
			c.ps.addf("", fmt.Sprintf("sub_workflows[%d]", i), CodeInvalidWorkflow, "sub-workflow %d has no template or no id", i)
			continue
		}
		key := idKey(s.GetId())
		if prev, ok := c.subs[key]; ok && !proto.Equal(prev, s) {
			c.ps.addf("", fmt.Sprintf("sub_workflows[%d]", i), CodeInvalidWorkflow, "sub-workflow %s is given twice with different content", FormatID(s.GetId()))
			continue
		}
		c.subs[key] = s
	}
	c.stack = []string{idKey(primary.GetId())}
	c.stackNames = []string{workflowName(primary)}
	cw := c.compileWorkflow("", primary)
	if c.fatal != nil {
		return nil, c.fatal
	}
	if err := c.ps.err(); err != nil {
		return nil, err
	}
	closure := &corev1.CompiledWorkflowClosure{Primary: cw}
	for _, k := range sortedKeys(c.compiled) {
		closure.SubWorkflows = append(closure.SubWorkflows, c.compiled[k])
	}
	for _, k := range sortedKeys(c.tasks) {
		if e := c.tasks[k]; e.tmpl != nil {
			closure.Tasks = append(closure.Tasks, &corev1.CompiledTask{Template: e.tmpl})
		}
	}
	for _, k := range sortedKeys(c.lps) {
		if e := c.lps[k]; e.tmpl != nil {
			closure.LaunchPlans = append(closure.LaunchPlans, &corev1.CompiledLaunchPlan{Template: e.tmpl})
		}
	}
	return closure, nil
}

// compilation is the state shared by the primary workflow and its sub-workflows.
type compilation struct {
	ctx      context.Context
	r        Resolver
	lpr      LaunchPlanResolver
	subs     map[string]*corev1.WorkflowTemplate
	compiled map[string]*corev1.CompiledWorkflow
	// stack holds the keys (and names) of the workflows being compiled, to detect recursion.
	stack      []string
	stackNames []string
	tasks      map[string]*taskEntry
	lps        map[string]*lpEntry
	ps         problems
	// fatal is a Resolver error that is not "not found"; it stops the compilation.
	fatal error
}

type taskEntry struct {
	tmpl *corev1.TaskTemplate // nil when not found
	// inputs and outputs are the interface's types, shared (read-only) by every node running it.
	inputs, outputs map[string]*corev1.LiteralType
	problems        []Problem // problems of the template itself, reported once
	reported        bool
}

type lpEntry struct {
	tmpl            *corev1.LaunchPlanTemplate // nil when not found
	inputs, outputs map[string]*corev1.LiteralType
	omittable       map[string]bool // inputs with a default
	problems        []Problem
	reported        bool
}

func workflowName(t *corev1.WorkflowTemplate) string {
	if n := t.GetId().GetName(); n != "" {
		return n
	}
	return FormatID(t.GetId())
}

// resolveErr records a resolver error: "not found" becomes a problem of the node, anything else
// is fatal. It reports whether the error was "not found".
func (c *compilation) resolveErr(w *wfCompiler, node, kind string, id *corev1.Identifier, err error) {
	if errors.Is(err, ErrNotFound) {
		w.problem(node, "", CodeReferenceNotFound, "%s %s is not registered", kind, FormatID(id))
		return
	}
	if c.fatal == nil {
		c.fatal = fmt.Errorf("node %s: resolve %s %s: %w", node, kind, FormatID(id), err)
	}
}

// task resolves a task once per id; it returns nil (with a problem recorded) when it does not resolve.
func (c *compilation) task(w *wfCompiler, node string, id *corev1.Identifier) *taskEntry {
	key := idKey(id)
	e, ok := c.tasks[key]
	if !ok {
		if c.fatal != nil {
			return nil
		}
		t, err := c.r.Task(c.ctx, id)
		switch {
		case err != nil:
			c.resolveErr(w, node, "task", id, err)
			if c.fatal == nil {
				c.tasks[key] = &taskEntry{}
			}
			return nil
		case t == nil:
			e = &taskEntry{}
		default:
			var ps problems
			validateTask(&ps, t)
			e = &taskEntry{
				tmpl:     t,
				inputs:   varTypes(t.GetInterface().GetInputs()),
				outputs:  varTypes(t.GetInterface().GetOutputs()),
				problems: ps.list,
			}
		}
		c.tasks[key] = e
	}
	if e.tmpl == nil {
		w.problem(node, "", CodeReferenceNotFound, "task %s is not registered", FormatID(id))
		return nil
	}
	if !e.reported {
		e.reported = true
		for _, p := range e.problems {
			w.problem(node, p.Var, p.Code, "task %s: %s", FormatID(id), p.Message)
		}
	}
	return e
}

// launchPlan resolves a launch plan once per id; nil (with a problem recorded) when it does not resolve.
func (c *compilation) launchPlan(w *wfCompiler, node string, id *corev1.Identifier) *lpEntry {
	key := idKey(id)
	e, ok := c.lps[key]
	if !ok {
		if c.fatal != nil {
			return nil
		}
		var err error
		e, err = c.fetchLaunchPlan(id)
		if err != nil {
			c.resolveErr(w, node, "launch plan", id, err)
			if c.fatal == nil {
				c.lps[key] = &lpEntry{}
			}
			return nil
		}
		c.lps[key] = e
	}
	if e.tmpl == nil {
		w.problem(node, "", CodeReferenceNotFound, "launch plan %s is not registered", FormatID(id))
		return nil
	}
	if !e.reported {
		e.reported = true
		for _, p := range e.problems {
			w.problem(node, p.Var, p.Code, "launch plan %s: %s", FormatID(id), p.Message)
		}
	}
	return e
}

func (c *compilation) fetchLaunchPlan(id *corev1.Identifier) (*lpEntry, error) {
	e := &lpEntry{omittable: map[string]bool{}}
	if c.lpr != nil {
		lp, err := c.lpr.LaunchPlan(c.ctx, id)
		if err != nil || lp == nil {
			return &lpEntry{}, err
		}
		inputs := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
		for name, p := range lp.ExpectedInputs.GetParameters() {
			inputs.Variables[name] = p.GetVar()
			if _, ok := p.GetBehavior().(*corev1.Parameter_Default); ok {
				e.omittable[name] = true
			}
		}
		e.tmpl = &corev1.LaunchPlanTemplate{
			Id:          id,
			Interface:   &corev1.TypedInterface{Inputs: inputs, Outputs: lp.ExpectedOutputs},
			FixedInputs: lp.FixedInputs,
		}
	} else {
		iface, err := c.r.LaunchPlanInterface(c.ctx, id)
		if err != nil || iface == nil {
			return &lpEntry{}, err
		}
		e.tmpl = &corev1.LaunchPlanTemplate{Id: id, Interface: iface}
	}
	var ps problems
	validateInterface(&ps, "", e.tmpl.GetInterface())
	e.problems = ps.list
	e.inputs = varTypes(e.tmpl.GetInterface().GetInputs())
	e.outputs = varTypes(e.tmpl.GetInterface().GetOutputs())
	return e, nil
}

// subWorkflow finds a referenced sub-workflow and compiles it once. It returns the template (for
// its interface) or nil when it is not among the given sub-workflows.
func (c *compilation) subWorkflow(w *wfCompiler, node string, id *corev1.Identifier) *corev1.WorkflowTemplate {
	key := idKey(id)
	t, ok := c.subs[key]
	if !ok {
		w.problem(node, "", CodeReferenceNotFound, "sub-workflow %s is not among the workflow's sub-workflows", FormatID(id))
		return nil
	}
	for i, k := range c.stack {
		if k == key {
			path := append(append([]string{}, c.stackNames[i:]...), workflowName(t))
			w.problem(node, "", CodeRecursiveSubWorkflow, "sub-workflow %s runs itself: %s", FormatID(id), joinPath(path))
			return t
		}
	}
	if _, done := c.compiled[key]; !done {
		c.stack = append(c.stack, key)
		c.stackNames = append(c.stackNames, workflowName(t))
		c.compiled[key] = c.compileWorkflow(workflowName(t), t)
		c.stack = c.stack[:len(c.stack)-1]
		c.stackNames = c.stackNames[:len(c.stackNames)-1]
	}
	return t
}

// wfCompiler compiles one workflow template.
type wfCompiler struct {
	c    *compilation
	name string // "" for the primary workflow
	tmpl *corev1.WorkflowTemplate
	// inputs are the workflow inputs by name; a nil type is one that is malformed.
	inputs map[string]*corev1.LiteralType
	// top holds the top-level nodes (not nested, not the failure node) by id; topList in order.
	top     map[string]*nodeInfo
	topList []*nodeInfo
	// ids holds every node id of the workflow, nested and failure node included.
	ids     map[string]bool
	info    map[*corev1.Node]*nodeInfo
	signals map[string]string
}

func (w *wfCompiler) problem(node, v string, code Code, format string, args ...any) {
	w.c.ps.add(Problem{Workflow: w.name, Node: node, Var: v, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *compilation) compileWorkflow(name string, t *corev1.WorkflowTemplate) *corev1.CompiledWorkflow {
	w := &wfCompiler{
		c:       c,
		name:    name,
		tmpl:    t,
		inputs:  varTypes(t.GetInterface().GetInputs()),
		top:     make(map[string]*nodeInfo, len(t.GetNodes())),
		ids:     make(map[string]bool, len(t.GetNodes())),
		info:    make(map[*corev1.Node]*nodeInfo, len(t.GetNodes())),
		signals: map[string]string{},
	}
	var ps problems
	validateInterface(&ps, "", t.GetInterface())
	for _, p := range ps.list {
		w.problem("", p.Var, p.Code, "workflow interface: %s", p.Message)
	}
	for i, n := range t.GetNodes() {
		if n == nil {
			w.problem("", fmt.Sprintf("nodes[%d]", i), CodeMissingTarget, "node %d is missing", i)
			continue
		}
		w.registerIDs(n)
		if _, dup := w.top[n.GetId()]; !dup {
			info := &nodeInfo{n: n, index: len(w.topList)}
			w.top[n.GetId()] = info
			w.topList = append(w.topList, info)
		}
	}
	if f := t.GetFailureNode(); f != nil {
		w.registerIDs(f)
	}
	for _, info := range w.topList {
		w.prepare(info.n, info)
	}
	var failure *nodeInfo
	if f := t.GetFailureNode(); f != nil {
		failure = w.prepare(f, nil)
	}
	if c.fatal != nil {
		return nil
	}
	for _, info := range w.topList {
		w.bindNode(info.n, info, false)
	}
	if failure != nil {
		w.bindNode(failure.n, failure, true)
	}
	end := w.bindOutputs()
	return &corev1.CompiledWorkflow{Template: t, Connections: w.connect(end)}
}

// maxNodeIDLen keeps node ids usable as Kubernetes label values and object name parts.
const maxNodeIDLen = 63

var nodeIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// registerIDs checks the id of a node and of the nodes nested in it, and records them.
func (w *wfCompiler) registerIDs(n *corev1.Node) {
	id := n.GetId()
	switch {
	case id == StartNodeID || id == EndNodeID:
		w.problem(id, "", CodeReservedNodeID, "node id %q is reserved", id)
	case id == "":
		w.problem("", "", CodeInvalidNodeID, "a node has an empty id")
	case len(id) > maxNodeIDLen:
		w.problem(id, "", CodeInvalidNodeID, "node id is longer than %d characters", maxNodeIDLen)
	case !nodeIDRE.MatchString(id):
		w.problem(id, "", CodeInvalidNodeID, "node id %q may only hold letters, digits, '-' and '_', starting with a letter or digit", id)
	case w.ids[id]:
		w.problem(id, "", CodeDuplicateNodeID, "node id %q is used by more than one node", id)
	}
	w.ids[id] = true
	for _, nested := range nestedNodes(n) {
		w.registerIDs(nested)
	}
}

// nestedNodes returns the nodes held inside a branch or array node.
func nestedNodes(n *corev1.Node) []*corev1.Node {
	var out []*corev1.Node
	switch x := n.GetTarget().(type) {
	case *corev1.Node_BranchNode:
		ie := x.BranchNode.GetIfElse()
		if t := ie.GetCase().GetThenNode(); t != nil {
			out = append(out, t)
		}
		for _, o := range ie.GetOther() {
			if t := o.GetThenNode(); t != nil {
				out = append(out, t)
			}
		}
		if e := ie.GetElseNode(); e != nil {
			out = append(out, e)
		}
	case *corev1.Node_ArrayNode:
		if s := x.ArrayNode.GetNode(); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// varTypes maps variable names to their types; malformed types map to nil (unknown).
func varTypes(vm *corev1.VariableMap) map[string]*corev1.LiteralType {
	out := make(map[string]*corev1.LiteralType, len(vm.GetVariables()))
	for name, v := range vm.GetVariables() {
		if ValidateType(v.GetType()) == nil {
			out[name] = v.GetType()
		} else {
			out[name] = nil
		}
	}
	return out
}

func joinPath(ids []string) string { return strings.Join(ids, " -> ") }

// names lists the keys of a map, sorted, for messages.
func names[V any](m map[string]V) string {
	keys := sortedKeys(m)
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}
