package admin_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

func taskResources(cpu, memory string) *adminv1.MatchingAttributes {
	return &adminv1.MatchingAttributes{Target: &adminv1.MatchingAttributes_TaskResourceAttributes{
		TaskResourceAttributes: &adminv1.TaskResourceAttributes{Defaults: &adminv1.TaskResourceSpec{Cpu: cpu, Memory: memory}},
	}}
}

func queue(tags ...string) *adminv1.MatchingAttributes {
	return &adminv1.MatchingAttributes{Target: &adminv1.MatchingAttributes_ExecutionQueueAttributes{
		ExecutionQueueAttributes: &adminv1.ExecutionQueueAttributes{Tags: tags},
	}}
}

const taskResource = adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE

func TestMatchableAttributes(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client

		// One setting at each level, and a second kind at the project level.
		_, err := c.UpdateProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesUpdateRequest{
			Attributes: &adminv1.ProjectAttributes{Project: project, MatchingAttributes: taskResources("1", "1Gi")},
		}))
		require.NoError(t, err)
		_, err = c.UpdateProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesUpdateRequest{
			Attributes: &adminv1.ProjectAttributes{Project: project, MatchingAttributes: queue("gpu")},
		}))
		require.NoError(t, err)
		_, err = c.UpdateProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesUpdateRequest{
			Attributes: &adminv1.ProjectDomainAttributes{Project: project, Domain: domain, MatchingAttributes: taskResources("2", "2Gi")},
		}))
		require.NoError(t, err)
		_, err = c.UpdateWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesUpdateRequest{
			Attributes: &adminv1.WorkflowAttributes{Project: project, Domain: domain, Workflow: "train", MatchingAttributes: taskResources("4", "4Gi")},
		}))
		require.NoError(t, err)
		// Updating replaces.
		_, err = c.UpdateWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesUpdateRequest{
			Attributes: &adminv1.WorkflowAttributes{Project: project, Domain: domain, Workflow: "train", MatchingAttributes: taskResources("8", "8Gi")},
		}))
		require.NoError(t, err)

		p, err := c.GetProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesGetRequest{Project: project, ResourceType: taskResource}))
		require.NoError(t, err)
		requireDiff(t, &adminv1.ProjectAttributes{Project: project, MatchingAttributes: taskResources("1", "1Gi")}, p.Msg.GetAttributes(), protocmp.Transform())
		pd, err := c.GetProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesGetRequest{
			Project: project, Domain: domain, ResourceType: taskResource,
		}))
		require.NoError(t, err)
		requireDiff(t, &adminv1.ProjectDomainAttributes{Project: project, Domain: domain, MatchingAttributes: taskResources("2", "2Gi")},
			pd.Msg.GetAttributes(), protocmp.Transform())
		wf, err := c.GetWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesGetRequest{
			Project: project, Domain: domain, Workflow: "train", ResourceType: taskResource,
		}))
		require.NoError(t, err)
		requireDiff(t, &adminv1.WorkflowAttributes{Project: project, Domain: domain, Workflow: "train", MatchingAttributes: taskResources("8", "8Gi")},
			wf.Msg.GetAttributes(), protocmp.Transform())

		list, err := c.ListMatchableAttributes(ctx, connect.NewRequest(&adminv1.ListMatchableAttributesRequest{ResourceType: taskResource}))
		require.NoError(t, err)
		requireDiff(t, []*adminv1.MatchableAttributesConfiguration{
			{Project: project, Attributes: taskResources("1", "1Gi")},
			{Project: project, Domain: domain, Attributes: taskResources("2", "2Gi")},
			{Project: project, Domain: domain, Workflow: "train", Attributes: taskResources("8", "8Gi")},
		}, list.Msg.GetConfigurations(), protocmp.Transform())

		// Deleting one level leaves the others.
		_, err = c.DeleteProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesDeleteRequest{
			Project: project, Domain: domain, ResourceType: taskResource,
		}))
		require.NoError(t, err)
		_, err = c.GetProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesGetRequest{
			Project: project, Domain: domain, ResourceType: taskResource,
		}))
		requireCode(t, err, connect.CodeNotFound, `no MATCHABLE_RESOURCE_TASK_RESOURCE attributes are set for project "flytesnacks" domain "development"`)
		_, err = c.DeleteProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesDeleteRequest{
			Project: project, Domain: domain, ResourceType: taskResource,
		}))
		requireCode(t, err, connect.CodeNotFound)
		_, err = c.DeleteWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesDeleteRequest{
			Project: project, Domain: domain, Workflow: "train", ResourceType: taskResource,
		}))
		require.NoError(t, err)
		_, err = c.DeleteProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesDeleteRequest{Project: project, ResourceType: taskResource}))
		require.NoError(t, err)
		list, err = c.ListMatchableAttributes(ctx, connect.NewRequest(&adminv1.ListMatchableAttributesRequest{ResourceType: taskResource}))
		require.NoError(t, err)
		require.Empty(t, list.Msg.GetConfigurations())
		q, err := c.GetProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesGetRequest{
			Project: project, ResourceType: adminv1.MatchableResource_MATCHABLE_RESOURCE_EXECUTION_QUEUE,
		}))
		require.NoError(t, err)
		requireDiff(t, queue("gpu"), q.Msg.GetAttributes().GetMatchingAttributes(), protocmp.Transform())
	})
}

func TestMatchableAttributesRejections(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		before := snapshot(t, env)
		update := func(a *adminv1.WorkflowAttributes) error {
			_, err := c.UpdateWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesUpdateRequest{Attributes: a}))
			return err
		}
		for _, tt := range []struct {
			name  string
			attrs *adminv1.WorkflowAttributes
			code  connect.Code
			parts []string
		}{
			{"nothing set", &adminv1.WorkflowAttributes{Project: project, Domain: domain, Workflow: "train"}, connect.CodeInvalidArgument,
				[]string{"attributes.matching_attributes: required"}},
			{"bad quantity", &adminv1.WorkflowAttributes{Project: project, Domain: domain, Workflow: "train", MatchingAttributes: taskResources("lots", "1Gi")},
				connect.CodeInvalidArgument, []string{`attributes.matching_attributes.task_resource_attributes.defaults.cpu: "lots" is not a resource quantity`}},
			{"unknown project", &adminv1.WorkflowAttributes{Project: "nope", Domain: domain, Workflow: "train", MatchingAttributes: queue("a")},
				connect.CodeNotFound, []string{`project "nope" not found`}},
			{"unknown domain", &adminv1.WorkflowAttributes{Project: project, Domain: "qa", Workflow: "train", MatchingAttributes: queue("a")},
				connect.CodeInvalidArgument, []string{`attributes.domain: unknown domain "qa"`}},
			{"no workflow", &adminv1.WorkflowAttributes{Project: project, Domain: domain, MatchingAttributes: queue("a")},
				connect.CodeInvalidArgument, []string{"attributes.workflow: required"}},
		} {
			requireCode(t, update(tt.attrs), tt.code, tt.parts...)
			require.Equal(t, before, snapshot(t, env), "%s changed the store", tt.name)
		}
		_, err := c.UpdateProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesUpdateRequest{}))
		requireCode(t, err, connect.CodeInvalidArgument, "attributes: required")
		_, err = c.GetProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesGetRequest{Project: project}))
		requireCode(t, err, connect.CodeInvalidArgument, "resource_type: required")
		_, err = c.GetProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesGetRequest{Project: project, ResourceType: taskResource}))
		requireCode(t, err, connect.CodeNotFound, `no MATCHABLE_RESOURCE_TASK_RESOURCE attributes are set for project "flytesnacks"`)
		_, err = c.DeleteProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesDeleteRequest{Project: "nope", ResourceType: taskResource}))
		requireCode(t, err, connect.CodeNotFound, `project "nope" not found`)
		_, err = c.ListMatchableAttributes(ctx, connect.NewRequest(&adminv1.ListMatchableAttributesRequest{}))
		requireCode(t, err, connect.CodeInvalidArgument, "resource_type: required")
		require.Equal(t, before, snapshot(t, env))
	})
}
