package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// Phases used by the suite (corev1.WorkflowExecution_Phase numbers).
const (
	phaseQueued    store.ExecutionPhase = 1
	phaseRunning   store.ExecutionPhase = 2
	phaseSucceeded store.ExecutionPhase = 4
	phaseFailed    store.ExecutionPhase = 6
)

// runExecutions runs the execution-store part of the suite.
func runExecutions(t *testing.T, open OpenFunc) {
	t.Run("ExecutionCreateGet", func(t *testing.T) { testExecutionCreateGet(t, open) })
	t.Run("ExecutionList", func(t *testing.T) { testExecutionList(t, open) })
	t.Run("ExecutionAbort", func(t *testing.T) { testExecutionAbort(t, open) })
	t.Run("ExecutionClaim", func(t *testing.T) { testExecutionClaim(t, open) })
	t.Run("ExecutionRoundCommit", func(t *testing.T) { testExecutionRoundCommit(t, open) })
	t.Run("NodeExecutions", func(t *testing.T) { testNodeExecutions(t, open) })
	t.Run("Signals", func(t *testing.T) { testSignals(t, open) })
	t.Run("Wakeups", func(t *testing.T) { testWakeups(t, open) })
	t.Run("ExecutionMigration", func(t *testing.T) { testExecutionMigration(t, open) })
}

// xs returns the execution store of the env's store.
func (e *env) xs() store.ExecutionStore {
	e.t.Helper()
	xs, ok := e.s.(store.ExecutionStore)
	require.True(e.t, ok, "%T does not implement store.ExecutionStore", e.s)
	return xs
}

func xid(project, domain, name string) store.ExecutionID {
	return store.ExecutionID{Project: project, Domain: domain, Name: name}
}

// execParams returns valid params to create id at now.
func execParams(id store.ExecutionID, now time.Time) store.ExecutionCreateParams {
	return store.ExecutionCreateParams{
		ID:         id,
		LaunchPlan: eid(id.Project, id.Domain, "lp-"+id.Name, "v1"),
		Workflow:   eid(id.Project, id.Domain, "wf-"+id.Name, "v1"),
		Principal:  "alice",
		Spec:       []byte("spec of " + id.Name),
		Closure:    []byte("closure of " + id.Name),
		InputsURI:  "file:///tmp/" + id.Name + "/inputs.pb",
		Now:        now,
	}
}

// create creates an execution at the current clock and fails on error.
func (e *env) create(id store.ExecutionID) *store.Execution {
	e.t.Helper()
	x, err := e.xs().ExecutionCreate(e.ctx, execParams(id, e.now))
	require.NoError(e.t, err)
	return x
}

// claimAll claims every due execution for owner with a minute's lease.
func (e *env) claimAll(owner string) []*store.Execution {
	e.t.Helper()
	got, err := e.xs().ExecutionClaim(e.ctx, store.ExecutionClaimParams{Owner: owner, LeaseFor: time.Minute, Limit: 1000, Now: e.now})
	require.NoError(e.t, err)
	return got
}

// commit commits a round that only sets the phase and wake time.
func (e *env) commit(x *store.Execution, owner string, phase store.ExecutionPhase, wakeAt *time.Time) *store.Execution {
	e.t.Helper()
	got, err := e.xs().ExecutionRoundCommit(e.ctx, store.ExecutionRoundCommitParams{
		RowID: x.RowID, Owner: owner, ExpectedVersion: x.Version, Phase: phase, WakeAt: wakeAt, Now: e.now,
	})
	require.NoError(e.t, err)
	return got
}

func ptr[T any](v T) *T { return &v }

func rowIDs(xs []*store.Execution) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = x.RowID
	}
	return out
}

func execNames(xs []*store.Execution) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.ID.Name
	}
	return out
}

func testExecutionCreateGet(t *testing.T, open OpenFunc) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		p := execParams(xid("p", "d", "e1"), e.now)
		p.Mode = 4
		p.ParentNodeExecution = "7/n0"
		p.ReferenceExecution = ptr(xid("p", "d", "e0"))
		got, err := e.xs().ExecutionCreate(e.ctx, p)
		require.NoError(t, err)
		now := store.Timestamp(e.now)
		want := &store.Execution{
			RowID: got.RowID, ID: p.ID, LaunchPlan: p.LaunchPlan, Workflow: p.Workflow, Mode: 4,
			Principal: "alice", ParentNodeExecution: "7/n0", ReferenceExecution: ptr(xid("p", "d", "e0")),
			Phase: phaseQueued, State: store.ExecutionStateActive, Spec: p.Spec, Closure: p.Closure,
			InputsURI: p.InputsURI, EngineState: []byte{}, WakeAt: &now, CreatedAt: now, UpdatedAt: now,
		}
		require.Positive(t, got.RowID)
		requireDiff(t, want, got)
		byName, err := e.xs().ExecutionGet(e.ctx, store.ExecutionGetParams{ID: p.ID})
		require.NoError(t, err)
		requireDiff(t, want, byName)
		byID, err := e.xs().ExecutionGetByID(e.ctx, got.RowID)
		require.NoError(t, err)
		requireDiff(t, want, byID)
	})
	t.Run("Errors", func(t *testing.T) {
		t.Parallel()
		e := setup(t, open)
		first := e.create(xid("p", "d", "e1"))
		dup := execParams(xid("p", "d", "e1"), e.tick())
		dup.Spec = []byte("other")
		_, err := e.xs().ExecutionCreate(e.ctx, dup)
		require.ErrorIs(t, err, store.ErrAlreadyExists)
		got, err := e.xs().ExecutionGetByID(e.ctx, first.RowID)
		require.NoError(t, err)
		requireDiff(t, first, got, "a refused create changes nothing")
		e.create(xid("p", "d2", "e1")) // the same name in another domain is another execution

		for name, mutate := range map[string]func(p *store.ExecutionCreateParams){
			"id.project":          func(p *store.ExecutionCreateParams) { p.ID.Project = "" },
			"id.name":             func(p *store.ExecutionCreateParams) { p.ID.Name = "" },
			"launch_plan.version": func(p *store.ExecutionCreateParams) { p.LaunchPlan.Version = "" },
			"workflow.name":       func(p *store.ExecutionCreateParams) { p.Workflow.Name = "" },
			"mode":                func(p *store.ExecutionCreateParams) { p.Mode = 99 },
			"principal":           func(p *store.ExecutionCreateParams) { p.Principal = "a\x00b" },
			"now":                 func(p *store.ExecutionCreateParams) { p.Now = time.Time{} },
		} {
			p := execParams(xid("p", "d", "bad"), e.now)
			mutate(&p)
			_, err := e.xs().ExecutionCreate(e.ctx, p)
			require.ErrorIs(t, err, store.ErrInvalidArgument, name)
			require.ErrorContains(t, err, name)
		}
		_, err = e.xs().ExecutionGet(e.ctx, store.ExecutionGetParams{ID: xid("p", "d", "bad")})
		require.ErrorIs(t, err, store.ErrNotFound, "rejected creates store nothing")
		_, err = e.xs().ExecutionGetByID(e.ctx, 1<<40)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = e.xs().ExecutionGet(e.ctx, store.ExecutionGetParams{ID: xid("p", "", "x")})
		require.ErrorIs(t, err, store.ErrInvalidArgument)
	})
}

func testExecutionList(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	// e0..e5, one second apart; odd ones share a workflow, e2 is scheduled.
	var all []*store.Execution
	for i := range 6 {
		p := execParams(xid("p", "d", fmt.Sprintf("e%d", i)), e.tick())
		if i%2 == 1 {
			p.Workflow.Name = "shared"
		}
		if i == 2 {
			p.Mode = 1
		}
		x, err := e.xs().ExecutionCreate(e.ctx, p)
		require.NoError(t, err)
		all = append(all, x)
	}
	e.create(xid("p", "other", "e9"))
	claimed := e.claimAll("w")
	require.Len(t, claimed, 7)
	e.tick()
	byName := map[string]*store.Execution{}
	for _, x := range claimed {
		byName[x.ID.Name] = x
	}
	e.commit(byName["e1"], "w", phaseSucceeded, nil)
	e.commit(byName["e3"], "w", phaseFailed, nil)
	_, err := e.xs().ExecutionSetState(e.ctx, store.ExecutionSetStateParams{ID: xid("p", "d", "e5"), State: store.ExecutionStateArchived, Now: e.tick()})
	require.NoError(t, err)

	list := func(lp store.ListParams) []string {
		t.Helper()
		lp.Project, lp.Domain = "p", "d"
		var names []string
		for {
			page, err := e.xs().ExecutionList(e.ctx, lp)
			require.NoError(t, err)
			names = append(names, execNames(page.Items)...)
			if page.NextToken == "" {
				return names
			}
			lp.Token = page.NextToken
		}
	}
	for _, tt := range []struct {
		name string
		lp   store.ListParams
		want []string
	}{
		{"default newest first, archived hidden", store.ListParams{}, []string{"e4", "e3", "e2", "e1", "e0"}},
		{"paged", store.ListParams{Limit: 2}, []string{"e4", "e3", "e2", "e1", "e0"}},
		{"created ascending", store.ListParams{SortBy: "created_at", Limit: 3}, []string{"e0", "e1", "e2", "e3", "e4"}},
		{"updated descending", store.ListParams{SortBy: "updated_at", Desc: true, Limit: 1}, []string{"e3", "e1", "e4", "e2", "e0"}},
		{"name", store.ListParams{SortBy: "name", Limit: 4}, []string{"e0", "e1", "e2", "e3", "e4"}},
		{"phase by name", store.ListParams{Filters: "eq(phase,SUCCEEDED)"}, []string{"e1"}},
		{"phase by number", store.ListParams{Filters: "value_in(phase,4;6)"}, []string{"e3", "e1"}},
		{"workflow", store.ListParams{Filters: "eq(workflow.name,shared)"}, []string{"e3", "e1"}},
		{"launch plan", store.ListParams{Filters: "eq(launch_plan.name,lp-e2)"}, []string{"e2"}},
		{"mode", store.ListParams{Filters: "eq(mode,SCHEDULED)"}, []string{"e2"}},
		{"archived only", store.ListParams{Filters: "eq(state,ARCHIVED)"}, []string{"e5"}},
		{"all states", store.ListParams{Filters: "value_in(state,ACTIVE;ARCHIVED)", Limit: 2}, []string{"e5", "e4", "e3", "e2", "e1", "e0"}},
		{"created after", store.ListParams{Filters: "gte(created_at," + all[3].CreatedAt.Format(time.RFC3339Nano) + ")"}, []string{"e4", "e3"}},
		{"updated after", store.ListParams{Filters: "gt(updated_at," + all[5].CreatedAt.Format(time.RFC3339Nano) + ")+ne(state,ACTIVE)"}, []string{"e5"}},
	} {
		requireDiff(t, tt.want, list(tt.lp), tt.name)
	}
	for _, bad := range []store.ListParams{
		{Project: "p", Domain: "d", Filters: "eq(bogus,1)"},
		{Project: "p", Domain: "d", Filters: "eq(phase,NOT_A_PHASE)"},
		{Project: "p", Domain: "d", SortBy: "phase"},
		{Project: "p"},
		{Project: "p", Domain: "d", Name: "e1"},
		{Project: "p", Domain: "d", Token: "garbage"},
	} {
		_, err := e.xs().ExecutionList(e.ctx, bad)
		require.ErrorIs(t, err, store.ErrInvalidArgument, "%+v", bad)
	}
}

func testExecutionAbort(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	x := e.create(xid("p", "d", "e1"))
	claimed := e.claimAll("w")
	require.Len(t, claimed, 1)
	running := e.commit(claimed[0], "w", phaseRunning, nil)
	require.Nil(t, running.WakeAt)

	now := store.Timestamp(e.tick())
	got, err := e.xs().ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{ID: x.ID, Cause: "stop", Principal: "bob", Now: e.now})
	require.NoError(t, err)
	require.True(t, got.AbortRequested)
	require.Equal(t, "stop", got.AbortCause)
	require.Equal(t, "bob", got.AbortPrincipal)
	require.Equal(t, &now, got.WakeAt, "an abort request makes the execution due")
	require.Equal(t, running.Version+1, got.Version, "a request invalidates a round in flight")

	_, err = e.xs().ExecutionRoundCommit(e.ctx, store.ExecutionRoundCommitParams{
		RowID: x.RowID, Owner: "w", ExpectedVersion: running.Version, Phase: phaseRunning, Now: e.now,
	})
	require.ErrorIs(t, err, store.ErrConflict, "a round evaluated before the abort cannot hide it")

	again, err := e.xs().ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{ID: x.ID, Cause: "second", Principal: "carol", Now: e.tick()})
	require.NoError(t, err)
	require.Equal(t, "stop", again.AbortCause, "the first cause is kept")
	require.Equal(t, "bob", again.AbortPrincipal)

	e.commit(again, "w", 7, nil)
	_, err = e.xs().ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{ID: x.ID, Cause: "late", Now: e.tick()})
	require.ErrorIs(t, err, store.ErrTerminal)
	_, err = e.xs().ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{ID: xid("p", "d", "nope"), Now: e.now})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = e.xs().ExecutionRequestAbort(e.ctx, store.ExecutionRequestAbortParams{ID: x.ID})
	require.ErrorIs(t, err, store.ErrInvalidArgument)

	_, err = e.xs().ExecutionSetState(e.ctx, store.ExecutionSetStateParams{ID: xid("p", "d", "nope"), Now: e.now})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = e.xs().ExecutionSetState(e.ctx, store.ExecutionSetStateParams{ID: x.ID, State: 7, Now: e.now})
	require.ErrorIs(t, err, store.ErrInvalidArgument)
}
