package cli

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

func TestParseLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{in: "", want: map[string]string{}},
		{in: "  ", want: map[string]string{}},
		{in: "a=1", want: map[string]string{"a": "1"}},
		{in: "a=1,b=2", want: map[string]string{"a": "1", "b": "2"}},
		{in: " a = 1 , b=", want: map[string]string{"a": "1", "b": ""}},
		{in: "url=http://x?y=z", want: map[string]string{"url": "http://x?y=z"}},
		{in: "a", wantErr: `label "a" is not key=value`},
		{in: "a=1,", wantErr: `label "" is not key=value`},
		{in: "=1", wantErr: `label "=1" has an empty key`},
		{in: "a=1,a=2", wantErr: `label "a" is given twice`},
	}
	for _, tc := range tests {
		got, err := parseLabels(tc.in)
		if tc.wantErr != "" {
			require.EqualError(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Fatalf("%q (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestLabelsValueRepeats(t *testing.T) {
	t.Parallel()
	var l labelsValue
	require.Nil(t, l.labelsProto())
	require.NoError(t, l.Set("b=2,a=1"))
	require.NoError(t, l.Set("c=3"))
	require.Equal(t, "a=1,b=2,c=3", l.String())
	require.EqualError(t, l.Set("a=9"), `label "a" is given twice`)
	if d := cmp.Diff(&adminv1.Labels{Values: map[string]string{"a": "1", "b": "2", "c": "3"}}, l.labelsProto(), protocmp.Transform()); d != "" {
		t.Fatal(d)
	}
}

func TestSortBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sort string
		asc  bool
		want *adminv1.Sort
	}{
		{"", false, nil},
		{"", true, &adminv1.Sort{Key: "created_at", Direction: adminv1.Sort_DIRECTION_ASCENDING}},
		{"name", false, &adminv1.Sort{Key: "name", Direction: adminv1.Sort_DIRECTION_DESCENDING}},
		{" name ", true, &adminv1.Sort{Key: "name", Direction: adminv1.Sort_DIRECTION_ASCENDING}},
	}
	for _, tc := range tests {
		l := listFlags{sort: tc.sort, asc: tc.asc}
		if d := cmp.Diff(tc.want, l.sortBy(), protocmp.Transform()); d != "" {
			t.Fatalf("%q asc=%t (-want +got):\n%s", tc.sort, tc.asc, d)
		}
	}
}

func TestCollect(t *testing.T) {
	t.Parallel()
	pages := map[string]struct {
		items []int
		next  string
	}{"": {[]int{1, 2}, "a"}, "a": {[]int{3}, "b"}, "b": {[]int{4}, ""}}
	fetch := func(token string) ([]int, string, error) {
		p := pages[token]
		return p.items, p.next, nil
	}

	items, next, err := collect(&listFlags{}, fetch)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, items)
	require.Equal(t, "a", next)

	items, next, err = collect(&listFlags{token: "a"}, fetch)
	require.NoError(t, err)
	require.Equal(t, []int{3}, items)
	require.Equal(t, "b", next)

	items, next, err = collect(&listFlags{all: true}, fetch)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3, 4}, items)
	require.Empty(t, next)

	// A server that repeats a token would make --all loop forever.
	_, _, err = collect(&listFlags{all: true}, func(string) ([]int, string, error) { return []int{1}, "same", nil })
	require.EqualError(t, err, `server returned page token "same" twice`)

	boom := errors.New("boom")
	_, _, err = collect(&listFlags{all: true}, func(string) ([]int, string, error) { return nil, "", boom })
	require.ErrorIs(t, err, boom)
}
