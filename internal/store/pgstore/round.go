package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

const (
	roundUpdateSQL = `UPDATE executions SET
phase = $1, closure = COALESCE($2, closure), engine_state = COALESCE($3, engine_state),
wake_at = $4, started_at = $5, ended_at = $6, updated_at = $7,
version = version + 1, event_seq = event_seq + $8
WHERE id = $9 AND version = $10 AND lease_owner = $11 AND lease_expires_at > $7
RETURNING ` + sqlshared.ExecutionColumns

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

	// eventInsertSQL numbers events from the counter the round's update has
	// already advanced by the number of events ($2 of them, this one is $3).
	eventInsertSQL = `INSERT INTO execution_events (execution_id, seq, kind, node_id, retry_attempt, phase, occurred_at, body)
SELECT $1, event_seq - $2 + $3, $4, $5, $6, $7, $8, $9 FROM executions WHERE id = $1`
)

// ExecutionRoundCommit applies one evaluation round in one transaction,
// guarded by lease owner and version. Every statement of the round is sent
// in one pipelined batch, so a round costs three round trips (begin, batch,
// commit) whatever its size; when the guard fails the transaction is rolled
// back and the later statements' effects vanish with it.
func (s *Store) ExecutionRoundCommit(ctx context.Context, p store.ExecutionRoundCommitParams) (*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	batch := &pgx.Batch{}
	batch.Queue(roundUpdateSQL, int32(p.Phase), p.Closure, p.EngineState, optDB(p.WakeAt), optDB(p.StartedAt),
		optDB(p.EndedAt), now, len(p.Events), p.RowID, p.ExpectedVersion, p.Owner)
	for _, n := range p.Nodes {
		batch.Queue(nodeUpsertSQL, p.RowID, n.NodeID, n.ParentNodeID, n.SpecNodeID, n.Phase,
			n.Attempts, n.SystemFailures, sqlshared.NonNil(n.Closure), sqlshared.NonNil(n.EngineState), n.InputURI, n.OutputURI,
			createdOr(n.CreatedAt, now), now, optDB(n.StartedAt), optDB(n.EndedAt))
	}
	for _, t := range p.Tasks {
		batch.Queue(taskUpsertSQL, p.RowID, t.NodeID, t.RetryAttempt, t.Task.Project, t.Task.Domain,
			t.Task.Name, t.Task.Version, t.Phase, t.PhaseVersion, sqlshared.NonNil(t.Closure), sqlshared.NonNil(t.PluginState),
			createdOr(t.CreatedAt, now), now, optDB(t.StartedAt), optDB(t.EndedAt))
	}
	for i, ev := range p.Events {
		batch.Queue(eventInsertSQL, p.RowID, len(p.Events), i+1, int32(ev.Kind), ev.NodeID, ev.RetryAttempt,
			ev.Phase, createdOr(ev.OccurredAt, now), sqlshared.NonNil(ev.Body))
	}
	if store.ExecutionDue(p.WakeAt, p.Now) {
		batch.Queue(notifySQL, p.RowID)
	}
	var e *store.Execution
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		br := tx.SendBatch(ctx, batch)
		var err error
		e, err = decode.Execution(br.QueryRow())
		if errors.Is(err, pgx.ErrNoRows) {
			_ = br.Close() // the guard failed: later statements are rolled back with the transaction
			return fmt.Errorf("commit round of execution %d at version %d by %s: %w", p.RowID, p.ExpectedVersion, p.Owner, store.ErrConflict)
		}
		if err != nil {
			_ = br.Close()
			return fmt.Errorf("commit round of execution %d: %w", p.RowID, err)
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("commit round of execution %d: %w", p.RowID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// createdOr returns t normalised, or now when t is zero.
func createdOr(t time.Time, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return toDB(t)
}
