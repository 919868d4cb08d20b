package admin

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

// CreateWorkflow compiles and registers a workflow version. The tasks and
// launch plans it references must be registered first.
func (s *Service) CreateWorkflow(ctx context.Context, req *connect.Request[adminv1.WorkflowCreateRequest]) (*connect.Response[adminv1.WorkflowCreateResponse], error) {
	return handle(ctx, s, req, s.createWorkflow)
}

func (s *Service) createWorkflow(ctx context.Context, req *adminv1.WorkflowCreateRequest) (*adminv1.WorkflowCreateResponse, error) {
	tmpl := req.GetSpec().GetTemplate()
	id, err := s.checkRegistration(ctx, store.KindWorkflow, req.GetId(), tmpl != nil, tmpl.GetId())
	if err != nil {
		return nil, err
	}
	tmpl = proto.CloneOf(tmpl)
	tmpl.Id = identifierOf(store.KindWorkflow, id)
	subs := make([]*corev1.WorkflowTemplate, len(req.GetSpec().GetSubWorkflows()))
	for i, sub := range req.GetSpec().GetSubWorkflows() {
		sub = proto.CloneOf(sub)
		if sub.GetId() != nil && sub.GetId().GetResourceType() == corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED {
			sub.Id.ResourceType = corev1.ResourceType_RESOURCE_TYPE_WORKFLOW
		}
		subs[i] = sub
	}
	closure, err := compiler.CompileWorkflow(ctx, tmpl, subs, &resolver{store: s.store})
	if err != nil {
		return nil, fmt.Errorf("workflow %s does not compile: %w", formatID(id), err)
	}
	now := s.now()
	wf := &adminv1.Workflow{
		Id: identifierOf(store.KindWorkflow, id),
		Closure: &adminv1.WorkflowClosure{
			CompiledWorkflow: closure,
			CreatedAt:        timestamppb.New(now),
		},
		ShortDescription: req.GetSpec().GetDescription().GetShortDescription(),
		Description:      req.GetSpec().GetDescription(),
	}
	err = s.register(ctx, &registration{
		kind:   store.KindWorkflow,
		id:     id,
		spec:   workflowSpecOf(wf),
		body:   wf,
		now:    now,
		specOf: storedWorkflowSpec,
	})
	if err != nil {
		return nil, err
	}
	return &adminv1.WorkflowCreateResponse{}, nil
}

// workflowSpecOf is the spec that identifies a compiled workflow: its
// template, the sub-workflows it uses (in the compiler's order, so neither
// their order in the request nor unused ones change the identity) and its
// description.
func workflowSpecOf(wf *adminv1.Workflow) *adminv1.WorkflowSpec {
	c := wf.GetClosure().GetCompiledWorkflow()
	spec := &adminv1.WorkflowSpec{Template: c.GetPrimary().GetTemplate(), Description: wf.GetDescription()}
	for _, sub := range c.GetSubWorkflows() {
		spec.SubWorkflows = append(spec.SubWorkflows, sub.GetTemplate())
	}
	return spec
}

// storedWorkflowSpec rebuilds the spec of a stored workflow.
func storedWorkflowSpec(body []byte) (proto.Message, error) {
	var wf adminv1.Workflow
	if err := proto.Unmarshal(body, &wf); err != nil {
		return nil, err
	}
	return workflowSpecOf(&wf), nil
}

// GetWorkflow gets a workflow version with its compiled closure.
func (s *Service) GetWorkflow(ctx context.Context, req *connect.Request[adminv1.ObjectGetRequest]) (*connect.Response[adminv1.Workflow], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ObjectGetRequest) (*adminv1.Workflow, error) {
		return getVersion(ctx, s, store.KindWorkflow, req.GetId(), workflowOf)
	})
}

// workflowOf decodes a stored workflow.
func workflowOf(e *store.Entity) (*adminv1.Workflow, error) {
	wf := &adminv1.Workflow{}
	if err := unmarshalBody(e, wf); err != nil {
		return nil, err
	}
	if wf.Closure == nil {
		wf.Closure = &adminv1.WorkflowClosure{}
	}
	wf.Closure.CreatedAt = timestamppb.New(e.CreatedAt)
	return wf, nil
}

// ListWorkflows lists workflow versions in a project and domain, optionally
// of one name; newest first unless sort_by says otherwise.
func (s *Service) ListWorkflows(ctx context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.WorkflowList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ResourceListRequest) (*adminv1.WorkflowList, error) {
		page, err := s.listEntities(ctx, store.KindWorkflow, req)
		if err != nil {
			return nil, err
		}
		workflows, err := decodeAll(page.Items, workflowOf)
		return &adminv1.WorkflowList{Workflows: workflows, Token: page.NextToken}, err
	})
}

// ListWorkflowIds lists the workflow names of a project and domain.
func (s *Service) ListWorkflowIds(ctx context.Context, req *connect.Request[adminv1.NamedEntityIdentifierListRequest]) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
		return s.listIDs(ctx, store.KindWorkflow, req)
	})
}

// resolver finds the tasks and launch plans a workflow references in the
// store. A reference that is not registered (or not complete enough to
// look up) wraps compiler.ErrNotFound, so the compiler reports the node and
// the reference.
type resolver struct {
	store store.Store
}

var (
	_ compiler.Resolver           = (*resolver)(nil)
	_ compiler.LaunchPlanResolver = (*resolver)(nil)
)

func (r *resolver) get(ctx context.Context, kind store.Kind, id *corev1.Identifier) (*store.Entity, error) {
	eid := store.EntityID{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName(), Version: id.GetVersion()}
	if eid.Project == "" || eid.Domain == "" || eid.Name == "" || eid.Version == "" {
		return nil, fmt.Errorf("%s %s is not a complete identifier: %w", kind, compiler.FormatID(id), compiler.ErrNotFound)
	}
	e, err := r.store.EntityGet(ctx, store.EntityGetParams{Kind: kind, ID: eid})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s %s is not registered: %w", kind, compiler.FormatID(id), compiler.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s %s: %w", kind, compiler.FormatID(id), err)
	}
	return e, nil
}

// Task returns the template of a registered task.
func (r *resolver) Task(ctx context.Context, id *corev1.Identifier) (*corev1.TaskTemplate, error) {
	e, err := r.get(ctx, store.KindTask, id)
	if err != nil {
		return nil, err
	}
	t, err := taskOf(e)
	if err != nil {
		return nil, err
	}
	return t.GetClosure().GetCompiledTask().GetTemplate(), nil
}

// LaunchPlanInterface returns the inputs a registered launch plan expects
// and the outputs it produces.
func (r *resolver) LaunchPlanInterface(ctx context.Context, id *corev1.Identifier) (*corev1.TypedInterface, error) {
	lp, err := r.LaunchPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	inputs := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for name, p := range lp.ExpectedInputs.GetParameters() {
		inputs.Variables[name] = p.GetVar()
	}
	return &corev1.TypedInterface{Inputs: inputs, Outputs: lp.ExpectedOutputs}, nil
}

// LaunchPlan returns the expected inputs, outputs and fixed inputs of a
// registered launch plan.
func (r *resolver) LaunchPlan(ctx context.Context, id *corev1.Identifier) (*compiler.LaunchPlan, error) {
	e, err := r.get(ctx, store.KindLaunchPlan, id)
	if err != nil {
		return nil, err
	}
	lp, err := launchPlanOf(e)
	if err != nil {
		return nil, err
	}
	return &compiler.LaunchPlan{
		ExpectedInputs:  lp.GetClosure().GetExpectedInputs(),
		ExpectedOutputs: lp.GetClosure().GetExpectedOutputs(),
		FixedInputs:     lp.GetSpec().GetFixedInputs(),
	}, nil
}
