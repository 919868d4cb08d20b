package store

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func entityListParams(lp ListParams) EntityListParams {
	if lp.Project == "" {
		lp.Project = "p"
	}
	if lp.Domain == "" {
		lp.Domain = "development"
	}
	return EntityListParams{Kind: KindTask, ListParams: lp}
}

func TestPrepareListParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		params    ListParams
		wantLimit int
		wantSort  string
		wantParam string // non-empty: a ParamError naming this parameter
	}{
		{name: "defaults", params: ListParams{}, wantLimit: DefaultLimit, wantSort: "created_at"},
		{name: "max limit", params: ListParams{Limit: MaxLimit, SortBy: "version"}, wantLimit: MaxLimit, wantSort: "version"},
		{name: "negative limit", params: ListParams{Limit: -1}, wantParam: "limit"},
		{name: "limit above max", params: ListParams{Limit: MaxLimit + 1}, wantParam: "limit"},
		{name: "unknown sort", params: ListParams{SortBy: "digest"}, wantParam: "sort_by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := PrepareEntityList(entityListParams(tt.params))
			if tt.wantParam != "" {
				var pe *ParamError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, tt.wantParam, pe.Param)
				require.ErrorIs(t, err, ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantLimit, q.Limit)
			require.Equal(t, tt.wantSort, q.SortBy)
		})
	}
}

func TestPrepareListScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		prepare   func() (*ListQuery, error)
		wantParam string
	}{
		{name: "projects reject a project", prepare: func() (*ListQuery, error) {
			return PrepareProjectList(ListParams{Project: "p"})
		}, wantParam: "project"},
		{name: "entities need a project", prepare: func() (*ListQuery, error) {
			return PrepareEntityList(EntityListParams{Kind: KindTask, ListParams: ListParams{Domain: "d"}})
		}, wantParam: "project"},
		{name: "entities need a domain", prepare: func() (*ListQuery, error) {
			return PrepareEntityList(EntityListParams{Kind: KindWorkflow, ListParams: ListParams{Project: "p"}})
		}, wantParam: "domain"},
		{name: "entities need a known kind", prepare: func() (*ListQuery, error) {
			return PrepareEntityList(EntityListParams{Kind: 9, ListParams: ListParams{Project: "p", Domain: "d"}})
		}, wantParam: "kind"},
		{name: "ids reject a name", prepare: func() (*ListQuery, error) {
			return PrepareEntityListIDs(EntityListParams{Kind: KindTask, ListParams: ListParams{Project: "p", Domain: "d", Name: "n"}})
		}, wantParam: "name"},
		{name: "named entities reject a name", prepare: func() (*ListQuery, error) {
			return PrepareNamedEntityList(NamedEntityListParams{Kind: KindTask, ListParams: ListParams{Project: "p", Domain: "d", Name: "n"}})
		}, wantParam: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.prepare()
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantParam, pe.Param)
		})
	}
	q, err := PrepareLaunchPlanListActive(LaunchPlanListActiveParams{})
	require.NoError(t, err, "active launch plans need no scope")
	require.Equal(t, "created_at", q.SortBy)
}

func TestPageTokenRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	tests := []struct {
		name   string
		params ListParams
		cursor Cursor
	}{
		{name: "time sort with id key", params: ListParams{Desc: true}, cursor: Cursor{Sort: at, Key: int64(42)}},
		{name: "string sort with id key", params: ListParams{SortBy: "name"}, cursor: Cursor{Sort: "train", Key: int64(7)}},
		{name: "filters kept", params: ListParams{Filters: "eq(name,x)", SortBy: "version"}, cursor: Cursor{Sort: "v1", Key: int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := PrepareEntityList(entityListParams(tt.params))
			require.NoError(t, err)
			next := tt.params
			next.Token = q.Token(tt.cursor)
			q2, err := PrepareEntityList(entityListParams(next))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(&tt.cursor, q2.After))
		})
	}

	q, err := PrepareEntityListIDs(EntityListParams{Kind: KindTask, ListParams: ListParams{Project: "p", Domain: "d"}})
	require.NoError(t, err)
	require.True(t, q.KeyIsSort())
	tok := q.Token(Cursor{Sort: "n1", Key: "n1"})
	q2, err := PrepareEntityListIDs(EntityListParams{Kind: KindTask, ListParams: ListParams{Project: "p", Domain: "d", Token: tok}})
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&Cursor{Sort: "n1", Key: "n1"}, q2.After))
}

func TestPageTokenRejected(t *testing.T) {
	t.Parallel()
	q, err := PrepareEntityList(entityListParams(ListParams{Filters: "eq(name,x)"}))
	require.NoError(t, err)
	good := q.Token(Cursor{Sort: time.Unix(10, 0).UTC(), Key: int64(3)})
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

	tests := []struct {
		name    string
		params  ListParams
		wantMsg string
	}{
		{name: "not base64", params: ListParams{Filters: "eq(name,x)", Token: "%%%"}, wantMsg: "malformed"},
		{name: "not json", params: ListParams{Filters: "eq(name,x)", Token: b64("hello")}, wantMsg: "malformed"},
		{name: "bad time", params: ListParams{Filters: "eq(name,x)", Token: b64(`{"q":"` + q.fingerprint + `","s":"created_at","v":"noon","k":"1"}`)}, wantMsg: "malformed"},
		{name: "bad key", params: ListParams{Filters: "eq(name,x)", Token: b64(`{"q":"` + q.fingerprint + `","s":"created_at","v":"2024-01-01T00:00:00Z","k":"x"}`)}, wantMsg: "malformed"},
		{name: "other sort", params: ListParams{Filters: "eq(name,x)", SortBy: "name", Token: good}, wantMsg: "issued for sort by created_at ascending, but this request sorts by name ascending"},
		{name: "other direction", params: ListParams{Filters: "eq(name,x)", Desc: true, Token: good}, wantMsg: "sorts by created_at descending"},
		{name: "other filters", params: ListParams{Filters: "eq(name,y)", Token: good}, wantMsg: "different query"},
		{name: "other project", params: ListParams{Project: "q", Filters: "eq(name,x)", Token: good}, wantMsg: "different query"},
		{name: "too long", params: ListParams{Token: string(make([]byte, 5000))}, wantMsg: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := PrepareEntityList(entityListParams(tt.params))
			var te *TokenError
			require.ErrorAs(t, err, &te)
			require.ErrorIs(t, err, ErrInvalidArgument)
			require.Contains(t, err.Error(), tt.wantMsg)
		})
	}

	// The same filters written differently are the same query.
	_, err = PrepareEntityList(entityListParams(ListParams{Filters: " eq( name ,x) ", Token: good}))
	require.NoError(t, err)
}

func TestNewPage(t *testing.T) {
	t.Parallel()
	q, err := PrepareEntityList(entityListParams(ListParams{Limit: 2, SortBy: "name"}))
	require.NoError(t, err)
	rows := []*Entity{
		{ID: EntityID{Name: "a"}}, {ID: EntityID{Name: "b"}}, {ID: EntityID{Name: "c"}},
	}
	ids := []int64{10, 11, 12}
	key := func(i int) any { return ids[i] }

	page := NewPage(q, rows[:2], key)
	require.Len(t, page.Items, 2)
	require.Empty(t, page.NextToken, "no row beyond the limit means no next page")

	page = NewPage(q, rows, key)
	require.Len(t, page.Items, 2)
	require.NotEmpty(t, page.NextToken)
	q2, err := PrepareEntityList(entityListParams(ListParams{Limit: 2, SortBy: "name", Token: page.NextToken}))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&Cursor{Sort: "b", Key: int64(11)}, q2.After))
}

// TestSortValueCoversSpecs checks that every sortable field of every list
// can be read from the record that list returns.
func TestSortValueCoversSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec   ListSpec
		record any
	}{
		{ProjectListSpec, &Project{}},
		{EntityListSpec(KindTask), &Entity{}},
		{EntityListSpec(KindLaunchPlan), &Entity{}},
		{EntityIDListSpec, NamedEntityID{}},
		{NamedEntityListSpec, &NamedEntity{}},
	}
	for _, tt := range tests {
		for _, field := range tt.spec.Sorts {
			ft, ok := tt.spec.Fields[field]
			require.True(t, ok, "sort field %s is not a typed field", field)
			v := SortValue(tt.record, field)
			checkValueType(t, ft, normalizeZero(v))
		}
	}
}

func normalizeZero(v any) any {
	if tm, ok := v.(time.Time); ok {
		return Timestamp(tm)
	}
	return v
}

func FuzzPageToken(f *testing.F) {
	q, err := PrepareEntityList(entityListParams(ListParams{}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(q.Token(Cursor{Sort: time.Unix(1, 0).UTC(), Key: int64(1)}))
	f.Add("")
	f.Add("eyJxIjoiIn0")
	f.Fuzz(func(t *testing.T, tok string) {
		_, err := PrepareEntityList(entityListParams(ListParams{Token: tok}))
		if err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("token error %v does not match ErrInvalidArgument", err)
		}
	})
}
