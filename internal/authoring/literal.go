package authoring

import (
	"encoding/base64"
	"math"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// String values follow one rule everywhere a value is written (bindings,
// workflow defaults, launch plan inputs): a string starting with "$" is a
// reference, "$$" stands for a literal "$". Where references are not allowed,
// a single "$" is an error rather than silently becoming text.

// isReference reports whether a scalar is a reference ($node.output).
func isReference(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" &&
		strings.HasPrefix(n.Value, "$") && !strings.HasPrefix(n.Value, "$$")
}

// plainString returns the string held by a !!str scalar, applying the $$ escape.
func plainString(n *yaml.Node) (string, *nodeError) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if n.Kind == yaml.ScalarNode && !isNull(n) {
			hint = " (quote it to make it a string)"
		}
		return "", errAt(n, "want str, found %s%s", kindName(n), hint)
	}
	if strings.HasPrefix(n.Value, "$$") {
		return n.Value[1:], nil
	}
	if strings.HasPrefix(n.Value, "$") {
		return "", errAt(n, "references such as %s are not allowed here (write $$ for a literal dollar sign)", n.Value)
	}
	return n.Value, nil
}

func scalarLiteral(sc *corev1.Scalar) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: sc}}
}

func primitiveLiteral(p *corev1.Primitive) *corev1.Literal {
	return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}})
}

func noneLiteral() *corev1.Literal {
	return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}})
}

// literal converts a YAML value to a literal of type t; with t nil the type
// follows from the YAML spelling (see inferLiteral).
func (s scope) literal(n *yaml.Node, t *corev1.LiteralType) (*corev1.Literal, *nodeError) {
	n = s.resolve(n)
	if n == nil {
		return nil, errReported
	}
	if t == nil {
		return s.inferLiteral(n)
	}
	if isReference(n) {
		return nil, errAt(n, "references such as %s are not allowed here (write $$ for a literal dollar sign)", n.Value)
	}
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		return s.simpleLiteral(n, x.Simple)
	case *corev1.LiteralType_Blob:
		uri, err := uriValue(n, t)
		if err != nil {
			return nil, err
		}
		return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
			Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{Format: x.Blob.GetFormat(), Dimensionality: x.Blob.GetDimensionality()}},
			Uri:      uri,
		}}}), nil
	case *corev1.LiteralType_StructuredDatasetType:
		uri, err := uriValue(n, t)
		if err != nil {
			return nil, err
		}
		return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_StructuredDataset{StructuredDataset: &corev1.StructuredDataset{
			Uri:      uri,
			Metadata: &corev1.StructuredDatasetMetadata{StructuredDatasetType: &corev1.StructuredDatasetType{Format: x.StructuredDatasetType.GetFormat()}},
		}}}), nil
	case *corev1.LiteralType_CollectionType:
		if n.Kind != yaml.SequenceNode {
			return nil, errAt(n, "want %s, found %s", FormatType(t), kindName(n))
		}
		out := make([]*corev1.Literal, 0, len(n.Content))
		for _, item := range n.Content {
			l, err := s.literal(item, x.CollectionType)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: out}}}, nil
	case *corev1.LiteralType_MapValueType:
		if n.Kind != yaml.MappingNode {
			return nil, errAt(n, "want %s, found %s", FormatType(t), kindName(n))
		}
		ps, perr := s.entries(n)
		if perr != nil {
			return nil, perr
		}
		out := make(map[string]*corev1.Literal, len(ps))
		for _, p := range ps {
			l, err := s.literal(p.val, x.MapValueType)
			if err != nil {
				return nil, err
			}
			out[p.key] = l
		}
		return &corev1.Literal{Value: &corev1.Literal_Map{Map: &corev1.LiteralMap{Literals: out}}}, nil
	case *corev1.LiteralType_EnumType:
		v, err := plainString(n)
		if err != nil {
			return nil, errAt(n, "want one of %s, found %s", strings.Join(x.EnumType.GetValues(), ", "), kindName(n))
		}
		if !contains(x.EnumType.GetValues(), v) {
			return nil, errAt(n, "want one of %s, found %q", strings.Join(x.EnumType.GetValues(), ", "), v)
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v}}), nil
	case *corev1.LiteralType_UnionType:
		return s.unionLiteral(n, t, x.UnionType)
	}
	return nil, errAt(n, "cannot write a value of type %s", FormatType(t))
}

// unionLiteral converts to the first variant that accepts the value (null
// picks the none variant) and records that variant in the literal.
func (s scope) unionLiteral(n *yaml.Node, t *corev1.LiteralType, u *corev1.UnionType) (*corev1.Literal, *nodeError) {
	tried := 0
	var firstErr *nodeError
	for _, v := range u.GetVariants() {
		if isNull(n) != isNoneType(v) {
			continue
		}
		tried++
		l, err := s.literal(n, v)
		if err == nil {
			return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: l, Type: v}}}), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if tried == 1 {
		// optional[T]: the error of T says more than "want optional[T]".
		return nil, firstErr
	}
	return nil, errAt(n, "want %s, found %s", FormatType(t), kindName(n))
}

func (s scope) simpleLiteral(n *yaml.Node, st corev1.SimpleType) (*corev1.Literal, *nodeError) {
	tag := n.ShortTag()
	want := FormatType(simpleType(st))
	if st == corev1.SimpleType_SIMPLE_TYPE_STRUCT {
		want = "struct (a mapping)"
	}
	bad := func() *nodeError { return errAt(n, "want %s, found %s", want, kindName(n)) }
	if st == corev1.SimpleType_SIMPLE_TYPE_STRUCT && n.Kind == yaml.MappingNode {
		v, err := s.structFromMapping(n)
		if err != nil {
			return nil, err
		}
		return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: v}}), nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, bad()
	}
	switch st {
	case corev1.SimpleType_SIMPLE_TYPE_NONE:
		if !isNull(n) {
			return nil, bad()
		}
		return noneLiteral(), nil
	case corev1.SimpleType_SIMPLE_TYPE_INTEGER:
		var v int64
		if tag != "!!int" || n.Decode(&v) != nil {
			return nil, bad()
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: v}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_FLOAT:
		var v float64
		if (tag != "!!int" && tag != "!!float") || n.Decode(&v) != nil {
			return nil, bad()
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: v}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:
		var v bool
		if tag != "!!bool" || n.Decode(&v) != nil {
			return nil, bad()
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: v}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_STRING:
		v, err := plainString(n)
		if err != nil {
			return nil, err
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DATETIME:
		if tag != "!!timestamp" && tag != "!!str" {
			return nil, bad()
		}
		ts, ok := rawvalue.ParseDatetime(n.Value)
		if !ok {
			return nil, errAt(n, "want an RFC 3339 datetime such as 2024-01-31T12:00:00Z, found %q", n.Value)
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(ts)}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_DURATION:
		if tag != "!!str" {
			return nil, bad()
		}
		d, err := parseDuration(n.Value)
		if err != nil {
			return nil, errAt(n, "%v", err)
		}
		return primitiveLiteral(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(d)}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_BINARY:
		var b []byte
		switch tag {
		case "!!binary":
			raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
			if err != nil {
				return nil, errAt(n, "binary value is not valid base64: %v", err)
			}
			b = raw
		case "!!str":
			v, err := plainString(n)
			if err != nil {
				return nil, err
			}
			b = []byte(v)
		default:
			return nil, bad()
		}
		return scalarLiteral(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: b}}}), nil
	case corev1.SimpleType_SIMPLE_TYPE_STRUCT:
		return nil, bad()
	case corev1.SimpleType_SIMPLE_TYPE_ERROR:
		return nil, errAt(n, "values of type error are set by the engine and cannot be written")
	}
	return nil, bad()
}

// uriValue reads the location of a file, directory or dataset: a URI with a
// scheme (s3://bucket/key, gs://..., file:///abs/path).
func uriValue(n *yaml.Node, t *corev1.LiteralType) (string, *nodeError) {
	v, err := plainString(n)
	if err != nil {
		return "", errAt(n, "want %s (a URI such as s3://bucket/key), found %s", FormatType(t), kindName(n))
	}
	u, perr := url.Parse(v)
	if perr != nil || u.Scheme == "" || len(u.Scheme) < 2 {
		return "", errAt(n, "want %s as a URI with a scheme such as s3://bucket/key or file:///abs/path, found %q", FormatType(t), v)
	}
	return v, nil
}

// structFromMapping converts a mapping to a google.protobuf.Struct.
func (s scope) structFromMapping(n *yaml.Node) (*structpb.Struct, *nodeError) {
	ps, err := s.entries(n)
	if err != nil {
		return nil, err
	}
	st := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(ps))}
	for _, p := range ps {
		v, err := s.structValue(p.val)
		if err != nil {
			return nil, err
		}
		st.Fields[p.key] = v
	}
	return st, nil
}

func (s scope) structValue(n *yaml.Node) (*structpb.Value, *nodeError) {
	n = s.resolve(n)
	if n == nil {
		return nil, errReported
	}
	switch n.Kind {
	case yaml.MappingNode:
		st, err := s.structFromMapping(n)
		if err != nil {
			return nil, err
		}
		return structpb.NewStructValue(st), nil
	case yaml.SequenceNode:
		vals := make([]*structpb.Value, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := s.structValue(item)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
		return structpb.NewListValue(&structpb.ListValue{Values: vals}), nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return structpb.NewNullValue(), nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return structpb.NewBoolValue(b), nil
			}
		case "!!int", "!!float":
			var f float64
			if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return structpb.NewNumberValue(f), nil
			}
			return nil, errAt(n, "struct numbers must be finite, found %s", n.Value)
		case "!!str":
			v, err := plainString(n)
			if err != nil {
				return nil, err
			}
			return structpb.NewStringValue(v), nil
		default:
			return structpb.NewStringValue(n.Value), nil
		}
	}
	return nil, errAt(n, "cannot use %s in a struct", kindName(n))
}

// inferLiteral converts a value whose type is not known (an input of an
// entity that is not in the files being decoded): integers, floats, booleans,
// null, timestamps, !!binary, strings, lists and mappings (as map[str,...])
// take the type their YAML spelling implies.
func (s scope) inferLiteral(n *yaml.Node) (*corev1.Literal, *nodeError) {
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]*corev1.Literal, 0, len(n.Content))
		for _, item := range n.Content {
			r := s.resolve(item)
			if r == nil {
				return nil, errReported
			}
			l, err := s.inferLiteral(r)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: out}}}, nil
	case yaml.MappingNode:
		ps, err := s.entries(n)
		if err != nil {
			return nil, err
		}
		out := make(map[string]*corev1.Literal, len(ps))
		for _, p := range ps {
			l, err := s.inferLiteral(p.val)
			if err != nil {
				return nil, err
			}
			out[p.key] = l
		}
		return &corev1.Literal{Value: &corev1.Literal_Map{Map: &corev1.LiteralMap{Literals: out}}}, nil
	case yaml.ScalarNode:
		st := map[string]corev1.SimpleType{
			"!!null": corev1.SimpleType_SIMPLE_TYPE_NONE, "!!int": corev1.SimpleType_SIMPLE_TYPE_INTEGER,
			"!!float": corev1.SimpleType_SIMPLE_TYPE_FLOAT, "!!bool": corev1.SimpleType_SIMPLE_TYPE_BOOLEAN,
			"!!timestamp": corev1.SimpleType_SIMPLE_TYPE_DATETIME, "!!binary": corev1.SimpleType_SIMPLE_TYPE_BINARY,
			"!!str": corev1.SimpleType_SIMPLE_TYPE_STRING,
		}
		if t, ok := st[n.ShortTag()]; ok {
			return s.simpleLiteral(n, t)
		}
	}
	return nil, errAt(n, "cannot infer the type of %s", kindName(n))
}

// entries is pairs without reporting: the first problem is returned.
func (s scope) entries(n *yaml.Node) ([]pair, *nodeError) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "want a mapping, found %s", kindName(n))
	}
	seen := map[string]bool{}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := s.resolve(n.Content[i])
		v := s.resolve(n.Content[i+1])
		if k == nil || v == nil {
			return nil, errReported
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" || isNull(k) {
			return nil, errAt(k, "unsupported key %s (keys must be plain strings; merge keys are not supported)", kindName(k))
		}
		if seen[k.Value] {
			return nil, errAt(k, "duplicate key %q", k.Value)
		}
		seen[k.Value] = true
		out = append(out, pair{key: k.Value, knode: k, val: v})
	}
	return out, nil
}
