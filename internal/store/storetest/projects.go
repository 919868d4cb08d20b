package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func testProjects(t *testing.T, open OpenFunc) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		require.NoError(t, e.s.Ping(e.ctx))
		got, err := e.s.ProjectCreate(e.ctx, store.ProjectCreateParams{
			ID: "flytesnacks", Name: "Flyte Snacks", Description: "examples",
			Labels: map[string]string{"team": "ml", "tier": "1"}, State: store.ProjectStateActive, Now: e.now,
		})
		require.NoError(t, err)
		at := store.Timestamp(e.now)
		want := &store.Project{
			ID: "flytesnacks", Name: "Flyte Snacks", Description: "examples",
			Labels: map[string]string{"team": "ml", "tier": "1"}, CreatedAt: at, UpdatedAt: at,
		}
		requireDiff(t, want, got)
		require.Equal(t, time.UTC, got.CreatedAt.Location(), "times are returned in UTC")

		read, err := e.s.ProjectGet(e.ctx, store.ProjectGetParams{ID: "flytesnacks"})
		require.NoError(t, err)
		requireDiff(t, want, read)
		require.Equal(t, time.UTC, read.CreatedAt.Location())
	})

	t.Run("CreateDuplicate", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		first, err := e.s.ProjectCreate(e.ctx, store.ProjectCreateParams{ID: "p", Name: "first", Now: e.now})
		require.NoError(t, err)
		_, err = e.s.ProjectCreate(e.ctx, store.ProjectCreateParams{ID: "p", Name: "second", Now: e.tick()})
		require.ErrorIs(t, err, store.ErrAlreadyExists)
		read, err := e.s.ProjectGet(e.ctx, store.ProjectGetParams{ID: "p"})
		require.NoError(t, err)
		requireDiff(t, first, read, "a rejected create changes nothing")
	})

	t.Run("CreateInvalid", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		for _, p := range []store.ProjectCreateParams{
			{Name: "no id", Now: e.now},
			{ID: "p", Name: "no time"},
			{ID: "p", State: 42, Now: e.now},
			{ID: "p", Labels: map[string]string{"": "empty key"}, Now: e.now},
			{ID: "p\x00", Now: e.now},
		} {
			_, err := e.s.ProjectCreate(e.ctx, p)
			require.ErrorIs(t, err, store.ErrInvalidArgument, "%+v", p)
		}
		page, err := e.s.ProjectList(e.ctx, store.ListParams{})
		require.NoError(t, err)
		require.Empty(t, page.Items, "rejected creates store nothing")
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		_, err := e.s.ProjectGet(e.ctx, store.ProjectGetParams{ID: "nope"})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorContains(t, err, "nope")
		_, err = e.s.ProjectGet(e.ctx, store.ProjectGetParams{})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		created, err := e.s.ProjectCreate(e.ctx, store.ProjectCreateParams{
			ID: "p", Name: "old", Labels: map[string]string{"a": "1"}, Now: e.now,
		})
		require.NoError(t, err)
		later := e.tick()
		got, err := e.s.ProjectUpdate(e.ctx, store.ProjectUpdateParams{
			ID: "p", Name: "new", Description: "d", Labels: map[string]string{"b": "2"},
			State: store.ProjectStateArchived, Now: later,
		})
		require.NoError(t, err)
		want := &store.Project{
			ID: "p", Name: "new", Description: "d", Labels: map[string]string{"b": "2"},
			State: store.ProjectStateArchived, CreatedAt: created.CreatedAt, UpdatedAt: store.Timestamp(later),
		}
		requireDiff(t, want, got)
		read, err := e.s.ProjectGet(e.ctx, store.ProjectGetParams{ID: "p"})
		require.NoError(t, err)
		requireDiff(t, want, read)

		_, err = e.s.ProjectUpdate(e.ctx, store.ProjectUpdateParams{ID: "missing", Now: later})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = e.s.ProjectUpdate(e.ctx, store.ProjectUpdateParams{ID: "p", State: 9, Now: later})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
		read, err = e.s.ProjectGet(e.ctx, store.ProjectGetParams{ID: "p"})
		require.NoError(t, err)
		requireDiff(t, want, read, "a rejected update changes nothing")
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		var all []*store.Project
		for i, id := range []string{"delta", "Alpha", "charlie", "bravo", "_echo"} {
			state := store.ProjectStateActive
			if i%2 == 1 {
				state = store.ProjectStateArchived
			}
			p, err := e.s.ProjectCreate(e.ctx, store.ProjectCreateParams{ID: id, Name: "name " + id, State: state, Now: e.tick()})
			require.NoError(t, err)
			all = append(all, p)
		}

		page, err := e.s.ProjectList(e.ctx, store.ListParams{})
		require.NoError(t, err)
		requireDiff(t, all, page.Items, "default order is creation time ascending")
		require.Empty(t, page.NextToken)

		page, err = e.s.ProjectList(e.ctx, store.ListParams{Filters: "ne(state,ARCHIVED)", SortBy: "id", Desc: true})
		require.NoError(t, err)
		requireDiff(t, []*store.Project{all[0], all[2], all[4]}, page.Items, "byte order: lower case after upper case and underscore")

		got := walk(t, func(token string) (*store.Page[*store.Project], error) {
			return e.s.ProjectList(e.ctx, store.ListParams{SortBy: "name", Limit: 2, Token: token})
		})
		requireDiff(t, []*store.Project{all[1], all[4], all[3], all[2], all[0]}, got)

		page, err = e.s.ProjectList(e.ctx, store.ListParams{Filters: "gte(created_at," + all[3].CreatedAt.Format(time.RFC3339Nano) + ")+contains(name,echo)"})
		require.NoError(t, err)
		requireDiff(t, []*store.Project{all[4]}, page.Items)

		page, err = e.s.ProjectList(e.ctx, store.ListParams{Filters: "contains(name,ALPHA)"})
		require.NoError(t, err)
		require.Empty(t, page.Items, "contains is case-sensitive")
		page, err = e.s.ProjectList(e.ctx, store.ListParams{Filters: "contains(id,%)+contains(id,_)"})
		require.NoError(t, err)
		require.Empty(t, page.Items, "contains matches wildcard characters literally")
		page, err = e.s.ProjectList(e.ctx, store.ListParams{Filters: "contains(id,_)"})
		require.NoError(t, err)
		requireDiff(t, []*store.Project{all[4]}, page.Items)

		_, err = e.s.ProjectList(e.ctx, store.ListParams{Filters: "eq(owner,me)"})
		var fe *store.FilterError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "owner", fe.Field)
		_, err = e.s.ProjectList(e.ctx, store.ListParams{Project: "p"})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
	})
}

// walk follows NextToken from the first page to the last and returns every
// item, failing on an error, an empty intermediate page or a repeated token.
func walk[T any](t testing.TB, list func(token string) (*store.Page[T], error)) []T {
	t.Helper()
	var (
		out   []T
		token string
		seen  = map[string]bool{}
	)
	for {
		page, err := list(token)
		require.NoError(t, err)
		if page.NextToken != "" {
			require.NotEmpty(t, page.Items, "a page with a next token has items")
			require.False(t, seen[page.NextToken], "next token repeats")
			seen[page.NextToken] = true
		}
		out = append(out, page.Items...)
		if page.NextToken == "" {
			return out
		}
		token = page.NextToken
	}
}
