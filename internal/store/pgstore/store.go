// Package pgstore implements store.Store on PostgreSQL with pgx and its
// connection pool; it is the production database of the control plane.
//
// Tables live in the connection's search_path, so several stores (or test
// runs) can share a database in separate schemas. Transactions run at READ
// COMMITTED; operations that must not interleave take row locks.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
	"github.com/flyte-go/flyte/internal/store/migrate"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool       *pgxpool.Pool
	logger     *slog.Logger
	migrations []migrate.Migration
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn, a postgres:// URL or a
// keyword/value string as accepted by pgx (pool settings such as
// pool_max_conns included), and checks that it answers. Open does not
// migrate; call MigrateUp.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	migrations, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords from parse errors only on a best-effort basis,
		// so the error names the problem without quoting the DSN.
		return nil, errors.New("parse postgres dsn: invalid connection string (want postgres://user:password@host:port/database?param=value or host=... user=... pairs)")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	logger.DebugContext(ctx, "opened postgres store",
		slog.String("host", cfg.ConnConfig.Host), slog.String("database", cfg.ConnConfig.Database))
	return &Store{pool: pool, logger: logger, migrations: migrations}, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Close closes every pooled connection.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// querier is what both the pool and a transaction offer, so helpers run in
// or out of a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// inTx runs fn in a transaction and commits it when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return inTx(ctx, s.pool, fn)
}

type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

func inTx(ctx context.Context, db beginner, fn func(tx pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		// The error from fn is the one worth reporting; rollback only
		// releases the transaction.
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// toDB normalises a time to what a timestamptz column holds.
func toDB(t time.Time) time.Time { return store.Timestamp(t) }

// fromDB returns a stored time in UTC.
func fromDB(t time.Time) time.Time { return t.UTC() }

// decode builds store records from this engine's columns.
var decode = sqlshared.Decoder[time.Time]{FromDB: fromDB}

var dialect = listsql.Dialect{
	Value: func(v any) any {
		if t, ok := v.(time.Time); ok {
			return toDB(t)
		}
		return v
	},
	Contains: func(col, ph string) string { return "strpos(" + col + ", " + ph + ") > 0" },
}
