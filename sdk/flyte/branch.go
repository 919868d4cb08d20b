package flyte

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Ordered is the types whose values conditions can order (Gt, Lt, ...).
type Ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64 | ~string | time.Time
}

// Comparable is the types whose values conditions can compare for
// equality (Eq, Ne): the ordered types and booleans.
type Comparable interface {
	Ordered | ~bool
}

// Cond is a condition of a branch, made with Eq, Ne, Gt, Gte, Lt, Lte,
// IsTrue, IsNone, IsSet, And and Or.
type Cond struct{ c *cond }

type cond struct {
	expr *corev1.BooleanExpression
	// vals are the operands that read workflow values: each becomes an
	// input of the branch node named like the operand's var.
	vals map[string]*val
	err  error
}

type compareOp = corev1.ComparisonExpression_Operator

func compare[T any](op compareOp, a, b Value[T]) Cond {
	c := &cond{vals: map[string]*val{}}
	left, err := c.operand(a.v)
	if err != nil {
		return Cond{&cond{err: err}}
	}
	right, err := c.operand(b.v)
	if err != nil {
		return Cond{&cond{err: err}}
	}
	ordering := op != corev1.ComparisonExpression_OPERATOR_EQ && op != corev1.ComparisonExpression_OPERATOR_NEQ
	if ordering && (a.v.lt.GetEnumType() != nil || b.v.lt.GetEnumType() != nil) {
		return Cond{&cond{err: fmt.Errorf("enum values can only be compared with Eq and Ne (%s, %s)", a.v.desc, b.v.desc)}}
	}
	c.expr = &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Comparison{Comparison: &corev1.ComparisonExpression{
		Operator: op, LeftValue: left, RightValue: right}}}
	return Cond{c}
}

// operand turns a value into an operand: a constant primitive (or none),
// or a var naming a branch input.
func (c *cond) operand(v *val) (*corev1.Operand, error) {
	if err := v.check(nil); err != nil {
		return nil, err
	}
	if v.lit != nil {
		l := plain(v.lit)
		if p := l.GetScalar().GetPrimitive(); p != nil {
			return &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: p}}, nil
		}
		if l.GetScalar().GetNoneType() != nil {
			return &corev1.Operand{Val: &corev1.Operand_Scalar{Scalar: l.GetScalar()}}, nil
		}
		return nil, fmt.Errorf("a constant of type %s cannot be compared", formatType(v.lt))
	}
	if v.promise == nil {
		return nil, fmt.Errorf("%s cannot be compared (only inputs, node outputs and constants can)", v.desc)
	}
	name := v.promise.GetNodeId() + "." + v.promise.GetVar()
	if v.promise.GetNodeId() == startNode {
		name = "inputs." + v.promise.GetVar()
	}
	c.vals[name] = v
	return &corev1.Operand{Val: &corev1.Operand_Var{Var: name}}, nil
}

// Eq holds when a equals b.
func Eq[T Comparable](a, b Value[T]) Cond {
	return compare(corev1.ComparisonExpression_OPERATOR_EQ, a, b)
}

// Ne holds when a differs from b.
func Ne[T Comparable](a, b Value[T]) Cond {
	return compare(corev1.ComparisonExpression_OPERATOR_NEQ, a, b)
}

// Gt holds when a > b.
func Gt[T Ordered](a, b Value[T]) Cond { return compare(corev1.ComparisonExpression_OPERATOR_GT, a, b) }

// Gte holds when a >= b.
func Gte[T Ordered](a, b Value[T]) Cond {
	return compare(corev1.ComparisonExpression_OPERATOR_GTE, a, b)
}

// Lt holds when a < b.
func Lt[T Ordered](a, b Value[T]) Cond { return compare(corev1.ComparisonExpression_OPERATOR_LT, a, b) }

// Lte holds when a <= b.
func Lte[T Ordered](a, b Value[T]) Cond {
	return compare(corev1.ComparisonExpression_OPERATOR_LTE, a, b)
}

// IsTrue holds when v is true.
func IsTrue(v Value[bool]) Cond { return Eq(v, Const(true)) }

// IsNone holds when the optional value v is not set.
func IsNone[T any](v Value[*T]) Cond {
	return compare(corev1.ComparisonExpression_OPERATOR_EQ, v, Value[*T]{noneVal()})
}

// IsSet holds when the optional value v is set.
func IsSet[T any](v Value[*T]) Cond {
	return compare(corev1.ComparisonExpression_OPERATOR_NEQ, v, Value[*T]{noneVal()})
}

func noneVal() *val {
	l := noneLit()
	return &val{bd: literalBinding(l), lit: l, lt: simpleLT(corev1.SimpleType_SIMPLE_TYPE_NONE), desc: "none"}
}

// And holds when both a and b hold.
func And(a, b Cond) Cond { return conj(corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND, a, b) }

// Or holds when a or b holds.
func Or(a, b Cond) Cond { return conj(corev1.ConjunctionExpression_LOGICAL_OPERATOR_OR, a, b) }

func conj(op corev1.ConjunctionExpression_LogicalOperator, a, b Cond) Cond {
	for _, x := range []Cond{a, b} {
		if x.c == nil {
			return Cond{&cond{err: errors.New("the zero Cond is no condition")}}
		}
		if x.c.err != nil {
			return x
		}
	}
	c := &cond{vals: map[string]*val{}}
	for _, x := range []Cond{a, b} {
		for k, v := range x.c.vals {
			c.vals[k] = v
		}
	}
	c.expr = &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Conjunction{Conjunction: &corev1.ConjunctionExpression{
		Operator: op, LeftExpression: a.c.expr, RightExpression: b.c.expr}}}
	return Cond{c}
}

// Branch is a branch node being built: If starts it, ElseIf adds cases, and
// Else or Fail ends it and returns the node, whose outputs are the outputs
// of the case that ran.
type Branch[O any] struct{ br *branchState }

type branchState struct {
	b  *Builder
	n  *node
	ie *corev1.IfElseBlock
}

// If adds a branch node that runs the node then builds when cond holds.
// then receives a builder for the case and must add exactly one node with
// it (Call, Map, another If, a gate) and return it; every case returns a
// node of the same output type O. Options: ID, Name.
func If[O any](wf *Builder, cond Cond, then func(wf *Builder) *Node[O], opts ...Option) *Branch[O] {
	n, _ := wf.addNode("branch", "branch", opts, subNodeOptions)
	n.out = outIO[O](wf.st, n)
	st := &branchState{b: wf, n: n, ie: &corev1.IfElseBlock{}}
	n.pb.Target = &corev1.Node_BranchNode{BranchNode: &corev1.BranchNode{IfElse: st.ie}}
	wf.st.branches = append(wf.st.branches, st)
	st.ie.Case = ifBlock(st, 1, cond, then)
	return &Branch[O]{st}
}

// outIO describes O as node outputs, recording a problem if it cannot.
func outIO[O any](st *buildState, n *node) *ioType {
	io, err := ioTypeOf(reflect.TypeFor[O](), "outputs")
	if err != nil {
		st.fail(fmt.Errorf("%s: %w", n.label, err))
		return emptyIO
	}
	return io
}

// ElseIf adds a case tried when the earlier ones do not hold.
func (b *Branch[O]) ElseIf(cond Cond, then func(wf *Builder) *Node[O]) *Branch[O] {
	st := b.br
	st.ie.Other = append(st.ie.Other, ifBlock(st, len(st.ie.Other)+2, cond, then))
	return b
}

// Else ends the branch with the node run when no case holds.
func (b *Branch[O]) Else(then func(wf *Builder) *Node[O]) *Node[O] {
	st := b.br
	if n := caseNode(st, "else", then); n != nil {
		st.ie.Default = &corev1.IfElseBlock_ElseNode{ElseNode: n}
	}
	return &Node[O]{st.n}
}

// Fail ends the branch: when no case holds, the node fails with message.
func (b *Branch[O]) Fail(message string) *Node[O] {
	st := b.br
	st.ie.Default = &corev1.IfElseBlock_Error{Error: &corev1.Error{FailedNodeId: st.n.pb.GetId(), Message: message}}
	return &Node[O]{st.n}
}

// ifBlock builds case i: its condition (adding the values it reads as
// inputs of the branch node) and its node.
func ifBlock[O any](br *branchState, i int, c Cond, then func(*Builder) *Node[O]) *corev1.IfBlock {
	st := br.b.st
	blk := &corev1.IfBlock{}
	switch {
	case c.c == nil:
		st.fail(fmt.Errorf("%s: case %d: the zero Cond is no condition", br.n.label, i))
	case c.c.err != nil:
		st.fail(fmt.Errorf("%s: case %d: %w", br.n.label, i, c.c.err))
	default:
		blk.Condition = c.c.expr
		names := make([]string, 0, len(c.c.vals))
		for k := range c.c.vals {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, name := range names {
			v := c.c.vals[name]
			if err := v.check(st); err != nil {
				st.fail(fmt.Errorf("%s: case %d: %w", br.n.label, i, err))
				continue
			}
			if !slices.ContainsFunc(br.n.pb.Inputs, func(b *corev1.Binding) bool { return b.GetVar() == name }) {
				br.n.pb.Inputs = append(br.n.pb.Inputs, &corev1.Binding{Var: name, Binding: v.bd})
			}
		}
	}
	blk.ThenNode = caseNode(br, fmt.Sprintf("case %d", i), then)
	return blk
}

// caseNode runs then with a builder for one case and returns the node it
// added, which must be the only one and the one it returns.
func caseNode[O any](br *branchState, label string, then func(*Builder) *Node[O]) *corev1.Node {
	st := br.b.st
	if then == nil {
		st.fail(fmt.Errorf("%s: %s: the function is nil", br.n.label, label))
		return nil
	}
	var nodes []*node
	cb := &Builder{st: st, in: br.b.in, out: br.b.out, inPtr: br.b.inPtr, outPtr: br.b.outPtr, cases: &nodes, ctx: br.b.ctx}
	got := then(cb)
	switch {
	case len(nodes) != 1:
		st.fail(fmt.Errorf("%s: %s: the function must add exactly one node with the builder it receives; it added %d", br.n.label, label, len(nodes)))
		return nil
	case got == nil || got.n != nodes[0]:
		st.fail(fmt.Errorf("%s: %s: the function must return the node it added", br.n.label, label))
		return nil
	}
	return nodes[0].pb
}
