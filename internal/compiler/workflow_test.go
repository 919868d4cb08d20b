package compiler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// want is one expected problem: every non-empty field must match, msg as a substring.
type want struct {
	wf, node, v string
	code        Code
	msg         string
}

type compileCase struct {
	name string
	wf   *corev1.WorkflowTemplate
	subs []*corev1.WorkflowTemplate
	r    Resolver // testResolver() when nil
	want []want   // no problems when empty
}

// checkProblems asserts that err lists exactly the wanted problems (in any order).
func checkProblems(t *testing.T, err error, wants []want) {
	t.Helper()
	if len(wants) == 0 {
		require.NoError(t, err)
		return
	}
	var ce *CompileError
	require.ErrorAs(t, err, &ce)
	var got []string
	for _, p := range ce.Problems {
		got = append(got, string(p.Code)+" | "+p.String())
	}
	listing := strings.Join(got, "\n")
	used := make([]bool, len(ce.Problems))
	for _, w := range wants {
		found := false
		for i, p := range ce.Problems {
			if used[i] || p.Workflow != w.wf || p.Node != w.node || (w.v != "" && p.Var != w.v) ||
				p.Code != w.code || !strings.Contains(p.Message, w.msg) {
				continue
			}
			used[i], found = true, true
			break
		}
		require.True(t, found, "missing problem %+v; got:\n%s", w, listing)
	}
	require.Len(t, ce.Problems, len(wants), "unexpected extra problems:\n%s", listing)
}

func withAliases(n *corev1.Node, pairs ...string) *corev1.Node {
	for i := 0; i < len(pairs); i += 2 {
		n.OutputAliases = append(n.OutputAliases, &corev1.Alias{Var: pairs[i], Alias: pairs[i+1]})
	}
	return n
}

func withUpstream(n *corev1.Node, ids ...string) *corev1.Node {
	n.UpstreamNodeIds = ids
	return n
}

func withFailure(wf *corev1.WorkflowTemplate, n *corev1.Node) *corev1.WorkflowTemplate {
	wf.FailureNode = n
	return wf
}

var (
	innerWF = workflow("inner", vars{"x", tInt}, vars{"y", tInt},
		nodes(taskNode("d", "double", bind("x", in("x")))), bind("y", prom("d", "y")))
	intIO = vars{"x", tInt}
	intO  = vars{"result", tInt}
)

func validCases() []compileCase {
	return []compileCase{
		{name: "task chain", wf: workflow("wf", intIO, intO, nodes(
			taskNode("n1", "add", bind("a", in("x")), bind("b", konst(sInt(1)))),
			taskNode("n2", "double", bind("x", prom("n1", "sum"))),
		), bind("result", prom("n2", "y")))},
		{name: "sub-workflow", subs: []*corev1.WorkflowTemplate{innerWF}, wf: workflow("wf", intIO, intO, nodes(
			subNode("s", "inner", bind("x", in("x"))),
		), bind("result", prom("s", "y")))},
		{name: "launch plan", wf: workflow("wf", intIO, intO, nodes(
			lpNode("l", "lp_add", bind("a", in("x")), bind("b", konst(sInt(2)))),
		), bind("result", prom("l", "sum")))},
		{name: "launch plan defaults through LaunchPlanResolver", r: defaultsResolver{testResolver(), &LaunchPlan{
			ExpectedInputs: &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
				"a": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Required{Required: true}},
				"b": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Default{Default: lInt(1)}},
			}},
			ExpectedOutputs: vars{"sum", tInt}.vm(),
		}}, wf: workflow("wf", intIO, intO, nodes(
			lpNode("l", "lp_add", bind("a", in("x"))),
		), bind("result", prom("l", "sum")))},
		{name: "branch with if, elif and else", wf: workflow("wf", intIO, intO, nodes(
			branchNode("b", []*corev1.Binding{bind("x", in("x"))},
				taskNode("t3", "double", bind("x", konst(sInt(0)))),
				ifCase(cmpExpr(opVar("x"), opGT, opInt(10)), taskNode("t1", "double", bind("x", in("x")))),
				ifCase(cmpExpr(opVar("x"), opEQ, opInt(5)), taskNode("t2", "double", bind("x", konst(sInt(5))))),
			),
		), bind("result", prom("b", "y")))},
		{name: "branch with error default and conjunction", wf: workflow("wf", intIO, intO, nodes(
			taskNode("f", "flag"),
			branchNode("b", []*corev1.Binding{bind("m", prom("f", "maybe")), bind("ok", prom("f", "ok"))}, "no case holds",
				ifCase(and(cmpExpr(opVar("m"), corev1.ComparisonExpression_OPERATOR_NEQ, opNone()), cmpExpr(opVar("m"), opGT, opInt(3))),
					taskNode("t1", "double", bind("x", in("x")))),
				ifCase(cmpExpr(opVar("ok"), opEQ, opBool(true)), taskNode("t2", "double", bind("x", prom("f", "n")))),
			),
		), bind("result", prom("b", "y")))},
		{name: "gates approve, signal and sleep", wf: workflow("wf", intIO, intO, nodes(
			taskNode("n1", "double", bind("x", in("x"))),
			gateNode("g1", approve("go"), "n1"),
			gateNode("g2", signal("threshold", tInt, "value"), "g1"),
			taskNode("n2", "add", bind("a", prom("n1", "y")), bind("b", prom("g2", "value"))),
			gateNode("g3", sleep(durationpb.New(time.Minute)), "n2"),
		), bind("result", prom("n2", "sum")))},
		{name: "array node with min_success_ratio", wf: workflow("wf", vars{"xs", tList(tInt)}, vars{"ys", tList(tInt)}, nodes(
			arrayNode("arr", taskNode("arr-sub", "double"), 0.75, bind("x", in("xs"))),
		), bind("ys", prom("arr", "y")))},
		{name: "array node with a bound input", wf: workflow("wf", vars{"xs", tList(tInt), "k", tInt}, vars{"sums", tList(tInt)}, nodes(
			arrayNode("arr", taskNode("arr-sub", "add", bind("b", in("k"))), 1, bind("a", in("xs"))),
		), bind("sums", prom("arr", "sum")))},
		{name: "failure node binding a workflow input", wf: withFailure(workflow("wf", vars{"name", tStr}, nil, nodes(
			taskNode("n1", "hello"),
		)), taskNode("on-fail", "cleanup", bind("name", in("name"))))},
		{name: "optional inputs and union bindings", wf: workflow("wf", vars{"x", tInt, "s", tStr}, nil, nodes(
			taskNode("n1", "opt", bind("x", in("x"))),
			taskNode("n2", "opt", bind("x", in("x")), bind("maybe", asVariant(in("s"), tStr))),
			taskNode("n3", "opt", bind("x", in("x")), bind("maybe", konst(sNone()))),
			taskNode("n4", "opt", bind("x", in("x")), bind("maybe", in("s"))),
		))},
		{name: "attribute paths", wf: workflow("wf", vars{"xs", tList(tInt), "m", tMap(tInt)}, nil, nodes(
			taskNode("p", "point"),
			taskNode("n1", "double", bind("x", prom("p", "p", "x"))),
			taskNode("n2", "strlen", bind("s", prom("p", "p", "label"))),
			taskNode("n3", "double", bind("x", prom("p", "raw", "anything", 3))),
			taskNode("n4", "double", bind("x", prom(StartNodeID, "xs", 0))),
			taskNode("n5", "double", bind("x", prom(StartNodeID, "m", "k"))),
		))},
		{name: "collection and map bindings", wf: workflow("wf", vars{"x", tInt, "xs", tList(tInt)}, nil, nodes(
			taskNode("n1", "add", bind("a", in("x")), bind("b", konst(sInt(1)))),
			taskNode("n2", "total", bind("xs", bList(in("x"), konst(sInt(2)), prom("n1", "sum")))),
			taskNode("n3", "keys", bind("m", bMap(map[string]*corev1.BindingData{"a": in("x"), "b": prom("n1", "sum")}))),
			taskNode("n4", "total", bind("xs", in("xs"))),
			taskNode("n5", "total", bind("xs", bList())),
		))},
		{name: "output aliases", wf: workflow("wf", intIO, intO, nodes(
			withAliases(taskNode("n1", "add", bind("a", in("x")), bind("b", in("x"))), "sum", "total"),
			taskNode("n2", "double", bind("x", prom("n1", "total"))),
		), bind("result", prom("n2", "y")))},
		{name: "nested branch and arrays over a sub-workflow and a launch plan", subs: []*corev1.WorkflowTemplate{innerWF},
			wf: workflow("wf", vars{"x", tInt, "xs", tList(tInt)}, vars{"ys", tList(tInt), "sums", tList(tInt), "r", tInt}, nodes(
				arrayNode("over-sub", subNode("over-sub-node", "inner"), 0.5, bind("x", in("xs"))),
				arrayNode("over-lp", lpNode("over-lp-node", "lp_add", bind("b", in("x"))), 1, bind("a", prom("over-sub", "y"))),
				branchNode("outer", []*corev1.Binding{bind("x", in("x"))}, "negative",
					ifCase(cmpExpr(opVar("x"), opGT, opInt(0)),
						branchNode("inner-branch", []*corev1.Binding{bind("x", in("x"))}, taskNode("small", "double", bind("x", in("x"))),
							ifCase(cmpExpr(opVar("x"), opGT, opInt(100)), taskNode("big", "double", bind("x", konst(sInt(100)))))))),
			), bind("ys", prom("over-sub", "y")), bind("sums", prom("over-lp", "sum")), bind("r", prom("outer", "y")))},
		{name: "explicit upstream ids", wf: workflow("wf", nil, nil, nodes(
			taskNode("n1", "hello"),
			withUpstream(taskNode("n2", "hello"), "n1", StartNodeID),
		))},
		{name: "no nodes", wf: workflow("wf", intIO, intO, nil, bind("result", in("x")))},
	}
}

func TestCompileWorkflowValid(t *testing.T) {
	t.Parallel()
	for _, tc := range validCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runCase(t, tc)
		})
	}
}

func runCase(t *testing.T, tc compileCase) *corev1.CompiledWorkflowClosure {
	t.Helper()
	r := tc.r
	if r == nil {
		r = testResolver()
	}
	closure, err := CompileWorkflow(context.Background(), tc.wf, tc.subs, r)
	checkProblems(t, err, tc.want)
	if len(tc.want) == 0 {
		require.NotNil(t, closure)
		require.Same(t, tc.wf, closure.GetPrimary().GetTemplate())
	}
	return closure
}

func TestCompileWorkflowProblems(t *testing.T) {
	t.Parallel()
	ystr := task("ystr", nil, vars{"y", tStr})
	badTask := task("bad", vars{"x", tList(nil)}, nil)
	bigTask := task("big", nil, nil)
	overrides := taskNode("n1", "hello")
	overrides.GetTaskNode().Overrides = &corev1.TaskNodeOverrides{Resources: &corev1.Resources{
		Requests: []*corev1.Resources_ResourceEntry{{Name: corev1.Resources_RESOURCE_NAME_CPU, Value: "lots"}},
	}}
	negTimeout := taskNode("n1", "hello")
	negTimeout.Metadata = &corev1.NodeMetadata{Timeout: durationpb.New(-time.Second)}
	wrongType := taskNode("n1", "hello")
	wrongType.GetTaskNode().ReferenceId.ResourceType = corev1.ResourceType_RESOURCE_TYPE_WORKFLOW
	subA := workflow("a", nil, nil, nodes(subNode("call-b", "b")))
	subB := workflow("b", nil, nil, nodes(subNode("call-a", "a")))
	selfSub := workflow("self", nil, nil, nodes(subNode("again", "self")))
	brokenSub := workflow("broken", intIO, intO, nodes(taskNode("oops", "double", bind("x", konst(sStr("no"))))), bind("result", prom("oops", "y")))
	badIface := workflow("wf", vars{"x", tList(nil)}, nil, nodes(taskNode("n1", "hello")))
	notRef := &corev1.Node{Id: "w1", Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{}}}
	noRef := &corev1.Node{Id: "t1", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{}}}

	tests := []compileCase{
		{name: "node ids", wf: workflow("wf", nil, nil, nodes(
			taskNode("", "hello"),
			taskNode(StartNodeID, "hello"),
			taskNode("bad id!", "hello"),
			taskNode(strings.Repeat("a", 64), "hello"),
			taskNode("dup", "hello"),
			taskNode("dup", "hello"),
		)), want: []want{
			{code: CodeInvalidNodeID, msg: "empty id"},
			{node: StartNodeID, code: CodeReservedNodeID, msg: "reserved"},
			{node: "bad id!", code: CodeInvalidNodeID, msg: "letters, digits"},
			{node: strings.Repeat("a", 64), code: CodeInvalidNodeID, msg: "longer than 63"},
			{node: "dup", code: CodeDuplicateNodeID, msg: "more than one node"},
		}},
		{name: "missing targets", wf: workflow("wf", nil, nil, nodes(&corev1.Node{Id: "n1"}, noRef, notRef)), want: []want{
			{node: "n1", code: CodeMissingTarget, msg: "no target"},
			{node: "t1", code: CodeMissingTarget, msg: "no task reference"},
			{node: "w1", code: CodeMissingTarget, msg: "neither a launch plan nor a sub-workflow"},
		}},
		{name: "unresolved references", wf: workflow("wf", nil, nil, nodes(
			taskNode("n1", "nope"),
			lpNode("n2", "nope"),
			subNode("n3", "nope"),
			taskNode("n4", "double", bind("x", prom("n1", "anything"))),
			taskNode("n5", "nope"),
		)), want: []want{
			{node: "n1", code: CodeReferenceNotFound, msg: "task p/development/nope@v1 is not registered"},
			{node: "n2", code: CodeReferenceNotFound, msg: "launch plan p/development/nope@v1 is not registered"},
			{node: "n3", code: CodeReferenceNotFound, msg: "sub-workflow p/development/nope@v1 is not among"},
			{node: "n5", code: CodeReferenceNotFound, msg: "task p/development/nope@v1 is not registered"},
		}},
		{name: "reference of the wrong resource type", wf: workflow("wf", nil, nil, nodes(wrongType)), want: []want{
			{node: "n1", code: CodeInvalidReference, msg: "want TASK"},
		}},
		{name: "mutually recursive sub-workflows", subs: []*corev1.WorkflowTemplate{subA, subB},
			wf: workflow("wf", nil, nil, nodes(subNode("n1", "a"))), want: []want{
				{wf: "b", node: "call-a", code: CodeRecursiveSubWorkflow, msg: "runs itself: a -> b -> a"},
			}},
		{name: "self-recursive sub-workflow", subs: []*corev1.WorkflowTemplate{selfSub},
			wf: workflow("wf", nil, nil, nodes(subNode("n1", "self"))), want: []want{
				{wf: "self", node: "again", code: CodeRecursiveSubWorkflow, msg: "self -> self"},
			}},
		{name: "problems of a sub-workflow name it", subs: []*corev1.WorkflowTemplate{brokenSub},
			wf:   workflow("wf", intIO, intO, nodes(subNode("n1", "broken", bind("x", in("x")))), bind("result", prom("n1", "result"))),
			want: []want{{wf: "broken", node: "oops", v: "x", code: CodeTypeMismatch, msg: "constant does not fit int"}}},
		{name: "input bindings", wf: workflow("wf", intIO, nil, nodes(
			taskNode("n1", "add", bind("a", in("x")), bind("a", konst(sInt(1))), bind("c", konst(sInt(2)))),
			taskNode("n2", "double", bind("", in("x")), bind("x", in("x"))),
		)), want: []want{
			{node: "n1", v: "a", code: CodeDuplicateBinding, msg: "more than once"},
			{node: "n1", v: "c", code: CodeUnknownInput, msg: `no input "c" (inputs: a, b)`},
			{node: "n1", v: "b", code: CodeMissingInput, msg: `required input "b" (int) is not bound`},
			{node: "n2", code: CodeInvalidBinding, msg: "names no input"},
		}},
		{name: "type mismatches", wf: workflow("wf", vars{"x", tInt, "s", tStr}, nil, nodes(
			taskNode("n1", "double", bind("x", konst(sStr("1")))),
			taskNode("n2", "double", bind("x", in("s"))),
			taskNode("n3", "half", bind("f", in("x"))),
			taskNode("n4", "total", bind("xs", bList(konst(sInt(1)), konst(sStr("a"))))),
			taskNode("n5", "double", bind("x", bList(konst(sInt(1))))),
			taskNode("n6", "opt", bind("x", in("x")), bind("maybe", asVariant(in("x"), tInt))),
			taskNode("n7", "keys", bind("m", bMap(map[string]*corev1.BindingData{"k": in("s")}))),
			taskNode("n8", "total", bind("xs", bMap(map[string]*corev1.BindingData{"k": in("x")}))),
			taskNode("n9", "double", bind("x", &corev1.BindingData{})),
		)), want: []want{
			{node: "n1", v: "x", code: CodeTypeMismatch, msg: "constant does not fit int: expected int, got str"},
			{node: "n2", v: "x", code: CodeTypeMismatch, msg: "start-node.s is str, which does not fit int"},
			{node: "n3", v: "f", code: CodeTypeMismatch, msg: "start-node.x is int, which does not fit float"},
			{node: "n4", v: "xs", code: CodeTypeMismatch, msg: "[1]: constant does not fit int"},
			{node: "n5", v: "x", code: CodeTypeMismatch, msg: "a list does not fit int"},
			{node: "n6", v: "maybe", code: CodeTypeMismatch, msg: "union variant int does not fit optional[str]"},
			{node: "n7", v: "m", code: CodeTypeMismatch, msg: `["k"]: start-node.s is str, which does not fit int`},
			{node: "n8", v: "xs", code: CodeTypeMismatch, msg: "a map does not fit list[int]"},
			{node: "n9", v: "x", code: CodeInvalidBinding, msg: "binding has no value"},
		}},
		{name: "promises", wf: workflow("wf", intIO, nil, nodes(
			taskNode("n1", "double", bind("x", prom("ghost", "y"))),
			taskNode("n2", "double", bind("x", prom("n1", "nope"))),
			taskNode("n3", "double", bind("x", in("nope"))),
			taskNode("n4", "double", bind("x", prom("", "y"))),
			taskNode("n5", "double", bind("x", prom(EndNodeID, "y"))),
		)), want: []want{
			{node: "n1", v: "x", code: CodeUnknownNode, msg: "the workflow has no node ghost"},
			{node: "n2", v: "x", code: CodeUnknownOutput, msg: `node n1 has no output "nope" (outputs: y)`},
			{node: "n3", v: "x", code: CodeUnknownOutput, msg: `the workflow has no input "nope" (inputs: x)`},
			{node: "n4", v: "x", code: CodeUnknownNode, msg: "names no node"},
			{node: "n5", v: "x", code: CodeUnknownNode, msg: "end-node has no outputs"},
		}},
		{name: "promises to nested and failure nodes", wf: withFailure(workflow("wf", intIO, nil, nodes(
			branchNode("b", []*corev1.Binding{bind("x", in("x"))}, "none",
				ifCase(cmpExpr(opVar("x"), opGT, opInt(0)), taskNode("inner", "double", bind("x", in("x"))))),
			taskNode("n1", "double", bind("x", prom("inner", "y"))),
			taskNode("n2", "double", bind("x", prom("on-fail", "y"))),
		)), taskNode("on-fail", "double", bind("x", in("x")))), want: []want{
			{node: "n1", v: "x", code: CodeUnknownNode, msg: "node inner is nested"},
			{node: "n2", v: "x", code: CodeUnknownNode, msg: "node on-fail is nested in another node or is the failure node"},
		}},
		{name: "attribute paths", wf: workflow("wf", vars{"x", tInt, "xs", tList(tInt)}, nil, nodes(
			taskNode("p", "point"),
			taskNode("n1", "double", bind("x", prom(StartNodeID, "x", 0))),
			taskNode("n2", "double", bind("x", prom("p", "p", "nope"))),
			taskNode("n3", "double", bind("x", prom(StartNodeID, "xs", -1))),
			taskNode("n4", "double", bind("x", prom(StartNodeID, "xs", "a"))),
			taskNode("n5", "double", bind("x", prom("p", "p", "label"))),
		)), want: []want{
			{node: "n1", v: "x", code: CodeInvalidAttributePath, msg: "cannot index int with [0]"},
			{node: "n2", v: "x", code: CodeInvalidAttributePath, msg: `struct has no field "nope" (fields: label, x)`},
			{node: "n3", v: "x", code: CodeInvalidAttributePath, msg: "index -1 is negative"},
			{node: "n4", v: "x", code: CodeInvalidAttributePath, msg: `cannot read attribute "a" of list[int]`},
			{node: "n5", v: "x", code: CodeTypeMismatch, msg: "p.p.label is str, which does not fit int"},
		}},
		{name: "upstream ids", wf: workflow("wf", nil, nil, nodes(
			withUpstream(taskNode("n1", "hello"), "ghost", EndNodeID),
		)), want: []want{
			{node: "n1", v: "upstream_node_ids", code: CodeUnknownNode, msg: "upstream node ghost does not exist"},
			{node: "n1", v: "upstream_node_ids", code: CodeUnknownNode, msg: "cannot depend on end-node"},
		}},
		{name: "cycle and the nodes behind it", wf: workflow("wf", nil, intO, nodes(
			taskNode("a", "double", bind("x", prom("b", "y"))),
			taskNode("b", "double", bind("x", prom("a", "y"))),
			taskNode("c", "double", bind("x", prom("b", "y"))),
			taskNode("d", "hello"),
		), bind("result", prom("c", "y"))), want: []want{
			{node: "a", code: CodeCycle, msg: "dependency cycle: a -> b -> a"},
			{node: "c", code: CodeUnreachable, msg: "not reachable from start-node"},
		}},
		{name: "self cycle through upstream ids", wf: workflow("wf", nil, nil, nodes(
			withUpstream(taskNode("a", "hello"), "a"),
		)), want: []want{{node: "a", code: CodeCycle, msg: "a -> a"}}},
		{name: "workflow outputs", wf: workflow("wf", intIO, vars{"r", tInt, "s", tStr, "t", tInt}, nodes(
			taskNode("n1", "double", bind("x", in("x"))),
		), bind("r", prom("n1", "y")), bind("s", prom("n1", "y")), bind("u", in("x")), bind("r", in("x"))), want: []want{
			{node: EndNodeID, v: "s", code: CodeTypeMismatch, msg: "n1.y is int, which does not fit str"},
			{node: EndNodeID, v: "u", code: CodeUnknownOutputBinding, msg: `declares no output "u"`},
			{node: EndNodeID, v: "r", code: CodeDuplicateBinding, msg: "more than once"},
			{node: EndNodeID, v: "t", code: CodeMissingOutput, msg: `workflow output "t" (int) is not bound`},
		}},
		{name: "branch without default", wf: workflow("wf", intIO, nil, nodes(
			branchNode("b", []*corev1.Binding{bind("x", in("x"))}, nil,
				ifCase(cmpExpr(opVar("x"), opGT, opInt(0)), taskNode("t1", "hello"))),
		)), want: []want{{node: "b", code: CodeInvalidBranch, msg: "neither an else node nor an error"}}},
		{name: "branch without cases", wf: workflow("wf", intIO, nil, nodes(
			branchNode("b", nil, "nothing"),
			&corev1.Node{Id: "c", Target: &corev1.Node_BranchNode{BranchNode: &corev1.BranchNode{}}},
			branchNode("d", nil, "x", ifCase(cmpExpr(opInt(1), opEQ, opInt(1)), nil)),
		)), want: []want{
			{node: "b", code: CodeInvalidBranch, msg: "if case is missing"},
			{node: "c", code: CodeInvalidBranch, msg: "no if/else block"},
			{node: "d", code: CodeInvalidBranch, msg: "if case has no then node"},
		}},
		{name: "branch conditions", wf: workflow("wf", vars{"x", tInt, "s", tStr, "flag", tBool, "f", tFloat, "xs", tList(tInt), "c", tEnum("a", "b")}, nil, nodes(
			branchNode("b", []*corev1.Binding{bind("x", in("x")), bind("s", in("s")), bind("flag", in("flag")), bind("f", in("f")), bind("xs", in("xs")), bind("c", in("c"))}, "none",
				ifCase(cmpExpr(opVar("x"), opEQ, opStr("1")), taskNode("t1", "hello")),
				ifCase(cmpExpr(opVar("flag"), opGT, opBool(false)), taskNode("t2", "hello")),
				ifCase(cmpExpr(opVar("nope"), opEQ, opInt(1)), taskNode("t3", "hello")),
				ifCase(cmpExpr(opVar("x"), opLT, opVar("f")), taskNode("t4", "hello")),
				ifCase(cmpExpr(opVar("xs"), opEQ, opInt(1)), taskNode("t5", "hello")),
				ifCase(cmpExpr(opVar("x"), opEQ, opNone()), taskNode("t6", "hello")),
				ifCase(nil, taskNode("t7", "hello")),
				ifCase(cmpExpr(opVar("x"), 0, opInt(1)), taskNode("t8", "hello")),
				ifCase(cmpExpr(opVar("c"), opGT, opStr("a")), taskNode("t9", "hello")),
				ifCase(cmpExpr(opVar("c"), opEQ, opStr("a")), taskNode("t10", "hello")),
				ifCase(cmpExpr(opVar("s"), opLT, opStr("m")), taskNode("t11", "hello")),
				ifCase(cmpExpr(opVar("x"), opEQ, nil), taskNode("t12", "hello")),
				ifCase(&corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Conjunction{Conjunction: &corev1.ConjunctionExpression{
					LeftExpression: cmpExpr(opInt(1), opEQ, opInt(1)),
				}}}, taskNode("t13", "hello")),
			),
		)), want: []want{
			{node: "b", v: "x", code: CodeInvalidCondition, msg: "if case: cannot compare int with str"},
			{node: "b", v: "flag", code: CodeInvalidCondition, msg: "elif case 1: booleans can only be compared with == and !="},
			{node: "b", v: "nope", code: CodeInvalidCondition, msg: `elif case 2: condition reads "nope", which is not an input of the branch node`},
			{node: "b", v: "x", code: CodeInvalidCondition, msg: "elif case 3: cannot compare int with float"},
			{node: "b", v: "xs", code: CodeInvalidCondition, msg: "elif case 4: cannot compare list[int] with int: only"},
			{node: "b", v: "x", code: CodeInvalidCondition, msg: "elif case 5: cannot compare int with none: it is not optional"},
			{node: "b", code: CodeInvalidCondition, msg: "elif case 6: condition is missing"},
			{node: "b", code: CodeInvalidCondition, msg: "elif case 7: comparison operator is unspecified"},
			{node: "b", v: "c", code: CodeInvalidCondition, msg: "elif case 8: enum values can only be compared with == and !="},
			{node: "b", code: CodeInvalidCondition, msg: "elif case 11: an operand is missing"},
			{node: "b", code: CodeInvalidCondition, msg: "elif case 12: logical operator is unspecified"},
			{node: "b", code: CodeInvalidCondition, msg: "elif case 12: condition is missing"},
		}},
		{name: "branch cases with incompatible outputs", r: NewStaticResolver(append([]*corev1.TaskTemplate{ystr}, testTasks...), nil),
			wf: workflow("wf", intIO, nil, nodes(
				branchNode("b", []*corev1.Binding{bind("x", in("x"))}, taskNode("t2", "ystr"),
					ifCase(cmpExpr(opVar("x"), opGT, opInt(0)), taskNode("t1", "double", bind("x", in("x"))))),
				taskNode("n1", "double", bind("x", prom("b", "y"))),
			)), want: []want{
				{node: "b", v: "y", code: CodeInvalidBranch, msg: `incompatible types for output "y": int, str`},
			}},
		{name: "branch outputs are the intersection of the cases", wf: workflow("wf", intIO, nil, nodes(
			branchNode("b", []*corev1.Binding{bind("x", in("x"))}, taskNode("t2", "add", bind("a", in("x")), bind("b", in("x"))),
				ifCase(cmpExpr(opVar("x"), opGT, opInt(0)), taskNode("t1", "double", bind("x", in("x"))))),
			taskNode("n1", "double", bind("x", prom("b", "y"))),
		)), want: []want{
			{node: "n1", v: "x", code: CodeUnknownOutput, msg: `node b has no output "y" (outputs: none)`},
		}},
		{name: "branch case nodes are checked", wf: workflow("wf", intIO, nil, nodes(
			branchNode("b", []*corev1.Binding{bind("x", in("x"))}, "none",
				ifCase(cmpExpr(opVar("x"), opGT, opInt(0)), taskNode("t1", "double", bind("x", konst(sStr("no")))))),
		)), want: []want{
			{node: "t1", v: "x", code: CodeTypeMismatch, msg: "constant does not fit int"},
		}},
		{name: "gates", wf: workflow("wf", intIO, nil, nodes(
			gateNode("g1", approve("")),
			gateNode("g2", approve("s1")),
			gateNode("g3", approve("s1")),
			gateNode("g4", sleep(nil)),
			gateNode("g5", signal("s2", tList(nil), "v")),
			gateNode("g6", signal("s3", tInt, "")),
			gateNode("g7", &corev1.GateNode{}),
			&corev1.Node{Id: "g8", Inputs: []*corev1.Binding{bind("x", in("x"))}, Target: &corev1.Node_GateNode{GateNode: approve("s4")}},
		)), want: []want{
			{node: "g1", v: "signal_id", code: CodeInvalidGate, msg: "empty signal id"},
			{node: "g3", v: "signal_id", code: CodeInvalidGate, msg: `signal id "s1" is also used by node g2`},
			{node: "g4", v: "sleep.duration", code: CodeInvalidGate, msg: "valid duration"},
			{node: "g5", v: "signal.type", code: CodeInvalidGate, msg: "list element type is missing"},
			{node: "g6", v: "signal.output_variable_name", code: CodeInvalidGate, msg: "variable name is empty"},
			{node: "g7", code: CodeInvalidGate, msg: "no condition"},
			{node: "g8", v: "x", code: CodeUnknownInput, msg: `no input "x" (inputs: none)`},
		}},
		{name: "array nodes", wf: workflow("wf", vars{"x", tInt, "xs", tList(tInt)}, nil, nodes(
			arrayNode("a1", taskNode("a1-sub", "double"), 1.5, bind("x", in("xs"))),
			arrayNode("a2", nil, 1),
			arrayNode("a3", gateNode("a3-sub", approve("s")), 1),
			arrayNode("a4", taskNode("a4-sub", "double", bind("x", in("x"))), 1),
			arrayNode("a5", taskNode("a5-sub", "double"), 1, bind("x", in("x"))),
			arrayNode("a6", taskNode("a6-sub", "add", bind("b", konst(sStr("s"))), bind("zz", in("x"))), 1, bind("a", in("xs")), bind("b", in("xs"))),
			arrayNode("a7", taskNode("a7-sub", "double"), 1),
		)), want: []want{
			{node: "a1", v: "min_success_ratio", code: CodeInvalidArrayNode, msg: "1.5 is not between 0 and 1"},
			{node: "a2", code: CodeInvalidArrayNode, msg: "no sub-node"},
			{node: "a3", code: CodeInvalidArrayNode, msg: "must run a task, a sub-workflow or a launch plan"},
			{node: "a4", code: CodeInvalidArrayNode, msg: "no list input to map over"},
			{node: "a5", v: "x", code: CodeTypeMismatch, msg: "start-node.x is int, which does not fit list[int]"},
			{node: "a6-sub", v: "b", code: CodeTypeMismatch, msg: "constant does not fit int"},
			{node: "a6-sub", v: "zz", code: CodeUnknownInput, msg: `no input "zz"`},
			{node: "a6", v: "b", code: CodeUnknownInput, msg: `no input "b" (inputs: a)`},
			{node: "a7", v: "x", code: CodeMissingInput, msg: `required input "x" (list[int]) is not bound`},
		}},
		{name: "failure node binding a node output", wf: withFailure(workflow("wf", nil, nil, nodes(
			taskNode("n1", "hello"),
		)), taskNode("on-fail", "cleanup", bind("name", prom("n1", "greeting")))), want: []want{
			{node: "on-fail", v: "name", code: CodeInvalidBinding, msg: "the failure node may only bind workflow inputs"},
		}},
		{name: "failure node is compiled like any node", wf: withFailure(workflow("wf", nil, nil, nodes(
			taskNode("n1", "hello"),
		)), taskNode("on-fail", "cleanup")), want: []want{
			{node: "on-fail", v: "name", code: CodeMissingInput, msg: `required input "name"`},
		}},
		{name: "output aliases", wf: workflow("wf", intIO, nil, nodes(
			withAliases(taskNode("n1", "add", bind("a", in("x")), bind("b", in("x"))), "nope", "x", "sum", "bad name", "sum", "total", "sum", "again"),
			taskNode("n2", "double", bind("x", prom("n1", "sum"))),
		)), want: []want{
			{node: "n1", v: "output_aliases[0]", code: CodeInvalidAlias, msg: `output "nope", which the node does not have`},
			{node: "n1", v: "output_aliases[1]", code: CodeInvalidAlias, msg: "contains a space"},
			{node: "n1", v: "output_aliases[3]", code: CodeInvalidAlias, msg: `output "sum" is renamed twice`},
			{node: "n2", v: "x", code: CodeUnknownOutput, msg: `node n1 has no output "sum" (outputs: total)`},
		}},
		{name: "node metadata and overrides", wf: workflow("wf", nil, nil, nodes(negTimeout)), want: []want{
			{node: "n1", v: "metadata.timeout", code: CodeInvalidMetadata, msg: "zero or more"},
		}},
		{name: "resource overrides", wf: workflow("wf", nil, nil, nodes(overrides)), want: []want{
			{node: "n1", v: "overrides.resources.requests[0]", code: CodeInvalidTask, msg: `quantity "lots"`},
		}},
		{name: "workflow interface", wf: badIface, want: []want{
			{v: "inputs.x", code: CodeInvalidInterface, msg: "workflow interface: list element type is missing"},
		}},
		{name: "malformed task interface", r: NewStaticResolver(append([]*corev1.TaskTemplate{badTask, bigTask}, testTasks...), nil),
			wf: workflow("wf", nil, nil, nodes(taskNode("n1", "bad"), taskNode("n2", "bad"))), want: []want{
				{node: "n1", v: "inputs.x", code: CodeInvalidInterface, msg: "task p/development/bad@v1: list element type is missing"},
			}},
		{name: "nil nodes and sub-workflows", subs: []*corev1.WorkflowTemplate{nil},
			wf: workflow("wf", nil, nil, []*corev1.Node{nil}), want: []want{
				{v: "sub_workflows[0]", code: CodeInvalidWorkflow, msg: "no template"},
				{v: "nodes[0]", code: CodeMissingTarget, msg: "node 0 is missing"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runCase(t, tc)
		})
	}
}

func TestCompileWorkflowNilTemplate(t *testing.T) {
	t.Parallel()
	_, err := CompileWorkflow(context.Background(), nil, nil, nil)
	checkProblems(t, err, []want{{code: CodeInvalidWorkflow, msg: "workflow template is missing"}})
}

func TestCompileWorkflowResolverFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("database is down")
	wf := workflow("wf", nil, nil, nodes(taskNode("n1", "hello"), lpNode("n2", "lp")))
	_, err := CompileWorkflow(context.Background(), wf, nil, failingResolver{err: boom})
	require.ErrorIs(t, err, boom)
	var ce *CompileError
	require.False(t, errors.As(err, &ce), "a resolver failure is not a compile problem: %v", err)
	require.ErrorContains(t, err, "node n1: resolve task p/development/hello@v1")
}

func TestCompileWorkflowNotFoundWrapped(t *testing.T) {
	t.Parallel()
	wf := workflow("wf", nil, nil, nodes(taskNode("n1", "hello"), lpNode("n2", "lp")))
	r := failingResolver{err: errors.Join(errors.New("row missing"), ErrNotFound)}
	_, err := CompileWorkflow(context.Background(), wf, nil, r)
	checkProblems(t, err, []want{
		{node: "n1", code: CodeReferenceNotFound, msg: "task p/development/hello@v1 is not registered"},
		{node: "n2", code: CodeReferenceNotFound, msg: "launch plan p/development/lp@v1 is not registered"},
	})
}

func TestCompileErrorString(t *testing.T) {
	t.Parallel()
	one := &CompileError{Problems: []Problem{{Node: "n1", Var: "x", Code: CodeMissingInput, Message: "not bound"}}}
	require.Equal(t, "node n1: x: not bound", one.Error())
	two := &CompileError{Problems: []Problem{
		{Workflow: "sub", Node: "n1", Message: "a"},
		{Message: "b"},
	}}
	require.Equal(t, "2 problems: sub-workflow sub: node n1: a; b", two.Error())
}
