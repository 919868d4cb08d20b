package flyte

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// startNode is the node id of workflow inputs in promises.
const startNode = "start-node"

// Value is a value of Go type T inside a workflow being built: a workflow
// input (Input), a constant (Const), an output of a node (Out, MapOut), a
// signal (WaitForSignal) or a list of those (List). It is only a reference:
// the value itself exists when the workflow runs.
type Value[T any] struct{ v *val }

// val is the untyped core of a Value.
type val struct {
	// st is the workflow the value belongs to; nil for constants, which
	// belong to any workflow.
	st *buildState
	// bd is the binding that produces the value.
	bd *corev1.BindingData
	// lit is the value of a constant.
	lit *corev1.Literal
	// promise is the output the value reads; nil for constants and lists.
	promise *corev1.OutputReference
	lt      *corev1.LiteralType
	// desc names the value in messages: "input n", "square.y", "constant".
	desc string
	// from is the node producing the value; nil for inputs and constants.
	from *node
	err  error
}

func badVal(err error) *val { return &val{err: err} }

// check returns the value's error, or an error when it belongs to another
// workflow than st or is the zero Value.
func (v *val) check(st *buildState) error {
	switch {
	case v == nil:
		return errors.New("the zero Value has no value (make Values with Input, Const, Out, ...)")
	case v.err != nil:
		return v.err
	case v.st != nil && st != nil && v.st != st:
		return fmt.Errorf("%s belongs to %s, not to %s", v.desc, v.st.label(), st.label())
	}
	return nil
}

// Input returns the workflow input that field points at: field must be the
// address of a field of the input struct the workflow function received
// (flyte.Input(wf, &in.N)).
func Input[T any](wf *Builder, field *T) Value[T] {
	if wf.in == nil || wf.inPtr == nil {
		return Value[T]{badVal(fmt.Errorf("%s: Input: there are no workflow inputs here (a dynamic task gets concrete inputs: use Const)", wf.st.label()))}
	}
	i := wf.in.fieldAt(wf.inPtr, field, reflect.TypeFor[T]())
	if i < 0 {
		err := fmt.Errorf("%s: Input: the pointer is not the address of a field of %s (pass &in.Field of the input struct the workflow function received)", wf.st.label(), wf.in.t)
		wf.st.fail(err)
		return Value[T]{badVal(err)}
	}
	f := wf.in.fields[i]
	ref := &corev1.OutputReference{NodeId: startNode, Var: f.name}
	return Value[T]{&val{
		st:      wf.st,
		bd:      &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: ref}},
		promise: ref,
		lt:      wf.in.codecs[i].lt,
		desc:    "input " + f.name,
	}}
}

// Const returns a constant value. A File or Dir constant needs a URI.
func Const[T any](v T) Value[T] {
	c, err := codecFor(reflect.TypeFor[T]())
	if err != nil {
		return Value[T]{badVal(fmt.Errorf("Const: %w", err))}
	}
	l, err := c.enc(nil, reflect.ValueOf(&v).Elem())
	if err != nil {
		return Value[T]{badVal(fmt.Errorf("Const: %w", err))}
	}
	return Value[T]{&val{bd: literalBinding(l), lit: l, lt: c.lt, desc: "constant"}}
}

// List returns the list of the given values, in order.
func List[T any](items ...Value[T]) Value[[]T] {
	c, err := codecFor(reflect.TypeFor[[]T]())
	if err != nil {
		return Value[[]T]{badVal(fmt.Errorf("List: %w", err))}
	}
	out := &val{lt: c.lt, desc: "list"}
	coll := &corev1.BindingDataCollection{}
	var lits []*corev1.Literal
	for i, it := range items {
		if err := it.v.check(out.st); err != nil {
			return Value[[]T]{badVal(fmt.Errorf("List: [%d]: %w", i, err))}
		}
		if it.v.st != nil {
			out.st = it.v.st
		}
		coll.Bindings = append(coll.Bindings, it.v.bd)
		lits = append(lits, it.v.lit)
	}
	out.bd = &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: coll}}
	if out.st == nil { // every item is a constant
		ls := make([]*corev1.Literal, len(lits))
		copy(ls, lits)
		out.lit = &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: ls}}}
	}
	return Value[[]T]{out}
}

// literalBinding turns a constant into binding data: scalars as they are,
// lists and maps element by element.
func literalBinding(l *corev1.Literal) *corev1.BindingData {
	switch v := l.GetValue().(type) {
	case *corev1.Literal_Collection:
		c := &corev1.BindingDataCollection{}
		for _, e := range v.Collection.GetLiterals() {
			c.Bindings = append(c.Bindings, literalBinding(e))
		}
		return &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: c}}
	case *corev1.Literal_Map:
		m := &corev1.BindingDataMap{Bindings: map[string]*corev1.BindingData{}}
		for _, k := range slices.Sorted(maps.Keys(v.Map.GetLiterals())) {
			m.Bindings[k] = literalBinding(v.Map.GetLiterals()[k])
		}
		return &corev1.BindingData{Value: &corev1.BindingData_Map{Map: m}}
	}
	return &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: l.GetScalar()}}
}

// Binding connects one input of a node (or output of a workflow) to a
// Value. Make it with Bind or Each.
type Binding struct {
	field any // *T pointing into the placeholder struct
	typ   reflect.Type
	v     *val
	each  bool
}

// Bind binds the input (or output) that field points at to v. field must
// be the address of a field of the struct the binding function received;
// its type and v's type are the same by construction, so a mismatch is a
// compile error.
func Bind[T any](field *T, v Value[T]) Binding {
	return Binding{field: field, typ: reflect.TypeFor[T](), v: v.v}
}

// Each binds the input that field points at to the elements of list, one
// per element: in Map, the task runs once for each element. Inputs bound
// with Bind get the same value in every element.
func Each[T any](field *T, list Value[[]T]) Binding {
	return Binding{field: field, typ: reflect.TypeFor[T](), v: list.v, each: true}
}

// Bindings collects bindings; it reads better than a slice literal in the
// binding functions of Call and Map.
func Bindings(bs ...Binding) []Binding { return bs }

// bound is one resolved binding.
type bound struct {
	field int
	b     Binding
}

// resolve matches bindings to the fields of io inside the placeholder
// struct at base. what names the target for messages. Problems are
// returned, all of them.
func resolve(st *buildState, what string, io *ioType, base any, bs []Binding) ([]bound, []error) {
	var out []bound
	var errs []error
	seen := map[int]bool{}
	for i, b := range bs {
		if b.field == nil || b.typ == nil {
			errs = append(errs, fmt.Errorf("%s: binding %d is the zero Binding (use Bind or Each)", what, i))
			continue
		}
		idx := io.fieldAt(base, b.field, b.typ)
		if idx < 0 {
			errs = append(errs, fmt.Errorf("%s: binding %d does not point at a field of %s (bind &in.Field of the struct the binding function received)", what, i, io.t))
			continue
		}
		name := io.fields[idx].name
		if seen[idx] {
			errs = append(errs, fmt.Errorf("%s: %s is bound twice", what, name))
			continue
		}
		seen[idx] = true
		if err := b.v.check(st); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", what, name, err))
			continue
		}
		out = append(out, bound{field: idx, b: b})
	}
	return out, errs
}
