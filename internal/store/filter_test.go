package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

var testFields = map[string]FieldType{
	"name":       StringField,
	"created_at": TimeField,
	"count":      IntField,
	"state":      EnumField(LaunchPlanStateNames),
}

func TestParseFilters(t *testing.T) {
	t.Parallel()
	jan1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want []Filter
	}{
		{name: "empty", in: "", want: nil},
		{name: "blank", in: "   ", want: nil},
		{name: "eq string", in: "eq(name,train)", want: []Filter{{Field: "name", Op: OpEq, Values: []any{"train"}}}},
		{
			name: "joined",
			in:   "eq(name,x)+gte(created_at,2024-01-01T00:00:00Z)",
			want: []Filter{
				{Field: "name", Op: OpEq, Values: []any{"x"}},
				{Field: "created_at", Op: OpGte, Values: []any{jan1}},
			},
		},
		{
			name: "spaces around plus and function",
			in:   " eq( name ,x) + lt(count,3) ",
			want: []Filter{
				{Field: "name", Op: OpEq, Values: []any{"x"}},
				{Field: "count", Op: OpLt, Values: []any{int64(3)}},
			},
		},
		{
			name: "time with offset keeps its plus sign",
			in:   "gt(created_at,2024-01-01T01:00:00+01:00)",
			want: []Filter{{Field: "created_at", Op: OpGt, Values: []any{jan1}}},
		},
		{
			name: "time truncated to microseconds",
			in:   "lte(created_at,2024-01-01T00:00:00.123456789Z)",
			want: []Filter{{Field: "created_at", Op: OpLte, Values: []any{jan1.Add(123456 * time.Microsecond)}}},
		},
		{name: "value with comma", in: "eq(name,a,b)", want: []Filter{{Field: "name", Op: OpEq, Values: []any{"a,b"}}}},
		{name: "value with parenthesis", in: "contains(name,f(x)y)", want: []Filter{{Field: "name", Op: OpContains, Values: []any{"f(x)y"}}}},
		{name: "empty string value", in: "ne(name,)", want: []Filter{{Field: "name", Op: OpNe, Values: []any{""}}}},
		{name: "enum by name", in: "eq(state,active)", want: []Filter{{Field: "state", Op: OpEq, Values: []any{int64(1)}}}},
		{name: "enum by number", in: "ne(state,0)", want: []Filter{{Field: "state", Op: OpNe, Values: []any{int64(0)}}}},
		{
			name: "value_in list",
			in:   "value_in(name,a;b;c)",
			want: []Filter{{Field: "name", Op: OpIn, Values: []any{"a", "b", "c"}}},
		},
		{
			name: "value_not_in enums",
			in:   "value_not_in(state,ACTIVE;0)",
			want: []Filter{{Field: "state", Op: OpNotIn, Values: []any{int64(1), int64(0)}}},
		},
		{name: "negative int", in: "gt(count,-5)", want: []Filter{{Field: "count", Op: OpGt, Values: []any{int64(-5)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFilters(tt.in, testFields)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tt.want, got))
		})
	}
}

func TestParseFiltersErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantField string
		wantFunc  string
		wantValue string
		wantMsg   string
	}{
		{name: "no parenthesis", in: "eq name x", wantMsg: `closed by ")"`},
		{name: "unknown function", in: "like(name,x)", wantFunc: "like", wantMsg: `unknown function "like"`},
		{name: "unknown field", in: "eq(color,red)", wantFunc: "eq", wantField: "color", wantMsg: `unknown field "color" (filterable fields: count, created_at, name, state)`},
		{name: "missing value", in: "eq(name)", wantFunc: "eq", wantMsg: "expected two arguments"},
		{name: "bad time", in: "gt(created_at,yesterday)", wantField: "created_at", wantFunc: "gt", wantValue: "yesterday", wantMsg: `invalid time "yesterday"`},
		{name: "bad int", in: "eq(count,1.5)", wantField: "count", wantFunc: "eq", wantValue: "1.5", wantMsg: `invalid integer "1.5"`},
		{name: "bad enum", in: "eq(state,RUNNING)", wantField: "state", wantFunc: "eq", wantValue: "RUNNING", wantMsg: "use one of INACTIVE, ACTIVE"},
		{name: "unknown enum number", in: "eq(state,7)", wantField: "state", wantFunc: "eq", wantValue: "7", wantMsg: `unknown value "7"`},
		{name: "contains on time", in: "contains(created_at,2024)", wantField: "created_at", wantFunc: "contains", wantMsg: "only to text fields"},
		{name: "gt on enum", in: "gt(state,ACTIVE)", wantField: "state", wantFunc: "gt", wantMsg: "does not apply to an enum"},
		{name: "trailing plus", in: "eq(name,x)+", wantMsg: `nothing follows the final "+"`},
		{name: "garbage after expression", in: "eq(name,x)+y", wantMsg: `closed by ")"`},
		{name: "empty list item", in: "value_in(count,1;;2)", wantField: "count", wantFunc: "value_in", wantMsg: `invalid integer ""`},
		{name: "nul byte", in: "eq(name,a\x00b)", wantField: "name", wantFunc: "eq", wantMsg: "NUL"},
		{name: "too many expressions", in: strings.Repeat("eq(name,x)+", MaxFilters) + "eq(name,x)", wantMsg: "at most 50 expressions"},
		{name: "too many list values", in: "value_in(name," + strings.Repeat("a;", MaxFilterItems) + "a)", wantField: "name", wantFunc: "value_in", wantMsg: "at most 1000 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFilters(tt.in, testFields)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalidArgument)
			var fe *FilterError
			require.ErrorAs(t, err, &fe)
			require.Contains(t, err.Error(), tt.wantMsg)
			require.Equal(t, tt.wantField, fe.Field, "field")
			require.Equal(t, tt.wantFunc, fe.Func, "function")
			if tt.wantValue != "" {
				require.Equal(t, tt.wantValue, fe.Value, "value")
			}
		})
	}
}

func TestFilterStringRoundTrip(t *testing.T) {
	t.Parallel()
	in := "eq(name,x)+value_in(count,1;2)+gte(created_at,2024-01-01T00:00:00.5Z)"
	filters, err := ParseFilters(in, testFields)
	require.NoError(t, err)
	parts := make([]string, len(filters))
	for i, f := range filters {
		parts[i] = f.String()
	}
	require.Equal(t, "eq(name,x)+value_in(count,1;2)+gte(created_at,2024-01-01T00:00:00.5Z)", strings.Join(parts, "+"))
}

// FuzzParseFilters checks that the parser never panics, that what it accepts
// uses only whitelisted fields with values of the field's type, and that
// formatting the result and parsing it again gives the same filters.
func FuzzParseFilters(f *testing.F) {
	for _, seed := range []string{
		"eq(name,x)+gte(created_at,2024-01-01T00:00:00Z)",
		"value_in(state,ACTIVE;0)+contains(name,a)b)",
		"lt(count,-3) + ne(name,)",
		"eq(name,a)+",
		"gt(created_at,2024-01-01T00:00:00.999999999+05:30)",
		")(",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		filters, err := ParseFilters(in, testFields)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("error %v does not match ErrInvalidArgument", err)
			}
			return
		}
		parts := make([]string, len(filters))
		for i, flt := range filters {
			ft, ok := testFields[flt.Field]
			if !ok {
				t.Fatalf("accepted unknown field %q", flt.Field)
			}
			if len(flt.Values) == 0 {
				t.Fatalf("filter %v has no values", flt)
			}
			for _, v := range flt.Values {
				checkValueType(t, ft, v)
			}
			parts[i] = flt.String()
		}
		again, err := ParseFilters(strings.Join(parts, "+"), testFields)
		if err != nil {
			t.Fatalf("reparse of %q: %v", strings.Join(parts, "+"), err)
		}
		if diff := cmp.Diff(filters, again); diff != "" {
			t.Fatalf("round trip differs (-first +second):\n%s", diff)
		}
	})
}

func checkValueType(t *testing.T, ft FieldType, v any) {
	t.Helper()
	ok := false
	switch ft.Kind {
	case ValueString:
		_, ok = v.(string)
	case ValueTime:
		var tm time.Time
		tm, ok = v.(time.Time)
		ok = ok && tm.Location() == time.UTC && tm.Equal(tm.Truncate(time.Microsecond))
	case ValueInt, ValueEnum:
		_, ok = v.(int64)
	}
	if !ok {
		t.Fatalf("value %#v does not match field kind %d", v, ft.Kind)
	}
}
