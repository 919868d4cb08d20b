package propeller

import (
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// eventExec builds an execution phase-change event.
type eventExec struct {
	id        *corev1.WorkflowExecutionIdentifier
	phase     corev1.WorkflowExecution_Phase
	at        time.Time
	producer  string
	err       *corev1.ExecutionError
	outputURI string
	// outputData are the outputs when they are kept inline.
	outputData *corev1.LiteralMap
}

func (ev *eventExec) marshal() []byte {
	e := &eventv1.WorkflowExecutionEvent{ExecutionId: ev.id, ProducerId: ev.producer, Phase: ev.phase, OccurredAt: timestamppb.New(ev.at)}
	switch {
	case ev.outputURI != "":
		e.OutputResult = &eventv1.WorkflowExecutionEvent_OutputUri{OutputUri: ev.outputURI}
	case ev.outputData != nil:
		e.OutputResult = &eventv1.WorkflowExecutionEvent_OutputData{OutputData: ev.outputData}
	case ev.err != nil && (ev.phase == corev1.WorkflowExecution_PHASE_FAILED || ev.phase == corev1.WorkflowExecution_PHASE_FAILING):
		e.OutputResult = &eventv1.WorkflowExecutionEvent_Error{Error: ev.err}
	}
	return marshal(e)
}

// eventNode builds a node phase-change event.
type eventNode struct {
	exec     *corev1.WorkflowExecutionIdentifier
	node     *store.NodeExecution
	phase    corev1.NodeExecution_Phase
	at       time.Time
	producer string
	err      *corev1.ExecutionError
	// outputData are the outputs when they are kept inline.
	outputData *corev1.LiteralMap
	// dynamic says the node's task generated a workflow (its children).
	dynamic bool
	// taskMeta is the cache status of a cached task node (cacheEventMeta).
	taskMeta *eventv1.TaskNodeMetadata
	// parentTask is the attempt of a dynamic task that generated the node.
	parentTask *corev1.TaskExecutionIdentifier
}

func (ev *eventNode) marshal() []byte {
	n := ev.node
	e := &eventv1.NodeExecutionEvent{
		Id:         &corev1.NodeExecutionIdentifier{NodeId: n.NodeID, ExecutionId: ev.exec},
		ProducerId: ev.producer, Phase: ev.phase, OccurredAt: timestamppb.New(ev.at),
		SpecNodeId: n.SpecNodeID, ReportedAt: timestamppb.New(ev.at),
	}
	if n.InputURI != "" {
		e.InputValue = &eventv1.NodeExecutionEvent_InputUri{InputUri: n.InputURI}
	}
	if n.ParentNodeID != "" {
		e.ParentNodeMetadata = &eventv1.ParentNodeExecutionMetadata{NodeId: n.ParentNodeID}
	}
	if ev.parentTask != nil {
		e.ParentTaskMetadata = &eventv1.ParentTaskExecutionMetadata{Id: ev.parentTask}
	}
	if ev.dynamic {
		e.IsDynamic, e.IsParent = true, true
	}
	if ev.taskMeta != nil {
		e.TargetMetadata = &eventv1.NodeExecutionEvent_TaskNodeMetadata{TaskNodeMetadata: ev.taskMeta}
	}
	switch {
	case ev.err != nil:
		e.OutputResult = &eventv1.NodeExecutionEvent_Error{Error: ev.err}
	case n.OutputURI != "" && nodeSucceeded(int32(ev.phase)):
		e.OutputResult = &eventv1.NodeExecutionEvent_OutputUri{OutputUri: n.OutputURI}
	case ev.outputData != nil && nodeSucceeded(int32(ev.phase)):
		e.OutputResult = &eventv1.NodeExecutionEvent_OutputData{OutputData: ev.outputData}
	}
	return marshal(e)
}

// taskEvent builds a task attempt phase-change event.
func taskEvent(exec *corev1.WorkflowExecutionIdentifier, te *store.TaskExecution, taskType, inputURI, outputURI, producer string, logs []*corev1.TaskLog, execErr *corev1.ExecutionError, at time.Time) []byte {
	e := &eventv1.TaskExecutionEvent{
		TaskId:                &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: te.Task.Project, Domain: te.Task.Domain, Name: te.Task.Name, Version: te.Task.Version},
		ParentNodeExecutionId: &corev1.NodeExecutionIdentifier{NodeId: te.NodeID, ExecutionId: exec},
		RetryAttempt:          uint32(te.RetryAttempt),
		Phase:                 corev1.TaskExecution_Phase(te.Phase),
		ProducerId:            producer,
		Logs:                  logs,
		OccurredAt:            timestamppb.New(at),
		PhaseVersion:          uint32(te.PhaseVersion),
		TaskType:              taskType,
		ReportedAt:            timestamppb.New(at),
	}
	if inputURI != "" {
		e.InputValue = &eventv1.TaskExecutionEvent_InputUri{InputUri: inputURI}
	}
	switch {
	case execErr != nil:
		e.OutputResult = &eventv1.TaskExecutionEvent_Error{Error: execErr}
	case outputURI != "":
		e.OutputResult = &eventv1.TaskExecutionEvent_OutputUri{OutputUri: outputURI}
	}
	return marshal(e)
}
