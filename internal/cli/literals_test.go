package cli

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/authoring"
	"github.com/flyte-go/flyte/internal/compiler"
)

func TestParseLiteral(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ, text, want, err string
	}{
		{typ: "int", text: "42", want: "42"},
		{typ: "int", text: "4.2", err: `"4.2" is not an integer`},
		{typ: "float", text: "0.5", want: "0.5"},
		{typ: "bool", text: "true", want: "true"},
		{typ: "bool", text: "yes", err: "is not a boolean"},
		{typ: "str", text: "hello world", want: "hello world"},
		{typ: "datetime", text: "2024-01-31T12:00:00Z", want: "2024-01-31T12:00:00Z"},
		{typ: "duration", text: "1m30s", want: "1m30s"},
		{typ: "list[int]", text: "[1, 2]", want: "[1,2]"},
		{typ: "list[int]", text: "[1, x]", err: `[1]: "x" is not an integer`},
		{typ: "map[str, int]", text: "{a: 1}", want: `{"a":1}`},
		{typ: "file", text: "s3://b/k", want: "s3://b/k"},
		{typ: "optional[int]", text: "null", want: "null"},
		{typ: "optional[int]", text: "3", want: "3"},
	}
	for _, tc := range cases {
		typ, err := authoring.ParseType(tc.typ)
		require.NoError(t, err, tc.typ)
		l, err := parseLiteral(tc.text, typ)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, "%s %q", tc.typ, tc.text)
			continue
		}
		require.NoError(t, err, "%s %q", tc.typ, tc.text)
		require.NoError(t, compiler.CheckLiteral(l, typ), "%s %q", tc.typ, tc.text)
		require.Equal(t, tc.want, formatLiteral(l), "%s %q", tc.typ, tc.text)
	}
}

func FuzzParseLiteral(f *testing.F) {
	for _, s := range []string{"1", "[1, 2]", "{a: [1]}", "null", "", "s3://x", "{{{"} {
		f.Add("list[map[str, int]]", s)
		f.Add("optional[union[int, str]]", s)
	}
	f.Fuzz(func(t *testing.T, typExpr, text string) {
		typ, err := authoring.ParseType(typExpr)
		if err != nil {
			return
		}
		l, err := parseLiteral(text, typ)
		if err != nil {
			return
		}
		if err := compiler.CheckLiteral(l, typ); err != nil {
			t.Fatalf("parseLiteral(%q, %s) produced a value that does not fit: %v", text, typExpr, err)
		}
		_ = formatLiteral(l)
	})
}
