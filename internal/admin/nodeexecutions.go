package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

// attemptPrefix is the blob key prefix of one task attempt (DESIGN §4).
func attemptPrefix(id store.ExecutionID, nodeID string, attempt int32) string {
	return "metadata/" + id.Project + "/" + id.Domain + "/" + id.Name + "/" + nodeID + "/" + strconv.Itoa(int(attempt)) + "/"
}

// getNodeExecution validates id and reads the execution and its node.
func (s *Service) getNodeExecution(ctx context.Context, field string, id *corev1.NodeExecutionIdentifier) (*store.Execution, *store.NodeExecution, error) {
	if id == nil {
		return nil, nil, invalidArgf("%s: required", field)
	}
	if id.GetNodeId() == "" {
		return nil, nil, invalidArgf("%s.node_id: required", field)
	}
	e, err := s.getExecution(ctx, field+".execution_id", id.GetExecutionId())
	if err != nil {
		return nil, nil, err
	}
	n, err := s.execs.NodeExecutionGet(ctx, store.NodeExecutionGetParams{ExecutionRowID: e.RowID, NodeID: id.GetNodeId()})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFoundf("node %q of execution %s not found (it has not started, or the workflow has no such node)", id.GetNodeId(), formatExecID(e.ID))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get node %s of execution %s: %w", id.GetNodeId(), formatExecID(e.ID), err)
	}
	return e, n, nil
}

// nodeExecutionOf converts a stored node execution to the API; isParent
// says whether it has child nodes.
func nodeExecutionOf(e *store.Execution, n *store.NodeExecution, isParent bool) (*adminv1.NodeExecution, error) {
	c := &adminv1.NodeExecutionClosure{}
	if err := proto.Unmarshal(n.Closure, c); err != nil {
		return nil, fmt.Errorf("decode closure of node %s of execution %s: %w", n.NodeID, formatExecID(e.ID), err)
	}
	c.Phase = corev1.NodeExecution_Phase(n.Phase)
	c.CreatedAt = timestamppb.New(n.CreatedAt)
	c.UpdatedAt = timestamppb.New(n.UpdatedAt)
	if n.StartedAt != nil {
		c.StartedAt = timestamppb.New(*n.StartedAt)
	}
	if d := sinceOrZero(n.StartedAt, n.EndedAt); d != nil {
		c.Duration = d
	}
	if c.OutputResult == nil && n.OutputURI != "" {
		c.OutputResult = &adminv1.NodeExecutionClosure_OutputUri{OutputUri: n.OutputURI}
	}
	return &adminv1.NodeExecution{
		Id:       &corev1.NodeExecutionIdentifier{NodeId: n.NodeID, ExecutionId: executionID(e.ID)},
		InputUri: n.InputURI,
		Closure:  c,
		Metadata: &adminv1.NodeExecutionMetaData{
			RetryGroup:   strconv.Itoa(int(max(n.Attempts-1, 0))),
			IsParentNode: isParent,
			SpecNodeId:   n.SpecNodeID,
			IsDynamic:    c.GetDynamicJobSpecUri() != "",
		},
	}, nil
}

// hasChildren reports whether node has child node executions.
func (s *Service) hasChildren(ctx context.Context, rowID int64, node string) (bool, error) {
	page, err := s.execs.NodeExecutionList(ctx, store.NodeExecutionListParams{ExecutionRowID: rowID, ParentNodeID: node, Limit: 1})
	if err != nil {
		return false, fmt.Errorf("list children of node %s: %w", node, err)
	}
	return len(page.Items) > 0, nil
}

// GetNodeExecution gets one node execution.
func (s *Service) GetNodeExecution(ctx context.Context, req *connect.Request[adminv1.NodeExecutionGetRequest]) (*connect.Response[adminv1.NodeExecution], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.NodeExecutionGetRequest) (*adminv1.NodeExecution, error) {
		e, n, err := s.getNodeExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		parent, err := s.hasChildren(ctx, e.RowID, n.NodeID)
		if err != nil {
			return nil, err
		}
		return nodeExecutionOf(e, n, parent)
	})
}

// ListNodeExecutions lists the top-level node executions of an execution,
// or the children of unique_parent_id, ordered by node id. Filters and
// sort_by are not supported on this list.
func (s *Service) ListNodeExecutions(ctx context.Context, req *connect.Request[adminv1.NodeExecutionListRequest]) (*connect.Response[adminv1.NodeExecutionList], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.NodeExecutionListRequest) (*adminv1.NodeExecutionList, error) {
		if r.GetFilters() != "" {
			return nil, invalidArgf("filters: node executions cannot be filtered; list them and select on the client")
		}
		if r.GetSortBy() != nil {
			return nil, invalidArgf("sort_by: node executions are always ordered by node id")
		}
		e, err := s.getExecution(ctx, "workflow_execution_id", r.GetWorkflowExecutionId())
		if err != nil {
			return nil, err
		}
		page, err := s.execs.NodeExecutionList(ctx, store.NodeExecutionListParams{
			ExecutionRowID: e.RowID,
			ParentNodeID:   r.GetUniqueParentId(),
			TopLevel:       r.GetUniqueParentId() == "",
			Limit:          clampLimit(r.GetLimit()),
			Token:          r.GetToken(),
		})
		if err != nil {
			return nil, fmt.Errorf("list node executions of %s: %w", formatExecID(e.ID), err)
		}
		out := &adminv1.NodeExecutionList{Token: page.NextToken}
		for _, n := range page.Items {
			parent, err := s.hasChildren(ctx, e.RowID, n.NodeID)
			if err != nil {
				return nil, err
			}
			x, err := nodeExecutionOf(e, n, parent)
			if err != nil {
				return nil, err
			}
			out.NodeExecutions = append(out.NodeExecutions, x)
		}
		return out, nil
	})
}

// GetNodeExecutionData returns the inputs and outputs of a node execution.
func (s *Service) GetNodeExecutionData(ctx context.Context, req *connect.Request[adminv1.NodeExecutionGetDataRequest]) (*connect.Response[adminv1.NodeExecutionGetDataResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.NodeExecutionGetDataRequest) (*adminv1.NodeExecutionGetDataResponse, error) {
		e, n, err := s.getNodeExecution(ctx, "id", r.GetId())
		if err != nil {
			return nil, err
		}
		x, err := nodeExecutionOf(e, n, false)
		if err != nil {
			return nil, err
		}
		out := &adminv1.NodeExecutionGetDataResponse{}
		if d := x.GetClosure().GetInputData(); d != nil && n.InputURI == "" {
			out.FullInputs = d
		} else if out.Inputs, out.FullInputs, err = s.readLiteralMap(ctx, n.InputURI); err != nil {
			return nil, err
		}
		if d := x.GetClosure().GetOutputData(); d != nil {
			out.FullOutputs = d
		} else if out.Outputs, out.FullOutputs, err = s.readLiteralMap(ctx, x.GetClosure().GetOutputUri()); err != nil {
			return nil, err
		}
		if uri := x.GetClosure().GetDynamicJobSpecUri(); uri != "" {
			if out.DynamicWorkflow, err = s.dynamicWorkflow(ctx, e, n, uri); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

// dynamicWorkflow is the workflow a dynamic node's task generated: the
// engine keeps its compiled closure in futures_compiled.pb under the node's
// prefix (the id and closure are left out when it is gone).
func (s *Service) dynamicWorkflow(ctx context.Context, e *store.Execution, n *store.NodeExecution, futuresURI string) (*eventv1.DynamicWorkflowNodeMetadata, error) {
	key := "metadata/" + e.ID.Project + "/" + e.ID.Domain + "/" + e.ID.Name + "/" + n.NodeID + "/futures_compiled.pb"
	out := &eventv1.DynamicWorkflowNodeMetadata{DynamicJobSpecUri: futuresURI}
	closure := &corev1.CompiledWorkflowClosure{}
	err := s.blobs.ReadProto(ctx, key, closure)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("read the workflow generated by node %s: %w", n.NodeID, err)
	}
	out.Id, out.CompiledWorkflow = closure.GetPrimary().GetTemplate().GetId(), closure
	return out, nil
}

// getTaskExecution validates id and reads the execution, node and attempt.
func (s *Service) getTaskExecution(ctx context.Context, id *corev1.TaskExecutionIdentifier) (*store.Execution, *store.NodeExecution, *store.TaskExecution, error) {
	if id == nil {
		return nil, nil, nil, invalidArgf("id: required")
	}
	e, n, err := s.getNodeExecution(ctx, "id.node_execution_id", id.GetNodeExecutionId())
	if err != nil {
		return nil, nil, nil, err
	}
	t, err := s.execs.TaskExecutionGet(ctx, store.TaskExecutionGetParams{
		ExecutionRowID: e.RowID, NodeID: n.NodeID, RetryAttempt: int32(min(id.GetRetryAttempt(), 1<<30)),
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, notFoundf("attempt %d of node %q of execution %s not found", id.GetRetryAttempt(), n.NodeID, formatExecID(e.ID))
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("get attempt %d of node %s: %w", id.GetRetryAttempt(), n.NodeID, err)
	}
	return e, n, t, nil
}

// taskExecutionOf converts a stored attempt to the API.
func taskExecutionOf(e *store.Execution, n *store.NodeExecution, t *store.TaskExecution) (*adminv1.TaskExecution, error) {
	c := &adminv1.TaskExecutionClosure{}
	if err := proto.Unmarshal(t.Closure, c); err != nil {
		return nil, fmt.Errorf("decode closure of attempt %d of node %s: %w", t.RetryAttempt, n.NodeID, err)
	}
	c.Phase = corev1.TaskExecution_Phase(t.Phase)
	c.CreatedAt = timestamppb.New(t.CreatedAt)
	c.UpdatedAt = timestamppb.New(t.UpdatedAt)
	if t.StartedAt != nil {
		c.StartedAt = timestamppb.New(*t.StartedAt)
	}
	if d := sinceOrZero(t.StartedAt, t.EndedAt); d != nil {
		c.Duration = d
	}
	// The succeeded attempt of a dynamic node generated its child nodes.
	isParent := false
	if t.Phase == int32(corev1.TaskExecution_PHASE_SUCCEEDED) {
		nc := &adminv1.NodeExecutionClosure{}
		if err := proto.Unmarshal(n.Closure, nc); err != nil {
			return nil, fmt.Errorf("decode closure of node %s: %w", n.NodeID, err)
		}
		isParent = nc.GetDynamicJobSpecUri() != ""
	}
	return &adminv1.TaskExecution{
		Id: &corev1.TaskExecutionIdentifier{
			TaskId:          identifierOf(store.KindTask, t.Task),
			NodeExecutionId: &corev1.NodeExecutionIdentifier{NodeId: n.NodeID, ExecutionId: executionID(e.ID)},
			RetryAttempt:    uint32(max(t.RetryAttempt, 0)),
		},
		InputUri: n.InputURI,
		Closure:  c,
		IsParent: isParent,
	}, nil
}

// GetTaskExecution gets one attempt of a task node.
func (s *Service) GetTaskExecution(ctx context.Context, req *connect.Request[adminv1.TaskExecutionGetRequest]) (*connect.Response[adminv1.TaskExecution], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.TaskExecutionGetRequest) (*adminv1.TaskExecution, error) {
		e, n, t, err := s.getTaskExecution(ctx, r.GetId())
		if err != nil {
			return nil, err
		}
		return taskExecutionOf(e, n, t)
	})
}

// ListTaskExecutions lists the attempts of a task node, first attempt
// first. A node has few attempts: the list is one page.
func (s *Service) ListTaskExecutions(ctx context.Context, req *connect.Request[adminv1.TaskExecutionListRequest]) (*connect.Response[adminv1.TaskExecutionList], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.TaskExecutionListRequest) (*adminv1.TaskExecutionList, error) {
		if r.GetFilters() != "" || r.GetSortBy() != nil || r.GetToken() != "" {
			return nil, invalidArgf("filters, sort_by, token: the attempts of a node are listed whole, in order")
		}
		e, n, err := s.getNodeExecution(ctx, "node_execution_id", r.GetNodeExecutionId())
		if err != nil {
			return nil, err
		}
		ts, err := s.execs.TaskExecutionList(ctx, store.TaskExecutionListParams{ExecutionRowID: e.RowID, NodeID: n.NodeID})
		if err != nil {
			return nil, fmt.Errorf("list attempts of node %s: %w", n.NodeID, err)
		}
		out := &adminv1.TaskExecutionList{}
		for _, t := range ts {
			x, err := taskExecutionOf(e, n, t)
			if err != nil {
				return nil, err
			}
			out.TaskExecutions = append(out.TaskExecutions, x)
		}
		return out, nil
	})
}

// GetTaskExecutionData returns the inputs and outputs of one attempt.
func (s *Service) GetTaskExecutionData(ctx context.Context, req *connect.Request[adminv1.TaskExecutionGetDataRequest]) (*connect.Response[adminv1.TaskExecutionGetDataResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.TaskExecutionGetDataRequest) (*adminv1.TaskExecutionGetDataResponse, error) {
		e, n, t, err := s.getTaskExecution(ctx, r.GetId())
		if err != nil {
			return nil, err
		}
		x, err := taskExecutionOf(e, n, t)
		if err != nil {
			return nil, err
		}
		out := &adminv1.TaskExecutionGetDataResponse{}
		nc := &adminv1.NodeExecutionClosure{}
		if err := proto.Unmarshal(n.Closure, nc); err != nil {
			return nil, fmt.Errorf("decode closure of node %s: %w", n.NodeID, err)
		}
		if d := nc.GetInputData(); d != nil && n.InputURI == "" {
			out.FullInputs = d
		} else if out.Inputs, out.FullInputs, err = s.readLiteralMap(ctx, n.InputURI); err != nil {
			return nil, err
		}
		c := x.GetClosure()
		switch {
		case c.GetOutputData() != nil:
			out.FullOutputs = c.GetOutputData()
		case c.GetOutputUri() != "":
			out.Outputs, out.FullOutputs, err = s.readLiteralMap(ctx, c.GetOutputUri())
		case t.Phase == int32(corev1.TaskExecution_PHASE_SUCCEEDED):
			out.Outputs, out.FullOutputs, err = s.readLiteralMap(ctx, s.blobs.URL(attemptPrefix(e.ID, n.NodeID, t.RetryAttempt)+"outputs.pb"))
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	})
}

// taskClosure decodes the closure of an attempt.
func taskClosure(t *store.TaskExecution) (*adminv1.TaskExecutionClosure, error) {
	c := &adminv1.TaskExecutionClosure{}
	if err := proto.Unmarshal(t.Closure, c); err != nil {
		return nil, fmt.Errorf("decode closure of attempt %d of node %s: %w", t.RetryAttempt, t.NodeID, err)
	}
	return c, nil
}
