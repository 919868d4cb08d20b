package propeller_test

import (
	"fmt"
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// eventKey names what an event is about: the execution, a node, or an attempt.
func eventKey(ev *store.Event) string {
	switch ev.Kind {
	case store.EventKindNode:
		return "node " + ev.NodeID
	case store.EventKindTask:
		return fmt.Sprintf("attempt %s/%d", ev.NodeID, ev.RetryAttempt)
	}
	return "execution"
}

// terminalEvent reports whether an event's phase is final for its kind.
func terminalEvent(ev *store.Event) bool {
	switch ev.Kind {
	case store.EventKindNode:
		switch corev1.NodeExecution_Phase(ev.Phase) {
		case corev1.NodeExecution_PHASE_SUCCEEDED, corev1.NodeExecution_PHASE_FAILED, corev1.NodeExecution_PHASE_ABORTED,
			corev1.NodeExecution_PHASE_SKIPPED, corev1.NodeExecution_PHASE_TIMED_OUT, corev1.NodeExecution_PHASE_RECOVERED:
			return true
		}
	case store.EventKindTask:
		switch corev1.TaskExecution_Phase(ev.Phase) {
		case corev1.TaskExecution_PHASE_SUCCEEDED, corev1.TaskExecution_PHASE_FAILED, corev1.TaskExecution_PHASE_ABORTED,
			corev1.TaskExecution_PHASE_RETRYABLE_FAILED:
			return true
		}
	default:
		return store.ExecutionTerminal(store.ExecutionPhase(ev.Phase))
	}
	return false
}

// bodyPhase decodes an event's body and returns its phase and subject.
func bodyPhase(t *testing.T, ev *store.Event) (int32, string) {
	t.Helper()
	switch ev.Kind {
	case store.EventKindNode:
		b := &eventv1.NodeExecutionEvent{}
		require.NoError(t, proto.Unmarshal(ev.Body, b))
		return int32(b.GetPhase()), "node " + b.GetId().GetNodeId()
	case store.EventKindTask:
		b := &eventv1.TaskExecutionEvent{}
		require.NoError(t, proto.Unmarshal(ev.Body, b))
		return int32(b.GetPhase()), fmt.Sprintf("attempt %s/%d", b.GetParentNodeExecutionId().GetNodeId(), b.GetRetryAttempt())
	}
	b := &eventv1.WorkflowExecutionEvent{}
	require.NoError(t, proto.Unmarshal(ev.Body, b))
	return int32(b.GetPhase()), "execution"
}

func TestEventsOfFinishedExecutions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script map[string][]string
		phase  corev1.WorkflowExecution_Phase
		exec   []string
	}{
		{"retried then succeeded", map[string][]string{"a": {"user", "ok"}}, corev1.WorkflowExecution_PHASE_SUCCEEDED,
			[]string{"PHASE_RUNNING", "PHASE_SUCCEEDING", "PHASE_SUCCEEDED"}},
		{"failed with a sibling aborted", map[string][]string{"a": {"block"}, "c": {"fatal"}}, corev1.WorkflowExecution_PHASE_FAILED,
			[]string{"PHASE_RUNNING", "PHASE_FAILING", "PHASE_FAILED"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			task := scriptTask("t", 1, 0)
			// a -> b, and c beside them; a is listed before c so it runs when c fails.
			wf := e.register(workflow("evs", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a"), taskNode("c", task, "start-node")), nil, task)
			for node, s := range tc.script {
				e.script.set(node, s...)
			}
			e.launch("ex1", wf, inputs("x", intLit(1)), nil)
			x := e.waitPhase("ex1", tc.phase)
			evs := e.events(x)
			require.NotEmpty(t, evs)

			var execPhases []string
			last := map[string]*store.Event{}
			for i, ev := range evs {
				if i > 0 {
					require.Greater(t, ev.Seq, evs[i-1].Seq, "events are in sequence order")
					require.False(t, ev.OccurredAt.Before(evs[i-1].OccurredAt), "event %d happened before the one listed ahead of it", i)
				}
				phase, subject := bodyPhase(t, ev)
				require.Equal(t, ev.Phase, phase, "the body of event %d has the row's phase", i)
				require.Equal(t, eventKey(ev), subject, "the body of event %d is about the row's subject", i)
				if prev := last[eventKey(ev)]; prev != nil {
					require.NotEqual(t, prev.Phase, ev.Phase, "%s: one event per phase change", eventKey(ev))
					require.False(t, terminalEvent(prev), "%s: an event after its terminal phase", eventKey(ev))
				}
				last[eventKey(ev)] = ev
				if ev.Kind == store.EventKindExecution {
					execPhases = append(execPhases, corev1.WorkflowExecution_Phase(ev.Phase).String())
				}
			}
			require.Equal(t, tc.exec, execPhases)
			if tc.phase == corev1.WorkflowExecution_PHASE_FAILED {
				require.Equal(t, map[string]string{"a": "ABORTED", "c": "FAILED"}, e.nodePhases(x))
			}
			require.Equal(t, store.EventKindExecution, evs[len(evs)-1].Kind, "the execution's terminal event is the last one")

			// The last event of every node and attempt is its stored phase.
			for id, phase := range e.nodePhases(x) {
				ev := last["node "+id]
				require.NotNil(t, ev, "node %s has events", id)
				require.Equal(t, "PHASE_"+phase, corev1.NodeExecution_Phase(ev.Phase).String(), "node %s", id)
				for k, ap := range e.attemptPhases(x, id) {
					ev := last[fmt.Sprintf("attempt %s/%d", id, k)]
					require.NotNil(t, ev, "attempt %s/%d has events", id, k)
					require.Equal(t, "PHASE_"+ap, corev1.TaskExecution_Phase(ev.Phase).String(), "attempt %s/%d", id, k)
				}
			}
		})
	}
}
