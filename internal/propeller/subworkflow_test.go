package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

// subWorkflows returns the workflow "outer" whose node "sw" runs the
// sub-workflow "inner" (a -> b, y = b.x) inline, and "inner" itself.
func subWorkflows(task *corev1.TaskTemplate) (*corev1.WorkflowTemplate, *corev1.WorkflowTemplate) {
	inner := workflow("inner", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a"))
	sw := &corev1.Node{
		Id:     "sw",
		Inputs: []*corev1.Binding{bind("x", promise("start-node", "x"))},
		Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_SubWorkflowRef{SubWorkflowRef: inner.GetId()}}},
	}
	after := taskNode("after", task, "sw")
	after.Inputs = []*corev1.Binding{bind("x", promise("sw", "y"))}
	outer := workflow("outer", "after", sw, after)
	return outer, inner
}

func TestSubWorkflowRunsInlineWithPrefixedNodes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	outer, inner := subWorkflows(task)
	wf := e.register(outer, []*corev1.WorkflowTemplate{inner}, task)
	e.launch("ex1", wf, inputs("x", intLit(8)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"sw": "SUCCEEDED", "sw-a": "SUCCEEDED", "sw-b": "SUCCEEDED", "after": "SUCCEEDED"}, e.nodePhases(x))
	for _, id := range []string{"sw-a", "sw-b"} {
		ne := e.node(x, id)
		require.Equal(t, "sw", ne.ParentNodeID, "parent of %s", id)
		require.Equal(t, id[len("sw-"):], ne.SpecNodeID, "spec node of %s", id)
		require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, id))
	}
	require.Empty(t, e.node(x, "sw").ParentNodeID)
	require.Empty(t, cmp.Diff(inputs("x", intLit(8)), e.readInputs("ex1", "sw-a"), protocmp.Transform()), "inner start-node is sw's inputs")
	require.Empty(t, cmp.Diff(inputs("x", intLit(8)), e.readInputs("ex1", "after"), protocmp.Transform()), "sw's output y flows on")
	require.Empty(t, cmp.Diff(inputs("y", intLit(8)), e.outputs(x), protocmp.Transform()))
}

func TestSubWorkflowFailureFailsItsNode(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	outer, inner := subWorkflows(task)
	wf := e.register(outer, []*corev1.WorkflowTemplate{inner}, task)
	e.script.set("sw-a", "fatal")
	e.launch("ex1", wf, inputs("x", intLit(8)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"sw": "FAILED", "sw-a": "FAILED"}, e.nodePhases(x))
	require.Equal(t, "fatal error in p/d/ex1/sw-a/0", e.nodeErr(x, "sw").GetMessage())
	require.Equal(t, "fatal error in p/d/ex1/sw-a/0", e.execError(x).GetMessage())
}

func TestAbortPropagatesIntoSubWorkflow(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	outer, inner := subWorkflows(task)
	wf := e.register(outer, []*corev1.WorkflowTemplate{inner}, task)
	e.script.set("sw-b", "block")
	e.launch("ex1", wf, inputs("x", intLit(8)), nil)
	e.waitNode("ex1", "sw-b", "RUNNING")

	e.requestAbort("ex1", "enough")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_ABORTED)

	require.Equal(t, map[string]string{"sw": "ABORTED", "sw-a": "SUCCEEDED", "sw-b": "ABORTED"}, e.nodePhases(x))
	require.Equal(t, []string{"ABORTED"}, e.attemptPhases(x, "sw-b"))
	require.Equal(t, []string{"p/d/ex1/sw-b/0"}, e.script.abortedAttempts(), "the plugin was told to stop")
	require.Equal(t, 0, e.script.startsOf("after"))
	require.Equal(t, "enough", e.nodeErr(x, "sw-b").GetMessage())
}

// subWorkflowsWithFailureNodes returns subWorkflows whose inner workflow
// declares the failure node "fn" running the task "report" (input err, the
// error), with the outer workflow's failure node "top" running it too when
// outerFN is set.
func subWorkflowsWithFailureNodes(task *corev1.TaskTemplate, outerFN bool) (*corev1.WorkflowTemplate, *corev1.WorkflowTemplate, *corev1.TaskTemplate) {
	report := scriptTask("report", 0, 0)
	report.Interface = &corev1.TypedInterface{Inputs: vars("err", errType), Outputs: vars()}
	outer, inner := subWorkflows(task)
	inner.FailureNode = &corev1.Node{Id: "fn", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: report.GetId()}}}
	if outerFN {
		outer.FailureNode = &corev1.Node{Id: "top", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: report.GetId()}}}
	}
	return outer, inner, report
}

func TestSubWorkflowFailureNodeRunsBeforeItsNodeFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	outer, inner, report := subWorkflowsWithFailureNodes(task, true)
	wf := e.register(outer, []*corev1.WorkflowTemplate{inner}, task, report)
	e.script.set("sw-a", "fatal")
	e.script.set("sw-fn", "block")
	e.launch("ex1", wf, inputs("x", intLit(8)), nil)

	x := e.waitNode("ex1", "sw-fn", "RUNNING")
	require.Equal(t, "RUNNING", e.nodePhases(x)["sw"], "the node fails only after its sub-workflow's failure node")
	require.Equal(t, 0, e.script.startsOf("top"))
	e.script.release("sw-fn")
	x = e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"sw": "FAILED", "sw-a": "FAILED", "sw-fn": "SUCCEEDED", "top": "SUCCEEDED"}, e.nodePhases(x))
	require.Equal(t, 1, e.script.startsOf("sw-fn"))
	require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, "sw-fn"), "later rounds do not abort the failure node")
	require.Equal(t, "sw", e.node(x, "sw-fn").ParentNodeID)
	require.Equal(t, "fn", e.node(x, "sw-fn").SpecNodeID)
	want := &corev1.Error{FailedNodeId: "sw-a", Message: "fatal error in p/d/ex1/sw-a/0"}
	got := e.readInputs("ex1", "sw-fn").GetLiterals()["err"].GetScalar().GetError()
	require.Empty(t, cmp.Diff(want, got, protocmp.Transform()), "the sub-workflow failure node's err input")
	require.Equal(t, "fatal error in p/d/ex1/sw-a/0", e.nodeErr(x, "sw").GetMessage(), "the node keeps the failing node's error")
	require.Equal(t, 1, e.script.startsOf("top"), "the top-level failure node still runs")
	want = &corev1.Error{FailedNodeId: "sw", Message: "fatal error in p/d/ex1/sw-a/0"}
	got = e.readInputs("ex1", "top").GetLiterals()["err"].GetScalar().GetError()
	require.Empty(t, cmp.Diff(want, got, protocmp.Transform()), "the top-level failure node's err input")
	require.Equal(t, "fatal error in p/d/ex1/sw-a/0", e.execError(x).GetMessage())
}

func TestSubWorkflowFailureNodeIsNotRunOnSuccess(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	outer, inner, report := subWorkflowsWithFailureNodes(task, true)
	wf := e.register(outer, []*corev1.WorkflowTemplate{inner}, task, report)
	e.launch("ex1", wf, inputs("x", intLit(8)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"sw": "SUCCEEDED", "sw-a": "SUCCEEDED", "sw-b": "SUCCEEDED", "after": "SUCCEEDED"}, e.nodePhases(x))
	require.Equal(t, 0, e.script.startsOf("sw-fn"))
	require.Equal(t, 0, e.script.startsOf("top"))
}

func TestSubWorkflowFailureNodeFailureReplacesTheError(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	outer, inner, report := subWorkflowsWithFailureNodes(task, false)
	wf := e.register(outer, []*corev1.WorkflowTemplate{inner}, task, report)
	e.script.set("sw-b", "fatal")
	e.script.set("sw-fn", "user")
	e.launch("ex1", wf, inputs("x", intLit(8)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"sw": "FAILED", "sw-a": "SUCCEEDED", "sw-b": "FAILED", "sw-fn": "FAILED"}, e.nodePhases(x))
	require.Equal(t, "sw-b", e.readInputs("ex1", "sw-fn").GetLiterals()["err"].GetScalar().GetError().GetFailedNodeId())
	require.Equal(t, "Boom", e.nodeErr(x, "sw").GetCode())
	require.Equal(t, "user error in p/d/ex1/sw-fn/0", e.nodeErr(x, "sw").GetMessage())
	require.Equal(t, "user error in p/d/ex1/sw-fn/0", e.execError(x).GetMessage())
	require.Equal(t, 0, e.script.startsOf("after"))
}
