package compiler

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// edges is a compact form of a ConnectionSet for comparisons.
type edges struct {
	Up, Down map[string][]string
}

func toEdges(cs *corev1.ConnectionSet) edges {
	e := edges{Up: map[string][]string{}, Down: map[string][]string{}}
	for k, v := range cs.GetUpstream() {
		e.Up[k] = v.GetIds()
	}
	for k, v := range cs.GetDownstream() {
		e.Down[k] = v.GetIds()
	}
	return e
}

func TestConnections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wf   *corev1.WorkflowTemplate
		want edges
	}{
		{
			name: "chain",
			wf: workflow("wf", intIO, intO, nodes(
				taskNode("n1", "double", bind("x", in("x"))),
				taskNode("n2", "double", bind("x", prom("n1", "y"))),
			), bind("result", prom("n2", "y"))),
			want: edges{
				Up:   map[string][]string{"n1": {StartNodeID}, "n2": {"n1"}, EndNodeID: {"n2"}},
				Down: map[string][]string{StartNodeID: {"n1"}, "n1": {"n2"}, "n2": {EndNodeID}},
			},
		},
		{
			name: "fan-out and fan-in with an output read from the middle",
			wf: workflow("wf", intIO, vars{"first", tInt, "last", tInt}, nodes(
				taskNode("root", "double", bind("x", in("x"))),
				taskNode("left", "double", bind("x", prom("root", "y"))),
				taskNode("right", "hello"),
				taskNode("join", "add", bind("a", prom("left", "y")), bind("b", in("x"))),
			), bind("first", prom("root", "y")), bind("last", prom("join", "sum"))),
			want: edges{
				Up: map[string][]string{
					"root": {StartNodeID}, "left": {"root"}, "right": {StartNodeID}, "join": {StartNodeID, "left"},
					EndNodeID: {"root", "right", "join"},
				},
				Down: map[string][]string{
					StartNodeID: {"root", "right", "join"}, "root": {"left", EndNodeID}, "left": {"join"},
					"right": {EndNodeID}, "join": {EndNodeID},
				},
			},
		},
		{
			name: "branch case dependencies and explicit upstream ids belong to the branch",
			wf: workflow("wf", intIO, nil, nodes(
				taskNode("a", "double", bind("x", in("x"))),
				taskNode("b", "hello"),
				branchNode("br", []*corev1.Binding{bind("x", in("x"))}, withUpstream(taskNode("e", "hello"), "b"),
					ifCase(cmpExpr(opVar("x"), opGT, opInt(0)), taskNode("t", "double", bind("x", prom("a", "y"))))),
			)),
			want: edges{
				Up:   map[string][]string{"a": {StartNodeID}, "b": {StartNodeID}, "br": {StartNodeID, "a", "b"}, EndNodeID: {"br"}},
				Down: map[string][]string{StartNodeID: {"a", "b", "br"}, "a": {"br"}, "b": {"br"}, "br": {EndNodeID}},
			},
		},
		{
			name: "array bound inputs are dependencies of the array node",
			wf: workflow("wf", vars{"xs", tList(tInt)}, nil, nodes(
				taskNode("k", "double", bind("x", konst(sInt(1)))),
				arrayNode("arr", taskNode("sub", "add", bind("b", prom("k", "y"))), 1, bind("a", in("xs"))),
			)),
			want: edges{
				Up:   map[string][]string{"k": {StartNodeID}, "arr": {StartNodeID, "k"}, EndNodeID: {"arr"}},
				Down: map[string][]string{StartNodeID: {"k", "arr"}, "k": {"arr"}, "arr": {EndNodeID}},
			},
		},
		{
			name: "no nodes",
			wf:   workflow("wf", intIO, intO, nil, bind("result", in("x"))),
			want: edges{
				Up:   map[string][]string{EndNodeID: {StartNodeID}},
				Down: map[string][]string{StartNodeID: {EndNodeID}},
			},
		},
		{
			name: "failure node stays out of the graph",
			wf: withFailure(workflow("wf", vars{"name", tStr}, nil, nodes(taskNode("n1", "hello"))),
				taskNode("on-fail", "cleanup", bind("name", in("name")))),
			want: edges{
				Up:   map[string][]string{"n1": {StartNodeID}, EndNodeID: {"n1"}},
				Down: map[string][]string{StartNodeID: {"n1"}, "n1": {EndNodeID}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			closure, err := CompileWorkflow(context.Background(), tt.wf, nil, testResolver())
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tt.want, toEdges(closure.GetPrimary().GetConnections())))
		})
	}
}

func TestClosureContents(t *testing.T) {
	t.Parallel()
	other := workflow("other", nil, nil, nodes(taskNode("h", "hello")))
	unused := workflow("unused", nil, nil, nodes(taskNode("h", "hello")))
	wf := workflow("wf", intIO, intO, nodes(
		taskNode("n1", "double", bind("x", in("x"))),
		taskNode("n2", "double", bind("x", prom("n1", "y"))),
		subNode("s1", "inner", bind("x", prom("n2", "y"))),
		subNode("s2", "inner", bind("x", in("x"))),
		subNode("s3", "other"),
		lpNode("l1", "lp_add", bind("a", in("x")), bind("b", in("x"))),
		lpNode("l2", "lp_add", bind("a", in("x")), bind("b", in("x"))),
	), bind("result", prom("s1", "y")))
	closure, err := CompileWorkflow(context.Background(), wf, []*corev1.WorkflowTemplate{unused, other, innerWF, innerWF}, testResolver())
	require.NoError(t, err)

	var subs []string
	for _, s := range closure.GetSubWorkflows() {
		subs = append(subs, s.GetTemplate().GetId().GetName())
		require.NotNil(t, s.GetConnections())
	}
	require.Equal(t, []string{"inner", "other"}, subs)
	var tasks []string
	for _, tk := range closure.GetTasks() {
		tasks = append(tasks, tk.GetTemplate().GetId().GetName())
	}
	require.Equal(t, []string{"double", "hello"}, tasks)
	want := []*corev1.CompiledLaunchPlan{{Template: &corev1.LaunchPlanTemplate{
		Id:        lpID("lp_add"),
		Interface: iface(vars{"a", tInt, "b", tInt}, vars{"sum", tInt}),
	}}}
	require.Empty(t, cmp.Diff(want, closure.GetLaunchPlans(), protocmp.Transform()))
}

func TestClosureLaunchPlanFixedInputs(t *testing.T) {
	t.Parallel()
	fixed := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"c": lInt(3)}}
	r := defaultsResolver{testResolver(), &LaunchPlan{
		ExpectedInputs: &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
			"a": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Required{Required: true}},
		}},
		ExpectedOutputs: vars{"sum", tInt}.vm(),
		FixedInputs:     fixed,
	}}
	wf := workflow("wf", intIO, intO, nodes(lpNode("l", "lp_add", bind("a", in("x")))), bind("result", prom("l", "sum")))
	closure, err := CompileWorkflow(context.Background(), wf, nil, r)
	require.NoError(t, err)
	want := []*corev1.CompiledLaunchPlan{{Template: &corev1.LaunchPlanTemplate{
		Id:          lpID("lp_add"),
		Interface:   iface(vars{"a", tInt}, vars{"sum", tInt}),
		FixedInputs: fixed,
	}}}
	require.Empty(t, cmp.Diff(want, closure.GetLaunchPlans(), protocmp.Transform()))
}

func TestCompareTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		op      corev1.ComparisonExpression_Operator
		l, r    *corev1.LiteralType
		wantMsg string
	}{
		{"int == int", opEQ, tInt, tInt, ""},
		{"int > int", opGT, tInt, tInt, ""},
		{"float < float", opLT, tFloat, tFloat, ""},
		{"str < str", opLT, tStr, tStr, ""},
		{"datetime > datetime", opGT, tDatetime, tDatetime, ""},
		{"duration > duration", opGT, tDuration, tDuration, ""},
		{"bool == bool", opEQ, tBool, tBool, ""},
		{"bool > bool", opGT, tBool, tBool, "booleans can only"},
		{"int == float", opEQ, tInt, tFloat, "cannot compare int with float"},
		{"str == int", opEQ, tStr, tInt, "cannot compare str with int"},
		{"optional int > int", opGT, tOpt(tInt), tInt, ""},
		{"optional int == none", opEQ, tOpt(tInt), tNone, ""},
		{"none != optional int", corev1.ComparisonExpression_OPERATOR_NEQ, tNone, tOpt(tInt), ""},
		{"optional int > none", opGT, tOpt(tInt), tNone, "none can only"},
		{"int == none", opEQ, tInt, tNone, "not optional"},
		{"union", opEQ, tUnion(tInt, tStr), tInt, "unions other than optional"},
		{"enum == str", opEQ, tEnum("a"), tStr, ""},
		{"enum == enum", opEQ, tEnum("a"), tEnum("a", "b"), ""},
		{"enum == int", opEQ, tEnum("a"), tInt, "cannot compare enum[a] with int"},
		{"enum < str", opLT, tEnum("a"), tStr, "enum values can only"},
		{"struct", opEQ, tStruct, tStruct, "only int, float"},
		{"file", opEQ, tFile(""), tFile(""), "only int, float"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := compareTypes(tt.op, tt.l, tt.r)
			if tt.wantMsg == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tt.wantMsg)
		})
	}
}
