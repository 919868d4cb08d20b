package authoring

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func strAttr(s string) *corev1.PromiseAttribute {
	return &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_StringValue{StringValue: s}}
}

func intAttr(i int32) *corev1.PromiseAttribute {
	return &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_IntValue{IntValue: i}}
}

func TestParseReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want *corev1.OutputReference
	}{
		{"inputs.x", &corev1.OutputReference{NodeId: "start-node", Var: "x"}},
		{"first.total", &corev1.OutputReference{NodeId: "first", Var: "total"}},
		{"load-rows.count_2", &corev1.OutputReference{NodeId: "load-rows", Var: "count_2"}},
		{"n.rows[0]", &corev1.OutputReference{NodeId: "n", Var: "rows", AttrPath: []*corev1.PromiseAttribute{intAttr(0)}}},
		{"n.rows[12].name", &corev1.OutputReference{NodeId: "n", Var: "rows", AttrPath: []*corev1.PromiseAttribute{intAttr(12), strAttr("name")}}},
		{`n.scores["team a"]`, &corev1.OutputReference{NodeId: "n", Var: "scores", AttrPath: []*corev1.PromiseAttribute{strAttr("team a")}}},
		{`n.m['k'][1]`, &corev1.OutputReference{NodeId: "n", Var: "m", AttrPath: []*corev1.PromiseAttribute{strAttr("k"), intAttr(1)}}},
		{"inputs.cfg.a.b", &corev1.OutputReference{NodeId: "start-node", Var: "cfg", AttrPath: []*corev1.PromiseAttribute{strAttr("a"), strAttr("b")}}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			r, err := parseReference(tt.src)
			require.NoError(t, err)
			require.Equal(t, tt.src, r.text)
			if diff := cmp.Diff(tt.want, r.promise(), protocmp.Transform()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReferenceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"", "want $NODE.OUTPUT"},
		{"first", "want $first.OUTPUT"},
		{"first.", "want an output name"},
		{"first.9x", "want an output name"},
		{"first.total.", "want a field name"},
		{"first.total[", `missing "]"`},
		{"first.total[-1]", "want a list index"},
		{"first.total[x]", "want a list index"},
		{"first.total[99999999999]", "want a list index"},
		{`first.total["a]`, "unterminated"},
		{"first.total x", "unexpected ' '"},
		{"a b.c", "want $a.OUTPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := parseReference(tt.src)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAttrType(t *testing.T) {
	t.Parallel()
	intT := simpleType(corev1.SimpleType_SIMPLE_TYPE_INTEGER)
	structT := simpleType(corev1.SimpleType_SIMPLE_TYPE_STRUCT)
	tests := []struct {
		name string
		t    *corev1.LiteralType
		path []*corev1.PromiseAttribute
		want *corev1.LiteralType
	}{
		{"no path", intT, nil, intT},
		{"list index", listType(intT), []*corev1.PromiseAttribute{intAttr(0)}, intT},
		{"map key", mapType(listType(intT)), []*corev1.PromiseAttribute{strAttr("k"), intAttr(3)}, intT},
		{"struct field is unknown", structT, []*corev1.PromiseAttribute{strAttr("a")}, nil},
		{"index into int", intT, []*corev1.PromiseAttribute{intAttr(0)}, nil},
		{"dataclass field", &corev1.LiteralType{Type: structT.GetType(), Structure: &corev1.TypeStructure{
			DataclassType: map[string]*corev1.LiteralType{"a": intT}}}, []*corev1.PromiseAttribute{strAttr("a")}, intT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, attrType(tt.t, tt.path), protocmp.Transform()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}
