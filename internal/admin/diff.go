package admin

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// fieldDiff is one field that differs between two messages of one type.
type fieldDiff struct {
	// Path is the field path, as in template.container.args[1] or
	// template.config["key"].
	Path string
	// Old and New are the two values, formatted for a message: quoted
	// strings, enum names, <unset> for a field that is not set and <absent>
	// for a list element or map entry that does not exist.
	Old, New string
}

// String renders the difference as `path: old != new`.
func (d fieldDiff) String() string {
	return d.Path + ": " + d.Old + " != " + d.New
}

// Value placeholders in a fieldDiff.
const (
	unsetValue  = "<unset>"
	absentValue = "<absent>"
)

// diffMessages compares two messages of the same type field by field and
// returns at most limit differences, in field order, and how many
// differences there are in all. Messages set on one side only are compared
// with an empty message, so the leaves that differ are named; a message set
// but empty on one side and unset on the other is one difference itself.
func diffMessages(a, b proto.Message, limit int) (diffs []fieldDiff, total int) {
	if a.ProtoReflect().Descriptor().FullName() != b.ProtoReflect().Descriptor().FullName() {
		return []fieldDiff{{Path: "(message)", Old: string(a.ProtoReflect().Descriptor().FullName()), New: string(b.ProtoReflect().Descriptor().FullName())}}, 1
	}
	w := &differ{limit: limit}
	w.message("", a.ProtoReflect(), b.ProtoReflect())
	return w.diffs, w.total
}

type differ struct {
	limit int
	total int
	diffs []fieldDiff
}

func (w *differ) add(path, old, new string) {
	w.total++
	if len(w.diffs) < w.limit {
		w.diffs = append(w.diffs, fieldDiff{Path: path, Old: old, New: new})
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (w *differ) message(path string, a, b protoreflect.Message) {
	fields := a.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		p := join(path, string(fd.Name()))
		switch {
		case fd.IsList():
			w.list(p, fd, a.Get(fd).List(), b.Get(fd).List())
		case fd.IsMap():
			w.mapField(p, fd, a.Get(fd).Map(), b.Get(fd).Map())
		case fd.Message() != nil:
			hasA, hasB := a.Has(fd), b.Has(fd)
			if !hasA && !hasB {
				continue
			}
			if hasA != hasB && fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic() {
				// Another member of the oneof (or none) is set on the
				// other side: name the switch, not its leaves.
				w.add(p, messagePresence(fd, hasA), messagePresence(fd, hasB))
				continue
			}
			before := w.total
			w.message(p, a.Get(fd).Message(), b.Get(fd).Message())
			if w.total == before && hasA != hasB {
				w.add(p, presence(hasA), presence(hasB))
			}
		default:
			hasA, hasB := a.Has(fd), b.Has(fd)
			va, vb := a.Get(fd), b.Get(fd)
			switch {
			case !scalarEqual(fd, va, vb):
				w.add(p, formatField(fd, va, hasA), formatField(fd, vb, hasB))
			case fd.HasPresence() && hasA != hasB:
				w.add(p, formatField(fd, va, hasA), formatField(fd, vb, hasB))
			}
		}
	}
	if ua, ub := a.GetUnknown(), b.GetUnknown(); !bytes.Equal(ua, ub) {
		w.add(join(path, "<unknown fields>"), fmt.Sprintf("%d bytes", len(ua)), fmt.Sprintf("%d bytes", len(ub)))
	}
}

// presence describes a message field that is set (and empty) or not.
func presence(set bool) string {
	if set {
		return "{}"
	}
	return unsetValue
}

// messagePresence describes a message field that is set (with content) or not.
func messagePresence(fd protoreflect.FieldDescriptor, set bool) string {
	if set {
		return string(fd.Message().Name()) + "{...}"
	}
	return unsetValue
}

func (w *differ) list(path string, fd protoreflect.FieldDescriptor, a, b protoreflect.List) {
	n := max(a.Len(), b.Len())
	for i := range n {
		p := path + "[" + strconv.Itoa(i) + "]"
		switch {
		case i >= a.Len():
			w.add(p, absentValue, formatValue(fd, b.Get(i)))
		case i >= b.Len():
			w.add(p, formatValue(fd, a.Get(i)), absentValue)
		case fd.Message() != nil:
			w.message(p, a.Get(i).Message(), b.Get(i).Message())
		case !scalarEqual(fd, a.Get(i), b.Get(i)):
			w.add(p, formatValue(fd, a.Get(i)), formatValue(fd, b.Get(i)))
		}
	}
}

func (w *differ) mapField(path string, fd protoreflect.FieldDescriptor, a, b protoreflect.Map) {
	keys := map[string]protoreflect.MapKey{}
	collect := func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys[formatKey(k)] = k
		return true
	}
	a.Range(collect)
	b.Range(collect)
	names := make([]string, 0, len(keys))
	for name := range keys {
		names = append(names, name)
	}
	slices.Sort(names)
	vd := fd.MapValue()
	for _, name := range names {
		k := keys[name]
		p := path + "[" + name + "]"
		hasA, hasB := a.Has(k), b.Has(k)
		switch {
		case !hasA:
			w.add(p, absentValue, formatValue(vd, b.Get(k)))
		case !hasB:
			w.add(p, formatValue(vd, a.Get(k)), absentValue)
		case vd.Message() != nil:
			w.message(p, a.Get(k).Message(), b.Get(k).Message())
		case !scalarEqual(vd, a.Get(k), b.Get(k)):
			w.add(p, formatValue(vd, a.Get(k)), formatValue(vd, b.Get(k)))
		}
	}
}

func formatKey(k protoreflect.MapKey) string {
	if s, ok := k.Interface().(string); ok {
		return strconv.Quote(s)
	}
	return k.String()
}

// scalarEqual compares two values of a scalar field (NaN equals NaN, so
// that only real changes are reported).
func scalarEqual(fd protoreflect.FieldDescriptor, a, b protoreflect.Value) bool {
	switch fd.Kind() {
	case protoreflect.BytesKind:
		return bytes.Equal(a.Bytes(), b.Bytes())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		x, y := a.Float(), b.Float()
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	case protoreflect.EnumKind:
		return a.Enum() == b.Enum()
	default:
		return a.Interface() == b.Interface()
	}
}

// formatField formats a scalar field's value, or <unset> for an unset
// field with explicit presence.
func formatField(fd protoreflect.FieldDescriptor, v protoreflect.Value, has bool) string {
	if fd.HasPresence() && !has {
		return unsetValue
	}
	return formatValue(fd, v)
}

// formatValue formats one value of fd for a message.
func formatValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return strconv.Quote(truncate(v.String()))
	case protoreflect.BytesKind:
		return fmt.Sprintf("%d bytes", len(v.Bytes()))
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().Name()) + "{...}"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		return fmt.Sprint(v.Interface())
	}
}
