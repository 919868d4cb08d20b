package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// seedEntities registers versions of several names in project p, domain d,
// three per timestamp so that sorts must break ties, plus rows in other
// projects and domains that no list of (p, d) may return. It returns the
// rows of (p, d) in registration order.
func seedEntities(e *env, kind store.Kind) []*store.Entity {
	e.t.Helper()
	var out []*store.Entity
	names := []string{"alpha", "Bravo", "_charlie", "delta"}
	i := 0
	for v := 1; v <= 11; v++ {
		for j, name := range names {
			if (v+j)%3 == 0 {
				continue // names get different numbers of versions
			}
			if i%3 == 0 {
				e.tick()
			}
			i++
			out = append(out, e.register(kind, eid("p", "d", name, fmt.Sprintf("v%d", v))))
		}
	}
	e.register(kind, eid("p", "other", "alpha", "v1"))
	e.register(kind, eid("q", "d", "alpha", "v1"))
	e.register(kind, eid("pp", "d", "alpha", "v1"))
	return out
}

// sortedBy orders rows as a list sorted by field must: ties keep
// registration order ascending, and descending is the exact reverse.
func sortedBy(rows []*store.Entity, field string, desc bool) []*store.Entity {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b *store.Entity) int {
		switch field {
		case "name":
			return strings.Compare(a.ID.Name, b.ID.Name)
		case "version":
			return strings.Compare(a.ID.Version, b.ID.Version)
		default:
			return a.CreatedAt.Compare(b.CreatedAt)
		}
	})
	if desc {
		slices.Reverse(out)
	}
	return out
}

func keep(rows []*store.Entity, pred func(*store.Entity) bool) []*store.Entity {
	var out []*store.Entity
	for _, r := range rows {
		if pred(r) {
			out = append(out, r)
		}
	}
	return out
}

func testEntityLists(t *testing.T, open OpenFunc) {
	for _, kind := range store.Kinds {
		t.Run("Pagination/"+kind.String(), func(t *testing.T) {
			t.Parallel()
			e := setup(t, open)
			rows := seedEntities(e, kind)
			for _, sortBy := range []string{"", "created_at", "name", "version"} {
				for _, desc := range []bool{false, true} {
					for _, limit := range []int{1, 4, 7, 1000} {
						got := walk(t, func(token string) (*store.Page[*store.Entity], error) {
							return e.s.EntityList(e.ctx, store.EntityListParams{Kind: kind, ListParams: store.ListParams{
								Project: "p", Domain: "d", SortBy: sortBy, Desc: desc, Limit: limit, Token: token,
							}})
						})
						requireDiff(t, sortedBy(rows, sortBy, desc), got, "sort %q desc=%v limit %d", sortBy, desc, limit)
					}
				}
			}
			// One name, paged.
			got := walk(t, func(token string) (*store.Page[*store.Entity], error) {
				return e.s.EntityList(e.ctx, store.EntityListParams{Kind: kind, ListParams: store.ListParams{
					Project: "p", Domain: "d", Name: "Bravo", SortBy: "version", Desc: true, Limit: 2, Token: token,
				}})
			})
			want := keep(sortedBy(rows, "version", true), func(r *store.Entity) bool { return r.ID.Name == "Bravo" })
			requireDiff(t, want, got)
		})
	}

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		rows := seedEntities(e, store.KindTask)
		mid := rows[len(rows)/2].CreatedAt
		midText := mid.Format(time.RFC3339Nano)
		tests := []struct {
			filters string
			pred    func(r *store.Entity) bool
		}{
			{"eq(name,alpha)", func(r *store.Entity) bool { return r.ID.Name == "alpha" }},
			{"ne(name,alpha)+ne(name,delta)", func(r *store.Entity) bool { return r.ID.Name != "alpha" && r.ID.Name != "delta" }},
			{"value_in(version,v1;v10)", func(r *store.Entity) bool { return r.ID.Version == "v1" || r.ID.Version == "v10" }},
			{"value_not_in(name,alpha;Bravo)", func(r *store.Entity) bool { return r.ID.Name != "alpha" && r.ID.Name != "Bravo" }},
			{"contains(name,ha)", func(r *store.Entity) bool { return strings.Contains(r.ID.Name, "ha") }},
			{"gte(created_at," + midText + ")", func(r *store.Entity) bool { return !r.CreatedAt.Before(mid) }},
			{"gt(created_at," + midText + ")", func(r *store.Entity) bool { return r.CreatedAt.After(mid) }},
			{"lt(created_at," + midText + ")", func(r *store.Entity) bool { return r.CreatedAt.Before(mid) }},
			{"lte(created_at," + midText + ")+eq(name,_charlie)", func(r *store.Entity) bool { return !r.CreatedAt.After(mid) && r.ID.Name == "_charlie" }},
			{"gt(version,v2)+lt(version,v5)", func(r *store.Entity) bool { return r.ID.Version > "v2" && r.ID.Version < "v5" }},
			{"eq(name,nobody)", func(*store.Entity) bool { return false }},
		}
		for _, tt := range tests {
			want := keep(sortedBy(rows, "name", false), tt.pred)
			if !strings.Contains(tt.filters, "nobody") {
				require.NotEmpty(t, want, "filters %s must select something to be a test", tt.filters)
				require.Less(t, len(want), len(rows), "filters %s must leave something out", tt.filters)
			}
			for _, limit := range []int{3, 100} {
				got := walk(t, func(token string) (*store.Page[*store.Entity], error) {
					return e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{
						Project: "p", Domain: "d", Filters: tt.filters, SortBy: "name", Limit: limit, Token: token,
					}})
				})
				requireDiff(t, want, got, "filters %s, limit %d", tt.filters, limit)
			}
		}
	})

	t.Run("LaunchPlanFilters", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		rows := seedEntities(e, store.KindLaunchPlan)
		res, err := e.s.LaunchPlanSetState(e.ctx, store.LaunchPlanSetStateParams{ID: rows[5].ID, State: store.LaunchPlanStateActive, Now: e.tick()})
		require.NoError(t, err)
		rows[5] = res.LaunchPlan
		list := func(filters string) []*store.Entity {
			return walk(t, func(token string) (*store.Page[*store.Entity], error) {
				return e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindLaunchPlan, ListParams: store.ListParams{
					Project: "p", Domain: "d", Filters: filters, Limit: 5, Token: token,
				}})
			})
		}
		requireDiff(t, []*store.Entity{rows[5]}, list("eq(state,ACTIVE)"))
		requireDiff(t, []*store.Entity{rows[5]}, list("gte(updated_at,"+res.LaunchPlan.UpdatedAt.Format(time.RFC3339Nano)+")"))
		requireDiff(t, keep(rows, func(r *store.Entity) bool { return r.State == store.LaunchPlanStateInactive }), list("eq(state,0)"))
		byWorkflow := keep(rows, func(r *store.Entity) bool { return r.WorkflowName == "wf-delta" && r.WorkflowVersion == "v4" })
		require.Len(t, byWorkflow, 1)
		requireDiff(t, byWorkflow, list("eq(workflow_name,wf-delta)+eq(workflow_version,v4)"))
	})

	t.Run("BadRequests", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		seedEntities(e, store.KindTask)
		list := func(lp store.ListParams) error {
			if lp.Project == "" {
				lp.Project = "p"
			}
			lp.Domain = "d"
			_, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: lp})
			return err
		}
		first, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{
			Project: "p", Domain: "d", Filters: "ne(name,x)", Limit: 2,
		}})
		require.NoError(t, err)
		require.NotEmpty(t, first.NextToken)

		tests := []struct {
			name    string
			params  store.ListParams
			wantErr any // pointer to the expected error type
			wantMsg string
		}{
			{"unknown field", store.ListParams{Filters: "eq(color,red)"}, new(*store.FilterError), `unknown field "color"`},
			{"launch plan field on task", store.ListParams{Filters: "eq(state,ACTIVE)"}, new(*store.FilterError), `unknown field "state"`},
			{"bad function", store.ListParams{Filters: "like(name,a)"}, new(*store.FilterError), `unknown function "like"`},
			{"bad time", store.ListParams{Filters: "gt(created_at,today)"}, new(*store.FilterError), `invalid time "today"`},
			{"unknown sort", store.ListParams{SortBy: "digest"}, new(*store.ParamError), `cannot sort by "digest"`},
			{"negative limit", store.ListParams{Limit: -1}, new(*store.ParamError), "limit"},
			{"limit too large", store.ListParams{Limit: store.MaxLimit + 1}, new(*store.ParamError), "limit"},
			{"malformed token", store.ListParams{Token: "not-a-token"}, new(*store.TokenError), "malformed"},
			{"token of other sort", store.ListParams{Filters: "ne(name,x)", SortBy: "name", Token: first.NextToken}, new(*store.TokenError), "sorts by name"},
			{"token of other direction", store.ListParams{Filters: "ne(name,x)", Desc: true, Token: first.NextToken}, new(*store.TokenError), "descending"},
			{"token of other filters", store.ListParams{Filters: "ne(name,y)", Token: first.NextToken}, new(*store.TokenError), "different query"},
			{"token of other project", store.ListParams{Project: "q", Filters: "ne(name,x)", Token: first.NextToken}, new(*store.TokenError), "different query"},
		}
		for _, tt := range tests {
			err := list(tt.params)
			require.ErrorIs(t, err, store.ErrInvalidArgument, tt.name)
			require.ErrorAs(t, err, tt.wantErr, tt.name)
			require.ErrorContains(t, err, tt.wantMsg, tt.name)
		}
		require.NoError(t, list(store.ListParams{Limit: store.MaxLimit}))
		_, err = e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "p"}})
		require.ErrorIs(t, err, store.ErrInvalidArgument, "domain is required")

		page, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "none", Domain: "d"}})
		require.NoError(t, err)
		require.Empty(t, page.Items)
		require.Empty(t, page.NextToken)
	})

	t.Run("ListIDs", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		seedEntities(e, store.KindWorkflow)
		e.register(store.KindTask, eid("p", "d", "only-a-task", "v1"))
		ids := func(names ...string) []store.NamedEntityID {
			out := make([]store.NamedEntityID, len(names))
			for i, n := range names {
				out[i] = store.NamedEntityID{Project: "p", Domain: "d", Name: n}
			}
			return out
		}
		for _, limit := range []int{1, 3, 100} {
			got := walk(t, func(token string) (*store.Page[store.NamedEntityID], error) {
				return e.s.EntityListIDs(e.ctx, store.EntityListParams{Kind: store.KindWorkflow, ListParams: store.ListParams{
					Project: "p", Domain: "d", Limit: limit, Token: token,
				}})
			})
			requireDiff(t, ids("Bravo", "_charlie", "alpha", "delta"), got, "limit %d", limit)
			got = walk(t, func(token string) (*store.Page[store.NamedEntityID], error) {
				return e.s.EntityListIDs(e.ctx, store.EntityListParams{Kind: store.KindWorkflow, ListParams: store.ListParams{
					Project: "p", Domain: "d", Desc: true, Filters: "contains(name,l)", Limit: limit, Token: token,
				}})
			})
			requireDiff(t, ids("delta", "alpha", "_charlie"), got, "limit %d", limit)
		}
		_, err := e.s.EntityListIDs(e.ctx, store.EntityListParams{Kind: store.KindWorkflow, ListParams: store.ListParams{
			Project: "p", Domain: "d", SortBy: "created_at",
		}})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
		_, err = e.s.EntityListIDs(e.ctx, store.EntityListParams{Kind: store.KindWorkflow, ListParams: store.ListParams{
			Project: "p", Domain: "d", Filters: "eq(version,v1)",
		}})
		var fe *store.FilterError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "version", fe.Field)
	})
}
