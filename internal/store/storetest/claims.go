package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func testExecutionClaim(t *testing.T, open OpenFunc) {
	t.Run("Leases", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		var ids []int64
		for i := range 3 {
			ids = append(ids, e.create(xid("p", "d", fmt.Sprintf("e%d", i))).RowID)
			e.tick()
		}
		claim := func(owner string, limit int) []*store.Execution {
			t.Helper()
			got, err := e.xs().ExecutionClaim(e.ctx, store.ExecutionClaimParams{Owner: owner, LeaseFor: time.Minute, Limit: limit, Now: e.now})
			require.NoError(t, err)
			return got
		}
		a := claim("a", 2)
		requireDiff(t, ids[:2], rowIDs(a), "the longest due come first")
		for _, x := range a {
			require.Equal(t, "a", x.LeaseOwner)
			require.Equal(t, store.Timestamp(e.now.Add(time.Minute)), x.LeaseExpiresAt)
		}
		requireDiff(t, ids[2:], rowIDs(claim("b", 10)), "b gets only the free one")
		requireDiff(t, ids[:2], rowIDs(claim("a", 10)), "a owner re-claims its own due executions")

		held, err := e.xs().ExecutionLeaseRenew(e.ctx, store.ExecutionLeaseParams{Owner: "a", IDs: ids, LeaseFor: time.Minute, Now: e.tick()})
		require.NoError(t, err)
		requireDiff(t, ids[:2], held, "renew returns only the ids a holds")

		e.now = e.now.Add(2 * time.Minute) // every lease expires
		requireDiff(t, ids, rowIDs(claim("b", 10)), "expired leases are taken over")
		held, err = e.xs().ExecutionLeaseRenew(e.ctx, store.ExecutionLeaseParams{Owner: "a", IDs: ids, LeaseFor: time.Minute, Now: e.now})
		require.NoError(t, err)
		require.Empty(t, held, "a lost its leases")

		require.NoError(t, e.xs().ExecutionLeaseRelease(e.ctx, store.ExecutionLeaseParams{Owner: "a", IDs: ids, Now: e.now}))
		require.Empty(t, claim("a", 10), "releasing leases one does not hold changes nothing")
		require.NoError(t, e.xs().ExecutionLeaseRelease(e.ctx, store.ExecutionLeaseParams{Owner: "b", IDs: ids[:1], Now: e.now}))
		got := claim("a", 10)
		requireDiff(t, ids[:1], rowIDs(got), "a released execution is free at once")

		// Not due (no wake time) and finished executions are never claimed.
		x := e.commit(got[0], "a", phaseRunning, nil)
		e.now = e.now.Add(time.Hour)
		requireDiff(t, ids[1:], rowIDs(claim("c", 10)))
		claimedX := claim("a", 10)
		require.Empty(t, claimedX, "an execution without a wake time is not due")
		held, err = e.xs().ExecutionLeaseRenew(e.ctx, store.ExecutionLeaseParams{Owner: "a", IDs: ids[:1], LeaseFor: time.Minute, Now: e.now})
		require.NoError(t, err)
		requireDiff(t, ids[:1], held, "an expired lease nobody took is still held")
		e.commit(x, "a", phaseSucceeded, ptr(e.now))
		require.Empty(t, claim("a", 10), "a finished execution is not due")

		for _, bad := range []store.ExecutionClaimParams{
			{LeaseFor: time.Minute, Limit: 1, Now: e.now},
			{Owner: "a", Limit: 1, Now: e.now},
			{Owner: "a", LeaseFor: time.Minute, Now: e.now},
			{Owner: "a", LeaseFor: time.Minute, Limit: 1},
		} {
			_, err := e.xs().ExecutionClaim(e.ctx, bad)
			require.ErrorIs(t, err, store.ErrInvalidArgument, "%+v", bad)
		}
		_, err = e.xs().ExecutionLeaseRenew(e.ctx, store.ExecutionLeaseParams{Owner: "a", IDs: ids, Now: e.now})
		require.ErrorIs(t, err, store.ErrInvalidArgument, "renew needs a lease duration")
	})
	t.Run("ReleaseMakesDue", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		id := e.create(xid("p", "d", "held")).RowID
		got, err := e.xs().ExecutionClaim(e.ctx, store.ExecutionClaimParams{Owner: "a", LeaseFor: time.Minute, Limit: 1, Now: e.now})
		require.NoError(t, err)
		require.Len(t, got, 1)
		// Running and waiting only on its tasks: not due by time.
		e.commit(got[0], "a", phaseRunning, nil)
		e.tick()
		require.NoError(t, e.xs().ExecutionLeaseRelease(e.ctx, store.ExecutionLeaseParams{Owner: "a", IDs: []int64{id}, Now: e.now}))
		got, err = e.xs().ExecutionClaim(e.ctx, store.ExecutionClaimParams{Owner: "b", LeaseFor: time.Minute, Limit: 1, Now: e.now})
		require.NoError(t, err)
		requireDiff(t, []int64{id}, rowIDs(got), "a released unfinished execution is due at once for another owner")
	})
	t.Run("Exclusive", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		const n = 60
		for i := range n {
			e.create(xid("p", "d", fmt.Sprintf("e%02d", i)))
		}
		// Four owners claim at once; together they can take every execution.
		results := make([][]*store.Execution, 4)
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for w := range results {
			wg.Go(func() {
				results[w], errs[w] = e.xs().ExecutionClaim(e.ctx, store.ExecutionClaimParams{
					Owner: fmt.Sprintf("owner-%d", w), LeaseFor: time.Minute, Limit: n / 2, Now: e.now})
			})
		}
		wg.Wait()
		got := map[int64]int{}
		for w, xs := range results {
			require.NoError(t, errs[w])
			for _, x := range xs {
				prev, dup := got[x.RowID]
				require.False(t, dup, "execution %d claimed by owner-%d and owner-%d", x.RowID, prev, w)
				got[x.RowID] = w
			}
		}
		require.Len(t, got, n, "every execution is claimed once")
	})
}

func testExecutionRoundCommit(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	e.create(xid("p", "d", "e1"))
	x := e.claimAll("w")[0]
	start := store.Timestamp(e.tick())
	wake := store.Timestamp(e.now.Add(time.Hour))
	node := &store.NodeExecution{ExecutionRowID: x.RowID, NodeID: "n0", SpecNodeID: "n0", Phase: 2, Attempts: 1,
		Closure: []byte("nc"), EngineState: []byte("ns"), InputURI: "in", StartedAt: &start}
	task := &store.TaskExecution{ExecutionRowID: x.RowID, NodeID: "n0", Task: eid("p", "d", "t", "v"), Phase: 2,
		Closure: []byte("tc"), PluginState: []byte("pid 1"), StartedAt: &start}
	events := []*store.Event{
		{ExecutionRowID: x.RowID, Kind: store.EventKindExecution, Phase: 2, Body: []byte("ev1")},
		{ExecutionRowID: x.RowID, Kind: store.EventKindNode, NodeID: "n0", Phase: 2, OccurredAt: e.now.Add(-time.Millisecond), Body: []byte("ev2")},
	}
	round := store.ExecutionRoundCommitParams{
		RowID: x.RowID, Owner: "w", ExpectedVersion: x.Version, Phase: phaseRunning,
		Closure: []byte("running"), EngineState: []byte("es1"), WakeAt: &wake, StartedAt: &start,
		Nodes: []*store.NodeExecution{node}, Tasks: []*store.TaskExecution{task}, Events: events, Now: e.now,
	}

	// Refused rounds change nothing.
	for name, mutate := range map[string]func(p *store.ExecutionRoundCommitParams){
		"stale version": func(p *store.ExecutionRoundCommitParams) { p.ExpectedVersion++ },
		"wrong owner":   func(p *store.ExecutionRoundCommitParams) { p.Owner = "intruder" },
		"expired lease": func(p *store.ExecutionRoundCommitParams) { p.Now = p.Now.Add(time.Hour) },
	} {
		p := round
		mutate(&p)
		_, err := e.xs().ExecutionRoundCommit(e.ctx, p)
		require.ErrorIs(t, err, store.ErrConflict, name)
	}
	bad := round
	bad.Nodes = []*store.NodeExecution{{ExecutionRowID: x.RowID + 1, NodeID: "n0"}}
	_, err := e.xs().ExecutionRoundCommit(e.ctx, bad)
	require.ErrorIs(t, err, store.ErrInvalidArgument)
	require.ErrorContains(t, err, "nodes[0].execution_row_id")
	unchanged, err := e.xs().ExecutionGetByID(e.ctx, x.RowID)
	require.NoError(t, err)
	requireDiff(t, x, unchanged)
	page, err := e.xs().NodeExecutionList(e.ctx, store.NodeExecutionListParams{ExecutionRowID: x.RowID})
	require.NoError(t, err)
	require.Empty(t, page.Items)
	evs, err := e.xs().EventList(e.ctx, store.EventListParams{ExecutionRowID: x.RowID})
	require.NoError(t, err)
	require.Empty(t, evs)

	got, err := e.xs().ExecutionRoundCommit(e.ctx, round)
	require.NoError(t, err)
	want := *x
	want.Version, want.Phase, want.Closure, want.EngineState = x.Version+1, phaseRunning, []byte("running"), []byte("es1")
	want.WakeAt, want.StartedAt, want.UpdatedAt = &wake, &start, start
	requireDiff(t, &want, got)
	stored, err := e.xs().ExecutionGetByID(e.ctx, x.RowID)
	require.NoError(t, err)
	requireDiff(t, &want, stored)

	gotNode, err := e.xs().NodeExecutionGet(e.ctx, store.NodeExecutionGetParams{ExecutionRowID: x.RowID, NodeID: "n0"})
	require.NoError(t, err)
	wantNode := *node
	wantNode.CreatedAt, wantNode.UpdatedAt = start, start
	requireDiff(t, &wantNode, gotNode)
	gotTask, err := e.xs().TaskExecutionGet(e.ctx, store.TaskExecutionGetParams{ExecutionRowID: x.RowID, NodeID: "n0"})
	require.NoError(t, err)
	wantTask := *task
	wantTask.CreatedAt, wantTask.UpdatedAt = start, start
	requireDiff(t, &wantTask, gotTask)

	// A second round updates rows in place, keeps what it does not set and
	// continues the event sequence.
	end := store.Timestamp(e.tick())
	node2 := wantNode
	node2.Phase, node2.OutputURI, node2.EndedAt, node2.CreatedAt = 3, "out", &end, time.Time{}
	retry := &store.TaskExecution{ExecutionRowID: x.RowID, NodeID: "n0", RetryAttempt: 1, Task: task.Task, Phase: 3, PhaseVersion: 2}
	round2 := store.ExecutionRoundCommitParams{
		RowID: x.RowID, Owner: "w", ExpectedVersion: got.Version, Phase: phaseSucceeded, WakeAt: nil,
		StartedAt: &start, EndedAt: &end, Nodes: []*store.NodeExecution{&node2}, Tasks: []*store.TaskExecution{retry},
		Events: []*store.Event{{ExecutionRowID: x.RowID, Kind: store.EventKindTask, NodeID: "n0", RetryAttempt: 1, Phase: 3}},
		Now:    e.now,
	}
	got2, err := e.xs().ExecutionRoundCommit(e.ctx, round2)
	require.NoError(t, err)
	require.Equal(t, got.Version+1, got2.Version)
	require.Equal(t, []byte("running"), got2.Closure, "a nil closure keeps the stored one")
	require.Equal(t, []byte("es1"), got2.EngineState)
	require.Nil(t, got2.WakeAt)
	require.Equal(t, &end, got2.EndedAt)
	_, err = e.xs().ExecutionRoundCommit(e.ctx, round2)
	require.ErrorIs(t, err, store.ErrConflict, "a round applies once")

	gotNode, err = e.xs().NodeExecutionGet(e.ctx, store.NodeExecutionGetParams{ExecutionRowID: x.RowID, NodeID: "n0"})
	require.NoError(t, err)
	node2.CreatedAt, node2.UpdatedAt = start, end
	requireDiff(t, &node2, gotNode, "an upsert keeps the creation time")
	tasks, err := e.xs().TaskExecutionList(e.ctx, store.TaskExecutionListParams{ExecutionRowID: x.RowID, NodeID: "n0"})
	require.NoError(t, err)
	require.Len(t, tasks, 2)
	requireDiff(t, &wantTask, tasks[0])
	require.Equal(t, int32(1), tasks[1].RetryAttempt)
	require.Equal(t, int32(2), tasks[1].PhaseVersion)

	evs, err = e.xs().EventList(e.ctx, store.EventListParams{ExecutionRowID: x.RowID})
	require.NoError(t, err)
	wantEvents := []*store.Event{
		{Seq: 1, ExecutionRowID: x.RowID, Kind: store.EventKindExecution, Phase: 2, OccurredAt: start, Body: []byte("ev1")},
		{Seq: 2, ExecutionRowID: x.RowID, Kind: store.EventKindNode, NodeID: "n0", Phase: 2, OccurredAt: store.Timestamp(start.Add(-time.Millisecond)), Body: []byte("ev2")},
		{Seq: 3, ExecutionRowID: x.RowID, Kind: store.EventKindTask, NodeID: "n0", RetryAttempt: 1, Phase: 3, OccurredAt: end, Body: []byte{}},
	}
	requireDiff(t, wantEvents, evs)
	evs, err = e.xs().EventList(e.ctx, store.EventListParams{ExecutionRowID: x.RowID, AfterSeq: 1, Limit: 1})
	require.NoError(t, err)
	requireDiff(t, wantEvents[1:2], evs)

	_, err = e.xs().TaskExecutionGet(e.ctx, store.TaskExecutionGetParams{ExecutionRowID: x.RowID, NodeID: "n0", RetryAttempt: 5})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = e.xs().EventList(e.ctx, store.EventListParams{ExecutionRowID: x.RowID, Limit: -1})
	require.ErrorIs(t, err, store.ErrInvalidArgument)
}

func testNodeExecutions(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	e.create(xid("p", "d", "e1"))
	x := e.claimAll("w")[0]
	var nodes []*store.NodeExecution
	for _, n := range []struct{ id, parent string }{
		{"n0", ""}, {"n1", ""}, {"n1-0-a", "n1"}, {"n1-0-b", "n1"}, {"n2", ""},
	} {
		nodes = append(nodes, &store.NodeExecution{ExecutionRowID: x.RowID, NodeID: n.id, ParentNodeID: n.parent, Phase: 1})
	}
	slices.Reverse(nodes) // insertion order does not matter
	_, err := e.xs().ExecutionRoundCommit(e.ctx, store.ExecutionRoundCommitParams{
		RowID: x.RowID, Owner: "w", ExpectedVersion: x.Version, Phase: phaseRunning, Nodes: nodes, Now: e.now,
	})
	require.NoError(t, err)
	list := func(p store.NodeExecutionListParams) []string {
		t.Helper()
		p.ExecutionRowID = x.RowID
		var ids []string
		for {
			page, err := e.xs().NodeExecutionList(e.ctx, p)
			require.NoError(t, err)
			for _, n := range page.Items {
				ids = append(ids, n.NodeID)
			}
			if page.NextToken == "" {
				return ids
			}
			p.Token = page.NextToken
		}
	}
	requireDiff(t, []string{"n0", "n1", "n1-0-a", "n1-0-b", "n2"}, list(store.NodeExecutionListParams{}))
	requireDiff(t, []string{"n0", "n1", "n1-0-a", "n1-0-b", "n2"}, list(store.NodeExecutionListParams{Limit: 2}))
	requireDiff(t, []string{"n1-0-a", "n1-0-b"}, list(store.NodeExecutionListParams{ParentNodeID: "n1", Limit: 1}))
	requireDiff(t, []string{"n0", "n1", "n2"}, list(store.NodeExecutionListParams{TopLevel: true}))
	for _, bad := range []store.NodeExecutionListParams{
		{ExecutionRowID: x.RowID, Token: "bad token"},
		{ExecutionRowID: x.RowID, Limit: -1},
		{ExecutionRowID: x.RowID, TopLevel: true, ParentNodeID: "n1"},
		{},
	} {
		_, err := e.xs().NodeExecutionList(e.ctx, bad)
		require.ErrorIs(t, err, store.ErrInvalidArgument, "%+v", bad)
	}
	_, err = e.xs().NodeExecutionGet(e.ctx, store.NodeExecutionGetParams{ExecutionRowID: x.RowID, NodeID: "nope"})
	require.ErrorIs(t, err, store.ErrNotFound)
}
