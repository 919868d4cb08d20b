package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/migrate"
)

// MigrateUp applies every pending migration.
func (s *Store) MigrateUp(ctx context.Context) error {
	return s.withMigrationLock(ctx, func(r *migrate.Runner) error { return r.Up(ctx) })
}

// MigrateDown reverts the last steps applied migrations.
func (s *Store) MigrateDown(ctx context.Context, steps int) error {
	return s.withMigrationLock(ctx, func(r *migrate.Runner) error { return r.Down(ctx, steps) })
}

// MigrateStatus lists the known migrations and whether each is applied.
func (s *Store) MigrateStatus(ctx context.Context) ([]store.MigrationStatus, error) {
	var out []store.MigrationStatus
	err := s.withMigrationLock(ctx, func(r *migrate.Runner) error {
		var err error
		out, err = r.Status(ctx)
		return err
	})
	return out, err
}

// withMigrationLock runs fn on one connection holding a session advisory
// lock for the current schema, so replicas starting together migrate one at
// a time.
func (s *Store) withMigrationLock(ctx context.Context, fn func(r *migrate.Runner) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection for migrations: %w", err)
	}
	defer conn.Release()
	const key = `hashtextextended('flyte schema_migrations ' || current_schema(), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			// A connection that cannot unlock must not go back to the pool holding the lock.
			s.logger.ErrorContext(ctx, "unlock migrations", slog.Any("error", err))
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return fn(migrate.NewRunner(s.migrations, &executor{conn: conn}, s.logger))
}

// executor applies migrations on the locked connection.
type executor struct {
	conn *pgxpool.Conn
}

func (e *executor) EnsureTable(ctx context.Context) error {
	_, err := e.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     NOT NULL PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL
)`)
	return err
}

func (e *executor) Applied(ctx context.Context) ([]migrate.Record, error) {
	rows, err := e.conn.Query(ctx, `SELECT version, name, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (migrate.Record, error) {
		var r migrate.Record
		var version int32
		err := row.Scan(&version, &r.Name, &r.AppliedAt)
		r.Version, r.AppliedAt = int(version), fromDB(r.AppliedAt)
		return r, err
	})
	return recs, err
}

func (e *executor) Apply(ctx context.Context, m migrate.Migration, up bool, now time.Time) error {
	return inTx(ctx, e.conn, func(tx pgx.Tx) error {
		script := m.Down
		if up {
			script = m.Up
		}
		// Without arguments pgx uses the simple protocol, which runs every
		// statement of the script.
		if _, err := tx.Exec(ctx, script); err != nil {
			return err
		}
		if up {
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, toDB(now)); err != nil {
				return fmt.Errorf("record migration: %w", err)
			}
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM schema_migrations WHERE version = $1`, m.Version); err != nil {
			return fmt.Errorf("erase migration record: %w", err)
		}
		return nil
	})
}
