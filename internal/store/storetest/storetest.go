// Package storetest is the conformance suite that every store.Store driver
// passes. A driver's tests call Run with a function that opens a fresh, empty
// database; the suite migrates it, exercises every method and checks the
// behaviour both drivers promise: idempotent registration, one active launch
// plan per name, filters, sorts, keyset pagination, error kinds and
// reversible migrations. It also holds the benchmarks shared by the drivers.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// OpenFunc opens a fresh, empty and unmigrated store for one test and
// arranges (with t.Cleanup) for it to be closed and discarded.
type OpenFunc func(t testing.TB) store.Store

// Run runs the whole conformance suite against the driver opened by open.
// Every subtest runs in parallel on its own database.
func Run(t *testing.T, open OpenFunc) {
	t.Run("Projects", func(t *testing.T) { testProjects(t, open) })
	t.Run("Entities", func(t *testing.T) { testEntities(t, open) })
	t.Run("EntityLists", func(t *testing.T) { testEntityLists(t, open) })
	t.Run("LaunchPlans", func(t *testing.T) { testLaunchPlans(t, open) })
	t.Run("NamedEntities", func(t *testing.T) { testNamedEntities(t, open) })
	t.Run("Attributes", func(t *testing.T) { testAttributes(t, open) })
	t.Run("Migrations", func(t *testing.T) { testMigrations(t, open) })
	t.Run("Executions", func(t *testing.T) { runExecutions(t, open) })
	t.Run("Catalog", func(t *testing.T) { runCatalog(t, open) })
}

// env is one test's migrated store and clock.
type env struct {
	t   testing.TB
	ctx context.Context
	s   store.Store
	now time.Time
}

// setup opens and migrates a store. The clock starts at a time with
// nanoseconds and a non-UTC zone, so every test also checks normalisation.
func setup(t testing.TB, open OpenFunc) *env {
	t.Helper()
	s := open(t)
	ctx := t.Context()
	require.NoError(t, s.MigrateUp(ctx))
	return &env{
		t:   t,
		ctx: ctx,
		s:   s,
		now: time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)),
	}
}

// tick advances the clock by one second and returns it.
func (e *env) tick() time.Time {
	e.now = e.now.Add(time.Second)
	return e.now
}

// entityParams returns valid params to register id as kind at now.
func entityParams(kind store.Kind, id store.EntityID, digest string, now time.Time) store.EntityCreateParams {
	p := store.EntityCreateParams{
		Kind:   kind,
		ID:     id,
		Digest: []byte(digest),
		Body:   []byte("body of " + id.String() + " " + digest),
		Now:    now,
	}
	if kind == store.KindLaunchPlan {
		p.WorkflowName = "wf-" + id.Name
		p.WorkflowVersion = id.Version
	}
	return p
}

// register creates id as kind at the current clock and fails on error.
func (e *env) register(kind store.Kind, id store.EntityID) *store.Entity {
	e.t.Helper()
	ent, created, err := e.s.EntityCreate(e.ctx, entityParams(kind, id, "d1", e.now))
	require.NoError(e.t, err)
	require.True(e.t, created)
	return ent
}

func eid(project, domain, name, version string) store.EntityID {
	return store.EntityID{Project: project, Domain: domain, Name: name, Version: version}
}

// diff compares records, treating nil and empty slices and maps alike.
func diff(want, got any) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

// requireDiff fails when want and got differ.
func requireDiff(t testing.TB, want, got any, msgAndArgs ...any) {
	t.Helper()
	if d := diff(want, got); d != "" {
		require.FailNow(t, fmt.Sprintf("mismatch (-want +got):\n%s", d), msgAndArgs...)
	}
}
