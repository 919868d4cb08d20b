package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

func gt(v int64) *corev1.BooleanExpression {
	return &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Comparison{Comparison: &corev1.ComparisonExpression{
		Operator:   corev1.ComparisonExpression_OPERATOR_GT,
		LeftValue:  &corev1.Operand{Val: &corev1.Operand_Var{Var: "x"}},
		RightValue: &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: v}}}},
	}}}
}

func branchWorkflow(task *corev1.TaskTemplate, withElse bool) *corev1.WorkflowTemplate {
	ie := &corev1.IfElseBlock{Case: &corev1.IfBlock{Condition: gt(10), ThenNode: taskNode("big", task, "start-node")}}
	if withElse {
		ie.Default = &corev1.IfElseBlock_ElseNode{ElseNode: taskNode("small", task, "start-node")}
	} else {
		ie.Default = &corev1.IfElseBlock_Error{Error: &corev1.Error{FailedNodeId: "br", Message: "x too small"}}
	}
	br := &corev1.Node{Id: "br", Inputs: []*corev1.Binding{bind("x", promise("start-node", "x"))},
		Target: &corev1.Node_BranchNode{BranchNode: &corev1.BranchNode{IfElse: ie}}}
	return workflow("branchy", "br", br)
}

func TestBranchRunsChosenCase(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(branchWorkflow(task, true), nil, task)

	e.launch("big", wf, inputs("x", intLit(42)), nil)
	x := e.waitPhase("big", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, map[string]string{"br": "SUCCEEDED", "br-big": "SUCCEEDED"}, e.nodePhases(x))
	require.Empty(t, cmp.Diff(inputs("y", intLit(42)), e.outputs(x), protocmp.Transform()))

	e.launch("small", wf, inputs("x", intLit(1)), nil)
	x = e.waitPhase("small", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, map[string]string{"br": "SUCCEEDED", "br-small": "SUCCEEDED"}, e.nodePhases(x))
}

func TestBranchWithoutMatchFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(branchWorkflow(task, false), nil, task)
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)
	require.Contains(t, e.execError(x).GetMessage(), "x too small")
}
