package authoring

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

var testOpts = Options{Project: "flytesnacks", Domain: "development", Version: "v1"}

// bindingDoc is a workflow whose node "n" binds the input v of type typ to
// value; node "up" offers outputs of several types to reference.
func bindingDoc(typ, value string) string {
	return fmt.Sprintf(`
tasks:
  - name: sink
    type: echo
    inputs: {v: %q}
  - name: source
    type: echo
    outputs: {i: int, l: "list[int]", m: "map[str,int]", s: struct}
workflows:
  - name: w
    inputs: {x: int, s: str}
    nodes:
      - {id: up, task: source}
      - id: n
        task: sink
        inputs:
          v: %s
`, typ, value)
}

// decodeBinding returns the binding of input v of node n.
func decodeBinding(t *testing.T, typ, value string) (*corev1.BindingData, error) {
	t.Helper()
	b, err := Decode("binding.yaml", []byte(bindingDoc(typ, value)), testOpts)
	if err != nil {
		return nil, err
	}
	for _, n := range b.Workflows[0].GetSpec().GetTemplate().GetNodes() {
		if n.GetId() == "n" {
			require.Len(t, n.GetInputs(), 1)
			return n.GetInputs()[0].GetBinding(), nil
		}
	}
	t.Fatal("node n not found")
	return nil, nil
}

func primScalar(p *corev1.Primitive) *corev1.Scalar {
	return &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}}
}

func bScalar(sc *corev1.Scalar) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: sc}}
}

func bInt(i int64) *corev1.BindingData {
	return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}}))
}

func bStr(s string) *corev1.BindingData {
	return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}}))
}

func bPromise(node, v string, path ...*corev1.PromiseAttribute) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: node, Var: v, AttrPath: path}}}
}

func bList(items ...*corev1.BindingData) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: &corev1.BindingDataCollection{Bindings: items}}}
}

func bMap(m map[string]*corev1.BindingData) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Map{Map: &corev1.BindingDataMap{Bindings: m}}}
}

func mustType(t *testing.T, expr string) *corev1.LiteralType {
	t.Helper()
	lt, err := ParseType(expr)
	require.NoError(t, err)
	return lt
}

func TestBindings(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)
	optInt := mustType(t, "optional[int]")
	intVariant, noneVariant := optInt.GetUnionType().GetVariants()[0], optInt.GetUnionType().GetVariants()[1]
	optList := mustType(t, "optional[list[int]]")
	tests := []struct {
		name, typ, value string
		want             func(t *testing.T) *corev1.BindingData
	}{
		{"int", "int", "42", func(*testing.T) *corev1.BindingData { return bInt(42) }},
		{"hex int", "int", "0x10", func(*testing.T) *corev1.BindingData { return bInt(16) }},
		{"float from int", "float", "3", func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: 3}}))
		}},
		{"float", "float", "2.5", func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: 2.5}}))
		}},
		{"bool", "bool", "true", func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: true}}))
		}},
		{"str", "str", "hello", func(*testing.T) *corev1.BindingData { return bStr("hello") }},
		{"quoted number is a str", "str", `"42"`, func(*testing.T) *corev1.BindingData { return bStr("42") }},
		{"dollar escape", "str", `"$$5 off"`, func(*testing.T) *corev1.BindingData { return bStr("$5 off") }},
		{"dollar inside is text", "str", `"costs $5"`, func(*testing.T) *corev1.BindingData { return bStr("costs $5") }},
		{"datetime", "datetime", "2024-01-31T12:00:00Z", func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(day)}}))
		}},
		{"quoted datetime", "datetime", `"2024-01-31T12:00:00Z"`, func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(day)}}))
		}},
		{"duration", "duration", "1h30m", func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(90 * time.Minute)}}))
		}},
		{"duration in days", "duration", "2d", func(*testing.T) *corev1.BindingData {
			return bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(48 * time.Hour)}}))
		}},
		{"binary base64", "binary", "!!binary aGk=", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: []byte("hi")}}})
		}},
		{"binary text", "binary", "hi", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: []byte("hi")}}})
		}},
		{"none", "none", "null", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}})
		}},
		{"struct", "struct", "{a: 1, b: [x, true], c: {d: null}}", func(t *testing.T) *corev1.BindingData {
			st, err := structpb.NewStruct(map[string]any{"a": 1, "b": []any{"x", true}, "c": map[string]any{"d": nil}})
			require.NoError(t, err)
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: st}})
		}},
		{"file", "file[csv]", "s3://bucket/a.csv", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{Uri: "s3://bucket/a.csv",
				Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{Format: "csv"}}}}})
		}},
		{"dir", "dir", "file:///data/in", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{Uri: "file:///data/in",
				Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{Dimensionality: corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART}}}}})
		}},
		{"dataset", "dataset[parquet]", "gs://b/t", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_StructuredDataset{StructuredDataset: &corev1.StructuredDataset{Uri: "gs://b/t",
				Metadata: &corev1.StructuredDatasetMetadata{StructuredDatasetType: &corev1.StructuredDatasetType{Format: "parquet"}}}}})
		}},
		{"enum", "enum[red,green]", "green", func(*testing.T) *corev1.BindingData { return bStr("green") }},
		{"workflow input", "int", "$inputs.x", func(*testing.T) *corev1.BindingData { return bPromise("start-node", "x") }},
		{"node output", "int", "$up.i", func(*testing.T) *corev1.BindingData { return bPromise("up", "i") }},
		{"attribute path", "int", "$up.l[2]", func(*testing.T) *corev1.BindingData { return bPromise("up", "l", intAttr(2)) }},
		{"struct field", "int", "$up.s.count", func(*testing.T) *corev1.BindingData { return bPromise("up", "s", strAttr("count")) }},
		{"list of constants", "list[int]", "[1, 2]", func(*testing.T) *corev1.BindingData { return bList(bInt(1), bInt(2)) }},
		{"list of references", "list[int]", "[$inputs.x, 3, $up.i]", func(*testing.T) *corev1.BindingData {
			return bList(bPromise("start-node", "x"), bInt(3), bPromise("up", "i"))
		}},
		{"list of lists", "list[list[int]]", "[[1], [$up.i]]", func(*testing.T) *corev1.BindingData {
			return bList(bList(bInt(1)), bList(bPromise("up", "i")))
		}},
		{"whole list reference", "list[int]", "$up.l", func(*testing.T) *corev1.BindingData { return bPromise("up", "l") }},
		{"map of references", "map[str,int]", "{a: $up.i, b: 2}", func(*testing.T) *corev1.BindingData {
			return bMap(map[string]*corev1.BindingData{"a": bPromise("up", "i"), "b": bInt(2)})
		}},
		{"optional value", "optional[int]", "5", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{
				Value: scalarLiteral(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 5}})), Type: intVariant}}})
		}},
		{"optional none", "optional[int]", "null", func(*testing.T) *corev1.BindingData {
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: noneLiteral(), Type: noneVariant}}})
		}},
		{"optional reference", "optional[int]", "$up.i", func(*testing.T) *corev1.BindingData { return bPromise("up", "i") }},
		{"optional list with references", "optional[list[int]]", "[$up.i, 1]", func(*testing.T) *corev1.BindingData {
			b := bList(bPromise("up", "i"), bInt(1))
			b.Union = &corev1.UnionInfo{TargetType: optList.GetUnionType().GetVariants()[0]}
			return b
		}},
		{"union picks the first fitting variant", "union[int,str]", "word", func(t *testing.T) *corev1.BindingData {
			u := mustType(t, "union[int,str]")
			return bScalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{
				Value: scalarLiteral(primScalar(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: "word"}})),
				Type:  u.GetUnionType().GetVariants()[1]}}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeBinding(t, tt.typ, tt.value)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want(t), got, protocmp.Transform()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBindingErrors(t *testing.T) {
	t.Parallel()
	// The value sits on line 17 of bindingDoc.
	const at = "binding.yaml:17: workflow w: node n: input v: "
	tests := []struct{ name, typ, value, want string }{
		{"string for int", "int", "abc", at + `want int, found "abc"`},
		{"float for int", "int", "1.5", "want int, found number 1.5"},
		{"int for str", "str", "42", "want str, found integer 42 (quote it to make it a string)"},
		{"bad datetime", "datetime", "yesterday", `want an RFC 3339 datetime such as 2024-01-31T12:00:00Z, found "yesterday"`},
		{"bad duration", "duration", "soon", `want a duration such as 30s`},
		{"file without scheme", "file", "data.csv", "as a URI with a scheme"},
		{"enum value", "enum[red,green]", "blue", `want one of red, green, found "blue"`},
		{"list for int", "int", "[1]", "want int, found a list"},
		{"element", "list[int]", "[1, x]", `want int, found "x"`},
		{"map for list", "list[int]", "{a: 1}", "want list[int], found a mapping"},
		{"null for int", "int", "null", "want int, found null"},
		{"optional mismatch", "optional[int]", "abc", `want int, found "abc"`},
		{"union mismatch", "union[int,bool]", "abc", `want union[int,bool], found "abc"`},
		{"error type", "error", "x", "values of type error are set by the engine"},
		{"unknown input", "int", "$inputs.nope", `$inputs.nope: workflow w has no input "nope" (inputs: s, x)`},
		{"unknown node", "int", "$ghost.o", `$ghost.o: no node "ghost" in workflow w`},
		{"unknown output", "int", "$up.nope", `$up.nope: node up has no output "nope" (outputs: i, l, m, s)`},
		{"own output", "int", "$n.v", "a node cannot read its own outputs"},
		{"bad reference", "int", "$up", "want $up.OUTPUT"},
		{"reference in struct", "struct", "{a: $up.i}", "references such as $up.i are not allowed here"},
		{"struct from list", "struct", "[1]", "want struct (a mapping), found a list"},
		{"duplicate key", "map[str,int]", "{a: 1, a: 2}", `duplicate key "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeBinding(t, tt.typ, tt.value)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.True(t, strings.HasPrefix(err.Error(), "binding.yaml:1"), "errors carry file and line: %v", err)
		})
	}
}

// TestInferredBindings covers nodes whose target is registered elsewhere:
// constants take the type their YAML spelling implies.
func TestInferredBindings(t *testing.T) {
	t.Parallel()
	src := `
workflows:
  - name: w
    nodes:
      - id: n
        task: {name: remote, version: v0}
        inputs: {i: 1, f: 1.5, s: text, b: false, d: 2024-01-31T00:00:00Z, l: [1, 2], m: {k: v}, z: null}
`
	b, err := Decode("inferred.yaml", []byte(src), testOpts)
	require.NoError(t, err)
	n := b.Workflows[0].GetSpec().GetTemplate().GetNodes()[0]
	require.Equal(t, "v0", n.GetTaskNode().GetReferenceId().GetVersion())
	require.Equal(t, "flytesnacks", n.GetTaskNode().GetReferenceId().GetProject())
	got := map[string]*corev1.BindingData{}
	for _, in := range n.GetInputs() {
		got[in.GetVar()] = in.GetBinding()
	}
	want := map[string]*corev1.BindingData{
		"i": bInt(1),
		"f": bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: 1.5}})),
		"s": bStr("text"),
		"b": bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: false}})),
		"d": bScalar(primScalar(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC))}})),
		"l": bList(bInt(1), bInt(2)),
		"m": bMap(map[string]*corev1.BindingData{"k": bStr("v")}),
		"z": bScalar(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}),
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}
