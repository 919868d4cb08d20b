package propeller

import (
	"errors"
	"fmt"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// evalCondition evaluates a branch condition over the branch node's inputs.
func evalCondition(e *corev1.BooleanExpression, inputs *corev1.LiteralMap) (bool, error) {
	switch x := e.GetExpr().(type) {
	case *corev1.BooleanExpression_Conjunction:
		l, err := evalCondition(x.Conjunction.GetLeftExpression(), inputs)
		if err != nil {
			return false, err
		}
		switch x.Conjunction.GetOperator() {
		case corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND:
			if !l {
				return false, nil
			}
		case corev1.ConjunctionExpression_LOGICAL_OPERATOR_OR:
			if l {
				return true, nil
			}
		default:
			return false, fmt.Errorf("unknown logical operator %v", x.Conjunction.GetOperator())
		}
		return evalCondition(x.Conjunction.GetRightExpression(), inputs)
	case *corev1.BooleanExpression_Comparison:
		return evalComparison(x.Comparison, inputs)
	}
	return false, errors.New("empty boolean expression")
}

// operand is a comparable value: a primitive, or none.
type operand struct {
	prim *corev1.Primitive
	none bool
}

func operandValue(o *corev1.Operand, inputs *corev1.LiteralMap) (operand, error) {
	switch v := o.GetVal().(type) {
	case *corev1.Operand_Primitive:
		return operand{prim: v.Primitive}, nil
	case *corev1.Operand_Scalar:
		return scalarOperand(v.Scalar)
	case *corev1.Operand_Var:
		l, ok := inputs.GetLiterals()[v.Var]
		if !ok {
			return operand{}, fmt.Errorf("condition reads input %q, which the branch node does not have", v.Var)
		}
		if l.GetScalar() == nil {
			return operand{}, fmt.Errorf("condition input %q is not a scalar", v.Var)
		}
		return scalarOperand(l.GetScalar())
	}
	return operand{}, errors.New("empty operand")
}

func scalarOperand(s *corev1.Scalar) (operand, error) {
	switch v := s.GetValue().(type) {
	case *corev1.Scalar_Primitive:
		return operand{prim: v.Primitive}, nil
	case *corev1.Scalar_NoneType:
		return operand{none: true}, nil
	case *corev1.Scalar_Union:
		if v.Union.GetValue().GetScalar() == nil {
			return operand{}, errors.New("union value is not a scalar")
		}
		return scalarOperand(v.Union.GetValue().GetScalar())
	}
	return operand{}, errors.New("only primitives and none can be compared")
}

func evalComparison(c *corev1.ComparisonExpression, inputs *corev1.LiteralMap) (bool, error) {
	l, err := operandValue(c.GetLeftValue(), inputs)
	if err != nil {
		return false, err
	}
	r, err := operandValue(c.GetRightValue(), inputs)
	if err != nil {
		return false, err
	}
	op := c.GetOperator()
	if l.none || r.none {
		switch op {
		case corev1.ComparisonExpression_OPERATOR_EQ:
			return l.none && r.none, nil
		case corev1.ComparisonExpression_OPERATOR_NEQ:
			return l.none != r.none, nil
		}
		return false, fmt.Errorf("none can only be compared with == or !=")
	}
	cmp, err := comparePrimitives(l.prim, r.prim)
	if err != nil {
		return false, err
	}
	switch op {
	case corev1.ComparisonExpression_OPERATOR_EQ:
		return cmp == 0, nil
	case corev1.ComparisonExpression_OPERATOR_NEQ:
		return cmp != 0, nil
	case corev1.ComparisonExpression_OPERATOR_GT:
		return cmp > 0, nil
	case corev1.ComparisonExpression_OPERATOR_GTE:
		return cmp >= 0, nil
	case corev1.ComparisonExpression_OPERATOR_LT:
		return cmp < 0, nil
	case corev1.ComparisonExpression_OPERATOR_LTE:
		return cmp <= 0, nil
	}
	return false, fmt.Errorf("unknown comparison operator %v", op)
}

// comparePrimitives orders two primitives of compatible kinds (integers and
// floats compare numerically); booleans only compare equal or not.
func comparePrimitives(a, b *corev1.Primitive) (int, error) {
	num := func(p *corev1.Primitive) (float64, bool) {
		switch v := p.GetValue().(type) {
		case *corev1.Primitive_Integer:
			return float64(v.Integer), true
		case *corev1.Primitive_FloatValue:
			return v.FloatValue, true
		}
		return 0, false
	}
	if ai, ok := a.GetValue().(*corev1.Primitive_Integer); ok {
		if bi, ok := b.GetValue().(*corev1.Primitive_Integer); ok {
			return cmp3(ai.Integer, bi.Integer), nil
		}
	}
	if an, ok := num(a); ok {
		if bn, ok := num(b); ok {
			return cmp3(an, bn), nil
		}
	}
	switch av := a.GetValue().(type) {
	case *corev1.Primitive_StringValue:
		if bv, ok := b.GetValue().(*corev1.Primitive_StringValue); ok {
			return strings.Compare(av.StringValue, bv.StringValue), nil
		}
	case *corev1.Primitive_Boolean:
		if bv, ok := b.GetValue().(*corev1.Primitive_Boolean); ok {
			if av.Boolean == bv.Boolean {
				return 0, nil
			}
			if !av.Boolean {
				return -1, nil
			}
			return 1, nil
		}
	case *corev1.Primitive_Datetime:
		if bv, ok := b.GetValue().(*corev1.Primitive_Datetime); ok {
			return av.Datetime.AsTime().Compare(bv.Datetime.AsTime()), nil
		}
	case *corev1.Primitive_Duration:
		if bv, ok := b.GetValue().(*corev1.Primitive_Duration); ok {
			return cmp3(av.Duration.AsDuration(), bv.Duration.AsDuration()), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %s with %s", primKind(a), primKind(b))
}

func cmp3[T ~int64 | ~float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func primKind(p *corev1.Primitive) string {
	switch p.GetValue().(type) {
	case *corev1.Primitive_Integer:
		return "integer"
	case *corev1.Primitive_FloatValue:
		return "float"
	case *corev1.Primitive_StringValue:
		return "string"
	case *corev1.Primitive_Boolean:
		return "boolean"
	case *corev1.Primitive_Datetime:
		return "datetime"
	case *corev1.Primitive_Duration:
		return "duration"
	}
	return "nothing"
}
