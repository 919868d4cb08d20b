package propeller_test

import (
	"testing"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/stretchr/testify/require"
)

func mapWorkflow(task *corev1.TaskTemplate, ratio float32) *corev1.WorkflowTemplate {
	sub := &corev1.Node{Id: "m", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: task.GetId()}}}
	arr := &corev1.Node{Id: "arr", Inputs: []*corev1.Binding{bind("x", promise("start-node", "xs"))},
		Target: &corev1.Node_ArrayNode{ArrayNode: &corev1.ArrayNode{Node: sub, SuccessCriteria: &corev1.ArrayNode_MinSuccessRatio{MinSuccessRatio: ratio}}}}
	return &corev1.WorkflowTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "p", Domain: "d", Name: "mapper", Version: "v1"},
		Metadata:  &corev1.WorkflowMetadata{},
		Interface: &corev1.TypedInterface{Inputs: vars("xs", listOf(intType)), Outputs: vars("ys", listOf(intType))},
		Nodes:     []*corev1.Node{arr},
		Outputs:   []*corev1.Binding{bind("ys", promise("arr", "x"))},
	}
}

func intList(vs ...int64) *corev1.Literal {
	c := &corev1.LiteralCollection{}
	for _, v := range vs {
		c.Literals = append(c.Literals, intLit(v))
	}
	return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: c}}
}

func TestMapMinSuccessRatio(t *testing.T) {
	t.Parallel()
	e := setup(t)
	task := scriptTask("t", 0, 0)
	wf := e.register(mapWorkflow(task, 0.5), nil, task)
	e.script.set("arr-1", "fatal")
	e.launch("ex1", wf, inputs("xs", intList(1, 2, 3, 4)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	got := e.outputs(x).GetLiterals()["ys"].GetCollection().GetLiterals()
	require.Len(t, got, 4)
	require.Equal(t, int64(1), got[0].GetScalar().GetPrimitive().GetInteger())
	require.NotNil(t, got[1].GetScalar().GetNoneType(), "a failed element yields none")
	require.Equal(t, int64(4), got[3].GetScalar().GetPrimitive().GetInteger())

	e.script.set("arr-*", "fatal")
	e.launch("ex2", wf, inputs("xs", intList(1, 2, 3, 4)), nil)
	x = e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_FAILED)
	require.Contains(t, e.execError(x).GetMessage(), "elements succeeded")
}
