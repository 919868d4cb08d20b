package propeller_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// The benchmarks below measure the engine's performance targets on the
// embedded defaults (default engine options, the builtin echo plugin,
// file:// blobs) over SQLite, and over PostgreSQL when
// FLYTE_TEST_POSTGRES_DSN is set. Each reports its target metric.

// BenchmarkChain1000Echo runs a chain of 1,000 echo nodes and reports the
// orchestration overhead per node (target: at most 1 ms on SQLite).
func BenchmarkChain1000Echo(b *testing.B) {
	forEachBenchDriver(b, func(b *testing.B, driver string) {
		e := newBenchEnv(b, driver)
		task := echoTask("echo", intType)
		wf := e.register(chainWorkflow("chain1000", task, 1000), task)
		var total time.Duration
		i := 0
		for b.Loop() {
			name := fmt.Sprintf("ex%d", i)
			i++
			start := time.Now()
			e.launch(name, wf, inputs("x", intLit(1)))
			e.waitSucceeded(5*time.Minute, name)
			total += time.Since(start)
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(i*1000), "ms/node")
	})
}

// BenchmarkMap10000Echo maps the echo task over 10,000 elements and
// reports the end-to-end time of one execution (target: at most 3 s).
func BenchmarkMap10000Echo(b *testing.B) {
	forEachBenchDriver(b, func(b *testing.B, driver string) { benchMap(b, driver, 10_000) })
}

// BenchmarkMap100000Echo maps the echo task over 100,000 elements and
// reports the process's peak RSS (target: at most 1 GiB). Run it alone
// (-run '^$' -bench Map100000) so the peak is this benchmark's.
func BenchmarkMap100000Echo(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 elements take a while; skipped with -short")
	}
	forEachBenchDriver(b, func(b *testing.B, driver string) {
		benchMap(b, driver, 100_000)
		b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
	})
}

func benchMap(b *testing.B, driver string, n int) {
	e := newBenchEnv(b, driver)
	task := echoTask("echo", intType)
	wf := e.register(echoMapWorkflow("map", task), task)
	xs := make([]int64, n)
	for i := range xs {
		xs[i] = int64(i)
	}
	in := inputs("xs", intList(xs...))
	var total time.Duration
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("ex%d", i)
		i++
		start := time.Now()
		e.launch(name, wf, in)
		e.waitSucceeded(10*time.Minute, name)
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(i), "s/exec")
}

// Benchmark500Concurrent3Node creates 500 executions of a 3-node echo chain
// at once and reports completed executions per second, from the first
// create to the last completion (target: at least 300/s).
func Benchmark500Concurrent3Node(b *testing.B) {
	forEachBenchDriver(b, func(b *testing.B, driver string) {
		e := newBenchEnv(b, driver)
		task := echoTask("echo", intType)
		wf := e.register(chainWorkflow("chain3", task, 3), task)
		in := inputs("x", intLit(1))
		var total time.Duration
		round := 0
		for b.Loop() {
			names := make([]string, 500)
			for j := range names {
				names[j] = fmt.Sprintf("r%d-ex%d", round, j)
			}
			round++
			start := time.Now()
			for _, name := range names {
				e.launch(name, wf, in)
			}
			e.waitSucceeded(5*time.Minute, names...)
			total += time.Since(start)
		}
		b.ReportMetric(float64(round*500)/total.Seconds(), "execs/s")
	})
}

// BenchmarkCreateToFirstTaskStart creates executions of a one-node echo
// workflow one at a time through the admin service's CreateExecution (over
// the engine's store) and reports the time from the request to the echo
// plugin's Start (target: p50 at most 10 ms).
func BenchmarkCreateToFirstTaskStart(b *testing.B) {
	forEachBenchDriver(b, func(b *testing.B, driver string) {
		e := newBenchEnv(b, driver)
		task := echoTask("echo", intType)
		svc := e.adminService(chainWorkflow("one", task, 1), task)
		var lat []time.Duration
		i := 0
		for b.Loop() {
			name := fmt.Sprintf("ex%d", i)
			i++
			start := time.Now()
			_, err := svc.CreateExecution(e.ctx, connect.NewRequest(&adminv1.ExecutionCreateRequest{
				Project: "bench", Domain: "development", Name: name,
				Spec:   &adminv1.ExecutionSpec{LaunchPlan: &corev1.Identifier{Name: "lp"}},
				Inputs: inputs("x", intLit(1)),
			}))
			if err != nil {
				b.Fatal(err)
			}
			e.until("the first task of "+name+" to start", time.Minute, func() bool { _, ok := e.started[name]; return ok })
			e.mu.Lock()
			lat = append(lat, e.started[name].Sub(start))
			e.mu.Unlock()
			// One execution at a time: the next create meets an idle engine.
			e.waitSucceeded(time.Minute, name)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
	})
}
