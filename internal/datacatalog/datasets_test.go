package datacatalog_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
)

func TestCreateAndGetDataset(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		id := dsID("flyte_task-add", "1-abc")
		_, err := e.client.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{
			Id:            id,
			Metadata:      &datacatalogv1.Metadata{KeyMap: map[string]string{"task_version": "v1"}},
			PartitionKeys: []string{"region", "day"},
		}}))
		require.NoError(t, err)

		got, err := e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: id}))
		require.NoError(t, err)
		ds := got.Msg.GetDataset()
		require.NotEmpty(t, ds.GetId().GetUuid(), "the service assigns a uuid")
		want := &datacatalogv1.Dataset{
			Id:            &datacatalogv1.DatasetID{Project: "proj", Domain: "development", Name: "flyte_task-add", Version: "1-abc", Uuid: ds.GetId().GetUuid()},
			Metadata:      &datacatalogv1.Metadata{KeyMap: map[string]string{"task_version": "v1"}},
			PartitionKeys: []string{"region", "day"},
		}
		requireProto(t, want, ds)

		// By uuid alone.
		byUUID, err := e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{
			Dataset: &datacatalogv1.DatasetID{Uuid: ds.GetId().GetUuid()},
		}))
		require.NoError(t, err)
		requireProto(t, want, byUUID.Msg.GetDataset())

		// A second create of the same key is refused and changes nothing.
		_, err = e.client.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: id}}))
		requireCode(t, err, connect.CodeAlreadyExists, "dataset proj/development/flyte_task-add/1-abc")
		again, err := e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: id}))
		require.NoError(t, err)
		requireProto(t, want, again.Msg.GetDataset())

		// Without metadata, a dataset reads back with empty metadata.
		bare := dsID("flyte_task-add", "2-abc")
		e.createDataset(bare)
		got, err = e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: bare}))
		require.NoError(t, err)
		require.Empty(t, got.Msg.GetDataset().GetMetadata().GetKeyMap())
		require.Empty(t, got.Msg.GetDataset().GetPartitionKeys())

		_, err = e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: dsID("flyte_task-add", "9-abc")}))
		requireCode(t, err, connect.CodeNotFound)
		_, err = e.client.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: &datacatalogv1.DatasetID{Uuid: "no-such-uuid"}}))
		requireCode(t, err, connect.CodeNotFound)
	})
}

func TestListDatasets(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		// Created one second apart, so the order is by creation time.
		ids := []*datacatalogv1.DatasetID{
			dsID("flyte_task-a", "1-x"), dsID("flyte_task-a", "2-x"), dsID("flyte_task-b", "1-x"),
			{Project: "other", Domain: "development", Name: "flyte_task-a", Version: "1-x"},
		}
		for _, id := range ids {
			e.createDataset(id)
			e.clock.advance(time.Second)
		}
		dsFilter := func(p *datacatalogv1.DatasetPropertyFilter) *datacatalogv1.SinglePropertyFilter {
			return &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_DatasetFilter{DatasetFilter: p}}
		}
		project := func(v string) *datacatalogv1.SinglePropertyFilter {
			return dsFilter(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Project{Project: v}})
		}
		name := func(v string) *datacatalogv1.SinglePropertyFilter {
			return dsFilter(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Name{Name: v}})
		}
		domain := func(v string) *datacatalogv1.SinglePropertyFilter {
			return dsFilter(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Domain{Domain: v}})
		}
		version := func(v string) *datacatalogv1.SinglePropertyFilter {
			return dsFilter(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Version{Version: v}})
		}
		list := func(pg *datacatalogv1.PaginationOptions, filters ...*datacatalogv1.SinglePropertyFilter) ([]string, string) {
			t.Helper()
			res, err := e.client.ListDatasets(ctx, connect.NewRequest(&datacatalogv1.ListDatasetsRequest{
				Filter: &datacatalogv1.FilterExpression{Filters: filters}, Pagination: pg,
			}))
			require.NoError(t, err)
			var got []string
			for _, d := range res.Msg.GetDatasets() {
				require.NotEmpty(t, d.GetId().GetUuid())
				got = append(got, d.GetId().GetProject()+"/"+d.GetId().GetName()+"@"+d.GetId().GetVersion())
			}
			return got, res.Msg.GetNextToken()
		}
		tests := []struct {
			name    string
			filters []*datacatalogv1.SinglePropertyFilter
			asc     bool
			want    []string
		}{
			{"all, newest first", nil, false, []string{"other/flyte_task-a@1-x", "proj/flyte_task-b@1-x", "proj/flyte_task-a@2-x", "proj/flyte_task-a@1-x"}},
			{"all, oldest first", nil, true, []string{"proj/flyte_task-a@1-x", "proj/flyte_task-a@2-x", "proj/flyte_task-b@1-x", "other/flyte_task-a@1-x"}},
			{"project and name", []*datacatalogv1.SinglePropertyFilter{project("proj"), domain("development"), name("flyte_task-a")}, false, []string{"proj/flyte_task-a@2-x", "proj/flyte_task-a@1-x"}},
			{"version", []*datacatalogv1.SinglePropertyFilter{version("1-x"), name("flyte_task-a")}, true, []string{"proj/flyte_task-a@1-x", "other/flyte_task-a@1-x"}},
			{"nothing matches", []*datacatalogv1.SinglePropertyFilter{name("flyte_task-c")}, false, nil},
		}
		for _, tt := range tests {
			pg := &datacatalogv1.PaginationOptions{}
			if tt.asc {
				pg.SortOrder = datacatalogv1.PaginationOptions_SORT_ORDER_ASCENDING
			}
			got, token := list(pg, tt.filters...)
			require.Empty(t, cmp.Diff(tt.want, got), tt.name)
			require.Empty(t, token, tt.name)
		}

		// Pages of one follow each other to the end.
		var all []string
		token := ""
		for range 10 {
			got, next := list(&datacatalogv1.PaginationOptions{Limit: 1, Token: token}, project("proj"))
			require.Len(t, got, 1)
			all = append(all, got...)
			if next == "" {
				break
			}
			token = next
		}
		require.Empty(t, cmp.Diff([]string{"proj/flyte_task-b@1-x", "proj/flyte_task-a@2-x", "proj/flyte_task-a@1-x"}, all))
	})
}

func TestListDatasetsRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	tag := &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_TagFilter{
		TagFilter: &datacatalogv1.TagPropertyFilter{Property: &datacatalogv1.TagPropertyFilter_TagName{TagName: "x"}},
	}}
	partition := &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_PartitionFilter{
		PartitionFilter: &datacatalogv1.PartitionPropertyFilter{Property: &datacatalogv1.PartitionPropertyFilter_KeyVal{KeyVal: &corev1.KeyValuePair{Key: "k"}}},
	}}
	projectFilter := func(v string) *datacatalogv1.SinglePropertyFilter {
		return &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_DatasetFilter{
			DatasetFilter: &datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Project{Project: v}},
		}}
	}
	badOp := projectFilter("p")
	badOp.Operator = 7
	tests := []struct {
		name string
		req  *datacatalogv1.ListDatasetsRequest
		msgs []string
	}{
		{"tag filter", &datacatalogv1.ListDatasetsRequest{Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{tag}}},
			[]string{"filter.filters[0]: a tag filter; datasets are filtered by project, domain, name and version only"}},
		{"partition filter", &datacatalogv1.ListDatasetsRequest{Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{projectFilter("p"), partition}}},
			[]string{"filter.filters[1]: a partition filter"}},
		{"empty filter", &datacatalogv1.ListDatasetsRequest{Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{{}}}},
			[]string{"filter.filters[0]: an empty filter"}},
		{"two projects", &datacatalogv1.ListDatasetsRequest{Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{projectFilter("a"), projectFilter("b")}}},
			[]string{`filter.filters[1].dataset_filter.project: given twice with different values ("a" and "b")`}},
		{"empty value", &datacatalogv1.ListDatasetsRequest{Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{projectFilter("")}}},
			[]string{"filter.filters[0].dataset_filter.project: required"}},
		{"operator", &datacatalogv1.ListDatasetsRequest{Filter: &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{badOp}}},
			[]string{"filter.filters[0].operator: unknown operator 7"}},
		{"limit", &datacatalogv1.ListDatasetsRequest{Pagination: &datacatalogv1.PaginationOptions{Limit: 20000}},
			[]string{"pagination.limit: at most 10000, got 20000"}},
		{"sort", &datacatalogv1.ListDatasetsRequest{Pagination: &datacatalogv1.PaginationOptions{SortKey: 3, SortOrder: 4}},
			[]string{"pagination.sort_key: unknown sort key 3", "pagination.sort_order: unknown sort order 4"}},
		{"token", &datacatalogv1.ListDatasetsRequest{Pagination: &datacatalogv1.PaginationOptions{Token: "garbage"}},
			[]string{"token"}},
	}
	for _, tt := range tests {
		_, err := e.client.ListDatasets(t.Context(), connect.NewRequest(tt.req))
		requireCode(t, err, connect.CodeInvalidArgument, tt.msgs...)
	}
}

func TestCreateDatasetRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	tests := []struct {
		name string
		req  *datacatalogv1.CreateDatasetRequest
		msgs []string
	}{
		{"no dataset", &datacatalogv1.CreateDatasetRequest{}, []string{"dataset: required"}},
		{"no id", &datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{}}, []string{"dataset.id: required"}},
		{"every missing field", &datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: &datacatalogv1.DatasetID{Name: "n"}}},
			[]string{"dataset.id.project: required", "dataset.id.domain: required", "dataset.id.version: required"}},
		{"uuid alone", &datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: &datacatalogv1.DatasetID{Uuid: "u"}}},
			[]string{"dataset.id.project: required"}},
		{"partition keys", &datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: dsID("n", "v"), PartitionKeys: []string{"a", "", "a"}}},
			[]string{"dataset.partition_keys[1]: required", `dataset.partition_keys[2]: "a" is listed twice`}},
		{"NUL and length", &datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{
			Id: &datacatalogv1.DatasetID{Project: "p\x00", Domain: "d", Name: "n", Version: strings.Repeat("x", 513)},
		}}, []string{"dataset.id.project: contains a NUL character", "dataset.id.version: longer than 512 bytes"}},
		{"metadata key", &datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: dsID("n", "v"), Metadata: &datacatalogv1.Metadata{KeyMap: map[string]string{"": "x"}}}},
			[]string{"dataset.metadata.key_map: empty key"}},
	}
	for _, tt := range tests {
		_, err := e.client.CreateDataset(t.Context(), connect.NewRequest(tt.req))
		requireCode(t, err, connect.CodeInvalidArgument, tt.msgs...)
	}
	// Nothing was stored by any of the refused requests.
	res, err := e.client.ListDatasets(t.Context(), connect.NewRequest(&datacatalogv1.ListDatasetsRequest{}))
	require.NoError(t, err)
	require.Empty(t, res.Msg.GetDatasets())
}
