package propeller_test

import (
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestSignalGateOutputsValue(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	gate := &corev1.Node{Id: "g", Target: &corev1.Node_GateNode{GateNode: &corev1.GateNode{Condition: &corev1.GateNode_Signal{
		Signal: &corev1.SignalCondition{SignalId: "num", Type: intType, OutputVariableName: "x"}}}}}
	wf := e.register(workflow("gated", "a", gate, taskNode("a", task, "g")), nil, task)
	x := e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	e.wait("ex1", "signal created", func(*store.Execution) bool {
		sigs, err := e.st.SignalList(e.ctx, store.SignalListParams{ExecutionRowID: x.RowID})
		require.NoError(t, err)
		return len(sigs) == 1
	})
	v, _ := proto.Marshal(intLit(99))
	_, err := e.st.SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "num", Value: v, SetBy: "bob", Now: time.Now()})
	require.NoError(t, err)
	x = e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Empty(t, cmp.Diff(inputs("y", intLit(99)), e.outputs(x), protocmp.Transform()))
}

func TestSleepGateWaits(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	gate := &corev1.Node{Id: "s", Target: &corev1.Node_GateNode{GateNode: &corev1.GateNode{Condition: &corev1.GateNode_Sleep{
		Sleep: &corev1.SleepCondition{Duration: durationpb.New(100 * time.Millisecond)}}}}}
	a := taskNode("a", task, "start-node")
	a.UpstreamNodeIds = []string{"s"}
	wf := e.register(workflow("sleepy", "a", gate, a), nil, task)
	start := time.Now()
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	require.Equal(t, map[string]string{"s": "SUCCEEDED", "a": "SUCCEEDED"}, e.nodePhases(x))
}
