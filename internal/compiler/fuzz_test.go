package compiler

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// fuzzBundle packs a workflow, its sub-workflows, tasks and launch plans into one message (a
// CompiledWorkflowClosure is a convenient container) so the fuzzer can mutate all of them.
func fuzzBundle(tc compileCase) *corev1.CompiledWorkflowClosure {
	b := &corev1.CompiledWorkflowClosure{Primary: &corev1.CompiledWorkflow{Template: tc.wf}}
	for _, s := range tc.subs {
		b.SubWorkflows = append(b.SubWorkflows, &corev1.CompiledWorkflow{Template: s})
	}
	for _, t := range testTasks {
		b.Tasks = append(b.Tasks, &corev1.CompiledTask{Template: t})
	}
	for _, lp := range testLaunchPlans {
		b.LaunchPlans = append(b.LaunchPlans, &corev1.CompiledLaunchPlan{Template: lp})
	}
	return b
}

// compileBundle compiles a bundle and checks the outcome is well-formed: a closure, or a
// CompileError whose problems all say something.
func compileBundle(t *testing.T, b *corev1.CompiledWorkflowClosure) {
	var subs []*corev1.WorkflowTemplate
	for _, s := range b.GetSubWorkflows() {
		subs = append(subs, s.GetTemplate())
	}
	var tasks []*corev1.TaskTemplate
	for _, tk := range b.GetTasks() {
		tasks = append(tasks, tk.GetTemplate())
	}
	var lps []*corev1.LaunchPlanTemplate
	for _, lp := range b.GetLaunchPlans() {
		lps = append(lps, lp.GetTemplate())
	}
	closure, err := CompileWorkflow(context.Background(), b.GetPrimary().GetTemplate(), subs, NewStaticResolver(tasks, lps))
	if err == nil {
		require.NotNil(t, closure)
		require.NotNil(t, closure.GetPrimary().GetConnections())
		return
	}
	var ce *CompileError
	require.True(t, errors.As(err, &ce), "unexpected error type: %v", err)
	require.NotEmpty(t, ce.Problems)
	for _, p := range ce.Problems {
		require.NotEmpty(t, p.Code)
		require.NotEmpty(t, p.Message)
	}
}

func allCases(t testing.TB) []compileCase {
	t.Helper()
	var cases []compileCase
	for _, tc := range validCases() {
		if tc.r == nil {
			cases = append(cases, tc)
		}
	}
	return cases
}

// FuzzCompileWorkflow feeds arbitrary bytes, starting from valid workflows, decoded as a bundle.
func FuzzCompileWorkflow(f *testing.F) {
	for _, tc := range allCases(f) {
		data, err := proto.Marshal(fuzzBundle(tc))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &corev1.CompiledWorkflowClosure{}
		if proto.Unmarshal(data, b) != nil {
			return
		}
		compileBundle(t, b)
	})
}

// FuzzMutateWorkflow applies structural mutations (clear a field, drop or repeat a list element,
// replace a string or number with a tricky one) to valid workflows.
func FuzzMutateWorkflow(f *testing.F) {
	cases := allCases(f)
	for i := range cases {
		f.Add(uint8(i), []byte{0, 0})
		f.Add(uint8(i), []byte{3, 1, 7, 2, 11, 3})
		f.Add(uint8(i), []byte{5, 4, 9, 5, 200, 6, 1, 7})
	}
	f.Fuzz(func(t *testing.T, which uint8, ops []byte) {
		b := fuzzBundle(cases[int(which)%len(cases)])
		b = proto.Clone(b).(*corev1.CompiledWorkflowClosure)
		for i := 0; i+1 < len(ops) && i < 64; i += 2 {
			mutate(b.ProtoReflect(), ops[i], ops[i+1])
		}
		compileBundle(t, b)
	})
}

// fieldRef is one populated field of a message inside the bundle.
type fieldRef struct {
	m protoreflect.Message
	f protoreflect.FieldDescriptor
}

func populated(m protoreflect.Message, out []fieldRef) []fieldRef {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		out = append(out, fieldRef{m, fd})
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := range l.Len() {
				out = populated(l.Get(i).Message(), out)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				out = populated(mv.Message(), out)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			out = populated(v.Message(), out)
		}
		return true
	})
	return out
}

var trickyStrings = []string{"", StartNodeID, EndNodeID, "n1", "n2", "x", "y", "a", "sum", "b", "t1", "arr-sub", "bad id"}

func mutate(root protoreflect.Message, pick, action byte) {
	refs := populated(root, nil)
	if len(refs) == 0 {
		return
	}
	r := refs[int(pick)%len(refs)]
	fd := r.f
	switch action % 4 {
	case 0:
		r.m.Clear(fd)
	case 1:
		if fd.IsList() {
			l := r.m.Mutable(fd).List()
			if l.Len() > 0 {
				if action%8 < 4 {
					l.Truncate(l.Len() - 1)
				} else {
					l.Append(l.Get(0))
				}
			}
			return
		}
		r.m.Clear(fd)
	case 2:
		if fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap() {
			r.m.Set(fd, protoreflect.ValueOfString(trickyStrings[int(action/4)%len(trickyStrings)]))
		}
	case 3:
		if fd.IsList() || fd.IsMap() {
			return
		}
		switch fd.Kind() {
		case protoreflect.EnumKind:
			r.m.Set(fd, protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(action/4)-8)))
		case protoreflect.Int32Kind:
			r.m.Set(fd, protoreflect.ValueOfInt32(int32(action)-128))
		case protoreflect.Int64Kind:
			r.m.Set(fd, protoreflect.ValueOfInt64(int64(action)-128))
		case protoreflect.FloatKind:
			r.m.Set(fd, protoreflect.ValueOfFloat32(float32(action)/100))
		case protoreflect.BoolKind:
			r.m.Set(fd, protoreflect.ValueOfBool(!r.m.Get(fd).Bool()))
		}
	}
}
