package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/stretchr/testify/require"
)

func TestRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		retries  uint32
		script   []string
		phase    corev1.WorkflowExecution_Phase
		attempts []string
	}{
		{"user failures within budget", 2, []string{"user", "user", "ok"}, corev1.WorkflowExecution_PHASE_SUCCEEDED,
			[]string{"RETRYABLE_FAILED", "RETRYABLE_FAILED", "SUCCEEDED"}},
		{"user failures beyond budget", 1, []string{"user", "user", "ok"}, corev1.WorkflowExecution_PHASE_FAILED,
			[]string{"RETRYABLE_FAILED", "FAILED"}},
		{"system failures use their own budget", 0, []string{"system", "system", "system", "ok"}, corev1.WorkflowExecution_PHASE_SUCCEEDED,
			[]string{"RETRYABLE_FAILED", "RETRYABLE_FAILED", "RETRYABLE_FAILED", "SUCCEEDED"}},
		{"system budget exhausted", 5, []string{"system"}, corev1.WorkflowExecution_PHASE_FAILED,
			[]string{"RETRYABLE_FAILED", "RETRYABLE_FAILED", "RETRYABLE_FAILED", "FAILED"}},
		{"non-retryable failure", 3, []string{"fatal"}, corev1.WorkflowExecution_PHASE_FAILED, []string{"FAILED"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			task := scriptTask("t", tc.retries, 0)
			wf := e.register(workflow("retry", "a", taskNode("a", task, "start-node")), nil, task)
			e.script.set("a", tc.script...)
			e.launch("ex1", wf, inputs("x", intLit(1)), nil)
			x := e.waitPhase("ex1", tc.phase)
			require.Equal(t, tc.attempts, e.attemptPhases(x, "a"))
		})
	}
}
