package admin_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

func TestTaskRegistration(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		req := taskRequest("double", "v1", "alpine:3")
		// The template's id may leave the resource type unset.
		req.Spec.Template.Id.ResourceType = corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED
		_, err := c.CreateTask(ctx, connect.NewRequest(req))
		require.NoError(t, err)

		got, err := c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: taskID("double", "v1")}))
		require.NoError(t, err)
		tmpl := taskRequest("double", "v1", "alpine:3").GetSpec().GetTemplate()
		want := &adminv1.Task{
			Id: taskID("double", "v1"),
			Closure: &adminv1.TaskClosure{
				CompiledTask: &corev1.CompiledTask{Template: tmpl},
				CreatedAt:    got.Msg.GetClosure().GetCreatedAt(),
			},
			ShortDescription: "doubles x",
			Description:      &adminv1.Description{ShortDescription: "doubles x"},
		}
		requireDiff(t, want, got.Msg, protocmp.Transform())
		require.Equal(t, "2024-01-01T00:00:02Z", got.Msg.GetClosure().GetCreatedAt().AsTime().Format("2006-01-02T15:04:05Z07:00"),
			"created at the injected clock (the project took the first tick)")

		// Identical content again (this time with the resource type set) succeeds and changes nothing.
		before := snapshot(t, env)
		_, err = c.CreateTask(ctx, connect.NewRequest(taskRequest("double", "v1", "alpine:3")))
		require.NoError(t, err)
		require.Equal(t, before, snapshot(t, env))
		again, err := c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: taskID("double", "v1")}))
		require.NoError(t, err)
		requireDiff(t, got.Msg, again.Msg, protocmp.Transform())

		// Different content under the same id names what differs.
		changed := taskRequest("double", "v1", "alpine:4")
		changed.Spec.Template.GetContainer().Args = append(changed.Spec.Template.GetContainer().Args, "--verbose")
		_, err = c.CreateTask(ctx, connect.NewRequest(changed))
		requireCode(t, err, connect.CodeAlreadyExists,
			"task flytesnacks/development/double@v1 is already registered with different content",
			`template.container.image: "alpine:3" != "alpine:4"`,
			`template.container.args[1]: <absent> != "--verbose"`,
			"register a new version instead")
		require.Equal(t, before, snapshot(t, env))

		// A new version is fine.
		_, err = c.CreateTask(ctx, connect.NewRequest(taskRequest("double", "v2", "alpine:4")))
		require.NoError(t, err)

		_, err = c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: taskID("double", "v3")}))
		requireCode(t, err, connect.CodeNotFound, "task flytesnacks/development/double@v3 not found")
		missingProject := taskID("double", "v1")
		missingProject.Project = "nosuchproject"
		_, err = c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: missingProject}))
		requireCode(t, err, connect.CodeNotFound, `project "nosuchproject" not found`)
	})
}

func TestTaskRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(r *adminv1.TaskCreateRequest)
		code  connect.Code
		parts []string
	}{
		{"no id", func(r *adminv1.TaskCreateRequest) { r.Id = nil }, connect.CodeInvalidArgument, []string{"id: required"}},
		{"no project", func(r *adminv1.TaskCreateRequest) { r.Id.Project = "" }, connect.CodeInvalidArgument, []string{"id.project: required"}},
		{"no domain", func(r *adminv1.TaskCreateRequest) { r.Id.Domain = "" }, connect.CodeInvalidArgument, []string{"id.domain: required"}},
		{"no name", func(r *adminv1.TaskCreateRequest) { r.Id.Name = "" }, connect.CodeInvalidArgument, []string{"id.name: required"}},
		{"no version", func(r *adminv1.TaskCreateRequest) { r.Id.Version = "" }, connect.CodeInvalidArgument, []string{"id.version: required"}},
		{"all parts missing", func(r *adminv1.TaskCreateRequest) { r.Id = &corev1.Identifier{} }, connect.CodeInvalidArgument,
			[]string{"id.project: required", "id.domain: required", "id.name: required", "id.version: required"}},
		{"name characters", func(r *adminv1.TaskCreateRequest) { r.Id.Name = "my task!" }, connect.CodeInvalidArgument,
			[]string{`id.name: "my task!" may only hold letters, digits`}},
		{"name length", func(r *adminv1.TaskCreateRequest) { r.Id.Name = strings.Repeat("n", 256) }, connect.CodeInvalidArgument,
			[]string{"id.name", "longer than 255 characters"}},
		{"version slash", func(r *adminv1.TaskCreateRequest) { r.Id.Version = "release/1" }, connect.CodeInvalidArgument,
			[]string{`id.version: "release/1" must not contain "/"`}},
		{"version space", func(r *adminv1.TaskCreateRequest) { r.Id.Version = "v 1" }, connect.CodeInvalidArgument,
			[]string{"id.version", "white space"}},
		{"wrong resource type", func(r *adminv1.TaskCreateRequest) { r.Id.ResourceType = corev1.ResourceType_RESOURCE_TYPE_WORKFLOW }, connect.CodeInvalidArgument,
			[]string{"id.resource_type: must be RESOURCE_TYPE_TASK for a task, got RESOURCE_TYPE_WORKFLOW"}},
		{"unknown domain", func(r *adminv1.TaskCreateRequest) { r.Id.Domain = "qa" }, connect.CodeInvalidArgument,
			[]string{`id.domain: unknown domain "qa" (valid domains: development, staging, production)`}},
		{"unknown project", func(r *adminv1.TaskCreateRequest) { withProject(r, "nosuchproject") }, connect.CodeNotFound,
			[]string{`project "nosuchproject" not found`}},
		{"no spec", func(r *adminv1.TaskCreateRequest) { r.Spec = nil }, connect.CodeInvalidArgument, []string{"spec.template: required"}},
		{"template id differs", func(r *adminv1.TaskCreateRequest) { r.Spec.Template.Id.Version = "v9" }, connect.CodeInvalidArgument,
			[]string{"spec.template.id: flytesnacks/development/double@v9 does not match id flytesnacks/development/double@v1"}},
		{"template id missing", func(r *adminv1.TaskCreateRequest) { r.Spec.Template.Id = nil }, connect.CodeInvalidArgument,
			[]string{"spec.template.id: required"}},
		{"invalid task", func(r *adminv1.TaskCreateRequest) {
			r.Spec.Template.Type = ""
			r.Spec.Template.GetContainer().Env = []*corev1.KeyValuePair{{Key: "A"}, {Key: "A"}}
		}, connect.CodeInvalidArgument, []string{"task flytesnacks/development/double@v1 is invalid", "task type is empty", `environment variable "A" is set twice`}},
	}
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		registerProject(t, env, "archived")
		_, err := env.Client.UpdateProject(t.Context(), connect.NewRequest(&adminv1.Project{
			Id: "archived", Name: "Archived", State: adminv1.Project_PROJECT_STATE_ARCHIVED,
		}))
		require.NoError(t, err)
		before := snapshot(t, env)
		for _, tt := range tests {
			req := taskRequest("double", "v1", "alpine:3")
			tt.edit(req)
			_, err := env.Client.CreateTask(t.Context(), connect.NewRequest(req))
			requireCode(t, err, tt.code, tt.parts...)
			require.Equal(t, before, snapshot(t, env), "%s changed the store", tt.name)
		}
		_, err = env.Client.CreateTask(t.Context(), connect.NewRequest(withProject(taskRequest("double", "v1", "alpine:3"), "archived")))
		requireCode(t, err, connect.CodeFailedPrecondition, `project "archived" is archived`)
		require.Equal(t, before, snapshot(t, env))
	})
}
