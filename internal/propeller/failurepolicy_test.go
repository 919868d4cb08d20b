package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/stretchr/testify/require"
)

// policyWorkflow has two independent branches: b -> c, and a. b is listed
// first, so it is started before a (which the tests make fail) is looked at.
func policyWorkflow(policy corev1.WorkflowMetadata_OnFailurePolicy) (*corev1.TaskTemplate, *corev1.WorkflowTemplate) {
	task := scriptTask("t", 0, 0)
	wf := workflow("policy", "c", taskNode("b", task, "start-node"), taskNode("a", task, "start-node"), taskNode("c", task, "b"))
	wf.Metadata.OnFailure = policy
	return task, wf
}

func TestFailImmediatelyAbortsRunningSiblings(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task, wft := policyWorkflow(corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY)
	wf := e.register(wft, nil, task)
	e.script.set("a", "fatal")
	e.script.set("b", "block")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"a": "FAILED", "b": "ABORTED"}, e.nodePhases(x), "c never starts")
	require.Equal(t, []string{"ABORTED"}, e.attemptPhases(x, "b"))
	require.Equal(t, []string{"p/d/ex1/b/0"}, e.script.abortedAttempts())
	require.Equal(t, 0, e.script.startsOf("c"))
	require.Equal(t, "fatal error in p/d/ex1/a/0", e.execError(x).GetMessage())
	require.Contains(t, e.nodeErr(x, "b").GetMessage(), "failing: fatal error in p/d/ex1/a/0")
}

func TestFailAfterExecutableNodesCompleteLetsOthersFinish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task, wft := policyWorkflow(corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_AFTER_EXECUTABLE_NODES_COMPLETE)
	wf := e.register(wft, nil, task)
	e.script.set("a", "fatal")
	e.script.set("b", "block")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)

	x := e.waitNode("ex1", "a", "FAILED")
	require.Equal(t, "RUNNING", e.nodePhases(x)["b"], "b keeps running after a failed")
	require.Equal(t, corev1.WorkflowExecution_PHASE_RUNNING, corev1.WorkflowExecution_Phase(x.Phase))
	e.script.release("b")
	x = e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, map[string]string{"a": "FAILED", "b": "SUCCEEDED", "c": "SUCCEEDED"}, e.nodePhases(x),
		"c does not depend on a, so it runs too")
	require.Empty(t, e.script.abortedAttempts())
	require.Equal(t, "fatal error in p/d/ex1/a/0", e.execError(x).GetMessage())
}
