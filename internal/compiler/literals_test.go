package compiler

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestLiteralTypeOf(t *testing.T) {
	t.Parallel()
	csv := tFile("csv")
	tests := []struct {
		name    string
		l       *corev1.Literal
		want    *corev1.LiteralType
		wantErr string
	}{
		{"int", lInt(1), tInt, ""},
		{"float", lFloat(1.5), tFloat, ""},
		{"str", lStr("x"), tStr, ""},
		{"bool", lBool(true), tBool, ""},
		{"datetime", lTime(time.Unix(0, 0)), tDatetime, ""},
		{"duration", lDuration(time.Second), tDuration, ""},
		{"none", lNone(), tNone, ""},
		{"binary", lBinary([]byte{1}), tBinary, ""},
		{"generic", lGeneric(map[string]any{"a": 1}), tStruct, ""},
		{"error", lScalar(&corev1.Scalar{Value: &corev1.Scalar_Error{Error: &corev1.Error{Message: "boom"}}}), tError, ""},
		{"blob", lBlob("s3://b/k", csv), csv, ""},
		{"blob without metadata", lScalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{Uri: "s3://b/k"}}}), tFile(""), ""},
		{"dataset", lDataset("s3://b/d", tDataset("parquet")), tDataset("parquet"), ""},
		{"list of ints", lList(lInt(1), lInt(2)), tList(tInt), ""},
		{"mixed list", lList(lInt(1), lStr("a"), lInt(3)), tList(tUnion(tInt, tStr)), ""},
		{"empty list", lList(), tList(tNone), ""},
		{"map of str", lMap(map[string]*corev1.Literal{"a": lStr("x"), "b": lStr("y")}), tMap(tStr), ""},
		{"nested", lList(lList(lInt(1))), tList(tList(tInt)), ""},
		{"union literal", lUnion(lInt(3), tInt), tInt, ""},
		{"offloaded", &corev1.Literal{Value: &corev1.Literal_OffloadedMetadata{OffloadedMetadata: &corev1.LiteralOffloadedMetadata{Uri: "s3://x", InferredType: tList(tInt)}}}, tList(tInt), ""},
		{"offloaded without type", &corev1.Literal{Value: &corev1.Literal_OffloadedMetadata{OffloadedMetadata: &corev1.LiteralOffloadedMetadata{Uri: "s3://x"}}}, nil, "inferred type: type is missing"},
		{"nil", nil, nil, "value is missing"},
		{"unset", &corev1.Literal{}, nil, "value is not set"},
		{"unset scalar", lScalar(&corev1.Scalar{}), nil, "scalar value is not set"},
		{"unset primitive", lScalar(sPrim(&corev1.Primitive{})), nil, "primitive value is not set"},
		{"bad element", lList(lInt(1), &corev1.Literal{}), nil, "element 1: value is not set"},
		{"union without type", lUnion(lInt(1), nil), nil, "variant type: type is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LiteralTypeOf(tt.l)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tt.want, got, protocmp.Transform()))
		})
	}
}

func TestCheckLiteral(t *testing.T) {
	t.Parallel()
	csv := tFile("csv")
	tests := []struct {
		name    string
		l       *corev1.Literal
		t       *corev1.LiteralType
		wantErr string
	}{
		{"int fits int", lInt(1), tInt, ""},
		{"int does not fit float", lInt(1), tFloat, "expected float, got int"},
		{"float fits float", lFloat(1), tFloat, ""},
		{"str does not fit int", lStr("1"), tInt, "expected int, got str"},
		{"bool fits bool", lBool(false), tBool, ""},
		{"datetime fits", lTime(time.Now()), tDatetime, ""},
		{"invalid datetime", lScalar(sPrim(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: &timestamppb.Timestamp{Nanos: -1}}})), tDatetime, "invalid datetime"},
		{"duration fits", lDuration(time.Minute), tDuration, ""},
		{"invalid duration", lScalar(sPrim(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: &durationpb.Duration{Seconds: 1, Nanos: -1}}})), tDuration, "invalid duration"},
		{"none fits none", lNone(), tNone, ""},
		{"none fits optional", lNone(), tOpt(tInt), ""},
		{"int fits optional", lInt(2), tOpt(tInt), ""},
		{"str does not fit optional int", lStr("x"), tOpt(tInt), "expected optional[int], got str"},
		{"none does not fit int", lNone(), tInt, "expected int, got none"},
		{"union literal fits union", lUnion(lInt(1), tInt), tUnion(tStr, tInt), ""},
		{"union literal with wrong variant", lUnion(lFloat(1), tFloat), tUnion(tStr, tInt), "got union variant float"},
		{"union literal value not its variant", lUnion(lStr("x"), tInt), tUnion(tStr, tInt), "expected int, got str"},
		{"union literal unwrapped for plain type", lUnion(lInt(1), tInt), tInt, ""},
		{"list fits", lList(lInt(1), lInt(2)), tList(tInt), ""},
		{"empty list fits any list", lList(), tList(tStr), ""},
		{"list element wrong", lList(lInt(1), lStr("x")), tList(tInt), "[1]: expected int, got str"},
		{"list does not fit int", lList(lInt(1)), tInt, "expected int, got list[int]"},
		{"int does not fit list", lInt(1), tList(tInt), "expected list[int], got int"},
		{"map fits", lMap(map[string]*corev1.Literal{"a": lInt(1)}), tMap(tInt), ""},
		{"map value wrong", lMap(map[string]*corev1.Literal{"a": lInt(1), "b": lStr("x")}), tMap(tInt), `["b"]: expected int, got str`},
		{"nested path", lList(lMap(map[string]*corev1.Literal{"k": lList(lStr("x"))})), tList(tMap(tList(tInt))), `[0]["k"][0]: expected int, got str`},
		{"enum value", lStr("red"), tEnum("red", "green"), ""},
		{"enum bad value", lStr("blue"), tEnum("red", "green"), `"blue" is not one of red, green`},
		{"enum from int", lInt(1), tEnum("red"), "expected enum[red], got int"},
		{"blob fits", lBlob("s3://b/f.csv", csv), csv, ""},
		{"blob fits generic", lBlob("s3://b/f.csv", csv), tFile(""), ""},
		{"blob format mismatch", lBlob("s3://b/f.csv", csv), tFile("parquet"), `expected blob format "parquet", got "csv"`},
		{"blob without uri", lBlob("", csv), csv, "blob uri is empty"},
		{"file is not a dir", lBlob("s3://b/f", tFile("")), tDir(""), "expected dir, got file"},
		{"struct from generic", lGeneric(map[string]any{"a": "b"}), tStruct, ""},
		{"struct from binary", lBinary([]byte{0x80}), tStruct, ""},
		{"struct from int", lInt(1), tStruct, "expected struct, got int"},
		{"binary", lBinary(nil), tBinary, ""},
		{"error", lScalar(&corev1.Scalar{Value: &corev1.Scalar_Error{Error: &corev1.Error{}}}), tError, ""},
		{"dataset fits", lDataset("s3://d", tDataset("parquet")), tDataset(""), ""},
		{"dataset format mismatch", lDataset("s3://d", tDataset("parquet")), tDataset("csv"), "expected structured_dataset[csv]"},
		{"dataset without uri", lDataset("", tDataset("")), tDataset(""), "uri is empty"},
		{"offloaded castable", &corev1.Literal{Value: &corev1.Literal_OffloadedMetadata{OffloadedMetadata: &corev1.LiteralOffloadedMetadata{InferredType: tList(tInt)}}}, tList(tInt), ""},
		{"offloaded not castable", &corev1.Literal{Value: &corev1.Literal_OffloadedMetadata{OffloadedMetadata: &corev1.LiteralOffloadedMetadata{InferredType: tList(tInt)}}}, tList(tStr), "got offloaded list[int]"},
		{"nil literal", nil, tInt, "value is missing"},
		{"unset literal", &corev1.Literal{}, tInt, "value is missing"},
		{"invalid type", lInt(1), tList(nil), "invalid type: list element type is missing"},
		{"nil type", lInt(1), nil, "invalid type: type is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckLiteral(tt.l, tt.t)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
