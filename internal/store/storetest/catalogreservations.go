package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// reserve calls ReservationGetOrExtend for owner at now and fails on error.
func (e *env) reserve(ds store.DatasetKey, tag, owner string, heartbeat time.Duration, now time.Time) *store.Reservation {
	e.t.Helper()
	r, err := e.cs().ReservationGetOrExtend(e.ctx, store.ReservationGetOrExtendParams{
		Dataset: ds, TagName: tag, OwnerID: owner, HeartbeatInterval: heartbeat, Now: now,
	})
	require.NoError(e.t, err)
	return r
}

func testReservations(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	// Reservations do not need the dataset to exist: the first run of a
	// task reserves its tag before it creates the dataset.
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	t0 := e.now
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	held := func(owner string, heartbeat time.Duration, expires time.Time) *store.Reservation {
		return &store.Reservation{Dataset: ds, TagName: "k", OwnerID: owner, HeartbeatInterval: heartbeat, ExpiresAt: store.Timestamp(expires)}
	}

	w1 := held("w1", 10*time.Second, at(30*time.Second))
	requireDiff(t, w1, e.reserve(ds, "k", "w1", 10*time.Second, t0), "acquired: expires after 3 heartbeats")
	requireDiff(t, w1, e.reserve(ds, "k", "w2", 5*time.Second, at(5*time.Second)), "another owner sees the holder, unchanged")
	w1 = held("w1", 20*time.Second, at(70*time.Second))
	requireDiff(t, w1, e.reserve(ds, "k", "w1", 20*time.Second, at(10*time.Second)), "the holder extends it")
	requireDiff(t, w1, e.reserve(ds, "k", "w2", 5*time.Second, at(70*time.Second-time.Microsecond)), "not expired yet")
	w2 := held("w2", 5*time.Second, at(85*time.Second))
	requireDiff(t, w2, e.reserve(ds, "k", "w2", 5*time.Second, at(70*time.Second)), "expired at ExpiresAt: taken over")
	requireDiff(t, w2, e.reserve(ds, "k", "w1", 10*time.Second, at(71*time.Second)), "the old holder lost it")

	// Other tags and datasets are independent.
	requireDiff(t, &store.Reservation{Dataset: ds, TagName: "k2", OwnerID: "w1", HeartbeatInterval: time.Second, ExpiresAt: store.Timestamp(at(3 * time.Second))},
		e.reserve(ds, "k2", "w1", time.Second, t0))
	other := dkey("p", "d", "flyte_task-t", "2-sig")
	requireDiff(t, &store.Reservation{Dataset: other, TagName: "k", OwnerID: "w3", HeartbeatInterval: time.Second, ExpiresAt: store.Timestamp(at(3 * time.Second))},
		e.reserve(other, "k", "w3", time.Second, t0))

	// Release: another owner's is a conflict and stays; the holder's goes.
	err := cs.ReservationRelease(e.ctx, store.ReservationReleaseParams{Dataset: ds, TagName: "k", OwnerID: "w1"})
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorContains(t, err, "held by w2")
	requireDiff(t, w2, e.reserve(ds, "k", "w3", time.Second, at(72*time.Second)))
	require.NoError(t, cs.ReservationRelease(e.ctx, store.ReservationReleaseParams{Dataset: ds, TagName: "k", OwnerID: "w2"}))
	require.NoError(t, cs.ReservationRelease(e.ctx, store.ReservationReleaseParams{Dataset: ds, TagName: "k", OwnerID: "w2"}),
		"releasing a reservation that does not exist succeeds")
	require.NoError(t, cs.ReservationRelease(e.ctx, store.ReservationReleaseParams{Dataset: ds, TagName: "never", OwnerID: "w9"}))
	requireDiff(t, &store.Reservation{Dataset: ds, TagName: "k", OwnerID: "w3", HeartbeatInterval: time.Second, ExpiresAt: store.Timestamp(at(75 * time.Second))},
		e.reserve(ds, "k", "w3", time.Second, at(72*time.Second)), "free again after release")
	requireDiff(t, &store.Reservation{Dataset: ds, TagName: "k2", OwnerID: "w1", HeartbeatInterval: time.Second, ExpiresAt: store.Timestamp(at(3 * time.Second))},
		e.reserve(ds, "k2", "w4", time.Second, at(2*time.Second)), "releases touch one tag")

	valid := func() store.ReservationGetOrExtendParams {
		return store.ReservationGetOrExtendParams{Dataset: ds, TagName: "k", OwnerID: "w5", HeartbeatInterval: time.Second, Now: t0}
	}
	for _, tt := range []struct {
		param  string
		mutate func(p *store.ReservationGetOrExtendParams)
	}{
		{"dataset.version", func(p *store.ReservationGetOrExtendParams) { p.Dataset.Version = "" }},
		{"tag_name", func(p *store.ReservationGetOrExtendParams) { p.TagName = "" }},
		{"owner_id", func(p *store.ReservationGetOrExtendParams) { p.OwnerID = "" }},
		{"heartbeat_interval", func(p *store.ReservationGetOrExtendParams) { p.HeartbeatInterval = 0 }},
		{"heartbeat_interval", func(p *store.ReservationGetOrExtendParams) { p.HeartbeatInterval = -time.Second }},
		{"heartbeat_interval", func(p *store.ReservationGetOrExtendParams) { p.HeartbeatInterval = store.MaxReservationHeartbeat + 1 }},
		{"now", func(p *store.ReservationGetOrExtendParams) { p.Now = time.Time{} }},
	} {
		p := valid()
		tt.mutate(&p)
		_, err := cs.ReservationGetOrExtend(e.ctx, p)
		require.ErrorIs(t, err, store.ErrInvalidArgument, tt.param)
		require.ErrorContains(t, err, tt.param)
	}
	for _, tt := range []struct {
		param string
		p     store.ReservationReleaseParams
	}{
		{"owner_id", store.ReservationReleaseParams{Dataset: ds, TagName: "k"}},
		{"tag_name", store.ReservationReleaseParams{Dataset: ds, OwnerID: "w3"}},
		{"dataset.project", store.ReservationReleaseParams{TagName: "k", OwnerID: "w3"}},
	} {
		err := cs.ReservationRelease(e.ctx, tt.p)
		require.ErrorIs(t, err, store.ErrInvalidArgument, tt.param)
		require.ErrorContains(t, err, tt.param)
	}
	requireDiff(t, "w3", e.reserve(ds, "k", "w6", time.Second, at(73*time.Second)).OwnerID, "refused calls change nothing")
}

// race runs fn(i) for i in [0, n) at once and returns their results.
func race[R any](t *testing.T, n int, fn func(i int) (R, error)) ([]R, []error) {
	t.Helper()
	results, errs := make([]R, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return results, errs
}

func testReservationRace(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	const n = 20
	for round, now := range []time.Time{e.now, e.now.Add(time.Minute)} {
		// Round 0 acquires a free tag; round 1 takes over the reservation
		// of round 0, expired by then (3 × 1s heartbeats).
		got, errs := race(t, n, func(i int) (*store.Reservation, error) {
			return cs.ReservationGetOrExtend(e.ctx, store.ReservationGetOrExtendParams{
				Dataset: ds, TagName: "k", OwnerID: fmt.Sprintf("r%d-w%d", round, i), HeartbeatInterval: time.Second, Now: now,
			})
		})
		winners := map[string]bool{}
		for i := range n {
			require.NoError(t, errs[i])
			if got[i].OwnerID == fmt.Sprintf("r%d-w%d", round, i) {
				winners[got[i].OwnerID] = true
			}
		}
		require.Len(t, winners, 1, "round %d: exactly one acquirer wins", round)
		for i := range n {
			require.True(t, winners[got[i].OwnerID], "round %d: everyone sees the winner", round)
			require.Equal(t, store.Timestamp(now.Add(3*time.Second)), got[i].ExpiresAt)
		}
	}
}

func testArtifactTagRace(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	e.dataset(ds)
	const n = 10
	_, errs := race(t, n, func(i int) (*store.Artifact, error) {
		return cs.ArtifactCreate(e.ctx, artifactParams(ds, fmt.Sprintf("a%d", i), e.now, []string{"shared", fmt.Sprintf("own-%d", i)},
			store.Partition{Key: "k", Value: "v"}))
	})
	var created []string
	for i, err := range errs {
		if err == nil {
			created = append(created, fmt.Sprintf("a%d", i))
			continue
		}
		require.ErrorIs(t, err, store.ErrAlreadyExists)
	}
	require.Len(t, created, 1, "exactly one artifact gets the tag")
	page, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: ds})
	require.NoError(t, err)
	requireDiff(t, created, artifactIDs(page.Items), "the losers stored nothing")
	got, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, TagName: "shared"})
	require.NoError(t, err)
	require.Equal(t, created[0], got.ID)
}
