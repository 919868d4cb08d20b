package propeller_test

import (
	"fmt"
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// BenchmarkChain1000Echo runs a chain of 1,000 echoing task nodes and
// reports the orchestration overhead per node.
func BenchmarkChain1000Echo(b *testing.B) {
	e := setup(b)
	task := scriptTask("t", 0, 0)
	nodes := []*corev1.Node{taskNode("n0", task, "start-node")}
	for i := 1; i < 1000; i++ {
		nodes = append(nodes, taskNode(fmt.Sprintf("n%d", i), task, fmt.Sprintf("n%d", i-1)))
	}
	wf := e.register(workflow("chain1000", "n999", nodes...), nil, task)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("ex%d", i)
		e.launch(name, wf, inputs("x", intLit(1)), nil)
		e.waitPhase(name, corev1.WorkflowExecution_PHASE_SUCCEEDED)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N*1000), "ms/node")
}
