package propeller_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// env is one engine over a fresh database and an in-memory blob store. The
// database is SQLite, or PostgreSQL (a fresh schema) when
// FLYTE_TEST_POSTGRES_DSN is set.
type env struct {
	t      testing.TB
	ctx    context.Context
	st     propeller.ExecStore
	blobs  *storage.Store
	script *scriptPlugin
	eng    *propeller.Engine
	commit chan struct{}
}

func setup(t testing.TB, mod ...func(*propeller.Options)) *env {
	t.Helper()
	ctx := context.Background()
	driver := admintest.DriverSQLite
	if os.Getenv(admintest.PostgresDSNEnv) != "" {
		driver = admintest.DriverPostgres
	}
	raw, _ := admintest.OpenStore(t, driver, slog.New(slog.DiscardHandler))
	st, ok := raw.(propeller.ExecStore)
	require.True(t, ok, "the %s store implements store.ExecutionStore", driver)
	blobs, err := storage.Open(ctx, "mem://", storage.Options{})
	require.NoError(t, err)
	e := &env{t: t, ctx: ctx, st: st, blobs: blobs, script: newScriptPlugin(), commit: make(chan struct{}, 1)}
	reg := plugin.NewRegistry()
	reg.Register(e.script, "script")
	opts := propeller.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Owner: "test", LeaseDuration: 30 * time.Second, Workers: 2,
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
	e.eng = propeller.New(st, blobs, reg, opts)
	require.NoError(t, e.eng.Start(ctx))
	t.Cleanup(e.eng.Stop)
	return e
}

// Types and literals.
var (
	intType = &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}
	strType = &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_STRING}}
)

func listOf(t *corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: t}}
}

func intLit(v int64) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: v}}}}}}
}

func strLit(v string) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v}}}}}}
}

func vars(kv ...any) *corev1.VariableMap {
	m := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for i := 0; i < len(kv); i += 2 {
		m.Variables[kv[i].(string)] = &corev1.Variable{Type: kv[i+1].(*corev1.LiteralType)}
	}
	return m
}

func params(kv ...any) *corev1.ParameterMap {
	m := &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{}}
	for i := 0; i < len(kv); i += 2 {
		m.Parameters[kv[i].(string)] = &corev1.Parameter{Var: &corev1.Variable{Type: kv[i+1].(*corev1.LiteralType)}, Behavior: &corev1.Parameter_Required{Required: true}}
	}
	return m
}

// scriptTask is a task of the test plugin: it echoes input x to output x.
func scriptTask(name string, retries uint32, timeout time.Duration) *corev1.TaskTemplate {
	t := &corev1.TaskTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: name, Version: "v1"},
		Type:      "script",
		Metadata:  &corev1.TaskMetadata{Retries: &corev1.RetryStrategy{Retries: retries}},
		Interface: &corev1.TypedInterface{Inputs: vars("x", intType), Outputs: vars("x", intType)},
		Target:    &corev1.TaskTemplate_Container{Container: &corev1.Container{Image: "none", Command: []string{"none"}}},
	}
	if timeout > 0 {
		t.Metadata.Timeout = durationpb.New(timeout)
	}
	return t
}

func promise(node, v string) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: node, Var: v}}}
}

func bind(v string, bd *corev1.BindingData) *corev1.Binding {
	return &corev1.Binding{Var: v, Binding: bd}
}

func taskNode(id string, task *corev1.TaskTemplate, from string) *corev1.Node {
	return &corev1.Node{
		Id:     id,
		Inputs: []*corev1.Binding{bind("x", promise(from, "x"))},
		Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: task.GetId()}},
	}
}

// workflow is a workflow taking x:int and returning y from node out.x.
func workflow(name, out string, nodes ...*corev1.Node) *corev1.WorkflowTemplate {
	return &corev1.WorkflowTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "p", Domain: "d", Name: name, Version: "v1"},
		Metadata:  &corev1.WorkflowMetadata{},
		Interface: &corev1.TypedInterface{Inputs: vars("x", intType), Outputs: vars("y", intType)},
		Nodes:     nodes,
		Outputs:   []*corev1.Binding{bind("y", promise(out, "x"))},
	}
}

// register compiles and stores a workflow and returns its id.
func (e *env) register(wf *corev1.WorkflowTemplate, subs []*corev1.WorkflowTemplate, tasks ...*corev1.TaskTemplate) store.EntityID {
	e.t.Helper()
	closure, err := compiler.CompileWorkflow(e.ctx, wf, subs, compiler.NewStaticResolver(tasks, nil))
	require.NoError(e.t, err)
	body, err := proto.Marshal(&adminv1.Workflow{Id: wf.GetId(), Closure: &adminv1.WorkflowClosure{CompiledWorkflow: closure}})
	require.NoError(e.t, err)
	sum := sha256.Sum256(body)
	id := store.EntityID{Project: "p", Domain: "d", Name: wf.GetId().GetName(), Version: wf.GetId().GetVersion()}
	_, _, err = e.st.EntityCreate(e.ctx, store.EntityCreateParams{Kind: store.KindWorkflow, ID: id, Digest: sum[:], Body: body, Now: time.Now()})
	require.NoError(e.t, err)
	return id
}

// launch creates an execution of wf with inputs, as the admin does.
func (e *env) launch(name string, wf store.EntityID, inputs *corev1.LiteralMap, spec *adminv1.ExecutionSpec, mod ...func(*store.ExecutionCreateParams)) *store.Execution {
	e.t.Helper()
	key := fmt.Sprintf("metadata/p/d/%s/inputs.pb", name)
	require.NoError(e.t, e.blobs.WriteProto(e.ctx, key, inputs))
	if spec == nil {
		spec = &adminv1.ExecutionSpec{}
	}
	specB, _ := proto.Marshal(spec)
	closB, _ := proto.Marshal(&adminv1.ExecutionClosure{Phase: corev1.WorkflowExecution_PHASE_QUEUED})
	p := store.ExecutionCreateParams{
		ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}, LaunchPlan: wf, Workflow: wf,
		Spec: specB, Closure: closB, InputsURI: e.blobs.URL(key), Now: time.Now(),
	}
	for _, m := range mod {
		m(&p)
	}
	x, err := e.st.ExecutionCreate(e.ctx, p)
	require.NoError(e.t, err)
	return x
}

// wait returns the execution once cond holds, failing the test after 15s.
func (e *env) wait(name string, what string, cond func(*store.Execution) bool) *store.Execution {
	e.t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		x, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}})
		require.NoError(e.t, err)
		if cond(x) {
			return x
		}
		select {
		case <-e.commit:
		case <-e.script.changed:
		case <-deadline.C:
			e.t.Fatalf("execution %s: timed out waiting for %s (phase %s)", name, what, corev1.WorkflowExecution_Phase(x.Phase))
		}
	}
}

// waitPhase waits for the execution to reach phase p.
func (e *env) waitPhase(name string, p corev1.WorkflowExecution_Phase) *store.Execution {
	e.t.Helper()
	return e.wait(name, p.String(), func(x *store.Execution) bool { return x.Phase == store.ExecutionPhase(p) })
}

func (e *env) outputs(x *store.Execution) *corev1.LiteralMap {
	e.t.Helper()
	c := &adminv1.ExecutionClosure{}
	require.NoError(e.t, proto.Unmarshal(x.Closure, c))
	if d := c.GetOutputData(); d != nil {
		return d
	}
	key, err := e.blobs.Key(c.GetOutputUri())
	require.NoError(e.t, err)
	m := &corev1.LiteralMap{}
	require.NoError(e.t, e.blobs.ReadProto(e.ctx, key, m))
	return m
}

func (e *env) execError(x *store.Execution) *corev1.ExecutionError {
	c := &adminv1.ExecutionClosure{}
	require.NoError(e.t, proto.Unmarshal(x.Closure, c))
	return c.GetError()
}

// nodePhases maps node id to phase name.
func (e *env) nodePhases(x *store.Execution) map[string]string {
	e.t.Helper()
	page, err := e.st.NodeExecutionList(e.ctx, store.NodeExecutionListParams{ExecutionRowID: x.RowID, Limit: 1000})
	require.NoError(e.t, err)
	out := map[string]string{}
	for _, n := range page.Items {
		out[n.NodeID] = strings.TrimPrefix(corev1.NodeExecution_Phase(n.Phase).String(), "PHASE_")
	}
	return out
}

// attemptPhases lists the phases of a node's attempts.
func (e *env) attemptPhases(x *store.Execution, node string) []string {
	e.t.Helper()
	tes, err := e.st.TaskExecutionList(e.ctx, store.TaskExecutionListParams{ExecutionRowID: x.RowID, NodeID: node})
	require.NoError(e.t, err)
	var out []string
	for _, te := range tes {
		out = append(out, strings.TrimPrefix(corev1.TaskExecution_Phase(te.Phase).String(), "PHASE_"))
	}
	return out
}

func inputs(kv ...any) *corev1.LiteralMap {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for i := 0; i < len(kv); i += 2 {
		m.Literals[kv[i].(string)] = kv[i+1].(*corev1.Literal)
	}
	return m
}

// scriptPlugin runs "script" tasks whose outcome per attempt is scripted by
// node id: "ok" echoes inputs to outputs, "user"/"system" fail retryably,
// "fatal" fails for good, "bad" writes a mistyped output, "block" runs until
// aborted or released.
type scriptPlugin struct {
	mu       sync.Mutex
	script   map[string][]string
	starts   map[string]int
	running  map[string]bool
	released map[string]bool
	aborted  map[string]bool
	wakes    map[string]func()
	maxRun   int
	changed  chan struct{}
}

func newScriptPlugin() *scriptPlugin {
	return &scriptPlugin{
		script: map[string][]string{}, starts: map[string]int{}, running: map[string]bool{},
		released: map[string]bool{}, aborted: map[string]bool{}, wakes: map[string]func(){},
		changed: make(chan struct{}, 1),
	}
}

func (p *scriptPlugin) set(node string, outcomes ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script[node] = outcomes
}

func (p *scriptPlugin) outcome(a plugin.AttemptID) string {
	s := p.script[a.NodeID]
	if len(s) == 0 {
		// Array elements are scripted by their parent's id plus "-*".
		if i := strings.LastIndex(a.NodeID, "-"); i > 0 {
			s = p.script[a.NodeID[:i]+"-*"]
		}
	}
	if len(s) == 0 {
		return "ok"
	}
	if int(a.RetryAttempt) < len(s) {
		return s[a.RetryAttempt]
	}
	return s[len(s)-1]
}

func (p *scriptPlugin) notify() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

func (p *scriptPlugin) Start(ctx context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	p.mu.Lock()
	key := tc.Attempt.String()
	p.starts[tc.Attempt.NodeID]++
	delete(p.aborted, key)
	p.running[key] = true
	p.wakes[key] = tc.Wake
	n := 0
	for _, r := range p.running {
		if r {
			n++
		}
	}
	p.maxRun = max(p.maxRun, n)
	out := p.outcome(tc.Attempt)
	p.mu.Unlock()
	defer p.notify()
	if out == "ok" || out == "bad" {
		// These write outputs.pb, as SDK tasks do; "block" returns them inline.
		in := tc.Inputs
		if out == "bad" {
			in = inputs("x", strLit("not a number"))
		}
		if err := tc.Blobs.WriteProto(ctx, tc.OutputsKey(), in); err != nil {
			return nil, err
		}
	}
	return plugin.Handle(key), nil
}

func (p *scriptPlugin) Status(_ context.Context, tc *plugin.TaskContext, h plugin.Handle) (plugin.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := string(h)
	if p.aborted[key] {
		return plugin.Status{Phase: plugin.PhaseAborted}, nil
	}
	out := p.outcome(tc.Attempt)
	if out == "block" && !p.released[tc.Attempt.NodeID] {
		return plugin.Status{Phase: plugin.PhaseRunning}, nil
	}
	p.running[key] = false
	var outs *corev1.LiteralMap
	if out == "block" {
		outs = tc.Inputs
	}
	switch out {
	case "user":
		return plugin.UserFailure("Boom", "user error in "+key, true), nil
	case "system":
		return plugin.SystemFailure("Lost", "system error in "+key, true), nil
	case "fatal":
		return plugin.UserFailure("Fatal", "fatal error in "+key, false), nil
	}
	return plugin.Status{Phase: plugin.PhaseSucceeded, Outputs: outs}, nil
}

func (p *scriptPlugin) Abort(_ context.Context, _ *plugin.TaskContext, h plugin.Handle) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.aborted[string(h)] = true
	p.running[string(h)] = false
	return nil
}

// release lets the blocked attempts of a node finish (as "ok") and wakes the engine.
func (p *scriptPlugin) release(node string) {
	p.mu.Lock()
	p.released[node] = true
	var wakes []func()
	for k, w := range p.wakes {
		if strings.Contains(k, "/"+node+"/") {
			wakes = append(wakes, w)
		}
	}
	p.mu.Unlock()
	for _, w := range wakes {
		w()
	}
}

func (p *scriptPlugin) startsOf(node string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts[node]
}
