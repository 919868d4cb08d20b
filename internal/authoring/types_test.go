package authoring

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func tagged(t *corev1.LiteralType, tag string) *corev1.LiteralType {
	return &corev1.LiteralType{Type: t.GetType(), Structure: &corev1.TypeStructure{Tag: tag}}
}

func union(vs ...*corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: vs}}}
}

func TestParseType(t *testing.T) {
	t.Parallel()
	intT := simpleType(corev1.SimpleType_SIMPLE_TYPE_INTEGER)
	strT := simpleType(corev1.SimpleType_SIMPLE_TYPE_STRING)
	noneT := simpleType(corev1.SimpleType_SIMPLE_TYPE_NONE)
	tests := []struct {
		expr      string
		want      *corev1.LiteralType
		canonical string // FormatType of the result; "" means expr itself
	}{
		{expr: "int", want: intT},
		{expr: "float", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_FLOAT)},
		{expr: "str", want: strT},
		{expr: "bool", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_BOOLEAN)},
		{expr: "datetime", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_DATETIME)},
		{expr: "duration", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_DURATION)},
		{expr: "binary", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_BINARY)},
		{expr: "struct", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_STRUCT)},
		{expr: "none", want: noneT},
		{expr: "error", want: simpleType(corev1.SimpleType_SIMPLE_TYPE_ERROR)},
		{expr: "file", want: blobType("", corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE)},
		{expr: "file[csv]", want: blobType("csv", corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE)},
		{expr: "blob[csv]", want: blobType("csv", corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE), canonical: "file[csv]"},
		{expr: "dir", want: blobType("", corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART)},
		{expr: "dir[tar.gz]", want: blobType("tar.gz", corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART)},
		{expr: "dataset[parquet]", want: &corev1.LiteralType{Type: &corev1.LiteralType_StructuredDatasetType{
			StructuredDatasetType: &corev1.StructuredDatasetType{Format: "parquet"}}}},
		{expr: "list[int]", want: listType(intT)},
		{expr: " list[ list[str] ] ", want: listType(listType(strT)), canonical: "list[list[str]]"},
		{expr: "map[str,int]", want: mapType(intT)},
		{expr: "map[str, list[int]]", want: mapType(listType(intT)), canonical: "map[str,list[int]]"},
		{expr: "optional[int]", want: union(tagged(intT, "int"), tagged(noneT, "none"))},
		{expr: "optional[list[str]]", want: union(tagged(listType(strT), "list[str]"), tagged(noneT, "none"))},
		{expr: "union[int,str]", want: union(tagged(intT, "int"), tagged(strT, "str"))},
		{expr: "union[int, none]", want: union(tagged(intT, "int"), tagged(noneT, "none")), canonical: "optional[int]"},
		{expr: "optional[union[int,str]]", want: union(tagged(intT, "int"), tagged(strT, "str"), tagged(noneT, "none"))},
		{expr: "enum[red,green,blue]", want: &corev1.LiteralType{Type: &corev1.LiteralType_EnumType{
			EnumType: &corev1.EnumType{Values: []string{"red", "green", "blue"}}}}},
		{expr: `enum["light blue",'say "hi"']`, want: &corev1.LiteralType{Type: &corev1.LiteralType_EnumType{
			EnumType: &corev1.EnumType{Values: []string{"light blue", `say "hi"`}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := ParseType(tt.expr)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Fatalf("ParseType(%q) (-want +got):\n%s", tt.expr, diff)
			}
			canonical := tt.canonical
			if canonical == "" {
				canonical = tt.expr
			}
			require.Equal(t, canonical, FormatType(got))
			again, err := ParseType(FormatType(got))
			require.NoError(t, err, "the canonical form parses")
			if diff := cmp.Diff(got, again, protocmp.Transform()); diff != "" {
				t.Fatalf("canonical form does not round-trip (-first +again):\n%s", diff)
			}
		})
	}
}

func TestParseTypeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{"", "want a type name"},
		{"string", `unknown type "string" (did you mean str?)`},
		{"integer", "did you mean int?"},
		{"widget", `unknown type "widget"`},
		{"int[3]", "int takes no [arguments]"},
		{"list", "list takes 1 type argument(s), found 0"},
		{"list[int,str]", "list takes 1 type argument(s), found 2"},
		{"list[int", `want "," or "]"`},
		{"list[int]]", `unexpected "]" after the type`},
		{"map[int,str]", "map keys are strings"},
		{"map[str]", "map takes a key and a value type"},
		{"optional[none]", "already allows none"},
		{"optional[optional[int]]", "already allows none"},
		{"union[int]", "at least two types"},
		{"union[int,int]", "union variant int appears twice"},
		{"union[int,union[str,bool]]", "cannot contain another union"},
		{"enum[]", "at least one value"},
		{"enum[a,a]", `enum value "a" appears twice`},
		{"enum[a[b]]", "enum values are words"},
		{"file[csv,tsv]", "file takes one format"},
		{`"int"`, "type names are written bare"},
		{"list[int] x", `unexpected "x"`},
		{"list[@]", `character '@'`},
		{`enum["open]`, "unterminated quote"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := ParseType(tt.expr)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseTypeDepthLimit(t *testing.T) {
	t.Parallel()
	expr := "int"
	for range maxTypeDepth + 2 {
		expr = "list[" + expr + "]"
	}
	_, err := ParseType(expr)
	require.ErrorContains(t, err, "nested more than")
}
