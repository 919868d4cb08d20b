package compiler

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// maxLiteralDepth bounds the nesting of literals, which arrive from users.
const maxLiteralDepth = 64

// LiteralTypeOf infers the type of a literal. A collection or map whose elements have different
// types gets a union of those types; an empty collection or map gets element type none (so
// inferred types of empty containers are not castable: use CheckLiteral to test values). A union
// literal has the type of the variant it carries; an offloaded literal its inferred type.
func LiteralTypeOf(l *corev1.Literal) (*corev1.LiteralType, error) {
	return literalTypeOf(l, 0)
}

func literalTypeOf(l *corev1.Literal, depth int) (*corev1.LiteralType, error) {
	if l == nil {
		return nil, errors.New("value is missing")
	}
	if depth > maxLiteralDepth {
		return nil, fmt.Errorf("value is nested more than %d levels deep", maxLiteralDepth)
	}
	switch v := l.GetValue().(type) {
	case *corev1.Literal_Scalar:
		return scalarTypeOf(v.Scalar, depth)
	case *corev1.Literal_Collection:
		elem, err := commonTypeOf(v.Collection.GetLiterals(), depth)
		if err != nil {
			return nil, err
		}
		return listOf(elem), nil
	case *corev1.Literal_Map:
		m := v.Map.GetLiterals()
		keys := sortedKeys(m)
		vals := make([]*corev1.Literal, len(keys))
		for i, k := range keys {
			vals[i] = m[k]
		}
		elem, err := commonTypeOf(vals, depth)
		if err != nil {
			return nil, err
		}
		return mapOf(elem), nil
	case *corev1.Literal_OffloadedMetadata:
		t := v.OffloadedMetadata.GetInferredType()
		if err := ValidateType(t); err != nil {
			return nil, fmt.Errorf("offloaded value: inferred type: %w", err)
		}
		return t, nil
	}
	return nil, errors.New("value is not set")
}

// commonTypeOf returns the type shared by every literal, or a union of the distinct types.
func commonTypeOf(ls []*corev1.Literal, depth int) (*corev1.LiteralType, error) {
	var distinct []*corev1.LiteralType
	for i, l := range ls {
		t, err := literalTypeOf(l, depth+1)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if !slices.ContainsFunc(distinct, func(d *corev1.LiteralType) bool { return proto.Equal(d, t) }) {
			distinct = append(distinct, t)
		}
	}
	switch len(distinct) {
	case 0:
		return simpleType(corev1.SimpleType_SIMPLE_TYPE_NONE), nil
	case 1:
		return distinct[0], nil
	}
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: distinct}}}, nil
}

func scalarTypeOf(s *corev1.Scalar, depth int) (*corev1.LiteralType, error) {
	switch v := s.GetValue().(type) {
	case *corev1.Scalar_Primitive:
		st, err := primitiveType(v.Primitive)
		if err != nil {
			return nil, err
		}
		return simpleType(st), nil
	case *corev1.Scalar_Blob:
		bt := v.Blob.GetMetadata().GetType()
		if bt == nil {
			bt = &corev1.BlobType{}
		}
		return &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: bt}}, nil
	case *corev1.Scalar_Binary:
		return simpleType(corev1.SimpleType_SIMPLE_TYPE_BINARY), nil
	case *corev1.Scalar_NoneType:
		return simpleType(corev1.SimpleType_SIMPLE_TYPE_NONE), nil
	case *corev1.Scalar_Error:
		return simpleType(corev1.SimpleType_SIMPLE_TYPE_ERROR), nil
	case *corev1.Scalar_Generic:
		return simpleType(corev1.SimpleType_SIMPLE_TYPE_STRUCT), nil
	case *corev1.Scalar_StructuredDataset:
		dt := v.StructuredDataset.GetMetadata().GetStructuredDatasetType()
		if dt == nil {
			dt = &corev1.StructuredDatasetType{}
		}
		return &corev1.LiteralType{Type: &corev1.LiteralType_StructuredDatasetType{StructuredDatasetType: dt}}, nil
	case *corev1.Scalar_Union:
		t := v.Union.GetType()
		if err := ValidateType(t); err != nil {
			return nil, fmt.Errorf("union value: variant type: %w", err)
		}
		if _, err := literalTypeOf(v.Union.GetValue(), depth+1); err != nil {
			return nil, fmt.Errorf("union value: %w", err)
		}
		return t, nil
	}
	return nil, errors.New("scalar value is not set")
}

func primitiveType(p *corev1.Primitive) (corev1.SimpleType, error) {
	switch p.GetValue().(type) {
	case *corev1.Primitive_Integer:
		return corev1.SimpleType_SIMPLE_TYPE_INTEGER, nil
	case *corev1.Primitive_FloatValue:
		return corev1.SimpleType_SIMPLE_TYPE_FLOAT, nil
	case *corev1.Primitive_StringValue:
		return corev1.SimpleType_SIMPLE_TYPE_STRING, nil
	case *corev1.Primitive_Boolean:
		return corev1.SimpleType_SIMPLE_TYPE_BOOLEAN, nil
	case *corev1.Primitive_Datetime:
		return corev1.SimpleType_SIMPLE_TYPE_DATETIME, nil
	case *corev1.Primitive_Duration:
		return corev1.SimpleType_SIMPLE_TYPE_DURATION, nil
	}
	return 0, errors.New("primitive value is not set")
}

// CheckLiteral reports whether the value l fits the type t, with an error that says where (for
// example `[2]["key"]: expected int, got str`) and why. Empty collections and maps fit any
// collection or map type; a union type accepts a union literal whose variant fits it, or any
// value that fits one of its variants; a struct accepts a generic (JSON-like) or binary
// (for example msgpack) value; an enum accepts a string among its values.
func CheckLiteral(l *corev1.Literal, t *corev1.LiteralType) error {
	if err := ValidateType(t); err != nil {
		return fmt.Errorf("invalid type: %w", err)
	}
	return checkLiteral(l, t, "", 0)
}

func checkLiteral(l *corev1.Literal, t *corev1.LiteralType, at string, depth int) error {
	if l == nil || l.GetValue() == nil {
		return atErr(at, "value is missing")
	}
	if depth > maxLiteralDepth {
		return atErr(at, fmt.Sprintf("value is nested more than %d levels deep", maxLiteralDepth))
	}
	if off, ok := l.GetValue().(*corev1.Literal_OffloadedMetadata); ok {
		it := off.OffloadedMetadata.GetInferredType()
		if err := ValidateType(it); err != nil {
			return atErr(at, "offloaded value has no valid inferred type: "+err.Error())
		}
		if !AreTypesCastable(it, t) {
			return atErr(at, fmt.Sprintf("expected %s, got offloaded %s", FormatType(t), FormatType(it)))
		}
		return nil
	}
	if u := l.GetScalar().GetUnion(); u != nil {
		return checkUnionLiteral(u, t, at, depth)
	}
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_UnionType:
		for _, v := range x.UnionType.GetVariants() {
			if checkLiteral(l, v, at, depth+1) == nil {
				return nil
			}
		}
		return mismatch(at, t, l)
	case *corev1.LiteralType_CollectionType:
		c, ok := l.GetValue().(*corev1.Literal_Collection)
		if !ok {
			return mismatch(at, t, l)
		}
		for i, e := range c.Collection.GetLiterals() {
			if err := checkLiteral(e, x.CollectionType, fmt.Sprintf("%s[%d]", at, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case *corev1.LiteralType_MapValueType:
		m, ok := l.GetValue().(*corev1.Literal_Map)
		if !ok {
			return mismatch(at, t, l)
		}
		lits := m.Map.GetLiterals()
		for _, k := range sortedKeys(lits) {
			if err := checkLiteral(lits[k], x.MapValueType, fmt.Sprintf("%s[%q]", at, k), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	s := l.GetScalar()
	if s == nil {
		return mismatch(at, t, l)
	}
	if err := checkScalar(s, t); err != "" {
		return atErr(at, err)
	}
	return nil
}

func checkUnionLiteral(u *corev1.Union, t *corev1.LiteralType, at string, depth int) error {
	vt := u.GetType()
	if err := ValidateType(vt); err != nil {
		return atErr(at, "union value has no valid variant type: "+err.Error())
	}
	if err := checkLiteral(u.GetValue(), vt, at, depth+1); err != nil {
		return err
	}
	if t.GetUnionType() == nil {
		// A union value passed where a plain type is expected is unwrapped.
		return checkLiteral(u.GetValue(), t, at, depth+1)
	}
	if !AreTypesCastable(vt, t) {
		return atErr(at, fmt.Sprintf("expected %s, got union variant %s", FormatType(t), FormatType(vt)))
	}
	return nil
}

// checkScalar checks a scalar against a non-union, non-container type; it returns the problem or "".
func checkScalar(s *corev1.Scalar, t *corev1.LiteralType) string {
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		return checkSimple(s, x.Simple, t)
	case *corev1.LiteralType_Blob:
		b := s.GetBlob()
		if b == nil {
			return mismatchMsg(t, s)
		}
		if b.GetUri() == "" {
			return "blob uri is empty"
		}
		bt := b.GetMetadata().GetType()
		if bt.GetDimensionality() != x.Blob.GetDimensionality() {
			return fmt.Sprintf("expected %s, got %s", FormatType(t), FormatType(&corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: bt}}))
		}
		if !formatsMatch(bt.GetFormat(), x.Blob.GetFormat()) {
			return fmt.Sprintf("expected blob format %q, got %q", x.Blob.GetFormat(), bt.GetFormat())
		}
		return ""
	case *corev1.LiteralType_EnumType:
		sv, ok := s.GetPrimitive().GetValue().(*corev1.Primitive_StringValue)
		if !ok {
			return mismatchMsg(t, s)
		}
		if !slices.Contains(x.EnumType.GetValues(), sv.StringValue) {
			return fmt.Sprintf("%q is not one of %s", sv.StringValue, strings.Join(x.EnumType.GetValues(), ", "))
		}
		return ""
	case *corev1.LiteralType_StructuredDatasetType:
		d := s.GetStructuredDataset()
		if d == nil {
			return mismatchMsg(t, s)
		}
		if d.GetUri() == "" {
			return "structured dataset uri is empty"
		}
		have := d.GetMetadata().GetStructuredDatasetType()
		if have != nil && !datasetCastable(have, x.StructuredDatasetType) {
			return fmt.Sprintf("expected %s, got %s", FormatType(t), FormatType(&corev1.LiteralType{Type: &corev1.LiteralType_StructuredDatasetType{StructuredDatasetType: have}}))
		}
		return ""
	}
	return mismatchMsg(t, s)
}

func checkSimple(s *corev1.Scalar, st corev1.SimpleType, t *corev1.LiteralType) string {
	switch st {
	case corev1.SimpleType_SIMPLE_TYPE_NONE:
		if s.GetNoneType() == nil {
			return mismatchMsg(t, s)
		}
	case corev1.SimpleType_SIMPLE_TYPE_BINARY:
		if s.GetBinary() == nil {
			return mismatchMsg(t, s)
		}
	case corev1.SimpleType_SIMPLE_TYPE_ERROR:
		if s.GetError() == nil {
			return mismatchMsg(t, s)
		}
	case corev1.SimpleType_SIMPLE_TYPE_STRUCT:
		if s.GetGeneric() == nil && s.GetBinary() == nil {
			return mismatchMsg(t, s)
		}
	default:
		p := s.GetPrimitive()
		pt, err := primitiveType(p)
		if err != nil || pt != st {
			return mismatchMsg(t, s)
		}
		switch v := p.GetValue().(type) {
		case *corev1.Primitive_Datetime:
			if err := v.Datetime.CheckValid(); err != nil {
				return "invalid datetime: " + err.Error()
			}
		case *corev1.Primitive_Duration:
			if err := v.Duration.CheckValid(); err != nil {
				return "invalid duration: " + err.Error()
			}
		}
	}
	return ""
}

func mismatch(at string, t *corev1.LiteralType, l *corev1.Literal) error {
	return atErr(at, fmt.Sprintf("expected %s, got %s", FormatType(t), describe(l)))
}

func mismatchMsg(t *corev1.LiteralType, s *corev1.Scalar) string {
	return fmt.Sprintf("expected %s, got %s", FormatType(t), describe(&corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: s}}))
}

// describe names the type of a value for messages.
func describe(l *corev1.Literal) string {
	t, err := LiteralTypeOf(l)
	if err != nil {
		return "an invalid value (" + err.Error() + ")"
	}
	return FormatType(t)
}

func atErr(at, msg string) error {
	if at == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %s", at, msg)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
