package admin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/store"
)

// execStore is the execution store behind env.
func execStore(t testing.TB, env *admintest.Env) store.ExecutionStore {
	t.Helper()
	es, ok := env.Store.(store.ExecutionStore)
	require.True(t, ok, "the %s store does not implement store.ExecutionStore", env.Driver)
	return es
}

// execID is an execution of the test project and domain.
func execID(name string) *corev1.WorkflowExecutionIdentifier {
	return &corev1.WorkflowExecutionIdentifier{Project: project, Domain: domain, Name: name}
}

// inputs builds a LiteralMap from name, literal pairs.
func inputs(kv ...any) *corev1.LiteralMap {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for i := 0; i < len(kv); i += 2 {
		m.Literals[kv[i].(string)] = kv[i+1].(*corev1.Literal)
	}
	return m
}

// setupLaunchPlans registers:
//   - "double" (workflow x:int -> y:int) with launch plan "double" v1,
//     x defaulting to 1, activated;
//   - "sum" (workflow a, b, c: int -> y:int) with launch plan "sum" v1:
//     a defaults to 1, b is required, c is fixed to 3; activated.
func setupLaunchPlans(t testing.TB, env *admintest.Env) {
	t.Helper()
	ctx := t.Context()
	createWorkflow(t, env, "double", "v1")
	createLaunchPlan(t, env, "double", "v1", "double", "v1")
	activate(t, env, "double", "v1")

	abc := varMap("a", tInt, "b", tInt, "c", tInt)
	_, err := env.Client.CreateTask(ctx, connect.NewRequest(taskRequestWithInputs("sum-task", "v1", "alpine:3", abc)))
	require.NoError(t, err)
	_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(workflowRequestWithInputs("sum", "v1", taskID("sum-task", "v1"), abc)))
	require.NoError(t, err)
	_, err = env.Client.CreateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanCreateRequest{
		Id: lpID("sum", "v1"),
		Spec: &adminv1.LaunchPlanSpec{
			WorkflowId: wfID("sum", "v1"),
			DefaultInputs: &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
				"a": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Default{Default: intLiteral(1)}},
				"b": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Required{Required: true}},
			}},
			FixedInputs:    inputs("c", intLiteral(3)),
			MaxParallelism: 7,
		},
	}))
	require.NoError(t, err)
	activate(t, env, "sum", "v1")
}

func activate(t testing.TB, env *admintest.Env, name, version string) {
	t.Helper()
	_, err := env.Client.UpdateLaunchPlan(t.Context(), connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{
		Id: lpID(name, version), State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE,
	}))
	require.NoError(t, err)
}

// createExecution starts launch plan lp (active version) with in, named name.
func createExecution(t testing.TB, env *admintest.Env, name, lp string, in *corev1.LiteralMap) *corev1.WorkflowExecutionIdentifier {
	t.Helper()
	res, err := env.Client.CreateExecution(t.Context(), connect.NewRequest(&adminv1.ExecutionCreateRequest{
		Project: project, Domain: domain, Name: name,
		Spec:   &adminv1.ExecutionSpec{LaunchPlan: &corev1.Identifier{Name: lp}},
		Inputs: in,
	}))
	require.NoError(t, err)
	return res.Msg.GetId()
}

// execSnapshot summarises the stored executions and blobs, to check that a
// rejected request changed nothing.
func execSnapshot(t testing.TB, env *admintest.Env) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(snapshot(t, env))
	for _, d := range []string{"development", "staging", "production"} {
		page, err := execStore(t, env).ExecutionList(t.Context(), store.ListParams{
			Project: project, Domain: d, Limit: store.MaxLimit, Filters: "value_in(state,ACTIVE;ARCHIVED)",
		})
		require.NoError(t, err)
		for _, e := range page.Items {
			fmt.Fprintf(&b, "execution %s phase=%d state=%d abort=%v %q version=%d\n", formatExec(e.ID), e.Phase, e.State, e.AbortRequested, e.AbortCause, e.Version)
			sigs, err := execStore(t, env).SignalList(t.Context(), store.SignalListParams{ExecutionRowID: e.RowID})
			require.NoError(t, err)
			for _, s := range sigs {
				fmt.Fprintf(&b, "signal %s %x\n", s.SignalID, s.Value)
			}
		}
	}
	keys, err := env.Blobs.List(t.Context(), "")
	require.NoError(t, err)
	for _, k := range keys {
		fmt.Fprintf(&b, "blob %s\n", k)
	}
	return b.String()
}

func formatExec(id store.ExecutionID) string {
	return id.Project + "/" + id.Domain + "/" + id.Name
}

// fakeEngine advances execution rows as the engine would: it claims them
// and commits rounds.
type fakeEngine struct {
	t     testing.TB
	es    store.ExecutionStore
	owner string
	rows  map[string]*store.Execution
}

func newFakeEngine(t testing.TB, env *admintest.Env) *fakeEngine {
	return &fakeEngine{t: t, es: execStore(t, env), owner: "test-engine", rows: map[string]*store.Execution{}}
}

// claim leases every due execution.
func (f *fakeEngine) claim() {
	f.t.Helper()
	got, err := f.es.ExecutionClaim(f.t.Context(), store.ExecutionClaimParams{
		Owner: f.owner, LeaseFor: time.Hour, Limit: 100, Now: time.Now(),
	})
	require.NoError(f.t, err)
	for _, e := range got {
		f.rows[e.ID.Name] = e
	}
}

// round commits one round for execution name: its new phase, nodes, tasks.
func (f *fakeEngine) round(name string, phase corev1.WorkflowExecution_Phase, closure *adminv1.ExecutionClosure, nodes []*store.NodeExecution, tasks []*store.TaskExecution) {
	f.t.Helper()
	if _, ok := f.rows[name]; !ok {
		f.claim()
	}
	row, ok := f.rows[name]
	require.True(f.t, ok, "execution %s was not claimed", name)
	now := time.Now()
	p := store.ExecutionRoundCommitParams{
		RowID: row.RowID, Owner: f.owner, ExpectedVersion: row.Version,
		Phase: store.ExecutionPhase(phase), StartedAt: row.StartedAt, EndedAt: row.EndedAt,
		Nodes: nodes, Tasks: tasks, Now: now,
	}
	if p.StartedAt == nil {
		p.StartedAt = &now
	}
	if store.ExecutionTerminal(store.ExecutionPhase(phase)) {
		p.EndedAt = &now
	}
	if closure != nil {
		b, err := proto.Marshal(closure)
		require.NoError(f.t, err)
		p.Closure = b
	}
	for _, n := range nodes {
		n.ExecutionRowID = row.RowID
	}
	for _, tk := range tasks {
		tk.ExecutionRowID = row.RowID
	}
	next, err := f.es.ExecutionRoundCommit(f.t.Context(), p)
	require.NoError(f.t, err)
	f.rows[name] = next
}

// finish ends execution name in phase.
func (f *fakeEngine) finish(name string, phase corev1.WorkflowExecution_Phase) {
	f.t.Helper()
	f.round(name, phase, nil, nil, nil)
}

// marshal encodes m for a stored row.
func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	return b
}
