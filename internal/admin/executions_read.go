package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

// phaseName is an execution phase without the enum prefix ("SUCCEEDED").
func phaseName(p store.ExecutionPhase) string {
	return strings.TrimPrefix(corev1.WorkflowExecution_Phase(p).String(), "PHASE_")
}

// checkExecutionID validates an execution identifier and converts it.
func (s *Service) checkExecutionID(field string, id *corev1.WorkflowExecutionIdentifier) (store.ExecutionID, error) {
	var ps problems
	if id == nil {
		ps.addf(field, "required")
		return store.ExecutionID{}, ps.err()
	}
	ps.add(checkProjectID(field+".project", id.GetProject()))
	ps.add(s.checkDomain(field+".domain", id.GetDomain()))
	if id.GetName() == "" {
		ps.addf(field+".name", "required")
	} else {
		ps.add(checkExecutionName(field+".name", id.GetName()))
	}
	if err := ps.err(); err != nil {
		return store.ExecutionID{}, err
	}
	return store.ExecutionID{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName()}, nil
}

// getExecution validates id and reads the execution, with a NotFound error
// naming it.
func (s *Service) getExecution(ctx context.Context, field string, pid *corev1.WorkflowExecutionIdentifier) (*store.Execution, error) {
	if err := s.executionsReady(); err != nil {
		return nil, err
	}
	id, err := s.checkExecutionID(field, pid)
	if err != nil {
		return nil, err
	}
	e, err := s.execs.ExecutionGet(ctx, store.ExecutionGetParams{ID: id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.notFound(ctx, id.Project, notFoundf("execution %s not found", formatExecID(id)))
	}
	if err != nil {
		return nil, fmt.Errorf("get execution %s: %w", formatExecID(id), err)
	}
	return e, nil
}

// executionOf converts a stored execution to the API. The row's columns
// (phase, times, state, abort request) are authoritative over the stored
// closure, which the engine rewrites only with its rounds.
func executionOf(e *store.Execution) (*adminv1.Execution, error) {
	spec := &adminv1.ExecutionSpec{}
	if err := proto.Unmarshal(e.Spec, spec); err != nil {
		return nil, fmt.Errorf("decode spec of execution %s: %w", formatExecID(e.ID), err)
	}
	c := &adminv1.ExecutionClosure{}
	if err := proto.Unmarshal(e.Closure, c); err != nil {
		return nil, fmt.Errorf("decode closure of execution %s: %w", formatExecID(e.ID), err)
	}
	c.Phase = corev1.WorkflowExecution_Phase(e.Phase)
	c.CreatedAt = timestamppb.New(e.CreatedAt)
	c.UpdatedAt = timestamppb.New(e.UpdatedAt)
	if e.StartedAt != nil {
		c.StartedAt = timestamppb.New(*e.StartedAt)
		if e.EndedAt != nil {
			c.Duration = durationpb.New(e.EndedAt.Sub(*e.StartedAt))
		}
	}
	if c.WorkflowId == nil {
		c.WorkflowId = identifierOf(store.KindWorkflow, e.Workflow)
	}
	if e.Phase == store.ExecutionPhase(corev1.WorkflowExecution_PHASE_ABORTED) && c.OutputResult == nil {
		c.OutputResult = &adminv1.ExecutionClosure_AbortMetadata{AbortMetadata: &adminv1.AbortMetadata{
			Cause: e.AbortCause, Principal: e.AbortPrincipal,
		}}
	}
	if e.State == store.ExecutionStateArchived && c.StateChangeDetails == nil {
		c.StateChangeDetails = &adminv1.ExecutionStateChangeDetails{
			State: adminv1.ExecutionState_EXECUTION_STATE_ARCHIVED, OccurredAt: timestamppb.New(e.UpdatedAt),
		}
	}
	return &adminv1.Execution{Id: executionID(e.ID), Spec: spec, Closure: c}, nil
}

// GetExecution gets an execution with its current status.
func (s *Service) GetExecution(ctx context.Context, req *connect.Request[adminv1.WorkflowExecutionGetRequest]) (*connect.Response[adminv1.Execution], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.WorkflowExecutionGetRequest) (*adminv1.Execution, error) {
		e, err := s.getExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		return executionOf(e)
	})
}

// ListExecutions lists the executions of a project and domain, newest
// first unless sort_by says otherwise. Filters: phase, workflow.name,
// launch_plan.name, mode, state, created_at, updated_at; archived
// executions are listed only when a filter on state asks for them.
func (s *Service) ListExecutions(ctx context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.ExecutionList], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.ResourceListRequest) (*adminv1.ExecutionList, error) {
		if err := s.executionsReady(); err != nil {
			return nil, err
		}
		if err := s.checkScope("id.project", r.GetId().GetProject(), "id.domain", r.GetId().GetDomain()); err != nil {
			return nil, err
		}
		params := listParams(r.GetLimit(), r.GetToken(), r.GetFilters(), r.GetSortBy(), defaultNewest)
		params.Project, params.Domain, params.Name = r.GetId().GetProject(), r.GetId().GetDomain(), r.GetId().GetName()
		page, err := s.execs.ExecutionList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list executions: %w", err)
		}
		if err := s.checkEmptyList(ctx, r.GetId().GetProject(), len(page.Items)); err != nil {
			return nil, err
		}
		out := &adminv1.ExecutionList{Token: page.NextToken}
		for _, e := range page.Items {
			x, err := executionOf(e)
			if err != nil {
				return nil, err
			}
			out.Executions = append(out.Executions, x)
		}
		return out, nil
	})
}

// UpdateExecution archives an execution or makes it active again.
func (s *Service) UpdateExecution(ctx context.Context, req *connect.Request[adminv1.ExecutionUpdateRequest]) (*connect.Response[adminv1.ExecutionUpdateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.ExecutionUpdateRequest) (*adminv1.ExecutionUpdateResponse, error) {
		var state store.ExecutionState
		switch r.GetState() {
		case adminv1.ExecutionState_EXECUTION_STATE_ACTIVE:
			state = store.ExecutionStateActive
		case adminv1.ExecutionState_EXECUTION_STATE_ARCHIVED:
			state = store.ExecutionStateArchived
		default:
			return nil, invalidArgf("state: must be %s or %s, got %s", adminv1.ExecutionState_EXECUTION_STATE_ACTIVE,
				adminv1.ExecutionState_EXECUTION_STATE_ARCHIVED, r.GetState())
		}
		e, err := s.getExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		if _, err := s.execs.ExecutionSetState(ctx, store.ExecutionSetStateParams{ID: e.ID, State: state, Now: s.now()}); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, notFoundf("execution %s not found", formatExecID(e.ID))
			}
			return nil, fmt.Errorf("set state of execution %s: %w", formatExecID(e.ID), err)
		}
		return &adminv1.ExecutionUpdateResponse{}, nil
	})
}

// TerminateExecution requests that a running execution be aborted; the
// engine aborts its running attempts and ends it ABORTED with the cause.
func (s *Service) TerminateExecution(ctx context.Context, req *connect.Request[adminv1.ExecutionTerminateRequest]) (*connect.Response[adminv1.ExecutionTerminateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.ExecutionTerminateRequest) (*adminv1.ExecutionTerminateResponse, error) {
		if err := checkText("cause", r.GetCause(), MaxDescriptionLength); err != nil {
			return nil, invalidArgf("%s", err)
		}
		e, err := s.getExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		if store.ExecutionTerminal(e.Phase) {
			return nil, failedPreconditionf("execution %s already finished (%s)", formatExecID(e.ID), phaseName(e.Phase))
		}
		cause := r.GetCause()
		if cause == "" {
			cause = "terminated by " + defaultPrincipal
		}
		_, err = s.execs.ExecutionRequestAbort(ctx, store.ExecutionRequestAbortParams{
			ID: e.ID, Cause: cause, Principal: defaultPrincipal, Now: s.now(),
		})
		if errors.Is(err, store.ErrTerminal) {
			// It finished between the read and the request.
			if cur, gerr := s.execs.ExecutionGet(ctx, store.ExecutionGetParams{ID: e.ID}); gerr == nil {
				return nil, failedPreconditionf("execution %s already finished (%s)", formatExecID(e.ID), phaseName(cur.Phase))
			}
			return nil, failedPreconditionf("execution %s already finished", formatExecID(e.ID))
		}
		if err != nil {
			return nil, fmt.Errorf("terminate execution %s: %w", formatExecID(e.ID), err)
		}
		return &adminv1.ExecutionTerminateResponse{}, nil
	})
}

// GetExecutionData returns the inputs and, once written, the outputs of an
// execution, read from the blob store.
func (s *Service) GetExecutionData(ctx context.Context, req *connect.Request[adminv1.WorkflowExecutionGetDataRequest]) (*connect.Response[adminv1.WorkflowExecutionGetDataResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.WorkflowExecutionGetDataRequest) (*adminv1.WorkflowExecutionGetDataResponse, error) {
		e, err := s.getExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		x, err := executionOf(e)
		if err != nil {
			return nil, err
		}
		out := &adminv1.WorkflowExecutionGetDataResponse{}
		if out.Inputs, out.FullInputs, err = s.readLiteralMap(ctx, e.InputsURI); err != nil {
			return nil, err
		}
		c := x.GetClosure()
		switch {
		case c.GetOutputData() != nil:
			out.FullOutputs = c.GetOutputData()
		case c.GetOutputUri() != "":
			if out.Outputs, out.FullOutputs, err = s.readLiteralMap(ctx, c.GetOutputUri()); err != nil {
				return nil, err
			}
		case e.Phase == store.ExecutionPhase(corev1.WorkflowExecution_PHASE_SUCCEEDED):
			if out.Outputs, out.FullOutputs, err = s.readLiteralMap(ctx, s.blobs.URL(outputsKey(e.ID))); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

// readLiteralMap reads a LiteralMap from the blob store by URI. A missing
// object or an empty URI yields nothing, not an error: data appears as the
// engine writes it.
func (s *Service) readLiteralMap(ctx context.Context, uri string) (*adminv1.UrlBlob, *corev1.LiteralMap, error) {
	if uri == "" {
		return nil, nil, nil
	}
	key, err := s.blobs.Key(uri)
	if err != nil {
		return nil, nil, fmt.Errorf("locate %s: %w", uri, err)
	}
	data, err := s.blobs.ReadAll(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", uri, err)
	}
	m := &corev1.LiteralMap{}
	if err := proto.Unmarshal(data, m); err != nil {
		return nil, nil, fmt.Errorf("decode %s: %w", uri, err)
	}
	return &adminv1.UrlBlob{Url: uri, Bytes: int64(len(data))}, m, nil
}

// RelaunchExecution starts a new execution of the same launch plan version
// with the same inputs as an earlier one.
func (s *Service) RelaunchExecution(ctx context.Context, req *connect.Request[adminv1.ExecutionRelaunchRequest]) (*connect.Response[adminv1.ExecutionCreateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.ExecutionRelaunchRequest) (*adminv1.ExecutionCreateResponse, error) {
		e, err := s.getExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		id, err := s.rerun(ctx, e, r.GetName(), &adminv1.ExecutionMetadata{
			Mode: adminv1.ExecutionMetadata_EXECUTION_MODE_RELAUNCH,
		}, r.GetOverwriteCache())
		if err != nil {
			return nil, err
		}
		return &adminv1.ExecutionCreateResponse{Id: executionID(id)}, nil
	})
}

// RecoverExecution starts a new execution that reuses the outputs of the
// nodes that succeeded in a finished execution and runs the rest. The
// engine does the reuse, from the reference execution in the metadata.
func (s *Service) RecoverExecution(ctx context.Context, req *connect.Request[adminv1.ExecutionRecoverRequest]) (*connect.Response[adminv1.ExecutionCreateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.ExecutionRecoverRequest) (*adminv1.ExecutionCreateResponse, error) {
		e, err := s.getExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		if !store.ExecutionTerminal(e.Phase) {
			return nil, failedPreconditionf("execution %s is %s; only a finished execution can be recovered (terminate it first)",
				formatExecID(e.ID), phaseName(e.Phase))
		}
		meta := &adminv1.ExecutionMetadata{
			Mode:      adminv1.ExecutionMetadata_EXECUTION_MODE_RECOVERED,
			Principal: r.GetMetadata().GetPrincipal(),
		}
		id, err := s.rerun(ctx, e, r.GetName(), meta, false)
		if err != nil {
			return nil, err
		}
		return &adminv1.ExecutionCreateResponse{Id: executionID(id)}, nil
	})
}

// rerun creates a new execution from an earlier one: same launch plan
// version, settings and inputs, with meta naming the earlier execution.
func (s *Service) rerun(ctx context.Context, e *store.Execution, name string, meta *adminv1.ExecutionMetadata, overwriteCache bool) (store.ExecutionID, error) {
	spec := &adminv1.ExecutionSpec{}
	if err := proto.Unmarshal(e.Spec, spec); err != nil {
		return store.ExecutionID{}, fmt.Errorf("decode spec of execution %s: %w", formatExecID(e.ID), err)
	}
	_, inputs, err := s.readLiteralMap(ctx, e.InputsURI)
	if err != nil {
		return store.ExecutionID{}, err
	}
	if inputs == nil {
		return store.ExecutionID{}, failedPreconditionf("execution %s has no stored inputs (%s); it cannot be run again", formatExecID(e.ID), e.InputsURI)
	}
	meta.ReferenceExecution = executionID(e.ID)
	meta.Nesting = spec.GetMetadata().GetNesting()
	meta.ParentNodeExecution = nil
	spec.Metadata = meta
	spec.OverwriteCache = spec.OverwriteCache || overwriteCache
	return s.createExecution(ctx, &createParams{
		project:   e.ID.Project,
		domain:    e.ID.Domain,
		name:      name,
		spec:      spec,
		inputs:    inputs,
		dropFixed: true,
	})
}

// sinceOrZero is the duration from start to end, or zero when either is unknown.
func sinceOrZero(start, end *time.Time) *durationpb.Duration {
	if start == nil || end == nil {
		return nil
	}
	return durationpb.New(end.Sub(*start))
}
