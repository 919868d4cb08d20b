package compiler

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// AreTypesCastable reports whether a value of type from may be passed where type to is expected.
// The rules are deliberately strict (no implicit conversions):
//   - simple types must be equal (an integer is not a float);
//   - a non-union type fits a union when it fits one of its variants (T fits optional[T]),
//     a union fits another union when every one of its variants does, and a union fits a
//     non-union type only when every variant does (so optional[T] does not fit T);
//   - collections and maps are checked element-wise;
//   - an enum fits an enum holding all of its values, and fits a string; a string does not fit
//     an enum;
//   - blobs need the same dimensionality and formats that are equal or empty (generic);
//   - structured datasets need formats that are equal or empty, and when both list columns, every
//     column expected by to must exist in from with a castable type;
//   - a nil type (on either side) is never castable.
//
// Metadata, annotations and structure tags do not take part.
func AreTypesCastable(from, to *corev1.LiteralType) bool {
	if from == nil || to == nil || from.GetType() == nil || to.GetType() == nil {
		return false
	}
	if tu, ok := to.GetType().(*corev1.LiteralType_UnionType); ok {
		if fu, ok := from.GetType().(*corev1.LiteralType_UnionType); ok {
			return everyVariant(fu.UnionType, func(v *corev1.LiteralType) bool { return fitsSomeVariant(v, tu.UnionType) })
		}
		return fitsSomeVariant(from, tu.UnionType)
	}
	if fu, ok := from.GetType().(*corev1.LiteralType_UnionType); ok {
		return everyVariant(fu.UnionType, func(v *corev1.LiteralType) bool { return AreTypesCastable(v, to) })
	}
	switch f := from.GetType().(type) {
	case *corev1.LiteralType_Simple:
		t, ok := to.GetType().(*corev1.LiteralType_Simple)
		return ok && t.Simple == f.Simple
	case *corev1.LiteralType_Blob:
		t, ok := to.GetType().(*corev1.LiteralType_Blob)
		return ok && f.Blob.GetDimensionality() == t.Blob.GetDimensionality() &&
			formatsMatch(f.Blob.GetFormat(), t.Blob.GetFormat())
	case *corev1.LiteralType_CollectionType:
		t, ok := to.GetType().(*corev1.LiteralType_CollectionType)
		return ok && AreTypesCastable(f.CollectionType, t.CollectionType)
	case *corev1.LiteralType_MapValueType:
		t, ok := to.GetType().(*corev1.LiteralType_MapValueType)
		return ok && AreTypesCastable(f.MapValueType, t.MapValueType)
	case *corev1.LiteralType_EnumType:
		switch t := to.GetType().(type) {
		case *corev1.LiteralType_EnumType:
			values := t.EnumType.GetValues()
			for _, v := range f.EnumType.GetValues() {
				if !slices.Contains(values, v) {
					return false
				}
			}
			return true
		case *corev1.LiteralType_Simple:
			return t.Simple == corev1.SimpleType_SIMPLE_TYPE_STRING
		}
		return false
	case *corev1.LiteralType_StructuredDatasetType:
		t, ok := to.GetType().(*corev1.LiteralType_StructuredDatasetType)
		return ok && datasetCastable(f.StructuredDatasetType, t.StructuredDatasetType)
	}
	return false
}

func everyVariant(u *corev1.UnionType, fits func(*corev1.LiteralType) bool) bool {
	if len(u.GetVariants()) == 0 {
		return false
	}
	for _, v := range u.GetVariants() {
		if !fits(v) {
			return false
		}
	}
	return true
}

func fitsSomeVariant(from *corev1.LiteralType, to *corev1.UnionType) bool {
	for _, v := range to.GetVariants() {
		if AreTypesCastable(from, v) {
			return true
		}
	}
	return false
}

func formatsMatch(a, b string) bool { return a == "" || b == "" || strings.EqualFold(a, b) }

func datasetCastable(from, to *corev1.StructuredDatasetType) bool {
	if !formatsMatch(from.GetFormat(), to.GetFormat()) {
		return false
	}
	if len(from.GetColumns()) == 0 || len(to.GetColumns()) == 0 {
		return true
	}
	have := make(map[string]*corev1.LiteralType, len(from.GetColumns()))
	for _, c := range from.GetColumns() {
		have[c.GetName()] = c.GetLiteralType()
	}
	for _, c := range to.GetColumns() {
		t, ok := have[c.GetName()]
		if !ok || !AreTypesCastable(t, c.GetLiteralType()) {
			return false
		}
	}
	return true
}

// isOptional reports whether t is a union with a NONE variant: such inputs may be left unbound.
func isOptional(t *corev1.LiteralType) bool {
	for _, v := range t.GetUnionType().GetVariants() {
		if isNone(v) {
			return true
		}
	}
	return false
}

func isNone(t *corev1.LiteralType) bool {
	s, ok := t.GetType().(*corev1.LiteralType_Simple)
	return ok && s.Simple == corev1.SimpleType_SIMPLE_TYPE_NONE
}

func simpleType(s corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: s}}
}

func listOf(t *corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: t}}
}

func mapOf(t *corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_MapValueType{MapValueType: t}}
}

var simpleNames = map[corev1.SimpleType]string{
	corev1.SimpleType_SIMPLE_TYPE_NONE:     "none",
	corev1.SimpleType_SIMPLE_TYPE_INTEGER:  "int",
	corev1.SimpleType_SIMPLE_TYPE_FLOAT:    "float",
	corev1.SimpleType_SIMPLE_TYPE_STRING:   "str",
	corev1.SimpleType_SIMPLE_TYPE_BOOLEAN:  "bool",
	corev1.SimpleType_SIMPLE_TYPE_DATETIME: "datetime",
	corev1.SimpleType_SIMPLE_TYPE_DURATION: "duration",
	corev1.SimpleType_SIMPLE_TYPE_BINARY:   "binary",
	corev1.SimpleType_SIMPLE_TYPE_ERROR:    "error",
	corev1.SimpleType_SIMPLE_TYPE_STRUCT:   "struct",
}

// FormatType renders a type in the notation of the authoring format, for messages:
// int, float, str, bool, datetime, duration, binary, error, struct, none, file, dir, file[csv],
// list[T], map[str,T], optional[T], union[A,B], enum[a,b], structured_dataset[parquet].
func FormatType(t *corev1.LiteralType) string {
	var b strings.Builder
	formatType(&b, t, 0)
	return b.String()
}

// maxFormatDepth bounds how deep FormatType descends, so hostile types keep messages short.
const maxFormatDepth = 16

func formatType(b *strings.Builder, t *corev1.LiteralType, depth int) {
	if depth > maxFormatDepth {
		b.WriteString("...")
		return
	}
	switch x := t.GetType().(type) {
	case nil:
		if t == nil {
			b.WriteString("<missing type>")
		} else {
			b.WriteString("<unset type>")
		}
	case *corev1.LiteralType_Simple:
		if n, ok := simpleNames[x.Simple]; ok {
			b.WriteString(n)
		} else {
			fmt.Fprintf(b, "simple(%d)", int32(x.Simple))
		}
	case *corev1.LiteralType_Blob:
		if x.Blob.GetDimensionality() == corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART {
			b.WriteString("dir")
		} else {
			b.WriteString("file")
		}
		if f := x.Blob.GetFormat(); f != "" {
			fmt.Fprintf(b, "[%s]", f)
		}
	case *corev1.LiteralType_CollectionType:
		b.WriteString("list[")
		formatType(b, x.CollectionType, depth+1)
		b.WriteString("]")
	case *corev1.LiteralType_MapValueType:
		b.WriteString("map[str,")
		formatType(b, x.MapValueType, depth+1)
		b.WriteString("]")
	case *corev1.LiteralType_EnumType:
		fmt.Fprintf(b, "enum[%s]", strings.Join(x.EnumType.GetValues(), ","))
	case *corev1.LiteralType_StructuredDatasetType:
		b.WriteString("structured_dataset")
		if f := x.StructuredDatasetType.GetFormat(); f != "" {
			fmt.Fprintf(b, "[%s]", f)
		}
	case *corev1.LiteralType_UnionType:
		vs := x.UnionType.GetVariants()
		if len(vs) == 2 && (isNone(vs[0]) != isNone(vs[1])) {
			other := vs[0]
			if isNone(other) {
				other = vs[1]
			}
			b.WriteString("optional[")
			formatType(b, other, depth+1)
			b.WriteString("]")
			return
		}
		b.WriteString("union[")
		for i, v := range vs {
			if i > 0 {
				b.WriteString(",")
			}
			formatType(b, v, depth+1)
		}
		b.WriteString("]")
	}
}

// ValidateType reports the first thing malformed in t: a missing type or element type, an
// unknown simple type or blob dimensionality, an enum without values or with duplicate or empty
// values, a union without variants, a dataset column without name or with a duplicate name.
func ValidateType(t *corev1.LiteralType) error {
	return validateType(t, 0)
}

// maxTypeDepth bounds the nesting of types, which arrive from users.
const maxTypeDepth = 64

func validateType(t *corev1.LiteralType, depth int) error {
	if t == nil {
		return errors.New("type is missing")
	}
	if depth > maxTypeDepth {
		return fmt.Errorf("type is nested more than %d levels deep", maxTypeDepth)
	}
	switch x := t.GetType().(type) {
	case nil:
		return errors.New("type is not set")
	case *corev1.LiteralType_Simple:
		if _, ok := simpleNames[x.Simple]; !ok {
			return fmt.Errorf("unknown simple type %d", int32(x.Simple))
		}
	case *corev1.LiteralType_Blob:
		if x.Blob == nil {
			return errors.New("blob type is missing")
		}
		switch x.Blob.GetDimensionality() {
		case corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE, corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART:
		default:
			return fmt.Errorf("unknown blob dimensionality %d", int32(x.Blob.GetDimensionality()))
		}
	case *corev1.LiteralType_CollectionType:
		if x.CollectionType == nil {
			return errors.New("list element type is missing")
		}
		if err := validateType(x.CollectionType, depth+1); err != nil {
			return fmt.Errorf("list element: %w", err)
		}
	case *corev1.LiteralType_MapValueType:
		if x.MapValueType == nil {
			return errors.New("map value type is missing")
		}
		if err := validateType(x.MapValueType, depth+1); err != nil {
			return fmt.Errorf("map value: %w", err)
		}
	case *corev1.LiteralType_EnumType:
		return validateEnum(x.EnumType)
	case *corev1.LiteralType_StructuredDatasetType:
		return validateDataset(x.StructuredDatasetType, depth)
	case *corev1.LiteralType_UnionType:
		vs := x.UnionType.GetVariants()
		if len(vs) == 0 {
			return errors.New("union has no variants")
		}
		for i, v := range vs {
			if err := validateType(v, depth+1); err != nil {
				return fmt.Errorf("union variant %d: %w", i, err)
			}
		}
	}
	return nil
}

func validateEnum(e *corev1.EnumType) error {
	vs := e.GetValues()
	if len(vs) == 0 {
		return errors.New("enum has no values")
	}
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		if v == "" {
			return errors.New("enum has an empty value")
		}
		if seen[v] {
			return fmt.Errorf("enum value %q appears twice", v)
		}
		seen[v] = true
	}
	return nil
}

func validateDataset(d *corev1.StructuredDatasetType, depth int) error {
	seen := make(map[string]bool, len(d.GetColumns()))
	for i, c := range d.GetColumns() {
		if c.GetName() == "" {
			return fmt.Errorf("dataset column %d has no name", i)
		}
		if seen[c.GetName()] {
			return fmt.Errorf("dataset column %q appears twice", c.GetName())
		}
		seen[c.GetName()] = true
		if err := validateType(c.GetLiteralType(), depth+1); err != nil {
			return fmt.Errorf("dataset column %q: %w", c.GetName(), err)
		}
	}
	return nil
}
