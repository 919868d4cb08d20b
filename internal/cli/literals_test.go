package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

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
		// A union value is text unless written as a YAML list or mapping.
		{typ: "optional[str]", text: "42", want: "42"},
		{typ: "optional[str]", text: "", want: "null"},
		{typ: "optional[list[int]]", text: "[1, 2]", want: "[1,2]"},
		{typ: "optional[list[int]]", text: "[1, x]", err: `[1]: "x" is not an integer`},
		{typ: "optional[map[str, int]]", text: "{a: 1}", want: `{"a":1}`},
		{typ: "union[int, bool]", text: "abc", err: `"abc" is not a`},
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

// TestLiteralFromYAMLValue: --file values, decoded from YAML, follow the JSON
// rules once numbers and timestamps are in their JSON form.
func TestLiteralFromYAMLValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ, doc, want, err string
	}{
		{typ: "int", doc: "v: 5", want: "5"},
		{typ: "float", doc: "v: .inf", want: "Infinity"},
		{typ: "datetime", doc: "v: 2024-01-31T12:00:00Z", want: "2024-01-31T12:00:00Z"},
		{typ: "duration", doc: "v: 2d", want: "48h0m0s"},
		{typ: "map[str, int]", doc: "v: {1: 2}", want: `{"1":2}`},
		{typ: "struct", doc: "v: {a: [1, x]}", want: `{"a":[1,"x"]}`},
		{typ: "str", doc: "v: 42", err: "42 is not a string"},
		{typ: "list[int]", doc: "v: {a: 1}", err: "is not a JSON list"},
	}
	for _, tc := range cases {
		typ, err := authoring.ParseType(tc.typ)
		require.NoError(t, err, tc.typ)
		var doc map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(tc.doc), &doc))
		l, err := literalFromValue(doc["v"], typ)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, "%s %q", tc.typ, tc.doc)
			continue
		}
		require.NoError(t, err, "%s %q", tc.typ, tc.doc)
		require.NoError(t, compiler.CheckLiteral(l, typ), "%s %q", tc.typ, tc.doc)
		require.Equal(t, tc.want, formatLiteral(l), "%s %q", tc.typ, tc.doc)
	}
}
