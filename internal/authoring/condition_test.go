package authoring

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func opVar(name string) *corev1.Operand {
	return &corev1.Operand{Val: &corev1.Operand_Var{Var: name}}
}

func opPrim(p *corev1.Primitive) *corev1.Operand {
	return &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: p}}
}

func opInt(i int64) *corev1.Operand {
	return opPrim(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}})
}

func cmpExpr(op corev1.ComparisonExpression_Operator, l, r *corev1.Operand) *corev1.BooleanExpression {
	return comparison(op, l, r)
}

func conj(op corev1.ConjunctionExpression_LogicalOperator, l, r *corev1.BooleanExpression) *corev1.BooleanExpression {
	return &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Conjunction{Conjunction: &corev1.ConjunctionExpression{
		Operator: op, LeftExpression: l, RightExpression: r}}}
}

func TestParseCondition(t *testing.T) {
	t.Parallel()
	const (
		eq  = corev1.ComparisonExpression_OPERATOR_EQ
		neq = corev1.ComparisonExpression_OPERATOR_NEQ
		gt  = corev1.ComparisonExpression_OPERATOR_GT
		gte = corev1.ComparisonExpression_OPERATOR_GTE
		lt  = corev1.ComparisonExpression_OPERATOR_LT
		lte = corev1.ComparisonExpression_OPERATOR_LTE
		and = corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND
		or  = corev1.ConjunctionExpression_LOGICAL_OPERATOR_OR
	)
	boolTrue := opPrim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: true}})
	tests := []struct {
		src  string
		want *corev1.BooleanExpression
		refs []string
	}{
		{"$inputs.x > 3", cmpExpr(gt, opVar("inputs.x"), opInt(3)), []string{"inputs.x"}},
		{"3 <= $inputs.x", cmpExpr(lte, opInt(3), opVar("inputs.x")), []string{"inputs.x"}},
		{"$a.b >= -2.5", cmpExpr(gte, opVar("a.b"), opPrim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: -2.5}})), []string{"a.b"}},
		{"$a.b < 1e3", cmpExpr(lt, opVar("a.b"), opPrim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: 1000}})), []string{"a.b"}},
		{`$inputs.mode == "fast"`, cmpExpr(eq, opVar("inputs.mode"), opPrim(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: "fast"}})), []string{"inputs.mode"}},
		{`$inputs.mode != 'a b'`, cmpExpr(neq, opVar("inputs.mode"), opPrim(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: "a b"}})), []string{"inputs.mode"}},
		{"$inputs.flag == false", cmpExpr(eq, opVar("inputs.flag"), opPrim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: false}})), []string{"inputs.flag"}},
		{"$inputs.flag", cmpExpr(eq, opVar("inputs.flag"), boolTrue), []string{"inputs.flag"}},
		{"$inputs.tag == none", cmpExpr(eq, opVar("inputs.tag"), &corev1.Operand{Val: &corev1.Operand_Scalar{Scalar: &corev1.Scalar{
			Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}}}), []string{"inputs.tag"}},
		{"$a.x == $b.y", cmpExpr(eq, opVar("a.x"), opVar("b.y")), []string{"a.x", "b.y"}},
		{`$n.rows[0] > 1 and $n.m["k"] < 2`, conj(and, cmpExpr(gt, opVar("n.rows[0]"), opInt(1)), cmpExpr(lt, opVar(`n.m["k"]`), opInt(2))), []string{"n.rows[0]", `n.m["k"]`}},
		// and binds tighter than or, and chains lean left.
		{"$a.x > 1 or $a.x < 0 and $b.y == 2", conj(or,
			cmpExpr(gt, opVar("a.x"), opInt(1)),
			conj(and, cmpExpr(lt, opVar("a.x"), opInt(0)), cmpExpr(eq, opVar("b.y"), opInt(2)))), []string{"a.x", "b.y"}},
		{"($a.x > 1 or $a.x < 0) and $b.y == 2", conj(and,
			conj(or, cmpExpr(gt, opVar("a.x"), opInt(1)), cmpExpr(lt, opVar("a.x"), opInt(0))),
			cmpExpr(eq, opVar("b.y"), opInt(2))), []string{"a.x", "b.y"}},
		{"$a.x == 1 and $a.x == 2 and $a.x == 3", conj(and,
			conj(and, cmpExpr(eq, opVar("a.x"), opInt(1)), cmpExpr(eq, opVar("a.x"), opInt(2))),
			cmpExpr(eq, opVar("a.x"), opInt(3))), []string{"a.x"}},
		{"  (( $a.x==1 ))  ", cmpExpr(eq, opVar("a.x"), opInt(1)), []string{"a.x"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			c, err := parseCondition(tt.src)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, c.expr, protocmp.Transform()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			var refs []string
			for _, r := range c.refs {
				refs = append(refs, r.text)
			}
			require.Equal(t, tt.refs, refs)
		})
	}
}

func TestParseConditionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"", "want a $reference or a constant"},
		{"3 > 2", "compares two constants"},
		{"3", "found the constant"},
		{"$a.x >", "want a $reference or a constant at offset 7"},
		{"$a.x > 1 and", "want a $reference or a constant"},
		{"$a.x = 1", "unknown operator"},
		{"$a.x => 1", "unknown operator at offset 6"},
		{"$a.x > 1 && $a.y", `unknown operator '&'`},
		{"$a.x > 1 AND $a.y", `unknown word "AND"`},
		{"not $a.x", `unknown word "not"`},
		{"$a.x > x", `unknown word "x" at offset 8 (references start with $, strings are quoted)`},
		{"($a.x > 1", `want ")"`},
		{"$a.x > 1)", `unexpected ")"`},
		{"$a.x < none", "none can only be compared with == or !="},
		{"$a.x > true", "true can only be compared with == or !="},
		{`$a.x == "open`, "unterminated string"},
		{"$a > 1", "want $a.OUTPUT"},
		{"$a.x > 1.2.3", "bad number"},
		{"$a.x # 1", "unexpected character '#'"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := parseCondition(tt.src)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseConditionDepthLimit(t *testing.T) {
	t.Parallel()
	src := "$a.x == 1"
	for range maxConditionDepth + 1 {
		src = "(" + src + ")"
	}
	_, err := parseCondition(src)
	require.ErrorContains(t, err, "nested more than")
}
