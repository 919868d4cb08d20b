package flyte

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

// Enum is implemented by a string type whose values are limited to a fixed
// set. Such a type maps to the IDL's enum type; its first value is the
// default. A value outside the set is an error wherever it is converted.
//
//	type Color string
//
//	func (Color) EnumValues() []string { return []string{"red", "green"} }
type Enum interface {
	// EnumValues lists the allowed values. It is called on the zero value.
	EnumValues() []string
}

// None is the input or output struct of a task or workflow that has no
// inputs or no outputs.
type None = struct{}

// FailedNode is the error of a failed node, as a failure node's task
// receives it: declare an input of this type in an OnFailure task and the
// engine fills it (it maps to the IDL's error type).
type FailedNode struct {
	// NodeID is the id of the node that failed.
	NodeID string
	// Message is its error message.
	Message string
}

var (
	typeTime       = reflect.TypeFor[time.Time]()
	typeDuration   = reflect.TypeFor[time.Duration]()
	typeFile       = reflect.TypeFor[File]()
	typeDir        = reflect.TypeFor[Dir]()
	typeFailedNode = reflect.TypeFor[FailedNode]()
	typeEnum       = reflect.TypeFor[Enum]()
)

// codec converts the Go values of one type to and from literals. enc and
// dec work on top-level literals; encJ and decJ on the JSON-like values
// that fields of a struct value are stored as.
type codec struct {
	t    reflect.Type
	lt   *corev1.LiteralType
	enc  func(x *xfer, v reflect.Value) (*corev1.Literal, error)
	dec  func(x *xfer, l *corev1.Literal, v reflect.Value) error
	encJ func(x *xfer, v reflect.Value) (*structpb.Value, error)
	decJ func(x *xfer, j *structpb.Value, v reflect.Value) error
}

// codecs caches the codec of every type seen so far.
var codecs sync.Map // reflect.Type -> *codec

// codecFor returns the codec of t, or an error naming the part of t that
// has no Flyte type.
func codecFor(t reflect.Type) (*codec, error) {
	if c, ok := codecs.Load(t); ok {
		return c.(*codec), nil
	}
	c, err := buildCodec(t, map[reflect.Type]bool{})
	if err != nil {
		return nil, err
	}
	codecs.Store(t, c)
	return c, nil
}

// buildCodec builds the codec of t; building tracks the struct types being
// built, so a recursive type is reported instead of looping.
func buildCodec(t reflect.Type, building map[reflect.Type]bool) (*codec, error) {
	if c, ok := codecs.Load(t); ok {
		return c.(*codec), nil
	}
	switch t {
	case typeTime:
		return timeCodec(), nil
	case typeDuration:
		return durationCodec(), nil
	case typeFile:
		return blobCodec(t, false), nil
	case typeDir:
		return blobCodec(t, true), nil
	case typeFailedNode:
		return failedNodeCodec(), nil
	}
	if t.Kind() == reflect.String && t.Implements(typeEnum) {
		return enumCodec(t)
	}
	switch t.Kind() {
	case reflect.Bool:
		return boolCodec(t), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intCodec(t), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return uintCodec(t), nil
	case reflect.Float32, reflect.Float64:
		return floatCodec(t), nil
	case reflect.String:
		return stringCodec(t), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return bytesCodec(t), nil
		}
		elem, err := buildCodec(t.Elem(), building)
		if err != nil {
			return nil, fmt.Errorf("element of %s: %w", t, err)
		}
		return sliceCodec(t, elem), nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: map keys must be strings (Flyte maps are map[str,T])", t)
		}
		elem, err := buildCodec(t.Elem(), building)
		if err != nil {
			return nil, fmt.Errorf("value of %s: %w", t, err)
		}
		return mapCodec(t, elem), nil
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Pointer {
			return nil, fmt.Errorf("%s: a pointer to a pointer has no Flyte type (use one pointer for an optional value)", t)
		}
		elem, err := buildCodec(t.Elem(), building)
		if err != nil {
			return nil, err
		}
		return optionalCodec(t, elem), nil
	case reflect.Struct:
		if building[t] {
			return nil, fmt.Errorf("%s is recursive, which a Flyte type cannot be", t)
		}
		building[t] = true
		defer delete(building, t)
		return structCodec(t, building)
	}
	return nil, fmt.Errorf("%s has no Flyte type (supported: bool, integers, floats, string, time.Time, time.Duration, []byte, slices, map[string]T, structs, pointers for optional values, flyte.Enum types, flyte.File, flyte.Dir)", t)
}

// field is one exported field of a struct that is a Flyte value: one
// variable of an input or output struct, or one field of a struct value.
type field struct {
	// name is the Flyte name: the flyte tag, or the Go name in snake_case.
	name string
	// goName is the Go field name.
	goName string
	index  int
	offset uintptr
	typ    reflect.Type
}

// structFields lists the Flyte fields of struct type t: exported fields not
// tagged `flyte:"-"`. Embedded fields and names that are not valid Flyte
// names are errors.
func structFields(t reflect.Type) ([]field, error) {
	var out []field
	seen := map[string]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("flyte")
		if tag == "-" {
			continue
		}
		if f.Anonymous {
			return nil, fmt.Errorf("%s: embedded field %s is not supported; give it a name", t, f.Name)
		}
		if !f.IsExported() {
			if hasTag {
				return nil, fmt.Errorf("%s: field %s has a flyte tag but is not exported", t, f.Name)
			}
			continue
		}
		name := tag
		if !hasTag || name == "" {
			name = snakeCase(f.Name)
		}
		if err := checkVarName(name); err != nil {
			return nil, fmt.Errorf("%s: field %s: %w", t, f.Name, err)
		}
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s: fields %s and %s both have the Flyte name %q", t, other, f.Name, name)
		}
		seen[name] = f.Name
		out = append(out, field{name: name, goName: f.Name, index: i, offset: f.Offset, typ: f.Type})
	}
	return out, nil
}

// checkVarName accepts letters, digits and '_', not starting with a digit:
// the names the authoring format and the raw task contract allow.
func checkVarName(name string) error {
	if name == "" {
		return fmt.Errorf("name is empty")
	}
	for i, r := range name {
		if r == '_' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) && i > 0) {
			continue
		}
		return fmt.Errorf("name %q: want ASCII letters, digits and '_', not starting with a digit", name)
	}
	return nil
}

// snakeCase turns a Go name into snake_case: MaxRows -> max_rows,
// HTTPServer -> http_server, X -> x, Shard2 -> shard2.
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			nextLower := i > 0 && i+1 < len(rs) && unicode.IsUpper(rs[i-1]) && unicode.IsLower(rs[i+1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ioType describes an input or output struct: each field is one variable.
type ioType struct {
	t      reflect.Type
	fields []field
	codecs []*codec
	vars   *corev1.VariableMap
}

// ioTypeOf describes struct type t as an interface side. what is "inputs"
// or "outputs", for messages.
func ioTypeOf(t reflect.Type, what string) (*ioType, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s type %s is not a struct (use a struct with one field per %s, or flyte.None)", what, t, strings.TrimSuffix(what, "s"))
	}
	fs, err := structFields(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	io := &ioType{t: t, fields: fs, vars: &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}}
	for _, f := range fs {
		c, err := codecFor(f.typ)
		if err != nil {
			return nil, fmt.Errorf("%s: field %s (%s): %w", what, f.goName, f.name, err)
		}
		io.codecs = append(io.codecs, c)
		io.vars.Variables[f.name] = &corev1.Variable{Type: c.lt}
	}
	return io, nil
}

// fieldAt returns the index in io.fields of the field that p points at
// inside the struct at base, with Go type want; -1 if none.
func (io *ioType) fieldAt(base, p any, want reflect.Type) int {
	b := reflect.ValueOf(base).Pointer()
	q := reflect.ValueOf(p).Pointer()
	for i, f := range io.fields {
		if b+f.offset == q && f.typ == want {
			return i
		}
	}
	return -1
}

// byName returns the field named name.
func (io *ioType) byName(name string) (int, bool) {
	for i, f := range io.fields {
		if f.name == name {
			return i, true
		}
	}
	return -1, false
}

// names lists the Flyte names of the fields, for messages.
func (io *ioType) names() string {
	if len(io.fields) == 0 {
		return "none"
	}
	ns := make([]string, len(io.fields))
	for i, f := range io.fields {
		ns[i] = f.name
	}
	return strings.Join(ns, ", ")
}

// encode converts a struct value (of type io.t) to a literal map.
func (io *ioType) encode(x *xfer, v reflect.Value) (*corev1.LiteralMap, error) {
	m := &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, len(io.fields))}
	for i, f := range io.fields {
		l, err := io.codecs[i].enc(x, v.Field(f.index))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		m.Literals[f.name] = l
	}
	return m, nil
}

// decode converts a literal map to a new struct value of type io.t. A
// missing optional (pointer) variable is nil; any other missing variable
// is an error.
func (io *ioType) decode(x *xfer, m *corev1.LiteralMap) (reflect.Value, error) {
	v := reflect.New(io.t).Elem()
	for i, f := range io.fields {
		l, ok := m.GetLiterals()[f.name]
		if !ok {
			if f.typ.Kind() == reflect.Pointer {
				continue
			}
			return reflect.Value{}, fmt.Errorf("%s: value is missing", f.name)
		}
		if err := io.codecs[i].dec(x, l, v.Field(f.index)); err != nil {
			return reflect.Value{}, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return v, nil
}

// formatType renders a literal type in the authoring notation (int,
// list[str], ...), for messages.
func formatType(t *corev1.LiteralType) string { return compiler.FormatType(t) }
