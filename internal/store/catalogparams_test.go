package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// validator is any catalog params type.
type validator interface{ Validate() error }

func TestCatalogParamsValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ds := DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"}
	tests := []struct {
		name string
		p    validator
		// param is the field the error names; empty when the params are valid.
		param string
	}{
		{"dataset create", &DatasetCreateParams{UUID: "u", Key: ds, PartitionKeys: []string{"a", "b"}, Now: now}, ""},
		{"dataset create without uuid", &DatasetCreateParams{Key: ds, Now: now}, "uuid"},
		{"dataset create with NUL in uuid", &DatasetCreateParams{UUID: "u\x00", Key: ds, Now: now}, "uuid"},
		{"dataset create without project", &DatasetCreateParams{UUID: "u", Key: DatasetKey{Domain: "d", Name: "n", Version: "v"}, Now: now}, "key.project"},
		{"dataset create without name", &DatasetCreateParams{UUID: "u", Key: DatasetKey{Project: "p", Domain: "d", Version: "v"}, Now: now}, "key.name"},
		{"dataset create with an empty partition key", &DatasetCreateParams{UUID: "u", Key: ds, PartitionKeys: []string{""}, Now: now}, "partition_keys[0]"},
		{"dataset create with a repeated partition key", &DatasetCreateParams{UUID: "u", Key: ds, PartitionKeys: []string{"a", "b", "a"}, Now: now}, "partition_keys[2]"},
		{"dataset create without time", &DatasetCreateParams{UUID: "u", Key: ds}, "now"},

		{"dataset get by uuid", &DatasetGetParams{UUID: "u"}, ""},
		{"dataset get by key", &DatasetGetParams{Key: ds}, ""},
		{"dataset get by uuid ignores the key", &DatasetGetParams{UUID: "u", Key: DatasetKey{Project: "p"}}, ""},
		{"dataset get by nothing", &DatasetGetParams{}, "uuid"},
		{"dataset get by a partial key", &DatasetGetParams{Key: DatasetKey{Project: "p", Domain: "d", Name: "n"}}, "key.version"},

		{"artifact create", &ArtifactCreateParams{Dataset: ds, ID: "a", Tags: []string{"t1", "t2"},
			Partitions: []Partition{{Key: "k", Value: ""}, {Key: "l", Value: "v"}}, Now: now}, ""},
		{"artifact create without dataset", &ArtifactCreateParams{ID: "a", Now: now}, "dataset.project"},
		{"artifact create without id", &ArtifactCreateParams{Dataset: ds, Now: now}, "id"},
		{"artifact create with an empty tag", &ArtifactCreateParams{Dataset: ds, ID: "a", Tags: []string{"t", ""}, Now: now}, "tags[1]"},
		{"artifact create with a repeated tag", &ArtifactCreateParams{Dataset: ds, ID: "a", Tags: []string{"t", "t"}, Now: now}, "tags[1]"},
		{"artifact create with an empty partition key", &ArtifactCreateParams{Dataset: ds, ID: "a", Partitions: []Partition{{Value: "v"}}, Now: now}, "partitions[0].key"},
		{"artifact create with NUL in a partition value", &ArtifactCreateParams{Dataset: ds, ID: "a", Partitions: []Partition{{Key: "k", Value: "\x00"}}, Now: now}, "partitions[0].value"},
		{"artifact create with a repeated partition key", &ArtifactCreateParams{Dataset: ds, ID: "a",
			Partitions: []Partition{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}, Now: now}, "partitions[1].key"},
		{"artifact create without time", &ArtifactCreateParams{Dataset: ds, ID: "a"}, "now"},

		{"artifact get by id", &ArtifactGetParams{Dataset: ds, ID: "a"}, ""},
		{"artifact get by tag", &ArtifactGetParams{Dataset: ds, TagName: "t"}, ""},
		{"artifact get by nothing", &ArtifactGetParams{Dataset: ds}, "id"},
		{"artifact get without domain", &ArtifactGetParams{Dataset: DatasetKey{Project: "p", Name: "n", Version: "v"}, ID: "a"}, "dataset.domain"},
		{"artifact get with NUL in the tag", &ArtifactGetParams{Dataset: ds, TagName: "t\x00"}, "tag_name"},

		{"artifact update by tag", &ArtifactUpdateParams{Dataset: ds, TagName: "t", Now: now}, ""},
		{"artifact update by nothing", &ArtifactUpdateParams{Dataset: ds, Now: now}, "id"},
		{"artifact update without time", &ArtifactUpdateParams{Dataset: ds, ID: "a"}, "now"},

		{"artifact delete all", &ArtifactDeleteParams{Dataset: ds}, ""},
		{"artifact delete without version", &ArtifactDeleteParams{Dataset: DatasetKey{Project: "p", Domain: "d", Name: "n"}}, "dataset.version"},
		{"artifact delete with NUL in the id", &ArtifactDeleteParams{Dataset: ds, ID: "\x00"}, "id"},

		{"tag add", &TagAddParams{Dataset: ds, Name: "t", ArtifactID: "a", Now: now}, ""},
		{"tag add without name", &TagAddParams{Dataset: ds, ArtifactID: "a", Now: now}, "name"},
		{"tag add without artifact", &TagAddParams{Dataset: ds, Name: "t", Now: now}, "artifact_id"},
		{"tag add without time", &TagAddParams{Dataset: ds, Name: "t", ArtifactID: "a"}, "now"},

		{"reserve", &ReservationGetOrExtendParams{Dataset: ds, TagName: "t", OwnerID: "o", HeartbeatInterval: time.Second, Now: now}, ""},
		{"reserve the longest heartbeat", &ReservationGetOrExtendParams{Dataset: ds, TagName: "t", OwnerID: "o", HeartbeatInterval: MaxReservationHeartbeat, Now: now}, ""},
		{"reserve without tag", &ReservationGetOrExtendParams{Dataset: ds, OwnerID: "o", HeartbeatInterval: time.Second, Now: now}, "tag_name"},
		{"reserve without owner", &ReservationGetOrExtendParams{Dataset: ds, TagName: "t", HeartbeatInterval: time.Second, Now: now}, "owner_id"},
		{"reserve without heartbeat", &ReservationGetOrExtendParams{Dataset: ds, TagName: "t", OwnerID: "o", Now: now}, "heartbeat_interval"},
		{"reserve with a too long heartbeat", &ReservationGetOrExtendParams{Dataset: ds, TagName: "t", OwnerID: "o",
			HeartbeatInterval: MaxReservationHeartbeat + time.Nanosecond, Now: now}, "heartbeat_interval"},
		{"reserve without time", &ReservationGetOrExtendParams{Dataset: ds, TagName: "t", OwnerID: "o", HeartbeatInterval: time.Second}, "now"},

		{"release", &ReservationReleaseParams{Dataset: ds, TagName: "t", OwnerID: "o"}, ""},
		{"release without owner", &ReservationReleaseParams{Dataset: ds, TagName: "t"}, "owner_id"},
		{"release without dataset", &ReservationReleaseParams{TagName: "t", OwnerID: "o"}, "dataset.project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.p.Validate()
			if tt.param == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidArgument)
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.param, pe.Param, err.Error())
		})
	}
}

func TestCatalogListsPrepare(t *testing.T) {
	t.Parallel()
	ds := DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"}
	q, err := PrepareArtifactList(ArtifactListParams{Dataset: ds})
	require.NoError(t, err)
	require.Equal(t, DefaultLimit, q.Limit)
	require.True(t, q.Desc, "newest first by default")
	require.Equal(t, "created_at", q.SortBy)
	require.Equal(t, "id", q.Key)

	q, err = PrepareDatasetList(DatasetListParams{Asc: true, Limit: 7})
	require.NoError(t, err)
	require.False(t, q.Desc)
	require.Equal(t, 7, q.Limit)
	require.Equal(t, "uuid", q.Key)

	// A token continues the same query only.
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	token := q.Token(Cursor{Sort: created, Key: "u1"})
	again, err := PrepareDatasetList(DatasetListParams{Asc: true, Limit: 3, Token: token})
	require.NoError(t, err, "the page size may change")
	require.Equal(t, &Cursor{Sort: created, Key: "u1"}, again.After)
	for _, p := range []DatasetListParams{
		{Token: token},
		{Asc: true, Key: DatasetKey{Project: "p"}, Token: token},
		{Asc: true, VersionPrefix: "1", Token: token},
	} {
		_, err := PrepareDatasetList(p)
		require.ErrorIs(t, err, ErrInvalidArgument, "%+v", p)
	}

	part := []Partition{{Key: "k", Value: "v"}}
	aq, err := PrepareArtifactList(ArtifactListParams{Dataset: ds, Partitions: part, CreatedBefore: created})
	require.NoError(t, err)
	atoken := aq.Token(Cursor{Sort: created, Key: "a1"})
	for _, p := range []ArtifactListParams{
		{Dataset: ds, Partitions: part, Token: atoken},
		{Dataset: ds, CreatedBefore: created, Token: atoken},
		{Dataset: ds, Partitions: []Partition{{Key: "k", Value: "w"}}, CreatedBefore: created, Token: atoken},
		{Dataset: ds, Partitions: part, CreatedBefore: created.Add(time.Second), Token: atoken},
		{Dataset: ds, Partitions: part, CreatedBefore: created, TagName: "t", Token: atoken},
	} {
		_, err := PrepareArtifactList(p)
		require.ErrorIs(t, err, ErrInvalidArgument, "%+v", p)
	}
	_, err = PrepareArtifactList(ArtifactListParams{Dataset: ds, Partitions: part, CreatedBefore: created, Token: atoken})
	require.NoError(t, err)

	for _, tt := range []struct {
		param string
		p     ArtifactListParams
	}{
		{"dataset.name", ArtifactListParams{Dataset: DatasetKey{Project: "p", Domain: "d", Version: "v"}}},
		{"limit", ArtifactListParams{Dataset: ds, Limit: MaxLimit + 1}},
		{"limit", ArtifactListParams{Dataset: ds, Limit: -1}},
		{"partitions[0].key", ArtifactListParams{Dataset: ds, Partitions: []Partition{{Value: "v"}}}},
		{"tag_name", ArtifactListParams{Dataset: ds, TagName: "\x00"}},
	} {
		_, err := PrepareArtifactList(tt.p)
		var pe *ParamError
		require.ErrorAs(t, err, &pe, tt.param)
		require.Equal(t, tt.param, pe.Param)
	}
	_, err = PrepareDatasetList(DatasetListParams{Key: DatasetKey{Name: "\x00"}})
	require.ErrorContains(t, err, "key.name")
}

func TestReservationExpiresAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 999, time.FixedZone("X", 3600))
	p := ReservationGetOrExtendParams{HeartbeatInterval: 10 * time.Second, Now: now}
	require.Equal(t, time.Date(2023, 12, 31, 23, 0, 30, 0, time.UTC), p.ExpiresAt())
	require.Equal(t, "p/d/n/v", DatasetKey{Project: "p", Domain: "d", Name: "n", Version: "v"}.String())
}
