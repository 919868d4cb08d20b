package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func (e *env) setState(id store.EntityID, state store.LaunchPlanState) *store.LaunchPlanSetStateResult {
	e.t.Helper()
	res, err := e.s.LaunchPlanSetState(e.ctx, store.LaunchPlanSetStateParams{ID: id, State: state, Now: e.tick()})
	require.NoError(e.t, err)
	return res
}

func (e *env) getLaunchPlan(id store.EntityID) *store.Entity {
	e.t.Helper()
	lp, err := e.s.EntityGet(e.ctx, store.EntityGetParams{Kind: store.KindLaunchPlan, ID: id})
	require.NoError(e.t, err)
	return lp
}

// activeVersions lists the active versions of one launch plan name.
func (e *env) activeVersions(name store.NamedEntityID) []string {
	e.t.Helper()
	page, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindLaunchPlan, ListParams: store.ListParams{
		Project: name.Project, Domain: name.Domain, Name: name.Name, Filters: "eq(state,ACTIVE)", Limit: store.MaxLimit,
	}})
	require.NoError(e.t, err)
	var out []string
	for _, lp := range page.Items {
		out = append(out, lp.ID.Version)
	}
	return out
}

func testLaunchPlans(t *testing.T, open OpenFunc) {
	t.Run("Activation", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		v1 := e.register(store.KindLaunchPlan, eid("p", "d", "nightly", "v1"))
		v2 := e.register(store.KindLaunchPlan, eid("p", "d", "nightly", "v2"))
		other := e.register(store.KindLaunchPlan, eid("p", "d", "hourly", "v1"))
		name := v1.ID.NamedEntityID()

		_, err := e.s.LaunchPlanGetActive(e.ctx, store.LaunchPlanGetActiveParams{ID: name})
		require.ErrorIs(t, err, store.ErrNotFound, "nothing is active at first")

		res := e.setState(other.ID, store.LaunchPlanStateActive)
		require.Nil(t, res.Deactivated)
		res = e.setState(v1.ID, store.LaunchPlanStateActive)
		require.Nil(t, res.Deactivated)
		at1 := store.Timestamp(e.now)
		wantV1 := *v1
		wantV1.State, wantV1.UpdatedAt = store.LaunchPlanStateActive, at1
		requireDiff(t, &wantV1, res.LaunchPlan)
		active, err := e.s.LaunchPlanGetActive(e.ctx, store.LaunchPlanGetActiveParams{ID: name})
		require.NoError(t, err)
		requireDiff(t, &wantV1, active)

		res = e.setState(v2.ID, store.LaunchPlanStateActive)
		at2 := store.Timestamp(e.now)
		wantV2 := *v2
		wantV2.State, wantV2.UpdatedAt = store.LaunchPlanStateActive, at2
		wantV1.State, wantV1.UpdatedAt = store.LaunchPlanStateInactive, at2
		requireDiff(t, &wantV2, res.LaunchPlan)
		requireDiff(t, &wantV1, res.Deactivated, "activating v2 deactivates v1")
		requireDiff(t, &wantV1, e.getLaunchPlan(v1.ID))
		require.Equal(t, []string{"v2"}, e.activeVersions(name))
		require.Equal(t, []string{"v1"}, e.activeVersions(other.ID.NamedEntityID()), "other names are untouched")

		res = e.setState(v2.ID, store.LaunchPlanStateActive)
		require.Nil(t, res.Deactivated)
		requireDiff(t, &wantV2, res.LaunchPlan, "activating the active version changes nothing")

		res = e.setState(v2.ID, store.LaunchPlanStateInactive)
		require.Nil(t, res.Deactivated)
		require.Equal(t, store.LaunchPlanStateInactive, res.LaunchPlan.State)
		_, err = e.s.LaunchPlanGetActive(e.ctx, store.LaunchPlanGetActiveParams{ID: name})
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("SetStateRejected", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		v1 := e.register(store.KindLaunchPlan, eid("p", "d", "nightly", "v1"))
		e.setState(v1.ID, store.LaunchPlanStateActive)
		_, err := e.s.LaunchPlanSetState(e.ctx, store.LaunchPlanSetStateParams{ID: eid("p", "d", "nightly", "v9"), State: store.LaunchPlanStateActive, Now: e.tick()})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorContains(t, err, "p/d/nightly/v9")
		_, err = e.s.LaunchPlanSetState(e.ctx, store.LaunchPlanSetStateParams{ID: v1.ID, State: 5, Now: e.tick()})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
		_, err = e.s.LaunchPlanSetState(e.ctx, store.LaunchPlanSetStateParams{ID: v1.ID, State: store.LaunchPlanStateInactive})
		require.ErrorIs(t, err, store.ErrInvalidArgument, "now is required")
		require.Equal(t, []string{"v1"}, e.activeVersions(v1.ID.NamedEntityID()), "rejected changes leave v1 active")
		_, err = e.s.LaunchPlanGetActive(e.ctx, store.LaunchPlanGetActiveParams{ID: store.NamedEntityID{Project: "p", Domain: "d"}})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
	})

	t.Run("ConcurrentActivation", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		const versions, rounds = 6, 10
		var ids []store.EntityID
		for v := range versions {
			ids = append(ids, e.register(store.KindLaunchPlan, eid("p", "d", "race", string(rune('a'+v)))).ID)
		}
		now := e.tick()
		var wg sync.WaitGroup
		errs := make(chan error, versions*rounds)
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					_, err := e.s.LaunchPlanSetState(e.ctx, store.LaunchPlanSetStateParams{ID: id, State: store.LaunchPlanStateActive, Now: now})
					if err != nil {
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
		require.NoError(t, errors.Join(all...), "concurrent activations all succeed")
		active := e.activeVersions(ids[0].NamedEntityID())
		require.Len(t, active, 1, "exactly one version is active")
		got, err := e.s.LaunchPlanGetActive(e.ctx, store.LaunchPlanGetActiveParams{ID: ids[0].NamedEntityID()})
		require.NoError(t, err)
		require.Equal(t, active[0], got.ID.Version)
	})

	t.Run("ListActive", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		var want []*store.Entity
		for _, id := range []store.EntityID{
			eid("p", "d", "a", "v1"), eid("p", "d", "b", "v1"), eid("p", "staging", "a", "v1"), eid("q", "d", "c", "v1"),
		} {
			p := entityParams(store.KindLaunchPlan, id, "x", e.tick())
			if id.Name != "b" {
				p.Schedule = []byte("every hour")
			}
			_, _, err := e.s.EntityCreate(e.ctx, p)
			require.NoError(t, err)
			e.register(store.KindLaunchPlan, eid(id.Project, id.Domain, id.Name, "v2-inactive"))
			want = append(want, e.setState(id, store.LaunchPlanStateActive).LaunchPlan)
		}
		list := func(p store.LaunchPlanListActiveParams) []*store.Entity {
			return walk(t, func(token string) (*store.Page[*store.Entity], error) {
				q := p
				q.Limit, q.Token = 1, token
				return e.s.LaunchPlanListActive(e.ctx, q)
			})
		}
		requireDiff(t, want, list(store.LaunchPlanListActiveParams{}), "every active launch plan")
		requireDiff(t, want[:2], list(store.LaunchPlanListActiveParams{ListParams: store.ListParams{Project: "p", Domain: "d"}}))
		requireDiff(t, []*store.Entity{want[0], want[2], want[3]}, list(store.LaunchPlanListActiveParams{ScheduledOnly: true}))
		requireDiff(t, []*store.Entity{want[3], want[1], want[2], want[0]}, list(store.LaunchPlanListActiveParams{ListParams: store.ListParams{SortBy: "name", Desc: true}}))

		page, err := e.s.LaunchPlanListActive(e.ctx, store.LaunchPlanListActiveParams{ListParams: store.ListParams{Limit: 1}})
		require.NoError(t, err)
		_, err = e.s.LaunchPlanListActive(e.ctx, store.LaunchPlanListActiveParams{ListParams: store.ListParams{Limit: 1, Token: page.NextToken}, ScheduledOnly: true})
		var te *store.TokenError
		require.ErrorAs(t, err, &te, "a token of the unscheduled list does not continue the scheduled one")
	})
}
