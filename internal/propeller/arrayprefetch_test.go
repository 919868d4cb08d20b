package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/stretchr/testify/require"
)

// Elements whose first attempts were started ahead of the walk but that the
// walk then does not start (the node already failed) are aborted: no
// attempt is left running without a row recording it.
func TestMapPrefetchedElementsAbortedWhenNodeFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(mapWorkflow(task, 1), nil, task)
	e.script.set("arr-*", "block")
	e.script.set("arr-0", "fatal")
	xs := make([]int64, 50)
	e.launch("ex1", wf, inputs("xs", intList(xs...)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)
	require.Contains(t, e.execError(x).GetMessage(), "elements succeeded")

	e.script.mu.Lock()
	defer e.script.mu.Unlock()
	var running []string
	for k, r := range e.script.running {
		if r {
			running = append(running, k)
		}
	}
	require.Empty(t, running, "attempts left running")
	require.Greater(t, len(e.script.running), 1, "elements were started ahead of the walk")
}
