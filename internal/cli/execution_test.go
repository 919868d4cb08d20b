package cli

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
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

// realAdmin is a real admin server (SQLite) with project "proj", a task
// "add" (a: int, b: int -> sum: int), its workflow and launch plan "add"
// (b defaults to 10), active.
type realAdmin struct {
	t   *testing.T
	env *admintest.Env
}

const (
	rProject = "proj"
	rDomain  = "development"
)

func newRealAdmin(t *testing.T) *realAdmin {
	t.Helper()
	env := admintest.New(t, admintest.DriverSQLite)
	ctx := t.Context()
	c := env.Client
	_, err := c.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: &adminv1.Project{Id: rProject, Name: "Proj"}}))
	require.NoError(t, err)
	intT := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}
	listT := &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: intT}}
	vars := func(kv ...any) *corev1.VariableMap {
		m := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
		for i := 0; i < len(kv); i += 2 {
			m.Variables[kv[i].(string)] = &corev1.Variable{Type: kv[i+1].(*corev1.LiteralType)}
		}
		return m
	}
	id := func(rt corev1.ResourceType, name string) *corev1.Identifier {
		return &corev1.Identifier{ResourceType: rt, Project: rProject, Domain: rDomain, Name: name, Version: "v1"}
	}
	iface := &corev1.TypedInterface{Inputs: vars("a", intT, "b", intT, "extra", listT), Outputs: vars("sum", intT)}
	taskID := id(corev1.ResourceType_RESOURCE_TYPE_TASK, "add")
	_, err = c.CreateTask(ctx, connect.NewRequest(&adminv1.TaskCreateRequest{Id: taskID, Spec: &adminv1.TaskSpec{Template: &corev1.TaskTemplate{
		Id: taskID, Type: "echo", Interface: iface,
		Target: &corev1.TaskTemplate_Container{Container: &corev1.Container{Image: "none", Command: []string{"true"}}},
	}}}))
	require.NoError(t, err)
	promise := func(node, v string) *corev1.BindingData {
		return &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: node, Var: v}}}
	}
	wfID := id(corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, "add")
	_, err = c.CreateWorkflow(ctx, connect.NewRequest(&adminv1.WorkflowCreateRequest{Id: wfID, Spec: &adminv1.WorkflowSpec{Template: &corev1.WorkflowTemplate{
		Id: wfID, Interface: iface,
		Nodes: []*corev1.Node{{Id: "add", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: taskID}},
			Inputs: []*corev1.Binding{{Var: "a", Binding: promise("start-node", "a")}, {Var: "b", Binding: promise("start-node", "b")}, {Var: "extra", Binding: promise("start-node", "extra")}}}},
		Outputs: []*corev1.Binding{{Var: "sum", Binding: promise("add", "sum")}},
	}}}))
	require.NoError(t, err)
	lpID := id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "add")
	ten := &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 10}}}}}}
	_, err = c.CreateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanCreateRequest{Id: lpID, Spec: &adminv1.LaunchPlanSpec{
		WorkflowId: wfID,
		DefaultInputs: &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
			"b":     {Var: &corev1.Variable{Type: intT}, Behavior: &corev1.Parameter_Default{Default: ten}},
			"extra": {Var: &corev1.Variable{Type: listT}, Behavior: &corev1.Parameter_Default{Default: &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{}}}}},
		}},
	}}))
	require.NoError(t, err)
	_, err = c.UpdateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{Id: lpID, State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE}))
	require.NoError(t, err)
	return &realAdmin{t: t, env: env}
}

// cli runs flyte-cli against the server in project proj, domain development.
func (r *realAdmin) cli(args ...string) result {
	r.t.Helper()
	var out, errOut bytes.Buffer
	env := environment{Getenv: func(string) string { return "" }, HomeDir: func() (string, error) { return r.t.TempDir(), nil }, ReadFile: os.ReadFile}
	all := append([]string{"-h", r.env.URL, "-p", rProject, "-d", rDomain}, args...)
	code := run(r.t.Context(), all, &out, &errOut, env)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

func (r *realAdmin) ok(args ...string) string {
	r.t.Helper()
	res := r.cli(args...)
	require.Equal(r.t, ExitOK, res.code, "stderr: %s", res.stderr)
	return res.stdout
}

func (r *realAdmin) inputs(name string) *corev1.LiteralMap {
	r.t.Helper()
	res, err := r.env.Client.GetExecutionData(r.t.Context(), connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{
		Id: &corev1.WorkflowExecutionIdentifier{Project: rProject, Domain: rDomain, Name: name},
	}))
	require.NoError(r.t, err)
	return res.Msg.GetFullInputs()
}

// advance commits one engine round for execution name.
func (r *realAdmin) advance(name string, phase corev1.WorkflowExecution_Phase, closure *adminv1.ExecutionClosure, nodes ...*store.NodeExecution) {
	r.t.Helper()
	es := r.env.Store.(store.ExecutionStore)
	ctx := r.t.Context()
	claimed, err := es.ExecutionClaim(ctx, store.ExecutionClaimParams{Owner: "test", LeaseFor: time.Hour, Limit: 100, Now: time.Now()})
	require.NoError(r.t, err)
	_ = claimed
	row, err := es.ExecutionGet(ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: rProject, Domain: rDomain, Name: name}})
	require.NoError(r.t, err)
	now := time.Now()
	p := store.ExecutionRoundCommitParams{RowID: row.RowID, Owner: "test", ExpectedVersion: row.Version,
		Phase: store.ExecutionPhase(phase), StartedAt: &now, Nodes: nodes, Now: now}
	if phase == corev1.WorkflowExecution_PHASE_SUCCEEDED || phase == corev1.WorkflowExecution_PHASE_FAILED {
		p.EndedAt = &now
	}
	if closure != nil {
		b, err := proto.Marshal(closure)
		require.NoError(r.t, err)
		p.Closure = b
	}
	for _, n := range nodes {
		n.ExecutionRowID = row.RowID
	}
	_, err = es.ExecutionRoundCommit(ctx, p)
	require.NoError(r.t, err)
}

func TestCreateExecutionParsesInputs(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	file := filepath.Join(t.TempDir(), "in.yaml")
	require.NoError(t, os.WriteFile(file, []byte("a: 1\nextra: [1, 2, 3]\n"), 0o600))
	out := r.ok("create", "execution", "--launchplan", "add", "--file", file, "--input", "a=5", "--name", "run-1")
	require.Equal(t, []string{"EXECUTION  PROJECT  DOMAIN", "run-1      proj     development"}, lines(out))
	in := r.inputs("run-1")
	require.Equal(t, "5", formatLiteral(in.GetLiterals()["a"]), "--input wins over --file")
	require.Equal(t, "10", formatLiteral(in.GetLiterals()["b"]))
	require.Equal(t, "[1,2,3]", formatLiteral(in.GetLiterals()["extra"]))

	// A single task, through the generated launch plan.
	out = r.ok("create", "execution", "--task", "add", "--input", "a=1", "--input", "b=2", "--input", "extra=[]", "-o", "json")
	require.Contains(t, out, `"name"`)
}

// TestCreateExecutionWithoutActiveVersion: with no active version the newest
// one runs, so files registered without --activate can be run at once.
func TestCreateExecutionWithoutActiveVersion(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	lp := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, Project: rProject, Domain: rDomain, Name: "add", Version: "v1"}
	_, err := r.env.Client.UpdateLaunchPlan(t.Context(), connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{Id: lp, State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE}))
	require.NoError(t, err)
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "inactive-1")
	got, err := r.env.Client.GetExecution(t.Context(), connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{
		Id: &corev1.WorkflowExecutionIdentifier{Project: rProject, Domain: rDomain, Name: "inactive-1"},
	}))
	require.NoError(t, err)
	require.Equal(t, "v1", got.Msg.GetSpec().GetLaunchPlan().GetVersion())
}

func TestCreateExecutionBadInput(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--launchplan", "add", "--input", "zzz=1"}, ExitUsage, `unknown input "zzz" (inputs: a: int, b: int, extra: list[int])`},
		{[]string{"--launchplan", "add", "--input", "a=x"}, ExitUsage, `--input a (int): "x" is not an integer`},
		{[]string{"--launchplan", "add", "--input", "a"}, ExitUsage, `--input "a": want name=value`},
		{[]string{"--launchplan", "add"}, ExitFailure, `required input "a" (int) is missing`},
		{[]string{"--launchplan", "nope"}, ExitFailure, "launch plan proj/development/nope is not registered"},
		{[]string{"--input", "a=1"}, ExitUsage, "give exactly one of --launchplan and --task"},
	}
	for _, tc := range cases {
		res := r.cli(append([]string{"create", "execution"}, tc.args...)...)
		require.Equal(t, tc.code, res.code, "%v: %s", tc.args, res.stderr)
		require.Contains(t, res.stderr, tc.msg)
	}
}

func TestCreateExecutionWait(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		env := environment{Getenv: func(string) string { return "" }, HomeDir: func() (string, error) { return "/nonexistent", nil }, ReadFile: os.ReadFile}
		code := run(t.Context(), []string{"-h", r.env.URL, "-p", rProject, "-d", rDomain,
			"create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "waited", "--wait"}, &out, &errOut, env)
		done <- result{stdout: out.String(), stderr: errOut.String(), code: code}
	}()
	es := r.env.Store.(store.ExecutionStore)
	require.Eventually(t, func() bool {
		_, err := es.ExecutionGet(t.Context(), store.ExecutionGetParams{ID: store.ExecutionID{Project: rProject, Domain: rDomain, Name: "waited"}})
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	now := time.Now()
	r.advance("waited", corev1.WorkflowExecution_PHASE_RUNNING, nil, &store.NodeExecution{
		NodeID: "add", SpecNodeID: "add", Phase: int32(corev1.NodeExecution_PHASE_RUNNING), Closure: []byte{}, CreatedAt: now, UpdatedAt: now, StartedAt: &now,
	})
	outputs := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"sum": {Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 11}}}}}}}}
	key := "metadata/proj/development/waited/outputs.pb"
	require.NoError(t, r.env.Blobs.WriteProto(t.Context(), key, outputs))
	r.advance("waited", corev1.WorkflowExecution_PHASE_SUCCEEDED, &adminv1.ExecutionClosure{OutputResult: &adminv1.ExecutionClosure_OutputUri{OutputUri: r.env.Blobs.URL(key)}},
		&store.NodeExecution{NodeID: "add", SpecNodeID: "add", Phase: int32(corev1.NodeExecution_PHASE_SUCCEEDED), CreatedAt: now, UpdatedAt: now, StartedAt: &now})
	var res result
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("create execution --wait did not return after the execution succeeded")
	}
	require.Equal(t, ExitOK, res.code, "stderr: %s", res.stderr)
	got := lines(res.stdout)
	require.GreaterOrEqual(t, len(got), 3)
	require.Equal(t, "waited SUCCEEDED  nodes: 0 running, 1 done, 0 failed", got[len(got)-3])
	require.Equal(t, []string{"Outputs:", "  sum = 11"}, got[len(got)-2:])
	require.Contains(t, res.stderr, "execution waited created")
}

func TestExecutionCommands(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "e1")
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=2", "--name", "e2")
	now := time.Now()
	r.advance("e1", corev1.WorkflowExecution_PHASE_FAILED, &adminv1.ExecutionClosure{OutputResult: &adminv1.ExecutionClosure_Error{Error: &corev1.ExecutionError{Code: "USER", Message: "boom"}}},
		&store.NodeExecution{NodeID: "add", SpecNodeID: "add", Phase: int32(corev1.NodeExecution_PHASE_FAILED), Attempts: 1, CreatedAt: now, UpdatedAt: now, StartedAt: &now, EndedAt: &now,
			Closure: func() []byte {
				b, _ := proto.Marshal(&adminv1.NodeExecutionClosure{OutputResult: &adminv1.NodeExecutionClosure_Error{Error: &corev1.ExecutionError{Message: "exit status 1"}}})
				return b
			}()})

	out := r.ok("get", "executions")
	require.Len(t, lines(out), 3)
	require.Contains(t, lines(out)[1], "e2")
	out = r.ok("get", "executions", "--phase", "failed")
	require.Len(t, lines(out), 2)
	require.Contains(t, lines(out)[1], "e1")
	require.Contains(t, lines(out)[1], "FAILED")
	out = r.ok("get", "executions", "--since", "1h", "--launchplan", "add", "-o", "json")
	require.Contains(t, out, `"e1"`)

	out = r.ok("get", "execution", "e1", "--details", "--inputs")
	require.Contains(t, out, "Phase:        FAILED")
	require.Contains(t, out, "Error:        USER: boom")
	require.Contains(t, out, "add   FAILED")
	require.Contains(t, out, "exit status 1")
	require.Contains(t, out, "  a = 1\n")

	res := r.cli("terminate", "e1", "--cause", "stop")
	require.Equal(t, ExitFailure, res.code)
	require.Contains(t, res.stderr, "already finished (FAILED)")
	require.Contains(t, r.ok("terminate", "e2", "--cause", "stop"), "termination requested")

	out = r.ok("relaunch", "e1", "--name", "e1-again")
	require.Contains(t, out, "e1-again")
	out = r.ok("recover", "e1", "--name", "e1-rec")
	require.Contains(t, out, "e1-rec")
	res = r.cli("recover", "e1-again")
	require.Equal(t, ExitFailure, res.code)
	require.Contains(t, res.stderr, "only a finished execution can be recovered")

	res = r.cli("get", "execution", "ghost")
	require.Equal(t, ExitFailure, res.code)
	require.Contains(t, res.stderr, "execution proj/development/ghost not found")
}

func TestLogsAndSignals(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	ctx := t.Context()
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "gated")
	now := time.Now()
	r.advance("gated", corev1.WorkflowExecution_PHASE_RUNNING, nil, &store.NodeExecution{
		NodeID: "add", SpecNodeID: "add", Phase: int32(corev1.NodeExecution_PHASE_RUNNING), Attempts: 1, CreatedAt: now, UpdatedAt: now,
	})
	es := r.env.Store.(store.ExecutionStore)
	row, err := es.ExecutionGet(ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: rProject, Domain: rDomain, Name: "gated"}})
	require.NoError(t, err)

	// An attempt whose log is in the blob store.
	_, err = es.ExecutionRoundCommit(ctx, store.ExecutionRoundCommitParams{RowID: row.RowID, Owner: "test", ExpectedVersion: row.Version,
		Phase: row.Phase, StartedAt: row.StartedAt, Now: now,
		Tasks: []*store.TaskExecution{{ExecutionRowID: row.RowID, NodeID: "add", RetryAttempt: 0, Phase: int32(corev1.TaskExecution_PHASE_FAILED),
			Task: store.EntityID{Project: rProject, Domain: rDomain, Name: "add", Version: "v1"}, CreatedAt: now, UpdatedAt: now}}})
	require.NoError(t, err)
	require.NoError(t, r.env.Blobs.WriteAll(ctx, "metadata/proj/development/gated/add/0/logs.txt", []byte("hello from attempt 0\n")))
	require.Equal(t, "hello from attempt 0\n", r.ok("logs", "gated", "--node", "add"))
	res := r.cli("logs", "gated", "--node", "add", "--attempt", "3")
	require.Equal(t, ExitFailure, res.code)
	require.Contains(t, res.stderr, "404")
	resp, err := http.Get(r.env.URL + "/api/v1/logs/proj/development/gated/add/zero")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Signals: created by the engine's gate, set by the user.
	boolT := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_BOOLEAN}}
	_, err = r.env.Signals.GetOrCreateSignal(ctx, connect.NewRequest(&adminv1.SignalGetOrCreateRequest{
		Id: &corev1.SignalIdentifier{SignalId: "approve", ExecutionId: &corev1.WorkflowExecutionIdentifier{Project: rProject, Domain: rDomain, Name: "gated"}}, Type: boolT,
	}))
	require.NoError(t, err)
	require.Equal(t, []string{"SIGNAL   TYPE  VALUE", "approve  bool  (waiting)"}, lines(r.ok("get", "signals", "gated")))
	res = r.cli("signal", "set", "gated", "--signal", "approve", "--value", "maybe")
	require.Equal(t, ExitUsage, res.code)
	require.Contains(t, res.stderr, `"maybe" is not a boolean`)
	res = r.cli("signal", "set", "gated", "--signal", "nope", "--value", "true")
	require.Equal(t, ExitFailure, res.code)
	require.Contains(t, res.stderr, `no signal "nope"`)
	require.Equal(t, "signal approve of execution gated set to true\n", r.ok("signal", "set", "gated", "--signal", "approve", "--value", "true"))
	res = r.cli("signal", "set", "gated", "--signal", "approve", "--value", "true")
	require.Equal(t, ExitFailure, res.code)
	require.Contains(t, res.stderr, "already set")
	require.True(t, strings.Contains(r.ok("get", "signals", "gated"), "approve  bool  true"))
}
