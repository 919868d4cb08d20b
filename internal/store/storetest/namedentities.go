package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func testNamedEntities(t *testing.T, open OpenFunc) {
	t.Run("GetUpsert", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		e.register(store.KindWorkflow, eid("p", "d", "etl", "v1"))
		e.register(store.KindWorkflow, eid("p", "d", "etl", "v2"))
		e.register(store.KindTask, eid("p", "d", "etl", "v1"))
		name := store.NamedEntityID{Project: "p", Domain: "d", Name: "etl"}

		got, err := e.s.NamedEntityGet(e.ctx, store.NamedEntityGetParams{Kind: store.KindWorkflow, ID: name})
		require.NoError(t, err)
		requireDiff(t, &store.NamedEntity{Kind: store.KindWorkflow, ID: name}, got, "no metadata reads as active with no description")

		up, err := e.s.NamedEntityUpsert(e.ctx, store.NamedEntityUpsertParams{
			Kind: store.KindWorkflow, ID: name, Description: "nightly ETL", State: store.NamedEntityStateArchived, Now: e.tick(),
		})
		require.NoError(t, err)
		want := &store.NamedEntity{Kind: store.KindWorkflow, ID: name, Description: "nightly ETL",
			State: store.NamedEntityStateArchived, UpdatedAt: store.Timestamp(e.now)}
		requireDiff(t, want, up)
		got, err = e.s.NamedEntityGet(e.ctx, store.NamedEntityGetParams{Kind: store.KindWorkflow, ID: name})
		require.NoError(t, err)
		requireDiff(t, want, got)

		up, err = e.s.NamedEntityUpsert(e.ctx, store.NamedEntityUpsertParams{
			Kind: store.KindWorkflow, ID: name, Description: "restored", State: store.NamedEntityStateActive, Now: e.tick(),
		})
		require.NoError(t, err)
		got, err = e.s.NamedEntityGet(e.ctx, store.NamedEntityGetParams{Kind: store.KindWorkflow, ID: name})
		require.NoError(t, err)
		requireDiff(t, up, got, "a second upsert replaces the metadata")
		require.Equal(t, "restored", got.Description)

		task, err := e.s.NamedEntityGet(e.ctx, store.NamedEntityGetParams{Kind: store.KindTask, ID: name})
		require.NoError(t, err)
		requireDiff(t, &store.NamedEntity{Kind: store.KindTask, ID: name}, task, "metadata is per kind")
	})

	t.Run("Missing", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		e.register(store.KindTask, eid("p", "d", "etl", "v1"))
		ghost := store.NamedEntityID{Project: "p", Domain: "d", Name: "ghost"}
		_, err := e.s.NamedEntityGet(e.ctx, store.NamedEntityGetParams{Kind: store.KindTask, ID: ghost})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = e.s.NamedEntityGet(e.ctx, store.NamedEntityGetParams{Kind: store.KindWorkflow, ID: store.NamedEntityID{Project: "p", Domain: "d", Name: "etl"}})
		require.ErrorIs(t, err, store.ErrNotFound, "a task name is not a workflow name")
		_, err = e.s.NamedEntityUpsert(e.ctx, store.NamedEntityUpsertParams{Kind: store.KindTask, ID: ghost, Description: "x", Now: e.tick()})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = e.s.NamedEntityUpsert(e.ctx, store.NamedEntityUpsertParams{Kind: store.KindTask, ID: ghost, State: 7, Now: e.tick()})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
		page, err := e.s.NamedEntityList(e.ctx, store.NamedEntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "p", Domain: "d"}})
		require.NoError(t, err)
		requireDiff(t, []*store.NamedEntity{{Kind: store.KindTask, ID: store.NamedEntityID{Project: "p", Domain: "d", Name: "etl"}}}, page.Items,
			"rejected upserts store nothing")
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		names := []string{"delta", "Alpha", "charlie", "bravo", "_echo"}
		for _, n := range names {
			e.register(store.KindLaunchPlan, eid("p", "d", n, "v1"))
			e.register(store.KindLaunchPlan, eid("p", "d", n, "v2"))
		}
		e.register(store.KindLaunchPlan, eid("p", "other", "zulu", "v1"))
		archived, err := e.s.NamedEntityUpsert(e.ctx, store.NamedEntityUpsertParams{
			Kind: store.KindLaunchPlan, ID: store.NamedEntityID{Project: "p", Domain: "d", Name: "charlie"},
			Description: "old", State: store.NamedEntityStateArchived, Now: e.tick(),
		})
		require.NoError(t, err)
		described, err := e.s.NamedEntityUpsert(e.ctx, store.NamedEntityUpsertParams{
			Kind: store.KindLaunchPlan, ID: store.NamedEntityID{Project: "p", Domain: "d", Name: "Alpha"},
			Description: "first letter", Now: e.tick(),
		})
		require.NoError(t, err)
		plain := func(n string) *store.NamedEntity {
			return &store.NamedEntity{Kind: store.KindLaunchPlan, ID: store.NamedEntityID{Project: "p", Domain: "d", Name: n}}
		}
		list := func(filters string, desc bool) []*store.NamedEntity {
			return walk(t, func(token string) (*store.Page[*store.NamedEntity], error) {
				return e.s.NamedEntityList(e.ctx, store.NamedEntityListParams{Kind: store.KindLaunchPlan, ListParams: store.ListParams{
					Project: "p", Domain: "d", Filters: filters, Desc: desc, Limit: 2, Token: token,
				}})
			})
		}
		requireDiff(t, []*store.NamedEntity{described, plain("_echo"), plain("bravo"), archived, plain("delta")}, list("", false))
		requireDiff(t, []*store.NamedEntity{plain("delta"), plain("bravo"), plain("_echo"), described}, list("ne(state,ARCHIVED)", true),
			"names without metadata count as active")
		requireDiff(t, []*store.NamedEntity{archived}, list("eq(state,ARCHIVED)", false))
		requireDiff(t, []*store.NamedEntity{described}, list("contains(description,letter)", false))

		_, err = e.s.NamedEntityList(e.ctx, store.NamedEntityListParams{Kind: store.KindLaunchPlan, ListParams: store.ListParams{
			Project: "p", Domain: "d", SortBy: "created_at",
		}})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
		_, err = e.s.NamedEntityList(e.ctx, store.NamedEntityListParams{Kind: store.KindLaunchPlan, ListParams: store.ListParams{Project: "p"}})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
	})
}
