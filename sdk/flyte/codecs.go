package flyte

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
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
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// maxExactInt is the largest integer a JSON (float64) number holds exactly.
// Integers of struct values beyond it are stored as decimal strings.
const maxExactInt = 1 << 53

func simpleLT(st corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: st}}
}

func scalarLit(s *corev1.Scalar) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: s}}
}

func primLit(p *corev1.Primitive) *corev1.Literal {
	return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}})
}

func noneLit() *corev1.Literal {
	return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}})
}

// plain returns the value of a union literal (what a union-typed output
// passed to a plain input carries), or l itself.
func plain(l *corev1.Literal) *corev1.Literal {
	for l.GetScalar().GetUnion() != nil {
		l = l.GetScalar().GetUnion().GetValue()
	}
	return l
}

// describeLit names the kind of a literal, for messages.
func describeLit(l *corev1.Literal) string {
	switch v := l.GetValue().(type) {
	case *corev1.Literal_Collection:
		return "a list"
	case *corev1.Literal_Map:
		return "a map"
	case *corev1.Literal_OffloadedMetadata:
		return "an offloaded value"
	case *corev1.Literal_Scalar:
		switch s := v.Scalar.GetValue().(type) {
		case *corev1.Scalar_Primitive:
			switch s.Primitive.GetValue().(type) {
			case *corev1.Primitive_Integer:
				return "an int"
			case *corev1.Primitive_FloatValue:
				return "a float"
			case *corev1.Primitive_StringValue:
				return "a str"
			case *corev1.Primitive_Boolean:
				return "a bool"
			case *corev1.Primitive_Datetime:
				return "a datetime"
			case *corev1.Primitive_Duration:
				return "a duration"
			}
		case *corev1.Scalar_Blob:
			return "a file or directory"
		case *corev1.Scalar_Binary:
			return "a binary"
		case *corev1.Scalar_NoneType:
			return "none"
		case *corev1.Scalar_Error:
			return "an error"
		case *corev1.Scalar_Generic:
			return "a struct"
		case *corev1.Scalar_StructuredDataset:
			return "a dataset"
		}
	}
	return "nothing"
}

func wantErr(want string, l *corev1.Literal) error {
	return fmt.Errorf("expected %s, got %s", want, describeLit(l))
}

func wantJSONErr(want string, j *structpb.Value) error {
	got := "nothing"
	switch j.GetKind().(type) {
	case *structpb.Value_NullValue:
		got = "null"
	case *structpb.Value_NumberValue:
		got = "a number"
	case *structpb.Value_StringValue:
		got = "a string"
	case *structpb.Value_BoolValue:
		got = "a boolean"
	case *structpb.Value_StructValue:
		got = "an object"
	case *structpb.Value_ListValue:
		got = "a list"
	}
	return fmt.Errorf("expected %s, got %s", want, got)
}

func boolCodec(t reflect.Type) *codec {
	return &codec{
		t:  t,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_BOOLEAN),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: v.Bool()}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_Boolean)
			if !ok {
				return wantErr("bool", l)
			}
			v.SetBool(p.Boolean)
			return nil
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) { return structpb.NewBoolValue(v.Bool()), nil },
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			b, ok := j.GetKind().(*structpb.Value_BoolValue)
			if !ok {
				return wantJSONErr("a boolean", j)
			}
			v.SetBool(b.BoolValue)
			return nil
		},
	}
}

// intJSON stores an integer in a struct value: a number when float64 holds
// it exactly, else its decimal text, so every int64 survives.
func intJSON(i int64) *structpb.Value {
	if i > -maxExactInt && i < maxExactInt {
		return structpb.NewNumberValue(float64(i))
	}
	return structpb.NewStringValue(strconv.FormatInt(i, 10))
}

// jsonInt reads an integer back from a struct value: a whole number, or
// decimal text.
func jsonInt(j *structpb.Value) (int64, error) {
	switch k := j.GetKind().(type) {
	case *structpb.Value_NumberValue:
		f := k.NumberValue
		if f != math.Trunc(f) || f <= -maxExactInt || f >= maxExactInt {
			return 0, fmt.Errorf("%v is not an integer", f)
		}
		return int64(f), nil
	case *structpb.Value_StringValue:
		i, err := strconv.ParseInt(k.StringValue, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", k.StringValue)
		}
		return i, nil
	}
	return 0, wantJSONErr("an integer", j)
}

func intCodec(t reflect.Type) *codec {
	get := func(v reflect.Value) (int64, error) { return v.Int(), nil }
	set := func(v reflect.Value, i int64) error {
		if v.OverflowInt(i) {
			return fmt.Errorf("%d does not fit in %s (%d bits)", i, t, t.Bits())
		}
		v.SetInt(i)
		return nil
	}
	return integerCodec(t, get, set)
}

func uintCodec(t reflect.Type) *codec {
	get := func(v reflect.Value) (int64, error) {
		u := v.Uint()
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("%d is larger than the largest Flyte integer (%d)", u, int64(math.MaxInt64))
		}
		return int64(u), nil
	}
	set := func(v reflect.Value, i int64) error {
		if i < 0 {
			return fmt.Errorf("%d is negative, which %s cannot hold", i, t)
		}
		if v.OverflowUint(uint64(i)) {
			return fmt.Errorf("%d does not fit in %s (%d bits)", i, t, t.Bits())
		}
		v.SetUint(uint64(i))
		return nil
	}
	return integerCodec(t, get, set)
}

// integerCodec maps a Go integer type to the platform's int: get reads a
// value as an int64 and set stores one, each refusing what does not fit.
func integerCodec(t reflect.Type, get func(reflect.Value) (int64, error), set func(reflect.Value, int64) error) *codec {
	return &codec{
		t:  t,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_INTEGER),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			i, err := get(v)
			if err != nil {
				return nil, err
			}
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_Integer)
			if !ok {
				return wantErr("int", l)
			}
			return set(v, p.Integer)
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			i, err := get(v)
			if err != nil {
				return nil, err
			}
			return intJSON(i), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			i, err := jsonInt(j)
			if err != nil {
				return err
			}
			return set(v, i)
		},
	}
}

// floatJSON stores a float in a struct value; NaN and the infinities, which
// JSON has no number for, as the strings "NaN", "Infinity", "-Infinity".
func floatJSON(f float64) *structpb.Value {
	if s, ok := rawvalue.JSONFloat(f).(string); ok {
		return structpb.NewStringValue(s)
	}
	return structpb.NewNumberValue(f)
}

func floatCodec(t reflect.Type) *codec {
	set := func(v reflect.Value, f float64) error {
		if t.Kind() == reflect.Float32 && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
			return fmt.Errorf("%v does not fit in float32", f)
		}
		v.SetFloat(f)
		return nil
	}
	return &codec{
		t:  t,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_FLOAT),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: v.Float()}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_FloatValue)
			if !ok {
				return wantErr("float", l)
			}
			return set(v, p.FloatValue)
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) { return floatJSON(v.Float()), nil },
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			switch k := j.GetKind().(type) {
			case *structpb.Value_NumberValue:
				return set(v, k.NumberValue)
			case *structpb.Value_StringValue:
				switch k.StringValue {
				case "NaN":
					return set(v, math.NaN())
				case "Infinity":
					return set(v, math.Inf(1))
				case "-Infinity":
					return set(v, math.Inf(-1))
				}
			}
			return wantJSONErr("a number", j)
		},
	}
}

func checkUTF8(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %s is not valid UTF-8 (use []byte for binary data)", rawvalue.Quote(s))
	}
	return nil
}

func stringCodec(t reflect.Type) *codec {
	return &codec{
		t:  t,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_STRING),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			if err := checkUTF8(v.String()); err != nil {
				return nil, err
			}
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v.String()}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_StringValue)
			if !ok {
				return wantErr("str", l)
			}
			v.SetString(p.StringValue)
			return nil
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			if err := checkUTF8(v.String()); err != nil {
				return nil, err
			}
			return structpb.NewStringValue(v.String()), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			s, ok := j.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return wantJSONErr("a string", j)
			}
			v.SetString(s.StringValue)
			return nil
		},
	}
}

func enumCodec(t reflect.Type) (*codec, error) {
	values := reflect.Zero(t).Interface().(Enum).EnumValues()
	lt := &corev1.LiteralType{Type: &corev1.LiteralType_EnumType{EnumType: &corev1.EnumType{Values: slices.Clone(values)}}}
	if err := compiler.ValidateType(lt); err != nil {
		return nil, fmt.Errorf("enum %s: %w", t, err)
	}
	check := func(s string) error {
		if !slices.Contains(values, s) {
			return fmt.Errorf("%q is not a value of enum %s (values: %s)", s, t, strings.Join(values, ", "))
		}
		return nil
	}
	return &codec{
		t:  t,
		lt: lt,
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			if err := check(v.String()); err != nil {
				return nil, err
			}
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v.String()}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_StringValue)
			if !ok {
				return wantErr("an enum value (str)", l)
			}
			if err := check(p.StringValue); err != nil {
				return err
			}
			v.SetString(p.StringValue)
			return nil
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			if err := check(v.String()); err != nil {
				return nil, err
			}
			return structpb.NewStringValue(v.String()), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			s, ok := j.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return wantJSONErr("a string", j)
			}
			if err := check(s.StringValue); err != nil {
				return err
			}
			v.SetString(s.StringValue)
			return nil
		},
	}, nil
}

func timeCodec() *codec {
	set := func(v reflect.Value, ts *timestamppb.Timestamp) error {
		if err := ts.CheckValid(); err != nil {
			return fmt.Errorf("invalid datetime: %w", err)
		}
		v.Set(reflect.ValueOf(ts.AsTime()))
		return nil
	}
	return &codec{
		t:  typeTime,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_DATETIME),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			ts := timestamppb.New(v.Interface().(time.Time))
			if err := ts.CheckValid(); err != nil {
				return nil, fmt.Errorf("time %v cannot be a datetime: %w", v.Interface(), err)
			}
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: ts}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_Datetime)
			if !ok {
				return wantErr("datetime", l)
			}
			return set(v, p.Datetime)
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			t := v.Interface().(time.Time)
			if err := timestamppb.New(t).CheckValid(); err != nil {
				return nil, fmt.Errorf("time %v cannot be a datetime: %w", t, err)
			}
			return structpb.NewStringValue(t.UTC().Format(time.RFC3339Nano)), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			s, ok := j.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return wantJSONErr("an RFC 3339 string", j)
			}
			t, err := time.Parse(time.RFC3339Nano, s.StringValue)
			if err != nil {
				return fmt.Errorf("%q is not an RFC 3339 time", s.StringValue)
			}
			return set(v, timestamppb.New(t))
		},
	}
}

func durationCodec() *codec {
	return &codec{
		t:  typeDuration,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_DURATION),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			return primLit(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(time.Duration(v.Int()))}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			p, ok := plain(l).GetScalar().GetPrimitive().GetValue().(*corev1.Primitive_Duration)
			if !ok {
				return wantErr("duration", l)
			}
			if err := p.Duration.CheckValid(); err != nil {
				return fmt.Errorf("invalid duration: %w", err)
			}
			d := p.Duration.AsDuration()
			if !sameDuration(p.Duration, d) { // AsDuration saturates
				return fmt.Errorf("duration of %ds does not fit in time.Duration", p.Duration.GetSeconds())
			}
			v.SetInt(int64(d))
			return nil
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			return structpb.NewStringValue(time.Duration(v.Int()).String()), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			s, ok := j.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return wantJSONErr("a duration string", j)
			}
			d, err := time.ParseDuration(s.StringValue)
			if err != nil {
				return fmt.Errorf("%q is not a duration (want Go syntax such as 1m30s)", s.StringValue)
			}
			v.SetInt(int64(d))
			return nil
		},
	}
}

// sameDuration reports whether d is exactly the duration p holds.
func sameDuration(p *durationpb.Duration, d time.Duration) bool {
	q := durationpb.New(d)
	return q.GetSeconds() == p.GetSeconds() && q.GetNanos() == p.GetNanos()
}

func bytesCodec(t reflect.Type) *codec {
	return &codec{
		t:  t,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_BINARY),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: slices.Clone(v.Bytes())}}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			b := plain(l).GetScalar().GetBinary()
			if b == nil {
				return wantErr("binary", l)
			}
			v.SetBytes(slices.Clone(b.GetValue()))
			return nil
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			return structpb.NewStringValue(base64.StdEncoding.EncodeToString(v.Bytes())), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			s, ok := j.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return wantJSONErr("a base64 string", j)
			}
			b, err := base64.StdEncoding.DecodeString(s.StringValue)
			if err != nil {
				return fmt.Errorf("%q is not base64", s.StringValue)
			}
			v.SetBytes(b)
			return nil
		},
	}
}

func failedNodeCodec() *codec {
	return &codec{
		t:  typeFailedNode,
		lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_ERROR),
		enc: func(_ *xfer, v reflect.Value) (*corev1.Literal, error) {
			e := v.Interface().(FailedNode)
			return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Error{Error: &corev1.Error{FailedNodeId: e.NodeID, Message: e.Message}}}), nil
		},
		dec: func(_ *xfer, l *corev1.Literal, v reflect.Value) error {
			e := plain(l).GetScalar().GetError()
			if e == nil {
				return wantErr("error", l)
			}
			v.Set(reflect.ValueOf(FailedNode{NodeID: e.GetFailedNodeId(), Message: e.GetMessage()}))
			return nil
		},
		encJ: func(_ *xfer, v reflect.Value) (*structpb.Value, error) {
			e := v.Interface().(FailedNode)
			return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
				"failed_node_id": structpb.NewStringValue(e.NodeID),
				"message":        structpb.NewStringValue(e.Message),
			}}), nil
		},
		decJ: func(_ *xfer, j *structpb.Value, v reflect.Value) error {
			s := j.GetStructValue()
			if s == nil {
				return wantJSONErr("an object", j)
			}
			v.Set(reflect.ValueOf(FailedNode{
				NodeID:  s.GetFields()["failed_node_id"].GetStringValue(),
				Message: s.GetFields()["message"].GetStringValue(),
			}))
			return nil
		},
	}
}

// errNoXfer is returned when a file must be moved but no transfer is set
// up (for example a constant of a workflow).
var errNoXfer = errors.New("files and directories with only a local path cannot be used here; give a URI (flyte.FileAt, flyte.DirAt)")
