package sqlshared

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
)

var testCatalog = CatalogDialect{
	Dialect:        listsql.Dialect{Value: func(v any) any { return v }},
	TagsJSON:       "TAGS",
	PartitionsJSON: "PARTS",
}

func TestDecoderArtifactSortsTagsAndPartitions(t *testing.T) {
	t.Parallel()
	a, err := micros.Artifact(fakeRow{"a1", "p", "d", "n", "v", nil, int64(0), []byte("m"), int64(1), int64(2),
		`["z","a"]`, `[["r","eu"],["day","mon"]]`})
	require.NoError(t, err)
	want := &store.Artifact{
		ID: "a1", Dataset: store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"},
		Data: []byte{}, Metadata: []byte("m"), Tags: []string{"a", "z"},
		Partitions: []store.Partition{{Key: "day", Value: "mon"}, {Key: "r", Value: "eu"}},
		CreatedAt:  time.UnixMicro(1).UTC(), UpdatedAt: time.UnixMicro(2).UTC(),
	}
	require.Empty(t, cmp.Diff(want, a))

	empty, err := micros.Artifact(fakeRow{"a2", "p", "d", "n", "v", []byte("x"), int64(1), nil, int64(1), int64(1), `[]`, `[]`})
	require.NoError(t, err)
	require.Nil(t, empty.Tags)
	require.Nil(t, empty.Partitions)
	require.Equal(t, []byte{}, empty.Metadata)
}

func TestDecoderCatalogRejectsBadJSON(t *testing.T) {
	t.Parallel()
	_, err := micros.Artifact(fakeRow{"a1", "p", "d", "n", "v", nil, int64(0), nil, int64(1), int64(2), `{`, `[]`})
	require.ErrorContains(t, err, "decode tags of artifact a1")
	_, err = micros.Artifact(fakeRow{"a1", "p", "d", "n", "v", nil, int64(0), nil, int64(1), int64(2), `[]`, `["k"]`})
	require.ErrorContains(t, err, "decode partitions of artifact a1")
	_, err = micros.Dataset(fakeRow{"u", "p", "d", "n", "v", nil, "nope", int64(1)})
	require.ErrorContains(t, err, "decode partition keys of dataset p/d/n/v")
}

func TestDecoderDatasetAndReservation(t *testing.T) {
	t.Parallel()
	ds, err := micros.Dataset(fakeRow{"u", "p", "d", "n", "v", nil, `["a","b"]`, int64(3)})
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&store.Dataset{UUID: "u", Key: store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"},
		Metadata: []byte{}, PartitionKeys: []string{"a", "b"}, CreatedAt: time.UnixMicro(3).UTC()}, ds))

	r, err := micros.Reservation(fakeRow{"p", "d", "n", "v", "t", "o", int64(1500 * time.Millisecond), int64(9)})
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&store.Reservation{Dataset: store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"},
		TagName: "t", OwnerID: "o", HeartbeatInterval: 1500 * time.Millisecond, ExpiresAt: time.UnixMicro(9).UTC()}, r))

	keys, err := EncodePartitionKeys(nil)
	require.NoError(t, err)
	require.Equal(t, "[]", keys)
	keys, err = EncodePartitionKeys([]string{"a", `q"`})
	require.NoError(t, err)
	require.Equal(t, `["a","q\""]`, keys)
}

func TestCatalogQueries(t *testing.T) {
	t.Parallel()
	ds := store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"}
	before := time.Unix(100, 0).UTC()
	tests := []struct {
		name      string
		build     func() (string, []any, error)
		wantQuery string
		wantArgs  []any
	}{
		{
			name: "datasets by project with a version prefix",
			build: func() (string, []any, error) {
				p := store.DatasetListParams{Key: store.DatasetKey{Project: "p"}, VersionPrefix: "1.é-", Limit: 5}
				q, err := store.PrepareDatasetList(p)
				require.NoError(t, err)
				return DatasetListQuery(testCatalog.Dialect, p, q)
			},
			wantQuery: `SELECT ` + DatasetColumns + ` FROM datasets WHERE project = $1 AND substr(version, 1, $2) = $3` +
				` ORDER BY created_at DESC, uuid DESC LIMIT 6`,
			wantArgs: []any{"p", 4, "1.é-"},
		},
		{
			name: "artifacts by tag, partition and age",
			build: func() (string, []any, error) {
				p := store.ArtifactListParams{Dataset: ds, TagName: "t", Partitions: []store.Partition{{Key: "k", Value: "x"}},
					CreatedBefore: before, Asc: true, Limit: 1}
				q, err := store.PrepareArtifactList(p)
				require.NoError(t, err)
				return testCatalog.ArtifactListQuery(p, q)
			},
			wantQuery: `SELECT ` + testCatalog.ArtifactColumns() + ` FROM artifacts a JOIN datasets d ON d.id = a.dataset_id` +
				` WHERE a.dataset_id = (SELECT d.id FROM datasets d WHERE d.project = $1 AND d.domain = $2 AND d.name = $3 AND d.version = $4)` +
				` AND EXISTS (SELECT 1 FROM tags t WHERE t.dataset_id = a.dataset_id AND t.name = $5 AND t.artifact_id = a.id)` +
				` AND EXISTS (SELECT 1 FROM partitions p WHERE p.artifact_id = a.id AND p.key = $6 AND p.value = $7)` +
				` AND a.created_at < $8 ORDER BY a.created_at ASC, a.id ASC LIMIT 2`,
			wantArgs: []any{"p", "d", "n", "v", "t", "k", "x", before},
		},
		{
			name: "delete by tag before a time",
			build: func() (string, []any, error) {
				q, args := testCatalog.ArtifactDeleteQuery(7, store.ArtifactDeleteParams{Dataset: ds, TagName: "t", CreatedBefore: before})
				return q, args, nil
			},
			wantQuery: `DELETE FROM artifacts WHERE dataset_id = $1` +
				` AND id IN (SELECT artifact_id FROM tags WHERE dataset_id = $1 AND name = $2) AND created_at < $3`,
			wantArgs: []any{int64(7), "t", before},
		},
		{
			name: "delete all",
			build: func() (string, []any, error) {
				q, args := testCatalog.ArtifactDeleteQuery(7, store.ArtifactDeleteParams{Dataset: ds})
				return q, args, nil
			},
			wantQuery: `DELETE FROM artifacts WHERE dataset_id = $1`,
			wantArgs:  []any{int64(7)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			query, args, err := tt.build()
			require.NoError(t, err)
			require.Equal(t, tt.wantQuery, query)
			require.Empty(t, cmp.Diff(tt.wantArgs, args))
		})
	}
}

func TestCatalogPage(t *testing.T) {
	t.Parallel()
	q, err := store.PrepareArtifactList(store.ArtifactListParams{Dataset: store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"}, Limit: 2})
	require.NoError(t, err)
	at := time.Unix(5, 0).UTC()
	items := []*store.Artifact{{ID: "c", CreatedAt: at}, {ID: "b", CreatedAt: at}, {ID: "a", CreatedAt: at}}
	page := NewArtifactPage(q, items)
	require.Len(t, page.Items, 2)
	require.NotEmpty(t, page.NextToken)
	next, err := store.PrepareArtifactList(store.ArtifactListParams{Dataset: store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"},
		Limit: 2, Token: page.NextToken})
	require.NoError(t, err)
	require.Equal(t, &store.Cursor{Sort: at, Key: "b"}, next.After, "continues after the last item kept")
	require.Empty(t, NewArtifactPage(q, items[:2]).NextToken, "no token when nothing follows")
}

func TestReservationHeldError(t *testing.T) {
	t.Parallel()
	err := error(&ReservationHeldError{Dataset: store.DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"}, TagName: "t", Owner: "o"})
	require.True(t, errors.Is(err, store.ErrConflict))
	require.Equal(t, "reservation of tag t in dataset p/d/n/v is held by o", err.Error())
}
