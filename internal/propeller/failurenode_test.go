package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

// withFailureNode returns workflow a -> b whose failure node "fn" runs the
// task "report", which takes the workflow's error as input err.
func withFailureNode() (*corev1.TaskTemplate, *corev1.TaskTemplate, *corev1.WorkflowTemplate) {
	task := scriptTask("t", 0, 0)
	report := scriptTask("report", 0, 0)
	report.Interface = &corev1.TypedInterface{Inputs: vars("err", errType), Outputs: vars()}
	wf := workflow("withfn", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a"))
	wf.FailureNode = &corev1.Node{Id: "fn", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: report.GetId()}}}
	return task, report, wf
}

func TestFailureNodeRunsWithTheError(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task, report, wft := withFailureNode()
	wf := e.register(wft, nil, task, report)
	e.script.set("a", "fatal")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"a": "FAILED", "fn": "SUCCEEDED"}, e.nodePhases(x), "b never runs; the failure node does")
	require.Equal(t, 1, e.script.startsOf("fn"))
	want := &corev1.Error{FailedNodeId: "a", Message: "fatal error in p/d/ex1/a/0"}
	got := e.readInputs("ex1", "fn").GetLiterals()["err"].GetScalar().GetError()
	require.Empty(t, cmp.Diff(want, got, protocmp.Transform()), "the failure node's err input")
	require.Equal(t, "Fatal", e.execError(x).GetCode(), "the execution keeps the failing node's error")
	require.Equal(t, "fatal error in p/d/ex1/a/0", e.execError(x).GetMessage())
}

func TestFailureNodeIsNotRunOnSuccess(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task, report, wft := withFailureNode()
	wf := e.register(wft, nil, task, report)
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, map[string]string{"a": "SUCCEEDED", "b": "SUCCEEDED"}, e.nodePhases(x))
	require.Equal(t, 0, e.script.startsOf("fn"))
}

func TestExecutionIsFailingWhileTheFailureNodeRuns(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task, report, wft := withFailureNode()
	wf := e.register(wft, nil, task, report)
	e.script.set("b", "fatal")
	e.script.set("fn", "block")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)

	x := e.waitNode("ex1", "fn", "RUNNING")
	require.Equal(t, corev1.WorkflowExecution_PHASE_FAILING, corev1.WorkflowExecution_Phase(x.Phase))
	e.script.release("fn")
	x = e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"a": "SUCCEEDED", "b": "FAILED", "fn": "SUCCEEDED"}, e.nodePhases(x))
	require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, "fn"), "later rounds do not abort the failure node")
	require.Equal(t, "b", e.readInputs("ex1", "fn").GetLiterals()["err"].GetScalar().GetError().GetFailedNodeId())
}

func TestFailureOfTheFailureNodeReplacesTheError(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task, report, wft := withFailureNode()
	wf := e.register(wft, nil, task, report)
	e.script.set("a", "fatal")
	e.script.set("fn", "user")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"a": "FAILED", "fn": "FAILED"}, e.nodePhases(x))
	require.Equal(t, []string{"FAILED"}, e.attemptPhases(x, "fn"), "report has no retries")
	require.Equal(t, "Boom", e.execError(x).GetCode())
	require.Equal(t, "user error in p/d/ex1/fn/0", e.execError(x).GetMessage())
}
