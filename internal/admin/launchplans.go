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

// CreateLaunchPlan registers a launch plan version of a registered workflow
// in the same project and domain. New versions start inactive.
func (s *Service) CreateLaunchPlan(ctx context.Context, req *connect.Request[adminv1.LaunchPlanCreateRequest]) (*connect.Response[adminv1.LaunchPlanCreateResponse], error) {
	return handle(ctx, s, req, s.createLaunchPlan)
}

func (s *Service) createLaunchPlan(ctx context.Context, req *adminv1.LaunchPlanCreateRequest) (*adminv1.LaunchPlanCreateResponse, error) {
	id, err := s.checkEntityID("id", store.KindLaunchPlan, req.GetId())
	if err != nil {
		return nil, err
	}
	if req.GetSpec() == nil {
		return nil, invalidArgf("spec: required")
	}
	spec := proto.CloneOf(req.GetSpec())
	wfID, err := checkLaunchPlanWorkflowID(spec.GetWorkflowId(), id)
	if err != nil {
		return nil, err
	}
	spec.WorkflowId = identifierOf(store.KindWorkflow, wfID)
	if err := checkLaunchPlanSpec(spec); err != nil {
		return nil, err
	}
	if _, err := s.requireProject(ctx, id.Project, true); err != nil {
		return nil, err
	}
	wfEntity, err := s.store.EntityGet(ctx, store.EntityGetParams{Kind: store.KindWorkflow, ID: wfID})
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidArgf("spec.workflow_id: workflow %s is not registered; register it before its launch plans", formatID(wfID))
	}
	if err != nil {
		return nil, fmt.Errorf("get workflow %s: %w", formatID(wfID), err)
	}
	wf, err := workflowOf(wfEntity)
	if err != nil {
		return nil, err
	}
	iface := wf.GetClosure().GetCompiledWorkflow().GetPrimary().GetTemplate().GetInterface()
	expectedInputs, expectedOutputs, err := compiler.CompileLaunchPlan(iface, spec.GetDefaultInputs(), spec.GetFixedInputs())
	if err != nil {
		return nil, fmt.Errorf("launch plan %s does not fit workflow %s: %w", formatID(id), formatID(wfID), err)
	}
	var schedule []byte
	if sched := spec.GetEntityMetadata().GetSchedule(); sched != nil {
		if err := checkSchedule("spec.entity_metadata.schedule", sched, expectedInputs); err != nil {
			return nil, err
		}
		if schedule, err = (proto.MarshalOptions{Deterministic: true}).Marshal(sched); err != nil {
			return nil, fmt.Errorf("marshal schedule: %w", err)
		}
	}
	now := s.now()
	created := timestamppb.New(now)
	lp := &adminv1.LaunchPlan{
		Id:   identifierOf(store.KindLaunchPlan, id),
		Spec: spec,
		Closure: &adminv1.LaunchPlanClosure{
			State:           adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE,
			ExpectedInputs:  expectedInputs,
			ExpectedOutputs: expectedOutputs,
			CreatedAt:       created,
			UpdatedAt:       created,
		},
	}
	err = s.register(ctx, &registration{
		kind:            store.KindLaunchPlan,
		id:              id,
		spec:            spec,
		body:            lp,
		workflowName:    wfID.Name,
		workflowVersion: wfID.Version,
		schedule:        schedule,
		now:             now,
		specOf:          storedLaunchPlanSpec,
	})
	if err != nil {
		return nil, err
	}
	return &adminv1.LaunchPlanCreateResponse{}, nil
}

// checkLaunchPlanWorkflowID validates the workflow a launch plan launches,
// which must be in the launch plan's project and domain.
func checkLaunchPlanWorkflowID(wf *corev1.Identifier, lp store.EntityID) (store.EntityID, error) {
	const field = "spec.workflow_id"
	if wf == nil {
		return store.EntityID{}, invalidArgf("%s: required", field)
	}
	var ps problems
	if rt := wf.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != corev1.ResourceType_RESOURCE_TYPE_WORKFLOW {
		ps.addf(field+".resource_type", "must be %s, got %s", corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, rt)
	}
	if wf.GetProject() != lp.Project || wf.GetDomain() != lp.Domain {
		ps.addf(field, "workflow %s/%s must be in the launch plan's project and domain %s/%s", wf.GetProject(), wf.GetDomain(), lp.Project, lp.Domain)
	}
	ps.add(checkName(field+".name", wf.GetName()))
	ps.add(checkVersion(field+".version", wf.GetVersion()))
	if err := ps.err(); err != nil {
		return store.EntityID{}, err
	}
	return store.EntityID{Project: lp.Project, Domain: lp.Domain, Name: wf.GetName(), Version: wf.GetVersion()}, nil
}

// storedLaunchPlanSpec returns the spec of a stored launch plan.
func storedLaunchPlanSpec(body []byte) (proto.Message, error) {
	var lp adminv1.LaunchPlan
	if err := proto.Unmarshal(body, &lp); err != nil {
		return nil, err
	}
	if lp.Spec == nil {
		return &adminv1.LaunchPlanSpec{}, nil
	}
	return lp.Spec, nil
}

// launchPlanOf decodes a stored launch plan with its current state.
func launchPlanOf(e *store.Entity) (*adminv1.LaunchPlan, error) {
	lp := &adminv1.LaunchPlan{}
	if err := unmarshalBody(e, lp); err != nil {
		return nil, err
	}
	if lp.Closure == nil {
		lp.Closure = &adminv1.LaunchPlanClosure{}
	}
	lp.Closure.State = adminv1.LaunchPlanState(e.State)
	lp.Closure.CreatedAt = timestamppb.New(e.CreatedAt)
	lp.Closure.UpdatedAt = timestamppb.New(e.UpdatedAt)
	return lp, nil
}

// GetLaunchPlan gets a launch plan version.
func (s *Service) GetLaunchPlan(ctx context.Context, req *connect.Request[adminv1.ObjectGetRequest]) (*connect.Response[adminv1.LaunchPlan], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ObjectGetRequest) (*adminv1.LaunchPlan, error) {
		return getVersion(ctx, s, store.KindLaunchPlan, req.GetId(), launchPlanOf)
	})
}

// GetActiveLaunchPlan gets the active version of a launch plan name.
func (s *Service) GetActiveLaunchPlan(ctx context.Context, req *connect.Request[adminv1.ActiveLaunchPlanRequest]) (*connect.Response[adminv1.LaunchPlan], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ActiveLaunchPlanRequest) (*adminv1.LaunchPlan, error) {
		id, err := s.checkNamedEntityID("id", req.GetId())
		if err != nil {
			return nil, err
		}
		e, err := s.store.LaunchPlanGetActive(ctx, store.LaunchPlanGetActiveParams{ID: id})
		if errors.Is(err, store.ErrNotFound) {
			return nil, s.notFound(ctx, id.Project, notFoundf("launch plan %s has no active version", id))
		}
		if err != nil {
			return nil, fmt.Errorf("get active launch plan %s: %w", id, err)
		}
		return launchPlanOf(e)
	})
}

// ListActiveLaunchPlans lists the active launch plans of a project and
// domain, by name unless sort_by says otherwise.
func (s *Service) ListActiveLaunchPlans(ctx context.Context, req *connect.Request[adminv1.ActiveLaunchPlanListRequest]) (*connect.Response[adminv1.LaunchPlanList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ActiveLaunchPlanListRequest) (*adminv1.LaunchPlanList, error) {
		if err := s.checkScope("project", req.GetProject(), "domain", req.GetDomain()); err != nil {
			return nil, err
		}
		params := listParams(req.GetLimit(), req.GetToken(), "", req.GetSortBy(), defaultByName)
		params.Project, params.Domain = req.GetProject(), req.GetDomain()
		page, err := s.store.LaunchPlanListActive(ctx, store.LaunchPlanListActiveParams{ListParams: params})
		if err != nil {
			return nil, fmt.Errorf("list active launch plans: %w", err)
		}
		if err := s.checkEmptyList(ctx, req.GetProject(), len(page.Items)); err != nil {
			return nil, err
		}
		return launchPlanList(page)
	})
}

// ListLaunchPlans lists launch plan versions in a project and domain,
// optionally of one name; newest first unless sort_by says otherwise.
func (s *Service) ListLaunchPlans(ctx context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.LaunchPlanList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ResourceListRequest) (*adminv1.LaunchPlanList, error) {
		page, err := s.listEntities(ctx, store.KindLaunchPlan, req)
		if err != nil {
			return nil, err
		}
		return launchPlanList(page)
	})
}

func launchPlanList(page *store.Page[*store.Entity]) (*adminv1.LaunchPlanList, error) {
	lps, err := decodeAll(page.Items, launchPlanOf)
	return &adminv1.LaunchPlanList{LaunchPlans: lps, Token: page.NextToken}, err
}

// ListLaunchPlanIds lists the launch plan names of a project and domain.
func (s *Service) ListLaunchPlanIds(ctx context.Context, req *connect.Request[adminv1.NamedEntityIdentifierListRequest]) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
		return s.listIDs(ctx, store.KindLaunchPlan, req)
	})
}

// UpdateLaunchPlan activates or deactivates a launch plan version.
// Activating one deactivates the other versions of its name; activation
// needs an active project.
func (s *Service) UpdateLaunchPlan(ctx context.Context, req *connect.Request[adminv1.LaunchPlanUpdateRequest]) (*connect.Response[adminv1.LaunchPlanUpdateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.LaunchPlanUpdateRequest) (*adminv1.LaunchPlanUpdateResponse, error) {
		id, err := s.checkEntityID("id", store.KindLaunchPlan, req.GetId())
		if err != nil {
			return nil, err
		}
		var state store.LaunchPlanState
		switch req.GetState() {
		case adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE:
			state = store.LaunchPlanStateActive
		case adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE:
			state = store.LaunchPlanStateInactive
		default:
			return nil, invalidArgf("state: must be %s or %s, got %s", adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE,
				adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE, req.GetState())
		}
		if _, err := s.requireProject(ctx, id.Project, state == store.LaunchPlanStateActive); err != nil {
			return nil, err
		}
		_, err = s.store.LaunchPlanSetState(ctx, store.LaunchPlanSetStateParams{ID: id, State: state, Now: s.now()})
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFoundf("launch plan %s not found", formatID(id))
		}
		if err != nil {
			return nil, fmt.Errorf("set state of launch plan %s: %w", formatID(id), err)
		}
		return &adminv1.LaunchPlanUpdateResponse{}, nil
	})
}
