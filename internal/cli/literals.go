package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/authoring"
	"github.com/flyte-go/flyte/internal/compiler"
)

// maxValueDepth bounds the nesting of a value given on the command line.
const maxValueDepth = 32

// parseLiteral converts a command-line value to a literal of type t. Simple
// values are written as text (42, 1.5, true, 2024-01-01T00:00:00Z, 1m30s);
// lists, maps and structs as YAML or JSON ([1, 2], {a: 1}); files,
// directories and datasets as their URI; an optional value as "null" for
// none.
func parseLiteral(text string, t *corev1.LiteralType) (*corev1.Literal, error) {
	if st, ok := t.GetType().(*corev1.LiteralType_Simple); ok && st.Simple != corev1.SimpleType_SIMPLE_TYPE_STRUCT {
		return simpleFromText(text, st.Simple)
	}
	switch t.GetType().(type) {
	case *corev1.LiteralType_Blob, *corev1.LiteralType_StructuredDatasetType, *corev1.LiteralType_EnumType:
		return literalFromValue(text, t, 0)
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("%q is not YAML or JSON: %w", text, err)
	}
	return literalFromValue(v, t, 0)
}

// literalFromValue converts a decoded YAML or JSON value to a literal of type t.
func literalFromValue(v any, t *corev1.LiteralType, depth int) (*corev1.Literal, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("value is nested deeper than %d levels", maxValueDepth)
	}
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		if x.Simple == corev1.SimpleType_SIMPLE_TYPE_STRUCT {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s is not a mapping (want a struct)", describe(v))
			}
			s, err := structpb.NewStruct(jsonable(m).(map[string]any))
			if err != nil {
				return nil, fmt.Errorf("struct: %w", err)
			}
			return scalar(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: s}}), nil
		}
		if v == nil && x.Simple == corev1.SimpleType_SIMPLE_TYPE_NONE {
			return noneLit(), nil
		}
		text, ok := scalarText(v)
		if !ok {
			return nil, fmt.Errorf("%s is not a %s", describe(v), compiler.FormatType(t))
		}
		return simpleFromText(text, x.Simple)
	case *corev1.LiteralType_Blob:
		uri, ok := v.(string)
		if !ok || uri == "" {
			return nil, fmt.Errorf("%s is not a URI (want a %s)", describe(v), compiler.FormatType(t))
		}
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
			Metadata: &corev1.BlobMetadata{Type: x.Blob}, Uri: uri,
		}}}), nil
	case *corev1.LiteralType_StructuredDatasetType:
		uri, ok := v.(string)
		if !ok || uri == "" {
			return nil, fmt.Errorf("%s is not a URI (want a dataset)", describe(v))
		}
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_StructuredDataset{StructuredDataset: &corev1.StructuredDataset{
			Uri: uri, Metadata: &corev1.StructuredDatasetMetadata{StructuredDatasetType: x.StructuredDatasetType},
		}}}), nil
	case *corev1.LiteralType_EnumType:
		s, ok := v.(string)
		if !ok || !slices.Contains(x.EnumType.GetValues(), s) {
			return nil, fmt.Errorf("%s is not one of %s", describe(v), strings.Join(x.EnumType.GetValues(), ", "))
		}
		return stringLit(s), nil
	case *corev1.LiteralType_CollectionType:
		items, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a list (want %s)", describe(v), compiler.FormatType(t))
		}
		out := &corev1.LiteralCollection{}
		for i, it := range items {
			l, err := literalFromValue(it, x.CollectionType, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out.Literals = append(out.Literals, l)
		}
		return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: out}}, nil
	case *corev1.LiteralType_MapValueType:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a mapping (want %s)", describe(v), compiler.FormatType(t))
		}
		out := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
		for _, k := range sortedMapKeys(m) {
			l, err := literalFromValue(m[k], x.MapValueType, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			out.Literals[k] = l
		}
		return &corev1.Literal{Value: &corev1.Literal_Map{Map: out}}, nil
	case *corev1.LiteralType_UnionType:
		var problems []string
		for _, variant := range x.UnionType.GetVariants() {
			l, err := literalFromValue(v, variant, depth+1)
			if err == nil {
				return scalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: l, Type: variant}}}), nil
			}
			problems = append(problems, compiler.FormatType(variant)+": "+err.Error())
		}
		return nil, fmt.Errorf("%s fits no variant of %s (%s)", describe(v), compiler.FormatType(t), strings.Join(problems, "; "))
	default:
		return nil, fmt.Errorf("values of type %s cannot be given on the command line", compiler.FormatType(t))
	}
}

// simpleFromText parses the text of a simple value.
func simpleFromText(text string, st corev1.SimpleType) (*corev1.Literal, error) {
	prim := func(p *corev1.Primitive) *corev1.Literal {
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}})
	}
	switch st {
	case corev1.SimpleType_SIMPLE_TYPE_INTEGER:
		i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		return prim(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_FLOAT:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsNaN(f) && !strings.EqualFold(strings.TrimSpace(text), "nan") {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return prim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: f}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_STRING:
		return stringLit(text), nil
	case corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean (true or false)", text)
		}
		return prim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: b}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DATETIME:
		ts, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time (like 2024-01-31T12:00:00Z)", text)
		}
		return prim(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(ts)}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DURATION:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (like 1m30s)", text)
		}
		return prim(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(d)}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_NONE:
		switch strings.TrimSpace(strings.ToLower(text)) {
		case "", "null", "none", "~":
			return noneLit(), nil
		}
		return nil, fmt.Errorf("%q is not none (write null)", text)
	default:
		return nil, fmt.Errorf("values of type %s cannot be given on the command line", strings.ToLower(strings.TrimPrefix(st.String(), "SIMPLE_TYPE_")))
	}
}

func scalar(s *corev1.Scalar) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: s}}
}

func stringLit(s string) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}}}})
}

func noneLit() *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}})
}

// scalarText is the text of a YAML scalar, as the user wrote it.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return x.Format(time.RFC3339Nano), true
	case nil:
		return "", true
	}
	return "", false
}

// describe names a decoded value in messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprint(x)
	}
}

// jsonable converts YAML-decoded values (times, integers) to what
// structpb accepts.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	default:
		return x
	}
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// formatLiteral renders a literal for people: simple values as text,
// collections, maps and structs as compact JSON, blobs as their URI.
func formatLiteral(l *corev1.Literal) string {
	v := literalValue(l, 0)
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// literalValue is l as a JSON-like value.
func literalValue(l *corev1.Literal, depth int) any {
	if depth > maxValueDepth {
		return "..."
	}
	switch x := l.GetValue().(type) {
	case *corev1.Literal_Collection:
		out := []any{}
		for _, e := range x.Collection.GetLiterals() {
			out = append(out, literalValue(e, depth+1))
		}
		return out
	case *corev1.Literal_Map:
		out := map[string]any{}
		for k, e := range x.Map.GetLiterals() {
			out[k] = literalValue(e, depth+1)
		}
		return out
	case *corev1.Literal_Scalar:
		return scalarValue(x.Scalar, depth)
	case *corev1.Literal_OffloadedMetadata:
		return "offloaded:" + x.OffloadedMetadata.GetUri()
	}
	return nil
}

func scalarValue(s *corev1.Scalar, depth int) any {
	switch x := s.GetValue().(type) {
	case *corev1.Scalar_Primitive:
		switch p := x.Primitive.GetValue().(type) {
		case *corev1.Primitive_Integer:
			return p.Integer
		case *corev1.Primitive_FloatValue:
			return p.FloatValue
		case *corev1.Primitive_StringValue:
			return p.StringValue
		case *corev1.Primitive_Boolean:
			return p.Boolean
		case *corev1.Primitive_Datetime:
			return p.Datetime.AsTime().UTC().Format(time.RFC3339Nano)
		case *corev1.Primitive_Duration:
			return p.Duration.AsDuration().String()
		}
	case *corev1.Scalar_Blob:
		return x.Blob.GetUri()
	case *corev1.Scalar_StructuredDataset:
		return x.StructuredDataset.GetUri()
	case *corev1.Scalar_Generic:
		return x.Generic.AsMap()
	case *corev1.Scalar_Union:
		return literalValue(x.Union.GetValue(), depth+1)
	case *corev1.Scalar_Error:
		return "error: " + x.Error.GetMessage()
	case *corev1.Scalar_Binary:
		return fmt.Sprintf("<%d bytes>", len(x.Binary.GetValue()))
	}
	return nil
}

// formatType renders a type in the authoring syntax (int, list[str], ...).
func formatType(t *corev1.LiteralType) string {
	return authoring.FormatType(t)
}
