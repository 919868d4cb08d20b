package propeller_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

// restartedPlugin is a script plugin in a new process: it knows only the
// attempts it started, and reports any other handle as lost (a retryable
// SYSTEM failure), as the plugin contract requires.
type restartedPlugin struct{ *scriptPlugin }

func (p restartedPlugin) Status(ctx context.Context, tc *plugin.TaskContext, h plugin.Handle) (plugin.Status, error) {
	p.mu.Lock()
	_, known := p.running[string(h)]
	p.mu.Unlock()
	if !known {
		return plugin.SystemFailure("UnknownAttempt", "attempt "+string(h)+" was started by an earlier run", true), nil
	}
	return p.scriptPlugin.Status(ctx, tc, h)
}

// laterClock is the wall clock moved forward, as seen by a process that
// starts after the previous one's leases expired.
type laterClock struct{ by time.Duration }

func (c laterClock) Now() time.Time { return time.Now().Add(c.by) }
func (c laterClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// replaceEngine stops the engine and starts a new one running p for
// "script" tasks, on the same database and blob store.
func (e *env) replaceEngine(p plugin.Plugin, owner string, clock propeller.Clock) {
	e.t.Helper()
	e.eng.Stop()
	reg := plugin.NewRegistry()
	reg.Register(p, "script")
	e.eng = propeller.New(e.st, e.blobs, reg, propeller.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Owner:  owner, LeaseDuration: 30 * time.Second, Workers: 2, Clock: clock,
		OnCommit: func(*store.Execution) {
			select {
			case e.commit <- struct{}{}:
			default:
			}
		},
	})
	require.NoError(e.t, e.eng.Start(e.ctx))
	e.t.Cleanup(e.eng.Stop)
}

// restart simulates a new process: a new engine with a new plugin
// instance p that does not know the old one's attempts.
func (e *env) restart(p *scriptPlugin, clock propeller.Clock) {
	e.t.Helper()
	e.script = p
	e.replaceEngine(restartedPlugin{p}, "test-restarted", clock)
}

func TestRestartRetriesLostAttemptAsSystemFailure(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0) // no user retries: the retry must come from the system budget
	wf := e.register(workflow("restart", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a")), nil, task)
	e.script.set("a", "block")
	e.launch("ex1", wf, inputs("x", intLit(6)), nil)
	e.waitNode("ex1", "a", "RUNNING")

	// The process dies with the attempt running; the new one starts after
	// the old lease (and the execution's safety wake-up) expired.
	next := newScriptPlugin()
	next.set("a", "ok")
	e.restart(next, laterClock{by: 31 * time.Second})
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, []string{"RETRYABLE_FAILED", "SUCCEEDED"}, e.attemptPhases(x, "a"))
	errs := e.attemptErrors(x, "a")
	require.Equal(t, corev1.ExecutionError_ERROR_KIND_SYSTEM, errs[0].GetKind(), "the lost attempt is a SYSTEM failure")
	require.Equal(t, "UnknownAttempt", errs[0].GetCode())
	require.Nil(t, errs[1])
	ne := e.node(x, "a")
	require.Equal(t, int32(2), ne.Attempts)
	require.Equal(t, int32(1), ne.SystemFailures)
	require.Equal(t, 1, next.startsOf("a"), "the new process runs attempt 1 only")
	require.Equal(t, 1, next.startsOf("b"))
	require.Empty(t, cmp.Diff(inputs("y", intLit(6)), e.outputs(x), protocmp.Transform()))
}
