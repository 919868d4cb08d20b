package admin_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

func TestNamedEntities(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		for _, name := range []string{"alpha", "beta", "gamma"} {
			createTask(t, env, name, "v1")
		}
		taskType := corev1.ResourceType_RESOURCE_TYPE_TASK
		neID := func(name string) *corev1.NamedEntityIdentifier {
			return &corev1.NamedEntityIdentifier{Project: project, Domain: domain, Name: name}
		}
		list := func(filters string) []string {
			resp, err := c.ListNamedEntities(ctx, connect.NewRequest(&adminv1.NamedEntityListRequest{
				ResourceType: taskType, Project: project, Domain: domain, Filters: filters,
			}))
			require.NoError(t, err)
			var names []string
			for _, e := range resp.Msg.GetEntities() {
				names = append(names, e.GetId().GetName())
			}
			return names
		}

		// A name without metadata reads as active with no description.
		got, err := c.GetNamedEntity(ctx, connect.NewRequest(&adminv1.NamedEntityGetRequest{ResourceType: taskType, Id: neID("beta")}))
		require.NoError(t, err)
		requireDiff(t, &adminv1.NamedEntity{ResourceType: taskType, Id: neID("beta"), Metadata: &adminv1.NamedEntityMetadata{}},
			got.Msg, protocmp.Transform())

		_, err = c.UpdateNamedEntity(ctx, connect.NewRequest(&adminv1.NamedEntityUpdateRequest{
			ResourceType: taskType, Id: neID("beta"),
			Metadata: &adminv1.NamedEntityMetadata{Description: "old", State: adminv1.NamedEntityState_NAMED_ENTITY_STATE_ARCHIVED},
		}))
		require.NoError(t, err)
		got, err = c.GetNamedEntity(ctx, connect.NewRequest(&adminv1.NamedEntityGetRequest{ResourceType: taskType, Id: neID("beta")}))
		require.NoError(t, err)
		requireDiff(t, &adminv1.NamedEntityMetadata{Description: "old", State: adminv1.NamedEntityState_NAMED_ENTITY_STATE_ARCHIVED},
			got.Msg.GetMetadata(), protocmp.Transform())

		// Archived names are hidden unless a filter asks for the state.
		requireDiff(t, []string{"alpha", "gamma"}, list(""))
		requireDiff(t, []string{"alpha"}, list("eq(name,alpha)"))
		requireDiff(t, []string{"beta"}, list("eq(state,ARCHIVED)"))
		requireDiff(t, []string{"alpha", "beta", "gamma"}, list("value_in(state,ACTIVE;ARCHIVED)"))
		// ...but their versions can still be read.
		_, err = c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: taskID("beta", "v1")}))
		require.NoError(t, err)

		before := snapshot(t, env)
		for _, tt := range []struct {
			name  string
			req   *adminv1.NamedEntityUpdateRequest
			code  connect.Code
			parts []string
		}{
			{"unregistered name", &adminv1.NamedEntityUpdateRequest{ResourceType: taskType, Id: neID("delta"), Metadata: &adminv1.NamedEntityMetadata{}},
				connect.CodeNotFound, []string{"task flytesnacks/development/delta not found"}},
			{"no resource type", &adminv1.NamedEntityUpdateRequest{Id: neID("beta"), Metadata: &adminv1.NamedEntityMetadata{}},
				connect.CodeInvalidArgument, []string{"resource_type: must be RESOURCE_TYPE_TASK, RESOURCE_TYPE_WORKFLOW or RESOURCE_TYPE_LAUNCH_PLAN"}},
			{"no metadata", &adminv1.NamedEntityUpdateRequest{ResourceType: taskType, Id: neID("beta")},
				connect.CodeInvalidArgument, []string{"metadata: required"}},
			{"unknown state", &adminv1.NamedEntityUpdateRequest{ResourceType: taskType, Id: neID("beta"),
				Metadata: &adminv1.NamedEntityMetadata{State: 9}}, connect.CodeInvalidArgument, []string{"metadata.state: unknown state 9"}},
			{"no name", &adminv1.NamedEntityUpdateRequest{ResourceType: taskType, Id: neID(""), Metadata: &adminv1.NamedEntityMetadata{}},
				connect.CodeInvalidArgument, []string{"id.name: required"}},
			{"workflow of that name", &adminv1.NamedEntityUpdateRequest{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW,
				Id: neID("beta"), Metadata: &adminv1.NamedEntityMetadata{}}, connect.CodeNotFound, []string{"workflow flytesnacks/development/beta not found"}},
		} {
			_, err := c.UpdateNamedEntity(ctx, connect.NewRequest(tt.req))
			requireCode(t, err, tt.code, tt.parts...)
			require.Equal(t, before, snapshot(t, env), "%s changed the store", tt.name)
		}
		_, err = c.GetNamedEntity(ctx, connect.NewRequest(&adminv1.NamedEntityGetRequest{ResourceType: taskType,
			Id: &corev1.NamedEntityIdentifier{Project: "nope", Domain: domain, Name: "beta"}}))
		requireCode(t, err, connect.CodeNotFound, `project "nope" not found`)
		_, err = c.ListNamedEntities(ctx, connect.NewRequest(&adminv1.NamedEntityListRequest{ResourceType: taskType, Project: project,
			Domain: domain, Filters: "eq(state,GONE)"}))
		requireCode(t, err, connect.CodeInvalidArgument, `unknown value "GONE" (use one of ACTIVE, ARCHIVED, SYSTEM_GENERATED)`)
	})
}
