package compiler

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// issue is a problem found inside one binding, before it is attributed to a node and variable.
type issue struct {
	code Code
	msg  string
}

// binder checks one binding (recursively) and collects the nodes it depends on.
type binder struct {
	w *wfCompiler
	// onlyStart restricts promises to workflow inputs (the failure node).
	onlyStart bool
	issues    []issue
	deps      []string
}

func (b *binder) add(code Code, at, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if at != "" {
		msg = at + ": " + msg
	}
	b.issues = append(b.issues, issue{code: code, msg: msg})
}

// flush reports the issues as problems of node and var, and adds the dependencies to owner.
func (b *binder) flush(node, v string, owner *nodeInfo) {
	for _, is := range b.issues {
		b.w.problem(node, v, is.code, "%s", is.msg)
	}
	for _, d := range b.deps {
		owner.addDep(d)
	}
	b.issues, b.deps = nil, nil
}

// bind checks d against want (nil: unknown, only references are checked) and returns the type
// the binding produces, or nil when it cannot be told.
func (b *binder) bind(d *corev1.BindingData, want *corev1.LiteralType, at string) *corev1.LiteralType {
	if d == nil || d.GetValue() == nil {
		b.add(CodeInvalidBinding, at, "binding has no value")
		return nil
	}
	if u := d.GetUnion(); u != nil {
		tt := u.GetTargetType()
		if err := ValidateType(tt); err != nil {
			b.add(CodeInvalidBinding, at, "union target type: %v", err)
			b.bindValue(d, nil, at)
			return nil
		}
		if want != nil && !AreTypesCastable(tt, want) {
			b.add(CodeTypeMismatch, at, "union variant %s does not fit %s", FormatType(tt), FormatType(want))
		}
		b.bindValue(d, tt, at)
		return tt
	}
	return b.bindValue(d, want, at)
}

func (b *binder) bindValue(d *corev1.BindingData, want *corev1.LiteralType, at string) *corev1.LiteralType {
	switch v := d.GetValue().(type) {
	case *corev1.BindingData_Scalar:
		lit := &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: v.Scalar}}
		got, err := LiteralTypeOf(lit)
		if err != nil {
			b.add(CodeInvalidBinding, at, "constant: %v", err)
			return nil
		}
		if want != nil {
			if err := checkLiteral(lit, want, "", 0); err != nil {
				b.add(CodeTypeMismatch, at, "constant does not fit %s: %v", FormatType(want), err)
			}
		}
		return got
	case *corev1.BindingData_Promise:
		t := b.promise(v.Promise, at)
		if want != nil && t != nil && !AreTypesCastable(t, want) {
			b.add(CodeTypeMismatch, at, "%s is %s, which does not fit %s", refName(v.Promise), FormatType(t), FormatType(want))
		}
		return t
	case *corev1.BindingData_Collection:
		return b.bindContainer(d, want, at, true)
	case *corev1.BindingData_Map:
		return b.bindContainer(d, want, at, false)
	}
	b.add(CodeInvalidBinding, at, "binding has no value")
	return nil
}

// bindContainer checks a list (isList) or map binding element by element.
func (b *binder) bindContainer(d *corev1.BindingData, want *corev1.LiteralType, at string, isList bool) *corev1.LiteralType {
	kind := "map"
	if isList {
		kind = "list"
	}
	var elemWant *corev1.LiteralType
	switch x := want.GetType().(type) {
	case nil:
		// Unknown target: check references only.
	case *corev1.LiteralType_CollectionType:
		if !isList {
			b.add(CodeTypeMismatch, at, "a map does not fit %s", FormatType(want))
			return b.bindContainer(d, nil, at, isList)
		}
		elemWant = x.CollectionType
	case *corev1.LiteralType_MapValueType:
		if isList {
			b.add(CodeTypeMismatch, at, "a list does not fit %s", FormatType(want))
			return b.bindContainer(d, nil, at, isList)
		}
		elemWant = x.MapValueType
	case *corev1.LiteralType_UnionType:
		// Try each variant; the first that takes the whole binding wins.
		for _, v := range x.UnionType.GetVariants() {
			trial := &binder{w: b.w, onlyStart: b.onlyStart}
			got := trial.bindValue(d, v, at)
			if len(trial.issues) == 0 {
				b.deps = append(b.deps, trial.deps...)
				return got
			}
		}
		b.add(CodeTypeMismatch, at, "the %s fits no variant of %s", kind, FormatType(want))
		return b.bindContainer(d, nil, at, isList)
	default:
		b.add(CodeTypeMismatch, at, "a %s does not fit %s", kind, FormatType(want))
		return b.bindContainer(d, nil, at, isList)
	}
	var got []*corev1.LiteralType
	unknown := false
	if isList {
		for i, e := range d.GetCollection().GetBindings() {
			t := b.bind(e, elemWant, fmt.Sprintf("%s[%d]", at, i))
			unknown = unknown || t == nil
			got = append(got, t)
		}
	} else {
		m := d.GetMap().GetBindings()
		for _, k := range sortedKeys(m) {
			t := b.bind(m[k], elemWant, fmt.Sprintf("%s[%q]", at, k))
			unknown = unknown || t == nil
			got = append(got, t)
		}
	}
	if unknown {
		return nil
	}
	elem := commonType(got, elemWant)
	if isList {
		return listOf(elem)
	}
	return mapOf(elem)
}

// commonType is the element type of a container binding: the wanted type when there is one,
// the single type of the elements, or a union of their distinct types.
func commonType(ts []*corev1.LiteralType, want *corev1.LiteralType) *corev1.LiteralType {
	if want != nil {
		return want
	}
	var distinct []*corev1.LiteralType
	for _, t := range ts {
		if !slices.ContainsFunc(distinct, func(d *corev1.LiteralType) bool { return proto.Equal(d, t) }) {
			distinct = append(distinct, t)
		}
	}
	switch len(distinct) {
	case 0:
		return simpleType(corev1.SimpleType_SIMPLE_TYPE_NONE)
	case 1:
		return distinct[0]
	}
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: distinct}}}
}

// promise resolves an output reference to its type (nil when unknown).
func (b *binder) promise(ref *corev1.OutputReference, at string) *corev1.LiteralType {
	if ref == nil {
		b.add(CodeInvalidBinding, at, "promise is empty")
		return nil
	}
	name := func() string { return refName(ref) }
	id, v := ref.GetNodeId(), ref.GetVar()
	var t *corev1.LiteralType
	switch {
	case id == "":
		b.add(CodeUnknownNode, at, "promise %s names no node", name())
		return nil
	case id == StartNodeID:
		b.deps = append(b.deps, StartNodeID)
		var ok bool
		if t, ok = b.w.inputs[v]; !ok {
			b.add(CodeUnknownOutput, at, "promise %s: the workflow has no input %q (inputs: %s)", name(), v, names(b.w.inputs))
			return nil
		}
	case id == EndNodeID:
		b.add(CodeUnknownNode, at, "promise %s: end-node has no outputs", name())
		return nil
	case b.onlyStart:
		b.add(CodeInvalidBinding, at, "promise %s: the failure node may only bind workflow inputs (start-node), since other nodes may not have run", name())
		return nil
	default:
		n, ok := b.w.top[id]
		if !ok {
			if b.w.ids[id] {
				b.add(CodeUnknownNode, at, "promise %s: node %s is nested in another node or is the failure node, and cannot be referenced", name(), id)
			} else {
				b.add(CodeUnknownNode, at, "promise %s: the workflow has no node %s", name(), id)
			}
			return nil
		}
		b.deps = append(b.deps, id)
		if !n.known {
			return nil
		}
		if t, ok = n.outputs[v]; !ok {
			b.add(CodeUnknownOutput, at, "promise %s: node %s has no output %q (outputs: %s)", name(), id, v, names(n.outputs))
			return nil
		}
	}
	if t == nil {
		return nil
	}
	return b.attrPath(t, ref.GetAttrPath(), name, at)
}

// attrPath follows an attribute path into a type: string steps into maps and structs with
// known fields, integer steps into lists. A struct without field types gives an unknown (nil)
// type, which is not checked further.
func (b *binder) attrPath(t *corev1.LiteralType, path []*corev1.PromiseAttribute, name func() string, at string) *corev1.LiteralType {
	for i, step := range path {
		switch s := step.GetValue().(type) {
		case *corev1.PromiseAttribute_StringValue:
			switch x := t.GetType().(type) {
			case *corev1.LiteralType_MapValueType:
				t = x.MapValueType
				continue
			case *corev1.LiteralType_Simple:
				if x.Simple == corev1.SimpleType_SIMPLE_TYPE_STRUCT {
					fields := t.GetStructure().GetDataclassType()
					if len(fields) == 0 {
						return nil
					}
					ft, ok := fields[s.StringValue]
					if !ok {
						b.add(CodeInvalidAttributePath, at, "promise %s: struct has no field %q (fields: %s)", name(), s.StringValue, names(fields))
						return nil
					}
					if ValidateType(ft) != nil {
						return nil
					}
					t = ft
					continue
				}
			}
			b.add(CodeInvalidAttributePath, at, "promise %s: cannot read attribute %q of %s", name(), s.StringValue, FormatType(t))
			return nil
		case *corev1.PromiseAttribute_IntValue:
			x, ok := t.GetType().(*corev1.LiteralType_CollectionType)
			if !ok {
				b.add(CodeInvalidAttributePath, at, "promise %s: cannot index %s with [%d]", name(), FormatType(t), s.IntValue)
				return nil
			}
			if s.IntValue < 0 {
				b.add(CodeInvalidAttributePath, at, "promise %s: index %d is negative", name(), s.IntValue)
				return nil
			}
			t = x.CollectionType
		default:
			b.add(CodeInvalidAttributePath, at, "promise %s: attribute path step %d is empty", name(), i)
			return nil
		}
	}
	return t
}

// refName renders an output reference as node.var.attr[0] for messages.
func refName(ref *corev1.OutputReference) string {
	var sb strings.Builder
	sb.WriteString(ref.GetNodeId())
	sb.WriteByte('.')
	sb.WriteString(ref.GetVar())
	for _, p := range ref.GetAttrPath() {
		switch s := p.GetValue().(type) {
		case *corev1.PromiseAttribute_StringValue:
			fmt.Fprintf(&sb, ".%s", s.StringValue)
		case *corev1.PromiseAttribute_IntValue:
			fmt.Fprintf(&sb, "[%d]", s.IntValue)
		default:
			sb.WriteString(".?")
		}
	}
	return sb.String()
}

func joinList(s []string) string { return strings.Join(s, ", ") }

// bindNode checks the bindings of a node (and of the nodes nested in it) and records its
// dependencies in owner. failure marks the workflow's failure node.
func (w *wfCompiler) bindNode(n *corev1.Node, owner *nodeInfo, failure bool) {
	info := w.info[n]
	if info == nil {
		return // not prepared: its container is malformed, which is reported already
	}
	id := n.GetId()
	switch x := n.GetTarget().(type) {
	case *corev1.Node_BranchNode:
		w.bindBranch(n, info, owner, failure)
	case *corev1.Node_ArrayNode:
		w.checkBindings(id, n.GetInputs(), info, owner, failure, nil)
		if sub := x.ArrayNode.GetNode(); sub != nil {
			si := w.info[sub]
			w.bindBoundInputs(sub, si, owner, failure)
			w.bindUpstream(sub, owner)
		}
	default:
		var omit func(string, *corev1.LiteralType) bool
		if failure {
			omit = func(_ string, t *corev1.LiteralType) bool { return carriesError(t) }
		}
		w.checkBindings(id, n.GetInputs(), info, owner, failure, omit)
	}
	w.bindUpstream(n, owner)
}

// carriesError reports whether a failure node input takes the error, which the engine supplies.
func carriesError(t *corev1.LiteralType) bool {
	if s, ok := t.GetType().(*corev1.LiteralType_Simple); ok {
		return s.Simple == corev1.SimpleType_SIMPLE_TYPE_ERROR
	}
	for _, v := range t.GetUnionType().GetVariants() {
		if carriesError(v) {
			return true
		}
	}
	return false
}

// checkBindings checks a node's bindings against its inputs: each bound once, each known, each
// fitting; and every input that is neither optional nor omittable bound.
func (w *wfCompiler) checkBindings(id string, bindings []*corev1.Binding, info *nodeInfo, owner *nodeInfo, failure bool, omit func(string, *corev1.LiteralType) bool) {
	b := &binder{w: w, onlyStart: failure}
	seen := make(map[string]bool, len(bindings))
	for i, bd := range bindings {
		v := bd.GetVar()
		var want *corev1.LiteralType
		switch {
		case v == "":
			b.add(CodeInvalidBinding, "", "binding %d names no input", i)
		case seen[v]:
			b.add(CodeDuplicateBinding, "", "input is bound more than once")
		case !info.known:
		default:
			t, ok := info.inputs[v]
			if !ok {
				b.add(CodeUnknownInput, "", "node has no input %q (inputs: %s)", v, names(info.inputs))
			}
			want = t
		}
		seen[v] = true
		b.bind(bd.GetBinding(), want, "")
		b.flush(id, v, owner)
	}
	if !info.known {
		return
	}
	for _, name := range sortedKeys(info.inputs) {
		t := info.inputs[name]
		// A nil type is malformed, which is reported where the interface is checked.
		if seen[name] || t == nil || isOptional(t) || info.omittable[name] || (omit != nil && omit(name, t)) {
			continue
		}
		w.problem(id, name, CodeMissingInput, "required input %q (%s) is not bound", name, FormatType(t))
	}
}

// bindBoundInputs checks the bindings an array node's sub-node makes itself: values passed to
// every element unchanged. Their dependencies belong to the array node.
func (w *wfCompiler) bindBoundInputs(sub *corev1.Node, si *nodeInfo, owner *nodeInfo, failure bool) {
	b := &binder{w: w, onlyStart: failure}
	seen := map[string]bool{}
	for i, bd := range sub.GetInputs() {
		v := bd.GetVar()
		var want *corev1.LiteralType
		switch {
		case v == "":
			b.add(CodeInvalidBinding, "", "binding %d names no input", i)
		case seen[v]:
			b.add(CodeDuplicateBinding, "", "input is bound more than once")
		case si == nil || !si.known:
		default:
			t, ok := si.inputs[v]
			if !ok {
				b.add(CodeUnknownInput, "", "node has no input %q (inputs: %s)", v, names(si.inputs))
			}
			want = t
		}
		seen[v] = true
		b.bind(bd.GetBinding(), want, "")
		b.flush(sub.GetId(), v, owner)
	}
}

// bindUpstream checks explicit upstream node ids and records them as dependencies of owner.
func (w *wfCompiler) bindUpstream(n *corev1.Node, owner *nodeInfo) {
	for _, u := range n.GetUpstreamNodeIds() {
		switch _, top := w.top[u]; {
		case u == StartNodeID || top:
			owner.addDep(u)
		case u == EndNodeID:
			w.problem(n.GetId(), "upstream_node_ids", CodeUnknownNode, "a node cannot depend on end-node")
		case w.ids[u]:
			w.problem(n.GetId(), "upstream_node_ids", CodeUnknownNode, "upstream node %s is nested in another node or is the failure node", u)
		default:
			w.problem(n.GetId(), "upstream_node_ids", CodeUnknownNode, "upstream node %s does not exist", u)
		}
	}
}

// bindOutputs checks the workflow output bindings and returns the nodes they read.
func (w *wfCompiler) bindOutputs() *nodeInfo {
	end := &nodeInfo{}
	outs := varTypes(w.tmpl.GetInterface().GetOutputs())
	b := &binder{w: w}
	seen := map[string]bool{}
	for i, bd := range w.tmpl.GetOutputs() {
		v := bd.GetVar()
		var want *corev1.LiteralType
		switch {
		case v == "":
			b.add(CodeInvalidBinding, "", "output binding %d names no output", i)
		case seen[v]:
			b.add(CodeDuplicateBinding, "", "workflow output is bound more than once")
		default:
			t, ok := outs[v]
			if !ok {
				b.add(CodeUnknownOutputBinding, "", "the workflow declares no output %q (outputs: %s)", v, names(outs))
			}
			want = t
		}
		seen[v] = true
		b.bind(bd.GetBinding(), want, "")
		b.flush(EndNodeID, v, end)
	}
	for _, name := range sortedKeys(outs) {
		if !seen[name] {
			w.problem(EndNodeID, name, CodeMissingOutput, "workflow output %q (%s) is not bound", name, FormatType(outs[name]))
		}
	}
	return end
}
