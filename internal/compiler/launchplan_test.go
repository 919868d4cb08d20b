package compiler

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestCompileLaunchPlan(t *testing.T) {
	t.Parallel()
	wf := &corev1.TypedInterface{
		Inputs: &corev1.VariableMap{Variables: map[string]*corev1.Variable{
			"a":    {Type: tInt, Description: "first"},
			"b":    {Type: tInt},
			"c":    {Type: tStr},
			"tag":  {Type: tOpt(tStr)},
			"tags": {Type: tList(tStr)},
		}},
		Outputs: vars{"sum", tInt}.vm(),
	}
	param := func(t *corev1.LiteralType, def *corev1.Literal) *corev1.Parameter {
		p := &corev1.Parameter{Var: &corev1.Variable{Type: t}}
		if def != nil {
			p.Behavior = &corev1.Parameter_Default{Default: def}
		} else {
			p.Behavior = &corev1.Parameter_Required{Required: true}
		}
		return p
	}
	required := &corev1.Parameter_Required{Required: true}
	tests := []struct {
		name     string
		defaults map[string]*corev1.Parameter
		fixed    map[string]*corev1.Literal
		want     map[string]*corev1.Parameter
		problems []want
	}{
		{
			name:     "defaults, fixed and the rest",
			defaults: map[string]*corev1.Parameter{"b": param(tInt, lInt(2)), "tags": param(tList(tStr), lList())},
			fixed:    map[string]*corev1.Literal{"c": lStr("x")},
			want: map[string]*corev1.Parameter{
				"a":    {Var: wf.Inputs.Variables["a"], Behavior: required},
				"b":    {Var: wf.Inputs.Variables["b"], Behavior: &corev1.Parameter_Default{Default: lInt(2)}},
				"tag":  {Var: wf.Inputs.Variables["tag"], Behavior: &corev1.Parameter_Default{Default: noneLiteral()}},
				"tags": {Var: wf.Inputs.Variables["tags"], Behavior: &corev1.Parameter_Default{Default: lList()}},
			},
		},
		{
			name:     "required optional input stays required",
			defaults: map[string]*corev1.Parameter{"tag": {Behavior: required}, "a": {}},
			fixed:    map[string]*corev1.Literal{"b": lInt(1), "c": lStr("x"), "tags": lList(lStr("t"))},
			want: map[string]*corev1.Parameter{
				"a":   {Var: wf.Inputs.Variables["a"], Behavior: required},
				"tag": {Var: wf.Inputs.Variables["tag"], Behavior: required},
			},
		},
		{
			name:     "unknown names",
			defaults: map[string]*corev1.Parameter{"zz": param(tInt, lInt(1))},
			fixed:    map[string]*corev1.Literal{"yy": lInt(1)},
			problems: []want{
				{v: "zz", code: CodeUnknownInput, msg: `default input "zz" is not an input of the workflow (inputs: a, b, c, tag, tags)`},
				{v: "yy", code: CodeUnknownInput, msg: `fixed input "yy" is not an input`},
			},
		},
		{
			name:     "values that do not fit",
			defaults: map[string]*corev1.Parameter{"a": param(tInt, lStr("1")), "b": param(tStr, nil), "tags": param(tList(tStr), lList(lInt(1)))},
			fixed:    map[string]*corev1.Literal{"c": lInt(1), "tag": lInt(2)},
			problems: []want{
				{v: "a", code: CodeInvalidValue, msg: "default value: expected int, got str"},
				{v: "b", code: CodeTypeMismatch, msg: "parameter type str does not fit the workflow input type int"},
				{v: "tags", code: CodeInvalidValue, msg: "default value: [0]: expected str, got int"},
				{v: "c", code: CodeInvalidValue, msg: "fixed value: expected str, got int"},
				{v: "tag", code: CodeInvalidValue, msg: "fixed value: expected optional[str], got int"},
			},
		},
		{
			name:     "fixed and defaulted",
			defaults: map[string]*corev1.Parameter{"a": param(tInt, lInt(1)), "b": nil},
			fixed:    map[string]*corev1.Literal{"a": lInt(2)},
			problems: []want{
				{v: "a", code: CodeInvalidValue, msg: "both fixed and given a default"},
				{v: "b", code: CodeInvalidValue, msg: "parameter is missing"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, out, err := CompileLaunchPlan(wf, &corev1.ParameterMap{Parameters: tt.defaults}, &corev1.LiteralMap{Literals: tt.fixed})
			checkProblems(t, err, tt.problems)
			if len(tt.problems) > 0 {
				return
			}
			require.Empty(t, cmp.Diff(&corev1.ParameterMap{Parameters: tt.want}, in, protocmp.Transform()))
			require.Empty(t, cmp.Diff(wf.GetOutputs(), out, protocmp.Transform()))
		})
	}
}

func TestCompileLaunchPlanNilInputs(t *testing.T) {
	t.Parallel()
	_, _, err := CompileLaunchPlan(nil, nil, nil)
	checkProblems(t, err, []want{{code: CodeInvalidInterface, msg: "workflow interface is missing"}})

	in, out, err := CompileLaunchPlan(&corev1.TypedInterface{}, nil, nil)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{}}, in, protocmp.Transform()))
	require.Empty(t, cmp.Diff(&corev1.VariableMap{Variables: map[string]*corev1.Variable{}}, out, protocmp.Transform()))
}
