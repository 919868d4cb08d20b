package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func testMigrations(t *testing.T, open OpenFunc) {
	t.Run("StatusDownUp", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()

		before, err := s.MigrateStatus(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, before)
		for i, st := range before {
			require.Equal(t, i+1, st.Version, "versions run from 1")
			require.NotEmpty(t, st.Name)
			require.False(t, st.Applied, "Open does not migrate")
		}

		require.NoError(t, s.MigrateUp(ctx))
		require.NoError(t, s.MigrateUp(ctx), "a second MigrateUp has nothing to do")
		after, err := s.MigrateStatus(ctx)
		require.NoError(t, err)
		require.Len(t, after, len(before))
		for _, st := range after {
			require.True(t, st.Applied, "migration %d", st.Version)
			require.False(t, st.AppliedAt.IsZero())
		}

		e := &env{t: t, ctx: ctx, s: s, now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		e.register(store.KindTask, eid("p", "d", "n", "v"))

		err = s.MigrateDown(ctx, len(after)+1)
		require.ErrorIs(t, err, store.ErrInvalidArgument, "cannot revert more than is applied")
		_, err = s.EntityGet(ctx, store.EntityGetParams{Kind: store.KindTask, ID: eid("p", "d", "n", "v")})
		require.NoError(t, err, "a refused down changes nothing")

		require.NoError(t, s.MigrateDown(ctx, len(after)))
		down, err := s.MigrateStatus(ctx)
		require.NoError(t, err)
		for _, st := range down {
			require.False(t, st.Applied, "migration %d is reverted", st.Version)
		}
		_, err = s.EntityGet(ctx, store.EntityGetParams{Kind: store.KindTask, ID: eid("p", "d", "n", "v")})
		require.Error(t, err, "the tables are gone")
		require.False(t, errors.Is(err, store.ErrNotFound), "a missing table is not a missing row")

		require.NoError(t, s.MigrateUp(ctx))
		_, err = s.EntityGet(ctx, store.EntityGetParams{Kind: store.KindTask, ID: eid("p", "d", "n", "v")})
		require.ErrorIs(t, err, store.ErrNotFound, "the schema is back, empty")
		e.register(store.KindTask, eid("p", "d", "n", "v"))
	})

	t.Run("DownOneStep", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		st, err := e.s.MigrateStatus(e.ctx)
		require.NoError(t, err)
		require.NoError(t, e.s.MigrateDown(e.ctx, 1))
		after, err := e.s.MigrateStatus(e.ctx)
		require.NoError(t, err)
		for i, s := range after {
			require.Equal(t, i < len(st)-1, s.Applied, "only the newest migration is reverted")
		}
		require.ErrorIs(t, e.s.MigrateDown(e.ctx, 0), store.ErrInvalidArgument)
		require.NoError(t, e.s.MigrateUp(e.ctx))
	})
}
