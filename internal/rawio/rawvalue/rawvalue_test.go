package rawvalue

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func simple(s corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: s}}
}

func unionOf(vs ...*corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: vs}}}
}

var (
	tInt  = simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)
	tStr  = simple(corev1.SimpleType_SIMPLE_TYPE_STRING)
	tNone = simple(corev1.SimpleType_SIMPLE_TYPE_NONE)
	tList = &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: tInt}}
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "1m30s", want: 90 * time.Second},
		{in: "-5s", want: -5 * time.Second},
		{in: "2d", want: 48 * time.Hour},
		{in: "-1d", want: -24 * time.Hour},
		{in: "106752d", err: true},
		{in: "xd", err: true},
		{in: "soon", err: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.err {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
}

func TestParseDatetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{in: "2024-01-31T12:00:00.5Z", want: time.Date(2024, 1, 31, 12, 0, 0, 5e8, time.UTC), ok: true},
		{in: "2024-01-31", want: time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), ok: true},
		{in: "yesterday"},
		{in: "2024-01-31 12:00"},
		{in: "0000-01-01"},
	}
	for _, tt := range tests {
		got, ok := ParseDatetime(tt.in)
		require.Equal(t, tt.ok, ok, tt.in)
		require.True(t, tt.want.Equal(got), "%s: got %v", tt.in, got)
	}
}

// TestUnionTextFallback: a JSON scalar that fits no variant as JSON is read
// as text, so optional[str] accepts 42; a JSON list or object is not.
func TestUnionTextFallback(t *testing.T) {
	t.Parallel()
	optStr := unionOf(tStr, tNone)
	l, err := Decode([]byte("42\n"), optStr, Hooks{})
	require.NoError(t, err)
	require.Equal(t, "42", l.GetScalar().GetUnion().GetValue().GetScalar().GetPrimitive().GetStringValue())

	_, err = Decode([]byte(`["a"]`), unionOf(tList, tNone), Hooks{})
	require.ErrorContains(t, err, `[0]: "a" is not an integer`)

	// A list variant is not the none variant (SIMPLE_TYPE_NONE is zero).
	l, err = Decode([]byte("[1]"), unionOf(tList, tNone), Hooks{})
	require.NoError(t, err)
	require.Len(t, l.GetScalar().GetUnion().GetValue().GetCollection().GetLiterals(), 1)
	l, err = Decode(nil, unionOf(tList, tNone), Hooks{})
	require.NoError(t, err)
	require.NotNil(t, l.GetScalar().GetUnion().GetValue().GetScalar().GetNoneType())
	require.True(t, isNone(l.GetScalar().GetUnion().GetType()))
}

func TestFromJSON(t *testing.T) {
	t.Parallel()
	str := func(s string) *corev1.Literal {
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}})
	}
	integer := func(n int64) *corev1.Literal {
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: n}})
	}
	tests := []struct {
		name string
		v    any
		typ  *corev1.LiteralType
		want *corev1.Literal
		err  string
	}{
		{name: "int", v: json.Number("7"), typ: tInt, want: integer(7)},
		{name: "int from float text", v: json.Number("7.5"), typ: tInt, err: `"7.5" is not an integer`},
		{name: "str from number", v: json.Number("7"), typ: tStr, err: "7 is not a string"},
		{name: "list", v: []any{json.Number("1")}, typ: tList, want: &corev1.Literal{Value: &corev1.Literal_Collection{
			Collection: &corev1.LiteralCollection{Literals: []*corev1.Literal{integer(1)}}}}},
		{name: "list element", v: []any{"x"}, typ: tList, err: `[0]: "x" is not an integer`},
		{name: "union none", v: nil, typ: unionOf(tStr, tNone), want: unionLiteral(noneLiteral(), tNone)},
		{name: "union value", v: "a", typ: unionOf(tStr, tNone), want: unionLiteral(str("a"), tStr)},
		{name: "union mismatch", v: true, typ: unionOf(tInt, tNone), err: "true is not a"},
	}
	for _, tt := range tests {
		got, err := FromJSON(tt.v, tt.typ, Hooks{})
		if tt.err != "" {
			require.ErrorContains(t, err, tt.err, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		require.Empty(t, cmp.Diff(tt.want, got, protocmp.Transform()), tt.name)
	}
}
