package admin_test

import (
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

func TestLaunchPlanRegistration(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		createWorkflow(t, env, "wf", "v1")
		req := launchPlanRequest("lp", "v1", "wf", "v1")
		req.Spec.WorkflowId.ResourceType = corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED
		_, err := c.CreateLaunchPlan(ctx, connect.NewRequest(req))
		require.NoError(t, err)

		got, err := c.GetLaunchPlan(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: lpID("lp", "v1")}))
		require.NoError(t, err)
		want := &adminv1.LaunchPlan{
			Id:   lpID("lp", "v1"),
			Spec: launchPlanRequest("lp", "v1", "wf", "v1").GetSpec(),
			Closure: &adminv1.LaunchPlanClosure{
				State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE,
				ExpectedInputs: &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
					"x": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Default{Default: intLiteral(1)}},
				}},
				ExpectedOutputs: varMap("y", tInt),
				CreatedAt:       got.Msg.GetClosure().GetCreatedAt(),
				UpdatedAt:       got.Msg.GetClosure().GetCreatedAt(),
			},
		}
		requireDiff(t, want, got.Msg, protocmp.Transform())

		before := snapshot(t, env)
		_, err = c.CreateLaunchPlan(ctx, connect.NewRequest(launchPlanRequest("lp", "v1", "wf", "v1")))
		require.NoError(t, err, "identical re-registration")
		changed := launchPlanRequest("lp", "v1", "wf", "v1")
		changed.Spec.DefaultInputs.Parameters["x"].Behavior = &corev1.Parameter_Default{Default: intLiteral(2)}
		changed.Spec.MaxParallelism = 5
		_, err = c.CreateLaunchPlan(ctx, connect.NewRequest(changed))
		requireCode(t, err, connect.CodeAlreadyExists,
			"launch plan flytesnacks/development/lp@v1 is already registered with different content",
			`default_inputs.parameters["x"].default.scalar.primitive.integer: 1 != 2`,
			"max_parallelism: 0 != 5")
		require.Equal(t, before, snapshot(t, env))
	})
}

func TestLaunchPlanRejections(t *testing.T) {
	t.Parallel()
	kickoffInputs := varMap("x", tInt, "when", tDatetime)
	tests := []struct {
		name  string
		edit  func(r *adminv1.LaunchPlanCreateRequest)
		code  connect.Code
		parts []string
	}{
		{"no spec", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec = nil }, connect.CodeInvalidArgument, []string{"spec: required"}},
		{"no workflow", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.WorkflowId = nil }, connect.CodeInvalidArgument, []string{"spec.workflow_id: required"}},
		{"missing workflow", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.WorkflowId.Version = "v9" }, connect.CodeInvalidArgument,
			[]string{"spec.workflow_id: workflow flytesnacks/development/wf@v9 is not registered"}},
		{"workflow in another domain", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.WorkflowId.Domain = "staging" }, connect.CodeInvalidArgument,
			[]string{"spec.workflow_id: workflow flytesnacks/staging must be in the launch plan's project and domain flytesnacks/development"}},
		{"workflow resource type", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.WorkflowId.ResourceType = corev1.ResourceType_RESOURCE_TYPE_TASK
		}, connect.CodeInvalidArgument, []string{"spec.workflow_id.resource_type: must be RESOURCE_TYPE_WORKFLOW"}},
		{"default of the wrong type", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.DefaultInputs.Parameters["x"].Behavior = &corev1.Parameter_Default{Default: stringLiteral("one")}
		}, connect.CodeInvalidArgument, []string{"launch plan flytesnacks/development/lp@v1 does not fit workflow flytesnacks/development/wf@v1", "x"}},
		{"default for no input", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.DefaultInputs.Parameters["nope"] = &corev1.Parameter{Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Default{Default: intLiteral(1)}}
		}, connect.CodeInvalidArgument, []string{`"nope" is not an input of the workflow`}},
		{"fixed input of the wrong type", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.DefaultInputs = nil
			r.Spec.FixedInputs = &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"x": stringLiteral("one")}}
		}, connect.CodeInvalidArgument, []string{"does not fit workflow", "x"}},
		{"bad cron", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.EntityMetadata = cronSchedule("61 * * * *", "") }, connect.CodeInvalidArgument,
			[]string{`spec.entity_metadata.schedule.cron_schedule.schedule: "61 * * * *" is not a valid cron expression`}},
		{"cron with four fields", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.EntityMetadata = cronSchedule("* * * *", "") }, connect.CodeInvalidArgument,
			[]string{"cron_schedule.schedule", "not a valid cron expression"}},
		{"cron with six fields", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.EntityMetadata = cronSchedule("0 0 * * * *", "") }, connect.CodeInvalidArgument,
			[]string{"cron_schedule.schedule", "not a valid cron expression"}},
		{"cron time zone", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = cronSchedule("CRON_TZ=Europe/Paris 0 * * * *", "")
		}, connect.CodeInvalidArgument, []string{"time zones are not supported"}},
		{"empty cron", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.EntityMetadata = cronSchedule("", "") }, connect.CodeInvalidArgument,
			[]string{"cron_schedule.schedule: is empty"}},
		{"bad offset", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.EntityMetadata = cronSchedule("@hourly", "5 minutes") }, connect.CodeInvalidArgument,
			[]string{`cron_schedule.offset: "5 minutes" is not an ISO 8601 duration`}},
		{"zero rate", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = rateSchedule(0, adminv1.FixedRateUnit_FIXED_RATE_UNIT_HOUR)
		}, connect.CodeInvalidArgument, []string{"spec.entity_metadata.schedule.rate.value: must be at least 1"}},
		{"rate without unit", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = rateSchedule(5, adminv1.FixedRateUnit_FIXED_RATE_UNIT_UNSPECIFIED)
		}, connect.CodeInvalidArgument, []string{"spec.entity_metadata.schedule.rate.unit: must be MINUTE, HOUR or DAY"}},
		{"schedule without expression", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = &adminv1.LaunchPlanMetadata{Schedule: &adminv1.Schedule{}}
		}, connect.CodeInvalidArgument, []string{"spec.entity_metadata.schedule: needs a cron_schedule or a rate"}},
		{"scheduled without defaults", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.DefaultInputs = nil
			r.Spec.EntityMetadata = rateSchedule(1, adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY)
		}, connect.CodeInvalidArgument, []string{`input "x" is required and has no default`}},
		{"kickoff input unknown", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = cronSchedule("@daily", "")
			r.Spec.EntityMetadata.Schedule.KickoffTimeInputArg = "start"
		}, connect.CodeInvalidArgument, []string{`kickoff_time_input_arg: "start" is not an input the launch plan takes`}},
		{"kickoff input not a datetime", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = cronSchedule("@daily", "")
			r.Spec.EntityMetadata.Schedule.KickoffTimeInputArg = "x"
		}, connect.CodeInvalidArgument, []string{`kickoff_time_input_arg: input "x" must be a datetime`}},
		{"notification phase", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = &adminv1.LaunchPlanMetadata{Notifications: []*adminv1.Notification{{
				Phases: []corev1.WorkflowExecution_Phase{corev1.WorkflowExecution_PHASE_RUNNING},
				Type:   &adminv1.Notification_Email{Email: &adminv1.EmailNotification{RecipientsEmail: []string{"not-an-address"}}},
			}}}
		}, connect.CodeInvalidArgument, []string{
			"spec.entity_metadata.notifications[0].phases[0]: PHASE_RUNNING is not a terminal phase",
			`spec.entity_metadata.notifications[0].email.recipients_email[0]: "not-an-address" is not an email address`,
		}},
		{"webhook url", func(r *adminv1.LaunchPlanCreateRequest) {
			r.Spec.EntityMetadata = &adminv1.LaunchPlanMetadata{Notifications: []*adminv1.Notification{{
				Phases: []corev1.WorkflowExecution_Phase{corev1.WorkflowExecution_PHASE_FAILED},
				Type:   &adminv1.Notification_Webhook{Webhook: &adminv1.WebhookNotification{Url: "ftp://example.com"}},
			}}}
		}, connect.CodeInvalidArgument, []string{"notifications[0].webhook.url"}},
		{"negative parallelism", func(r *adminv1.LaunchPlanCreateRequest) { r.Spec.MaxParallelism = -1 }, connect.CodeInvalidArgument,
			[]string{"spec.max_parallelism: must not be negative"}},
		{"bad id", func(r *adminv1.LaunchPlanCreateRequest) { r.Id.Version = "a/b" }, connect.CodeInvalidArgument,
			[]string{`id.version: "a/b" must not contain "/"`}},
	}
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		createWorkflow(t, env, "wf", "v1")
		_, err := env.Client.CreateTask(ctx, connect.NewRequest(taskRequestWithInputs("kick", "v1", "alpine:3", kickoffInputs)))
		require.NoError(t, err)
		_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(workflowRequestWithInputs("kickwf", "v1", taskID("kick", "v1"), kickoffInputs)))
		require.NoError(t, err)
		before := snapshot(t, env)
		for _, tt := range tests {
			req := launchPlanRequest("lp", "v1", "wf", "v1")
			tt.edit(req)
			_, err := env.Client.CreateLaunchPlan(ctx, connect.NewRequest(req))
			requireCode(t, err, tt.code, tt.parts...)
			require.Equal(t, before, snapshot(t, env), "%s changed the store", tt.name)
		}

		// Valid schedules, including a kickoff time input.
		for i, md := range []*adminv1.LaunchPlanMetadata{
			cronSchedule("0 * * * *", "PT5M"),
			cronSchedule("@hourly", ""),
			cronSchedule("*/15 9-17 * * MON-FRI", ""),
			rateSchedule(10, adminv1.FixedRateUnit_FIXED_RATE_UNIT_MINUTE),
		} {
			req := launchPlanRequest("scheduled", "v"+string(rune('1'+i)), "wf", "v1")
			req.Spec.EntityMetadata = md
			_, err := env.Client.CreateLaunchPlan(ctx, connect.NewRequest(req))
			require.NoError(t, err, "schedule %v", md)
		}
		kick := launchPlanRequest("kicked", "v1", "kickwf", "v1")
		kick.Spec.EntityMetadata = cronSchedule("@daily", "")
		kick.Spec.EntityMetadata.Schedule.KickoffTimeInputArg = "when"
		_, err = env.Client.CreateLaunchPlan(ctx, connect.NewRequest(kick))
		require.NoError(t, err)
	})
}

func cronSchedule(expr, offset string) *adminv1.LaunchPlanMetadata {
	return &adminv1.LaunchPlanMetadata{Schedule: &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_CronSchedule{
		CronSchedule: &adminv1.CronSchedule{Schedule: expr, Offset: offset},
	}}}
}

func rateSchedule(value uint32, unit adminv1.FixedRateUnit) *adminv1.LaunchPlanMetadata {
	return &adminv1.LaunchPlanMetadata{Schedule: &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_Rate{
		Rate: &adminv1.FixedRate{Value: value, Unit: unit},
	}}}
}

func TestLaunchPlanActivation(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		createWorkflow(t, env, "wf", "v1")
		for _, v := range []string{"v1", "v2", "v3"} {
			createLaunchPlan(t, env, "lp", v, "wf", "v1")
		}
		createLaunchPlan(t, env, "other", "v1", "wf", "v1")

		setState := func(name, version string, state adminv1.LaunchPlanState) error {
			_, err := c.UpdateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{Id: lpID(name, version), State: state}))
			return err
		}
		activeVersions := func() map[string]string {
			list, err := c.ListActiveLaunchPlans(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanListRequest{Project: project, Domain: domain}))
			require.NoError(t, err)
			out := map[string]string{}
			for _, lp := range list.Msg.GetLaunchPlans() {
				require.Equal(t, adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE, lp.GetClosure().GetState())
				_, dup := out[lp.GetId().GetName()]
				require.False(t, dup, "two active versions of %s", lp.GetId().GetName())
				out[lp.GetId().GetName()] = lp.GetId().GetVersion()
			}
			return out
		}
		_, err := c.GetActiveLaunchPlan(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanRequest{Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain, Name: "lp"}}))
		requireCode(t, err, connect.CodeNotFound, "launch plan flytesnacks/development/lp has no active version")

		require.NoError(t, setState("lp", "v1", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE))
		require.NoError(t, setState("other", "v1", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE))
		requireDiff(t, map[string]string{"lp": "v1", "other": "v1"}, activeVersions())

		// Activating another version deactivates the first.
		require.NoError(t, setState("lp", "v2", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE))
		requireDiff(t, map[string]string{"lp": "v2", "other": "v1"}, activeVersions())
		active, err := c.GetActiveLaunchPlan(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanRequest{Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain, Name: "lp"}}))
		require.NoError(t, err)
		require.Equal(t, "v2", active.Msg.GetId().GetVersion())
		require.True(t, active.Msg.GetClosure().GetUpdatedAt().AsTime().After(active.Msg.GetClosure().GetCreatedAt().AsTime()))
		v1, err := c.GetLaunchPlan(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: lpID("lp", "v1")}))
		require.NoError(t, err)
		require.Equal(t, adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE, v1.Msg.GetClosure().GetState())

		// Concurrent activations of different versions leave exactly one active.
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for _, v := range []string{"v1", "v2", "v3"} {
			wg.Go(func() { errs <- setState("lp", v, adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Contains(t, []string{"v1", "v2", "v3"}, activeVersions()["lp"])
		require.NoError(t, setState("lp", "v2", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE))

		// Activating again is harmless; deactivating leaves none.
		require.NoError(t, setState("lp", "v2", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE))
		require.NoError(t, setState("lp", "v2", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE))
		requireDiff(t, map[string]string{"other": "v1"}, activeVersions())

		// Filters on state reach the versions list.
		list, err := c.ListLaunchPlans(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
			Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain}, Filters: "eq(state,ACTIVE)",
		}))
		require.NoError(t, err)
		require.Len(t, list.Msg.GetLaunchPlans(), 1)
		require.Equal(t, "other", list.Msg.GetLaunchPlans()[0].GetId().GetName())

		before := snapshot(t, env)
		requireCode(t, setState("lp", "v9", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE), connect.CodeNotFound,
			"launch plan flytesnacks/development/lp@v9 not found")
		requireCode(t, setState("lp", "v1", adminv1.LaunchPlanState(7)), connect.CodeInvalidArgument,
			"state: must be LAUNCH_PLAN_STATE_ACTIVE or LAUNCH_PLAN_STATE_INACTIVE")
		_, err = c.ListActiveLaunchPlans(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanListRequest{Project: project}))
		requireCode(t, err, connect.CodeInvalidArgument, "domain: required")
		require.Equal(t, before, snapshot(t, env))

		// An archived project takes no activation, but can still deactivate.
		_, err = c.UpdateProject(ctx, connect.NewRequest(&adminv1.Project{Id: project, Name: "x", State: adminv1.Project_PROJECT_STATE_ARCHIVED}))
		require.NoError(t, err)
		before = snapshot(t, env)
		requireCode(t, setState("lp", "v3", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE), connect.CodeFailedPrecondition, "is archived")
		require.Equal(t, before, snapshot(t, env))
		require.NoError(t, setState("other", "v1", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE))
		requireDiff(t, map[string]string{}, activeVersions())
	})
}
