package store

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ValueKind is the type of a filterable field.
type ValueKind int

// Kinds of filterable values.
const (
	// ValueString fields compare as byte strings.
	ValueString ValueKind = iota + 1
	// ValueTime fields take RFC 3339 times, compared at microsecond precision.
	ValueTime
	// ValueInt fields take base-10 integers.
	ValueInt
	// ValueEnum fields take an enum name (case-insensitive) or its number.
	ValueEnum
)

// FieldType describes how a filterable field parses its values.
type FieldType struct {
	Kind ValueKind
	// Enum maps upper-case names to numbers for ValueEnum fields.
	Enum map[string]int32
}

// Field types shared by the list specs.
var (
	StringField = FieldType{Kind: ValueString}
	TimeField   = FieldType{Kind: ValueTime}
	IntField    = FieldType{Kind: ValueInt}
)

// EnumField returns the type of an enum field with the given names.
func EnumField(names map[string]int32) FieldType {
	return FieldType{Kind: ValueEnum, Enum: names}
}

// Op is a filter function.
type Op string

// Filter functions, spelled as in the filter grammar.
const (
	OpEq       Op = "eq"
	OpNe       Op = "ne"
	OpGt       Op = "gt"
	OpGte      Op = "gte"
	OpLt       Op = "lt"
	OpLte      Op = "lte"
	OpContains Op = "contains"
	OpIn       Op = "value_in"
	OpNotIn    Op = "value_not_in"
)

var allOps = []Op{OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpContains, OpIn, OpNotIn}

// Limits on a filter string, so one request cannot build an unbounded query.
const (
	MaxFilters     = 50
	MaxFilterItems = 1000
)

// Filter is one parsed filter expression.
type Filter struct {
	Field string
	Op    Op
	// Values holds one value, or the list of value_in / value_not_in. Each is
	// a string (string fields), a UTC time.Time truncated to the microsecond
	// (time fields) or an int64 (int and enum fields).
	Values []any
}

// String formats the filter back into the grammar.
func (f Filter) String() string {
	parts := make([]string, len(f.Values))
	for i, v := range f.Values {
		switch v := v.(type) {
		case time.Time:
			parts[i] = v.Format(time.RFC3339Nano)
		case int64:
			parts[i] = strconv.FormatInt(v, 10)
		case string:
			parts[i] = v
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return string(f.Op) + "(" + f.Field + "," + strings.Join(parts, ";") + ")"
}

// ParseFilters parses a filter string: expressions func(field,value) joined
// with "+", where func is one of eq ne gt gte lt lte contains value_in
// value_not_in, and the values of value_in / value_not_in are separated by
// ";". Only the given fields may be filtered, and each value must parse as its
// field's type. An empty string means no filter. Example:
//
//	eq(name,train)+gte(created_at,2024-01-01T00:00:00Z)+value_in(state,ACTIVE;ARCHIVED)
func ParseFilters(s string, fields map[string]FieldType) ([]Filter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Filter
	rest := s
	for {
		expr, next, err := splitExpr(rest)
		if err != nil {
			return nil, err
		}
		f, err := parseExpr(expr, fields)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if len(out) > MaxFilters {
			return nil, &FilterError{Problem: fmt.Sprintf("at most %d expressions are allowed", MaxFilters)}
		}
		if next < 0 {
			return out, nil
		}
		rest = rest[next:]
	}
}

// splitExpr cuts the first expression off s. The expression ends at the
// first ")" followed (after optional spaces) by "+" or the end of input;
// next is the offset just after the "+", or -1 at the end.
func splitExpr(s string) (expr string, next int, err error) {
	for i := 0; i < len(s); i++ {
		if s[i] != ')' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j == len(s) {
			return s[:i+1], -1, nil
		}
		if s[j] == '+' {
			if strings.TrimSpace(s[j+1:]) == "" {
				return "", 0, &FilterError{Expr: s, Problem: `nothing follows the final "+"`}
			}
			return s[:i+1], j + 1, nil
		}
	}
	return "", 0, &FilterError{Expr: s, Problem: "expected func(field,value) closed by \")\""}
}

func parseExpr(expr string, fields map[string]FieldType) (Filter, error) {
	trimmed := strings.TrimSpace(expr)
	open := strings.IndexByte(trimmed, '(')
	if open < 0 {
		return Filter{}, &FilterError{Expr: trimmed, Problem: `expected func(field,value), found no "("`}
	}
	fn := Op(strings.TrimSpace(trimmed[:open]))
	if !slices.Contains(allOps, fn) {
		return Filter{}, &FilterError{Expr: trimmed, Func: string(fn),
			Problem: fmt.Sprintf("unknown function %q (use one of %s)", fn, opList())}
	}
	inner := trimmed[open+1 : len(trimmed)-1] // trimmed ends with ')'
	comma := strings.IndexByte(inner, ',')
	if comma < 0 {
		return Filter{}, &FilterError{Expr: trimmed, Func: string(fn),
			Problem: "expected two arguments, a field and a value"}
	}
	field := strings.TrimSpace(inner[:comma])
	raw := inner[comma+1:]
	ft, ok := fields[field]
	if !ok {
		return Filter{}, &FilterError{Expr: trimmed, Func: string(fn), Field: field,
			Problem: fmt.Sprintf("unknown field %q (filterable fields: %s)", field, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))}
	}
	if err := checkOp(fn, ft); err != nil {
		return Filter{}, &FilterError{Expr: trimmed, Func: string(fn), Field: field, Problem: err.Error()}
	}
	items := []string{raw}
	if fn == OpIn || fn == OpNotIn {
		items = strings.Split(raw, ";")
		if len(items) > MaxFilterItems {
			return Filter{}, &FilterError{Expr: trimmed, Func: string(fn), Field: field,
				Problem: fmt.Sprintf("at most %d values are allowed in a list, got %d", MaxFilterItems, len(items))}
		}
	}
	f := Filter{Field: field, Op: fn, Values: make([]any, 0, len(items))}
	for _, item := range items {
		v, err := parseValue(item, ft)
		if err != nil {
			return Filter{}, &FilterError{Expr: trimmed, Func: string(fn), Field: field, Value: item,
				Problem: fmt.Sprintf("field %s: %s", field, err)}
		}
		f.Values = append(f.Values, v)
	}
	return f, nil
}

func checkOp(fn Op, ft FieldType) error {
	switch fn {
	case OpContains:
		if ft.Kind != ValueString {
			return fmt.Errorf("contains applies only to text fields")
		}
	case OpGt, OpGte, OpLt, OpLte:
		if ft.Kind == ValueEnum {
			return fmt.Errorf("%s does not apply to an enum field (use eq, ne, value_in or value_not_in)", fn)
		}
	case OpEq, OpNe, OpIn, OpNotIn:
	}
	return nil
}

func parseValue(s string, ft FieldType) (any, error) {
	switch ft.Kind {
	case ValueString:
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("value contains a NUL byte")
		}
		return s, nil
	case ValueTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("invalid time %q (want RFC 3339, like 2024-01-01T00:00:00Z)", s)
		}
		t = Timestamp(t)
		if t.Year() < 1 || t.Year() > 9999 {
			return nil, fmt.Errorf("time %q is outside years 0001 to 9999 UTC", s)
		}
		return t, nil
	case ValueInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid integer %q", s)
		}
		return n, nil
	case ValueEnum:
		if n, ok := ft.Enum[strings.ToUpper(s)]; ok {
			return int64(n), nil
		}
		if n, err := strconv.ParseInt(s, 10, 32); err == nil && validEnum(ft.Enum, int32(n)) {
			return n, nil
		}
		return nil, fmt.Errorf("unknown value %q (use one of %s)", s, enumList(ft.Enum))
	default:
		return nil, fmt.Errorf("field has no value type")
	}
}

func opList() string {
	names := make([]string, len(allOps))
	for i, op := range allOps {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

func enumList(names map[string]int32) string {
	keys := slices.SortedFunc(maps.Keys(names), func(a, b string) int {
		return int(names[a]) - int(names[b])
	})
	return strings.Join(keys, ", ")
}
