package authoring

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// wfIface returns the interface of a workflow of the bundle: declared
// inputs, and outputs with declared or inferred types.
func (d *decoder) wfIface(w *wfDef) *corev1.TypedInterface {
	if w.ifaceState != 0 {
		return w.iface // nil while computing: a cycle, reported by checkCycles
	}
	if w.idlReq != nil {
		w.iface, w.ifaceState = w.idlReq.GetSpec().GetTemplate().GetInterface(), 2
		return w.iface
	}
	w.ifaceState = 1
	iface := &corev1.TypedInterface{
		Inputs:  &corev1.VariableMap{Variables: map[string]*corev1.Variable{}},
		Outputs: &corev1.VariableMap{Variables: map[string]*corev1.Variable{}},
	}
	for _, in := range w.doc.inputs {
		iface.Inputs.Variables[in.name] = &corev1.Variable{Type: in.typ, Description: in.desc}
	}
	for _, out := range w.doc.outputs {
		t := out.typ
		if t == nil {
			var why string
			t, why = d.inferType(w, out.val)
			if t == nil {
				if why != "" {
					w.s.in("output %s", out.name).errorf(out.val, "cannot tell the type of this output: %s; write it as %s: {value: ..., type: T}", why, out.name)
				}
				continue
			}
		}
		iface.Outputs.Variables[out.name] = &corev1.Variable{Type: t, Description: out.desc}
	}
	w.iface, w.ifaceState = iface, 2
	return iface
}

// wfParams returns the launch plan parameters of a workflow's inputs: the
// default when one is written, none for optional inputs, required otherwise.
func (d *decoder) wfParams(w *wfDef) *corev1.ParameterMap {
	if w.params != nil {
		return w.params
	}
	pm := &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{}}
	if w.doc == nil {
		for name, v := range d.wfIface(w).GetInputs().GetVariables() {
			pm.Parameters[name] = &corev1.Parameter{Var: v, Behavior: &corev1.Parameter_Required{Required: true}}
		}
		w.params = pm
		return pm
	}
	for _, in := range w.doc.inputs {
		p := &corev1.Parameter{Var: &corev1.Variable{Type: in.typ, Description: in.desc}}
		switch {
		case in.def != nil:
			lit, err := w.s.in("input %s", in.name).in("default").literal(in.def, in.typ)
			if err != nil {
				w.s.in("input %s", in.name).in("default").report(err, in.def)
				continue
			}
			p.Behavior = &corev1.Parameter_Default{Default: lit}
		case isOptional(in.typ):
			p.Behavior = &corev1.Parameter_Default{Default: noneOf(in.typ)}
		default:
			p.Behavior = &corev1.Parameter_Required{Required: true}
		}
		pm.Parameters[in.name] = p
	}
	w.params = pm
	return pm
}

func isOptional(t *corev1.LiteralType) bool {
	for _, v := range t.GetUnionType().GetVariants() {
		if isNoneType(v) {
			return true
		}
	}
	return false
}

// noneOf is the none value of an optional type.
func noneOf(t *corev1.LiteralType) *corev1.Literal {
	for _, v := range t.GetUnionType().GetVariants() {
		if isNoneType(v) {
			return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: noneLiteral(), Type: v}}})
		}
	}
	return noneLiteral()
}

// nodeOutputs returns the output types of a node, or nil and why they are
// not known (the node runs an entity registered elsewhere).
func (d *decoder) nodeOutputs(nd *nodeDoc) (map[string]*corev1.LiteralType, string) {
	vars := func(vm *corev1.VariableMap) map[string]*corev1.LiteralType {
		out := map[string]*corev1.LiteralType{}
		for k, v := range vm.GetVariables() {
			out[k] = v.GetType()
		}
		return out
	}
	notHere := func() string {
		return fmt.Sprintf("node %s runs %s %s, which is not defined in these files", nd.id, kindWord(nd.ref.id.GetResourceType()), idString(nd.ref.id))
	}
	switch nd.kind {
	case kindTask, kindMap:
		if nd.task == nil {
			return nil, notHere()
		}
		out := vars(nd.task.req.GetSpec().GetTemplate().GetInterface().GetOutputs())
		if nd.kind == kindMap {
			for k, t := range out {
				out[k] = listType(t)
			}
		}
		return out, ""
	case kindWorkflow:
		if nd.wf == nil {
			return nil, notHere()
		}
		return vars(d.wfIface(nd.wf).GetOutputs()), ""
	case kindLaunchPlan:
		if nd.lp == nil || nd.lp.wf == nil {
			return nil, notHere()
		}
		return vars(d.wfIface(nd.lp.wf).GetOutputs()), ""
	case kindGate:
		if sig := nd.gate.GetSignal(); sig != nil {
			return map[string]*corev1.LiteralType{sig.GetOutputVariableName(): sig.GetType()}, ""
		}
		return map[string]*corev1.LiteralType{}, ""
	case kindBranch:
		// A branch produces the outputs every case produces.
		var common map[string]*corev1.LiteralType
		nodes := []*nodeDoc{nd.branch.elseNode}
		for _, c := range nd.branch.cases {
			nodes = append(nodes, c.then)
		}
		for _, n := range nodes {
			if n == nil {
				continue
			}
			outs, why := d.nodeOutputs(n)
			if outs == nil {
				return nil, why
			}
			if common == nil {
				common = outs
				continue
			}
			for k := range common {
				if _, ok := outs[k]; !ok {
					delete(common, k)
				}
			}
		}
		if common == nil {
			common = map[string]*corev1.LiteralType{}
		}
		return common, ""
	}
	return nil, "unknown node kind"
}

// nodeInputs returns the input types of a node's target and a phrase naming
// the target, or nil when the target is registered elsewhere.
func (d *decoder) nodeInputs(nd *nodeDoc) (map[string]*corev1.LiteralType, string) {
	types := map[string]*corev1.LiteralType{}
	add := func(vm *corev1.VariableMap, wrap bool, skip map[string]bool) {
		for k, v := range vm.GetVariables() {
			if skip[k] {
				continue
			}
			t := v.GetType()
			if wrap {
				t = listType(t)
			}
			types[k] = t
		}
	}
	switch nd.kind {
	case kindTask, kindMap:
		if nd.task == nil {
			return nil, ""
		}
		add(nd.task.req.GetSpec().GetTemplate().GetInterface().GetInputs(), nd.kind == kindMap, nil)
		if nd.kind == kindMap {
			return types, "map node over task " + nd.task.req.GetId().GetName()
		}
		return types, "task " + nd.task.req.GetId().GetName()
	case kindWorkflow:
		if nd.wf == nil {
			return nil, ""
		}
		add(d.wfIface(nd.wf).GetInputs(), false, nil)
		return types, "workflow " + nd.wf.id.GetName()
	case kindLaunchPlan:
		if nd.lp == nil || nd.lp.wf == nil {
			return nil, ""
		}
		add(d.wfIface(nd.lp.wf).GetInputs(), false, d.fixedNames(nd.lp))
		return types, "launch plan " + nd.lp.id.GetName()
	}
	return types, string(nd.kind) + " nodes"
}

// fixedNames returns the inputs a launch plan fixes.
func (d *decoder) fixedNames(l *lpDef) map[string]bool {
	out := map[string]bool{}
	switch {
	case l.idlReq != nil:
		for k := range l.idlReq.GetSpec().GetFixedInputs().GetLiterals() {
			out[k] = true
		}
	case l.doc != nil:
		for _, p := range l.doc.fixed {
			out[p.key] = true
		}
	}
	return out
}

// inferType returns the type of a workflow output value, or nil and why it
// cannot be known ("" when the value is wrong, which binding reports).
func (d *decoder) inferType(w *wfDef, n *yaml.Node) (*corev1.LiteralType, string) {
	s := scope{p: &problems{}, file: w.s.file} // inference reports nothing itself
	n = s.resolve(n)
	if n == nil {
		return nil, ""
	}
	if isReference(n) {
		r, err := parseReference(n.Value[1:])
		if err != nil {
			return nil, ""
		}
		if r.node == inputsRef {
			for _, in := range w.doc.inputs {
				if in.name == r.name {
					return pathType(in.typ, r)
				}
			}
			return nil, ""
		}
		nd := w.doc.byID[r.node]
		if nd == nil {
			return nil, ""
		}
		outs, why := d.nodeOutputs(nd)
		if outs == nil {
			return nil, why
		}
		t := outs[r.name]
		if t == nil {
			return nil, ""
		}
		return pathType(t, r)
	}
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, "the list is empty"
		}
		t, why := d.inferType(w, n.Content[0])
		if t == nil {
			return nil, why
		}
		return listType(t), ""
	case yaml.MappingNode:
		if len(n.Content) < 2 {
			return nil, "the mapping is empty"
		}
		t, why := d.inferType(w, n.Content[1])
		if t == nil {
			return nil, why
		}
		return mapType(t), ""
	}
	lit, err := s.inferLiteral(n)
	if err != nil {
		return nil, ""
	}
	return simpleType(simpleTypeOf(lit)), ""
}

func pathType(t *corev1.LiteralType, r *reference) (*corev1.LiteralType, string) {
	if pt := attrType(t, r.path); pt != nil {
		return pt, ""
	}
	return nil, "the type of $" + r.text + " inside " + FormatType(t) + " is not known"
}

// simpleTypeOf returns the simple type of an inferred scalar literal.
func simpleTypeOf(l *corev1.Literal) corev1.SimpleType {
	sc := l.GetScalar()
	switch {
	case sc.GetNoneType() != nil:
		return corev1.SimpleType_SIMPLE_TYPE_NONE
	case sc.GetBinary() != nil:
		return corev1.SimpleType_SIMPLE_TYPE_BINARY
	}
	switch sc.GetPrimitive().GetValue().(type) {
	case *corev1.Primitive_Integer:
		return corev1.SimpleType_SIMPLE_TYPE_INTEGER
	case *corev1.Primitive_FloatValue:
		return corev1.SimpleType_SIMPLE_TYPE_FLOAT
	case *corev1.Primitive_Boolean:
		return corev1.SimpleType_SIMPLE_TYPE_BOOLEAN
	case *corev1.Primitive_Datetime:
		return corev1.SimpleType_SIMPLE_TYPE_DATETIME
	case *corev1.Primitive_Duration:
		return corev1.SimpleType_SIMPLE_TYPE_DURATION
	}
	return corev1.SimpleType_SIMPLE_TYPE_STRING
}

// buildWorkflows builds the create request of every workflow.
func (d *decoder) buildWorkflows() {
	for _, w := range d.wfList {
		d.workflowRequest(w)
	}
}

// workflowRequest builds (once) the create request of a workflow, with the
// templates of every sub-workflow it runs, recursively.
func (d *decoder) workflowRequest(w *wfDef) *adminv1.WorkflowCreateRequest {
	if w.req != nil {
		return w.req
	}
	if w.idlReq != nil {
		w.req = w.idlReq
		return w.req
	}
	b := &wfBuild{d: d, w: w, doc: w.doc}
	iface := d.wfIface(w)
	tmpl := &corev1.WorkflowTemplate{Id: proto.Clone(w.id).(*corev1.Identifier), Interface: iface}
	if w.doc.policy != corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY {
		tmpl.Metadata = &corev1.WorkflowMetadata{OnFailure: w.doc.policy}
	}
	if w.doc.interruptible != nil {
		tmpl.MetadataDefaults = &corev1.WorkflowMetadataDefaults{Interruptible: *w.doc.interruptible}
	}
	for _, nd := range w.doc.nodes {
		if n := b.node(nd); n != nil {
			tmpl.Nodes = append(tmpl.Nodes, n)
		}
	}
	for _, out := range w.doc.outputs {
		os := w.s.in("output %s", out.name)
		v := iface.GetOutputs().GetVariables()[out.name]
		if v == nil {
			continue // the type problem is reported
		}
		if bd := b.binding(os, out.val, v.GetType(), ""); bd != nil {
			tmpl.Outputs = append(tmpl.Outputs, &corev1.Binding{Var: out.name, Binding: bd})
		}
	}
	if w.doc.onFailure != nil {
		tmpl.FailureNode = b.node(w.doc.onFailure)
	}
	spec := &adminv1.WorkflowSpec{Template: tmpl, Description: w.doc.desc}
	seen := map[idKey]bool{}
	var addSubs func(x *wfDef)
	addSubs = func(x *wfDef) {
		for _, sub := range x.subs {
			if seen[keyOf(sub.id)] {
				continue
			}
			seen[keyOf(sub.id)] = true
			req := d.workflowRequest(sub)
			spec.SubWorkflows = append(spec.SubWorkflows, req.GetSpec().GetTemplate())
			for _, t := range req.GetSpec().GetSubWorkflows() {
				if !seen[keyOf(t.GetId())] {
					seen[keyOf(t.GetId())] = true
					spec.SubWorkflows = append(spec.SubWorkflows, t)
				}
			}
		}
	}
	addSubs(w)
	w.req = &adminv1.WorkflowCreateRequest{Id: proto.Clone(w.id).(*corev1.Identifier), Spec: spec}
	return w.req
}

// wfBuild builds the nodes and bindings of one compact workflow.
type wfBuild struct {
	d   *decoder
	w   *wfDef
	doc *wfDoc
}

func (b *wfBuild) node(nd *nodeDoc) *corev1.Node {
	if nd == nil {
		return nil
	}
	n := &corev1.Node{Id: nd.id, Metadata: nd.meta}
	for _, a := range nd.after {
		switch {
		case a == nd.id:
			nd.s.in("after").errorf(nd.afterAt, "a node cannot run after itself")
		case b.doc.byID[a] == nil:
			nd.s.in("after").errorf(nd.afterAt, "no node %q in workflow %s", a, b.w.id.GetName())
		default:
			n.UpstreamNodeIds = append(n.UpstreamNodeIds, a)
		}
	}
	refID := func() *corev1.Identifier { return proto.Clone(nd.ref.id).(*corev1.Identifier) }
	switch nd.kind {
	case kindTask:
		n.Target = &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: refID(), Overrides: nd.overrides}}
		n.Inputs = b.bindings(nd)
	case kindMap:
		inner := &corev1.Node{Id: nd.id + mapItemSuffix, Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: refID(), Overrides: nd.overrides}}}
		if nd.meta != nil {
			// Retries, timeout and caching apply to each element; the
			// display name belongs to the map node.
			inner.Metadata = proto.Clone(nd.meta).(*corev1.NodeMetadata)
			inner.Metadata.Name = ""
			n.Metadata = nil
			if nd.meta.GetName() != "" {
				n.Metadata = &corev1.NodeMetadata{Name: nd.meta.GetName()}
			}
		}
		an := proto.Clone(nd.array).(*corev1.ArrayNode)
		an.Node = inner
		n.Target = &corev1.Node_ArrayNode{ArrayNode: an}
		n.Inputs = b.bindings(nd)
		inner.Inputs = b.boundInputs(nd)
	case kindWorkflow:
		n.Target = &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_SubWorkflowRef{SubWorkflowRef: refID()}}}
		n.Inputs = b.bindings(nd)
	case kindLaunchPlan:
		n.Target = &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_LaunchplanRef{LaunchplanRef: refID()}}}
		n.Inputs = b.bindings(nd)
	case kindGate:
		n.Target = &corev1.Node_GateNode{GateNode: nd.gate}
	case kindBranch:
		b.branch(nd, n)
	}
	return n
}

// mapItemSuffix names the node a map node runs for each element.
const mapItemSuffix = "-item"

// branch fills a branch node: one input per reference its conditions read,
// and the cases.
func (b *wfBuild) branch(nd *nodeDoc, n *corev1.Node) {
	seen := map[string]bool{}
	ie := &corev1.IfElseBlock{}
	for i, c := range nd.branch.cases {
		for _, r := range c.cond.refs {
			if seen[r.text] {
				continue
			}
			seen[r.text] = true
			if b.checkRef(nd.s.in("branch").in("case %d", i+1).in("when"), c.at, r, nd.id) {
				n.Inputs = append(n.Inputs, &corev1.Binding{Var: r.text, Binding: &corev1.BindingData{
					Value: &corev1.BindingData_Promise{Promise: r.promise()}}})
			}
		}
		blk := &corev1.IfBlock{Condition: c.cond.expr, ThenNode: b.node(c.then)}
		if i == 0 {
			ie.Case = blk
		} else {
			ie.Other = append(ie.Other, blk)
		}
	}
	switch {
	case nd.branch.elseNode != nil:
		ie.Default = &corev1.IfElseBlock_ElseNode{ElseNode: b.node(nd.branch.elseNode)}
	case nd.branch.errMsg != nil:
		ie.Default = &corev1.IfElseBlock_Error{Error: &corev1.Error{FailedNodeId: nd.id, Message: *nd.branch.errMsg}}
	}
	n.Target = &corev1.Node_BranchNode{BranchNode: &corev1.BranchNode{IfElse: ie}}
}

// bindings converts a node's inputs: mapping to bindings typed by its target.
func (b *wfBuild) bindings(nd *nodeDoc) []*corev1.Binding {
	types, what := b.d.nodeInputs(nd)
	var out []*corev1.Binding
	for _, p := range nd.inputs {
		is := nd.s.in("input %s", p.key)
		var t *corev1.LiteralType
		if types != nil {
			t = types[p.key]
			if t == nil {
				is.errorf(p.knode, "%s has no input %q (inputs: %s)", what, p.key, sortedKeys(types))
				continue
			}
		}
		if bd := b.binding(is, p.val, t, nd.id); bd != nil {
			out = append(out, &corev1.Binding{Var: p.key, Binding: bd})
		}
	}
	return out
}

// boundInputs converts the bound: inputs of a map node, which every element
// gets unchanged, typed by the task's own inputs.
func (b *wfBuild) boundInputs(nd *nodeDoc) []*corev1.Binding {
	var vars map[string]*corev1.Variable
	if nd.task != nil {
		vars = nd.task.req.GetSpec().GetTemplate().GetInterface().GetInputs().GetVariables()
	}
	mapped := map[string]bool{}
	for _, p := range nd.inputs {
		mapped[p.key] = true
	}
	var out []*corev1.Binding
	for _, p := range nd.bound {
		is := nd.s.in("map").in("bound").in("%s", p.key)
		var t *corev1.LiteralType
		if vars != nil {
			v := vars[p.key]
			if v == nil {
				is.errorf(p.knode, "task %s has no input %q (inputs: %s)", nd.task.req.GetId().GetName(), p.key, sortedKeys(vars))
				continue
			}
			t = v.GetType()
		}
		if mapped[p.key] {
			is.errorf(p.knode, "input %q is both mapped (inputs:) and bound; keep one", p.key)
			continue
		}
		if bd := b.binding(is, p.val, t, nd.id); bd != nil {
			out = append(out, &corev1.Binding{Var: p.key, Binding: bd})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

// binding converts a value to binding data of type t (nil: unknown). self
// is the id of the node being bound, which its own bindings cannot name.
func (b *wfBuild) binding(s scope, n *yaml.Node, t *corev1.LiteralType, self string) *corev1.BindingData {
	n = s.resolve(n)
	if n == nil {
		return nil // reported by resolve
	}
	if isReference(n) {
		r, err := parseReference(n.Value[1:])
		if err != nil {
			s.errorf(n, "%v", err)
			return nil
		}
		if !b.checkRef(s, n, r, self) {
			return nil
		}
		return &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: r.promise()}}
	}
	if u := t.GetUnionType(); u != nil && !isNull(n) && b.containsRef(s, n) {
		for _, v := range u.GetVariants() {
			if (n.Kind == yaml.SequenceNode && v.GetCollectionType() != nil) || (n.Kind == yaml.MappingNode && v.GetMapValueType() != nil) {
				bd := b.binding(s, n, v, self)
				if bd != nil {
					bd.Union = &corev1.UnionInfo{TargetType: v}
				}
				return bd
			}
		}
		s.errorf(n, "want %s, found %s", FormatType(t), kindName(n))
		return nil
	}
	switch {
	case n.Kind == yaml.SequenceNode && (t == nil || t.GetCollectionType() != nil):
		coll := &corev1.BindingDataCollection{}
		ok := true
		for _, item := range n.Content {
			bd := b.binding(s, item, t.GetCollectionType(), self)
			if bd == nil {
				ok = false
				continue
			}
			coll.Bindings = append(coll.Bindings, bd)
		}
		if !ok {
			return nil
		}
		return &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: coll}}
	case n.Kind == yaml.MappingNode && (t == nil || t.GetMapValueType() != nil):
		ps, err := s.entries(n)
		if err != nil {
			s.report(err, n)
			return nil
		}
		m := &corev1.BindingDataMap{Bindings: map[string]*corev1.BindingData{}}
		ok := true
		for _, p := range ps {
			bd := b.binding(s, p.val, t.GetMapValueType(), self)
			if bd == nil {
				ok = false
				continue
			}
			m.Bindings[p.key] = bd
		}
		if !ok {
			return nil
		}
		return &corev1.BindingData{Value: &corev1.BindingData_Map{Map: m}}
	}
	lit, err := s.literal(n, t)
	if err != nil {
		s.report(err, n)
		return nil
	}
	sc := lit.GetScalar()
	if sc == nil {
		s.errorf(n, "want %s, found %s", FormatType(t), kindName(n))
		return nil
	}
	return &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: sc}}
}

func (b *wfBuild) containsRef(s scope, n *yaml.Node) bool {
	n = s.resolve(n)
	if n == nil {
		return false
	}
	if isReference(n) {
		return true
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue
		}
		if b.containsRef(s, c) {
			return true
		}
	}
	return false
}

// checkRef reports a reference to a workflow input, node or output that
// does not exist. at is the node to report against.
func (b *wfBuild) checkRef(s scope, at *yaml.Node, r *reference, self string) bool {
	if r.node == inputsRef {
		for _, in := range b.doc.inputs {
			if in.name == r.name {
				return true
			}
		}
		names := make(map[string]bool, len(b.doc.inputs))
		for _, in := range b.doc.inputs {
			names[in.name] = true
		}
		s.errorf(at, "$%s: workflow %s has no input %q (inputs: %s)", r.text, b.w.id.GetName(), r.name, sortedKeys(names))
		return false
	}
	if r.node == self {
		s.errorf(at, "$%s: a node cannot read its own outputs", r.text)
		return false
	}
	nd := b.doc.byID[r.node]
	if nd == nil {
		s.errorf(at, "$%s: no node %q in workflow %s", r.text, r.node, b.w.id.GetName())
		return false
	}
	outs, _ := b.d.nodeOutputs(nd)
	if outs != nil && outs[r.name] == nil {
		s.errorf(at, "$%s: node %s has no output %q (outputs: %s)", r.text, r.node, r.name, sortedKeys(outs))
		return false
	}
	return true
}
