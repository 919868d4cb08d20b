package propeller_test

import (
	"testing"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestRecoverReusesSucceededNodes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(workflow("chain", "c", taskNode("a", task, "start-node"), taskNode("b", task, "a"), taskNode("c", task, "b")), nil, task)

	// The first execution fails at its second node.
	e.script.set("b", "fatal")
	e.launch("ex1", wf, inputs("x", intLit(5)), nil)
	first := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)
	require.Equal(t, map[string]string{"a": "SUCCEEDED", "b": "FAILED"}, e.nodePhases(first))

	// The problem is fixed; recovering runs only what did not succeed.
	e.script.set("b", "ok")
	e.launch("ex2", wf, inputs("x", intLit(5)), nil, func(p *store.ExecutionCreateParams) {
		p.Mode = int32(adminv1.ExecutionMetadata_EXECUTION_MODE_RECOVERED)
		p.ReferenceExecution = &store.ExecutionID{Project: "p", Domain: "d", Name: "ex1"}
	})
	x := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"a": "RECOVERED", "b": "SUCCEEDED", "c": "SUCCEEDED"}, e.nodePhases(x))
	require.Equal(t, 1, e.script.startsOf("a"), "a is not run again")
	require.Equal(t, 2, e.script.startsOf("b"), "b runs once per execution")
	require.Equal(t, 1, e.script.startsOf("c"))
	require.Empty(t, e.attemptPhases(x, "a"), "a recovered node has no attempts")
	require.Equal(t, e.node(first, "a").OutputURI, e.node(x, "a").OutputURI, "a's outputs are the reference's")
	require.Empty(t, cmp.Diff(e.nodeOutputs(e.node(first, "a")), e.nodeOutputs(e.node(x, "a")), protocmp.Transform()), "a's outputs are the reference's")
	require.Empty(t, cmp.Diff(inputs("x", intLit(5)), e.readInputs("ex2", "b"), protocmp.Transform()), "b reads the recovered output")
	require.Empty(t, cmp.Diff(inputs("y", intLit(5)), e.outputs(x), protocmp.Transform()))
}
