package pgstore

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/storetest"
)

const dsnEnv = "FLYTE_TEST_POSTGRES_DSN"

// testDSN returns the DSN of the test server or skips the test.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL tests need a server: set %s, e.g. %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", dsnEnv, dsnEnv)
	}
	return dsn
}

// withSearchPath returns dsn with the connections' search_path set to schema.
func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openSchema opens a store in a new schema with a random name, dropped when
// the test ends, so tests run in parallel on one database.
func openSchema(t testing.TB) store.Store {
	t.Helper()
	dsn := testDSN(t)
	ctx := t.Context()
	schema := "flyte_test_" + strings.ToLower(rand.Text()[:12])
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	// The schema name is generated here, never user input.
	_, err = admin.Exec(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	require.NoError(t, admin.Close(ctx))

	s, err := Open(ctx, withSearchPath(t, dsn, schema), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background() // the test's context is already cancelled
		require.NoError(t, s.Close())
		admin, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer admin.Close(ctx)
		_, err = admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
		require.NoError(t, err)
	})
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	testDSN(t)
	storetest.Run(t, openSchema)
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err := Open(t.Context(), "postgres://user:secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", logger)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret", "errors never show the password")
	_, err = Open(t.Context(), "postgres://user:secret@%zz", logger)
	require.ErrorContains(t, err, "invalid connection string")
	require.NotContains(t, err.Error(), "secret")
}
