package cli

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// id builds an identifier in project p, domain development.
func id(rt corev1.ResourceType, name, version string) *corev1.Identifier {
	return &corev1.Identifier{ResourceType: rt, Project: "p", Domain: "development", Name: name, Version: version}
}

// seedEntities registers tasks, workflows and launch plans directly in the
// fake (bypassing the recorded RPC path).
func seedEntities(t *testing.T, h *harness) {
	t.Helper()
	ctx := t.Context()
	for _, tv := range []struct{ name, version string }{{"t.hello", "v1"}, {"t.hello", "v2"}, {"t.bye", "v1"}} {
		tid := id(corev1.ResourceType_RESOURCE_TYPE_TASK, tv.name, tv.version)
		_, err := h.fake.CreateTask(ctx, connect.NewRequest(&adminv1.TaskCreateRequest{Id: tid, Spec: &adminv1.TaskSpec{
			Template: &corev1.TaskTemplate{Id: tid, Type: "container"},
		}}))
		require.NoError(t, err)
	}
	wid := id(corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, "wf", "v1")
	_, err := h.fake.CreateWorkflow(ctx, connect.NewRequest(&adminv1.WorkflowCreateRequest{Id: wid}))
	require.NoError(t, err)
	for _, v := range []string{"v1", "v2"} {
		_, err := h.fake.CreateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanCreateRequest{
			Id: id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "lp", v),
			Spec: &adminv1.LaunchPlanSpec{WorkflowId: wid, EntityMetadata: &adminv1.LaunchPlanMetadata{
				Schedule: &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_Rate{Rate: &adminv1.FixedRate{Value: 5, Unit: adminv1.FixedRateUnit_FIXED_RATE_UNIT_MINUTE}}},
			}},
		}))
		require.NoError(t, err)
	}
	_, err = h.fake.CreateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanCreateRequest{
		Id: id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "nightly", "v1"),
		Spec: &adminv1.LaunchPlanSpec{WorkflowId: wid, EntityMetadata: &adminv1.LaunchPlanMetadata{
			Schedule: &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_CronSchedule{CronSchedule: &adminv1.CronSchedule{Schedule: "0 2 * * *", Offset: "PT5M"}}},
		}},
	}))
	require.NoError(t, err)
}

func TestGetTasks(t *testing.T) {
	t.Parallel()
	h := setup(t)
	seedEntities(t, h)

	out := h.ok("get", "tasks", "-p", "p", "-d", "development")
	require.Equal(t, "PROJECT  DOMAIN       NAME\np        development  t.hello\np        development  t.bye\n", out)

	out = h.ok("get", "tasks", "t.hello", "-p", "p", "-d", "development", "--sort", "created_at", "--filter", "eq(version,v1)")
	want := "" +
		"NAME     VERSION  TYPE       CREATED               DESCRIPTION\n" +
		"t.hello  v1       container  2025-01-02T03:04:05Z  -\n" +
		"t.hello  v2       container  2025-01-02T03:04:06Z  -\n"
	require.Equal(t, want, out)

	out = h.ok("get", "task", "t.bye", "--version", "v1", "-p", "p", "-d", "development")
	require.Equal(t, "NAME   VERSION  TYPE       CREATED               DESCRIPTION\nt.bye  v1       container  2025-01-02T03:04:07Z  -\n", out)

	requireCalls(t, []call{
		{Procedure: "ListTaskIds", Msg: &adminv1.NamedEntityIdentifierListRequest{Project: "p", Domain: "development", Limit: defaultLimit}},
		{Procedure: "ListTasks", Msg: &adminv1.ResourceListRequest{
			Id:    &corev1.NamedEntityIdentifier{Project: "p", Domain: "development", Name: "t.hello"},
			Limit: defaultLimit, Filters: "eq(version,v1)", SortBy: &adminv1.Sort{Key: "created_at"},
		}},
		{Procedure: "GetTask", Msg: &adminv1.ObjectGetRequest{Id: id(corev1.ResourceType_RESOURCE_TYPE_TASK, "t.bye", "v1")}},
	}, h.fake.recorded())
}

func TestGetTaskJSONAndYAMLParseBack(t *testing.T) {
	t.Parallel()
	h := setup(t)
	seedEntities(t, h)
	want, err := getOne(h.fake.tasks, id(corev1.ResourceType_RESOURCE_TYPE_TASK, "t.hello", "v2"))
	require.NoError(t, err)

	out := h.ok("get", "tasks", "t.hello", "--version", "v2", "-p", "p", "-d", "development", "-o", "json")
	got := &adminv1.Task{}
	require.NoError(t, protojson.Unmarshal([]byte(out), got))
	requireProto(t, want, got)

	out = h.ok("get", "tasks", "t.hello", "-p", "p", "-d", "development", "-o", "yaml")
	js, err := yaml.YAMLToJSON([]byte(out))
	require.NoError(t, err)
	list := &adminv1.TaskList{}
	require.NoError(t, protojson.Unmarshal(js, list))
	require.Len(t, list.GetTasks(), 2)
	requireProto(t, want, list.GetTasks()[1])
}

func TestGetEntitiesAllPages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	seedEntities(t, h)
	r := h.cli("get", "tasks", "-p", "p", "-d", "development", "--limit", "1")
	require.Equal(t, ExitOK, r.code)
	require.Len(t, lines(r.stdout), 2)
	require.Equal(t, "more results: pass --all to list them, or --token 1 for the next page\n", r.stderr)

	out := h.ok("get", "tasks", "-p", "p", "-d", "development", "--limit", "1", "--all", "-o", "json")
	list := &adminv1.NamedEntityIdentifierList{}
	require.NoError(t, protojson.Unmarshal([]byte(out), list))
	require.Len(t, list.GetEntities(), 2)
	require.Empty(t, list.GetToken())
}

func TestGetWorkflows(t *testing.T) {
	t.Parallel()
	h := setup(t)
	seedEntities(t, h)
	require.Equal(t, "PROJECT  DOMAIN       NAME\np        development  wf\n", h.ok("get", "workflows", "-p", "p", "-d", "development"))
	require.Equal(t, "NAME  VERSION  CREATED               DESCRIPTION\nwf    v1       2025-01-02T03:04:08Z  -\n",
		h.ok("get", "workflow", "wf", "-p", "p", "-d", "development"))
	r := h.cli("get", "workflows", "wf", "--version", "v9", "-p", "p", "-d", "development")
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "error: get workflow p/development/wf@v9: not_found: p/development/wf@v9 not found\n", r.stderr)
}

func TestGetEntityUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no project", []string{"get", "tasks", "-d", "development"}, "error: project is required: pass -p/--project or set project in the config file"},
		{"no domain", []string{"get", "tasks", "-p", "p"}, "error: domain is required: pass -d/--domain or set domain in the config file"},
		{"version without name", []string{"get", "tasks", "--version", "v1", "-p", "p", "-d", "d"}, "error: --version needs a task NAME"},
		{"two names", []string{"get", "workflows", "a", "b", "-p", "p", "-d", "d"}, "error: flyte-cli get workflows takes at most one workflow NAME, got 2 arguments"},
		{"zero limit", []string{"get", "tasks", "--limit", "0", "-p", "p", "-d", "d"}, "error: --limit must be at least 1"},
		{"all and token", []string{"get", "tasks", "--all", "--token", "x", "-p", "p", "-d", "d"}, "error: --all and --token cannot be combined"},
		{"bad output", []string{"get", "tasks", "-o", "xml", "-p", "p", "-d", "d"}, `error: -o/--output "xml": want table, json or yaml`},
		{"active and version", []string{"get", "launchplans", "lp", "--active", "--version", "v1", "-p", "p", "-d", "d"}, "error: --active and --version cannot be combined"},
		{"active and filter", []string{"get", "launchplans", "--active", "--filter", "eq(a,b)", "-p", "p", "-d", "d"}, "error: --filter cannot be used with --active"},
		{"unknown kind", []string{"get", "pipelines"}, `error: unknown command "pipelines" for "flyte-cli get"`},
		{"unknown flag", []string{"get", "tasks", "--bogus"}, "error: unknown flag: --bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			r := h.cli(tc.args...)
			require.Equal(t, ExitUsage, r.code, "stderr: %s", r.stderr)
			require.Equal(t, tc.wantErr, lines(r.stderr)[0])
			require.Contains(t, r.stderr, "--help' for usage.")
			require.Empty(t, h.fake.recorded())
		})
	}
}

func TestLaunchPlans(t *testing.T) {
	t.Parallel()
	h := setup(t)
	seedEntities(t, h)
	pd := []string{"-p", "p", "-d", "development"}

	want := "" +
		"NAME  VERSION  STATE     WORKFLOW  SCHEDULE         CREATED\n" +
		"lp    v1       INACTIVE  wf@v1     every 5 minutes  2025-01-02T03:04:09Z\n" +
		"lp    v2       INACTIVE  wf@v1     every 5 minutes  2025-01-02T03:04:10Z\n"
	require.Equal(t, want, h.ok(append([]string{"get", "launchplans", "lp"}, pd...)...))

	require.Equal(t, "activated launch plan p/development/lp@v2\n",
		h.ok(append([]string{"update", "launchplan", "lp", "--version", "v2", "--activate"}, pd...)...))
	require.Equal(t, "activated launch plan p/development/nightly@v1\n",
		h.ok(append([]string{"update", "launchplan", "nightly", "--version", "v1", "--activate"}, pd...)...))

	want = "" +
		"NAME     VERSION  STATE   WORKFLOW  SCHEDULE                     CREATED\n" +
		"lp       v2       ACTIVE  wf@v1     every 5 minutes              2025-01-02T03:04:10Z\n" +
		"nightly  v1       ACTIVE  wf@v1     cron(0 2 * * *) offset PT5M  2025-01-02T03:04:11Z\n"
	require.Equal(t, want, h.ok(append([]string{"get", "launchplans", "--active"}, pd...)...))

	out := h.ok(append([]string{"get", "launchplan", "lp", "--active", "-o", "json"}, pd...)...)
	got := &adminv1.LaunchPlan{}
	require.NoError(t, protojson.Unmarshal([]byte(out), got))
	require.Equal(t, "v2", got.GetId().GetVersion())
	require.Equal(t, adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE, got.GetClosure().GetState())

	require.Equal(t, "deactivated launch plan p/development/lp@v2\n",
		h.ok(append([]string{"update", "launchplan", "lp", "--version", "v2", "--deactivate"}, pd...)...))
	r := h.cli(append([]string{"get", "launchplan", "lp", "--active"}, pd...)...)
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "error: get active launch plan p/development/lp: not_found: no active launch plan p/development/lp\n", r.stderr)

	var updates []call
	for _, c := range h.fake.recorded() {
		if c.Procedure == "UpdateLaunchPlan" || c.Procedure == "ListActiveLaunchPlans" {
			updates = append(updates, c)
		}
	}
	requireCalls(t, []call{
		{Procedure: "UpdateLaunchPlan", Msg: &adminv1.LaunchPlanUpdateRequest{
			Id: id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "lp", "v2"), State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE,
		}},
		{Procedure: "UpdateLaunchPlan", Msg: &adminv1.LaunchPlanUpdateRequest{
			Id: id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "nightly", "v1"), State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE,
		}},
		{Procedure: "ListActiveLaunchPlans", Msg: &adminv1.ActiveLaunchPlanListRequest{Project: "p", Domain: "development", Limit: defaultLimit}},
		{Procedure: "UpdateLaunchPlan", Msg: &adminv1.LaunchPlanUpdateRequest{
			Id: id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "lp", "v2"), State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE,
		}},
	}, updates)
}

func TestUpdateLaunchPlanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"neither", []string{"update", "launchplan", "lp", "--version", "v1"}, ExitUsage, "error: pass exactly one of --activate and --deactivate"},
		{"both", []string{"update", "launchplan", "lp", "--version", "v1", "--activate", "--deactivate"}, ExitUsage, "error: pass exactly one of --activate and --deactivate"},
		{"no version", []string{"update", "launchplan", "lp", "--activate"}, ExitUsage, "error: --version is required"},
		{"no name", []string{"update", "launchplan", "--version", "v1", "--activate"}, ExitUsage, "error: flyte-cli update launchplan needs the launch plan NAME, got 0 arguments"},
		{"unknown", []string{"update", "launchplan", "nope", "--version", "v1", "--activate"}, ExitFailure, "error: activate launch plan p/development/nope@v1: not_found: p/development/nope@v1 not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			r := h.cli(append(tc.args, "-p", "p", "-d", "development")...)
			require.Equal(t, tc.wantCode, r.code)
			require.Equal(t, tc.wantErr, lines(r.stderr)[0])
			require.Empty(t, r.stdout)
		})
	}
}
