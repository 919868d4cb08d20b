package propeller_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/plugin/builtinplugin"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// benchEnv is the engine as `flyte start` runs it by default (default
// engine options, the builtin echo plugin, file:// blobs) over a fresh
// SQLite or PostgreSQL store. It records when executions end and when the
// first task attempt of each execution starts.
type benchEnv struct {
	tb     testing.TB
	ctx    context.Context
	driver string
	st     propeller.ExecStore
	blobs  *storage.Store
	eng    *propeller.Engine

	mu      sync.Mutex
	ended   map[string]corev1.WorkflowExecution_Phase
	started map[string]time.Time // execution name -> first plugin Start
	changed chan struct{}
}

// forEachBenchDriver runs fn as a sub-benchmark on SQLite and, when
// FLYTE_TEST_POSTGRES_DSN is set, on PostgreSQL.
func forEachBenchDriver(b *testing.B, fn func(b *testing.B, driver string)) {
	for _, driver := range admintest.Drivers {
		b.Run(driver, func(b *testing.B) { fn(b, driver) })
	}
}

// newBenchEnv starts the engine; mod may change its options, given the store.
func newBenchEnv(tb testing.TB, driver string, mod ...func(*propeller.Options, propeller.ExecStore)) *benchEnv {
	tb.Helper()
	ctx := context.Background()
	raw, _ := admintest.OpenStore(tb, driver, slog.New(slog.DiscardHandler))
	st, ok := raw.(propeller.ExecStore)
	require.True(tb, ok, "the %s store does not implement store.ExecutionStore", driver)
	blobs, err := storage.Open(ctx, benchBlobURL(tb), storage.Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = blobs.Close() })
	e := &benchEnv{
		tb: tb, ctx: ctx, driver: driver, st: st, blobs: blobs,
		ended: map[string]corev1.WorkflowExecution_Phase{}, started: map[string]time.Time{},
		changed: make(chan struct{}, 1),
	}
	echo := builtinplugin.New(builtinplugin.Options{})
	tb.Cleanup(func() { _ = echo.Close() })
	reg := plugin.NewRegistry()
	reg.Register(&startRecorder{Plugin: echo, env: e}, builtinplugin.TaskTypes...)
	opts := propeller.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnCommit: func(x *store.Execution) {
			if !store.ExecutionTerminal(x.Phase) {
				return
			}
			e.mu.Lock()
			e.ended[x.ID.Name] = corev1.WorkflowExecution_Phase(x.Phase)
			e.mu.Unlock()
			e.notify()
		},
	}
	for _, m := range mod {
		m(&opts, st)
	}
	e.eng = propeller.New(st, blobs, reg, opts)
	require.NoError(tb, e.eng.Start(ctx))
	tb.Cleanup(e.eng.Stop)
	return e
}

func (e *benchEnv) notify() {
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// benchBlobsEnv names the environment variable choosing the blob store of
// the benchmarks: unset, file:// in the test's temporary directory (the
// embedded default); "mem://", the in-memory store; any other value, a
// directory under which a fresh file:// store is made (e.g. /dev/shm).
const benchBlobsEnv = "FLYTE_BENCH_BLOBS"

func benchBlobURL(tb testing.TB) string {
	tb.Helper()
	switch v := os.Getenv(benchBlobsEnv); v {
	case "":
		return "file://" + filepath.Join(tb.TempDir(), "blobs")
	case "mem://":
		return v
	default:
		dir, err := os.MkdirTemp(v, "flyte-bench-")
		require.NoError(tb, err)
		tb.Cleanup(func() { _ = os.RemoveAll(dir) })
		return "file://" + dir
	}
}

// startRecorder passes attempts to the echo plugin, noting when the first
// attempt of each execution was started.
type startRecorder struct {
	plugin.Plugin
	env *benchEnv
}

func (r *startRecorder) Start(ctx context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	now := time.Now()
	r.env.mu.Lock()
	if _, ok := r.env.started[tc.Attempt.Execution]; !ok {
		r.env.started[tc.Attempt.Execution] = now
		r.env.mu.Unlock()
		r.env.notify()
	} else {
		r.env.mu.Unlock()
	}
	return r.Plugin.Start(ctx, tc)
}

// until waits for cond (checked under e.mu) with a deadline.
func (e *benchEnv) until(what string, timeout time.Duration, cond func() bool) {
	e.tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		ok := cond()
		e.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-e.changed:
		case <-deadline.C:
			e.tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// waitSucceeded waits until every named execution ended, and requires that
// they succeeded.
func (e *benchEnv) waitSucceeded(timeout time.Duration, names ...string) {
	e.tb.Helper()
	e.until(fmt.Sprintf("%d executions to end", len(names)), timeout, func() bool {
		for _, n := range names {
			if _, ok := e.ended[n]; !ok {
				return false
			}
		}
		return true
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range names {
		if p := e.ended[n]; p != corev1.WorkflowExecution_PHASE_SUCCEEDED {
			e.tb.Fatalf("execution %s ended %s", n, p)
		}
	}
}

// echoTask is a builtin echo task x -> x of type t.
func echoTask(name string, t *corev1.LiteralType) *corev1.TaskTemplate {
	return &corev1.TaskTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: name, Version: "v1"},
		Type:      builtinplugin.TaskTypeEcho,
		Metadata:  &corev1.TaskMetadata{},
		Interface: &corev1.TypedInterface{Inputs: vars("x", t), Outputs: vars("x", t)},
	}
}

// chainWorkflow is n echo nodes in a row, x -> y.
func chainWorkflow(name string, task *corev1.TaskTemplate, n int) *corev1.WorkflowTemplate {
	nodes := []*corev1.Node{taskNode("n0", task, "start-node")}
	for i := 1; i < n; i++ {
		nodes = append(nodes, taskNode(fmt.Sprintf("n%d", i), task, fmt.Sprintf("n%d", i-1)))
	}
	return workflow(name, fmt.Sprintf("n%d", n-1), nodes...)
}

// echoMapWorkflow maps the echo task over xs, returning ys.
func echoMapWorkflow(name string, task *corev1.TaskTemplate) *corev1.WorkflowTemplate {
	sub := &corev1.Node{Id: "m", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: task.GetId()}}}
	arr := &corev1.Node{Id: "arr", Inputs: []*corev1.Binding{bind("x", promise("start-node", "xs"))},
		Target: &corev1.Node_ArrayNode{ArrayNode: &corev1.ArrayNode{Node: sub}}}
	return &corev1.WorkflowTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "p", Domain: "d", Name: name, Version: "v1"},
		Metadata:  &corev1.WorkflowMetadata{},
		Interface: &corev1.TypedInterface{Inputs: vars("xs", listOf(intType)), Outputs: vars("ys", listOf(intType))},
		Nodes:     []*corev1.Node{arr},
		Outputs:   []*corev1.Binding{bind("ys", promise("arr", "x"))},
	}
}

// register compiles and stores a workflow directly in the store.
func (e *benchEnv) register(wf *corev1.WorkflowTemplate, tasks ...*corev1.TaskTemplate) store.EntityID {
	e.tb.Helper()
	closure, err := compiler.CompileWorkflow(e.ctx, wf, nil, compiler.NewStaticResolver(tasks, nil))
	require.NoError(e.tb, err)
	body, err := proto.Marshal(&adminv1.Workflow{Id: wf.GetId(), Closure: &adminv1.WorkflowClosure{CompiledWorkflow: closure}})
	require.NoError(e.tb, err)
	sum := sha256.Sum256(body)
	id := store.EntityID{Project: "p", Domain: "d", Name: wf.GetId().GetName(), Version: wf.GetId().GetVersion()}
	_, _, err = e.st.EntityCreate(e.ctx, store.EntityCreateParams{Kind: store.KindWorkflow, ID: id, Digest: sum[:], Body: body, Now: time.Now()})
	require.NoError(e.tb, err)
	return id
}

// launch writes the inputs and creates the execution row, as the admin does.
func (e *benchEnv) launch(name string, wf store.EntityID, in *corev1.LiteralMap) {
	e.tb.Helper()
	key := fmt.Sprintf("metadata/p/d/%s/inputs.pb", name)
	require.NoError(e.tb, e.blobs.WriteProto(e.ctx, key, in))
	specB, _ := proto.Marshal(&adminv1.ExecutionSpec{})
	closB, _ := proto.Marshal(&adminv1.ExecutionClosure{Phase: corev1.WorkflowExecution_PHASE_QUEUED})
	_, err := e.st.ExecutionCreate(e.ctx, store.ExecutionCreateParams{
		ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}, LaunchPlan: wf, Workflow: wf,
		Spec: specB, Closure: closB, InputsURI: e.blobs.URL(key), Now: time.Now(),
	})
	require.NoError(e.tb, err)
}

// adminService returns the admin service over the same store and blobs,
// with project "bench" and an active launch plan "lp" of wf registered
// through it.
func (e *benchEnv) adminService(wf *corev1.WorkflowTemplate, task *corev1.TaskTemplate) *admin.Service {
	e.tb.Helper()
	svc := admin.New(e.st, admin.Options{Blobs: e.blobs})
	ctx := e.ctx
	_, err := svc.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: &adminv1.Project{Id: "bench", Name: "bench"}}))
	require.NoError(e.tb, err)
	reID := func(id *corev1.Identifier) *corev1.Identifier {
		c := proto.CloneOf(id)
		c.Project, c.Domain = "bench", "development"
		return c
	}
	task = proto.CloneOf(task)
	task.Id = reID(task.GetId())
	_, err = svc.CreateTask(ctx, connect.NewRequest(&adminv1.TaskCreateRequest{Id: task.GetId(), Spec: &adminv1.TaskSpec{Template: task}}))
	require.NoError(e.tb, err)
	wf = proto.CloneOf(wf)
	wf.Id = reID(wf.GetId())
	for _, n := range wf.GetNodes() {
		if tn := n.GetTaskNode(); tn != nil {
			tn.ReferenceId = task.GetId()
		}
	}
	_, err = svc.CreateWorkflow(ctx, connect.NewRequest(&adminv1.WorkflowCreateRequest{Id: wf.GetId(), Spec: &adminv1.WorkflowSpec{Template: wf}}))
	require.NoError(e.tb, err)
	lp := reID(wf.GetId())
	lp.ResourceType, lp.Name = corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "lp"
	_, err = svc.CreateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanCreateRequest{Id: lp, Spec: &adminv1.LaunchPlanSpec{WorkflowId: wf.GetId()}}))
	require.NoError(e.tb, err)
	_, err = svc.UpdateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{Id: lp, State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE}))
	require.NoError(e.tb, err)
	return svc
}

// peakRSS reads the process's peak resident set size (VmHWM) in bytes.
func peakRSS(tb testing.TB) int64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("peak RSS needs /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(tb, err)
			return kb * 1024
		}
	}
	tb.Skip("no VmHWM line in /proc/self/status")
	return 0
}
