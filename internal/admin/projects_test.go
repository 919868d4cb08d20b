package admin_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

var allDomains = []*adminv1.Domain{
	{Id: "development", Name: "development"},
	{Id: "staging", Name: "staging"},
	{Id: "production", Name: "production"},
}

func TestProjectLifecycle(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		// The seed's command: register-project -p myflyteproject --name ... --description ...
		_, err := c.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: &adminv1.Project{
			Id:          "myflyteproject",
			Name:        "My Flyte Project",
			Description: "My very first project onboarding onto Flyte",
			Labels:      &adminv1.Labels{Values: map[string]string{"team": "ml"}},
		}}))
		require.NoError(t, err)

		got, err := c.GetProject(ctx, connect.NewRequest(&adminv1.ProjectGetRequest{Id: "myflyteproject"}))
		require.NoError(t, err)
		want := &adminv1.Project{
			Id:          "myflyteproject",
			Name:        "My Flyte Project",
			Description: "My very first project onboarding onto Flyte",
			Labels:      &adminv1.Labels{Values: map[string]string{"team": "ml"}},
			Domains:     allDomains,
			State:       adminv1.Project_PROJECT_STATE_ACTIVE,
		}
		requireDiff(t, want, got.Msg, protocmp.Transform())

		// Update every mutable field, sending back the domains as read.
		updated := proto.CloneOf(got.Msg)
		updated.Name = "Renamed"
		updated.Description = "new description"
		updated.Labels = &adminv1.Labels{Values: map[string]string{"team": "data", "tier": "gold"}}
		updated.State = adminv1.Project_PROJECT_STATE_ARCHIVED
		_, err = c.UpdateProject(ctx, connect.NewRequest(updated))
		require.NoError(t, err)
		got, err = c.GetProject(ctx, connect.NewRequest(&adminv1.ProjectGetRequest{Id: "myflyteproject"}))
		require.NoError(t, err)
		requireDiff(t, updated, got.Msg, protocmp.Transform())

		// Archived projects take no registrations until activated again.
		_, err = c.CreateTask(ctx, connect.NewRequest(withProject(taskRequest("t", "v1", "alpine:3"), "myflyteproject")))
		requireCode(t, err, connect.CodeFailedPrecondition, `project "myflyteproject" is archived`)
		updated.State = adminv1.Project_PROJECT_STATE_ACTIVE
		_, err = c.UpdateProject(ctx, connect.NewRequest(updated))
		require.NoError(t, err)
		_, err = c.CreateTask(ctx, connect.NewRequest(withProject(taskRequest("t", "v1", "alpine:3"), "myflyteproject")))
		require.NoError(t, err)

		list, err := c.ListProjects(ctx, connect.NewRequest(&adminv1.ProjectListRequest{}))
		require.NoError(t, err)
		var ids []string
		for _, p := range list.Msg.GetProjects() {
			ids = append(ids, p.GetId())
			require.Len(t, p.GetDomains(), 3)
		}
		requireDiff(t, []string{"flytesnacks", "myflyteproject"}, ids)

		archived, err := c.ListProjects(ctx, connect.NewRequest(&adminv1.ProjectListRequest{Filters: "eq(state,ACTIVE)+eq(name,Renamed)"}))
		require.NoError(t, err)
		require.Len(t, archived.Msg.GetProjects(), 1)
		require.Equal(t, "myflyteproject", archived.Msg.GetProjects()[0].GetId())

		domains, err := c.GetDomains(ctx, connect.NewRequest(&adminv1.GetDomainRequest{}))
		require.NoError(t, err)
		requireDiff(t, allDomains, domains.Msg.GetDomains(), protocmp.Transform())
	})
}

func withProject(req *adminv1.TaskCreateRequest, p string) *adminv1.TaskCreateRequest {
	req.Id.Project = p
	req.Spec.Template.Id.Project = p
	return req
}

func TestProjectRejections(t *testing.T) {
	t.Parallel()
	valid := func() *adminv1.Project {
		return &adminv1.Project{Id: "newproject", Name: "New"}
	}
	tests := []struct {
		name  string
		edit  func(p *adminv1.Project)
		code  connect.Code
		parts []string
	}{
		{"missing id", func(p *adminv1.Project) { p.Id = "" }, connect.CodeInvalidArgument, []string{"project.id: required"}},
		{"upper case id", func(p *adminv1.Project) { p.Id = "NewProject" }, connect.CodeInvalidArgument, []string{"project.id", "lowercase letters"}},
		{"id with underscore", func(p *adminv1.Project) { p.Id = "new_project" }, connect.CodeInvalidArgument, []string{"project.id"}},
		{"long id", func(p *adminv1.Project) { p.Id = strings.Repeat("a", 64) }, connect.CodeInvalidArgument, []string{"project.id", "longer than 63"}},
		{"missing name", func(p *adminv1.Project) { p.Name = "" }, connect.CodeInvalidArgument, []string{"project.name: required"}},
		{"long name", func(p *adminv1.Project) { p.Name = strings.Repeat("n", 65) }, connect.CodeInvalidArgument, []string{"project.name: is longer than 64"}},
		{"long description", func(p *adminv1.Project) { p.Description = strings.Repeat("d", 301) }, connect.CodeInvalidArgument, []string{"project.description"}},
		{"bad label", func(p *adminv1.Project) { p.Labels = &adminv1.Labels{Values: map[string]string{"bad key": "v"}} }, connect.CodeInvalidArgument, []string{`project.labels["bad key"]`}},
		{"domains set", func(p *adminv1.Project) { p.Domains = allDomains }, connect.CodeInvalidArgument, []string{"project.domains"}},
		{"archived", func(p *adminv1.Project) { p.State = adminv1.Project_PROJECT_STATE_ARCHIVED }, connect.CodeInvalidArgument, []string{"project.state"}},
		{"several problems", func(p *adminv1.Project) { p.Id, p.Name = "", "" }, connect.CodeInvalidArgument, []string{"project.id: required", "project.name: required"}},
		{"duplicate", func(p *adminv1.Project) { p.Id = project }, connect.CodeAlreadyExists, []string{`project "flytesnacks" already exists`}},
	}
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		before := snapshot(t, env)
		for _, tt := range tests {
			p := valid()
			tt.edit(p)
			_, err := env.Client.RegisterProject(t.Context(), connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: p}))
			requireCode(t, err, tt.code, tt.parts...)
			require.Equal(t, before, snapshot(t, env), "%s changed the store", tt.name)
		}
		_, err := env.Client.RegisterProject(t.Context(), connect.NewRequest(&adminv1.ProjectRegisterRequest{}))
		requireCode(t, err, connect.CodeInvalidArgument, "project: required")

		_, err = env.Client.UpdateProject(t.Context(), connect.NewRequest(&adminv1.Project{Id: "nosuchproject", Name: "x"}))
		requireCode(t, err, connect.CodeNotFound, `project "nosuchproject" not found`)
		_, err = env.Client.UpdateProject(t.Context(), connect.NewRequest(&adminv1.Project{
			Id: project, Name: "x", State: adminv1.Project_PROJECT_STATE_SYSTEM_GENERATED,
		}))
		requireCode(t, err, connect.CodeInvalidArgument, "project.state: must be PROJECT_STATE_ACTIVE or PROJECT_STATE_ARCHIVED")
		_, err = env.Client.GetProject(t.Context(), connect.NewRequest(&adminv1.ProjectGetRequest{Id: "nosuchproject"}))
		requireCode(t, err, connect.CodeNotFound, `project "nosuchproject" not found`)
		_, err = env.Client.ListProjects(t.Context(), connect.NewRequest(&adminv1.ProjectListRequest{Filters: "eq(colour,red)"}))
		requireCode(t, err, connect.CodeInvalidArgument, `unknown field "colour"`)
		require.Equal(t, before, snapshot(t, env))
	})
}
