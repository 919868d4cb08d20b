package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/authoring"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// The rules of how text and JSON become values, and values text, are those of
// package rawvalue (the raw-task file format); this file only adds what is
// particular to the command line: YAML as well as JSON for lists, maps and
// structs, and a short display of binaries, errors and offloaded values.

// parseLiteral converts a command-line value to a literal of type t. Simple
// values, enums, files, directories and datasets are written as text by the
// rules of rawvalue.Decode (42, 1.5, true, 2024-01-01T00:00:00Z, 1m30s,
// s3://bucket/key, null for none); lists, maps and structs as YAML or JSON
// ([1, 2], {a: 1}); a union value as either.
func parseLiteral(text string, t *corev1.LiteralType) (*corev1.Literal, error) {
	_, union := t.GetType().(*corev1.LiteralType_UnionType)
	if !union && !yamlShaped(t) {
		return rawvalue.Decode([]byte(text), t, rawvalue.Hooks{})
	}
	var v any
	err := yaml.Unmarshal([]byte(text), &v)
	if union {
		// A union takes YAML only for a list or mapping; everything else
		// (42, null, "quoted", plain text) follows the text rules.
		switch v.(type) {
		case []any, map[string]any, map[any]any:
			return literalFromValue(v, t)
		}
		return rawvalue.Decode([]byte(text), t, rawvalue.Hooks{})
	}
	if err != nil {
		return nil, fmt.Errorf("%q is not YAML or JSON: %w", text, err)
	}
	return literalFromValue(v, t)
}

// yamlShaped reports whether values of type t are written as YAML or JSON.
func yamlShaped(t *corev1.LiteralType) bool {
	switch t.GetType().(type) {
	case *corev1.LiteralType_CollectionType, *corev1.LiteralType_MapValueType:
		return true
	}
	return t.GetSimple() == corev1.SimpleType_SIMPLE_TYPE_STRUCT
}

// literalFromValue converts a value decoded from YAML or JSON to a literal of
// type t by the JSON rules of rawvalue.FromJSON.
func literalFromValue(v any, t *corev1.LiteralType) (*corev1.Literal, error) {
	return rawvalue.FromJSON(jsonValue(v), t, rawvalue.Hooks{})
}

// jsonValue converts a value decoded from YAML to the form decoded JSON has:
// numbers as json.Number (NaN and infinities as their JSON strings),
// timestamps as RFC 3339 text, mapping keys as strings.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	case float64:
		return rawvalue.JSONFloat(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return v
}

// formatLiteral renders a literal for people by the text rules of
// rawvalue.Encode (simple values as text, collections, maps, structs and
// unions as compact JSON, blobs as their URI), except that values which read
// badly on a terminal are summarised: a union by its value, none as null, binaries by their size,
// errors by their message, offloaded values by their location.
func formatLiteral(l *corev1.Literal) string {
	for l.GetScalar().GetUnion() != nil {
		l = l.GetScalar().GetUnion().GetValue()
	}
	s := l.GetScalar()
	switch {
	case l.GetOffloadedMetadata() != nil:
		return "offloaded:" + l.GetOffloadedMetadata().GetUri()
	case s.GetNoneType() != nil:
		return "null"
	case s.GetBinary() != nil:
		return fmt.Sprintf("<%d bytes>", len(s.GetBinary().GetValue()))
	case s.GetError() != nil:
		return "error: " + s.GetError().GetMessage()
	}
	b, err := rawvalue.Encode(l, rawvalue.Hooks{})
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// formatType renders a type in the authoring syntax (int, list[str], ...).
func formatType(t *corev1.LiteralType) string {
	return authoring.FormatType(t)
}
