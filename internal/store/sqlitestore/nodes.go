package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flyte-go/flyte/internal/store"
)

const nodeColumns = `execution_id, node_id, parent_node_id, spec_node_id, phase, attempts, system_failures,
closure, engine_state, input_uri, output_uri, created_at, updated_at, started_at, ended_at`

const taskColumns = `execution_id, node_id, retry_attempt, task_project, task_domain, task_name, task_version,
phase, phase_version, closure, plugin_state, created_at, updated_at, started_at, ended_at`

const eventColumns = `execution_id, seq, kind, node_id, retry_attempt, phase, occurred_at, body`

// NodeExecutionList returns the node executions of an execution by NodeID.
func (s *Store) NodeExecutionList(ctx context.Context, p store.NodeExecutionListParams) (*store.Page[*store.NodeExecution], error) {
	q, err := store.PrepareNodeExecutionList(p)
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + nodeColumns + ` FROM node_executions WHERE execution_id = $1`
	args := []any{p.ExecutionRowID}
	switch {
	case p.ParentNodeID != "":
		args = append(args, p.ParentNodeID)
		query += fmt.Sprintf(" AND parent_node_id = $%d", len(args))
	case p.TopLevel:
		query += " AND parent_node_id = ''"
	}
	if q.After != "" {
		args = append(args, q.After)
		query += fmt.Sprintf(" AND node_id > $%d", len(args))
	}
	args = append(args, q.Limit+1)
	query += fmt.Sprintf(" ORDER BY node_id LIMIT $%d", len(args))
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list node executions of %d: %w", p.ExecutionRowID, err)
	}
	defer rows.Close()
	var items []*store.NodeExecution
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, fmt.Errorf("list node executions of %d: %w", p.ExecutionRowID, err)
		}
		items = append(items, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list node executions of %d: %w", p.ExecutionRowID, err)
	}
	return store.NewNodeExecutionPage(q, items), nil
}

// NodeExecutionGet returns one node execution.
func (s *Store) NodeExecutionGet(ctx context.Context, p store.NodeExecutionGetParams) (*store.NodeExecution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n, err := scanNode(s.reader.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM node_executions
WHERE execution_id = $1 AND node_id = $2`, p.ExecutionRowID, p.NodeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("node %s of execution %d", p.NodeID, p.ExecutionRowID)
	}
	if err != nil {
		return nil, fmt.Errorf("get node %s of execution %d: %w", p.NodeID, p.ExecutionRowID, err)
	}
	return n, nil
}

func scanNode(row scanner) (*store.NodeExecution, error) {
	var (
		n                    store.NodeExecution
		createdAt, updatedAt int64
		startedAt, endedAt   sql.NullInt64
	)
	if err := row.Scan(&n.ExecutionRowID, &n.NodeID, &n.ParentNodeID, &n.SpecNodeID, &n.Phase, &n.Attempts,
		&n.SystemFailures, &n.Closure, &n.EngineState, &n.InputURI, &n.OutputURI,
		&createdAt, &updatedAt, &startedAt, &endedAt); err != nil {
		return nil, err
	}
	n.Closure, n.EngineState = nonNil(n.Closure), nonNil(n.EngineState)
	n.CreatedAt, n.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	n.StartedAt, n.EndedAt = optTime(startedAt), optTime(endedAt)
	return &n, nil
}

// TaskExecutionList returns the attempts of one node, by RetryAttempt.
func (s *Store) TaskExecutionList(ctx context.Context, p store.TaskExecutionListParams) ([]*store.TaskExecution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+taskColumns+` FROM task_executions
WHERE execution_id = $1 AND node_id = $2 ORDER BY retry_attempt`, p.ExecutionRowID, p.NodeID)
	if err != nil {
		return nil, fmt.Errorf("list attempts of node %s: %w", p.NodeID, err)
	}
	defer rows.Close()
	var items []*store.TaskExecution
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list attempts of node %s: %w", p.NodeID, err)
		}
		items = append(items, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attempts of node %s: %w", p.NodeID, err)
	}
	return items, nil
}

// TaskExecutionGet returns one attempt.
func (s *Store) TaskExecutionGet(ctx context.Context, p store.TaskExecutionGetParams) (*store.TaskExecution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	t, err := scanTask(s.reader.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM task_executions
WHERE execution_id = $1 AND node_id = $2 AND retry_attempt = $3`, p.ExecutionRowID, p.NodeID, p.RetryAttempt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("attempt %d of node %s of execution %d", p.RetryAttempt, p.NodeID, p.ExecutionRowID)
	}
	if err != nil {
		return nil, fmt.Errorf("get attempt %d of node %s: %w", p.RetryAttempt, p.NodeID, err)
	}
	return t, nil
}

func scanTask(row scanner) (*store.TaskExecution, error) {
	var (
		t                    store.TaskExecution
		createdAt, updatedAt int64
		startedAt, endedAt   sql.NullInt64
	)
	if err := row.Scan(&t.ExecutionRowID, &t.NodeID, &t.RetryAttempt, &t.Task.Project, &t.Task.Domain,
		&t.Task.Name, &t.Task.Version, &t.Phase, &t.PhaseVersion, &t.Closure, &t.PluginState,
		&createdAt, &updatedAt, &startedAt, &endedAt); err != nil {
		return nil, err
	}
	t.Closure, t.PluginState = nonNil(t.Closure), nonNil(t.PluginState)
	t.CreatedAt, t.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	t.StartedAt, t.EndedAt = optTime(startedAt), optTime(endedAt)
	return &t, nil
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
	rows, err := s.reader.QueryContext(ctx, `SELECT `+eventColumns+` FROM execution_events
WHERE execution_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, p.ExecutionRowID, p.AfterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list events of execution %d: %w", p.ExecutionRowID, err)
	}
	defer rows.Close()
	var items []*store.Event
	for rows.Next() {
		var (
			ev         store.Event
			kind       int32
			occurredAt int64
		)
		if err := rows.Scan(&ev.ExecutionRowID, &ev.Seq, &kind, &ev.NodeID, &ev.RetryAttempt, &ev.Phase,
			&occurredAt, &ev.Body); err != nil {
			return nil, fmt.Errorf("list events of execution %d: %w", p.ExecutionRowID, err)
		}
		ev.Kind, ev.OccurredAt, ev.Body = store.EventKind(kind), fromDB(occurredAt), nonNil(ev.Body)
		items = append(items, &ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events of execution %d: %w", p.ExecutionRowID, err)
	}
	return items, nil
}
