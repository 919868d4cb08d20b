package flyte

import (
	"fmt"
	"maps"
	"reflect"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func sliceCodec(t reflect.Type, elem *codec) *codec {
	return &codec{
		t:  t,
		lt: &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: elem.lt}},
		enc: func(x *xfer, v reflect.Value) (*corev1.Literal, error) {
			c := &corev1.LiteralCollection{Literals: make([]*corev1.Literal, v.Len())}
			for i := range v.Len() {
				l, err := elem.enc(x, v.Index(i))
				if err != nil {
					return nil, fmt.Errorf("[%d]: %w", i, err)
				}
				c.Literals[i] = l
			}
			return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: c}}, nil
		},
		dec: func(x *xfer, l *corev1.Literal, v reflect.Value) error {
			c := plain(l).GetCollection()
			if c == nil {
				return wantErr(formatType(&corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: elem.lt}}), l)
			}
			s := reflect.MakeSlice(t, len(c.GetLiterals()), len(c.GetLiterals()))
			for i, e := range c.GetLiterals() {
				if err := elem.dec(x, e, s.Index(i)); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
			v.Set(s)
			return nil
		},
		encJ: func(x *xfer, v reflect.Value) (*structpb.Value, error) {
			vs := make([]*structpb.Value, v.Len())
			for i := range v.Len() {
				j, err := elem.encJ(x, v.Index(i))
				if err != nil {
					return nil, fmt.Errorf("[%d]: %w", i, err)
				}
				vs[i] = j
			}
			return structpb.NewListValue(&structpb.ListValue{Values: vs}), nil
		},
		decJ: func(x *xfer, j *structpb.Value, v reflect.Value) error {
			lv := j.GetListValue()
			if lv == nil {
				if _, null := j.GetKind().(*structpb.Value_NullValue); null {
					v.Set(reflect.Zero(t))
					return nil
				}
				return wantJSONErr("a list", j)
			}
			s := reflect.MakeSlice(t, len(lv.GetValues()), len(lv.GetValues()))
			for i, e := range lv.GetValues() {
				if err := elem.decJ(x, e, s.Index(i)); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
			v.Set(s)
			return nil
		},
	}
}

// sortedMapKeys returns the keys of a map value in order, so conversions
// and their errors are deterministic.
func sortedMapKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	return keys
}

func mapCodec(t reflect.Type, elem *codec) *codec {
	return &codec{
		t:  t,
		lt: &corev1.LiteralType{Type: &corev1.LiteralType_MapValueType{MapValueType: elem.lt}},
		enc: func(x *xfer, v reflect.Value) (*corev1.Literal, error) {
			m := &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, v.Len())}
			for _, k := range sortedMapKeys(v) {
				if err := checkUTF8(k.String()); err != nil {
					return nil, fmt.Errorf("key: %w", err)
				}
				l, err := elem.enc(x, v.MapIndex(k))
				if err != nil {
					return nil, fmt.Errorf("[%q]: %w", k.String(), err)
				}
				m.Literals[k.String()] = l
			}
			return &corev1.Literal{Value: &corev1.Literal_Map{Map: m}}, nil
		},
		dec: func(x *xfer, l *corev1.Literal, v reflect.Value) error {
			m := plain(l).GetMap()
			if m == nil {
				return wantErr(formatType(&corev1.LiteralType{Type: &corev1.LiteralType_MapValueType{MapValueType: elem.lt}}), l)
			}
			out := reflect.MakeMapWithSize(t, len(m.GetLiterals()))
			for _, k := range slices.Sorted(maps.Keys(m.GetLiterals())) {
				e := reflect.New(t.Elem()).Elem()
				if err := elem.dec(x, m.GetLiterals()[k], e); err != nil {
					return fmt.Errorf("[%q]: %w", k, err)
				}
				out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
			}
			v.Set(out)
			return nil
		},
		encJ: func(x *xfer, v reflect.Value) (*structpb.Value, error) {
			fs := make(map[string]*structpb.Value, v.Len())
			for _, k := range sortedMapKeys(v) {
				if err := checkUTF8(k.String()); err != nil {
					return nil, fmt.Errorf("key: %w", err)
				}
				j, err := elem.encJ(x, v.MapIndex(k))
				if err != nil {
					return nil, fmt.Errorf("[%q]: %w", k.String(), err)
				}
				fs[k.String()] = j
			}
			return structpb.NewStructValue(&structpb.Struct{Fields: fs}), nil
		},
		decJ: func(x *xfer, j *structpb.Value, v reflect.Value) error {
			s := j.GetStructValue()
			if s == nil {
				if _, null := j.GetKind().(*structpb.Value_NullValue); null {
					v.Set(reflect.Zero(t))
					return nil
				}
				return wantJSONErr("an object", j)
			}
			out := reflect.MakeMapWithSize(t, len(s.GetFields()))
			for _, k := range slices.Sorted(maps.Keys(s.GetFields())) {
				e := reflect.New(t.Elem()).Elem()
				if err := elem.decJ(x, s.GetFields()[k], e); err != nil {
					return fmt.Errorf("[%q]: %w", k, err)
				}
				out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
			}
			v.Set(out)
			return nil
		},
	}
}

// optionalType is the union of t and none, each variant tagged with its
// notation as the authoring format does.
func optionalType(t *corev1.LiteralType) *corev1.LiteralType {
	tagged := func(v *corev1.LiteralType) *corev1.LiteralType {
		c := &corev1.LiteralType{Type: v.GetType(), Structure: &corev1.TypeStructure{Tag: formatType(v)}}
		if fields := v.GetStructure().GetDataclassType(); len(fields) > 0 {
			c.Structure.DataclassType = fields
		}
		return c
	}
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: []*corev1.LiteralType{
		tagged(t), tagged(simpleLT(corev1.SimpleType_SIMPLE_TYPE_NONE)),
	}}}}
}

func optionalCodec(t reflect.Type, elem *codec) *codec {
	lt := optionalType(elem.lt)
	some, none := lt.GetUnionType().GetVariants()[0], lt.GetUnionType().GetVariants()[1]
	return &codec{
		t:  t,
		lt: lt,
		enc: func(x *xfer, v reflect.Value) (*corev1.Literal, error) {
			if v.IsNil() {
				return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: noneLit(), Type: none}}}), nil
			}
			l, err := elem.enc(x, v.Elem())
			if err != nil {
				return nil, err
			}
			return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: l, Type: some}}}), nil
		},
		dec: func(x *xfer, l *corev1.Literal, v reflect.Value) error {
			l = plain(l)
			if l.GetScalar().GetNoneType() != nil {
				v.Set(reflect.Zero(t))
				return nil
			}
			p := reflect.New(t.Elem())
			if err := elem.dec(x, l, p.Elem()); err != nil {
				return err
			}
			v.Set(p)
			return nil
		},
		encJ: func(x *xfer, v reflect.Value) (*structpb.Value, error) {
			if v.IsNil() {
				return structpb.NewNullValue(), nil
			}
			return elem.encJ(x, v.Elem())
		},
		decJ: func(x *xfer, j *structpb.Value, v reflect.Value) error {
			if _, null := j.GetKind().(*structpb.Value_NullValue); null || j.GetKind() == nil {
				v.Set(reflect.Zero(t))
				return nil
			}
			p := reflect.New(t.Elem())
			if err := elem.decJ(x, j, p.Elem()); err != nil {
				return err
			}
			v.Set(p)
			return nil
		},
	}
}

// structCodec maps a struct to the IDL's struct type: a JSON-like value
// (google.protobuf.Struct) whose field types are recorded in the type's
// structure, so the compiler can check attribute access into it.
func structCodec(t reflect.Type, building map[reflect.Type]bool) (*codec, error) {
	fs, err := structFields(t)
	if err != nil {
		return nil, err
	}
	elems := make([]*codec, len(fs))
	types := make(map[string]*corev1.LiteralType, len(fs))
	for i, f := range fs {
		c, err := buildCodec(f.typ, building)
		if err != nil {
			return nil, fmt.Errorf("field %s of %s: %w", f.goName, t, err)
		}
		elems[i] = c
		types[f.name] = c.lt
	}
	lt := simpleLT(corev1.SimpleType_SIMPLE_TYPE_STRUCT)
	if len(types) > 0 {
		lt.Structure = &corev1.TypeStructure{DataclassType: types}
	}
	encS := func(x *xfer, v reflect.Value) (*structpb.Struct, error) {
		s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(fs))}
		for i, f := range fs {
			j, err := elems[i].encJ(x, v.Field(f.index))
			if err != nil {
				return nil, fmt.Errorf(".%s: %w", f.name, err)
			}
			s.Fields[f.name] = j
		}
		return s, nil
	}
	decS := func(x *xfer, s *structpb.Struct, v reflect.Value) error {
		out := reflect.New(t).Elem()
		for i, f := range fs {
			j, ok := s.GetFields()[f.name]
			if !ok {
				continue // a missing field keeps its zero value, as in encoding/json
			}
			if err := elems[i].decJ(x, j, out.Field(f.index)); err != nil {
				return fmt.Errorf(".%s: %w", f.name, err)
			}
		}
		v.Set(out)
		return nil
	}
	return &codec{
		t:  t,
		lt: lt,
		enc: func(x *xfer, v reflect.Value) (*corev1.Literal, error) {
			s, err := encS(x, v)
			if err != nil {
				return nil, err
			}
			return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: s}}), nil
		},
		dec: func(x *xfer, l *corev1.Literal, v reflect.Value) error {
			g := plain(l).GetScalar().GetGeneric()
			if g == nil {
				return wantErr("struct", l)
			}
			return decS(x, g, v)
		},
		encJ: func(x *xfer, v reflect.Value) (*structpb.Value, error) {
			s, err := encS(x, v)
			if err != nil {
				return nil, err
			}
			return structpb.NewStructValue(s), nil
		},
		decJ: func(x *xfer, j *structpb.Value, v reflect.Value) error {
			s := j.GetStructValue()
			if s == nil {
				return wantJSONErr("an object", j)
			}
			return decS(x, s, v)
		},
	}, nil
}
