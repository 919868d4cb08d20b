package admin

import (
	"context"
	"fmt"
	"strings"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// TaskWorkflowPrefix starts the name of the workflow and launch plan the
// server generates to launch a single task, as in Flyte.
const TaskWorkflowPrefix = ".flytegen."

// maxNodeIDLength is the compiler's limit on node ids.
const maxNodeIDLength = 63

// TaskNodeID is the id of the one node of the workflow generated for a
// task: the task name with characters that node ids do not allow replaced
// by "-", at most 63 characters. `flyte-cli logs --node` takes it.
func TaskNodeID(task string) string {
	short := task
	if i := strings.LastIndexByte(short, '.'); i >= 0 && i < len(short)-1 {
		short = short[i+1:]
	}
	b := []byte(short)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			b[i] = '-'
		}
	}
	if len(b) > maxNodeIDLength {
		b = b[:maxNodeIDLength]
	}
	id := string(b)
	if id == "start-node" || id == "end-node" || id == "" {
		id = "task-" + id
	}
	return id
}

// taskLaunchPlan registers (idempotently) the workflow ".flytegen.<task>"
// with one node running the task, and a launch plan of the same name and
// version that passes every input through, then returns that launch plan.
// The task's version must be given: a single task has no active version.
func (s *Service) taskLaunchPlan(ctx context.Context, id *corev1.Identifier) (*adminv1.LaunchPlan, error) {
	const field = "spec.launch_plan"
	tid, err := s.checkEntityID(field, store.KindTask, id)
	if err != nil {
		return nil, err
	}
	e, err := s.getEntity(ctx, store.KindTask, tid)
	if err != nil {
		return nil, err
	}
	task, err := taskOf(e)
	if err != nil {
		return nil, err
	}
	tmpl := task.GetClosure().GetCompiledTask().GetTemplate()
	if tmpl == nil {
		return nil, fmt.Errorf("task %s: stored without a template", formatID(tid))
	}
	iface := tmpl.GetInterface()
	gen := store.EntityID{Project: tid.Project, Domain: tid.Domain, Name: TaskWorkflowPrefix + tid.Name, Version: tid.Version}
	if err := checkName(field+".name", gen.Name); err != nil {
		return nil, invalidArgf("%s", err)
	}
	nodeID := TaskNodeID(tid.Name)
	var bindings []*corev1.Binding
	for _, name := range sortedKeys(iface.GetInputs().GetVariables()) {
		bindings = append(bindings, &corev1.Binding{Var: name, Binding: &corev1.BindingData{
			Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: "start-node", Var: name}},
		}})
	}
	var outputs []*corev1.Binding
	for _, name := range sortedKeys(iface.GetOutputs().GetVariables()) {
		outputs = append(outputs, &corev1.Binding{Var: name, Binding: &corev1.BindingData{
			Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: nodeID, Var: name}},
		}})
	}
	wfID := identifierOf(store.KindWorkflow, gen)
	_, err = s.createWorkflow(ctx, &adminv1.WorkflowCreateRequest{
		Id: wfID,
		Spec: &adminv1.WorkflowSpec{
			Template: &corev1.WorkflowTemplate{
				Id:        wfID,
				Interface: iface,
				Nodes: []*corev1.Node{{
					Id:       nodeID,
					Metadata: &corev1.NodeMetadata{Name: tid.Name},
					Inputs:   bindings,
					Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{
						ReferenceId: identifierOf(store.KindTask, tid),
					}},
				}},
				Outputs: outputs,
			},
			Description: &adminv1.Description{ShortDescription: "runs task " + tid.Name + " alone"},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("generate workflow for task %s: %w", formatID(tid), err)
	}
	lpID := identifierOf(store.KindLaunchPlan, gen)
	_, err = s.createLaunchPlan(ctx, &adminv1.LaunchPlanCreateRequest{
		Id:   lpID,
		Spec: &adminv1.LaunchPlanSpec{WorkflowId: wfID},
	})
	if err != nil {
		return nil, fmt.Errorf("generate launch plan for task %s: %w", formatID(tid), err)
	}
	lp, err := s.getEntity(ctx, store.KindLaunchPlan, gen)
	if err != nil {
		return nil, err
	}
	return launchPlanOf(lp)
}
