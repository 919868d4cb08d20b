package localplugin

import (
	"context"
	"fmt"
	"go.uber.org/goleak"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/storage"
)

// sdkTask is the path of the test program built from testdata/sdktask.
var sdkTask string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "localplugin-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sdkTask = filepath.Join(dir, "sdktask")
	out, err := exec.Command("go", "build", "-o", sdkTask, "./testdata/sdktask").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build sdktask: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	// Every attempt's waiter goroutine ends with its process.
	if err := goleak.Find(); err != nil && code == 0 {
		fmt.Fprintf(os.Stderr, "leaked goroutines: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

type fixture struct {
	blobs *storage.Store
	p     *Plugin
	seq   atomic.Int64
}

func setup(t testing.TB, opts Options) *fixture {
	t.Helper()
	blobs, err := storage.Open(context.Background(), "file://"+t.TempDir(), storage.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = blobs.Close() })
	if opts.WorkDir == "" {
		opts.WorkDir = t.TempDir()
	}
	p, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return &fixture{blobs: blobs, p: p}
}

// attemptCtx is a TaskContext whose Wake feeds a channel.
type attemptCtx struct {
	*plugin.TaskContext
	woken chan struct{}
}

func (f *fixture) task(t testing.TB, taskType string, iface *corev1.TypedInterface, inputs *corev1.LiteralMap, command ...string) *attemptCtx {
	t.Helper()
	n := f.seq.Add(1)
	node := fmt.Sprintf("n%d", n)
	base := "metadata/p/d/e/" + node
	woken := make(chan struct{}, 16)
	tc := &plugin.TaskContext{
		Attempt: plugin.AttemptID{Project: "p", Domain: "d", Execution: "e", NodeID: node},
		Task: &corev1.TaskTemplate{
			Type:      taskType,
			Interface: iface,
			Target:    &corev1.TaskTemplate_Container{Container: &corev1.Container{Command: command}},
		},
		Blobs:           f.blobs,
		Inputs:          inputs,
		InputsKey:       base + "/inputs.pb",
		AttemptPrefix:   base + "/0",
		RawOutputPrefix: "raw/p/d/e/" + node + "/0",
		Env:             map[string]string{"SECRET_TOKEN": "s3cr3t"},
		Wake: func() {
			select {
			case woken <- struct{}{}:
			default:
			}
		},
	}
	return &attemptCtx{TaskContext: tc, woken: woken}
}

// wait returns the attempt's final status, waiting on Wake with a deadline.
func (f *fixture) wait(t testing.TB, p *Plugin, ac *attemptCtx, h plugin.Handle) plugin.Status {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		st, err := p.Status(context.Background(), ac.TaskContext, h)
		require.NoError(t, err)
		if st.Phase.Final() {
			return st
		}
		select {
		case <-ac.woken:
		case <-deadline:
			t.Fatalf("attempt %s did not end; last phase %s", ac.Attempt, st.Phase)
		}
	}
}

func (f *fixture) run(t testing.TB, ac *attemptCtx) plugin.Status {
	t.Helper()
	h, err := f.p.Start(context.Background(), ac.TaskContext)
	require.NoError(t, err)
	return f.wait(t, f.p, ac, h)
}

func vars(kv ...any) *corev1.VariableMap {
	m := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for i := 0; i < len(kv); i += 2 {
		m.Variables[kv[i].(string)] = &corev1.Variable{Type: kv[i+1].(*corev1.LiteralType)}
	}
	return m
}

func simple(st corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: st}}
}

func intLit(n int64) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: n}}}}}}
}

func strLit(s string) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}}}}}}
}
