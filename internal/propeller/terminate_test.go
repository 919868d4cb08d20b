package propeller_test

import (
	"testing"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func TestTerminateAbortsRunningAttempt(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(workflow("term", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a")), nil, task)
	e.script.set("a", "block")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	// Wait for the round that started the attempt to be committed: an abort
	// requested before that makes the round stale, and its attempt is
	// stopped without ever being recorded.
	e.wait("ex1", "attempt recorded", func(x *store.Execution) bool { return e.nodePhases(x)["a"] == "RUNNING" })

	_, err := e.st.ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{
		ID: store.ExecutionID{Project: "p", Domain: "d", Name: "ex1"}, Cause: "stop it", Principal: "alice", Now: time.Now(),
	})
	require.NoError(t, err)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_ABORTED)

	c := &adminv1.ExecutionClosure{}
	require.NoError(t, proto.Unmarshal(x.Closure, c))
	require.Equal(t, "stop it", c.GetAbortMetadata().GetCause())
	require.Equal(t, "alice", c.GetAbortMetadata().GetPrincipal())
	require.Equal(t, map[string]string{"a": "ABORTED"}, e.nodePhases(x))
	require.Equal(t, []string{"ABORTED"}, e.attemptPhases(x, "a"))
	require.Equal(t, 0, e.script.startsOf("b"))
}
