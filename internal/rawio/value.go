package rawio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

// maxDepth bounds how deeply nested a value may be, so hostile JSON cannot
// exhaust the stack.
const maxDepth = 64

// blobHooks turn blob values into local paths (inputs) and local paths into
// blob URIs (outputs). A nil hook leaves the URI as written.
type blobHooks struct {
	// toLocal materialises a blob or dataset literal and returns its path.
	toLocal func(uri string, multipart bool) (string, error)
	// fromLocal uploads the file or directory at path and returns its URI.
	fromLocal func(path string, multipart bool) (string, error)
}

// EncodeValue renders a literal as the bytes of its input file: integers in
// decimal, floats in the shortest form that reads back exactly, booleans as
// true/false, datetimes in RFC 3339 (UTC, nanoseconds when present),
// durations in Go syntax (1m30s), strings and binaries as their raw bytes,
// none as nothing, and lists, maps, structs, unions and errors as JSON. Files,
// directories and datasets are written as their URI; WriteInputs downloads
// them instead.
func EncodeValue(l *corev1.Literal) ([]byte, error) {
	return encodeText(l, blobHooks{})
}

// DecodeValue converts the bytes of an output file to a literal of type t,
// the inverse of EncodeValue. Surrounding white space is ignored for numbers,
// booleans, datetimes and durations; one trailing newline is dropped from
// strings and enums (so `echo hello > out` yields "hello"). File, directory
// and dataset values must be URIs here; ReadOutputs uploads files instead.
func DecodeValue(data []byte, t *corev1.LiteralType) (*corev1.Literal, error) {
	return decodeText(data, t, blobHooks{})
}

func encodeText(l *corev1.Literal, h blobHooks) ([]byte, error) {
	if p := l.GetScalar().GetPrimitive(); p != nil {
		if s, ok := p.GetValue().(*corev1.Primitive_StringValue); ok {
			return []byte(s.StringValue), nil
		}
		v, err := primitiveJSON(p)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok {
			return []byte(s), nil
		}
		return []byte(v.(json.Number)), nil
	}
	switch s := l.GetScalar().GetValue().(type) {
	case *corev1.Scalar_Binary:
		return s.Binary.GetValue(), nil
	case *corev1.Scalar_NoneType:
		return []byte{}, nil
	}
	v, err := toJSON(l, h, 0)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok && (l.GetScalar().GetBlob() != nil || l.GetScalar().GetStructuredDataset() != nil) {
		return []byte(s), nil
	}
	return json.Marshal(v)
}

// primitiveJSON returns a primitive as a json.Number (numbers, booleans
// are returned as bool) or a string.
func primitiveJSON(p *corev1.Primitive) (any, error) {
	switch v := p.GetValue().(type) {
	case *corev1.Primitive_Integer:
		return json.Number(strconv.FormatInt(v.Integer, 10)), nil
	case *corev1.Primitive_FloatValue:
		f := v.FloatValue
		switch {
		case math.IsNaN(f):
			return "NaN", nil
		case math.IsInf(f, 1):
			return "Infinity", nil
		case math.IsInf(f, -1):
			return "-Infinity", nil
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	case *corev1.Primitive_StringValue:
		return v.StringValue, nil
	case *corev1.Primitive_Boolean:
		return json.Number(strconv.FormatBool(v.Boolean)), nil
	case *corev1.Primitive_Datetime:
		if err := v.Datetime.CheckValid(); err != nil {
			return nil, fmt.Errorf("invalid datetime: %w", err)
		}
		return v.Datetime.AsTime().UTC().Format(time.RFC3339Nano), nil
	case *corev1.Primitive_Duration:
		if err := v.Duration.CheckValid(); err != nil {
			return nil, fmt.Errorf("invalid duration: %w", err)
		}
		return v.Duration.AsDuration().String(), nil
	}
	return nil, errors.New("primitive value is not set")
}

// toJSON converts a literal to a value encoding/json marshals.
func toJSON(l *corev1.Literal, h blobHooks, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value is nested more than %d levels deep", maxDepth)
	}
	switch v := l.GetValue().(type) {
	case *corev1.Literal_Collection:
		out := make([]any, 0, len(v.Collection.GetLiterals()))
		for i, e := range v.Collection.GetLiterals() {
			j, err := toJSON(e, h, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, j)
		}
		return out, nil
	case *corev1.Literal_Map:
		out := make(map[string]any, len(v.Map.GetLiterals()))
		for k, e := range v.Map.GetLiterals() {
			j, err := toJSON(e, h, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			out[k] = j
		}
		return out, nil
	case *corev1.Literal_OffloadedMetadata:
		return nil, errors.New("offloaded value inside a value is not supported")
	case *corev1.Literal_Scalar:
		return scalarJSON(v.Scalar, h, depth)
	}
	return nil, errors.New("value is not set")
}

func scalarJSON(s *corev1.Scalar, h blobHooks, depth int) (any, error) {
	switch v := s.GetValue().(type) {
	case *corev1.Scalar_Primitive:
		j, err := primitiveJSON(v.Primitive)
		if b, ok := v.Primitive.GetValue().(*corev1.Primitive_Boolean); ok {
			return b.Boolean, nil
		}
		return j, err
	case *corev1.Scalar_Blob:
		multipart := v.Blob.GetMetadata().GetType().GetDimensionality() == corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART
		return blobJSON(v.Blob.GetUri(), multipart, h)
	case *corev1.Scalar_StructuredDataset:
		return blobJSON(v.StructuredDataset.GetUri(), true, h)
	case *corev1.Scalar_Binary:
		return base64.StdEncoding.EncodeToString(v.Binary.GetValue()), nil
	case *corev1.Scalar_NoneType:
		return nil, nil
	case *corev1.Scalar_Error:
		return map[string]any{"failed_node_id": v.Error.GetFailedNodeId(), "message": v.Error.GetMessage()}, nil
	case *corev1.Scalar_Generic:
		return v.Generic.AsMap(), nil
	case *corev1.Scalar_Union:
		return toJSON(v.Union.GetValue(), h, depth+1)
	}
	return nil, errors.New("value is not set")
}

func blobJSON(uri string, multipart bool, h blobHooks) (any, error) {
	if h.toLocal == nil {
		return uri, nil
	}
	return h.toLocal(uri, multipart)
}

// decodeText converts the content of one output file by type t.
func decodeText(data []byte, t *corev1.LiteralType, h blobHooks) (*corev1.Literal, error) {
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		switch x.Simple {
		case corev1.SimpleType_SIMPLE_TYPE_STRING:
			s := trimNewline(data)
			if !utf8.Valid(s) {
				return nil, errors.New("is not valid UTF-8 text (declare the output as binary to keep raw bytes)")
			}
			return primitive(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: string(s)}}), nil
		case corev1.SimpleType_SIMPLE_TYPE_BINARY:
			return scalar(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: bytes.Clone(data)}}}), nil
		case corev1.SimpleType_SIMPLE_TYPE_NONE:
			if s := strings.TrimSpace(string(data)); s != "" && s != "null" {
				return nil, fmt.Errorf("%s is not empty (want an empty file for none)", quote(s))
			}
			return noneLiteral(), nil
		case corev1.SimpleType_SIMPLE_TYPE_STRUCT, corev1.SimpleType_SIMPLE_TYPE_ERROR:
			return decodeJSON(data, t, h)
		}
		return simpleFromText(strings.TrimSpace(string(data)), x.Simple)
	case *corev1.LiteralType_EnumType:
		s := string(trimNewline(data))
		return enumLiteral(s, x.EnumType)
	case *corev1.LiteralType_Blob, *corev1.LiteralType_StructuredDatasetType:
		return fromJSON(string(trimNewline(data)), t, h, 0)
	case *corev1.LiteralType_UnionType:
		return unionFromText(data, t, x.UnionType, h)
	case *corev1.LiteralType_CollectionType, *corev1.LiteralType_MapValueType:
		return decodeJSON(data, t, h)
	}
	return nil, errors.New("has a type that cannot be read from a file")
}

// unionFromText reads an empty file as none (when a variant is none), JSON
// by the variants, and otherwise text by the first simple variant it fits,
// so that optional[str] accepts plain text as well as a JSON string.
func unionFromText(data []byte, t *corev1.LiteralType, u *corev1.UnionType, h blobHooks) (*corev1.Literal, error) {
	trimmed := strings.TrimSpace(string(data))
	if trimmed == "" {
		for _, v := range u.GetVariants() {
			if isNone(v) {
				return unionLiteral(noneLiteral(), v), nil
			}
		}
	}
	if l, err := decodeJSON(data, t, h); err == nil {
		return l, nil
	} else if json.Valid(data) {
		return nil, err
	}
	for _, v := range u.GetVariants() {
		if isNone(v) || v.GetUnionType() != nil {
			continue
		}
		if l, err := decodeText(data, v, h); err == nil {
			return unionLiteral(l, v), nil
		}
	}
	return nil, fmt.Errorf("%s is not a %s", quote(trimmed), compiler.FormatType(t))
}

func decodeJSON(data []byte, t *corev1.LiteralType, h blobHooks) (*corev1.Literal, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("is not valid JSON for %s: %w", compiler.FormatType(t), err)
	}
	if d.More() {
		return nil, fmt.Errorf("is not valid JSON for %s: more than one JSON value", compiler.FormatType(t))
	}
	return fromJSON(v, t, h, 0)
}

// fromJSON converts a decoded JSON value (numbers as json.Number) to a
// literal of type t. Errors start with the path to the wrong element.
func fromJSON(v any, t *corev1.LiteralType, h blobHooks, depth int) (*corev1.Literal, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value is nested more than %d levels deep", maxDepth)
	}
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		return simpleFromJSON(v, x.Simple)
	case *corev1.LiteralType_EnumType:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string (want one of %s)", jsonText(v), strings.Join(x.EnumType.GetValues(), ", "))
		}
		return enumLiteral(s, x.EnumType)
	case *corev1.LiteralType_CollectionType:
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a JSON list", jsonText(v))
		}
		out := make([]*corev1.Literal, 0, len(list))
		for i, e := range list {
			l, err := fromJSON(e, x.CollectionType, h, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, l)
		}
		return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: out}}}, nil
	case *corev1.LiteralType_MapValueType:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a JSON object", jsonText(v))
		}
		out := make(map[string]*corev1.Literal, len(m))
		for _, k := range sortedKeys(m) {
			l, err := fromJSON(m[k], x.MapValueType, h, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			out[k] = l
		}
		return &corev1.Literal{Value: &corev1.Literal_Map{Map: &corev1.LiteralMap{Literals: out}}}, nil
	case *corev1.LiteralType_UnionType:
		for _, variant := range x.UnionType.GetVariants() {
			if (v == nil) != isNone(variant) {
				continue
			}
			if l, err := fromJSON(v, variant, h, depth+1); err == nil {
				return unionLiteral(l, variant), nil
			}
		}
		return nil, fmt.Errorf("%s is not a %s", jsonText(v), compiler.FormatType(t))
	case *corev1.LiteralType_Blob:
		multipart := x.Blob.GetDimensionality() == corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART
		uri, err := blobFromJSON(v, multipart, h)
		if err != nil {
			return nil, err
		}
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
			Uri: uri, Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{Format: x.Blob.GetFormat(), Dimensionality: x.Blob.GetDimensionality()}},
		}}}), nil
	case *corev1.LiteralType_StructuredDatasetType:
		uri, err := blobFromJSON(v, true, h)
		if err != nil {
			return nil, err
		}
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_StructuredDataset{StructuredDataset: &corev1.StructuredDataset{
			Uri: uri, Metadata: &corev1.StructuredDatasetMetadata{StructuredDatasetType: x.StructuredDatasetType},
		}}}), nil
	}
	return nil, errors.New("has a type that cannot be read from a file")
}

func blobFromJSON(v any, multipart bool, h blobHooks) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s is not a path or URI", jsonText(v))
	}
	if strings.Contains(s, "://") || h.fromLocal == nil {
		if !strings.Contains(s, "://") {
			return "", fmt.Errorf("%s is not a URI (want scheme://...)", quote(s))
		}
		return s, nil
	}
	return h.fromLocal(s, multipart)
}

func simpleFromJSON(v any, st corev1.SimpleType) (*corev1.Literal, error) {
	switch st {
	case corev1.SimpleType_SIMPLE_TYPE_NONE:
		if v != nil {
			return nil, fmt.Errorf("%s is not null", jsonText(v))
		}
		return noneLiteral(), nil
	case corev1.SimpleType_SIMPLE_TYPE_INTEGER, corev1.SimpleType_SIMPLE_TYPE_FLOAT:
		switch n := v.(type) {
		case json.Number:
			return simpleFromText(string(n), st)
		case string:
			if st == corev1.SimpleType_SIMPLE_TYPE_FLOAT && (n == "NaN" || n == "Infinity" || n == "-Infinity") {
				return simpleFromText(n, st)
			}
		}
		if st == corev1.SimpleType_SIMPLE_TYPE_INTEGER {
			return nil, fmt.Errorf("%s is not an integer", jsonText(v))
		}
		return nil, fmt.Errorf("%s is not a number", jsonText(v))
	case corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s is not a boolean (want true or false)", jsonText(v))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: b}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_STRING:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string", jsonText(v))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DATETIME, corev1.SimpleType_SIMPLE_TYPE_DURATION:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string (want %s)", jsonText(v), simpleName(st))
		}
		return simpleFromText(s, st)
	case corev1.SimpleType_SIMPLE_TYPE_BINARY:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a base64 string", jsonText(v))
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not valid base64", quote(s))
		}
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: b}}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_STRUCT:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a JSON object", jsonText(v))
		}
		st, err := structpb.NewStruct(plainNumbers(m).(map[string]any))
		if err != nil {
			return nil, fmt.Errorf("is not a struct: %w", err)
		}
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: st}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_ERROR:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a JSON object with failed_node_id and message", jsonText(v))
		}
		node, _ := m["failed_node_id"].(string)
		msg, _ := m["message"].(string)
		return scalar(&corev1.Scalar{Value: &corev1.Scalar_Error{Error: &corev1.Error{FailedNodeId: node, Message: msg}}}), nil
	}
	return nil, fmt.Errorf("has unknown simple type %d", st)
}

// simpleFromText parses trimmed text as a number, boolean, datetime or duration.
func simpleFromText(s string, st corev1.SimpleType) (*corev1.Literal, error) {
	switch st {
	case corev1.SimpleType_SIMPLE_TYPE_INTEGER:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%s is out of the 64-bit integer range", quote(s))
			}
			return nil, fmt.Errorf("%s is not an integer", quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: n}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_FLOAT:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || strings.HasPrefix(strings.ToLower(strings.TrimLeft(s, "+-")), "0x") {
			return nil, fmt.Errorf("%s is not a number", quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: f}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:
		switch strings.ToLower(s) {
		case "true", "1":
			return primitive(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: true}}), nil
		case "false", "0":
			return primitive(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: false}}), nil
		}
		return nil, fmt.Errorf("%s is not a boolean (want true or false)", quote(s))
	case corev1.SimpleType_SIMPLE_TYPE_DATETIME:
		t, ok := parseDatetime(s)
		if !ok {
			return nil, fmt.Errorf("%s is not an RFC 3339 datetime such as 2024-01-31T12:00:00Z", quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(t)}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DURATION:
		d, err := parseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not a duration such as 1m30s", quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(d)}}), nil
	}
	return nil, fmt.Errorf("cannot read a %s from text", simpleName(st))
}

func parseDatetime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// parseDuration accepts Go durations and a whole number of days ("2d").
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n > math.MaxInt64/int64(24*time.Hour) || n < math.MinInt64/int64(24*time.Hour) {
			return 0, errors.New("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func enumLiteral(s string, e *corev1.EnumType) (*corev1.Literal, error) {
	if !slices.Contains(e.GetValues(), s) {
		return nil, fmt.Errorf("%s is not one of %s", quote(s), strings.Join(e.GetValues(), ", "))
	}
	return primitive(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}}), nil
}

// plainNumbers turns json.Number into float64 so structpb accepts the value.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plainNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainNumbers(e)
		}
		return out
	}
	return v
}

func trimNewline(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// quote shows a value in a message, shortened to keep messages readable.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return strconv.Quote(s)
}

// jsonText shows a decoded JSON value in a message.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return s
}

func simpleName(st corev1.SimpleType) string {
	return compiler.FormatType(&corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: st}})
}

func isNone(t *corev1.LiteralType) bool {
	return t.GetSimple() == corev1.SimpleType_SIMPLE_TYPE_NONE && t.GetType() != nil
}

func primitive(p *corev1.Primitive) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}})
}

func scalar(s *corev1.Scalar) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: s}}
}

func noneLiteral() *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}})
}

func unionLiteral(l *corev1.Literal, variant *corev1.LiteralType) *corev1.Literal {
	return scalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: l, Type: variant}}})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
