package propeller_test

import (
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestAttemptTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 1, 50*time.Millisecond)
	wf := e.register(workflow("to", "a", taskNode("a", task, "start-node")), nil, task)
	e.script.set("a", "block", "ok")
	e.launch("ex1", wf, inputs("x", intLit(3)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, []string{"RETRYABLE_FAILED", "SUCCEEDED"}, e.attemptPhases(x, "a"))
}

func TestNodeDeadlineTimesOutNode(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	n := taskNode("a", task, "start-node")
	n.Metadata = &corev1.NodeMetadata{Timeout: durationpb.New(50 * time.Millisecond)}
	wf := e.register(workflow("deadline", "a", n), nil, task)
	e.script.set("a", "block")
	e.launch("ex1", wf, inputs("x", intLit(3)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)
	require.Equal(t, map[string]string{"a": "TIMED_OUT"}, e.nodePhases(x))
	require.Contains(t, e.execError(x).GetMessage(), "exceeded its timeout")
}
