package compiler

import (
	"fmt"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// bindBranch checks a branch node: its own bindings (the values its conditions read, typed by
// what they bind), its conditions, and the bindings of the node of every case. The dependencies
// of the case nodes belong to the branch node.
func (w *wfCompiler) bindBranch(n *corev1.Node, info, owner *nodeInfo, failure bool) {
	id := n.GetId()
	info.branchInputs = map[string]*corev1.LiteralType{}
	b := &binder{w: w, onlyStart: failure}
	for i, bd := range n.GetInputs() {
		v := bd.GetVar()
		_, dup := info.branchInputs[v]
		switch {
		case v == "":
			b.add(CodeInvalidBinding, "", "binding %d names no input", i)
		case dup:
			b.add(CodeDuplicateBinding, "", "input is bound more than once")
		}
		t := b.bind(bd.GetBinding(), nil, "")
		if v != "" && !dup {
			info.branchInputs[v] = t
		}
		b.flush(id, v, owner)
	}
	ie := n.GetBranchNode().GetIfElse()
	if ie == nil {
		return
	}
	for i, cs := range append([]*corev1.IfBlock{ie.GetCase()}, ie.GetOther()...) {
		if cs == nil {
			continue
		}
		w.checkCondition(id, caseLabel(i), cs.GetCondition(), info.branchInputs, 0)
		if t := cs.GetThenNode(); t != nil {
			w.bindNode(t, owner, failure)
		}
	}
	if e := ie.GetElseNode(); e != nil {
		w.bindNode(e, owner, failure)
	}
}

// maxConditionDepth bounds the nesting of conjunctions, which arrive from users.
const maxConditionDepth = 64

func (w *wfCompiler) checkCondition(id, label string, e *corev1.BooleanExpression, inputs map[string]*corev1.LiteralType, depth int) {
	if depth > maxConditionDepth {
		w.problem(id, "", CodeInvalidCondition, "%s: condition is nested more than %d levels deep", label, maxConditionDepth)
		return
	}
	switch x := e.GetExpr().(type) {
	case *corev1.BooleanExpression_Conjunction:
		switch x.Conjunction.GetOperator() {
		case corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND, corev1.ConjunctionExpression_LOGICAL_OPERATOR_OR:
		default:
			w.problem(id, "", CodeInvalidCondition, "%s: logical operator is unspecified or unknown (%d)", label, int32(x.Conjunction.GetOperator()))
		}
		w.checkCondition(id, label, x.Conjunction.GetLeftExpression(), inputs, depth+1)
		w.checkCondition(id, label, x.Conjunction.GetRightExpression(), inputs, depth+1)
	case *corev1.BooleanExpression_Comparison:
		c := x.Comparison
		op := c.GetOperator()
		if op <= corev1.ComparisonExpression_OPERATOR_UNSPECIFIED || op > corev1.ComparisonExpression_OPERATOR_LTE {
			w.problem(id, "", CodeInvalidCondition, "%s: comparison operator is unspecified or unknown (%d)", label, int32(op))
			return
		}
		lt, lok := w.operand(id, label, c.GetLeftValue(), inputs)
		rt, rok := w.operand(id, label, c.GetRightValue(), inputs)
		if !lok || !rok {
			return
		}
		if msg := compareTypes(op, lt, rt); msg != "" {
			v := c.GetLeftValue().GetVar()
			if v == "" {
				v = c.GetRightValue().GetVar()
			}
			w.problem(id, v, CodeInvalidCondition, "%s: %s", label, msg)
		}
	default:
		w.problem(id, "", CodeInvalidCondition, "%s: condition is missing", label)
	}
}

// operand returns the type of an operand; ok is false when it is unknown or malformed (a
// problem is then recorded if malformed).
func (w *wfCompiler) operand(id, label string, o *corev1.Operand, inputs map[string]*corev1.LiteralType) (*corev1.LiteralType, bool) {
	switch x := o.GetVal().(type) {
	case *corev1.Operand_Primitive:
		st, err := primitiveType(x.Primitive)
		if err != nil {
			w.problem(id, "", CodeInvalidCondition, "%s: operand: %v", label, err)
			return nil, false
		}
		return simpleType(st), true
	case *corev1.Operand_Var:
		t, ok := inputs[x.Var]
		if !ok {
			w.problem(id, x.Var, CodeInvalidCondition, "%s: condition reads %q, which is not an input of the branch node (inputs: %s)", label, x.Var, names(inputs))
			return nil, false
		}
		return t, t != nil
	case *corev1.Operand_Scalar:
		t, err := LiteralTypeOf(&corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: x.Scalar}})
		if err != nil {
			w.problem(id, "", CodeInvalidCondition, "%s: operand: %v", label, err)
			return nil, false
		}
		return t, true
	}
	w.problem(id, "", CodeInvalidCondition, "%s: an operand is missing", label)
	return nil, false
}

var comparableSimple = map[corev1.SimpleType]bool{
	corev1.SimpleType_SIMPLE_TYPE_INTEGER:  true,
	corev1.SimpleType_SIMPLE_TYPE_FLOAT:    true,
	corev1.SimpleType_SIMPLE_TYPE_STRING:   true,
	corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:  true,
	corev1.SimpleType_SIMPLE_TYPE_DATETIME: true,
	corev1.SimpleType_SIMPLE_TYPE_DURATION: true,
}

// compareTypes says why two operand types cannot be compared with op, or "" when they can.
// Operands must have the same primitive type (int is not compared with float); booleans and
// enums only with == and !=; none only with == and != against an optional value.
func compareTypes(op corev1.ComparisonExpression_Operator, l, r *corev1.LiteralType) string {
	ordering := op != corev1.ComparisonExpression_OPERATOR_EQ && op != corev1.ComparisonExpression_OPERATOR_NEQ
	if isNone(l) || isNone(r) {
		other := r
		if isNone(r) {
			other = l
		}
		if ordering {
			return "none can only be compared with == and !="
		}
		if !isNone(other) && !isOptional(other) {
			return fmt.Sprintf("cannot compare %s with none: it is not optional", FormatType(other))
		}
		return ""
	}
	l2, r2 := stripOptional(l), stripOptional(r)
	if l2 == nil || r2 == nil {
		return fmt.Sprintf("cannot compare %s with %s: unions other than optional values cannot be compared", FormatType(l), FormatType(r))
	}
	isStr := func(t *corev1.LiteralType) bool {
		s, ok := t.GetType().(*corev1.LiteralType_Simple)
		return ok && s.Simple == corev1.SimpleType_SIMPLE_TYPE_STRING
	}
	if l2.GetEnumType() != nil || r2.GetEnumType() != nil {
		if ordering {
			return "enum values can only be compared with == and !="
		}
		if (l2.GetEnumType() != nil || isStr(l2)) && (r2.GetEnumType() != nil || isStr(r2)) {
			return ""
		}
		return fmt.Sprintf("cannot compare %s with %s", FormatType(l2), FormatType(r2))
	}
	ls, lok := l2.GetType().(*corev1.LiteralType_Simple)
	rs, rok := r2.GetType().(*corev1.LiteralType_Simple)
	if !lok || !rok || !comparableSimple[ls.Simple] || !comparableSimple[rs.Simple] {
		return fmt.Sprintf("cannot compare %s with %s: only int, float, str, bool, datetime, duration and enum values can be compared", FormatType(l2), FormatType(r2))
	}
	if ls.Simple != rs.Simple {
		return fmt.Sprintf("cannot compare %s with %s", FormatType(l2), FormatType(r2))
	}
	if ls.Simple == corev1.SimpleType_SIMPLE_TYPE_BOOLEAN && ordering {
		return "booleans can only be compared with == and !="
	}
	return ""
}

// stripOptional returns T for optional[T], t for a non-union, and nil for other unions.
func stripOptional(t *corev1.LiteralType) *corev1.LiteralType {
	u := t.GetUnionType()
	if u == nil {
		return t
	}
	var rest []*corev1.LiteralType
	for _, v := range u.GetVariants() {
		if !isNone(v) {
			rest = append(rest, v)
		}
	}
	if len(rest) != 1 {
		return nil
	}
	return stripOptional(rest[0])
}
