package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

// NodeExecutionList returns the node executions of an execution by NodeID.
func (s *Store) NodeExecutionList(ctx context.Context, p store.NodeExecutionListParams) (*store.Page[*store.NodeExecution], error) {
	q, err := store.PrepareNodeExecutionList(p)
	if err != nil {
		return nil, err
	}
	query, args := sqlshared.NodeListQuery(p, q)
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list node executions of %d: %w", p.ExecutionRowID, err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Node)
	if err != nil {
		return nil, fmt.Errorf("list node executions of %d: %w", p.ExecutionRowID, err)
	}
	return store.NewNodeExecutionPage(q, items), nil
}

// NodeExecutionGet returns one node execution.
func (s *Store) NodeExecutionGet(ctx context.Context, p store.NodeExecutionGetParams) (*store.NodeExecution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n, err := decode.Node(s.reader.QueryRowContext(ctx, `SELECT `+sqlshared.NodeColumns+` FROM node_executions
WHERE execution_id = $1 AND node_id = $2`, p.ExecutionRowID, p.NodeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("node %s of execution %d", p.NodeID, p.ExecutionRowID)
	}
	if err != nil {
		return nil, fmt.Errorf("get node %s of execution %d: %w", p.NodeID, p.ExecutionRowID, err)
	}
	return n, nil
}

// TaskExecutionList returns the attempts of one node, by RetryAttempt.
func (s *Store) TaskExecutionList(ctx context.Context, p store.TaskExecutionListParams) ([]*store.TaskExecution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+sqlshared.TaskColumns+` FROM task_executions
WHERE execution_id = $1 AND node_id = $2 ORDER BY retry_attempt`, p.ExecutionRowID, p.NodeID)
	if err != nil {
		return nil, fmt.Errorf("list attempts of node %s: %w", p.NodeID, err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Task)
	if err != nil {
		return nil, fmt.Errorf("list attempts of node %s: %w", p.NodeID, err)
	}
	return items, nil
}

// TaskExecutionGet returns one attempt.
func (s *Store) TaskExecutionGet(ctx context.Context, p store.TaskExecutionGetParams) (*store.TaskExecution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	t, err := decode.Task(s.reader.QueryRowContext(ctx, `SELECT `+sqlshared.TaskColumns+` FROM task_executions
WHERE execution_id = $1 AND node_id = $2 AND retry_attempt = $3`, p.ExecutionRowID, p.NodeID, p.RetryAttempt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("attempt %d of node %s of execution %d", p.RetryAttempt, p.NodeID, p.ExecutionRowID)
	}
	if err != nil {
		return nil, fmt.Errorf("get attempt %d of node %s: %w", p.RetryAttempt, p.NodeID, err)
	}
	return t, nil
}

// EventList returns the events of an execution after AfterSeq, in order.
func (s *Store) EventList(ctx context.Context, p store.EventListParams) ([]*store.Event, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := int64(p.Limit)
	if limit == 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+sqlshared.EventColumns+` FROM execution_events
WHERE execution_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, p.ExecutionRowID, p.AfterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list events of execution %d: %w", p.ExecutionRowID, err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Event)
	if err != nil {
		return nil, fmt.Errorf("list events of execution %d: %w", p.ExecutionRowID, err)
	}
	return items, nil
}
