package compiler

import (
	"fmt"
	"math"
	"slices"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// nodeInfo is what the compiler learns about one node.
type nodeInfo struct {
	n *corev1.Node
	// index is the position among the top-level nodes; meaningless for nested nodes.
	index int
	// known is false when the node's interface could not be told (an unresolved reference,
	// a missing target); its bindings are then only checked for references.
	known bool
	// inputs are the variables the node's bindings must set (for a branch: nil, see branchInputs).
	inputs map[string]*corev1.LiteralType
	// omittable are inputs that may stay unbound although their type is not optional
	// (launch plan inputs with a default).
	omittable map[string]bool
	// outputs are the node's outputs after aliases; a nil type is unknown.
	outputs map[string]*corev1.LiteralType
	// branchInputs are the types of a branch node's own bindings, which its conditions read.
	branchInputs map[string]*corev1.LiteralType
	// deps are the ids of the nodes this node depends on (start-node included), in discovery order.
	deps []string
	// depSet indexes deps once there are many of them.
	depSet map[string]bool
}

// smallDeps is how many dependencies are deduplicated by scanning before a set is built.
const smallDeps = 16

func (i *nodeInfo) addDep(id string) {
	if i.depSet == nil {
		if slices.Contains(i.deps, id) {
			return
		}
		i.deps = append(i.deps, id)
		if len(i.deps) > smallDeps {
			i.depSet = make(map[string]bool, 2*len(i.deps))
			for _, d := range i.deps {
				i.depSet[d] = true
			}
		}
		return
	}
	if !i.depSet[id] {
		i.depSet[id] = true
		i.deps = append(i.deps, id)
	}
}

func (w *wfCompiler) addAll(ps *problems) {
	for _, p := range ps.list {
		p.Workflow = w.name
		w.c.ps.add(p)
	}
}

// prepare works out the interface of a node (and of the nodes nested in it), resolving its
// target. info is the record of a top-level node, or nil for a nested or failure node.
func (w *wfCompiler) prepare(n *corev1.Node, info *nodeInfo) *nodeInfo {
	if info == nil {
		info = &nodeInfo{n: n, index: -1}
	}
	w.info[n] = info
	info.known = true
	id := n.GetId()
	if d := n.GetMetadata().GetTimeout(); d != nil && (d.CheckValid() != nil || d.AsDuration() < 0) {
		w.problem(id, "metadata.timeout", CodeInvalidMetadata, "timeout must be a valid duration of zero or more")
	}
	var outputs map[string]*corev1.LiteralType
	switch x := n.GetTarget().(type) {
	case *corev1.Node_TaskNode:
		info.inputs, outputs, info.known = w.prepareTask(id, x.TaskNode)
	case *corev1.Node_WorkflowNode:
		info.inputs, info.omittable, outputs, info.known = w.prepareWorkflowNode(id, x.WorkflowNode)
	case *corev1.Node_BranchNode:
		outputs, info.known = w.prepareBranch(id, x.BranchNode)
	case *corev1.Node_GateNode:
		info.inputs = map[string]*corev1.LiteralType{}
		outputs = w.prepareGate(id, x.GateNode)
	case *corev1.Node_ArrayNode:
		info.inputs, outputs, info.known = w.prepareArray(id, x.ArrayNode)
	default:
		w.problem(id, "", CodeMissingTarget, "node has no target (task, workflow, branch, gate or array)")
		info.known = false
	}
	if info.known {
		info.outputs = w.applyAliases(n, outputs)
	}
	return info
}

func (w *wfCompiler) prepareTask(id string, tn *corev1.TaskNode) (in, out map[string]*corev1.LiteralType, known bool) {
	ref := tn.GetReferenceId()
	if ref == nil {
		w.problem(id, "", CodeMissingTarget, "task node has no task reference")
		return nil, nil, false
	}
	if rt := ref.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != corev1.ResourceType_RESOURCE_TYPE_TASK {
		w.problem(id, "", CodeInvalidReference, "task reference %s has resource type %s, want TASK", FormatID(ref), rt)
	}
	var ps problems
	validateResources(&ps, id, "overrides.resources", tn.GetOverrides().GetResources())
	w.addAll(&ps)
	e := w.c.task(w, id, ref)
	if e == nil {
		return nil, nil, false
	}
	return e.inputs, e.outputs, true
}

func (w *wfCompiler) prepareWorkflowNode(id string, wn *corev1.WorkflowNode) (in map[string]*corev1.LiteralType, omit map[string]bool, out map[string]*corev1.LiteralType, known bool) {
	switch ref := wn.GetReference().(type) {
	case *corev1.WorkflowNode_LaunchplanRef:
		if ref.LaunchplanRef == nil {
			break
		}
		if rt := ref.LaunchplanRef.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN {
			w.problem(id, "", CodeInvalidReference, "launch plan reference %s has resource type %s, want LAUNCH_PLAN", FormatID(ref.LaunchplanRef), rt)
		}
		e := w.c.launchPlan(w, id, ref.LaunchplanRef)
		if e == nil {
			return nil, nil, nil, false
		}
		return e.inputs, e.omittable, e.outputs, true
	case *corev1.WorkflowNode_SubWorkflowRef:
		if ref.SubWorkflowRef == nil {
			break
		}
		if rt := ref.SubWorkflowRef.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != corev1.ResourceType_RESOURCE_TYPE_WORKFLOW {
			w.problem(id, "", CodeInvalidReference, "sub-workflow reference %s has resource type %s, want WORKFLOW", FormatID(ref.SubWorkflowRef), rt)
		}
		t := w.c.subWorkflow(w, id, ref.SubWorkflowRef)
		if t == nil {
			return nil, nil, nil, false
		}
		return varTypes(t.GetInterface().GetInputs()), nil, varTypes(t.GetInterface().GetOutputs()), true
	}
	w.problem(id, "", CodeMissingTarget, "workflow node names neither a launch plan nor a sub-workflow")
	return nil, nil, nil, false
}

// caseLabel names the i-th case of a branch for messages: "if", "elif 1", "elif 2", ...
func caseLabel(i int) string {
	if i == 0 {
		return "if case"
	}
	return fmt.Sprintf("elif case %d", i)
}

// prepareBranch prepares the nodes of every case; the branch outputs are those every case
// (that does not end in an error) produces, with a type every case's type fits.
func (w *wfCompiler) prepareBranch(id string, bn *corev1.BranchNode) (map[string]*corev1.LiteralType, bool) {
	ie := bn.GetIfElse()
	if ie == nil {
		w.problem(id, "", CodeInvalidBranch, "branch node has no if/else block")
		return nil, false
	}
	known := true
	var outs []map[string]*corev1.LiteralType
	for i, cs := range append([]*corev1.IfBlock{ie.GetCase()}, ie.GetOther()...) {
		switch {
		case cs == nil:
			w.problem(id, "", CodeInvalidBranch, "%s is missing", caseLabel(i))
			known = false
		case cs.GetThenNode() == nil:
			w.problem(id, "", CodeInvalidBranch, "%s has no then node", caseLabel(i))
			known = false
		default:
			sub := w.prepare(cs.GetThenNode(), nil)
			known = known && sub.known
			outs = append(outs, sub.outputs)
		}
	}
	switch d := ie.GetDefault().(type) {
	case *corev1.IfElseBlock_ElseNode:
		if d.ElseNode == nil {
			w.problem(id, "", CodeInvalidBranch, "else node is missing")
			known = false
			break
		}
		sub := w.prepare(d.ElseNode, nil)
		known = known && sub.known
		outs = append(outs, sub.outputs)
	case *corev1.IfElseBlock_Error:
	default:
		w.problem(id, "", CodeInvalidBranch, "branch has neither an else node nor an error for when no case holds")
	}
	if !known {
		return nil, false
	}
	return w.intersectOutputs(id, outs), true
}

func (w *wfCompiler) intersectOutputs(id string, outs []map[string]*corev1.LiteralType) map[string]*corev1.LiteralType {
	res := map[string]*corev1.LiteralType{}
	if len(outs) == 0 {
		return res
	}
outer:
	for _, name := range sortedKeys(outs[0]) {
		types := make([]*corev1.LiteralType, 0, len(outs))
		for _, o := range outs {
			t, ok := o[name]
			if !ok {
				continue outer
			}
			if t == nil {
				res[name] = nil
				continue outer
			}
			types = append(types, t)
		}
		res[name] = nil
		for _, cand := range types {
			fitsAll := true
			for _, t := range types {
				if !AreTypesCastable(t, cand) {
					fitsAll = false
					break
				}
			}
			if fitsAll {
				res[name] = cand
				break
			}
		}
		if res[name] == nil {
			list := make([]string, len(types))
			for i, t := range types {
				list[i] = FormatType(t)
			}
			w.problem(id, name, CodeInvalidBranch, "cases produce incompatible types for output %q: %s", name, joinList(list))
		}
	}
	return res
}

func (w *wfCompiler) prepareGate(id string, g *corev1.GateNode) map[string]*corev1.LiteralType {
	switch c := g.GetCondition().(type) {
	case *corev1.GateNode_Approve:
		w.signal(id, c.Approve.GetSignalId())
		return map[string]*corev1.LiteralType{}
	case *corev1.GateNode_Signal:
		w.signal(id, c.Signal.GetSignalId())
		t := c.Signal.GetType()
		if err := ValidateType(t); err != nil {
			w.problem(id, "signal.type", CodeInvalidGate, "signal type: %v", err)
			t = nil
		}
		name := c.Signal.GetOutputVariableName()
		if err := validVarName(name); err != nil {
			w.problem(id, "signal.output_variable_name", CodeInvalidGate, "signal output: %v", err)
			return map[string]*corev1.LiteralType{}
		}
		return map[string]*corev1.LiteralType{name: t}
	case *corev1.GateNode_Sleep:
		d := c.Sleep.GetDuration()
		if d == nil || d.CheckValid() != nil || d.AsDuration() < 0 {
			w.problem(id, "sleep.duration", CodeInvalidGate, "sleep needs a valid duration of zero or more")
		}
		return map[string]*corev1.LiteralType{}
	}
	w.problem(id, "", CodeInvalidGate, "gate node has no condition (approve, signal or sleep)")
	return map[string]*corev1.LiteralType{}
}

// signal checks a gate's signal id: present and used by one gate only.
func (w *wfCompiler) signal(id, signalID string) {
	if signalID == "" {
		w.problem(id, "signal_id", CodeInvalidGate, "gate has an empty signal id")
		return
	}
	if other, ok := w.signals[signalID]; ok {
		w.problem(id, "signal_id", CodeInvalidGate, "signal id %q is also used by node %s", signalID, other)
		return
	}
	w.signals[signalID] = id
}

// prepareArray prepares the sub-node; the array node takes a list for each sub-node input the
// sub-node does not bind itself, and produces a list for each sub-node output.
func (w *wfCompiler) prepareArray(id string, an *corev1.ArrayNode) (in, out map[string]*corev1.LiteralType, known bool) {
	if r, ok := an.GetSuccessCriteria().(*corev1.ArrayNode_MinSuccessRatio); ok {
		if math.IsNaN(float64(r.MinSuccessRatio)) || r.MinSuccessRatio < 0 || r.MinSuccessRatio > 1 {
			w.problem(id, "min_success_ratio", CodeInvalidArrayNode, "min_success_ratio %v is not between 0 and 1", r.MinSuccessRatio)
		}
	}
	sub := an.GetNode()
	if sub == nil {
		w.problem(id, "", CodeInvalidArrayNode, "array node has no sub-node")
		return nil, nil, false
	}
	si := w.prepare(sub, nil)
	switch sub.GetTarget().(type) {
	case *corev1.Node_TaskNode, *corev1.Node_WorkflowNode:
	default:
		w.problem(id, "", CodeInvalidArrayNode, "sub-node %s must run a task, a sub-workflow or a launch plan", sub.GetId())
		return nil, nil, false
	}
	if !si.known {
		return nil, nil, false
	}
	bound := map[string]bool{}
	for _, b := range sub.GetInputs() {
		bound[b.GetVar()] = true
	}
	in = map[string]*corev1.LiteralType{}
	for name, t := range si.inputs {
		if !bound[name] {
			in[name] = listOrUnknown(t)
		}
	}
	if len(in) == 0 {
		w.problem(id, "", CodeInvalidArrayNode, "array node has no list input to map over: sub-node %s binds all its inputs itself", sub.GetId())
	}
	out = make(map[string]*corev1.LiteralType, len(si.outputs))
	for name, t := range si.outputs {
		out[name] = listOrUnknown(t)
	}
	return in, out, true
}

func listOrUnknown(t *corev1.LiteralType) *corev1.LiteralType {
	if t == nil {
		return nil
	}
	return listOf(t)
}

// applyAliases renames outputs as the node's output aliases say.
func (w *wfCompiler) applyAliases(n *corev1.Node, outs map[string]*corev1.LiteralType) map[string]*corev1.LiteralType {
	if len(n.GetOutputAliases()) == 0 {
		return outs
	}
	res := make(map[string]*corev1.LiteralType, len(outs))
	for k, v := range outs {
		res[k] = v
	}
	renamed := map[string]bool{}
	for i, a := range n.GetOutputAliases() {
		field := fmt.Sprintf("output_aliases[%d]", i)
		t, ok := outs[a.GetVar()]
		switch {
		case !ok:
			w.problem(n.GetId(), field, CodeInvalidAlias, "alias renames output %q, which the node does not have (outputs: %s)", a.GetVar(), names(outs))
			continue
		case renamed[a.GetVar()]:
			w.problem(n.GetId(), field, CodeInvalidAlias, "output %q is renamed twice", a.GetVar())
			continue
		case validVarName(a.GetAlias()) != nil:
			w.problem(n.GetId(), field, CodeInvalidAlias, "alias of output %q: %v", a.GetVar(), validVarName(a.GetAlias()))
			continue
		}
		renamed[a.GetVar()] = true
		delete(res, a.GetVar())
		if _, clash := res[a.GetAlias()]; clash {
			w.problem(n.GetId(), field, CodeInvalidAlias, "alias %q clashes with another output", a.GetAlias())
		}
		res[a.GetAlias()] = t
	}
	return res
}
