package compiler

import (
	"context"
	"fmt"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Resolver looks up already-registered entities referenced by a workflow. A missing entity is
// reported by an error wrapping ErrNotFound (or by a nil result); any other error aborts the
// compilation.
type Resolver interface {
	// Task returns the template of a registered task.
	Task(ctx context.Context, id *corev1.Identifier) (*corev1.TaskTemplate, error)
	// LaunchPlanInterface returns the inputs a launch plan still expects and the outputs it produces.
	LaunchPlanInterface(ctx context.Context, id *corev1.Identifier) (*corev1.TypedInterface, error)
}

// LaunchPlan is what a LaunchPlanResolver knows about a registered launch plan.
type LaunchPlan struct {
	// ExpectedInputs are the inputs the launch plan still takes; those with a default (or
	// required=false) may be left unbound by a node that launches it.
	ExpectedInputs *corev1.ParameterMap
	// ExpectedOutputs are the outputs it produces.
	ExpectedOutputs *corev1.VariableMap
	// FixedInputs are the inputs the launch plan fixes; recorded in the compiled closure.
	FixedInputs *corev1.LiteralMap
}

// LaunchPlanResolver is an optional capability of a Resolver, found by type assertion. When the
// Resolver has it, the compiler uses it instead of LaunchPlanInterface: nodes that launch a
// launch plan may then omit inputs that have a default, and the closure records fixed inputs.
type LaunchPlanResolver interface {
	// LaunchPlan returns the expected inputs, outputs and fixed inputs of a launch plan.
	LaunchPlan(ctx context.Context, id *corev1.Identifier) (*LaunchPlan, error)
}

// StaticResolver resolves references from entities held in memory, for example the tasks of a
// dynamic job spec. The zero value resolves nothing.
type StaticResolver struct {
	tasks       map[string]*corev1.TaskTemplate
	launchPlans map[string]*corev1.LaunchPlanTemplate
}

var (
	_ Resolver           = (*StaticResolver)(nil)
	_ LaunchPlanResolver = (*StaticResolver)(nil)
)

// NewStaticResolver returns a resolver over the given tasks and launch plans, keyed by their ids
// (ignoring resource types). Later entries replace earlier ones with the same id.
func NewStaticResolver(tasks []*corev1.TaskTemplate, launchPlans []*corev1.LaunchPlanTemplate) *StaticResolver {
	r := &StaticResolver{
		tasks:       make(map[string]*corev1.TaskTemplate, len(tasks)),
		launchPlans: make(map[string]*corev1.LaunchPlanTemplate, len(launchPlans)),
	}
	for _, t := range tasks {
		if t != nil {
			r.tasks[idKey(t.GetId())] = t
		}
	}
	for _, lp := range launchPlans {
		if lp != nil {
			r.launchPlans[idKey(lp.GetId())] = lp
		}
	}
	return r
}

// Task returns the task with the id, or an error wrapping ErrNotFound.
func (r *StaticResolver) Task(_ context.Context, id *corev1.Identifier) (*corev1.TaskTemplate, error) {
	if t, ok := r.tasks[idKey(id)]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("task %s: %w", FormatID(id), ErrNotFound)
}

// LaunchPlanInterface returns the interface of the launch plan with the id, or an error
// wrapping ErrNotFound.
func (r *StaticResolver) LaunchPlanInterface(_ context.Context, id *corev1.Identifier) (*corev1.TypedInterface, error) {
	if lp, ok := r.launchPlans[idKey(id)]; ok {
		return lp.GetInterface(), nil
	}
	return nil, fmt.Errorf("launch plan %s: %w", FormatID(id), ErrNotFound)
}

// LaunchPlan returns the launch plan with the id; every input of its interface counts as
// required, since a LaunchPlanTemplate does not carry defaults.
func (r *StaticResolver) LaunchPlan(_ context.Context, id *corev1.Identifier) (*LaunchPlan, error) {
	lp, ok := r.launchPlans[idKey(id)]
	if !ok {
		return nil, fmt.Errorf("launch plan %s: %w", FormatID(id), ErrNotFound)
	}
	params := &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{}}
	for name, v := range lp.GetInterface().GetInputs().GetVariables() {
		params.Parameters[name] = &corev1.Parameter{Var: v, Behavior: &corev1.Parameter_Required{Required: true}}
	}
	return &LaunchPlan{
		ExpectedInputs:  params,
		ExpectedOutputs: lp.GetInterface().GetOutputs(),
		FixedInputs:     lp.GetFixedInputs(),
	}, nil
}

// idKey identifies an entity version regardless of the resource type set on the reference.
func idKey(id *corev1.Identifier) string {
	return id.GetProject() + "\x00" + id.GetDomain() + "\x00" + id.GetName() + "\x00" + id.GetVersion()
}

// FormatID renders an identifier as project/domain/name@version for messages.
func FormatID(id *corev1.Identifier) string {
	if id == nil {
		return "<missing id>"
	}
	return fmt.Sprintf("%s/%s/%s@%s", id.GetProject(), id.GetDomain(), id.GetName(), id.GetVersion())
}
