package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func testSignals(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	e.create(xid("p", "d", "e1"))
	x := e.commit(e.claimAll("w")[0], "w", phaseRunning, nil)

	created := store.Timestamp(e.tick())
	sig, err := e.xs().SignalGetOrCreate(e.ctx, store.SignalGetOrCreateParams{ExecutionRowID: x.RowID, SignalID: "approve", Type: []byte("bool"), Now: e.now})
	require.NoError(t, err)
	want := &store.Signal{ExecutionRowID: x.RowID, SignalID: "approve", Type: []byte("bool"), CreatedAt: created}
	requireDiff(t, want, sig)
	again, err := e.xs().SignalGetOrCreate(e.ctx, store.SignalGetOrCreateParams{ExecutionRowID: x.RowID, SignalID: "approve", Type: []byte("other"), Now: e.tick()})
	require.NoError(t, err)
	requireDiff(t, want, again, "the first creation wins")
	_, err = e.xs().SignalGetOrCreate(e.ctx, store.SignalGetOrCreateParams{ExecutionRowID: x.RowID, SignalID: "a-first", Type: []byte("int"), Now: e.now})
	require.NoError(t, err)

	setAt := store.Timestamp(e.tick())
	set, err := e.xs().SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "approve", Value: []byte("true"), SetBy: "bob", Now: e.now})
	require.NoError(t, err)
	want.Value, want.SetBy, want.SetAt = []byte("true"), "bob", &setAt
	requireDiff(t, want, set)
	woken, err := e.xs().ExecutionGetByID(e.ctx, x.RowID)
	require.NoError(t, err)
	require.Equal(t, &setAt, woken.WakeAt, "setting a signal makes the execution due")
	require.Equal(t, x.Version+1, woken.Version)

	_, err = e.xs().SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "approve", Value: []byte("false"), Now: e.tick()})
	require.ErrorIs(t, err, store.ErrAlreadyExists)
	_, err = e.xs().SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "unknown", Value: []byte("1"), Now: e.now})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = e.xs().SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "approve", Now: e.now})
	require.ErrorIs(t, err, store.ErrInvalidArgument, "a value is required")
	_, err = e.xs().SignalGetOrCreate(e.ctx, store.SignalGetOrCreateParams{ExecutionRowID: 1 << 40, SignalID: "s", Now: e.now})
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err := e.xs().SignalList(e.ctx, store.SignalListParams{ExecutionRowID: x.RowID})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "a-first", list[0].SignalID)
	require.Nil(t, list[0].Value)
	requireDiff(t, want, list[1])

	e.commit(woken, "w", phaseSucceeded, nil)
	_, err = e.xs().SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "a-first", Value: []byte("1"), Now: e.tick()})
	require.ErrorIs(t, err, store.ErrTerminal)
	list, err = e.xs().SignalList(e.ctx, store.SignalListParams{ExecutionRowID: x.RowID})
	require.NoError(t, err)
	require.Nil(t, list[0].Value, "a refused set changes nothing")
}

// nextWakeup waits for one id on ch.
func nextWakeup(t testing.TB, ch <-chan int64) int64 {
	t.Helper()
	select {
	case id, ok := <-ch:
		require.True(t, ok, "wake-up channel closed early")
		return id
	case <-time.After(10 * time.Second):
		require.FailNow(t, "no wake-up within 10s")
		return 0
	}
}

// RequireWakeups checks that changes made through writer are announced on
// the wake-up channel of listener; they may be one store, or two stores on
// the same database (PostgreSQL replicas).
func RequireWakeups(t *testing.T, writer, listener store.Store) {
	ctx := t.Context()
	waker, ok := listener.(store.ExecutionWaker)
	require.True(t, ok, "%T does not implement store.ExecutionWaker", listener)
	subCtx, cancel := context.WithCancel(ctx)
	ch, err := waker.ExecutionWakeups(subCtx)
	require.NoError(t, err)
	e := &env{t: t, ctx: ctx, s: writer, now: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}

	x := e.create(xid("p", "d", "e1"))
	require.Equal(t, x.RowID, nextWakeup(t, ch), "create")
	x = e.commit(e.claimAll("w")[0], "w", phaseRunning, nil)
	_, err = e.xs().SignalGetOrCreate(e.ctx, store.SignalGetOrCreateParams{ExecutionRowID: x.RowID, SignalID: "s", Now: e.now})
	require.NoError(t, err)
	_, err = e.xs().SignalSet(e.ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "s", Value: []byte("v"), Now: e.tick()})
	require.NoError(t, err)
	require.Equal(t, x.RowID, nextWakeup(t, ch), "signal")
	x, err = e.xs().ExecutionGetByID(e.ctx, x.RowID)
	require.NoError(t, err)
	x = e.commit(x, "w", phaseRunning, ptr(e.now))
	require.Equal(t, x.RowID, nextWakeup(t, ch), "round due now")
	e.commit(x, "w", phaseRunning, ptr(e.now.Add(time.Hour))) // not due: no wake-up
	_, err = e.xs().ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{ID: x.ID, Now: e.tick()})
	require.NoError(t, err)
	require.Equal(t, x.RowID, nextWakeup(t, ch), "abort")
	y := e.create(xid("p", "d", "e2"))
	require.Equal(t, y.RowID, nextWakeup(t, ch), "the round with a future wake time announced nothing")

	cancel()
	for range ch { // drained and closed once the subscription ends
	}
}

func testWakeups(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	RequireWakeups(t, e.s, e.s)
}

func testExecutionMigration(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	x := e.create(xid("p", "d", "e1"))
	status, err := e.s.MigrateStatus(e.ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(status), 2)
	require.Equal(t, "executions", status[1].Name)

	require.NoError(t, e.s.MigrateDown(e.ctx, len(status)-1))
	_, err = e.xs().ExecutionGetByID(e.ctx, x.RowID)
	require.Error(t, err)
	require.NotErrorIs(t, err, store.ErrNotFound, "the table is gone")
	e.register(store.KindTask, eid("p", "d", "t", "v")) // migration 1 still works

	require.NoError(t, e.s.MigrateUp(e.ctx))
	_, err = e.xs().ExecutionGet(e.ctx, store.ExecutionGetParams{ID: x.ID})
	require.ErrorIs(t, err, store.ErrNotFound, "the tables are back, empty")
	again := e.create(xid("p", "d", "e1"))
	claimed := e.claimAll("w")
	requireDiff(t, []int64{again.RowID}, rowIDs(claimed))
	e.commit(claimed[0], "w", phaseRunning, nil)
}
