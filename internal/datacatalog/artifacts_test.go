package datacatalog_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
)

func TestCreateAndGetArtifact(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		ds := dsID("flyte_task-add", "1-abc")
		e.createDataset(ds, "region")
		created := e.clock.Now()
		a := &datacatalogv1.Artifact{
			Id:         "art-1",
			Dataset:    ds,
			Data:       []*datacatalogv1.ArtifactData{intData("sum", 3), intData("carry", 0)},
			Metadata:   &datacatalogv1.Metadata{KeyMap: map[string]string{"execution": "proj/development/x1", "node_id": "n0"}},
			Partitions: []*datacatalogv1.Partition{{Key: "region", Value: "eu"}},
			Tags:       []*datacatalogv1.Tag{{Name: "flyte_cached-1"}, {Name: "flyte_cached-2", ArtifactId: "art-1"}},
		}
		e.createArtifact(a)

		// The stored size is the encoded data, as the package documents it.
		size := int64(len(mustMarshal(t, &datacatalogv1.Artifact{Data: a.GetData()})))
		dsOut := dsID("flyte_task-add", "1-abc")
		want := &datacatalogv1.Artifact{
			Id:         "art-1",
			Dataset:    dsOut,
			Data:       a.GetData(),
			Metadata:   a.GetMetadata(),
			Partitions: a.GetPartitions(),
			Tags: []*datacatalogv1.Tag{
				{Name: "flyte_cached-1", ArtifactId: "art-1", Dataset: dsOut},
				{Name: "flyte_cached-2", ArtifactId: "art-1", Dataset: dsOut},
			},
			CreatedAt: timestamppb.New(created),
			UpdatedAt: timestamppb.New(created),
			SizeBytes: size,
		}
		for _, tag := range []string{"flyte_cached-1", "flyte_cached-2"} {
			got, err := e.getByTag(ds, tag)
			require.NoError(t, err)
			requireProto(t, want, got)
		}
		byID, err := e.client.GetArtifact(ctx, connect.NewRequest(&datacatalogv1.GetArtifactRequest{
			Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_ArtifactId{ArtifactId: "art-1"},
		}))
		require.NoError(t, err)
		requireProto(t, want, byID.Msg.GetArtifact())

		// The dataset may be named by uuid.
		dres, err := e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: ds}))
		require.NoError(t, err)
		got, err := e.getByTag(&datacatalogv1.DatasetID{Uuid: dres.Msg.GetDataset().GetId().GetUuid()}, "flyte_cached-1")
		require.NoError(t, err)
		requireProto(t, want, got)

		// An artifact with no outputs (a task without outputs) is fine.
		e.createArtifact(&datacatalogv1.Artifact{Id: "art-empty", Dataset: ds, Tags: []*datacatalogv1.Tag{{Name: "flyte_cached-empty"}}})
		empty, err := e.getByTag(ds, "flyte_cached-empty")
		require.NoError(t, err)
		require.Empty(t, empty.GetData())
		require.Empty(t, empty.GetMetadata().GetKeyMap())
		require.Equal(t, int64(0), empty.GetSizeBytes())

		// Conflicts and missing rows.
		_, err = e.client.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: artifact(ds, "art-1", 4)}))
		requireCode(t, err, connect.CodeAlreadyExists, "art-1")
		_, err = e.client.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: artifact(ds, "art-2", 4, "new-tag", "flyte_cached-1")}))
		requireCode(t, err, connect.CodeAlreadyExists, "flyte_cached-1")
		_, err = e.getByTag(ds, "new-tag")
		requireCode(t, err, connect.CodeNotFound, "new-tag")
		_, err = e.client.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: artifact(dsID("flyte_task-add", "9-abc"), "art-3", 4)}))
		requireCode(t, err, connect.CodeNotFound, "9-abc")
		_, err = e.getByTag(ds, "flyte_cached-none")
		requireCode(t, err, connect.CodeNotFound, "flyte_cached-none")
		_, err = e.getByTag(dsID("flyte_task-add", "9-abc"), "flyte_cached-1")
		requireCode(t, err, connect.CodeNotFound)
		_, err = e.getByTag(&datacatalogv1.DatasetID{Uuid: "no-such-uuid"}, "flyte_cached-1")
		requireCode(t, err, connect.CodeNotFound)
	})
}

func TestListArtifacts(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		ds := dsID("flyte_task-add", "1-abc")
		e.createDataset(ds, "region", "day")
		for i, p := range []struct{ region, day string }{{"eu", "mon"}, {"eu", "tue"}, {"us", "mon"}} {
			a := artifact(ds, "art-"+p.region+"-"+p.day, int64(i), "tag-"+p.region+"-"+p.day)
			a.Partitions = []*datacatalogv1.Partition{{Key: "region", Value: p.region}, {Key: "day", Value: p.day}}
			e.createArtifact(a)
			e.clock.advance(time.Second)
		}
		other := dsID("flyte_task-add", "2-abc")
		e.createDataset(other)
		e.createArtifact(artifact(other, "art-other", 9, "tag-eu-mon"))

		partition := func(k, v string) *datacatalogv1.SinglePropertyFilter {
			return &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_PartitionFilter{
				PartitionFilter: &datacatalogv1.PartitionPropertyFilter{Property: &datacatalogv1.PartitionPropertyFilter_KeyVal{KeyVal: &corev1.KeyValuePair{Key: k, Value: v}}},
			}}
		}
		tag := func(v string) *datacatalogv1.SinglePropertyFilter {
			return &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_TagFilter{
				TagFilter: &datacatalogv1.TagPropertyFilter{Property: &datacatalogv1.TagPropertyFilter_TagName{TagName: v}},
			}}
		}
		id := func(v string) *datacatalogv1.SinglePropertyFilter {
			return &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_ArtifactFilter{
				ArtifactFilter: &datacatalogv1.ArtifactPropertyFilter{Property: &datacatalogv1.ArtifactPropertyFilter_ArtifactId{ArtifactId: v}},
			}}
		}
		tests := []struct {
			name    string
			filters []*datacatalogv1.SinglePropertyFilter
			asc     bool
			want    []string
		}{
			{"all newest first", nil, false, []string{"art-us-mon", "art-eu-tue", "art-eu-mon"}},
			{"all oldest first", nil, true, []string{"art-eu-mon", "art-eu-tue", "art-us-mon"}},
			{"one partition", []*datacatalogv1.SinglePropertyFilter{partition("region", "eu")}, false, []string{"art-eu-tue", "art-eu-mon"}},
			{"two partitions", []*datacatalogv1.SinglePropertyFilter{partition("region", "eu"), partition("day", "mon")}, false, []string{"art-eu-mon"}},
			{"tag", []*datacatalogv1.SinglePropertyFilter{tag("tag-eu-mon")}, false, []string{"art-eu-mon"}},
			{"artifact id", []*datacatalogv1.SinglePropertyFilter{id("art-us-mon")}, false, []string{"art-us-mon"}},
			{"no match", []*datacatalogv1.SinglePropertyFilter{tag("tag-eu-mon"), partition("region", "us")}, false, nil},
		}
		for _, tt := range tests {
			pg := &datacatalogv1.PaginationOptions{}
			if tt.asc {
				pg.SortOrder = datacatalogv1.PaginationOptions_SORT_ORDER_ASCENDING
			}
			res, err := e.client.ListArtifacts(ctx, connect.NewRequest(&datacatalogv1.ListArtifactsRequest{
				Dataset: ds, Filter: &datacatalogv1.FilterExpression{Filters: tt.filters}, Pagination: pg,
			}))
			require.NoError(t, err, tt.name)
			var got []string
			for _, a := range res.Msg.GetArtifacts() {
				got = append(got, a.GetId())
				require.Len(t, a.GetData(), 1, "listed artifacts carry their data")
				require.Len(t, a.GetPartitions(), 2)
				require.Len(t, a.GetTags(), 1)
			}
			require.Empty(t, cmp.Diff(tt.want, got), tt.name)
		}

		// Pagination by two.
		var pages [][]string
		token := ""
		for range 5 {
			res, err := e.client.ListArtifacts(ctx, connect.NewRequest(&datacatalogv1.ListArtifactsRequest{
				Dataset: ds, Pagination: &datacatalogv1.PaginationOptions{Limit: 2, Token: token},
			}))
			require.NoError(t, err)
			var page []string
			for _, a := range res.Msg.GetArtifacts() {
				page = append(page, a.GetId())
			}
			pages = append(pages, page)
			if token = res.Msg.GetNextToken(); token == "" {
				break
			}
		}
		require.Empty(t, cmp.Diff([][]string{{"art-us-mon", "art-eu-tue"}, {"art-eu-mon"}}, pages))

		_, err := e.client.ListArtifacts(ctx, connect.NewRequest(&datacatalogv1.ListArtifactsRequest{Dataset: dsID("flyte_task-x", "1")}))
		requireCode(t, err, connect.CodeNotFound)

		dsFilter := &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_DatasetFilter{
			DatasetFilter: &datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Name{Name: "x"}},
		}}
		bad := []struct {
			name string
			req  *datacatalogv1.ListArtifactsRequest
			msgs []string
		}{
			{"no dataset", &datacatalogv1.ListArtifactsRequest{}, []string{"dataset: required"}},
			{"dataset filter", &datacatalogv1.ListArtifactsRequest{Dataset: ds, Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{dsFilter}}},
				[]string{"filter.filters[0]: a dataset filter does not apply to artifacts"}},
			{"two tags", &datacatalogv1.ListArtifactsRequest{Dataset: ds, Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{tag("a"), tag("b")}}},
				[]string{`filter.filters[1].tag_filter: a second tag name ("b" after "a")`}},
			{"empty partition key", &datacatalogv1.ListArtifactsRequest{Dataset: ds, Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{partition("", "v")}}},
				[]string{"filter.filters[0].partition_filter.key_val.key: required"}},
			{"empty filter", &datacatalogv1.ListArtifactsRequest{Dataset: ds, Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{{}}}},
				[]string{"filter.filters[0]: no property filter set"}},
			{"bad token", &datacatalogv1.ListArtifactsRequest{Dataset: ds, Pagination: &datacatalogv1.PaginationOptions{Token: "nope"}},
				[]string{"token"}},
		}
		for _, tt := range bad {
			_, err := e.client.ListArtifacts(ctx, connect.NewRequest(tt.req))
			requireCode(t, err, connect.CodeInvalidArgument, tt.msgs...)
		}
	})
}

func TestUpdateArtifact(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		ds := dsID("flyte_task-add", "1-abc")
		e.createDataset(ds)
		created := e.clock.Now()
		e.createArtifact(artifact(ds, "art-1", 1, "key-1"))
		e.clock.advance(time.Minute)

		res, err := e.client.UpdateArtifact(ctx, connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{
			Dataset:     ds,
			QueryHandle: &datacatalogv1.UpdateArtifactRequest_TagName{TagName: "key-1"},
			Data:        []*datacatalogv1.ArtifactData{intData("o0", 42), intData("o1", 43)},
			Metadata:    &datacatalogv1.Metadata{KeyMap: map[string]string{"execution": "proj/development/x2"}},
		}))
		require.NoError(t, err)
		require.Equal(t, "art-1", res.Msg.GetArtifactId())

		got, err := e.getByTag(ds, "key-1")
		require.NoError(t, err)
		require.Empty(t, cmp.Diff([]int64{42, 43}, []int64{
			got.GetData()[0].GetValue().GetScalar().GetPrimitive().GetInteger(),
			got.GetData()[1].GetValue().GetScalar().GetPrimitive().GetInteger(),
		}))
		require.Equal(t, "proj/development/x2", got.GetMetadata().GetKeyMap()["execution"])
		require.Equal(t, created, got.GetCreatedAt().AsTime())
		require.Equal(t, created.Add(time.Minute), got.GetUpdatedAt().AsTime())
		require.Equal(t, int64(len(mustMarshal(t, &datacatalogv1.Artifact{Data: got.GetData()}))), got.GetSizeBytes())

		// By id, with no data at all.
		res, err = e.client.UpdateArtifact(ctx, connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{
			Dataset: ds, QueryHandle: &datacatalogv1.UpdateArtifactRequest_ArtifactId{ArtifactId: "art-1"},
		}))
		require.NoError(t, err)
		got, err = e.getByTag(ds, "key-1")
		require.NoError(t, err)
		require.Empty(t, got.GetData())
		require.Equal(t, "art-1", res.Msg.GetArtifactId())

		_, err = e.client.UpdateArtifact(ctx, connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{
			Dataset: ds, QueryHandle: &datacatalogv1.UpdateArtifactRequest_TagName{TagName: "key-none"},
		}))
		requireCode(t, err, connect.CodeNotFound, "key-none")
		_, err = e.client.UpdateArtifact(ctx, connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{Dataset: ds}))
		requireCode(t, err, connect.CodeInvalidArgument, "query_handle: required: give artifact_id or tag_name")
		_, err = e.client.UpdateArtifact(ctx, connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{
			Dataset: ds, QueryHandle: &datacatalogv1.UpdateArtifactRequest_ArtifactId{},
			Data: []*datacatalogv1.ArtifactData{{Name: "o0"}, intData("o0", 1)},
		}))
		requireCode(t, err, connect.CodeInvalidArgument, "artifact_id: required", "data[0].value: required", `data[1].name: "o0" also names data[0]`)
	})
}

func TestAddTag(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		ds := dsID("flyte_task-add", "1-abc")
		e.createDataset(ds)
		e.createArtifact(artifact(ds, "art-1", 1, "key-1"))
		e.createArtifact(artifact(ds, "art-2", 2, "key-2"))
		addTag := func(name, artifactID string, d *datacatalogv1.DatasetID) error {
			_, err := e.client.AddTag(ctx, connect.NewRequest(&datacatalogv1.AddTagRequest{Tag: &datacatalogv1.Tag{Name: name, ArtifactId: artifactID, Dataset: d}}))
			return err
		}
		require.NoError(t, addTag("alias", "art-1", ds))
		require.NoError(t, addTag("alias", "art-1", ds), "adding the same tag again succeeds")
		got, err := e.getByTag(ds, "alias")
		require.NoError(t, err)
		require.Equal(t, "art-1", got.GetId())
		var tags []string
		for _, tg := range got.GetTags() {
			tags = append(tags, tg.GetName())
		}
		require.Empty(t, cmp.Diff([]string{"alias", "key-1"}, tags))

		requireCode(t, addTag("alias", "art-2", ds), connect.CodeAlreadyExists, "alias")
		requireCode(t, addTag("x", "art-none", ds), connect.CodeNotFound)
		requireCode(t, addTag("x", "art-1", dsID("flyte_task-none", "1")), connect.CodeNotFound)
		requireCode(t, addTag("", "", nil), connect.CodeInvalidArgument, "tag.name: required", "tag.artifact_id: required", "tag.dataset: required")
		_, err = e.client.AddTag(ctx, connect.NewRequest(&datacatalogv1.AddTagRequest{}))
		requireCode(t, err, connect.CodeInvalidArgument, "tag: required")
	})
}

func TestDeleteArtifacts(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		ds := dsID("flyte_task-add", "1-abc")
		e.createDataset(ds)
		start := e.clock.Now()
		for i := range 5 {
			e.createArtifact(artifact(ds, "art-"+string(rune('a'+i)), int64(i), "key-"+string(rune('a'+i))))
			e.clock.advance(time.Hour)
		}
		other := dsID("flyte_task-add", "2-abc")
		e.createDataset(other)
		e.createArtifact(artifact(other, "art-other", 1, "key-a"))

		del := func(r *datacatalogv1.DeleteArtifactsRequest) uint64 {
			t.Helper()
			res, err := e.client.DeleteArtifacts(ctx, connect.NewRequest(r))
			require.NoError(t, err)
			return res.Msg.GetDeletedCount()
		}
		remaining := func(d *datacatalogv1.DatasetID) []string {
			t.Helper()
			res, err := e.client.ListArtifacts(ctx, connect.NewRequest(&datacatalogv1.ListArtifactsRequest{
				Dataset: d, Pagination: &datacatalogv1.PaginationOptions{SortOrder: datacatalogv1.PaginationOptions_SORT_ORDER_ASCENDING},
			}))
			require.NoError(t, err)
			var ids []string
			for _, a := range res.Msg.GetArtifacts() {
				ids = append(ids, a.GetId())
			}
			return ids
		}

		// Older than two hours after the start: a and b.
		require.Equal(t, uint64(2), del(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds, CreatedBefore: timestamppb.New(start.Add(90 * time.Minute))}))
		require.Empty(t, cmp.Diff([]string{"art-c", "art-d", "art-e"}, remaining(ds)))
		_, err := e.getByTag(ds, "key-a")
		requireCode(t, err, connect.CodeNotFound)
		// The evicted key can be filled again.
		e.createArtifact(artifact(ds, "art-a2", 7, "key-a"))

		require.Equal(t, uint64(1), del(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds, TagName: "key-c"}))
		require.Equal(t, uint64(1), del(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds, ArtifactId: "art-d"}))
		require.Equal(t, uint64(0), del(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds, TagName: "key-e", ArtifactId: "art-a2"}), "criteria combine")
		require.Equal(t, uint64(0), del(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds, TagName: "key-none"}))
		require.Empty(t, cmp.Diff([]string{"art-e", "art-a2"}, remaining(ds)))
		require.Equal(t, uint64(2), del(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds}))
		require.Empty(t, remaining(ds))
		require.Empty(t, cmp.Diff([]string{"art-other"}, remaining(other)), "other datasets keep their artifacts")

		// The dataset stays.
		_, err = e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: ds}))
		require.NoError(t, err)

		_, err = e.client.DeleteArtifacts(ctx, connect.NewRequest(&datacatalogv1.DeleteArtifactsRequest{Dataset: dsID("flyte_task-none", "1")}))
		requireCode(t, err, connect.CodeNotFound)
		_, err = e.client.DeleteArtifacts(ctx, connect.NewRequest(&datacatalogv1.DeleteArtifactsRequest{}))
		requireCode(t, err, connect.CodeInvalidArgument, "dataset: required")
		_, err = e.client.DeleteArtifacts(ctx, connect.NewRequest(&datacatalogv1.DeleteArtifactsRequest{
			Dataset: ds, CreatedBefore: &timestamppb.Timestamp{Seconds: 1, Nanos: -1},
		}))
		requireCode(t, err, connect.CodeInvalidArgument, "created_before:")
	})
}

func TestCreateArtifactRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	ds := dsID("flyte_task-add", "1-abc")
	e.createDataset(ds)
	tests := []struct {
		name string
		a    *datacatalogv1.Artifact
		msgs []string
	}{
		{"nothing", nil, []string{"artifact: required"}},
		{"no id or dataset", &datacatalogv1.Artifact{}, []string{"artifact.id: required", "artifact.dataset: required"}},
		{"data", &datacatalogv1.Artifact{Id: "a", Dataset: ds, Data: []*datacatalogv1.ArtifactData{{Value: intData("x", 1).GetValue()}, {Name: "o"}}},
			[]string{"artifact.data[0].name: required", "artifact.data[1].value: required"}},
		{"partitions", &datacatalogv1.Artifact{Id: "a", Dataset: ds, Partitions: []*datacatalogv1.Partition{{Key: "k"}, {Key: "k"}, {}}},
			[]string{`artifact.partitions[1].key: "k" is given twice`, "artifact.partitions[2].key: required"}},
		{"tags", &datacatalogv1.Artifact{Id: "a", Dataset: ds, Tags: []*datacatalogv1.Tag{{}, {Name: "t", ArtifactId: "b"}}},
			[]string{"artifact.tags[0].name: required", `artifact.tags[1].artifact_id: "b" is not the artifact's id "a"`}},
	}
	for _, tt := range tests {
		_, err := e.client.CreateArtifact(t.Context(), connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: tt.a}))
		requireCode(t, err, connect.CodeInvalidArgument, tt.msgs...)
	}
	// Partitions must use the dataset's partition keys.
	bad := artifact(ds, "a", 1)
	bad.Partitions = []*datacatalogv1.Partition{{Key: "region", Value: "eu"}}
	_, err := e.client.CreateArtifact(t.Context(), connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: bad}))
	requireCode(t, err, connect.CodeInvalidArgument, `artifact.partitions[0].key: "region" is not a partition key of dataset proj/development/flyte_task-add/1-abc (keys: none)`)
	_, err = e.client.GetArtifact(t.Context(), connect.NewRequest(&datacatalogv1.GetArtifactRequest{}))
	requireCode(t, err, connect.CodeInvalidArgument, "dataset: required", "query_handle: required")
	_, err = e.client.GetArtifact(t.Context(), connect.NewRequest(&datacatalogv1.GetArtifactRequest{
		Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{},
	}))
	requireCode(t, err, connect.CodeInvalidArgument, "tag_name: required")
}

// mustMarshal marshals m deterministically.
func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	require.NoError(t, err)
	return b
}
