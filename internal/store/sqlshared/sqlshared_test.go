package sqlshared

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// fakeRow is a Scanner over fixed column values, assigned by reflection.
type fakeRow []any

func (r fakeRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r))
	}
	for i, d := range dest {
		dv := reflect.ValueOf(d).Elem()
		if r[i] == nil {
			dv.SetZero()
			continue
		}
		v := reflect.ValueOf(r[i])
		if dv.Kind() == reflect.Pointer && v.Kind() != reflect.Pointer {
			p := reflect.New(dv.Type().Elem())
			p.Elem().Set(v.Convert(dv.Type().Elem()))
			dv.Set(p)
			continue
		}
		dv.Set(v.Convert(dv.Type()))
	}
	return nil
}

// fakeRows is a Rows over fixed rows, failing with err at the end.
type fakeRows struct {
	rows []fakeRow
	next int
	err  error
}

func (r *fakeRows) Next() bool {
	r.next++
	return r.next <= len(r.rows)
}

func (r *fakeRows) Scan(dest ...any) error { return r.rows[r.next-1].Scan(dest...) }

func (r *fakeRows) Err() error { return r.err }

var micros = Decoder[int64]{FromDB: func(us int64) time.Time { return time.UnixMicro(us).UTC() }}

func TestNodeListQuery(t *testing.T) {
	base := `SELECT ` + NodeColumns + ` FROM node_executions WHERE execution_id = $1`
	tests := []struct {
		name      string
		p         store.NodeExecutionListParams
		q         store.NodeExecutionListQuery
		wantQuery string
		wantArgs  []any
	}{
		{
			name:      "all nodes, first page",
			p:         store.NodeExecutionListParams{ExecutionRowID: 7},
			q:         store.NodeExecutionListQuery{Limit: 10},
			wantQuery: base + " ORDER BY node_id LIMIT $2",
			wantArgs:  []any{int64(7), 11},
		},
		{
			name:      "children of a node after a position",
			p:         store.NodeExecutionListParams{ExecutionRowID: 7, ParentNodeID: "n1"},
			q:         store.NodeExecutionListQuery{Limit: 2, After: "n1-0"},
			wantQuery: base + " AND parent_node_id = $2 AND node_id > $3 ORDER BY node_id LIMIT $4",
			wantArgs:  []any{int64(7), "n1", "n1-0", 3},
		},
		{
			name:      "top level only",
			p:         store.NodeExecutionListParams{ExecutionRowID: 7, TopLevel: true},
			q:         store.NodeExecutionListQuery{Limit: 1},
			wantQuery: base + " AND parent_node_id = '' ORDER BY node_id LIMIT $2",
			wantArgs:  []any{int64(7), 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query, args := NodeListQuery(tt.p, &tt.q)
			require.Equal(t, tt.wantQuery, query)
			require.Empty(t, cmp.Diff(tt.wantArgs, args))
		})
	}
}

func TestSortClaimed(t *testing.T) {
	at := func(s int64) *time.Time { v := time.Unix(s, 0).UTC(); return &v }
	items := []*store.Execution{
		{RowID: 3, WakeAt: at(20)},
		{RowID: 2, WakeAt: at(10)},
		{RowID: 1, WakeAt: at(20)},
	}
	SortClaimed(items)
	var ids []int64
	for _, e := range items {
		ids = append(ids, e.RowID)
	}
	require.Empty(t, cmp.Diff([]int64{2, 1, 3}, ids))
}

func TestDecoderNodeConvertsTimesAndEmptyBlobs(t *testing.T) {
	n, err := micros.Node(fakeRow{int64(1), "n0", "", "start", int32(3), int32(2), int32(0),
		nil, []byte("state"), "in", "out", int64(1_000_000), int64(2_000_000), int64(1_500_000), nil})
	require.NoError(t, err)
	started := time.UnixMicro(1_500_000).UTC()
	want := &store.NodeExecution{
		ExecutionRowID: 1, NodeID: "n0", SpecNodeID: "start", Phase: 3, Attempts: 2,
		Closure: []byte{}, EngineState: []byte("state"), InputURI: "in", OutputURI: "out",
		CreatedAt: time.UnixMicro(1_000_000).UTC(), UpdatedAt: time.UnixMicro(2_000_000).UTC(),
		StartedAt: &started,
	}
	require.Empty(t, cmp.Diff(want, n))
}

func TestDecoderSignal(t *testing.T) {
	sig, err := micros.Signal(fakeRow{int64(4), "approve", nil, []byte("v"), "alice", int64(5), int64(6)})
	require.NoError(t, err)
	setAt := time.UnixMicro(6).UTC()
	want := &store.Signal{ExecutionRowID: 4, SignalID: "approve", Type: []byte{}, Value: []byte("v"),
		SetBy: "alice", CreatedAt: time.UnixMicro(5).UTC(), SetAt: &setAt}
	require.Empty(t, cmp.Diff(want, sig))
}

func TestDecoderProjectRejectsBadLabels(t *testing.T) {
	_, err := micros.Project(fakeRow{"p", "P", "", []byte("not json"), int32(0), int64(1), int64(1)})
	require.ErrorContains(t, err, "decode labels of project p")
}

func TestCollect(t *testing.T) {
	rows := &fakeRows{rows: []fakeRow{{int64(1)}, {int64(2)}}}
	got, err := Collect(rows, Int64)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff([]int64{1, 2}, got))

	boom := errors.New("boom")
	_, err = Collect(&fakeRows{rows: []fakeRow{{int64(1)}}, err: boom}, Int64)
	require.ErrorIs(t, err, boom)

	_, err = Collect(&fakeRows{rows: []fakeRow{{int64(1), int64(2)}}}, Int64)
	require.ErrorContains(t, err, "2 columns")
}

func TestEncodeAndCloneLabels(t *testing.T) {
	tests := []struct {
		name    string
		labels  map[string]string
		want    string
		wantNil bool
	}{
		{name: "nil", labels: nil, want: "{}", wantNil: true},
		{name: "empty", labels: map[string]string{}, want: "{}", wantNil: true},
		{name: "set", labels: map[string]string{"team": "ml"}, want: `{"team":"ml"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeLabels(tt.labels)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			clone := CloneLabels(tt.labels)
			require.Equal(t, tt.wantNil, clone == nil)
			require.Empty(t, cmp.Diff(tt.labels, clone, cmpEmptyMapsEqual))
		})
	}
}

// cmpEmptyMapsEqual treats nil and empty maps as equal.
var cmpEmptyMapsEqual = cmp.FilterValues(func(a, b map[string]string) bool {
	return len(a) == 0 && len(b) == 0
}, cmp.Comparer(func(a, b map[string]string) bool { return true }))

func TestEntityListQueryNamesTable(t *testing.T) {
	require.Equal(t, "launch_plans", EntityTable(store.KindLaunchPlan))
	require.Equal(t, LaunchPlanColumns, EntityColumnsOf(store.KindLaunchPlan))
	require.Equal(t, EntityColumns, EntityColumnsOf(store.KindTask))
}
