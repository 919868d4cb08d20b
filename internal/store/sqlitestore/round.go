package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

const (
	roundUpdateSQL = `UPDATE executions SET
phase = $1, closure = COALESCE($2, closure), engine_state = COALESCE($3, engine_state),
wake_at = $4, started_at = $5, ended_at = $6, updated_at = $7,
version = version + 1, event_seq = event_seq + $8
WHERE id = $9 AND version = $10 AND lease_owner = $11 AND lease_expires_at > $7
RETURNING ` + sqlshared.ExecutionColumns + `, event_seq`

	nodeUpsertSQL = `INSERT INTO node_executions (execution_id, node_id, parent_node_id, spec_node_id, phase,
attempts, system_failures, closure, engine_state, input_uri, output_uri, created_at, updated_at, started_at, ended_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (execution_id, node_id) DO UPDATE SET
parent_node_id = excluded.parent_node_id, spec_node_id = excluded.spec_node_id, phase = excluded.phase,
attempts = excluded.attempts, system_failures = excluded.system_failures, closure = excluded.closure,
engine_state = excluded.engine_state, input_uri = excluded.input_uri, output_uri = excluded.output_uri,
updated_at = excluded.updated_at, started_at = excluded.started_at, ended_at = excluded.ended_at`

	taskUpsertSQL = `INSERT INTO task_executions (execution_id, node_id, retry_attempt, task_project, task_domain,
task_name, task_version, phase, phase_version, closure, plugin_state, created_at, updated_at, started_at, ended_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (execution_id, node_id, retry_attempt) DO UPDATE SET
task_project = excluded.task_project, task_domain = excluded.task_domain, task_name = excluded.task_name,
task_version = excluded.task_version, phase = excluded.phase, phase_version = excluded.phase_version,
closure = excluded.closure, plugin_state = excluded.plugin_state, updated_at = excluded.updated_at,
started_at = excluded.started_at, ended_at = excluded.ended_at`

	eventInsertSQL = `INSERT INTO execution_events (execution_id, seq, kind, node_id, retry_attempt, phase, occurred_at, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
)

// stmtCache holds statements prepared once on the writer and reused by every
// round, which saves SQLite from compiling them again on each call.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// get returns query prepared on db, preparing it the first time.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

// reset closes every cached statement (before the schema changes and on Close).
func (c *stmtCache) reset() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts = nil
	return errors.Join(errs...)
}

// roundStmts are the statements of one round, prepared before its
// transaction begins: the writer has a single connection, which the
// transaction holds.
type roundStmts struct {
	update, node, task, event *sql.Stmt
}

func (s *Store) prepareRound(ctx context.Context) (*roundStmts, error) {
	var (
		r   roundStmts
		err error
	)
	for _, st := range []struct {
		dst   **sql.Stmt
		query string
	}{{&r.update, roundUpdateSQL}, {&r.node, nodeUpsertSQL}, {&r.task, taskUpsertSQL}, {&r.event, eventInsertSQL}} {
		if *st.dst, err = s.stmts.get(ctx, s.writer, st.query); err != nil {
			return nil, fmt.Errorf("prepare round statements: %w", err)
		}
	}
	return &r, nil
}

// ExecutionRoundCommit applies one evaluation round in one transaction,
// guarded by lease owner and version.
func (s *Store) ExecutionRoundCommit(ctx context.Context, p store.ExecutionRoundCommitParams) (*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	stmts, err := s.prepareRound(ctx)
	if err != nil {
		return nil, err
	}
	var e *store.Execution
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			lastSeq int64
			err     error
		)
		e, err = scanExecutionSeq(tx.StmtContext(ctx, stmts.update).QueryRowContext(ctx, int32(p.Phase), p.Closure, p.EngineState,
			optDB(p.WakeAt), optDB(p.StartedAt), optDB(p.EndedAt), now, len(p.Events),
			p.RowID, p.ExpectedVersion, p.Owner), &lastSeq)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("commit round of execution %d at version %d by %s: %w", p.RowID, p.ExpectedVersion, p.Owner, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("commit round of execution %d: %w", p.RowID, err)
		}
		if err := upsertRound(ctx, tx, stmts, p, now, lastSeq); err != nil {
			return fmt.Errorf("commit round of execution %d: %w", p.RowID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if store.ExecutionDue(p.WakeAt, p.Now) {
		s.wakeups.publish(p.RowID)
	}
	return e, nil
}

// upsertRound writes the nodes, tasks and events of a round; lastSeq is the
// execution's event counter after the round's events were counted in.
func upsertRound(ctx context.Context, tx *sql.Tx, stmts *roundStmts, p store.ExecutionRoundCommitParams, now, lastSeq int64) error {
	if len(p.Nodes) > 0 {
		st := tx.StmtContext(ctx, stmts.node)
		for _, n := range p.Nodes {
			if _, err := st.ExecContext(ctx, p.RowID, n.NodeID, n.ParentNodeID, n.SpecNodeID, n.Phase,
				n.Attempts, n.SystemFailures, sqlshared.NonNil(n.Closure), sqlshared.NonNil(n.EngineState), n.InputURI, n.OutputURI,
				createdOr(n.CreatedAt, now), now, optDB(n.StartedAt), optDB(n.EndedAt)); err != nil {
				return fmt.Errorf("upsert node %s: %w", n.NodeID, err)
			}
		}
	}
	if len(p.Tasks) > 0 {
		st := tx.StmtContext(ctx, stmts.task)
		for _, t := range p.Tasks {
			if _, err := st.ExecContext(ctx, p.RowID, t.NodeID, t.RetryAttempt, t.Task.Project, t.Task.Domain,
				t.Task.Name, t.Task.Version, t.Phase, t.PhaseVersion, sqlshared.NonNil(t.Closure), sqlshared.NonNil(t.PluginState),
				createdOr(t.CreatedAt, now), now, optDB(t.StartedAt), optDB(t.EndedAt)); err != nil {
				return fmt.Errorf("upsert attempt %d of node %s: %w", t.RetryAttempt, t.NodeID, err)
			}
		}
	}
	if len(p.Events) > 0 {
		st := tx.StmtContext(ctx, stmts.event)
		first := lastSeq - int64(len(p.Events)) + 1
		for i, ev := range p.Events {
			if _, err := st.ExecContext(ctx, p.RowID, first+int64(i), int32(ev.Kind), ev.NodeID, ev.RetryAttempt,
				ev.Phase, createdOr(ev.OccurredAt, now), sqlshared.NonNil(ev.Body)); err != nil {
				return fmt.Errorf("append event: %w", err)
			}
		}
	}
	return nil
}

// createdOr returns t as stored, or now when t is zero.
func createdOr(t time.Time, now int64) int64 {
	if t.IsZero() {
		return now
	}
	return toDB(t)
}

// scanExecutionSeq scans an execution followed by its event counter.
func scanExecutionSeq(row scanner, seq *int64) (*store.Execution, error) {
	return decode.Execution(&seqScanner{row: row, seq: seq})
}

// seqScanner appends one destination to every Scan.
type seqScanner struct {
	row scanner
	seq *int64
}

func (s *seqScanner) Scan(dest ...any) error { return s.row.Scan(append(dest, s.seq)...) }
