package rawio

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func st(s corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: s}}
}

func listOf(t *corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: t}}
}

var (
	tInt   = st(corev1.SimpleType_SIMPLE_TYPE_INTEGER)
	tFloat = st(corev1.SimpleType_SIMPLE_TYPE_FLOAT)
	tStr   = st(corev1.SimpleType_SIMPLE_TYPE_STRING)
	tBool  = st(corev1.SimpleType_SIMPLE_TYPE_BOOLEAN)
	tDT    = st(corev1.SimpleType_SIMPLE_TYPE_DATETIME)
	tDur   = st(corev1.SimpleType_SIMPLE_TYPE_DURATION)
	tNone  = st(corev1.SimpleType_SIMPLE_TYPE_NONE)
	tOpt   = &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: []*corev1.LiteralType{tInt, tNone}}}}
	tEnum  = &corev1.LiteralType{Type: &corev1.LiteralType_EnumType{EnumType: &corev1.EnumType{Values: []string{"red", "light blue"}}}}
	tMap   = &corev1.LiteralType{Type: &corev1.LiteralType_MapValueType{MapValueType: tInt}}
)

func TestDecodeEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		typ  *corev1.LiteralType
		out  string // the encoding read back; equal to in when empty
	}{
		{"int", "42\n", tInt, "42"},
		{"negative int", " -7 ", tInt, "-7"},
		{"float shortest", "0.1", tFloat, ""},
		{"float from int", "3", tFloat, ""},
		{"float exponent", "1e+21", tFloat, ""},
		{"string raw", "hello, world", tStr, ""},
		{"bool", "TRUE\n", tBool, "true"},
		{"datetime", "2024-01-31T12:00:00.5Z", tDT, ""},
		{"datetime zone", "2024-01-31T13:00:00+01:00", tDT, "2024-01-31T12:00:00Z"},
		{"date only", "2024-01-31", tDT, "2024-01-31T00:00:00Z"},
		{"duration", "1m30s", tDur, ""},
		{"duration days", "2d", tDur, "48h0m0s"},
		{"none", "", tNone, ""},
		{"list", "[1, 2,3]", listOf(tInt), "[1,2,3]"},
		{"nested list", "[[1],[]]", listOf(listOf(tInt)), ""},
		{"map", `{"b":2,"a":1}`, tMap, `{"a":1,"b":2}`},
		{"optional value", "5", tOpt, ""},
		{"optional none", "\n", tOpt, "null"},
		{"optional null", "null", tOpt, ""},
		{"enum", "light blue\n", tEnum, "light blue"},
		{"struct", `{"a":[1,"x",true,null]}`, st(corev1.SimpleType_SIMPLE_TYPE_STRUCT), ""},
		{"list of datetimes", `["2024-01-31T12:00:00Z"]`, listOf(tDT), ""},
		{"list of durations", `["1s","-5m0s"]`, listOf(tDur), ""},
		{"list of floats", `[1.5,"Infinity"]`, listOf(tFloat), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := DecodeValue([]byte(tt.in), tt.typ)
			require.NoError(t, err)
			got, err := EncodeValue(l)
			require.NoError(t, err)
			want := tt.out
			if want == "" {
				want = tt.in
			}
			require.Equal(t, want, string(got))
			again, err := DecodeValue(got, tt.typ)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(l, again, protocmp.Transform()))
		})
	}
}

func TestStringDropsOneNewline(t *testing.T) {
	t.Parallel()
	l, err := DecodeValue([]byte("hello\n\n"), tStr)
	require.NoError(t, err)
	require.Equal(t, "hello\n", l.GetScalar().GetPrimitive().GetStringValue())
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		typ  *corev1.LiteralType
		want string
	}{
		{"abc", tInt, `"abc" is not an integer`},
		{"1.5", tInt, `"1.5" is not an integer`},
		{"010x", tInt, `"010x" is not an integer`},
		{"99999999999999999999", tInt, "out of the 64-bit integer range"},
		{"0x10", tFloat, `"0x10" is not a number`},
		{"yes", tBool, `"yes" is not a boolean`},
		{"yesterday", tDT, "is not an RFC 3339 datetime"},
		{"5 minutes", tDur, "is not a duration"},
		{"[1,\"2\"]", listOf(tInt), `[1]: "2" is not an integer`},
		{"[1,2", listOf(tInt), "is not valid JSON for list[int]"},
		{`{"a":1} {}`, tMap, "more than one JSON value"},
		{"{}", listOf(tInt), "is not a JSON list"},
		{"green", tEnum, `"green" is not one of red, light blue`},
		{"x", tOpt, `"x" is not a`},
		{"\xff", tStr, "is not valid UTF-8"},
		{"[1]", st(corev1.SimpleType_SIMPLE_TYPE_STRUCT), "is not a JSON object"},
		{"something", tNone, "is not empty"},
	}
	for _, tt := range tests {
		_, err := DecodeValue([]byte(tt.in), tt.typ)
		require.Error(t, err, "%q", tt.in)
		require.Contains(t, err.Error(), tt.want, "%q", tt.in)
	}
}

func FuzzDecodeValue(f *testing.F) {
	types := []*corev1.LiteralType{tInt, tFloat, tStr, tBool, tDT, tDur, tNone, tOpt, tEnum, tMap, listOf(tInt), listOf(listOf(tDT)), st(corev1.SimpleType_SIMPLE_TYPE_STRUCT)}
	for _, s := range []string{"42", "[1,2]", `{"a":1}`, "2024-01-31", "1m", "", "null", "red", `[["2024-01-31T00:00:00Z"]]`} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		typ := types[int(which)%len(types)]
		l, err := DecodeValue(data, typ)
		if err != nil {
			return
		}
		enc, err := EncodeValue(l)
		if err != nil {
			t.Fatalf("encode what was decoded: %v", err)
		}
		again, err := DecodeValue(enc, typ)
		if err != nil {
			t.Fatalf("decode %q (encoded from %q): %v", enc, data, err)
		}
		if typ != tStr && !proto.Equal(l, again) && !hasNaN(l) {
			t.Fatalf("round trip changed %q: %v vs %v", data, l, again)
		}
	})
}

func hasNaN(l *corev1.Literal) bool {
	if f, ok := l.GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_FloatValue); ok {
		return f.FloatValue != f.FloatValue
	}
	for _, e := range l.GetCollection().GetLiterals() {
		if hasNaN(e) {
			return true
		}
	}
	return false
}
