// Package admintest starts a real admin server for tests: a fresh, migrated
// SQLite or PostgreSQL store, a blob store, the admin service over them
// (with its signal service and logs route), mounted on a real
// internal/server listening on 127.0.0.1 with a free port, and a Connect
// client for it. Everything is torn down when the test ends.
//
// PostgreSQL needs a server: set FLYTE_TEST_POSTGRES_DSN (for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); each test
// then gets its own schema, dropped at the end. Without the variable,
// PostgreSQL tests are skipped with a message saying so.
package admintest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/server"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/pgstore"
	"github.com/flyte-go/flyte/internal/store/sqlitestore"
)

// Database drivers a test server can run on.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Drivers lists every driver, for tests that run on each.
var Drivers = []string{DriverSQLite, DriverPostgres}

// PostgresDSNEnv names the environment variable holding the DSN of the
// PostgreSQL server tests use.
const PostgresDSNEnv = "FLYTE_TEST_POSTGRES_DSN"

// Env is a running admin server and what it runs on.
type Env struct {
	// URL is the server's base URL, as in http://127.0.0.1:40123.
	URL string
	// Client calls the admin service over the Connect protocol.
	Client adminv1connect.AdminServiceClient
	// Store is the store the service writes, for checks behind the API.
	Store store.Store
	// Blobs is the blob store of the service (a fresh mem:// store unless
	// WithAdminOptions gave one).
	Blobs *storage.Store
	// Signals calls the signal service.
	Signals adminv1connect.SignalServiceClient
	// Service is the admin service mounted on the server.
	Service *admin.Service
	// Server is the HTTP server.
	Server *server.Server
	// Driver is DriverSQLite or DriverPostgres.
	Driver string
	// DSN locates the database: the SQLite file path, or a PostgreSQL DSN
	// whose search_path selects the test's schema.
	DSN string
}

type settings struct {
	admin  admin.Options
	server config.Server
	logger *slog.Logger
	mounts []func(st store.Store, opts ...connect.HandlerOption) (string, http.Handler)
}

// Option customises the server New starts.
type Option func(*settings)

// WithAdminOptions sets the options of the admin service (domains, clock,
// version). A nil logger is replaced by the test logger.
func WithAdminOptions(o admin.Options) Option {
	return func(s *settings) { s.admin = o }
}

// WithServerConfig sets the server configuration; host and port are
// always 127.0.0.1 and a free port.
func WithServerConfig(c config.Server) Option {
	return func(s *settings) { s.server = c }
}

// WithService mounts another Connect service (the data catalog, for
// example) on the server beside the admin's: mount builds it over the
// test's store and returns what a generated New<Service>Handler returns.
func WithService(mount func(st store.Store, opts ...connect.HandlerOption) (string, http.Handler)) Option {
	return func(s *settings) { s.mounts = append(s.mounts, mount) }
}

// WithLogger sets the logger of the store, the service and the server.
// Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) { s.logger = l }
}

// Start starts an admin server on a fresh store of the given driver and
// returns its base URL and a client. It skips the test for PostgreSQL when
// FLYTE_TEST_POSTGRES_DSN is unset.
func Start(tb testing.TB, driver string) (baseURL string, client adminv1connect.AdminServiceClient) {
	tb.Helper()
	env := New(tb, driver)
	return env.URL, env.Client
}

// New is Start with options, returning everything it started.
func New(tb testing.TB, driver string, opts ...Option) *Env {
	tb.Helper()
	set := settings{logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&set)
	}
	st, dsn := OpenStore(tb, driver, set.logger)
	if set.admin.Logger == nil {
		set.admin.Logger = set.logger
	}
	if set.admin.Blobs == nil {
		blobs, err := storage.Open(tb.Context(), "mem://", storage.Options{})
		require.NoError(tb, err)
		tb.Cleanup(func() { require.NoError(tb, blobs.Close()) })
		set.admin.Blobs = blobs
	}
	svc := admin.New(st, set.admin)

	cfg := set.server
	cfg.Host, cfg.Port = "127.0.0.1", 0
	srv := server.New(cfg, set.logger)
	srv.HandleService(svc.Handler(srv.HandlerOptions()...))
	srv.HandleService(svc.SignalHandler(srv.HandlerOptions()...))
	srv.Handle(svc.LogsHandler())
	for _, mount := range set.mounts {
		srv.HandleService(mount(st, srv.HandlerOptions()...))
	}
	srv.AddReadyCheck("database", st.Ping)
	require.NoError(tb, srv.Start(tb.Context()))
	tb.Cleanup(srv.Stop)

	httpClient := &http.Client{}
	tb.Cleanup(httpClient.CloseIdleConnections)
	return &Env{
		URL:     srv.URL(),
		Client:  adminv1connect.NewAdminServiceClient(httpClient, srv.URL(), connect.WithHTTPGet()),
		Store:   st,
		Blobs:   set.admin.Blobs,
		Signals: adminv1connect.NewSignalServiceClient(httpClient, srv.URL(), connect.WithHTTPGet()),
		Service: svc,
		Server:  srv,
		Driver:  driver,
		DSN:     dsn,
	}
}

// OpenStore opens a fresh, migrated store of the given driver, closed (and
// for PostgreSQL dropped) when the test ends, and returns it with its DSN.
func OpenStore(tb testing.TB, driver string, logger *slog.Logger) (store.Store, string) {
	tb.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		st  store.Store
		dsn string
	)
	switch driver {
	case DriverSQLite:
		dsn = filepath.Join(tb.TempDir(), "flyte.db")
		s, err := sqlitestore.Open(tb.Context(), dsn, logger)
		require.NoError(tb, err)
		st = s
	case DriverPostgres:
		dsn = PostgresSchemaDSN(tb)
		s, err := pgstore.Open(tb.Context(), dsn, logger)
		require.NoError(tb, err)
		st = s
	default:
		tb.Fatalf("admintest: unknown driver %q (use %q or %q)", driver, DriverSQLite, DriverPostgres)
	}
	// Registered before the server's cleanup, so it runs after it.
	tb.Cleanup(func() { require.NoError(tb, st.Close()) })
	require.NoError(tb, st.MigrateUp(tb.Context()))
	return st, dsn
}

// PostgresDSN returns the DSN of the test PostgreSQL server, or skips the
// test when FLYTE_TEST_POSTGRES_DSN is unset.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(PostgresDSNEnv)
	if dsn == "" {
		tb.Skipf("PostgreSQL tests need a server: set %s, e.g. %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			PostgresDSNEnv, PostgresDSNEnv)
	}
	return dsn
}

// PostgresSchemaDSN creates a schema with a random name, dropped when the test
// ends, and returns a DSN whose connections use it.
func PostgresSchemaDSN(tb testing.TB) string {
	tb.Helper()
	dsn := PostgresDSN(tb)
	schema := "admintest_" + strings.ToLower(rand.Text()[:12])
	conn, err := pgx.Connect(tb.Context(), dsn)
	require.NoError(tb, err)
	// The schema name is generated above, never user input.
	_, err = conn.Exec(tb.Context(), "CREATE SCHEMA "+schema)
	require.NoError(tb, err)
	require.NoError(tb, conn.Close(tb.Context()))
	tb.Cleanup(func() {
		ctx := context.Background() // the test's context is cancelled by now
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(tb, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(tb, err)
	})
	out, err := withSearchPath(dsn, schema)
	require.NoError(tb, err)
	return out
}

// withSearchPath returns dsn with the connections' search_path set to schema.
func withSearchPath(dsn, schema string) (string, error) {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: invalid URL", PostgresDSNEnv)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
