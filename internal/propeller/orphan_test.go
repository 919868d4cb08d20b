package propeller_test

import (
	"context"
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/stretchr/testify/require"
)

// hookedPlugin is a script plugin that calls onStart (once) while the
// engine is inside Start, before the round that starts the attempt commits.
type hookedPlugin struct {
	*scriptPlugin
	onStart func()
}

func (p *hookedPlugin) Start(ctx context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	h, err := p.scriptPlugin.Start(ctx, tc)
	if f := p.onStart; f != nil {
		p.onStart = nil
		f()
	}
	return h, err
}

// setupHooked is setup with the script plugin wrapped in a hookedPlugin.
func setupHooked(t *testing.T) (*env, *hookedPlugin) {
	t.Helper()
	e := setup(t)
	hp := &hookedPlugin{scriptPlugin: e.script}
	e.replaceEngine(hp, "test", nil)
	return e, hp
}

func TestAttemptOfALostRoundIsAbortedWhenNotRestarted(t *testing.T) {
	t.Parallel()
	e, hp := setupHooked(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(workflow("orphan", "a", taskNode("a", task, "start-node")), nil, task)
	e.script.set("a", "block")
	// An abort arrives while the round that starts a is in flight: the
	// round cannot commit, so no row records the attempt it started.
	hp.onStart = func() {
		if err := e.requestAbortErr("ex1", "changed my mind"); err != nil {
			t.Errorf("abort: %v", err)
		}
	}
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_ABORTED)

	require.Empty(t, e.nodePhases(x), "the attempt's round was never committed")
	require.Equal(t, 1, e.script.startsOf("a"))
	require.Equal(t, []string{"p/d/ex1/a/0"}, e.script.abortedAttempts(), "the plugin still stops the attempt")
}

func TestAttemptOfALostRoundIsAdoptedWhenRestarted(t *testing.T) {
	t.Parallel()
	e, hp := setupHooked(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(workflow("adopt", "a", taskNode("a", task, "start-node")), nil, task)
	e.script.set("a", "block")
	hp.onStart = func() {
		if err := e.bumpVersion("ex1"); err != nil {
			t.Errorf("bump: %v", err)
		}
	}
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	e.waitNode("ex1", "a", "RUNNING")
	require.Equal(t, 2, e.script.startsOf("a"), "the next round starts the attempt again under the same id")
	require.Empty(t, e.script.abortedAttempts(), "the recorded attempt is not aborted")

	e.script.release("a")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, "a"))
}
