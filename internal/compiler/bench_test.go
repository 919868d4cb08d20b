package compiler

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// chainWorkflow is n nodes, each doubling the output of the one before.
func chainWorkflow(n int) *corev1.WorkflowTemplate {
	ns := make([]*corev1.Node, n)
	for i := range n {
		src := in("x")
		if i > 0 {
			src = prom(fmt.Sprintf("n%d", i-1), "y")
		}
		ns[i] = taskNode(fmt.Sprintf("n%d", i), "double", bind("x", src))
	}
	return workflow("chain", intIO, intO, ns, bind("result", prom(fmt.Sprintf("n%d", n-1), "y")))
}

// fanOutWorkflow is one root, n-2 nodes reading it, and one node collecting all their outputs.
func fanOutWorkflow(n int) *corev1.WorkflowTemplate {
	ns := make([]*corev1.Node, 0, n)
	ns = append(ns, taskNode("root", "double", bind("x", in("x"))))
	items := make([]*corev1.BindingData, 0, n-2)
	for i := range n - 2 {
		id := fmt.Sprintf("n%d", i)
		ns = append(ns, taskNode(id, "double", bind("x", prom("root", "y"))))
		items = append(items, prom(id, "y"))
	}
	ns = append(ns, taskNode("sink", "total", bind("xs", bList(items...))))
	return workflow("fan", intIO, intO, ns, bind("result", prom("sink", "total")))
}

func TestLargeWorkflows(t *testing.T) {
	t.Parallel()
	for _, wf := range []*corev1.WorkflowTemplate{chainWorkflow(10_000), fanOutWorkflow(10_000)} {
		closure, err := CompileWorkflow(context.Background(), wf, nil, testResolver())
		require.NoError(t, err)
		require.Len(t, closure.GetPrimary().GetConnections().GetUpstream(), 10_001)
	}
	// A cycle closing a long chain is reported once, with its full path.
	wf := chainWorkflow(10_000)
	wf.Nodes[0].Inputs[0].Binding = prom("n9999", "y")
	_, err := CompileWorkflow(context.Background(), wf, nil, testResolver())
	var ce *CompileError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1)
	require.Equal(t, CodeCycle, ce.Problems[0].Code)
}

func BenchmarkCompileChain10k(b *testing.B) {
	benchmarkCompile(b, chainWorkflow(10_000))
}

func BenchmarkCompileFanOut10k(b *testing.B) {
	benchmarkCompile(b, fanOutWorkflow(10_000))
}

func benchmarkCompile(b *testing.B, wf *corev1.WorkflowTemplate) {
	r := testResolver()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompileWorkflow(ctx, wf, nil, r); err != nil {
			b.Fatal(err)
		}
	}
}
