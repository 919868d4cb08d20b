package listsql

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

var testDialect = Dialect{
	Value: func(v any) any {
		if t, ok := v.(time.Time); ok {
			return t.UnixMicro()
		}
		return v
	},
	Contains: func(col, ph string) string { return "instr(" + col + ", " + ph + ") > 0" },
}

var entityCols = Columns{
	Fields: map[string]string{"name": "name", "version": "version", "created_at": "created_at"},
	Key:    "id",
}

func TestBuild(t *testing.T) {
	t.Parallel()
	jan1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		params    store.ListParams
		after     *store.Cursor
		wantWhere string
		wantOrder string
		wantArgs  []any
	}{
		{
			name:      "scope only",
			params:    store.ListParams{Limit: 10},
			wantWhere: " WHERE project = $1",
			wantOrder: " ORDER BY created_at ASC, id ASC LIMIT 11",
			wantArgs:  []any{"p"},
		},
		{
			name: "every function",
			params: store.ListParams{Filters: "eq(name,a)+ne(version,b)+gt(created_at,2024-01-01T00:00:00Z)+" +
				"gte(name,c)+lt(name,d)+lte(name,e)+contains(name,f)+value_in(version,g;h)+value_not_in(name,i)"},
			wantWhere: " WHERE project = $1 AND name = $2 AND version <> $3 AND created_at > $4 AND name >= $5" +
				" AND name < $6 AND name <= $7 AND instr(name, $8) > 0 AND version IN ($9, $10) AND name NOT IN ($11)",
			wantOrder: " ORDER BY created_at ASC, id ASC LIMIT 101",
			wantArgs:  []any{"p", "a", "b", jan1.UnixMicro(), "c", "d", "e", "f", "g", "h", "i"},
		},
		{
			name:      "keyset descending",
			params:    store.ListParams{SortBy: "name", Desc: true, Limit: 5},
			after:     &store.Cursor{Sort: "m", Key: int64(9)},
			wantWhere: " WHERE project = $1 AND (name, id) < ($2, $3)",
			wantOrder: " ORDER BY name DESC, id DESC LIMIT 6",
			wantArgs:  []any{"p", "m", int64(9)},
		},
		{
			name:      "keyset ascending by time",
			params:    store.ListParams{},
			after:     &store.Cursor{Sort: jan1, Key: int64(3)},
			wantWhere: " WHERE project = $1 AND (created_at, id) > ($2, $3)",
			wantOrder: " ORDER BY created_at ASC, id ASC LIMIT 101",
			wantArgs:  []any{"p", jan1.UnixMicro(), int64(3)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lp := tt.params
			lp.Project, lp.Domain = "p", "d"
			q, err := store.PrepareEntityList(store.EntityListParams{Kind: store.KindTask, ListParams: lp})
			require.NoError(t, err)
			q.After = tt.after
			b := New(testDialect)
			conds := []string{"project = " + b.Arg("p")}
			more, err := b.Conditions(q, entityCols)
			require.NoError(t, err)
			order, err := b.OrderLimit(q, entityCols)
			require.NoError(t, err)
			require.Equal(t, tt.wantWhere, Where(append(conds, more...)))
			require.Equal(t, tt.wantOrder, order)
			require.Empty(t, cmp.Diff(tt.wantArgs, b.Args()))
		})
	}
}

func TestBuildSingleColumnKeyset(t *testing.T) {
	t.Parallel()
	q, err := store.PrepareEntityListIDs(store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "p", Domain: "d", Limit: 3}})
	require.NoError(t, err)
	q.After = &store.Cursor{Sort: "n", Key: "n"}
	b := New(testDialect)
	cols := Columns{Fields: map[string]string{"name": "name"}, Key: "name"}
	conds, err := b.Conditions(q, cols)
	require.NoError(t, err)
	order, err := b.OrderLimit(q, cols)
	require.NoError(t, err)
	require.Equal(t, " WHERE name > $1", Where(conds))
	require.Equal(t, " ORDER BY name ASC LIMIT 4", order)
	require.Equal(t, "", Where(nil))
}

func TestBuildMissingColumn(t *testing.T) {
	t.Parallel()
	q, err := store.PrepareEntityList(store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{Project: "p", Domain: "d", Filters: "eq(version,1)"}})
	require.NoError(t, err)
	_, err = New(testDialect).Conditions(q, Columns{Fields: map[string]string{"created_at": "c"}, Key: "id"})
	require.ErrorContains(t, err, `no column for filter field "version"`)
	_, err = New(testDialect).OrderLimit(q, Columns{Fields: map[string]string{}, Key: "id"})
	require.ErrorContains(t, err, `no column for sort field "created_at"`)
}
