package flyte

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

type color string

func (color) EnumValues() []string { return []string{"red", "green", "blue"} }

type inner struct {
	A     int
	Name  *string `flyte:"label"`
	Waits []time.Duration
	Doc   File
	Huge  uint64
	Ratio float32
	When  time.Time
	Raw   []byte
	Shade color
	Tags  map[string]bool
	Next  *inner2
}

type inner2 struct{ Deep []map[string]int64 }

type allTypes struct {
	B       bool
	I       int
	I8      int8
	I16     int16
	I32     int32
	I64     int64
	U       uint
	U8      uint8
	U16     uint16
	U32     uint32
	U64     uint64
	F32     float32
	F64     float64
	S       string
	T       time.Time
	D       time.Duration
	Bin     []byte
	L       []int
	M       map[string]float64
	P       *int
	PNil    *string
	E       color
	Inner   inner
	Inners  []inner
	Nested  map[string][]*inner
	Doc     File
	Data    Dir
	Failure FailedNode
	//lint:ignore U1000 unexported fields are not variables: the test checks they are skipped
	skipped int
	Ignored int `flyte:"-"`
}

func ptr[T any](v T) *T { return &v }

var cmpOpts = []cmp.Option{cmpopts.EquateNaNs(), cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(allTypes{}), cmpopts.IgnoreFields(allTypes{}, "Ignored")}

func sampleAll() allTypes {
	when := time.Date(2024, 1, 31, 12, 0, 0, 500, time.UTC)
	in := inner{
		A: -3, Name: ptr("x"), Waits: []time.Duration{time.Second, -time.Minute}, Doc: File{URI: "s3://b/k.csv"},
		Huge: math.MaxInt64, Ratio: 0.1, When: when, Raw: []byte{0, 255}, Shade: "blue",
		Tags: map[string]bool{"a": true}, Next: &inner2{Deep: []map[string]int64{{"max": math.MaxInt64, "min": math.MinInt64}}},
	}
	return allTypes{
		B: true, I: -1, I8: math.MinInt8, I16: math.MaxInt16, I32: math.MinInt32, I64: math.MaxInt64,
		U: 7, U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxInt64,
		F32: float32(math.Inf(-1)), F64: math.NaN(), S: "héllo\n", T: when, D: -90 * time.Second,
		Bin: []byte("bin"), L: []int{1, 2, 3}, M: map[string]float64{"pi": math.Pi, "inf": math.Inf(1)},
		P: ptr(0), E: "green", Inner: in, Inners: []inner{in, {Doc: File{URI: "s3://b/x"}, Shade: "red"}}, Nested: map[string][]*inner{"k": {&in, nil}},
		Doc: File{URI: "gs://bucket/a.txt"}, Data: Dir{URI: "s3://b/dir/"}, Failure: FailedNode{NodeID: "n1", Message: "boom"},
	}
}

// roundTrip encodes v as a literal map, sends it through the wire format
// and decodes it back.
func roundTrip[T any](t *testing.T, v T) (T, *corev1.LiteralMap) {
	t.Helper()
	io, err := ioTypeOf(reflect.TypeFor[T](), "inputs")
	require.NoError(t, err)
	m, err := io.encode(nil, reflect.ValueOf(v))
	require.NoError(t, err)
	data, err := proto.Marshal(m)
	require.NoError(t, err)
	back := &corev1.LiteralMap{}
	require.NoError(t, proto.Unmarshal(data, back))
	for name, variable := range io.vars.GetVariables() {
		require.NoError(t, compiler.CheckLiteral(back.GetLiterals()[name], variable.GetType()), "variable %s", name)
	}
	out, err := io.decode(nil, back)
	require.NoError(t, err)
	return out.Interface().(T), back
}

func TestRoundTripEveryType(t *testing.T) {
	t.Parallel()
	want := sampleAll()
	got, _ := roundTrip(t, want)
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Fatalf("round trip changed the value (-want +got):\n%s", diff)
	}
}

func TestRoundTripZeroValues(t *testing.T) {
	t.Parallel()
	want := allTypes{T: time.Unix(0, 0).UTC(), Doc: File{URI: "s3://b/k"}, Data: Dir{URI: "s3://b/d"},
		Inner: inner{When: time.Unix(0, 0).UTC(), Doc: File{URI: "s3://b/i"}, Shade: "red"}, E: "red"}
	got, _ := roundTrip(t, want)
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Fatalf("round trip changed the value (-want +got):\n%s", diff)
	}
}

func TestLiteralTypes(t *testing.T) {
	t.Parallel()
	io, err := ioTypeOf(reflect.TypeFor[allTypes](), "inputs")
	require.NoError(t, err)
	got := map[string]string{}
	for name, v := range io.vars.GetVariables() {
		got[name] = compiler.FormatType(v.GetType())
	}
	want := map[string]string{
		"b": "bool", "i": "int", "i8": "int", "i16": "int", "i32": "int", "i64": "int",
		"u": "int", "u8": "int", "u16": "int", "u32": "int", "u64": "int",
		"f32": "float", "f64": "float", "s": "str", "t": "datetime", "d": "duration", "bin": "binary",
		"l": "list[int]", "m": "map[str,float]", "p": "optional[int]", "p_nil": "optional[str]",
		"e": "enum[red,green,blue]", "inner": "struct", "inners": "list[struct]", "nested": "map[str,list[optional[struct]]]",
		"doc": "file", "data": "dir", "failure": "error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("types (-want +got):\n%s", diff)
	}
	fields := io.vars.GetVariables()["inner"].GetType().GetStructure().GetDataclassType()
	require.Equal(t, "optional[str]", compiler.FormatType(fields["label"]), "struct field types are recorded for attribute access")
	require.Equal(t, "optional[struct]", compiler.FormatType(fields["next"]))
}

func TestSnakeCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"X": "x", "MaxRows": "max_rows", "HTTPServer": "http_server", "Shard2": "shard2", "userID": "user_id", "A1B": "a1_b",
	} {
		require.Equal(t, want, snakeCase(in), in)
	}
}

type (
	withChan     struct{ C chan int }
	withFunc     struct{ F func() }
	withIface    struct{ V any }
	withIntKeys  struct{ M map[int]string }
	withPtrPtr   struct{ P **int }
	recursive    struct{ Kids []recursive }
	withEmbedded struct{ inner2 }
	withBadTag   struct {
		X int `flyte:"9lives"`
	}
	withDupNames struct {
		MaxRows int
		Other   int `flyte:"max_rows"`
	}
	dupEnum      string
	emptyEnum    string
	withDupEnum  struct{ E dupEnum }
	withEmptyEnm struct{ E emptyEnum }
	withComplex  struct{ Z complex128 }
	withArray    struct{ A [3]int }
)

func (dupEnum) EnumValues() []string   { return []string{"a", "a"} }
func (emptyEnum) EnumValues() []string { return nil }

func TestUnmappableTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[withChan](), []string{"field C (c)", "chan int has no Flyte type"}},
		{reflect.TypeFor[withFunc](), []string{"field F (f)", "func() has no Flyte type"}},
		{reflect.TypeFor[withIface](), []string{"field V (v)", "interface {} has no Flyte type"}},
		{reflect.TypeFor[withIntKeys](), []string{"field M (m)", "map keys must be strings"}},
		{reflect.TypeFor[withPtrPtr](), []string{"field P (p)", "pointer to a pointer"}},
		{reflect.TypeFor[recursive](), []string{"field Kids (kids)", "is recursive"}},
		{reflect.TypeFor[withEmbedded](), []string{"embedded field inner2"}},
		{reflect.TypeFor[withBadTag](), []string{"field X", `"9lives"`}},
		{reflect.TypeFor[withDupNames](), []string{"fields MaxRows and Other both have the Flyte name \"max_rows\""}},
		{reflect.TypeFor[withDupEnum](), []string{"enum", `"a" appears twice`}},
		{reflect.TypeFor[withEmptyEnm](), []string{"enum has no values"}},
		{reflect.TypeFor[withComplex](), []string{"complex128 has no Flyte type"}},
		{reflect.TypeFor[withArray](), []string{"[3]int has no Flyte type"}},
		{reflect.TypeFor[int](), []string{"inputs type int is not a struct"}},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			t.Parallel()
			_, err := ioTypeOf(tc.typ, "inputs")
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestConversionErrors(t *testing.T) {
	t.Parallel()
	intLit := func(i int64) *corev1.Literal {
		return primLit(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}})
	}
	strLit := func(s string) *corev1.Literal {
		return primLit(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}})
	}
	decode := func(typ reflect.Type, l *corev1.Literal) error {
		c, err := codecFor(typ)
		require.NoError(t, err)
		return c.dec(nil, l, reflect.New(typ).Elem())
	}
	encode := func(v any) error {
		c, err := codecFor(reflect.TypeOf(v))
		require.NoError(t, err)
		_, err = c.enc(nil, reflect.ValueOf(v))
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"int8 overflow", decode(reflect.TypeFor[int8](), intLit(200)), "200 does not fit in int8 (8 bits)"},
		{"negative uint", decode(reflect.TypeFor[uint16](), intLit(-1)), "-1 is negative, which uint16 cannot hold"},
		{"uint32 overflow", decode(reflect.TypeFor[uint32](), intLit(1<<40)), "does not fit in uint32"},
		{"wrong kind", decode(reflect.TypeFor[int](), strLit("42")), "expected int, got a str"},
		{"enum outside set", decode(reflect.TypeFor[color](), strLit("pink")), `"pink" is not a value of enum flyte.color (values: red, green, blue)`},
		{"list of wrong kind", decode(reflect.TypeFor[[]int](), &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: []*corev1.Literal{intLit(1), strLit("x")}}}}), "[1]: expected int, got a str"},
		{"file is not a dir", decode(reflect.TypeFor[Dir](), scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{Uri: "s3://b/k"}}})), "expected dir, got a file or directory"},
		{"invalid UTF-8", encode("\xff"), "is not valid UTF-8"},
		{"uint64 beyond int64", encode(uint64(math.MaxUint64)), "larger than the largest Flyte integer"},
		{"enum encode", encode(color("pink")), `"pink" is not a value of enum`},
		{"file without location", encode(File{}), "file has neither a Path nor a URI"},
		{"local file without transfer", encode(File{Path: "/tmp/x"}), "cannot be used here"},
		{"URI without scheme", encode(File{URI: "bucket/key"}), `URI "bucket/key" has no scheme`},
		{"struct field", encode(inner{Name: ptr("\xff"), Doc: File{URI: "s3://b/k"}}), ".label: string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorContains(t, tc.err, tc.want)
		})
	}
}

func TestDecodeAcceptsUnionAndPlainForms(t *testing.T) {
	t.Parallel()
	c, err := codecFor(reflect.TypeFor[*int]())
	require.NoError(t, err)
	v := reflect.New(reflect.TypeFor[*int]()).Elem()
	// A plain value where an optional is expected (a T output bound to an
	// optional[T] input).
	require.NoError(t, c.dec(nil, primLit(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 5}}), v))
	require.Equal(t, 5, *v.Interface().(*int))
	require.NoError(t, c.dec(nil, noneLit(), v))
	require.Nil(t, v.Interface())

	// A union value where a plain type is expected is unwrapped.
	ci, err := codecFor(reflect.TypeFor[int]())
	require.NoError(t, err)
	u := scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{
		Value: primLit(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 9}}), Type: simpleLT(corev1.SimpleType_SIMPLE_TYPE_INTEGER)}}})
	iv := reflect.New(reflect.TypeFor[int]()).Elem()
	require.NoError(t, ci.dec(nil, u, iv))
	require.Equal(t, 9, iv.Interface())
}

func TestStructIntegersBeyondFloatPrecision(t *testing.T) {
	t.Parallel()
	type big struct{ N, M int64 }
	type holder struct{ B big }
	want := holder{B: big{N: 1<<53 + 1, M: 1<<53 - 1}}
	got, m := roundTrip(t, want)
	require.Equal(t, want, got)
	fields := m.GetLiterals()["b"].GetScalar().GetGeneric().GetFields()
	require.Equal(t, "9007199254740993", fields["n"].GetStringValue(), "beyond 2^53 an integer is stored as text")
	require.Equal(t, float64(1<<53-1), fields["m"].GetNumberValue(), "within 2^53 it is a number other tools read")
}

func FuzzStructRoundTrip(f *testing.F) {
	f.Add(int64(0), 0.0, "", []byte(nil), int64(0))
	f.Add(int64(math.MaxInt64), math.Inf(1), "héllo", []byte{0, 1}, int64(-1))
	f.Add(int64(math.MinInt64), math.NaN(), "\xff", []byte("x"), int64(1)<<53+1)
	f.Fuzz(func(t *testing.T, i int64, fl float64, s string, b []byte, d int64) {
		type elem struct {
			I int64
			F float64
			S string
			B []byte
			D time.Duration
			P *int64
		}
		type value struct {
			Top  elem
			List []elem
			Map  map[string]elem
			I    int64
			F    float64
			S    string
		}
		e := elem{I: i, F: fl, S: s, B: b, D: time.Duration(d), P: &i}
		want := value{Top: e, List: []elem{e, {}}, Map: map[string]elem{"k": e}, I: i, F: fl, S: s}
		io, err := ioTypeOf(reflect.TypeFor[value](), "inputs")
		require.NoError(t, err)
		m, err := io.encode(nil, reflect.ValueOf(want))
		if !isUTF8(s) {
			require.ErrorContains(t, err, "not valid UTF-8")
			return
		}
		require.NoError(t, err)
		data, err := proto.Marshal(m)
		require.NoError(t, err)
		back := &corev1.LiteralMap{}
		require.NoError(t, proto.Unmarshal(data, back))
		got, err := io.decode(nil, back)
		require.NoError(t, err)
		if diff := cmp.Diff(want, got.Interface(), cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the value (-want +got):\n%s", diff)
		}
	})
}

func isUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// FuzzDecodeLiteral feeds arbitrary literals (as the platform could send
// in inputs.pb) to the decoder: it may fail, never panic.
func FuzzDecodeLiteral(f *testing.F) {
	m, err := func() (*corev1.LiteralMap, error) {
		io, err := ioTypeOf(reflect.TypeFor[allTypes](), "inputs")
		if err != nil {
			return nil, err
		}
		return io.encode(nil, reflect.ValueOf(sampleAll()))
	}()
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range m.GetLiterals() {
		data, err := proto.Marshal(l)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	types := []reflect.Type{reflect.TypeFor[allTypes](), reflect.TypeFor[inner]()}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &corev1.Literal{}
		if proto.Unmarshal(data, l) != nil {
			return
		}
		for _, typ := range types {
			io, err := ioTypeOf(typ, "inputs")
			require.NoError(t, err)
			for i, c := range io.codecs {
				_ = c.dec(nil, l, reflect.New(io.fields[i].typ).Elem())
			}
		}
	})
}

// BenchmarkConvert measures encoding and decoding a value with every kind
// of field, as each task attempt does with its inputs and outputs.
func BenchmarkConvert(b *testing.B) {
	io, err := ioTypeOf(reflect.TypeFor[allTypes](), "inputs")
	if err != nil {
		b.Fatal(err)
	}
	v := reflect.ValueOf(sampleAll())
	for b.Loop() {
		m, err := io.encode(nil, v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.decode(nil, m); err != nil {
			b.Fatal(err)
		}
	}
}
