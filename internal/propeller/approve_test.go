package propeller_test

import (
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func TestApproveGate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		approve  bool
		phase    corev1.WorkflowExecution_Phase
		nodes    map[string]string
		attempts []string // of a
	}{
		{"approved continues", true, corev1.WorkflowExecution_PHASE_SUCCEEDED, map[string]string{"g": "SUCCEEDED", "a": "SUCCEEDED"}, []string{"SUCCEEDED"}},
		{"rejected fails", false, corev1.WorkflowExecution_PHASE_FAILED, map[string]string{"g": "FAILED"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			task := scriptTask("t", 0, 0)
			gate := &corev1.Node{Id: "g", Target: &corev1.Node_GateNode{GateNode: &corev1.GateNode{Condition: &corev1.GateNode_Approve{
				Approve: &corev1.ApproveCondition{SignalId: "go-ahead"}}}}}
			a := taskNode("a", task, "start-node")
			a.UpstreamNodeIds = []string{"g"}
			wf := e.register(workflow("approval", "a", gate, a), nil, task)
			e.launch("ex1", wf, inputs("x", intLit(1)), nil)

			x := e.waitNode("ex1", "g", "RUNNING")
			sigs, err := e.st.SignalList(e.ctx, store.SignalListParams{ExecutionRowID: x.RowID})
			require.NoError(t, err)
			require.Len(t, sigs, 1)
			require.Equal(t, "go-ahead", sigs[0].SignalID)
			require.Equal(t, 0, e.script.startsOf("a"), "a waits for the approval")

			v, err := proto.Marshal(boolLit(tc.approve))
			require.NoError(t, err)
			_, err = e.st.SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "go-ahead", Value: v, SetBy: "bob", Now: time.Now()})
			require.NoError(t, err)
			x = e.waitPhase("ex1", tc.phase)

			require.Equal(t, tc.nodes, e.nodePhases(x))
			// Not the plugin's start count: setting the signal may make a
			// round in flight stale, and its start of a is repeated.
			require.Equal(t, tc.attempts, e.attemptPhases(x, "a"))
			if !tc.approve {
				require.Equal(t, 0, e.script.startsOf("a"))
				require.Equal(t, "Rejected", e.execError(x).GetCode())
				require.Contains(t, e.execError(x).GetMessage(), "go-ahead rejected the approval")
			}
		})
	}
}
