package authoring

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// maxTypeDepth bounds the nesting of a type expression (list[list[...]]).
const maxTypeDepth = 32

var simpleNames = map[string]corev1.SimpleType{
	"int":      corev1.SimpleType_SIMPLE_TYPE_INTEGER,
	"float":    corev1.SimpleType_SIMPLE_TYPE_FLOAT,
	"str":      corev1.SimpleType_SIMPLE_TYPE_STRING,
	"bool":     corev1.SimpleType_SIMPLE_TYPE_BOOLEAN,
	"datetime": corev1.SimpleType_SIMPLE_TYPE_DATETIME,
	"duration": corev1.SimpleType_SIMPLE_TYPE_DURATION,
	"binary":   corev1.SimpleType_SIMPLE_TYPE_BINARY,
	"struct":   corev1.SimpleType_SIMPLE_TYPE_STRUCT,
	"none":     corev1.SimpleType_SIMPLE_TYPE_NONE,
	"error":    corev1.SimpleType_SIMPLE_TYPE_ERROR,
}

// typoNames maps spellings people reach for to the one the notation uses.
var typoNames = map[string]string{
	"integer": "int", "int64": "int", "string": "str", "boolean": "bool", "double": "float",
	"timestamp": "datetime", "time": "datetime", "bytes": "binary", "dict": "map[str,T] or struct",
	"object": "struct", "array": "list[T]", "directory": "dir", "null": "none",
}

// ParseType parses a type expression of the compact format: int, float, str,
// bool, datetime, duration, binary, struct, none, error, file, dir,
// file[FORMAT], dir[FORMAT], blob[FORMAT] (same as file), dataset[FORMAT],
// list[T], map[str,T], optional[T], union[A,B,...] and enum[a,b,...].
// Union variants carry their notation as structure tag.
func ParseType(expr string) (*corev1.LiteralType, error) {
	p := &typeParser{src: expr}
	p.next()
	t, err := p.term(0)
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", expr, err)
	}
	if p.tok.kind != tokEOF {
		return nil, fmt.Errorf("type %q: unexpected %s after the type", expr, p.tok)
	}
	lt, err := t.literalType()
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", expr, err)
	}
	return lt, nil
}

// term is a parsed type expression before interpretation: a name with
// optional bracketed arguments.
type term struct {
	name   string
	quoted bool
	args   []*term
	hasArg bool // written with brackets, even empty ones
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokQuoted
	tokOpen
	tokClose
	tokComma
	tokBad
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of text"
	case tokQuoted:
		return strconv.Quote(t.text)
	case tokBad:
		return t.text
	}
	return fmt.Sprintf("%q", t.text)
}

type typeParser struct {
	src string
	pos int
	tok token
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '/' || c == '+' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// next reads the next token into p.tok.
func (p *typeParser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	c := p.src[p.pos]
	switch {
	case c == '[':
		p.pos++
		p.tok = token{kind: tokOpen, text: "[", pos: start}
	case c == ']':
		p.pos++
		p.tok = token{kind: tokClose, text: "]", pos: start}
	case c == ',':
		p.pos++
		p.tok = token{kind: tokComma, text: ",", pos: start}
	case c == '"' || c == '\'':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			p.tok = token{kind: tokBad, text: "unterminated quote", pos: start}
			p.pos = len(p.src)
			return
		}
		p.tok = token{kind: tokQuoted, text: p.src[p.pos+1 : p.pos+1+end], pos: start}
		p.pos += end + 2
	case isWordByte(c):
		for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
			p.pos++
		}
		p.tok = token{kind: tokWord, text: p.src[start:p.pos], pos: start}
	default:
		p.tok = token{kind: tokBad, text: fmt.Sprintf("character %q", c), pos: start}
		p.pos++
	}
}

// term parses NAME or NAME[ARG, ...] where each ARG is a term or a quoted string.
func (p *typeParser) term(depth int) (*term, error) {
	if depth > maxTypeDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxTypeDepth)
	}
	switch p.tok.kind {
	case tokQuoted:
		t := &term{name: p.tok.text, quoted: true}
		p.next()
		return t, nil
	case tokWord:
	default:
		return nil, fmt.Errorf("want a type name at offset %d, found %s", p.tok.pos, p.tok)
	}
	t := &term{name: p.tok.text}
	p.next()
	if p.tok.kind != tokOpen {
		return t, nil
	}
	t.hasArg = true
	p.next()
	if p.tok.kind == tokClose {
		p.next()
		return t, nil
	}
	for {
		a, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		t.args = append(t.args, a)
		switch p.tok.kind {
		case tokComma:
			p.next()
		case tokClose:
			p.next()
			return t, nil
		default:
			return nil, fmt.Errorf("want \",\" or \"]\" at offset %d, found %s", p.tok.pos, p.tok)
		}
	}
}

// literalType interprets a term as a type.
func (t *term) literalType() (*corev1.LiteralType, error) {
	if t.quoted {
		return nil, fmt.Errorf("%q is quoted; type names are written bare", t.name)
	}
	if st, ok := simpleNames[t.name]; ok {
		if t.hasArg {
			return nil, fmt.Errorf("%s takes no [arguments]", t.name)
		}
		return simpleType(st), nil
	}
	switch t.name {
	case "file", "blob", "dir", "dataset":
		format, err := t.formatArg()
		if err != nil {
			return nil, err
		}
		switch t.name {
		case "dir":
			return blobType(format, corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART), nil
		case "dataset":
			return &corev1.LiteralType{Type: &corev1.LiteralType_StructuredDatasetType{
				StructuredDatasetType: &corev1.StructuredDatasetType{Format: format}}}, nil
		}
		return blobType(format, corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE), nil
	case "list":
		elem, err := t.typeArgs(1)
		if err != nil {
			return nil, err
		}
		return listType(elem[0]), nil
	case "map":
		if len(t.args) != 2 {
			return nil, fmt.Errorf("map takes a key and a value type: map[str,T]")
		}
		if t.args[0].name != "str" || t.args[0].hasArg || t.args[0].quoted {
			return nil, fmt.Errorf("map keys are strings: write map[str,T], not map[%s,...]", t.args[0].name)
		}
		v, err := t.args[1].literalType()
		if err != nil {
			return nil, err
		}
		return mapType(v), nil
	case "optional":
		inner, err := t.typeArgs(1)
		if err != nil {
			return nil, err
		}
		variants := []*corev1.LiteralType{inner[0]}
		if u := inner[0].GetUnionType(); u != nil {
			variants = u.GetVariants()
		}
		for _, v := range variants {
			if isNoneType(v) {
				return nil, fmt.Errorf("optional[%s] already allows none", FormatType(inner[0]))
			}
		}
		return unionType(append(untagged(variants), simpleType(corev1.SimpleType_SIMPLE_TYPE_NONE)))
	case "union":
		if len(t.args) < 2 {
			return nil, fmt.Errorf("union takes at least two types: union[A,B]")
		}
		vs, err := t.typeArgs(len(t.args))
		if err != nil {
			return nil, err
		}
		return unionType(vs)
	case "enum":
		if len(t.args) == 0 {
			return nil, fmt.Errorf("enum takes at least one value: enum[a,b]")
		}
		seen := map[string]bool{}
		values := make([]string, 0, len(t.args))
		for _, a := range t.args {
			if a.hasArg {
				return nil, fmt.Errorf("enum values are words or quoted strings, found %s[...]", a.name)
			}
			if seen[a.name] {
				return nil, fmt.Errorf("enum value %q appears twice", a.name)
			}
			seen[a.name] = true
			values = append(values, a.name)
		}
		return &corev1.LiteralType{Type: &corev1.LiteralType_EnumType{EnumType: &corev1.EnumType{Values: values}}}, nil
	}
	if hint, ok := typoNames[t.name]; ok {
		return nil, fmt.Errorf("unknown type %q (did you mean %s?)", t.name, hint)
	}
	return nil, fmt.Errorf("unknown type %q (want int, float, str, bool, datetime, duration, binary, struct, none, file, dir, dataset, list[T], map[str,T], optional[T], union[A,B] or enum[a,b])", t.name)
}

func (t *term) typeArgs(n int) ([]*corev1.LiteralType, error) {
	if len(t.args) != n {
		return nil, fmt.Errorf("%s takes %d type argument(s), found %d", t.name, n, len(t.args))
	}
	out := make([]*corev1.LiteralType, n)
	for i, a := range t.args {
		lt, err := a.literalType()
		if err != nil {
			return nil, err
		}
		out[i] = lt
	}
	return out, nil
}

func (t *term) formatArg() (string, error) {
	if !t.hasArg {
		return "", nil
	}
	if len(t.args) != 1 || t.args[0].hasArg {
		return "", fmt.Errorf("%s takes one format: %s[csv]", t.name, t.name)
	}
	return t.args[0].name, nil
}

func simpleType(st corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: st}}
}

func blobType(format string, dim corev1.BlobType_BlobDimensionality) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{Format: format, Dimensionality: dim}}}
}

func listType(elem *corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: elem}}
}

func mapType(v *corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_MapValueType{MapValueType: v}}
}

// unionType builds a union whose variants are tagged with their notation;
// two variants with the same notation are an error.
func unionType(variants []*corev1.LiteralType) (*corev1.LiteralType, error) {
	seen := map[string]bool{}
	out := make([]*corev1.LiteralType, len(variants))
	for i, v := range variants {
		tag := FormatType(v)
		if seen[tag] {
			return nil, fmt.Errorf("union variant %s appears twice", tag)
		}
		seen[tag] = true
		if v.GetUnionType() != nil {
			return nil, fmt.Errorf("a union cannot contain another union (%s); list the variants in one union", tag)
		}
		out[i] = &corev1.LiteralType{Type: v.GetType(), Structure: &corev1.TypeStructure{Tag: tag}}
	}
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: out}}}, nil
}

// untagged returns copies of the variants without structure tags, so a
// union can be re-tagged after adding a variant.
func untagged(vs []*corev1.LiteralType) []*corev1.LiteralType {
	out := make([]*corev1.LiteralType, len(vs))
	for i, v := range vs {
		out[i] = &corev1.LiteralType{Type: v.GetType()}
	}
	return out
}

func isNoneType(t *corev1.LiteralType) bool {
	st, ok := t.GetType().(*corev1.LiteralType_Simple)
	return ok && st.Simple == corev1.SimpleType_SIMPLE_TYPE_NONE
}

// FormatType writes a type in the notation ParseType reads, for messages
// and union tags. A union with none is written optional[...].
func FormatType(t *corev1.LiteralType) string {
	var b strings.Builder
	formatType(&b, t, 0)
	return b.String()
}

func formatType(b *strings.Builder, t *corev1.LiteralType, depth int) {
	if depth > maxTypeDepth*2 {
		b.WriteString("...")
		return
	}
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		for name, st := range simpleNames {
			if st == x.Simple {
				b.WriteString(name)
				return
			}
		}
		b.WriteString("simple(" + x.Simple.String() + ")")
	case *corev1.LiteralType_Blob:
		name := "file"
		if x.Blob.GetDimensionality() == corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART {
			name = "dir"
		}
		b.WriteString(name)
		writeFormatArg(b, x.Blob.GetFormat())
	case *corev1.LiteralType_StructuredDatasetType:
		b.WriteString("dataset")
		writeFormatArg(b, x.StructuredDatasetType.GetFormat())
	case *corev1.LiteralType_CollectionType:
		b.WriteString("list[")
		formatType(b, x.CollectionType, depth+1)
		b.WriteString("]")
	case *corev1.LiteralType_MapValueType:
		b.WriteString("map[str,")
		formatType(b, x.MapValueType, depth+1)
		b.WriteString("]")
	case *corev1.LiteralType_EnumType:
		b.WriteString("enum[")
		for i, v := range x.EnumType.GetValues() {
			if i > 0 {
				b.WriteString(",")
			}
			writeWord(b, v)
		}
		b.WriteString("]")
	case *corev1.LiteralType_UnionType:
		var rest []*corev1.LiteralType
		hasNone := false
		for _, v := range x.UnionType.GetVariants() {
			if isNoneType(v) {
				hasNone = true
			} else {
				rest = append(rest, v)
			}
		}
		switch {
		case hasNone && len(rest) == 1:
			b.WriteString("optional[")
			formatType(b, rest[0], depth+1)
			b.WriteString("]")
		case hasNone:
			b.WriteString("optional[")
			writeUnion(b, rest, depth)
			b.WriteString("]")
		default:
			writeUnion(b, rest, depth)
		}
	default:
		b.WriteString("unset")
	}
}

func writeUnion(b *strings.Builder, vs []*corev1.LiteralType, depth int) {
	b.WriteString("union[")
	for i, v := range vs {
		if i > 0 {
			b.WriteString(",")
		}
		formatType(b, v, depth+1)
	}
	b.WriteString("]")
}

func writeFormatArg(b *strings.Builder, format string) {
	if format == "" {
		return
	}
	b.WriteString("[")
	writeWord(b, format)
	b.WriteString("]")
}

// writeWord writes s bare when the type lexer reads it back as one word,
// quoted otherwise.
func writeWord(b *strings.Builder, s string) {
	bare := s != ""
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			bare = false
			break
		}
	}
	if bare {
		b.WriteString(s)
		return
	}
	if !strings.Contains(s, `"`) {
		b.WriteString(`"` + s + `"`)
		return
	}
	b.WriteString(`'` + s + `'`)
}
