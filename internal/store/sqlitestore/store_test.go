package sqlitestore

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/storetest"
)

// openTemp opens a store on a fresh database file in a temporary directory.
func openTemp(t testing.TB) store.Store {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "flyte.db"))
}

func openFile(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openTemp)
}

func TestConformanceInMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t testing.TB) store.Store { return openFile(t, ":memory:") })
}

func TestOpenSettings(t *testing.T) {
	t.Parallel()
	s := openFile(t, "sqlite://"+filepath.Join(t.TempDir(), "x.db"))
	ctx := t.Context()
	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"mmap_size", "268435456"},
	} {
		for _, db := range []string{"writer", "reader"} {
			conn := s.writer
			if db == "reader" {
				conn = s.reader
			}
			var got string
			require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got))
			require.Equal(t, tt.want, got, "%s %s", db, tt.pragma)
		}
	}
	var readOnly string
	require.NoError(t, s.reader.QueryRowContext(ctx, "PRAGMA query_only").Scan(&readOnly))
	require.Equal(t, "1", readOnly, "reader connections cannot write")
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err := Open(t.Context(), "sqlite://", logger)
	require.ErrorContains(t, err, "no database path")
	_, err = Open(t.Context(), filepath.Join(t.TempDir(), "missing", "dir", "x.db"), logger)
	require.ErrorContains(t, err, "missing")
	_, err = Open(t.Context(), filepath.Join(t.TempDir(), "x.db")+"?_journal_mode=bogus", logger)
	require.ErrorContains(t, err, "bogus")
}

func TestOpenFileURI(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "uri.db")
	s := openFile(t, "file:"+path+"?cache=private")
	require.NoError(t, s.MigrateUp(t.Context()))
	require.NoError(t, s.Ping(t.Context()))
	require.FileExists(t, path)
}
