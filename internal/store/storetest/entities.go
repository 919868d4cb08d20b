package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func testEntities(t *testing.T, open OpenFunc) {
	for _, kind := range store.Kinds {
		t.Run(kind.String(), func(t *testing.T) {
			t.Run("CreateGet", func(t *testing.T) {
				t.Parallel()
				e := setup(t, open)
				p := entityParams(kind, eid("p", "development", "train", "v1"), "digest-1", e.now)
				got, created, err := e.s.EntityCreate(e.ctx, p)
				require.NoError(t, err)
				require.True(t, created)
				at := store.Timestamp(e.now)
				want := &store.Entity{
					Kind: kind, ID: p.ID, Digest: p.Digest, Body: p.Body, CreatedAt: at, UpdatedAt: at,
					WorkflowName: p.WorkflowName, WorkflowVersion: p.WorkflowVersion,
				}
				requireDiff(t, want, got)
				read, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: kind, ID: p.ID})
				require.NoError(t, err)
				requireDiff(t, want, read)
			})

			t.Run("Idempotent", func(t *testing.T) {
				t.Parallel()
				e := setup(t, open)
				id := eid("p", "development", "train", "v1")
				first, created, err := e.s.EntityCreate(e.ctx, entityParams(kind, id, "same", e.now))
				require.NoError(t, err)
				require.True(t, created)
				again, created, err := e.s.EntityCreate(e.ctx, entityParams(kind, id, "same", e.tick()))
				require.NoError(t, err)
				require.False(t, created, "re-registering identical content reports created=false")
				requireDiff(t, first, again, "the stored row is returned, creation time unchanged")
			})

			t.Run("Conflict", func(t *testing.T) {
				t.Parallel()
				e := setup(t, open)
				id := eid("p", "development", "train", "v1")
				first, _, err := e.s.EntityCreate(e.ctx, entityParams(kind, id, "one", e.now))
				require.NoError(t, err)
				_, created, err := e.s.EntityCreate(e.ctx, entityParams(kind, id, "two", e.tick()))
				require.False(t, created)
				require.ErrorIs(t, err, store.ErrAlreadyExists)
				var exists *store.EntityExistsError
				require.ErrorAs(t, err, &exists)
				requireDiff(t, first, exists.Existing, "the error carries the stored row")
				require.ErrorContains(t, err, id.String())
				read, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: kind, ID: id})
				require.NoError(t, err)
				requireDiff(t, first, read, "a conflicting registration changes nothing")
			})

			t.Run("GetMissing", func(t *testing.T) {
				t.Parallel()
				e := setup(t, open)
				e.register(kind, eid("p", "development", "train", "v1"))
				for _, id := range []store.EntityID{
					eid("p", "development", "train", "v2"),
					eid("p", "staging", "train", "v1"),
					eid("q", "development", "train", "v1"),
					eid("p", "development", "other", "v1"),
				} {
					_, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: kind, ID: id})
					require.ErrorIs(t, err, store.ErrNotFound, id.String())
					require.ErrorContains(t, err, id.String())
				}
			})

			t.Run("EmptyBody", func(t *testing.T) {
				t.Parallel()
				e := setup(t, open)
				p := entityParams(kind, eid("p", "d", "n", "v"), "x", e.now)
				p.Body = nil
				_, _, err := e.s.EntityCreate(e.ctx, p)
				require.NoError(t, err)
				read, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: kind, ID: p.ID})
				require.NoError(t, err)
				require.NotNil(t, read.Body, "an empty body reads back as an empty, non-nil slice")
				require.Empty(t, read.Body)
			})
		})
	}

	t.Run("KindsAreSeparate", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		id := eid("p", "development", "same", "v1")
		for _, kind := range store.Kinds {
			_, created, err := e.s.EntityCreate(e.ctx, entityParams(kind, id, "digest of "+kind.String(), e.now))
			require.NoError(t, err)
			require.True(t, created, kind.String())
		}
		for _, kind := range store.Kinds {
			got, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: kind, ID: id})
			require.NoError(t, err)
			require.Equal(t, kind, got.Kind)
			require.Equal(t, "digest of "+kind.String(), string(got.Digest))
		}
	})

	t.Run("LaunchPlanFields", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		p := entityParams(store.KindLaunchPlan, eid("p", "d", "nightly", "v1"), "x", e.now)
		p.WorkflowName, p.WorkflowVersion, p.Schedule = "etl", "v7", []byte("cron: 0 * * * *")
		got, _, err := e.s.EntityCreate(e.ctx, p)
		require.NoError(t, err)
		read, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: store.KindLaunchPlan, ID: p.ID})
		require.NoError(t, err)
		requireDiff(t, got, read)
		require.Equal(t, "etl", read.WorkflowName)
		require.Equal(t, "v7", read.WorkflowVersion)
		require.Equal(t, []byte("cron: 0 * * * *"), read.Schedule)
		require.Equal(t, store.LaunchPlanStateInactive, read.State, "new launch plans are inactive")
	})

	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		good := entityParams(store.KindTask, eid("p", "d", "n", "v"), "x", e.now)
		for name, mutate := range map[string]func(p *store.EntityCreateParams){
			"unknown kind":           func(p *store.EntityCreateParams) { p.Kind = 0 },
			"no project":             func(p *store.EntityCreateParams) { p.ID.Project = "" },
			"no version":             func(p *store.EntityCreateParams) { p.ID.Version = "" },
			"no digest":              func(p *store.EntityCreateParams) { p.Digest = nil },
			"no time":                func(p *store.EntityCreateParams) { p.Now = time.Time{} },
			"task naming workflow":   func(p *store.EntityCreateParams) { p.WorkflowName = "wf" },
			"launch plan without wf": func(p *store.EntityCreateParams) { p.Kind = store.KindLaunchPlan },
			"NUL in name":            func(p *store.EntityCreateParams) { p.ID.Name = "bad\x00name" },
		} {
			p := good
			mutate(&p)
			_, _, err := e.s.EntityCreate(e.ctx, p)
			require.ErrorIs(t, err, store.ErrInvalidArgument, name)
		}
		for _, kind := range store.Kinds {
			page, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: kind, ListParams: store.ListParams{Project: "p", Domain: "d"}})
			require.NoError(t, err)
			require.Empty(t, page.Items, "rejected registrations store nothing")
		}
		_, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: 7, ID: good.ID})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
	})

	t.Run("ConcurrentRegistration", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Every writer also re-registers a shared version, racing the others.
					shared := entityParams(store.KindTask, eid("p", "d", "shared", "v1"), "same", e.now)
					if _, _, err := e.s.EntityCreate(e.ctx, shared); err != nil {
						errs <- err
					}
					own := entityParams(store.KindTask, eid("p", "d", fmt.Sprintf("w%d", w), fmt.Sprintf("v%03d", i)), "x", e.now)
					if _, _, err := e.s.EntityCreate(e.ctx, own); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		var all []error
		for err := range errs {
			all = append(all, err)
		}
		require.NoError(t, errors.Join(all...), "concurrent writers never fail")
		ids, err := e.s.EntityListIDs(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "p", Domain: "d"}})
		require.NoError(t, err)
		require.Len(t, ids.Items, writers+1)
		page, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "p", Domain: "d", Limit: 1000}})
		require.NoError(t, err)
		require.Len(t, page.Items, writers*each+1)
	})
}
