package admin_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/store"
)

func TestCreateExecutionMergesInputs(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		id := createExecution(t, env, "run-1", "sum", inputs("b", intLiteral(20)))
		requireDiff(t, execID("run-1"), id, protocmp.Transform())

		got, err := env.Client.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: id}))
		require.NoError(t, err)
		x := got.Msg
		require.Equal(t, corev1.WorkflowExecution_PHASE_QUEUED, x.GetClosure().GetPhase())
		requireDiff(t, lpID("sum", "v1"), x.GetSpec().GetLaunchPlan(), protocmp.Transform())
		requireDiff(t, wfID("sum", "v1"), x.GetClosure().GetWorkflowId(), protocmp.Transform())
		require.Equal(t, int32(7), x.GetSpec().GetMaxParallelism(), "max parallelism comes from the launch plan")
		require.Equal(t, adminv1.ExecutionMetadata_EXECUTION_MODE_MANUAL, x.GetSpec().GetMetadata().GetMode())
		require.NotEmpty(t, x.GetSpec().GetMetadata().GetPrincipal())
		require.NotNil(t, x.GetClosure().GetCreatedAt())

		data, err := env.Client.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: id}))
		require.NoError(t, err)
		want := inputs("a", intLiteral(1), "b", intLiteral(20), "c", intLiteral(3))
		requireDiff(t, want, data.Msg.GetFullInputs(), protocmp.Transform())
		require.Equal(t, env.Blobs.URL("metadata/flytesnacks/development/run-1/inputs.pb"), data.Msg.GetInputs().GetUrl())
		require.Nil(t, data.Msg.GetFullOutputs())

		row, err := execStore(t, env).ExecutionGet(ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: project, Domain: domain, Name: "run-1"}})
		require.NoError(t, err)
		require.NotNil(t, row.WakeAt, "a new execution is due at once")
		require.Equal(t, "sum", row.LaunchPlan.Name)
		require.Equal(t, "sum", row.Workflow.Name)
	})
}

func TestCreateExecutionGeneratesName(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		seen := map[string]bool{}
		for range 3 {
			id := createExecution(t, env, "", "double", nil)
			name := id.GetName()
			require.Len(t, name, 20)
			require.True(t, name[0] >= 'a' && name[0] <= 'z', "name %q must start with a letter", name)
			require.Equal(t, strings.ToLower(name), name)
			require.False(t, seen[name])
			seen[name] = true
		}
	})
}

func TestCreateExecutionPinnedVersion(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		createLaunchPlan(t, env, "double", "v2", "double", "v1") // inactive
		res, err := env.Client.CreateExecution(t.Context(), connect.NewRequest(&adminv1.ExecutionCreateRequest{
			Project: project, Domain: domain, Name: "pinned",
			Spec: &adminv1.ExecutionSpec{LaunchPlan: lpID("double", "v2")},
		}))
		require.NoError(t, err)
		x, err := env.Client.GetExecution(t.Context(), connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: res.Msg.GetId()}))
		require.NoError(t, err)
		require.Equal(t, "v2", x.Msg.GetSpec().GetLaunchPlan().GetVersion())
	})
}

func TestCreateExecutionRejectsBadInput(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		createExecution(t, env, "taken", "double", nil)
		registerProject(t, env, "old")
		_, err := env.Client.UpdateProject(t.Context(), connect.NewRequest(&adminv1.Project{
			Id: "old", Name: "Project old", Description: "for tests", State: adminv1.Project_PROJECT_STATE_ARCHIVED,
		}))
		require.NoError(t, err)

		lp := func(name, version string) *adminv1.ExecutionSpec {
			return &adminv1.ExecutionSpec{LaunchPlan: &corev1.Identifier{Name: name, Version: version}}
		}
		cases := []struct {
			name  string
			req   *adminv1.ExecutionCreateRequest
			code  connect.Code
			parts []string
		}{
			{"unknown launch plan", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Spec: lp("nope", "")},
				connect.CodeNotFound, []string{"launch plan flytesnacks/development/nope has no active version"}},
			{"unknown version", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Spec: lp("double", "v9")},
				connect.CodeNotFound, []string{"launch plan flytesnacks/development/double@v9 not found"}},
			{"missing required input", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Spec: lp("sum", "")},
				connect.CodeInvalidArgument, []string{"inputs.b", `required input "b" (int) is missing`}},
			{"mistyped input", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Spec: lp("sum", ""),
				Inputs: inputs("b", stringLiteral("twenty"))},
				connect.CodeInvalidArgument, []string{"inputs.b", `input "b" expects int`}},
			{"extra input", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Spec: lp("sum", ""),
				Inputs: inputs("b", intLiteral(1), "z", intLiteral(1))},
				connect.CodeInvalidArgument, []string{"inputs.z", `unknown input "z"`, "a: int, b: int"}},
			{"fixed input overridden", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Spec: lp("sum", ""),
				Inputs: inputs("b", intLiteral(1), "c", intLiteral(4))},
				connect.CodeInvalidArgument, []string{"inputs.c", `input "c" is fixed by launch plan`}},
			{"duplicate name", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Name: "taken", Spec: lp("double", "")},
				connect.CodeAlreadyExists, []string{"execution flytesnacks/development/taken already exists"}},
			{"bad name", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain, Name: "Bad_Name", Spec: lp("double", "")},
				connect.CodeInvalidArgument, []string{"name:", "lowercase"}},
			{"no launch plan", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain},
				connect.CodeInvalidArgument, []string{"spec.launch_plan: required"}},
			{"unknown domain", &adminv1.ExecutionCreateRequest{Project: project, Domain: "qa", Spec: lp("double", "")},
				connect.CodeInvalidArgument, []string{"domain:", "qa"}},
			{"unknown project", &adminv1.ExecutionCreateRequest{Project: "ghost", Domain: domain, Spec: lp("double", "")},
				connect.CodeNotFound, []string{`project "ghost" not found`}},
			{"archived project", &adminv1.ExecutionCreateRequest{Project: "old", Domain: domain, Spec: lp("double", "")},
				connect.CodeFailedPrecondition, []string{`project "old" is archived`}},
			{"launch plan in another domain", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain,
				Spec: &adminv1.ExecutionSpec{LaunchPlan: &corev1.Identifier{Project: project, Domain: "staging", Name: "double"}}},
				connect.CodeInvalidArgument, []string{"spec.launch_plan", "project and domain"}},
			{"unknown task", &adminv1.ExecutionCreateRequest{Project: project, Domain: domain,
				Spec: &adminv1.ExecutionSpec{LaunchPlan: taskID("nope", "v1")}},
				connect.CodeNotFound, []string{"task flytesnacks/development/nope@v1 not found"}},
		}
		before := execSnapshot(t, env)
		for _, tc := range cases {
			_, err := env.Client.CreateExecution(t.Context(), connect.NewRequest(tc.req))
			requireCode(t, err, tc.code, tc.parts...)
			require.Equal(t, before, execSnapshot(t, env), "%s: a rejected request changed what is stored", tc.name)
		}
	})
}

func TestCreateExecutionOfTask(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		createTask(t, env, "my.double", "v1")
		for _, name := range []string{"task-run-1", "task-run-2"} {
			res, err := env.Client.CreateExecution(ctx, connect.NewRequest(&adminv1.ExecutionCreateRequest{
				Project: project, Domain: domain, Name: name,
				Spec:   &adminv1.ExecutionSpec{LaunchPlan: taskID("my.double", "v1")},
				Inputs: inputs("x", intLiteral(4)),
			}))
			require.NoError(t, err, "launching a task twice registers its workflow idempotently")
			x, err := env.Client.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: res.Msg.GetId()}))
			require.NoError(t, err)
			requireDiff(t, lpID(".flytegen.my.double", "v1"), x.Msg.GetSpec().GetLaunchPlan(), protocmp.Transform())
			requireDiff(t, wfID(".flytegen.my.double", "v1"), x.Msg.GetClosure().GetWorkflowId(), protocmp.Transform())
		}
		wf, err := env.Client.GetWorkflow(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: wfID(".flytegen.my.double", "v1")}))
		require.NoError(t, err)
		nodes := wf.Msg.GetClosure().GetCompiledWorkflow().GetPrimary().GetTemplate().GetNodes()
		require.Len(t, nodes, 1)
		require.Equal(t, "double", nodes[0].GetId())

		_, err = env.Client.CreateExecution(ctx, connect.NewRequest(&adminv1.ExecutionCreateRequest{
			Project: project, Domain: domain,
			Spec: &adminv1.ExecutionSpec{LaunchPlan: taskID("my.double", "v1")},
		}))
		requireCode(t, err, connect.CodeInvalidArgument, `required input "x"`)
	})
}

func TestTerminateExecution(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		eng := newFakeEngine(t, env)
		running := createExecution(t, env, "running", "double", nil)
		done := createExecution(t, env, "done", "double", nil)
		eng.round("running", corev1.WorkflowExecution_PHASE_RUNNING, nil, nil, nil)
		eng.finish("done", corev1.WorkflowExecution_PHASE_SUCCEEDED)

		before := execSnapshot(t, env)
		_, err := env.Client.TerminateExecution(ctx, connect.NewRequest(&adminv1.ExecutionTerminateRequest{Id: done, Cause: "stop"}))
		requireCode(t, err, connect.CodeFailedPrecondition, "execution flytesnacks/development/done already finished (SUCCEEDED)")
		_, err = env.Client.TerminateExecution(ctx, connect.NewRequest(&adminv1.ExecutionTerminateRequest{Id: execID("ghost"), Cause: "stop"}))
		requireCode(t, err, connect.CodeNotFound, "execution flytesnacks/development/ghost not found")
		require.Equal(t, before, execSnapshot(t, env))

		_, err = env.Client.TerminateExecution(ctx, connect.NewRequest(&adminv1.ExecutionTerminateRequest{Id: running, Cause: "no longer needed"}))
		require.NoError(t, err)
		row, err := execStore(t, env).ExecutionGet(ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: project, Domain: domain, Name: "running"}})
		require.NoError(t, err)
		require.True(t, row.AbortRequested)
		require.Equal(t, "no longer needed", row.AbortCause)

		eng.claim()
		eng.finish("running", corev1.WorkflowExecution_PHASE_ABORTED)
		x, err := env.Client.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: running}))
		require.NoError(t, err)
		require.Equal(t, corev1.WorkflowExecution_PHASE_ABORTED, x.Msg.GetClosure().GetPhase())
		require.Equal(t, "no longer needed", x.Msg.GetClosure().GetAbortMetadata().GetCause())
		require.NotNil(t, x.Msg.GetClosure().GetDuration())
	})
}

func TestRelaunchAndRecover(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		eng := newFakeEngine(t, env)
		orig := createExecution(t, env, "orig", "sum", inputs("b", intLiteral(5)))

		before := execSnapshot(t, env)
		_, err := env.Client.RecoverExecution(ctx, connect.NewRequest(&adminv1.ExecutionRecoverRequest{Id: orig}))
		requireCode(t, err, connect.CodeFailedPrecondition, "execution flytesnacks/development/orig is QUEUED", "only a finished execution can be recovered")
		require.Equal(t, before, execSnapshot(t, env))

		// A relaunch passes the earlier inputs, fixed ones included, without
		// tripping the fixed-input check.
		re, err := env.Client.RelaunchExecution(ctx, connect.NewRequest(&adminv1.ExecutionRelaunchRequest{Id: orig, Name: "again", OverwriteCache: true}))
		require.NoError(t, err)
		require.Equal(t, "again", re.Msg.GetId().GetName())
		x, err := env.Client.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: re.Msg.GetId()}))
		require.NoError(t, err)
		meta := x.Msg.GetSpec().GetMetadata()
		require.Equal(t, adminv1.ExecutionMetadata_EXECUTION_MODE_RELAUNCH, meta.GetMode())
		requireDiff(t, orig, meta.GetReferenceExecution(), protocmp.Transform())
		require.True(t, x.Msg.GetSpec().GetOverwriteCache())
		data, err := env.Client.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: re.Msg.GetId()}))
		require.NoError(t, err)
		requireDiff(t, inputs("a", intLiteral(1), "b", intLiteral(5), "c", intLiteral(3)), data.Msg.GetFullInputs(), protocmp.Transform())

		eng.finish("orig", corev1.WorkflowExecution_PHASE_FAILED)
		rec, err := env.Client.RecoverExecution(ctx, connect.NewRequest(&adminv1.ExecutionRecoverRequest{
			Id: orig, Metadata: &adminv1.ExecutionMetadata{Principal: "alice"},
		}))
		require.NoError(t, err)
		require.Len(t, rec.Msg.GetId().GetName(), 20)
		x, err = env.Client.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: rec.Msg.GetId()}))
		require.NoError(t, err)
		meta = x.Msg.GetSpec().GetMetadata()
		require.Equal(t, adminv1.ExecutionMetadata_EXECUTION_MODE_RECOVERED, meta.GetMode())
		require.Equal(t, "alice", meta.GetPrincipal())
		requireDiff(t, orig, meta.GetReferenceExecution(), protocmp.Transform())
		row, err := execStore(t, env).ExecutionGet(ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: project, Domain: domain, Name: rec.Msg.GetId().GetName()}})
		require.NoError(t, err)
		require.Equal(t, &store.ExecutionID{Project: project, Domain: domain, Name: "orig"}, row.ReferenceExecution)
		require.Equal(t, int32(adminv1.ExecutionMetadata_EXECUTION_MODE_RECOVERED), row.Mode)
	})
}

func TestListExecutions(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		eng := newFakeEngine(t, env)
		for _, n := range []string{"e1", "e2", "e3", "e4"} {
			createExecution(t, env, n, "double", nil)
		}
		createExecution(t, env, "s1", "sum", inputs("b", intLiteral(1)))
		eng.finish("e2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
		eng.finish("e3", corev1.WorkflowExecution_PHASE_FAILED)
		_, err := env.Client.UpdateExecution(ctx, connect.NewRequest(&adminv1.ExecutionUpdateRequest{
			Id: execID("e4"), State: adminv1.ExecutionState_EXECUTION_STATE_ARCHIVED,
		}))
		require.NoError(t, err)

		list := func(filters string, limit uint32, token string) ([]string, string) {
			t.Helper()
			res, err := env.Client.ListExecutions(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
				Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain}, Filters: filters, Limit: limit, Token: token,
			}))
			require.NoError(t, err)
			var names []string
			for _, x := range res.Msg.GetExecutions() {
				names = append(names, x.GetId().GetName())
			}
			return names, res.Msg.GetToken()
		}
		names, _ := list("", 0, "")
		require.Equal(t, []string{"s1", "e3", "e2", "e1"}, names, "newest first, archived hidden")
		names, _ = list("eq(phase,SUCCEEDED)", 0, "")
		require.Equal(t, []string{"e2"}, names)
		names, _ = list("eq(launch_plan.name,sum)", 0, "")
		require.Equal(t, []string{"s1"}, names)
		names, _ = list("eq(workflow.name,double)+value_in(state,ACTIVE;ARCHIVED)", 0, "")
		require.Equal(t, []string{"e4", "e3", "e2", "e1"}, names)
		page1, tok := list("", 2, "")
		require.Equal(t, []string{"s1", "e3"}, page1)
		page2, tok2 := list("", 2, tok)
		require.Equal(t, []string{"e2", "e1"}, page2)
		require.Empty(t, tok2)

		_, err = env.Client.ListExecutions(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
			Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain}, Filters: "eq(color,red)",
		}))
		requireCode(t, err, connect.CodeInvalidArgument, "color")
		_, err = env.Client.ListExecutions(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
			Id: &corev1.NamedEntityIdentifier{Project: "ghost", Domain: domain},
		}))
		requireCode(t, err, connect.CodeNotFound, `project "ghost" not found`)

		x, err := env.Client.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: execID("e4")}))
		require.NoError(t, err)
		require.Equal(t, adminv1.ExecutionState_EXECUTION_STATE_ARCHIVED, x.Msg.GetClosure().GetStateChangeDetails().GetState())
	})
}

func TestGetExecutionDataOutputs(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		id := createExecution(t, env, "out", "double", nil)
		outputs := inputs("y", intLiteral(2))
		require.NoError(t, env.Blobs.WriteProto(ctx, "metadata/flytesnacks/development/out/outputs.pb", outputs))
		uri := env.Blobs.URL("metadata/flytesnacks/development/out/outputs.pb")
		newFakeEngine(t, env).round("out", corev1.WorkflowExecution_PHASE_SUCCEEDED, &adminv1.ExecutionClosure{
			OutputResult: &adminv1.ExecutionClosure_OutputUri{OutputUri: uri},
		}, nil, nil)
		data, err := env.Client.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: id}))
		require.NoError(t, err)
		requireDiff(t, outputs, data.Msg.GetFullOutputs(), protocmp.Transform())
		require.Equal(t, uri, data.Msg.GetOutputs().GetUrl())
		require.Equal(t, int64(len(marshalDet(t, outputs))), data.Msg.GetOutputs().GetBytes())
	})
}

func marshalDet(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	require.NoError(t, err)
	return b
}
