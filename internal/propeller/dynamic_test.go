package propeller_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
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

// dynPlugin runs "dynamic" tasks: an attempt of node N writes futures.pb
// with the spec specs[N] builds from the attempt's inputs (specs["*"] for
// nodes without their own) and succeeds with it, as a dynamic SDK task
// run by the local plugin does.
type dynPlugin struct {
	mu     sync.Mutex
	specs  map[string]func(in *corev1.LiteralMap) *corev1.DynamicJobSpec
	starts map[string]int
}

func newDynPlugin() *dynPlugin {
	return &dynPlugin{specs: map[string]func(*corev1.LiteralMap) *corev1.DynamicJobSpec{}, starts: map[string]int{}}
}

func (p *dynPlugin) set(node string, f func(in *corev1.LiteralMap) *corev1.DynamicJobSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.specs[node] = f
}

func (p *dynPlugin) startsOf(node string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts[node]
}

func (p *dynPlugin) Start(ctx context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	p.mu.Lock()
	p.starts[tc.Attempt.NodeID]++
	f := p.specs[tc.Attempt.NodeID]
	if f == nil {
		f = p.specs["*"]
	}
	p.mu.Unlock()
	if f == nil {
		return nil, fmt.Errorf("no spec for node %s", tc.Attempt.NodeID)
	}
	if err := tc.Blobs.WriteProto(ctx, tc.FuturesKey(), f(tc.Inputs)); err != nil {
		return nil, err
	}
	return plugin.Handle(tc.Attempt.String()), nil
}

func (p *dynPlugin) Status(ctx context.Context, tc *plugin.TaskContext, _ plugin.Handle) (plugin.Status, error) {
	spec := &corev1.DynamicJobSpec{}
	if err := tc.Blobs.ReadProto(ctx, tc.FuturesKey(), spec); err != nil {
		return plugin.SystemFailure("ReadFutures", err.Error(), true), nil
	}
	return plugin.Status{Phase: plugin.PhaseSucceeded, Dynamic: spec}, nil
}

func (p *dynPlugin) Abort(context.Context, *plugin.TaskContext, plugin.Handle) error { return nil }

// setupDynamic is setup with "dynamic" tasks run by a dynPlugin too.
func setupDynamic(t testing.TB) (*env, *dynPlugin) {
	t.Helper()
	e := setup(t)
	dyn := newDynPlugin()
	e.startEngine(e.script, dyn, "test-dynamic", nil)
	return e, dyn
}

// startEngine stops the engine and starts a new one running script and
// dyn, on the same database and blob store.
func (e *env) startEngine(script plugin.Plugin, dyn *dynPlugin, owner string, clock propeller.Clock, mod ...func(*propeller.Options)) {
	e.t.Helper()
	e.eng.Stop()
	reg := plugin.NewRegistry()
	reg.Register(script, "script")
	reg.Register(dyn, "dynamic")
	opts := propeller.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Owner:  owner, LeaseDuration: 30 * time.Second, Workers: 2, Clock: clock,
		OnCommit: func(*store.Execution) {
			select {
			case e.commit <- struct{}{}:
			default:
			}
		},
	}
	for _, m := range mod {
		m(&opts)
	}
	e.eng = propeller.New(e.st, e.blobs, reg, opts)
	require.NoError(e.t, e.eng.Start(e.ctx))
	e.t.Cleanup(e.eng.Stop)
}

// fanTask is the dynamic task the tests run: n:int -> ys:list[int], n2:int.
func fanTask() *corev1.TaskTemplate {
	return &corev1.TaskTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: "fan", Version: "v1"},
		Type:      "dynamic",
		Metadata:  &corev1.TaskMetadata{Retries: &corev1.RetryStrategy{Retries: 2}},
		Interface: &corev1.TypedInterface{Inputs: vars("n", intType), Outputs: vars("ys", listOf(intType), "n2", intType)},
		Target:    &corev1.TaskTemplate_Container{Container: &corev1.Container{Image: "none", Command: []string{"none"}}},
	}
}

func constInt(v int64) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: intLit(v).GetScalar()}}
}

func collection(bds ...*corev1.BindingData) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: &corev1.BindingDataCollection{Bindings: bds}}}
}

// fanSpec is what the fan task generates: k nodes e<i> running child on
// the constant i, and "first" running echo on the task's input n; ys
// gathers the e<i>, n2 is first's.
func fanSpec(k int, child, echo *corev1.TaskTemplate, tasks ...*corev1.TaskTemplate) *corev1.DynamicJobSpec {
	spec := &corev1.DynamicJobSpec{Tasks: tasks}
	var ys []*corev1.BindingData
	for i := range k {
		id := fmt.Sprintf("e%d", i)
		n := taskNode(id, child, "")
		n.Inputs = []*corev1.Binding{bind("x", constInt(int64(i)))}
		spec.Nodes = append(spec.Nodes, n)
		ys = append(ys, promise(id, "x"))
	}
	first := taskNode("first", echo, "")
	first.Inputs = []*corev1.Binding{bind("x", promise("start-node", "n"))}
	spec.Nodes = append(spec.Nodes, first)
	spec.Outputs = []*corev1.Binding{bind("ys", collection(ys...)), bind("n2", promise("first", "x"))}
	return spec
}

// fanWorkflow is n:int -> fan (dynamic) -> after (task t on fan.n2), with
// outputs ys = fan.ys and y = after.x.
func fanWorkflow(fan, t *corev1.TaskTemplate) *corev1.WorkflowTemplate {
	fanNode := &corev1.Node{
		Id:     "fan",
		Inputs: []*corev1.Binding{bind("n", promise("start-node", "n"))},
		Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: fan.GetId()}},
	}
	after := taskNode("after", t, "")
	after.Inputs = []*corev1.Binding{bind("x", promise("fan", "n2"))}
	return &corev1.WorkflowTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "p", Domain: "d", Name: "dynwf", Version: "v1"},
		Metadata:  &corev1.WorkflowMetadata{},
		Interface: &corev1.TypedInterface{Inputs: vars("n", intType), Outputs: vars("ys", listOf(intType), "y", intType)},
		Nodes:     []*corev1.Node{fanNode, after},
		Outputs:   []*corev1.Binding{bind("ys", promise("fan", "ys")), bind("y", promise("after", "x"))},
	}
}

// children lists the node ids whose parent is node, with their phases.
func (e *env) children(x *store.Execution, node string) map[string]string {
	e.t.Helper()
	page, err := e.st.NodeExecutionList(e.ctx, store.NodeExecutionListParams{ExecutionRowID: x.RowID, ParentNodeID: node, Limit: 1000})
	require.NoError(e.t, err)
	out := map[string]string{}
	for _, n := range page.Items {
		out[n.NodeID] = strings.TrimPrefix(corev1.NodeExecution_Phase(n.Phase).String(), "PHASE_")
	}
	return out
}

// dynamicSetup registers fanWorkflow (whose closure has the tasks fan and
// t) and has the fan node generate fanSpec(k) with the e<i> running the
// task "echo2" the spec brings and "first" running t from the closure.
func dynamicSetup(t *testing.T, k int) (*env, *dynPlugin, store.EntityID) {
	t.Helper()
	e, dyn := setupDynamic(t)
	fan, task, echo2 := fanTask(), scriptTask("t", 0, 0), scriptTask("echo2", 0, 0)
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return fanSpec(k, echo2, task, echo2) })
	return e, dyn, wf
}

// futuresCompiledExists reports whether the engine kept node's compiled
// generated workflow.
func (e *env) futuresCompiledExists(exec, node string) bool {
	e.t.Helper()
	ok, err := e.blobs.Exists(e.ctx, "metadata/p/d/"+exec+"/"+node+"/futures_compiled.pb")
	require.NoError(e.t, err)
	return ok
}

// BenchmarkDynamicFanOut1000 runs a dynamic task that generates 1,000
// script nodes and gathers their outputs, and reports the time per
// generated node (compile, children, output binding), on SQLite or, with
// FLYTE_TEST_POSTGRES_DSN, PostgreSQL.
func BenchmarkDynamicFanOut1000(b *testing.B) {
	e := setup(b)
	dyn := newDynPlugin()
	e.startEngine(e.script, dyn, "bench-dynamic", nil)
	fan, task, echo2 := fanTask(), scriptTask("t", 0, 0), scriptTask("echo2", 0, 0)
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return fanSpec(1000, echo2, task, echo2) })
	var total time.Duration
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("ex%d", i)
		i++
		start := time.Now()
		e.launch(name, wf, inputs("n", intLit(7)), nil)
		e.waitPhase(name, corev1.WorkflowExecution_PHASE_SUCCEEDED)
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(i*1000), "ms/node")
}

func TestDynamicCachedTaskStoresWhatItsWorkflowProduced(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	dyn := newDynPlugin()
	e.startEngine(e.script, dyn, "test-dynamic-cache", nil, func(o *propeller.Options) { o.Catalog = cat })
	fan, task, echo2 := fanTask(), scriptTask("t", 0, 0), scriptTask("echo2", 0, 0)
	fan.Metadata.Discoverable, fan.Metadata.DiscoveryVersion = true, "1"
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return fanSpec(2, echo2, task, echo2) })

	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x1 := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x1, "fan"))
	events := e.cacheEvents(x1, "fan")
	require.Equal(t, "SUCCEEDED POPULATED DISABLED", events[len(events)-1], "the SUCCEEDED event says what the closure says: %v", events)

	e.launch("ex2", wf, inputs("n", intLit(7)), nil)
	x2 := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x2, "fan"))
	require.Equal(t, 1, dyn.startsOf("fan"), "a hit generates nothing")
	require.Empty(t, e.children(x2, "fan"))
	require.Empty(t, cmp.Diff(e.outputs(x1), e.outputs(x2), protocmp.Transform()))
}
