package flyte_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/sdk/flyte"
)

// Tasks and workflows shared by the tests of this file. Task names are
// unique in the test binary (the execute command finds tasks by name).

type numIn struct{ X int }
type numOut struct{ Y int }

var square = flyte.NewTask("rt_square", func(_ context.Context, in numIn) (numOut, error) {
	return numOut{Y: in.X * in.X}, nil
})

var double = flyte.NewTask("rt_double", func(_ context.Context, in numIn) (numOut, error) {
	return numOut{Y: 2 * in.X}, nil
})

type sumIn struct{ Xs []int }

var sum = flyte.NewTask("rt_sum", func(_ context.Context, in sumIn) (numOut, error) {
	t := 0
	for _, x := range in.Xs {
		t += x
	}
	return numOut{Y: t}, nil
})

type fanIn struct{ N int }
type fanOut struct{ Squares []int }

// fanout builds one square node per number below N at run time.
var fanout = flyte.NewDynamic("rt_fanout", func(_ context.Context, wf *flyte.Builder, in fanIn, out *fanOut) error {
	var vs []flyte.Value[int]
	for i := range in.N {
		n := flyte.Call(wf, square, func(s *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&s.X, flyte.Const(i))) })
		vs = append(vs, flyte.Out(n, func(o *numOut) *int { return &o.Y }))
	}
	return wf.Return(flyte.Bind(&out.Squares, flyte.List(vs...)))
})

type pipeIn struct {
	Xs        []int
	Threshold int
}
type pipeOut struct {
	Squares []int
	Total   int
	Big     int
	Fanned  []int
}

var pipe = flyte.NewWorkflow("rt_pipe", func(wf *flyte.Builder, in *pipeIn, out *pipeOut) error {
	xs := flyte.Input(wf, &in.Xs)
	sq := flyte.Map(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Each(&i.X, xs)) }, flyte.Parallelism(2))
	squares := flyte.MapOut(sq, func(o *numOut) *int { return &o.Y })
	total := flyte.Out(flyte.Call(wf, sum, func(i *sumIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.Xs, squares)) }),
		func(o *numOut) *int { return &o.Y })
	big := flyte.If(wf, flyte.Gt(total, flyte.Input(wf, &in.Threshold)), func(c *flyte.Builder) *flyte.Node[numOut] {
		return flyte.Call(c, double, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, total)) })
	}).Else(func(c *flyte.Builder) *flyte.Node[numOut] {
		return flyte.Call(c, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, total)) })
	})
	fanned := flyte.Call(wf, fanout, func(i *fanIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.N, flyte.Const(3))) })
	return wf.Return(
		flyte.Bind(&out.Squares, squares),
		flyte.Bind(&out.Total, total),
		flyte.Bind(&out.Big, flyte.Out(big, func(o *numOut) *int { return &o.Y })),
		flyte.Bind(&out.Fanned, flyte.Out(fanned, func(o *fanOut) *[]int { return &o.Squares })))
})

func TestRunWorkflow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   pipeIn
		want pipeOut
	}{
		{"above the threshold doubles", pipeIn{Xs: []int{1, 2, 3}, Threshold: 10},
			pipeOut{Squares: []int{1, 4, 9}, Total: 14, Big: 28, Fanned: []int{0, 1, 4}}},
		{"else squares", pipeIn{Xs: []int{1, 2}, Threshold: 10},
			pipeOut{Squares: []int{1, 4}, Total: 5, Big: 25, Fanned: []int{0, 1, 4}}},
		{"empty list", pipeIn{Xs: []int{}, Threshold: -1},
			pipeOut{Squares: []int{}, Total: 0, Big: 0, Fanned: []int{0, 1, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := flyte.Run(t.Context(), pipe, tc.in, flyte.WithDataDir(t.TempDir()))
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunTaskAndDynamicAlone(t *testing.T) {
	t.Parallel()
	got, err := flyte.Run(t.Context(), square, numIn{X: 7}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, numOut{Y: 49}, got)
	fan, err := flyte.Run(t.Context(), fanout, fanIn{N: 4}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, fanOut{Squares: []int{0, 1, 4, 9}}, fan)
}

// barrier lets n tasks wait until all of them are running at once.
type barrier struct {
	arrived atomic.Int32
	all     chan struct{}
	n       int32
}

func newBarrier(n int32) *barrier { return &barrier{all: make(chan struct{}), n: n} }

func (b *barrier) wait(ctx context.Context) error {
	if b.arrived.Add(1) == b.n {
		close(b.all)
	}
	select {
	case <-b.all:
		return nil
	case <-ctx.Done():
		return errors.New("the other tasks never ran at the same time")
	}
}

func TestRunIndependentNodesConcurrently(t *testing.T) {
	t.Parallel()
	b := newBarrier(3)
	meet := flyte.NewTask("rt_meet", func(ctx context.Context, in numIn) (numOut, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return numOut{Y: in.X}, b.wait(ctx)
	})
	type out struct{ A, B, C int }
	wf := flyte.NewWorkflow("rt_concurrent", func(wf *flyte.Builder, _ *flyte.None, o *out) error {
		val := func(x int) flyte.Value[int] {
			n := flyte.Call(wf, meet, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(x))) })
			return flyte.Out(n, func(o *numOut) *int { return &o.Y })
		}
		return wf.Return(flyte.Bind(&o.A, val(1)), flyte.Bind(&o.B, val(2)), flyte.Bind(&o.C, val(3)))
	})
	got, err := flyte.Run(t.Context(), wf, flyte.None{}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, out{A: 1, B: 2, C: 3}, got)
}

func TestRunMapParallelismAndPartialSuccess(t *testing.T) {
	t.Parallel()
	var running, most atomic.Int32
	release := make(chan struct{})
	flaky := flyte.NewTask("rt_flaky", func(_ context.Context, in numIn) (numOut, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		if in.X%3 == 0 {
			return numOut{}, fmt.Errorf("%d is a multiple of 3", in.X)
		}
		return numOut{Y: in.X}, nil
	})
	type in struct{ Xs []int }
	type out struct{ Ys []*int }
	wf := flyte.NewWorkflow("rt_partial", func(wf *flyte.Builder, i *in, o *out) error {
		m := flyte.Map(wf, flaky, func(f *numIn) []flyte.Binding { return flyte.Bindings(flyte.Each(&f.X, flyte.Input(wf, &i.Xs))) },
			flyte.Parallelism(2), flyte.MinSuccessRatio(0.6))
		return wf.Return(flyte.Bind(&o.Ys, flyte.MapOutOptional(m, func(o *numOut) *int { return &o.Y })))
	})
	close(release)
	got, err := flyte.Run(t.Context(), wf, in{Xs: []int{1, 2, 3, 4, 5}}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	one, two, four, five := 1, 2, 4, 5
	require.Equal(t, out{Ys: []*int{&one, &two, nil, &four, &five}}, got)
	require.LessOrEqual(t, most.Load(), int32(2), "parallelism 2 is honoured")

	_, err = flyte.Run(t.Context(), wf, in{Xs: []int{3, 6, 1}}, flyte.WithDataDir(t.TempDir()))
	require.ErrorContains(t, err, "1 of 3 elements succeeded, 2 needed")
	require.ErrorContains(t, err, "element 0: task rt_flaky: 3 is a multiple of 3")
}

func TestRunErrorKinds(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		name        string
		fail        func(attempt int32) error
		wantAttempt int32
		system      bool
		recoverable bool
		want        string
	}{
		{"plain error is a user error, not retried", func(int32) error { return errors.New("bad data") }, 1, false, false, "bad data"},
		{"recoverable is retried until it succeeds", func(a int32) error {
			if a < 3 {
				return flyte.Recoverable(errors.New("flaky"))
			}
			return nil
		}, 3, false, false, ""},
		{"recoverable gives up after the retries", func(int32) error { return flyte.Recoverable(errors.New("still flaky")) }, 4, false, true, "attempt 4 of 4: still flaky"},
		{"system error keeps its origin", func(int32) error { return flyte.SystemError(errors.New("db down")) }, 1, true, false, "db down"},
		{"recoverable system error", func(int32) error { return flyte.Recoverable(flyte.SystemError(errors.New("blip"))) }, 4, true, true, "blip"},
		{"wrapped kinds are found", func(int32) error { return fmt.Errorf("load: %w", flyte.SystemError(errors.New("gone"))) }, 1, true, false, "load: gone"},
		{"panic is a user error with the stack", func(int32) error { panic("oops") }, 1, false, false, "panic: oops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var attempts atomic.Int32
			task := flyte.NewTask(fmt.Sprintf("rt_kind_%d", i), func(context.Context, flyte.None) (numOut, error) {
				return numOut{Y: 1}, tc.fail(attempts.Add(1))
			}, flyte.Retries(3))
			_, err := flyte.Run(t.Context(), task, flyte.None{}, flyte.WithDataDir(t.TempDir()))
			require.Equal(t, tc.wantAttempt, attempts.Load(), "attempts")
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			var te *flyte.TaskError
			if errors.As(err, &te) {
				require.Equal(t, tc.system, te.System, "system")
				require.Equal(t, tc.recoverable, te.Recoverable, "recoverable")
			} else {
				require.False(t, tc.system || tc.recoverable, "a plain error is a non-recoverable user error")
			}
			if strings.Contains(tc.name, "panic") {
				require.ErrorContains(t, err, "goroutine", "the stack is in the message")
			}
		})
	}
}

func TestRunTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32
	slow := flyte.NewTask("rt_slow", func(ctx context.Context, _ flyte.None) (flyte.None, error) {
		if attempts.Add(1) < 2 {
			<-ctx.Done()
			return flyte.None{}, ctx.Err()
		}
		return flyte.None{}, nil
	}, flyte.Timeout(20*time.Millisecond), flyte.Retries(1))
	_, err := flyte.Run(t.Context(), slow, flyte.None{}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, int32(2), attempts.Load())
}

type textIn struct{ Text string }
type fileOut struct{ Doc flyte.File }
type dirIn struct {
	Doc  flyte.File
	Docs []flyte.File
}
type dirOut struct {
	Dir   flyte.Dir
	Sizes map[string]int
}

var writeFile = flyte.NewTask("rt_write_file", func(ctx context.Context, in textIn) (fileOut, error) {
	p := filepath.Join(flyte.TaskDir(ctx), "note.txt")
	if err := os.WriteFile(p, []byte(in.Text), 0o644); err != nil {
		return fileOut{}, err
	}
	return fileOut{Doc: flyte.File{Path: p}}, nil
})

var packDir = flyte.NewTask("rt_pack_dir", func(ctx context.Context, in dirIn) (dirOut, error) {
	dir := filepath.Join(flyte.TaskDir(ctx), "pack")
	sizes := map[string]int{}
	for i, f := range append([]flyte.File{in.Doc}, in.Docs...) {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return dirOut{}, err
		}
		sizes[filepath.Base(f.URI)] += len(data)
		if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
			return dirOut{}, err
		}
		if err := os.WriteFile(filepath.Join(dir, "sub", fmt.Sprintf("%d.txt", i)), data, 0o644); err != nil {
			return dirOut{}, err
		}
	}
	return dirOut{Dir: flyte.Dir{Path: dir}, Sizes: sizes}, nil
})

func TestRunFilesAndDirectories(t *testing.T) {
	t.Parallel()
	local := filepath.Join(t.TempDir(), "local.txt")
	require.NoError(t, os.WriteFile(local, []byte("from the laptop"), 0o644))
	type in struct{ Local flyte.File }
	type out struct {
		Dir   flyte.Dir
		Sizes map[string]int
	}
	wf := flyte.NewWorkflow("rt_files", func(wf *flyte.Builder, i *in, o *out) error {
		w := flyte.Call(wf, writeFile, func(t *textIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&t.Text, flyte.Const("hello"))) })
		doc := flyte.Out(w, func(o *fileOut) *flyte.File { return &o.Doc })
		p := flyte.Call(wf, packDir, func(d *dirIn) []flyte.Binding {
			return flyte.Bindings(flyte.Bind(&d.Doc, doc), flyte.Bind(&d.Docs, flyte.List(flyte.Input(wf, &i.Local), doc)))
		})
		return wf.Return(
			flyte.Bind(&o.Dir, flyte.Out(p, func(o *dirOut) *flyte.Dir { return &o.Dir })),
			flyte.Bind(&o.Sizes, flyte.Out(p, func(o *dirOut) *map[string]int { return &o.Sizes })))
	})
	data := t.TempDir()
	got, err := flyte.Run(t.Context(), wf, in{Local: flyte.File{Path: local}}, flyte.WithDataDir(data))
	require.NoError(t, err)
	require.Equal(t, map[string]int{"note.txt": 10, "local.txt": 15}, got.Sizes)
	require.True(t, strings.HasPrefix(got.Dir.URI, "file://"+data), "outputs are uploaded into the data directory: %s", got.Dir.URI)
	var files []string
	require.NoError(t, filepath.WalkDir(got.Dir.Path, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			rel, _ := filepath.Rel(got.Dir.Path, p)
			files = append(files, rel+"="+string(b))
		}
		return err
	}))
	slices.Sort(files)
	require.Equal(t, []string{"sub/0.txt=hello", "sub/1.txt=from the laptop", "sub/2.txt=hello"}, files)
	matches, err := filepath.Glob(filepath.Join(data, "work", "*", "*", "task"))
	require.NoError(t, err)
	require.Empty(t, matches, "task directories are removed after the attempt")
}

func TestRunGates(t *testing.T) {
	t.Parallel()
	type out struct{ N int }
	wf := flyte.NewWorkflow("rt_gates", func(wf *flyte.Builder, _ *flyte.None, o *out) error {
		ok := flyte.Approve(wf, "go-ahead")
		nap := flyte.Sleep(wf, time.Hour).After(ok)
		count := flyte.WaitForSignal[int](wf, "count").After(nap)
		n := flyte.Call(wf, double, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, count.Value())) })
		return wf.Return(flyte.Bind(&o.N, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
	})
	run := func(opts ...flyte.RunOption) (out, error) {
		return flyte.Run(t.Context(), wf, flyte.None{}, append(opts, flyte.WithDataDir(t.TempDir()))...)
	}
	got, err := run(flyte.WithApproval("go-ahead", true), flyte.WithSignal("count", 21), flyte.WithoutSleep())
	require.NoError(t, err)
	require.Equal(t, out{N: 42}, got)

	_, err = run(flyte.WithApproval("go-ahead", false), flyte.WithSignal("count", 21), flyte.WithoutSleep())
	require.ErrorContains(t, err, "approval go-ahead was denied")
	_, err = run(flyte.WithSignal("count", 21), flyte.WithoutSleep())
	require.ErrorContains(t, err, `approval go-ahead has no answer: run with flyte.WithApproval("go-ahead", true)`)
	_, err = run(flyte.WithApproval("go-ahead", true), flyte.WithSignal("count", "21"), flyte.WithoutSleep())
	require.ErrorContains(t, err, "signal count: the value given (string) does not fit int")

	short := flyte.NewWorkflow("rt_short_sleep", func(wf *flyte.Builder, _ *flyte.None, _ *flyte.None) error {
		flyte.Sleep(wf, 30*time.Millisecond)
		return wf.Return()
	})
	start := time.Now()
	_, err = flyte.Run(t.Context(), short, flyte.None{}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "a sleep is honoured unless skipped")
}

type subIn struct{ A, B int }

var addSub = flyte.NewWorkflow("rt_add_sub", func(wf *flyte.Builder, in *subIn, out *numOut) error {
	a := flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Input(wf, &in.A))) })
	b := flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Input(wf, &in.B))) })
	s := flyte.Call(wf, sum, func(i *sumIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Xs, flyte.List(
			flyte.Out(a, func(o *numOut) *int { return &o.Y }), flyte.Out(b, func(o *numOut) *int { return &o.Y }))))
	})
	return wf.Return(flyte.Bind(&out.Y, flyte.Out(s, func(o *numOut) *int { return &o.Y })))
})

var addTen = flyte.NewLaunchPlan("rt_add_ten", addSub,
	flyte.Fixed(func(in *subIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&in.B, flyte.Const(10))) }))

func TestRunSubWorkflowAndLaunchPlan(t *testing.T) {
	t.Parallel()
	type out struct{ Inline, Child, Direct int }
	wf := flyte.NewWorkflow("rt_parent", func(wf *flyte.Builder, in *numIn, o *out) error {
		x := flyte.Input(wf, &in.X)
		sub := flyte.Call(wf, addSub, func(i *subIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.A, x), flyte.Bind(&i.B, x)) })
		child := flyte.Call(wf, addTen, func(i *subIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.A, x)) })
		return wf.Return(
			flyte.Bind(&o.Inline, flyte.Out(sub, func(o *numOut) *int { return &o.Y })),
			flyte.Bind(&o.Child, flyte.Out(child, func(o *numOut) *int { return &o.Y })),
			flyte.Bind(&o.Direct, flyte.Const(0)))
	})
	got, err := flyte.Run(t.Context(), wf, numIn{X: 3}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, out{Inline: 18, Child: 109}, got)

	lp, err := flyte.Run(t.Context(), addTen, subIn{A: 2, B: 99}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, numOut{Y: 104}, lp, "the fixed input wins over the struct's")
}

func TestRunFailureNodeAndPolicy(t *testing.T) {
	t.Parallel()
	var got struct {
		sync.Mutex
		failure flyte.FailedNode
		tag     string
	}
	type cleanupIn struct {
		Err flyte.FailedNode
		Tag string
	}
	cleanup := flyte.NewTask("rt_cleanup", func(_ context.Context, in cleanupIn) (flyte.None, error) {
		got.Lock()
		defer got.Unlock()
		got.failure, got.tag = in.Err, in.Tag
		return flyte.None{}, nil
	})
	boom := flyte.NewTask("rt_boom", func(context.Context, flyte.None) (flyte.None, error) {
		return flyte.None{}, errors.New("boom")
	})
	started := make(chan struct{})
	var sawCancel atomic.Bool
	var finished atomic.Bool
	waiter := flyte.NewTask("rt_waiter", func(ctx context.Context, _ flyte.None) (flyte.None, error) {
		close(started)
		select {
		case <-ctx.Done():
			sawCancel.Store(true)
			return flyte.None{}, ctx.Err()
		case <-time.After(10 * time.Second): // only if the abort never comes
			finished.Store(true)
			return flyte.None{}, nil
		}
	})
	type in struct{ Tag string }
	build := func(name string, opts ...flyte.Option) *flyte.Workflow[in, flyte.None] {
		return flyte.NewWorkflow(name, func(wf *flyte.Builder, i *in, _ *flyte.None) error {
			w := flyte.Call(wf, waiter, nil)
			flyte.Call(wf, boom, nil, flyte.ID("explodes")).After(flyte.Call(wf, waitStarted(started), nil))
			_ = w
			flyte.OnFailure(wf, cleanup, func(c *cleanupIn) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&c.Tag, flyte.Input(wf, &i.Tag)))
			})
			return wf.Return()
		}, opts...)
	}
	_, err := flyte.Run(t.Context(), build("rt_fail_fast"), in{Tag: "t1"}, flyte.WithDataDir(t.TempDir()))
	require.ErrorContains(t, err, "node explodes: task rt_boom: boom")
	got.Lock()
	require.Equal(t, flyte.FailedNode{NodeID: "explodes", Message: err.Error()}, got.failure)
	require.Equal(t, "t1", got.tag)
	got.Unlock()
	require.True(t, sawCancel.Load(), "by default a failure aborts running nodes")
	require.False(t, finished.Load())
}

// waitStarted is a task that returns once started is closed, so a node
// fails only after another is running.
func waitStarted(started chan struct{}) *flyte.Task[flyte.None, flyte.None] {
	return flyte.NewTask("rt_wait_started", func(ctx context.Context, _ flyte.None) (flyte.None, error) {
		select {
		case <-started:
			return flyte.None{}, nil
		case <-ctx.Done():
			return flyte.None{}, ctx.Err()
		}
	})
}

func TestRunFailAfterExecutableNodes(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	var finished atomic.Bool
	steady := flyte.NewTask("rt_steady", func(ctx context.Context, _ flyte.None) (flyte.None, error) {
		close(started)
		select {
		case <-ctx.Done():
			return flyte.None{}, ctx.Err()
		case <-time.After(30 * time.Millisecond):
			finished.Store(true)
			return flyte.None{}, nil
		}
	})
	boom := flyte.NewTask("rt_boom2", func(context.Context, flyte.None) (flyte.None, error) {
		return flyte.None{}, errors.New("boom")
	})
	gate := flyte.NewTask("rt_gate2", func(ctx context.Context, _ flyte.None) (flyte.None, error) {
		select {
		case <-started:
			return flyte.None{}, nil
		case <-ctx.Done():
			return flyte.None{}, ctx.Err()
		}
	})
	wf := flyte.NewWorkflow("rt_fail_late", func(wf *flyte.Builder, _ *flyte.None, _ *flyte.None) error {
		flyte.Call(wf, steady, nil)
		flyte.Call(wf, boom, nil).After(flyte.Call(wf, gate, nil))
		return wf.Return()
	}, flyte.FailAfterExecutableNodes())
	_, err := flyte.Run(t.Context(), wf, flyte.None{}, flyte.WithDataDir(t.TempDir()))
	require.ErrorContains(t, err, "boom")
	require.True(t, finished.Load(), "independent nodes finish before the workflow fails")
}

func TestRunAfterOrdersNodes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	note := func(name string) *flyte.Task[flyte.None, flyte.None] {
		return flyte.NewTask("rt_note_"+name, func(context.Context, flyte.None) (flyte.None, error) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return flyte.None{}, nil
		})
	}
	first, second, third := note("first"), note("second"), note("third")
	wf := flyte.NewWorkflow("rt_after", func(wf *flyte.Builder, _ *flyte.None, _ *flyte.None) error {
		c := flyte.Call(wf, third, nil)
		b := flyte.Call(wf, second, nil)
		a := flyte.Call(wf, first, nil)
		c.After(b)
		b.After(a)
		return wf.Return()
	})
	_, err := flyte.Run(t.Context(), wf, flyte.None{}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, []string{"first", "second", "third"}, order)
}

func TestRunOptionalConditions(t *testing.T) {
	t.Parallel()
	type in struct {
		Name  *string
		Level float64
	}
	type out struct{ Y int }
	wf := flyte.NewWorkflow("rt_optional", func(wf *flyte.Builder, i *in, o *out) error {
		call := func(x int) func(*flyte.Builder) *flyte.Node[numOut] {
			return func(c *flyte.Builder) *flyte.Node[numOut] {
				return flyte.Call(c, double, func(d *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&d.X, flyte.Const(x))) })
			}
		}
		b := flyte.If(wf, flyte.IsNone(flyte.Input(wf, &i.Name)), call(1)).
			ElseIf(flyte.And(flyte.Gte(flyte.Input(wf, &i.Level), flyte.Const(0.5)), flyte.Lt(flyte.Input(wf, &i.Level), flyte.Const(1.0))), call(2)).
			Fail("level out of range")
		return wf.Return(flyte.Bind(&o.Y, flyte.Out(b, func(o *numOut) *int { return &o.Y })))
	})
	name := "x"
	for _, tc := range []struct {
		in   in
		want int
		err  string
	}{
		{in{}, 2, ""},
		{in{Name: &name, Level: 0.5}, 4, ""},
		{in{Name: &name, Level: 2}, 0, "level out of range"},
	} {
		got, err := flyte.Run(t.Context(), wf, tc.in, flyte.WithDataDir(t.TempDir()))
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got.Y)
	}
}
