package compiler

import (
	"testing"

	"github.com/stretchr/testify/require"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestAreTypesCastable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to *corev1.LiteralType
		want     bool
	}{
		{"int to int", tInt, tInt, true},
		{"int to float is not a cast", tInt, tFloat, false},
		{"float to int", tFloat, tInt, false},
		{"str to int", tStr, tInt, false},
		{"bool to bool", tBool, tBool, true},
		{"datetime to duration", tDatetime, tDuration, false},
		{"nil from", nil, tInt, false},
		{"nil to", tInt, nil, false},
		{"unset type", &corev1.LiteralType{}, tInt, false},
		{"int to optional int", tInt, tOpt(tInt), true},
		{"none to optional int", tNone, tOpt(tInt), true},
		{"none to int", tNone, tInt, false},
		{"none to none", tNone, tNone, true},
		{"optional int to int", tOpt(tInt), tInt, false},
		{"str to optional int", tStr, tOpt(tInt), false},
		{"int to union of str and int", tInt, tUnion(tStr, tInt), true},
		{"union to wider union", tUnion(tInt, tStr), tUnion(tStr, tInt, tFloat), true},
		{"union to narrower union", tUnion(tInt, tStr, tFloat), tUnion(tStr, tInt), false},
		{"optional int to optional int", tOpt(tInt), tOpt(tInt), true},
		{"single-variant union to its variant", tUnion(tInt), tInt, true},
		{"empty union", tUnion(), tInt, false},
		{"to empty union", tInt, tUnion(), false},
		{"list int to list int", tList(tInt), tList(tInt), true},
		{"list int to list optional int", tList(tInt), tList(tOpt(tInt)), true},
		{"list int to list str", tList(tInt), tList(tStr), false},
		{"list to map", tList(tInt), tMap(tInt), false},
		{"map int to map int", tMap(tInt), tMap(tInt), true},
		{"map int to map float", tMap(tInt), tMap(tFloat), false},
		{"nested list", tList(tList(tInt)), tList(tList(tInt)), true},
		{"list missing elem", tList(nil), tList(tInt), false},
		{"enum to same enum", tEnum("a", "b"), tEnum("b", "a"), true},
		{"enum to superset enum", tEnum("a"), tEnum("a", "b"), true},
		{"enum to subset enum", tEnum("a", "b"), tEnum("a"), false},
		{"enum to str", tEnum("a"), tStr, true},
		{"str to enum", tStr, tEnum("a"), false},
		{"enum to int", tEnum("a"), tInt, false},
		{"file csv to file csv", tFile("csv"), tFile("csv"), true},
		{"file csv to generic file", tFile("csv"), tFile(""), true},
		{"generic file to file csv", tFile(""), tFile("csv"), true},
		{"file csv to file parquet", tFile("csv"), tFile("parquet"), false},
		{"file to dir", tFile(""), tDir(""), false},
		{"dir to dir", tDir("x"), tDir("X"), true},
		{"struct to struct", tStruct, tStruct, true},
		{"record to struct", tRecord(map[string]*corev1.LiteralType{"x": tInt}), tStruct, true},
		{"struct to str", tStruct, tStr, false},
		{"binary to struct", tBinary, tStruct, false},
		{"error to error", tError, tError, true},
		{"dataset same format", tDataset("parquet"), tDataset("parquet"), true},
		{"dataset generic", tDataset("parquet"), tDataset(""), true},
		{"dataset other format", tDataset("parquet"), tDataset("csv"), false},
		{"dataset columns subset", tDataset("", "a", tInt, "b", tStr), tDataset("", "a", tInt), true},
		{"dataset missing column", tDataset("", "a", tInt), tDataset("", "a", tInt, "b", tStr), false},
		{"dataset column type", tDataset("", "a", tInt), tDataset("", "a", tStr), false},
		{"dataset any columns", tDataset(""), tDataset("", "a", tInt), true},
		{"dataset to file", tDataset(""), tFile(""), false},
		{"list to optional list", tList(tInt), tOpt(tList(tInt)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, AreTypesCastable(tt.from, tt.to))
		})
	}
}

func TestFormatType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		t    *corev1.LiteralType
		want string
	}{
		{tInt, "int"},
		{tStr, "str"},
		{tNone, "none"},
		{tList(tMap(tFloat)), "list[map[str,float]]"},
		{tOpt(tInt), "optional[int]"},
		{tUnion(tNone, tStr), "optional[str]"},
		{tUnion(tInt, tStr), "union[int,str]"},
		{tEnum("a", "b"), "enum[a,b]"},
		{tFile(""), "file"},
		{tFile("csv"), "file[csv]"},
		{tDir(""), "dir"},
		{tDataset("parquet"), "structured_dataset[parquet]"},
		{nil, "<missing type>"},
		{&corev1.LiteralType{}, "<unset type>"},
		{simple(99), "simple(99)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, FormatType(tt.t))
		})
	}
}

func TestValidateType(t *testing.T) {
	t.Parallel()
	deep := tInt
	for range maxTypeDepth + 2 {
		deep = tList(deep)
	}
	tests := []struct {
		name    string
		t       *corev1.LiteralType
		wantErr string
	}{
		{"int", tInt, ""},
		{"nested ok", tMap(tList(tOpt(tEnum("a")))), ""},
		{"nil", nil, "type is missing"},
		{"unset", &corev1.LiteralType{}, "type is not set"},
		{"unknown simple", simple(42), "unknown simple type 42"},
		{"list without elem", tList(nil), "list element type is missing"},
		{"map with bad value", tMap(&corev1.LiteralType{}), "map value: type is not set"},
		{"enum empty", tEnum(), "enum has no values"},
		{"enum duplicate", tEnum("a", "a"), `enum value "a" appears twice`},
		{"enum empty value", tEnum(""), "enum has an empty value"},
		{"union empty", tUnion(), "union has no variants"},
		{"union bad variant", tUnion(tInt, nil), "union variant 1: type is missing"},
		{"blob bad dimensionality", &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{Dimensionality: 7}}}, "unknown blob dimensionality 7"},
		{"dataset column without name", tDataset("", "", tInt), "dataset column 0 has no name"},
		{"dataset duplicate column", tDataset("", "a", tInt, "a", tStr), `dataset column "a" appears twice`},
		{"dataset column bad type", tDataset("", "a", tList(nil)), `dataset column "a": list element type is missing`},
		{"too deep", deep, "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateType(tt.t)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
