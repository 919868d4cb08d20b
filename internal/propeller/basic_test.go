package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestChainSucceedsWithOutputsAndEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(workflow("chain", "c", taskNode("a", task, "start-node"), taskNode("b", task, "a"), taskNode("c", task, "b")), nil, task)
	e.launch("ex1", wf, inputs("x", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Empty(t, cmp.Diff(inputs("y", intLit(7)), e.outputs(x), protocmp.Transform()))
	require.Equal(t, map[string]string{"a": "SUCCEEDED", "b": "SUCCEEDED", "c": "SUCCEEDED"}, e.nodePhases(x))
	require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, "b"))

	evs, err := e.st.EventList(e.ctx, store.EventListParams{ExecutionRowID: x.RowID, Limit: 1000})
	require.NoError(t, err)
	var execPhases []string
	nodeEvents := map[string][]int32{}
	for _, ev := range evs {
		switch ev.Kind {
		case store.EventKindExecution:
			execPhases = append(execPhases, corev1.WorkflowExecution_Phase(ev.Phase).String())
		case store.EventKindNode:
			nodeEvents[ev.NodeID] = append(nodeEvents[ev.NodeID], ev.Phase)
		}
	}
	require.Equal(t, []string{"PHASE_RUNNING", "PHASE_SUCCEEDING", "PHASE_SUCCEEDED"}, execPhases)
	require.Equal(t, []int32{int32(corev1.NodeExecution_PHASE_RUNNING), int32(corev1.NodeExecution_PHASE_SUCCEEDED)}, nodeEvents["c"])
}

func TestMalformedOutputFailsAttemptNamingOutput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 2, 0)
	wf := e.register(workflow("bad", "a", taskNode("a", task, "start-node")), nil, task)
	e.script.set("a", "bad")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)
	require.Contains(t, e.execError(x).GetMessage(), "output x")
	require.Equal(t, []string{"FAILED"}, e.attemptPhases(x, "a"), "a malformed output is not retried")
}
