package migrate

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestLoad(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"m/0001_init.up.sql":   file("CREATE TABLE a (x int);"),
		"m/0001_init.down.sql": file("DROP TABLE a;"),
		"m/0002_more.up.sql":   file("CREATE TABLE b (x int);"),
		"m/0002_more.down.sql": file("DROP TABLE b;"),
		"other/README.md":      file("ignored"),
	}
	got, err := Load(fsys, "m")
	require.NoError(t, err)
	want := []Migration{
		{Version: 1, Name: "init", Up: "CREATE TABLE a (x int);", Down: "DROP TABLE a;"},
		{Version: 2, Name: "more", Up: "CREATE TABLE b (x int);", Down: "DROP TABLE b;"},
	}
	require.Empty(t, cmp.Diff(want, got))
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantMsg string
	}{
		{name: "bad name", files: fstest.MapFS{"m/1_init.up.sql": file("x")}, wantMsg: "1_init.up.sql: name is not"},
		{name: "stray file", files: fstest.MapFS{"m/notes.txt": file("x")}, wantMsg: "notes.txt"},
		{name: "missing down", files: fstest.MapFS{"m/0001_a.up.sql": file("x")}, wantMsg: "0001_a has no .down.sql"},
		{name: "empty up", files: fstest.MapFS{"m/0001_a.up.sql": file(""), "m/0001_a.down.sql": file("x")}, wantMsg: "0001_a has no .up.sql"},
		{name: "gap", files: fstest.MapFS{
			"m/0001_a.up.sql": file("x"), "m/0001_a.down.sql": file("x"),
			"m/0003_c.up.sql": file("x"), "m/0003_c.down.sql": file("x"),
		}, wantMsg: "migration 0002 is missing"},
		{name: "names differ", files: fstest.MapFS{"m/0001_a.up.sql": file("x"), "m/0001_b.down.sql": file("x")}, wantMsg: "named both"},
		{name: "subdirectory", files: fstest.MapFS{"m/sub/0001_a.up.sql": file("x")}, wantMsg: "contains directory sub"},
		{name: "no directory", files: fstest.MapFS{}, wantMsg: "read migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tt.files, "m")
			require.ErrorContains(t, err, tt.wantMsg)
		})
	}
}

// memExecutor keeps applied migrations in memory, to test the runner's
// decisions apart from any database.
type memExecutor struct {
	applied map[int]Record
	calls   []string
	failOn  int
}

func (m *memExecutor) EnsureTable(context.Context) error { return nil }

func (m *memExecutor) Applied(context.Context) ([]Record, error) {
	var out []Record
	for _, r := range m.applied {
		out = append(out, r)
	}
	return out, nil
}

func (m *memExecutor) Apply(_ context.Context, mig Migration, up bool, now time.Time) error {
	if mig.Version == m.failOn {
		return errors.New("boom")
	}
	if up {
		m.applied[mig.Version] = Record{Version: mig.Version, Name: mig.Name, AppliedAt: now}
		m.calls = append(m.calls, "up "+mig.Name)
	} else {
		delete(m.applied, mig.Version)
		m.calls = append(m.calls, "down "+mig.Name)
	}
	return nil
}

var three = []Migration{
	{Version: 1, Name: "a", Up: "u", Down: "d"},
	{Version: 2, Name: "b", Up: "u", Down: "d"},
	{Version: 3, Name: "c", Up: "u", Down: "d"},
}

func newRunner(exec Executor) *Runner {
	r := NewRunner(three, exec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	r.Now = func() time.Time { return at }
	return r
}

func TestRunnerUpDownStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	exec := &memExecutor{applied: map[int]Record{}}
	r := newRunner(exec)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	require.NoError(t, r.Up(ctx))
	require.NoError(t, r.Up(ctx), "nothing pending is a no-op")
	require.NoError(t, r.Down(ctx, 2))
	st, err := r.Status(ctx)
	require.NoError(t, err)
	want := []store.MigrationStatus{
		{Version: 1, Name: "a", Applied: true, AppliedAt: at},
		{Version: 2, Name: "b"},
		{Version: 3, Name: "c"},
	}
	require.Empty(t, cmp.Diff(want, st))
	require.Equal(t, []string{"up a", "up b", "up c", "down c", "down b"}, exec.calls)

	err = r.Down(ctx, 2)
	require.ErrorContains(t, err, "cannot revert 2 migrations, only 1 are applied")
	require.ErrorIs(t, err, store.ErrInvalidArgument)
	require.ErrorContains(t, r.Down(ctx, 0), "at least 1")
	require.Len(t, exec.applied, 1, "a refused down changes nothing")
}

func TestRunnerRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	newer := &memExecutor{applied: map[int]Record{4: {Version: 4, Name: "future"}}}
	require.ErrorContains(t, newRunner(newer).Up(ctx), "database has migration 0004 but this binary knows only up to 0003")
	st, err := newRunner(newer).Status(ctx)
	require.NoError(t, err)
	require.Equal(t, store.MigrationStatus{Version: 4, Name: "future", Applied: true}, st[3])
	require.ErrorContains(t, newRunner(newer).Down(ctx, 1), "does not know it")

	gap := &memExecutor{applied: map[int]Record{1: {Version: 1}, 3: {Version: 3}}}
	require.ErrorContains(t, newRunner(gap).Up(ctx), "migration 0002_b is pending but later migration 0003 is applied")

	failing := &memExecutor{applied: map[int]Record{}, failOn: 2}
	err = newRunner(failing).Up(ctx)
	require.ErrorContains(t, err, "apply migration 0002_b: boom")
	require.Equal(t, []string{"up a"}, failing.calls, "migrations after a failure are not applied")
}
