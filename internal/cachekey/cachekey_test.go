package cachekey_test

import (
	"math"
	"strings"
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func scalar(s *corev1.Scalar) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: s}}
}

func prim(p *corev1.Primitive) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}})
}

func intLit(v int64) *corev1.Literal {
	return prim(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: v}})
}

func floatLit(v float64) *corev1.Literal {
	return prim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: v}})
}

func strLit(v string) *corev1.Literal {
	return prim(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v}})
}

func boolLit(v bool) *corev1.Literal {
	return prim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: v}})
}

func timeLit(t time.Time) *corev1.Literal {
	return prim(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(t)}})
}

func durLit(d time.Duration) *corev1.Literal {
	return prim(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(d)}})
}

func noneLit() *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}})
}

func blobLit(uri, format string, dim corev1.BlobType_BlobDimensionality) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
		Uri: uri, Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{Format: format, Dimensionality: dim}},
	}}})
}

func binLit(tag string, v []byte) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Tag: tag, Value: v}}})
}

func genericLit(t *testing.T, v map[string]any) *corev1.Literal {
	t.Helper()
	s, err := structpb.NewStruct(v)
	require.NoError(t, err)
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: s}})
}

func datasetLit(uri, format string) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_StructuredDataset{StructuredDataset: &corev1.StructuredDataset{
		Uri: uri, Metadata: &corev1.StructuredDatasetMetadata{StructuredDatasetType: &corev1.StructuredDatasetType{Format: format}},
	}}})
}

func unionLit(v *corev1.Literal, t *corev1.LiteralType) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: v, Type: t}}})
}

func listLit(ls ...*corev1.Literal) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: ls}}}
}

func mapLit(kv ...any) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Map{Map: lmap(kv...)}}
}

func lmap(kv ...any) *corev1.LiteralMap {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for i := 0; i < len(kv); i += 2 {
		m.Literals[kv[i].(string)] = kv[i+1].(*corev1.Literal)
	}
	return m
}

func withHash(l *corev1.Literal, h string) *corev1.Literal {
	c := proto.CloneOf(l)
	c.Hash = h
	return c
}

func offloaded(uri string, size uint64, t *corev1.LiteralType) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_OffloadedMetadata{OffloadedMetadata: &corev1.LiteralOffloadedMetadata{Uri: uri, SizeBytes: size, InferredType: t}}}
}

var (
	intType = &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}
	strType = &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_STRING}}
)

func tagged(t *corev1.LiteralType, tag string) *corev1.LiteralType {
	c := proto.CloneOf(t)
	c.Structure = &corev1.TypeStructure{Tag: tag}
	return c
}

func TestTagEqualValues(t *testing.T) {
	t.Parallel()
	big := listLit(intLit(1), intLit(2), intLit(3))
	cases := []struct {
		name   string
		a, b   *corev1.LiteralMap
		ignore []string
	}{
		{"same map built in another order", lmap("a", intLit(1), "b", strLit("x"), "c", boolLit(true)), lmap("c", boolLit(true), "b", strLit("x"), "a", intLit(1)), nil},
		{"nested map keys in another order", lmap("m", mapLit("k1", intLit(1), "k2", intLit(2))), lmap("m", mapLit("k2", intLit(2), "k1", intLit(1))), nil},
		{"struct fields in another order", lmap("g", genericLit(t, map[string]any{"a": 1.0, "b": "x"})), lmap("g", genericLit(t, map[string]any{"b": "x", "a": 1.0})), nil},
		{"negative and positive zero", lmap("f", floatLit(math.Copysign(0, -1))), lmap("f", floatLit(0)), nil},
		{"two NaNs", lmap("f", floatLit(math.NaN())), lmap("f", floatLit(math.Float64frombits(0x7ff8000000000abc))), nil},
		{"free-form literal metadata is not part of the value", lmap("a", &corev1.Literal{Value: intLit(1).Value, Metadata: map[string]string{"k": "v"}}), lmap("a", intLit(1)), nil},
		{"ignored input left out", lmap("a", intLit(1), "seed", intLit(42)), lmap("a", intLit(1)), []string{"seed"}},
		{"ignored input with other values", lmap("a", intLit(1), "seed", intLit(42)), lmap("a", intLit(1), "seed", intLit(7)), []string{"seed"}},
		{"ignoring an absent input", lmap("a", intLit(1)), lmap("a", intLit(1)), []string{"nope"}},
		{"same user hash, different values", lmap("df", withHash(blobLit("s3://b/1", "csv", 0), "h1")), lmap("df", withHash(blobLit("s3://b/2", "csv", 0), "h1")), nil},
		{"nested user hash honoured", lmap("l", listLit(withHash(intLit(1), "one"), intLit(2))), lmap("l", listLit(withHash(intLit(9), "one"), intLit(2))), nil},
		{"offloaded with the value's hash equals inline", lmap("l", big), lmap("l", withHash(offloaded("s3://b/off.pb", 100, intType), cachekey.LiteralHash(big))), nil},
		{"nil and empty input maps", nil, &corev1.LiteralMap{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := cachekey.Tag(tc.a, tc.ignore), cachekey.Tag(tc.b, tc.ignore)
			require.Equal(t, a, b)
			require.True(t, strings.HasPrefix(a, cachekey.TagPrefix), "tag %q", a)
			require.Equal(t, a, cachekey.Tag(roundTrip(t, tc.a), tc.ignore), "a marshal round trip keeps the tag")
		})
	}
}

func roundTrip(t *testing.T, m *corev1.LiteralMap) *corev1.LiteralMap {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: false}.Marshal(m)
	require.NoError(t, err)
	out := &corev1.LiteralMap{}
	require.NoError(t, proto.Unmarshal(b, out))
	return out
}

func TestTagDifferentValues(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	single, multi := corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE, corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART
	cases := []struct {
		name string
		a, b *corev1.LiteralMap
	}{
		{"integer value", lmap("a", intLit(1)), lmap("a", intLit(2))},
		{"integer and float", lmap("a", intLit(1)), lmap("a", floatLit(1))},
		{"integer and string", lmap("a", intLit(1)), lmap("a", strLit("1"))},
		{"float value", lmap("a", floatLit(1.5)), lmap("a", floatLit(1.25))},
		{"boolean", lmap("a", boolLit(true)), lmap("a", boolLit(false))},
		{"string", lmap("a", strLit("x")), lmap("a", strLit("y"))},
		{"empty string and none", lmap("a", strLit("")), lmap("a", noneLit())},
		{"input name", lmap("a", intLit(1)), lmap("b", intLit(1))},
		{"extra input", lmap("a", intLit(1)), lmap("a", intLit(1), "b", intLit(1))},
		{"names and values not shifted", lmap("ab", strLit("c")), lmap("a", strLit("bc"))},
		{"list order", lmap("l", listLit(intLit(1), intLit(2))), lmap("l", listLit(intLit(2), intLit(1)))},
		{"list nesting", lmap("l", listLit(listLit(intLit(1)), listLit(intLit(2)))), lmap("l", listLit(listLit(intLit(1), intLit(2))))},
		{"list element boundaries", lmap("l", listLit(strLit("ab"), strLit("c"))), lmap("l", listLit(strLit("a"), strLit("bc")))},
		{"empty list and empty map", lmap("l", listLit()), lmap("l", mapLit())},
		{"map key", lmap("m", mapLit("k", intLit(1))), lmap("m", mapLit("j", intLit(1)))},
		{"map value", lmap("m", mapLit("k", intLit(1))), lmap("m", mapLit("k", intLit(2)))},
		{"datetime", lmap("t", timeLit(t0)), lmap("t", timeLit(t0.Add(time.Nanosecond)))},
		{"duration", lmap("d", durLit(time.Second)), lmap("d", durLit(2*time.Second))},
		{"datetime and duration", lmap("d", timeLit(time.Unix(1, 0))), lmap("d", durLit(time.Second))},
		{"blob uri", lmap("f", blobLit("s3://b/1", "csv", single)), lmap("f", blobLit("s3://b/2", "csv", single))},
		{"blob format", lmap("f", blobLit("s3://b/1", "csv", single)), lmap("f", blobLit("s3://b/1", "parquet", single))},
		{"file and directory", lmap("f", blobLit("s3://b/1", "", single)), lmap("f", blobLit("s3://b/1", "", multi))},
		{"dataset uri", lmap("d", datasetLit("s3://b/1", "parquet")), lmap("d", datasetLit("s3://b/2", "parquet"))},
		{"binary bytes", lmap("b", binLit("msgpack", []byte{1})), lmap("b", binLit("msgpack", []byte{2}))},
		{"binary tag", lmap("b", binLit("msgpack", []byte{1})), lmap("b", binLit("json", []byte{1}))},
		{"struct value", lmap("g", genericLit(t, map[string]any{"a": 1.0})), lmap("g", genericLit(t, map[string]any{"a": 2.0}))},
		{"struct nesting", lmap("g", genericLit(t, map[string]any{"a": map[string]any{"b": "c"}})), lmap("g", genericLit(t, map[string]any{"a": []any{"b", "c"}}))},
		{"union variant tag", lmap("u", unionLit(intLit(1), tagged(intType, "int"))), lmap("u", unionLit(intLit(1), tagged(intType, "other")))},
		{"union untagged variant type", lmap("u", unionLit(strLit("1"), strType)), lmap("u", unionLit(strLit("1"), intType))},
		{"union and plain value", lmap("u", unionLit(intLit(1), tagged(intType, "int"))), lmap("u", intLit(1))},
		{"union value", lmap("u", unionLit(intLit(1), tagged(intType, "int"))), lmap("u", unionLit(intLit(2), tagged(intType, "int")))},
		{"user hash", lmap("a", withHash(intLit(1), "h1")), lmap("a", withHash(intLit(1), "h2"))},
		{"user hash and value", lmap("a", withHash(intLit(1), "h1")), lmap("a", intLit(1))},
		{"offloaded uri", lmap("o", offloaded("s3://b/1", 10, intType)), lmap("o", offloaded("s3://b/2", 10, intType))},
		{"offloaded and inline without hash", lmap("o", offloaded("s3://b/1", 10, intType)), lmap("o", intLit(1))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NotEqual(t, cachekey.Tag(tc.a, nil), cachekey.Tag(tc.b, nil))
		})
	}
}

func TestTagIgnoresOnlyNamedInputs(t *testing.T) {
	t.Parallel()
	a := lmap("a", intLit(1), "seed", intLit(1))
	b := lmap("a", intLit(2), "seed", intLit(1))
	require.NotEqual(t, cachekey.Tag(a, []string{"seed"}), cachekey.Tag(b, []string{"seed"}), "inputs not ignored still count")
	require.Equal(t, cachekey.Tag(a, []string{"a", "seed"}), cachekey.Tag(b, []string{"a", "seed"}))
}

func iface(in, out map[string]*corev1.LiteralType) *corev1.TypedInterface {
	vm := func(m map[string]*corev1.LiteralType) *corev1.VariableMap {
		v := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
		for k, t := range m {
			v.Variables[k] = &corev1.Variable{Type: t}
		}
		return v
	}
	return &corev1.TypedInterface{Inputs: vm(in), Outputs: vm(out)}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	base := iface(map[string]*corev1.LiteralType{"x": intType, "y": strType}, map[string]*corev1.LiteralType{"o": intType})
	described := proto.CloneOf(base)
	described.Inputs.Variables["x"].Description = "the x"
	annotated := proto.CloneOf(base)
	annotated.Inputs.Variables["y"].Type = proto.CloneOf(strType)
	annotated.Inputs.Variables["y"].Type.Metadata, _ = structpb.NewStruct(map[string]any{"title": "y"})
	cases := []struct {
		name  string
		other *corev1.TypedInterface
		same  bool
	}{
		{"itself", proto.CloneOf(base), true},
		{"descriptions do not count", described, true},
		{"type metadata does not count", annotated, true},
		{"input type", iface(map[string]*corev1.LiteralType{"x": strType, "y": strType}, map[string]*corev1.LiteralType{"o": intType}), false},
		{"input name", iface(map[string]*corev1.LiteralType{"z": intType, "y": strType}, map[string]*corev1.LiteralType{"o": intType}), false},
		{"output type", iface(map[string]*corev1.LiteralType{"x": intType, "y": strType}, map[string]*corev1.LiteralType{"o": strType}), false},
		{"output added", iface(map[string]*corev1.LiteralType{"x": intType, "y": strType}, map[string]*corev1.LiteralType{"o": intType, "p": intType}), false},
		{"input moved to the outputs", iface(map[string]*corev1.LiteralType{"x": intType}, map[string]*corev1.LiteralType{"o": intType, "y": strType}), false},
		{"union variant tag", iface(map[string]*corev1.LiteralType{"x": tagged(intType, "a"), "y": strType}, map[string]*corev1.LiteralType{"o": intType}), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := cachekey.Signature(base), cachekey.Signature(tc.other)
			require.Len(t, a, 16)
			require.Equal(t, tc.same, a == b, "signatures %s and %s", a, b)
		})
	}
}

func TestDatasetID(t *testing.T) {
	t.Parallel()
	ifc := iface(map[string]*corev1.LiteralType{"x": intType}, nil)
	got := cachekey.DatasetID("p", "d", "my.task", "1.0", ifc)
	want := &datacatalogv1.DatasetID{Project: "p", Domain: "d", Name: "flyte_task-my.task", Version: "1.0-" + cachekey.Signature(ifc)}
	require.Empty(t, cmp.Diff(want, got, protocmp.Transform()))
	require.Equal(t, "flyte_task-my.task", cachekey.DatasetName("my.task"))
}

// TestGolden pins the algorithm: a change of any of these values changes
// every key users have cached, which must be a deliberate decision (and a
// new cache version would not help: the dataset version does not move).
func TestGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"empty inputs", cachekey.Tag(nil, nil), "flyte_cached-0b39b13c0c1abca2eca24c1b5ad648ab"},
		{"one integer", cachekey.Tag(lmap("x", intLit(1)), nil), "flyte_cached-78a7a31955ebe2c1d326acb0a70abdbd"},
		{"mixed", cachekey.Tag(lmap("n", intLit(-7), "s", strLit("hello"), "f", floatLit(2.5), "l", listLit(boolLit(true), noneLit()), "m", mapLit("k", blobLit("s3://b/k", "csv", 0)), "seed", intLit(3)), []string{"seed"}), "flyte_cached-219b9486a435a1f7824c33a4f129d0b5"},
		{"user hash", cachekey.Tag(lmap("df", withHash(blobLit("s3://b/x", "parquet", 1), "abc")), nil), "flyte_cached-8f7643291cf6c64dd92543009aa67fd6"},
		{"literal hash", cachekey.LiteralHash(intLit(42)), "61b227bba7c03521822b5e258656f5268d698318a35e8684a9b970e853eafddb"},
		{"signature", cachekey.Signature(iface(map[string]*corev1.LiteralType{"x": intType}, map[string]*corev1.LiteralType{"y": strType})), "7ecc9abe6fd81e54"},
	}
	for _, tc := range cases {
		if tc.want != tc.got {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func FuzzTag(f *testing.F) {
	for _, m := range []*corev1.LiteralMap{
		lmap("x", intLit(1)),
		lmap("l", listLit(strLit("a"), mapLit("k", floatLit(1))), "u", unionLit(intLit(1), tagged(intType, "i"))),
		lmap("o", withHash(offloaded("s3://x", 3, intType), "h"), "b", blobLit("file:///x", "csv", 1)),
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "x")
	}
	f.Fuzz(func(t *testing.T, data []byte, ignore string) {
		m := &corev1.LiteralMap{}
		if err := proto.Unmarshal(data, m); err != nil {
			return
		}
		tag := cachekey.Tag(m, []string{ignore})
		if !strings.HasPrefix(tag, cachekey.TagPrefix) || len(tag) != len(cachekey.TagPrefix)+32 {
			t.Fatalf("malformed tag %q", tag)
		}
		b, err := proto.Marshal(m)
		if err != nil {
			return
		}
		again := &corev1.LiteralMap{}
		if err := proto.Unmarshal(b, again); err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if got := cachekey.Tag(again, []string{ignore}); got != tag {
			t.Fatalf("tag changed across a marshal round trip: %s then %s", tag, got)
		}
	})
}
