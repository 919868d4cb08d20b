package propeller

import (
	"context"
	"errors"
	"fmt"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// bindInputs resolves bindings against the scope's inputs and the outputs of
// upstream nodes.
func (r *round) bindInputs(ctx context.Context, sc *scope, bindings []*corev1.Binding) (*corev1.LiteralMap, error) {
	out := &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, len(bindings))}
	for _, b := range bindings {
		l, err := r.resolve(ctx, sc, b.GetBinding())
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", b.GetVar(), err)
		}
		out.Literals[b.GetVar()] = l
	}
	return out, nil
}

func (r *round) resolve(ctx context.Context, sc *scope, bd *corev1.BindingData) (*corev1.Literal, error) {
	var l *corev1.Literal
	switch v := bd.GetValue().(type) {
	case *corev1.BindingData_Scalar:
		l = &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: v.Scalar}}
	case *corev1.BindingData_Collection:
		c := &corev1.LiteralCollection{}
		for _, x := range v.Collection.GetBindings() {
			xl, err := r.resolve(ctx, sc, x)
			if err != nil {
				return nil, err
			}
			c.Literals = append(c.Literals, xl)
		}
		l = &corev1.Literal{Value: &corev1.Literal_Collection{Collection: c}}
	case *corev1.BindingData_Map:
		m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
		for k, x := range v.Map.GetBindings() {
			xl, err := r.resolve(ctx, sc, x)
			if err != nil {
				return nil, err
			}
			m.Literals[k] = xl
		}
		l = &corev1.Literal{Value: &corev1.Literal_Map{Map: m}}
	case *corev1.BindingData_Promise:
		var err error
		if l, err = r.promise(ctx, sc, v.Promise); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("binding has no value")
	}
	if u := bd.GetUnion(); u != nil && l.GetScalar().GetUnion() == nil {
		l = &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: l, Type: u.GetTargetType()}}}}}
	}
	return l, nil
}

// promise reads one output of an upstream node (or a workflow input).
func (r *round) promise(ctx context.Context, sc *scope, ref *corev1.OutputReference) (*corev1.Literal, error) {
	var outs *corev1.LiteralMap
	name := ref.GetVar()
	if ref.GetNodeId() == startNode {
		outs = sc.inputs
	} else {
		uid := sc.prefix + ref.GetNodeId()
		ne := r.st.nodes[uid]
		if ne == nil || !nodeSucceeded(ne.Phase) {
			return nil, fmt.Errorf("node %s has not succeeded", uid)
		}
		var err error
		if outs, err = r.nodeOutputs(ctx, ne); err != nil {
			return nil, err
		}
		if n := sc.nodeByID(ref.GetNodeId()); n != nil {
			for _, a := range n.GetOutputAliases() {
				if a.GetAlias() == name {
					name = a.GetVar()
				}
			}
		}
	}
	l, ok := outs.GetLiterals()[name]
	if !ok {
		return nil, fmt.Errorf("%s has no output %s", ref.GetNodeId(), ref.GetVar())
	}
	return walkAttrPath(l, ref.GetAttrPath())
}

// nodeOutputs reads (once per cached view) the outputs of a finished node:
// inline from its closure, or from its outputs blob.
func (r *round) nodeOutputs(ctx context.Context, ne *store.NodeExecution) (*corev1.LiteralMap, error) {
	if m, ok := r.st.outputs[ne.NodeID]; ok {
		return m, nil
	}
	m := &corev1.LiteralMap{}
	c := &adminv1.NodeExecutionClosure{}
	if err := unmarshal(ne.Closure, c); err != nil {
		return nil, fmt.Errorf("decode closure of node %s: %w", ne.NodeID, err)
	}
	if d := c.GetOutputData(); d != nil {
		m = d
	} else if ne.OutputURI != "" {
		key, err := r.e.blobs.Key(ne.OutputURI)
		if err != nil {
			return nil, fmt.Errorf("outputs of node %s: %w", ne.NodeID, err)
		}
		if err := r.e.blobs.ReadProto(ctx, key, m); err != nil {
			return nil, fmt.Errorf("read outputs of node %s: %w", ne.NodeID, err)
		}
	}
	r.st.outputs[ne.NodeID] = m
	return m, nil
}

// walkAttrPath follows attr_path into maps, lists and generic structs.
func walkAttrPath(l *corev1.Literal, path []*corev1.PromiseAttribute) (*corev1.Literal, error) {
	for i, a := range path {
		if g := l.GetScalar().GetGeneric(); g != nil {
			return structPath(structpb.NewStructValue(g), path[i:])
		}
		switch v := a.GetValue().(type) {
		case *corev1.PromiseAttribute_StringValue:
			m := l.GetMap()
			if m == nil {
				return nil, fmt.Errorf("attribute %q: value is not a map", v.StringValue)
			}
			next, ok := m.GetLiterals()[v.StringValue]
			if !ok {
				return nil, fmt.Errorf("attribute %q not found", v.StringValue)
			}
			l = next
		case *corev1.PromiseAttribute_IntValue:
			c := l.GetCollection()
			if c == nil {
				return nil, fmt.Errorf("index %d: value is not a list", v.IntValue)
			}
			if v.IntValue < 0 || int(v.IntValue) >= len(c.GetLiterals()) {
				return nil, fmt.Errorf("index %d out of range (list of %d)", v.IntValue, len(c.GetLiterals()))
			}
			l = c.GetLiterals()[v.IntValue]
		default:
			return nil, errors.New("empty attribute in path")
		}
	}
	return l, nil
}

func structPath(v *structpb.Value, path []*corev1.PromiseAttribute) (*corev1.Literal, error) {
	for _, a := range path {
		switch x := a.GetValue().(type) {
		case *corev1.PromiseAttribute_StringValue:
			s := v.GetStructValue()
			if s == nil {
				return nil, fmt.Errorf("attribute %q: value is not an object", x.StringValue)
			}
			next, ok := s.GetFields()[x.StringValue]
			if !ok {
				return nil, fmt.Errorf("attribute %q not found", x.StringValue)
			}
			v = next
		case *corev1.PromiseAttribute_IntValue:
			lv := v.GetListValue()
			if lv == nil || x.IntValue < 0 || int(x.IntValue) >= len(lv.GetValues()) {
				return nil, fmt.Errorf("index %d out of range", x.IntValue)
			}
			v = lv.GetValues()[x.IntValue]
		}
	}
	return structValueLiteral(v), nil
}

func structValueLiteral(v *structpb.Value) *corev1.Literal {
	prim := func(p *corev1.Primitive) *corev1.Literal {
		return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}}}}
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return prim(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: k.StringValue}})
	case *structpb.Value_BoolValue:
		return prim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: k.BoolValue}})
	case *structpb.Value_NumberValue:
		if k.NumberValue == float64(int64(k.NumberValue)) {
			return prim(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: int64(k.NumberValue)}})
		}
		return prim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: k.NumberValue}})
	case *structpb.Value_StructValue:
		return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: k.StructValue}}}}
	case *structpb.Value_ListValue:
		c := &corev1.LiteralCollection{}
		for _, x := range k.ListValue.GetValues() {
			c.Literals = append(c.Literals, structValueLiteral(x))
		}
		return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: c}}
	}
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}}}
}

func marshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("propeller: marshal %T: %v", m, err))
	}
	return b
}

func unmarshal(b []byte, m proto.Message) error {
	if len(b) == 0 {
		return nil
	}
	return proto.Unmarshal(b, m)
}

func isTerminalErr(err error) bool { return errors.Is(err, store.ErrTerminal) }
