// Package migrate applies the embedded, numbered SQL migrations of a store
// driver and records them in a schema_migrations table. Each driver embeds its
// own files (NNNN_name.up.sql and NNNN_name.down.sql, numbered from 0001
// without gaps) and implements Executor with its own SQL; the runner decides
// what to apply and in which order.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/flyte-go/flyte/internal/store"
)

// Migration is one reversible schema change.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

// Record is a migration recorded as applied in the database.
type Record struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// Executor runs migrations against one database. Apply must run the SQL and
// write (up) or delete (down) the schema_migrations row in one transaction,
// so a failed migration leaves neither.
type Executor interface {
	// EnsureTable creates the schema_migrations table when it is missing.
	EnsureTable(ctx context.Context) error
	// Applied returns the recorded migrations, in any order.
	Applied(ctx context.Context) ([]Record, error)
	// Apply runs m.Up (up) or m.Down (!up) and records the result.
	Apply(ctx context.Context, m Migration, up bool, now time.Time) error
}

var fileName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.(up|down)\.sql$`)

// Load reads the migrations in dir of fsys. Every file there must be named
// NNNN_name.up.sql or NNNN_name.down.sql; each version needs both files and
// versions must run from 1 without gaps.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if e.IsDir() {
			return nil, fmt.Errorf("migration directory %s contains directory %s", dir, e.Name())
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name is not NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
		}
		version, _ := strconv.Atoi(m[1]) // four digits always parse
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		mig := byVersion[version]
		if mig == nil {
			mig = &Migration{Version: version, Name: m[2]}
			byVersion[version] = mig
		}
		if mig.Name != m[2] {
			return nil, fmt.Errorf("migration %04d is named both %s and %s", version, mig.Name, m[2])
		}
		if m[3] == "up" {
			mig.Up = string(body)
		} else {
			mig.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for v := 1; v <= len(byVersion); v++ {
		mig, ok := byVersion[v]
		if !ok {
			return nil, fmt.Errorf("migration %04d is missing (versions must run from 0001 without gaps)", v)
		}
		if mig.Up == "" {
			return nil, fmt.Errorf("migration %04d_%s has no .up.sql file or it is empty", v, mig.Name)
		}
		if mig.Down == "" {
			return nil, fmt.Errorf("migration %04d_%s has no .down.sql file or it is empty", v, mig.Name)
		}
		out = append(out, *mig)
	}
	return out, nil
}

// Runner applies and reverts migrations.
type Runner struct {
	migrations []Migration
	exec       Executor
	logger     *slog.Logger
	// Now stamps applied migrations; time.Now unless a test replaces it.
	Now func() time.Time
}

// NewRunner returns a runner over migrations as returned by Load.
func NewRunner(migrations []Migration, exec Executor, logger *slog.Logger) *Runner {
	return &Runner{migrations: migrations, exec: exec, logger: logger, Now: time.Now}
}

// Up applies every pending migration in order. It refuses to run when the
// database holds a migration this binary does not know, or when a pending
// migration is older than one already applied.
func (r *Runner) Up(ctx context.Context) error {
	applied, err := r.applied(ctx)
	if err != nil {
		return err
	}
	maxApplied := 0
	for v := range applied {
		maxApplied = max(maxApplied, v)
	}
	if maxApplied > len(r.migrations) {
		return fmt.Errorf("database has migration %04d but this binary knows only up to %04d; run a newer binary", maxApplied, len(r.migrations))
	}
	for _, m := range r.migrations {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		if m.Version < maxApplied {
			return fmt.Errorf("migration %04d_%s is pending but later migration %04d is applied", m.Version, m.Name, maxApplied)
		}
		if err := r.exec.Apply(ctx, m, true, r.Now()); err != nil {
			return fmt.Errorf("apply migration %04d_%s: %w", m.Version, m.Name, err)
		}
		r.logger.InfoContext(ctx, "applied migration", slog.Int("version", m.Version), slog.String("name", m.Name))
	}
	return nil
}

// Down reverts the steps most recently applied migrations, newest first. It
// changes nothing when fewer than steps migrations are applied.
func (r *Runner) Down(ctx context.Context, steps int) error {
	if steps < 1 {
		return &store.ParamError{Param: "steps", Problem: fmt.Sprintf("must be at least 1, got %d", steps)}
	}
	applied, err := r.applied(ctx)
	if err != nil {
		return err
	}
	versions := make([]int, 0, len(applied))
	for v := range applied {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	if steps > len(versions) {
		return &store.ParamError{Param: "steps", Problem: fmt.Sprintf("cannot revert %d migrations, only %d are applied", steps, len(versions))}
	}
	for _, v := range versions[len(versions)-steps:] {
		if v > len(r.migrations) {
			return fmt.Errorf("cannot revert migration %04d: this binary does not know it", v)
		}
	}
	for i := len(versions) - 1; i >= len(versions)-steps; i-- {
		m := r.migrations[versions[i]-1]
		if err := r.exec.Apply(ctx, m, false, r.Now()); err != nil {
			return fmt.Errorf("revert migration %04d_%s: %w", m.Version, m.Name, err)
		}
		r.logger.InfoContext(ctx, "reverted migration", slog.Int("version", m.Version), slog.String("name", m.Name))
	}
	return nil
}

// Status lists every known migration and whether it is applied, followed by
// any applied migration this binary does not know.
func (r *Runner) Status(ctx context.Context) ([]store.MigrationStatus, error) {
	applied, err := r.applied(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.MigrationStatus, 0, len(r.migrations))
	for _, m := range r.migrations {
		st := store.MigrationStatus{Version: m.Version, Name: m.Name}
		if rec, ok := applied[m.Version]; ok {
			st.Applied, st.AppliedAt = true, rec.AppliedAt
			delete(applied, m.Version)
		}
		out = append(out, st)
	}
	for _, rec := range applied {
		out = append(out, store.MigrationStatus{Version: rec.Version, Name: rec.Name, Applied: true, AppliedAt: rec.AppliedAt})
	}
	slices.SortFunc(out, func(a, b store.MigrationStatus) int { return a.Version - b.Version })
	return out, nil
}

func (r *Runner) applied(ctx context.Context) (map[int]Record, error) {
	if err := r.exec.EnsureTable(ctx); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	recs, err := r.exec.Applied(ctx)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := make(map[int]Record, len(recs))
	for _, rec := range recs {
		out[rec.Version] = rec
	}
	return out, nil
}
