package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func (e *env) upsertAttributes(key store.AttributesKey, body string) *store.Attributes {
	e.t.Helper()
	a, err := e.s.AttributesUpsert(e.ctx, store.AttributesUpsertParams{Key: key, Body: []byte(body), Now: e.tick()})
	require.NoError(e.t, err)
	return a
}

func testAttributes(t *testing.T, open OpenFunc) {
	t.Run("UpsertGetDelete", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		key := store.AttributesKey{ResourceType: 0, Project: "p", Domain: "d"}
		_, err := e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: key})
		require.ErrorIs(t, err, store.ErrNotFound)

		first := e.upsertAttributes(key, "cpu=1")
		at := store.Timestamp(e.now)
		requireDiff(t, &store.Attributes{Key: key, Body: []byte("cpu=1"), CreatedAt: at, UpdatedAt: at}, first)
		got, err := e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: key})
		require.NoError(t, err)
		requireDiff(t, first, got)

		second := e.upsertAttributes(key, "cpu=2")
		requireDiff(t, &store.Attributes{Key: key, Body: []byte("cpu=2"), CreatedAt: at, UpdatedAt: store.Timestamp(e.now)}, second,
			"an upsert replaces the body and keeps the creation time")
		got, err = e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: key})
		require.NoError(t, err)
		requireDiff(t, second, got)

		require.NoError(t, e.s.AttributesDelete(e.ctx, store.AttributesDeleteParams{Key: key}))
		_, err = e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: key})
		require.ErrorIs(t, err, store.ErrNotFound)
		err = e.s.AttributesDelete(e.ctx, store.AttributesDeleteParams{Key: key})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorContains(t, err, "project p, domain d")
	})

	t.Run("LevelsAreDistinct", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		keys := []store.AttributesKey{
			{ResourceType: 1, Domain: "d"},
			{ResourceType: 1, Project: "p"},
			{ResourceType: 1, Project: "p", Domain: "d"},
			{ResourceType: 1, Project: "p", Domain: "d", Workflow: "wf"},
			{ResourceType: 1, Project: "p", Domain: "d", Workflow: "wf", LaunchPlan: "lp"},
			{ResourceType: 2, Project: "p", Domain: "d"},
		}
		for _, k := range keys {
			e.upsertAttributes(k, k.String())
		}
		for _, k := range keys {
			got, err := e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: k})
			require.NoError(t, err)
			require.Equal(t, k.String(), string(got.Body))
		}
		require.NoError(t, e.s.AttributesDelete(e.ctx, store.AttributesDeleteParams{Key: keys[2]}))
		for i, k := range keys {
			_, err := e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: k})
			if i == 2 {
				require.ErrorIs(t, err, store.ErrNotFound)
			} else {
				require.NoError(t, err, "deleting one level keeps the others: %s", k)
			}
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		b := e.upsertAttributes(store.AttributesKey{ResourceType: 6, Project: "b", Domain: "d"}, "1")
		a := e.upsertAttributes(store.AttributesKey{ResourceType: 6, Project: "a", Domain: "d"}, "2")
		aw := e.upsertAttributes(store.AttributesKey{ResourceType: 6, Project: "a", Domain: "d", Workflow: "w"}, "3")
		dom := e.upsertAttributes(store.AttributesKey{ResourceType: 6, Domain: "e"}, "4")
		e.upsertAttributes(store.AttributesKey{ResourceType: 5, Project: "a", Domain: "d"}, "other type")

		got, err := e.s.AttributesList(e.ctx, store.AttributesListParams{ResourceType: 6})
		require.NoError(t, err)
		requireDiff(t, []*store.Attributes{dom, a, aw, b}, got)
		got, err = e.s.AttributesList(e.ctx, store.AttributesListParams{ResourceType: 6, Project: "a"})
		require.NoError(t, err)
		requireDiff(t, []*store.Attributes{a, aw}, got)
		got, err = e.s.AttributesList(e.ctx, store.AttributesListParams{ResourceType: 6, Domain: "e"})
		require.NoError(t, err)
		requireDiff(t, []*store.Attributes{dom}, got)
		got, err = e.s.AttributesList(e.ctx, store.AttributesListParams{ResourceType: 3})
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		for _, k := range []store.AttributesKey{
			{ResourceType: 0},
			{ResourceType: -1, Project: "p"},
			{ResourceType: 0, Project: "p", Workflow: "w"},
			{ResourceType: 0, Domain: "d", LaunchPlan: "lp"},
		} {
			_, err := e.s.AttributesUpsert(e.ctx, store.AttributesUpsertParams{Key: k, Body: []byte("x"), Now: e.now})
			require.ErrorIs(t, err, store.ErrInvalidArgument, k.String())
			_, err = e.s.AttributesGet(e.ctx, store.AttributesGetParams{Key: k})
			require.ErrorIs(t, err, store.ErrInvalidArgument, k.String())
			err = e.s.AttributesDelete(e.ctx, store.AttributesDeleteParams{Key: k})
			require.ErrorIs(t, err, store.ErrInvalidArgument, k.String())
		}
		_, err := e.s.AttributesUpsert(e.ctx, store.AttributesUpsertParams{Key: store.AttributesKey{Project: "p"}})
		require.ErrorIs(t, err, store.ErrInvalidArgument, "now is required")
		got, err := e.s.AttributesList(e.ctx, store.AttributesListParams{ResourceType: 0})
		require.NoError(t, err)
		require.Empty(t, got, "rejected upserts store nothing")
	})
}
