package admin_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

// walkTasks lists every page of req and returns name@version of each task
// and the number of pages.
func walkTasks(t *testing.T, env *admintest.Env, req *adminv1.ResourceListRequest) ([]string, int) {
	t.Helper()
	var got []string
	pages := 0
	for {
		resp, err := env.Client.ListTasks(t.Context(), connect.NewRequest(req))
		require.NoError(t, err)
		pages++
		for _, task := range resp.Msg.GetTasks() {
			got = append(got, task.GetId().GetName()+"@"+task.GetId().GetVersion())
		}
		if resp.Msg.GetToken() == "" {
			return got, pages
		}
		require.Less(t, pages, 100, "the token never ends")
		req.Token = resp.Msg.GetToken()
	}
}

func TestListPaginationFiltersAndSorts(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		// Registered in this order, one clock tick apart.
		var order []string
		for _, name := range []string{"b", "a", "c"} {
			for _, v := range []string{"v1", "v2"} {
				createTask(t, env, name, v)
				order = append(order, name+"@"+v)
			}
		}
		scope := &corev1.NamedEntityIdentifier{Project: project, Domain: domain}
		newestFirst := make([]string, len(order))
		for i, id := range order {
			newestFirst[len(order)-1-i] = id
		}

		// Default order: newest first, across pages of two.
		got, pages := walkTasks(t, env, &adminv1.ResourceListRequest{Id: scope, Limit: 2})
		requireDiff(t, newestFirst, got)
		require.Equal(t, 3, pages)

		got, _ = walkTasks(t, env, &adminv1.ResourceListRequest{Id: scope, Limit: 4,
			SortBy: &adminv1.Sort{Key: "created_at", Direction: adminv1.Sort_DIRECTION_ASCENDING}})
		requireDiff(t, order, got)

		got, _ = walkTasks(t, env, &adminv1.ResourceListRequest{Id: scope, Limit: 1,
			SortBy: &adminv1.Sort{Key: "name", Direction: adminv1.Sort_DIRECTION_ASCENDING}})
		require.Equal(t, []string{"a", "a", "b", "b", "c", "c"}, namesOf(got))

		// One name, and filters (enum and time values by their short forms).
		got, _ = walkTasks(t, env, &adminv1.ResourceListRequest{Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain, Name: "a"}})
		requireDiff(t, []string{"a@v2", "a@v1"}, got)
		got, _ = walkTasks(t, env, &adminv1.ResourceListRequest{Id: scope, Filters: "eq(version,v1)+value_in(name,a;c)",
			SortBy: &adminv1.Sort{Key: "name", Direction: adminv1.Sort_DIRECTION_DESCENDING}})
		requireDiff(t, []string{"c@v1", "a@v1"}, got)
		got, _ = walkTasks(t, env, &adminv1.ResourceListRequest{Id: scope, Filters: "gte(created_at,2024-01-01T00:00:05Z)",
			SortBy: &adminv1.Sort{Direction: adminv1.Sort_DIRECTION_ASCENDING}})
		requireDiff(t, order[3:], got)

		// Names, across pages.
		var names []string
		req := &adminv1.NamedEntityIdentifierListRequest{Project: project, Domain: domain, Limit: 2}
		for {
			resp, err := env.Client.ListTaskIds(ctx, connect.NewRequest(req))
			require.NoError(t, err)
			for _, id := range resp.Msg.GetEntities() {
				names = append(names, id.GetName())
			}
			if resp.Msg.GetToken() == "" {
				break
			}
			req.Token = resp.Msg.GetToken()
		}
		requireDiff(t, []string{"a", "b", "c"}, names)

		// Bad list parameters are invalid arguments that name the problem.
		first, err := env.Client.ListTasks(ctx, connect.NewRequest(&adminv1.ResourceListRequest{Id: scope, Limit: 2}))
		require.NoError(t, err)
		for _, tt := range []struct {
			name  string
			req   *adminv1.ResourceListRequest
			code  connect.Code
			parts []string
		}{
			{"unknown filter field", &adminv1.ResourceListRequest{Id: scope, Filters: "eq(colour,red)"}, connect.CodeInvalidArgument,
				[]string{`unknown field "colour"`, "created_at, name, version"}},
			{"unknown filter function", &adminv1.ResourceListRequest{Id: scope, Filters: "like(name,a)"}, connect.CodeInvalidArgument,
				[]string{`unknown function "like"`}},
			{"bad time", &adminv1.ResourceListRequest{Id: scope, Filters: "gt(created_at,yesterday)"}, connect.CodeInvalidArgument,
				[]string{`invalid time "yesterday"`}},
			{"malformed token", &adminv1.ResourceListRequest{Id: scope, Token: "not-a-token"}, connect.CodeInvalidArgument,
				[]string{"page token: malformed"}},
			{"token of another sort", &adminv1.ResourceListRequest{Id: scope, Token: first.Msg.GetToken(),
				SortBy: &adminv1.Sort{Key: "name"}}, connect.CodeInvalidArgument, []string{"page token: issued for sort by created_at"}},
			{"token of another query", &adminv1.ResourceListRequest{Id: scope, Token: first.Msg.GetToken(), Filters: "eq(name,a)"},
				connect.CodeInvalidArgument, []string{"page token: issued for a different query"}},
			{"limit too large", &adminv1.ResourceListRequest{Id: scope, Limit: 10001}, connect.CodeInvalidArgument,
				[]string{"limit: must be between 1 and 10000, got 10001"}},
			{"unsortable field", &adminv1.ResourceListRequest{Id: scope, SortBy: &adminv1.Sort{Key: "image"}}, connect.CodeInvalidArgument,
				[]string{`sort_by: cannot sort by "image"`}},
			{"no scope", &adminv1.ResourceListRequest{}, connect.CodeInvalidArgument, []string{"id: required"}},
			{"unknown domain", &adminv1.ResourceListRequest{Id: &corev1.NamedEntityIdentifier{Project: project, Domain: "prod"}},
				connect.CodeInvalidArgument, []string{`id.domain: unknown domain "prod"`}},
			{"unknown project", &adminv1.ResourceListRequest{Id: &corev1.NamedEntityIdentifier{Project: "nope", Domain: domain}},
				connect.CodeNotFound, []string{`project "nope" not found`}},
		} {
			_, err := env.Client.ListTasks(ctx, connect.NewRequest(tt.req))
			requireCode(t, err, tt.code, tt.parts...)
		}
		_, err = env.Client.ListTaskIds(ctx, connect.NewRequest(&adminv1.NamedEntityIdentifierListRequest{Project: project, Domain: domain,
			SortBy: &adminv1.Sort{Key: "created_at"}}))
		requireCode(t, err, connect.CodeInvalidArgument, `sort_by: cannot sort by "created_at" (sortable fields: name)`)
	})
}

func namesOf(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i], _, _ = strings.Cut(id, "@")
	}
	return out
}
