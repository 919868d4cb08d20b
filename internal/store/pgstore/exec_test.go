package pgstore

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/storetest"
)

// TestWakeupsAcrossStores checks that a change made through one Store is
// heard by another Store on the same schema, as a replica in another process
// would hear it.
func TestWakeupsAcrossStores(t *testing.T) {
	t.Parallel()
	a := openSchema(t).(*Store)
	require.NoError(t, a.MigrateUp(t.Context()))
	var schema string
	require.NoError(t, a.pool.QueryRow(t.Context(), `SELECT current_schema()`).Scan(&schema))
	b, err := Open(t.Context(), withSearchPath(t, testDSN(t), schema), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	// A store in another schema of the same database hears nothing of a's
	// changes; its wake-ups would name rows of its own tables.
	other := openSchema(t).(*Store)
	require.NoError(t, other.MigrateUp(t.Context()))
	storetest.RequireWakeups(t, a, b)
	storetest.RequireWakeups(t, other, other)
}

func TestParseWakeup(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		payload, schema string
		id              int64
		ok              bool
	}{
		{"public:12", "public", 12, true},
		{"a:b:7", "a:b", 7, true},
		{"other:12", "public", 0, false},
		{"public:x", "public", 0, false},
		{"12", "public", 0, false},
	} {
		id, ok := parseWakeup(tt.payload, tt.schema)
		require.Equal(t, tt.ok, ok, tt.payload)
		require.Equal(t, tt.id, id, tt.payload)
	}
}

// TestWakeupsReconnect checks that a listener whose connection is killed
// reconnects and keeps delivering.
func TestWakeupsReconnect(t *testing.T) {
	t.Parallel()
	s := openSchema(t).(*Store)
	ctx := t.Context()
	require.NoError(t, s.MigrateUp(ctx))
	ch, err := s.ExecutionWakeups(ctx)
	require.NoError(t, err)
	admin, err := pgx.Connect(ctx, testDSN(t))
	require.NoError(t, err)
	defer admin.Close(ctx)
	var schema string
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema))
	// Kill the listener's backend, named after our schema.
	tag, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
		listenerName(schema))
	require.NoError(t, err)
	require.Positive(t, tag.RowsAffected())
	xs := store.ExecutionStore(s)
	// Create executions until one is heard: those created before the
	// listener is back are covered by the engine's periodic claim.
	for i := 0; ; i++ {
		x, err := xs.ExecutionCreate(ctx, store.ExecutionCreateParams{
			ID:         store.ExecutionID{Project: "p", Domain: "d", Name: "e" + string(rune('a'+i))},
			LaunchPlan: store.EntityID{Project: "p", Domain: "d", Name: "lp", Version: "v"},
			Workflow:   store.EntityID{Project: "p", Domain: "d", Name: "wf", Version: "v"},
			Now:        time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		require.NoError(t, err)
		select {
		case id := <-ch:
			require.LessOrEqual(t, id, x.RowID)
			return
		case <-time.After(200 * time.Millisecond):
		}
		require.Less(t, i, 20, "the listener never came back")
	}
}
