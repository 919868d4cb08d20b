package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/migrate"
)

// MigrateUp applies every pending migration.
func (s *Store) MigrateUp(ctx context.Context) error {
	return s.runner().Up(ctx)
}

// MigrateDown reverts the last steps applied migrations.
func (s *Store) MigrateDown(ctx context.Context, steps int) error {
	return s.runner().Down(ctx, steps)
}

// MigrateStatus lists the known migrations and whether each is applied.
func (s *Store) MigrateStatus(ctx context.Context) ([]store.MigrationStatus, error) {
	return s.runner().Status(ctx)
}

func (s *Store) runner() *migrate.Runner {
	return migrate.NewRunner(s.migrations, &executor{s: s}, s.logger)
}

// executor applies migrations through the writer connection.
type executor struct {
	s *Store
}

func (e *executor) EnsureTable(ctx context.Context) error {
	_, err := e.s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT`)
	return err
}

func (e *executor) Applied(ctx context.Context) ([]migrate.Record, error) {
	rows, err := e.s.writer.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []migrate.Record
	for rows.Next() {
		var r migrate.Record
		var at int64
		if err := rows.Scan(&r.Version, &r.Name, &at); err != nil {
			return nil, err
		}
		r.AppliedAt = fromDB(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (e *executor) Apply(ctx context.Context, m migrate.Migration, up bool, now time.Time) error {
	// Cached statements may name tables the migration drops or changes.
	if err := e.s.stmts.reset(); err != nil {
		return fmt.Errorf("close prepared statements: %w", err)
	}
	return e.s.inTx(ctx, func(tx *sql.Tx) error {
		script := m.Down
		if up {
			script = m.Up
		}
		if _, err := tx.ExecContext(ctx, script); err != nil {
			return err
		}
		if up {
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, toDB(now))
			if err != nil {
				return fmt.Errorf("record migration: %w", err)
			}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = $1`, m.Version); err != nil {
			return fmt.Errorf("erase migration record: %w", err)
		}
		return nil
	})
}
