package builtinplugin

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/storage"
)

func setup(t *testing.T, taskType string, outputs []string, config map[string]string) (*plugin.TaskContext, chan struct{}) {
	t.Helper()
	blobs, err := storage.Open(context.Background(), "mem://", storage.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = blobs.Close() })
	x := &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 5}}}}}}
	vars := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for _, o := range outputs {
		vars.Variables[o] = &corev1.Variable{Type: &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}}
	}
	woken := make(chan struct{}, 4)
	return &plugin.TaskContext{
		Task:  &corev1.TaskTemplate{Type: taskType, Interface: &corev1.TypedInterface{Outputs: vars}, Config: config},
		Blobs: blobs, InputsKey: "n/inputs.pb", AttemptPrefix: "n/0",
		Inputs: &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"x": x}},
		Wake:   func() { woken <- struct{}{} },
	}, woken
}

func TestEcho(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	tc, _ := setup(t, TaskTypeEcho, []string{"x"}, nil)
	h, err := p.Start(context.Background(), tc)
	require.NoError(t, err)
	st, err := p.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseSucceeded, st.Phase)
	require.Empty(t, cmp.Diff(tc.Inputs, st.Outputs, protocmp.Transform()))
	for _, key := range []string{tc.InputsKey, tc.OutputsKey()} {
		ok, err := tc.Blobs.Exists(context.Background(), key)
		require.NoError(t, err)
		require.False(t, ok, "echo writes no %s", key)
	}

	tc, _ = setup(t, TaskTypeEcho, []string{"x", "y"}, nil)
	h, err = p.Start(context.Background(), tc)
	require.NoError(t, err)
	st, err = p.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.False(t, st.Retryable)
	require.Contains(t, st.Error.GetMessage(), "outputs y have no input")
}

func TestSleep(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	defer p.Close()
	tc, woken := setup(t, TaskTypeSleep, nil, map[string]string{"duration": "50ms"})
	h, err := p.Start(context.Background(), tc)
	require.NoError(t, err)
	st, err := p.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseRunning, st.Phase)
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("sleep did not wake the engine")
	}
	st, err = p.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseSucceeded, st.Phase)
}

func TestSleepAbortAndRestart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	now := start
	p := New(Options{Now: func() time.Time { return now }})
	defer p.Close()
	tc, _ := setup(t, TaskTypeSleep, nil, map[string]string{"duration": "1h"})
	h, err := p.Start(context.Background(), tc)
	require.NoError(t, err)

	// A new instance (an engine restart) re-arms the sleep from its start.
	now = start.Add(30 * time.Minute)
	restarted := New(Options{Now: func() time.Time { return now }})
	defer restarted.Close()
	st, err := restarted.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseRunning, st.Phase)
	require.Equal(t, start.UnixNano(), st.StartedAt.UnixNano())

	require.NoError(t, restarted.Abort(context.Background(), tc, h))
	st, err = restarted.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseAborted, st.Phase)

	now = start.Add(2 * time.Hour)
	st, err = p.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseSucceeded, st.Phase)

	tc, _ = setup(t, TaskTypeSleep, nil, map[string]string{"duration": "soon"})
	h, err = p.Start(context.Background(), tc)
	require.NoError(t, err)
	st, err = p.Status(context.Background(), tc, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.Contains(t, st.Error.GetMessage(), `"soon"`)
}
