// Package rawvalue converts literals to and from their raw form, by their
// type: plain text for simple values (numbers, booleans, datetimes,
// durations, strings, enums) and JSON for lists, maps, structs, unions and
// errors. It holds the one set of these rules for every place that reads or
// writes values as text: the files of raw tasks (package rawio), the CLI's
// --input and --file values, and the datetime and duration spellings of
// workflow files. It imports no storage, so the CLI can use it.
package rawvalue

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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

// Hooks turn blob values into local paths (when values are written for a
// task) and local paths into blob URIs (when a task's outputs are read). A
// nil hook leaves the URI as written and requires it to have a scheme.
type Hooks struct {
	// ToLocal materialises a blob or dataset literal and returns its path.
	ToLocal func(uri string, multipart bool) (string, error)
	// FromLocal uploads the file or directory at path and returns its URI.
	FromLocal func(path string, multipart bool) (string, error)
}

// Encode renders a literal as text: integers in decimal, floats in the
// shortest form that reads back exactly, booleans as true/false, datetimes in
// RFC 3339 (UTC, nanoseconds when present), durations in Go syntax (1m30s),
// strings and binaries as their raw bytes, none as nothing, and lists, maps,
// structs, unions and errors as JSON. Files, directories and datasets are
// written as their URI (or what h.ToLocal returns, inside JSON values).
func Encode(l *corev1.Literal, h Hooks) ([]byte, error) {
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
		return JSONFloat(v.FloatValue), nil
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

// ToJSON converts a literal to the value encoding/json marshals as its JSON
// form: numbers as json.Number, NaN and infinities as strings, binaries in
// base64, blobs as their URI (or what h.ToLocal returns).
func ToJSON(l *corev1.Literal, h Hooks) (any, error) {
	return toJSON(l, h, 0)
}

// JSONFloat is f as a JSON value: a json.Number in the shortest form that
// reads back exactly, or the string "NaN", "Infinity" or "-Infinity", which
// JSON has no number for.
func JSONFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// toJSON converts a literal to a value encoding/json marshals.
func toJSON(l *corev1.Literal, h Hooks, depth int) (any, error) {
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

func scalarJSON(s *corev1.Scalar, h Hooks, depth int) (any, error) {
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

func blobJSON(uri string, multipart bool, h Hooks) (any, error) {
	if h.ToLocal == nil {
		return uri, nil
	}
	return h.ToLocal(uri, multipart)
}

// Decode converts text to a literal of type t, the inverse of Encode.
// Surrounding white space is ignored for numbers, booleans, datetimes and
// durations; one trailing newline is dropped from strings and enums (so
// `echo hello > out` yields "hello"). Lists, maps, structs and errors are
// JSON; a union takes empty text as none (when a variant is none), then JSON,
// then plain text by its first simple variant that accepts it.
func Decode(data []byte, t *corev1.LiteralType, h Hooks) (*corev1.Literal, error) {
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
				return nil, fmt.Errorf("%s is not empty (want an empty file for none)", Quote(s))
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
func unionFromText(data []byte, t *corev1.LiteralType, u *corev1.UnionType, h Hooks) (*corev1.Literal, error) {
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
	} else if json.Valid(data) && strings.ContainsAny(trimmed[:1], "[{") {
		// A JSON list or object meant JSON; a scalar such as 42 or true
		// may still be the text of a string variant.
		return nil, err
	}
	for _, v := range u.GetVariants() {
		if isNone(v) || v.GetUnionType() != nil {
			continue
		}
		if l, err := Decode(data, v, h); err == nil {
			return unionLiteral(l, v), nil
		}
	}
	return nil, fmt.Errorf("%s is not a %s", Quote(trimmed), compiler.FormatType(t))
}

func decodeJSON(data []byte, t *corev1.LiteralType, h Hooks) (*corev1.Literal, error) {
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

// FromJSON converts a decoded JSON value (objects as map[string]any, lists
// as []any, numbers as json.Number) to a literal of type t. Datetimes,
// durations and enums are JSON strings read by the text rules of Decode;
// errors start with the path to the wrong element ([2]: ..., ["key"]: ...).
func FromJSON(v any, t *corev1.LiteralType, h Hooks) (*corev1.Literal, error) {
	return fromJSON(v, t, h, 0)
}

// fromJSON converts a decoded JSON value (numbers as json.Number) to a
// literal of type t. Errors start with the path to the wrong element.
func fromJSON(v any, t *corev1.LiteralType, h Hooks, depth int) (*corev1.Literal, error) {
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
		for _, k := range slices.Sorted(maps.Keys(m)) {
			l, err := fromJSON(m[k], x.MapValueType, h, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			out[k] = l
		}
		return &corev1.Literal{Value: &corev1.Literal_Map{Map: &corev1.LiteralMap{Literals: out}}}, nil
	case *corev1.LiteralType_UnionType:
		tried := 0
		var firstErr error
		for _, variant := range x.UnionType.GetVariants() {
			if (v == nil) != isNone(variant) {
				continue
			}
			tried++
			l, err := fromJSON(v, variant, h, depth+1)
			if err == nil {
				return unionLiteral(l, variant), nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		if tried == 1 {
			// optional[T]: the error of T says more than "is not a optional[T]".
			return nil, firstErr
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

func blobFromJSON(v any, multipart bool, h Hooks) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s is not a path or URI", jsonText(v))
	}
	if strings.Contains(s, "://") || h.FromLocal == nil {
		if !strings.Contains(s, "://") {
			return "", fmt.Errorf("%s is not a URI (want scheme://...)", Quote(s))
		}
		return s, nil
	}
	return h.FromLocal(s, multipart)
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
			return nil, fmt.Errorf("%s is not valid base64", Quote(s))
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
				return nil, fmt.Errorf("%s is out of the 64-bit integer range", Quote(s))
			}
			return nil, fmt.Errorf("%s is not an integer", Quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: n}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_FLOAT:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || strings.HasPrefix(strings.ToLower(strings.TrimLeft(s, "+-")), "0x") {
			return nil, fmt.Errorf("%s is not a number", Quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: f}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:
		switch strings.ToLower(s) {
		case "true", "1":
			return primitive(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: true}}), nil
		case "false", "0":
			return primitive(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: false}}), nil
		}
		return nil, fmt.Errorf("%s is not a boolean (want true or false)", Quote(s))
	case corev1.SimpleType_SIMPLE_TYPE_DATETIME:
		t, ok := ParseDatetime(s)
		if !ok {
			return nil, fmt.Errorf("%s is not an RFC 3339 datetime such as 2024-01-31T12:00:00Z", Quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(t)}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DURATION:
		d, err := ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not a duration such as 1m30s", Quote(s))
		}
		return primitive(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(d)}}), nil
	}
	return nil, fmt.Errorf("cannot read a %s from text", simpleName(st))
}

// ParseDatetime reads an RFC 3339 datetime (fractional seconds optional) or a
// bare date, which means midnight UTC, within the years 1 to 9999.
func ParseDatetime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		// Year 0 parses but has no protobuf Timestamp.
		if timestamppb.New(t).CheckValid() != nil {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}

// ParseDuration reads a Go duration (1h30m, -5s) or a whole number of days
// (2d), failing on days beyond the range of time.Duration.
func ParseDuration(s string) (time.Duration, error) {
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
		return nil, fmt.Errorf("%s is not one of %s", Quote(s), strings.Join(e.GetValues(), ", "))
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

// Quote shows user text in a message, shortened to keep messages readable.
func Quote(s string) string {
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

// isNone reports whether t is the none type. SIMPLE_TYPE_NONE is the zero
// value, so GetSimple alone would call every list, map or blob type none.
func isNone(t *corev1.LiteralType) bool {
	st, ok := t.GetType().(*corev1.LiteralType_Simple)
	return ok && st.Simple == corev1.SimpleType_SIMPLE_TYPE_NONE
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
