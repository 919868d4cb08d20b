package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

var _ store.ExecutionStore = (*Store)(nil)

// terminalPhases is the SQL list of terminal execution phases; it matches
// store.ExecutionTerminal and the partial index executions_due.
const terminalPhases = `(4, 6, 7, 8)`

// notifySQL announces that an execution is due to every listener on the
// database. The payload carries the schema, because stores in different
// schemas of one database share the channel.
const notifySQL = `SELECT pg_notify('` + wakeupChannel + `', current_schema() || ':' || $1::bigint::text)`

// ExecutionCreate stores a new execution in phase QUEUED, due at once.
func (s *Store) ExecutionCreate(ctx context.Context, p store.ExecutionCreateParams) (*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	var refProject, refDomain, refName *string
	if r := p.ReferenceExecution; r != nil {
		refProject, refDomain, refName = &r.Project, &r.Domain, &r.Name
	}
	var e *store.Execution
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		e, err = decode.Execution(tx.QueryRow(ctx, `INSERT INTO executions (
project, domain, name, lp_project, lp_domain, lp_name, lp_version,
wf_project, wf_domain, wf_name, wf_version, mode, principal, parent_node_execution,
ref_project, ref_domain, ref_name, phase, state, spec, closure, inputs_uri, engine_state,
wake_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, 0, $18, $19, $20, '', $21, $21, $21)
ON CONFLICT (project, domain, name) DO NOTHING
RETURNING `+sqlshared.ExecutionColumns,
			p.ID.Project, p.ID.Domain, p.ID.Name,
			p.LaunchPlan.Project, p.LaunchPlan.Domain, p.LaunchPlan.Name, p.LaunchPlan.Version,
			p.Workflow.Project, p.Workflow.Domain, p.Workflow.Name, p.Workflow.Version,
			p.Mode, p.Principal, p.ParentNodeExecution, refProject, refDomain, refName,
			sqlshared.NonNil(p.Spec), sqlshared.NonNil(p.Closure), p.InputsURI, now))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("execution %s: %w", formatID(p.ID), store.ErrAlreadyExists)
		}
		if err != nil {
			return fmt.Errorf("create execution %s: %w", formatID(p.ID), err)
		}
		return notify(ctx, tx, e.RowID)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// notify queues a wake-up for id, delivered when the transaction commits.
func notify(ctx context.Context, q querier, id int64) error {
	if _, err := q.Exec(ctx, notifySQL, id); err != nil {
		return fmt.Errorf("notify wake-up of execution %d: %w", id, err)
	}
	return nil
}

// ExecutionGet returns one execution by name.
func (s *Store) ExecutionGet(ctx context.Context, p store.ExecutionGetParams) (*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	e, err := decode.Execution(s.pool.QueryRow(ctx, `SELECT `+sqlshared.ExecutionColumns+` FROM executions
WHERE project = $1 AND domain = $2 AND name = $3`, p.ID.Project, p.ID.Domain, p.ID.Name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("execution %s", formatID(p.ID))
	}
	if err != nil {
		return nil, fmt.Errorf("get execution %s: %w", formatID(p.ID), err)
	}
	return e, nil
}

// ExecutionGetByID returns one execution by row id.
func (s *Store) ExecutionGetByID(ctx context.Context, id int64) (*store.Execution, error) {
	e, err := decode.Execution(s.pool.QueryRow(ctx, `SELECT `+sqlshared.ExecutionColumns+` FROM executions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("execution with row id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get execution %d: %w", id, err)
	}
	return e, nil
}

// ExecutionList lists executions of a project and domain.
func (s *Store) ExecutionList(ctx context.Context, p store.ListParams) (*store.Page[*store.Execution], error) {
	q, err := store.PrepareExecutionList(p)
	if err != nil {
		return nil, err
	}
	query, args, err := sqlshared.ExecutionListQuery(dialect, p, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list executions: %w", err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Execution)
	if err != nil {
		return nil, fmt.Errorf("list executions: %w", err)
	}
	return sqlshared.NewExecutionPage(q, items), nil
}

// ExecutionRequestAbort records an abort request and makes the execution due.
// It increments Version so that a round evaluated before the request fails
// with ErrConflict instead of overwriting the wake-up.
func (s *Store) ExecutionRequestAbort(ctx context.Context, p store.ExecutionRequestAbortParams) (*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	var e *store.Execution
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		e, err = decode.Execution(tx.QueryRow(ctx, `UPDATE executions SET
abort_cause = CASE WHEN abort_requested THEN abort_cause ELSE $4 END,
abort_principal = CASE WHEN abort_requested THEN abort_principal ELSE $5 END,
abort_requested = true,
wake_at = LEAST(wake_at, $6),
version = version + 1, updated_at = $6
WHERE project = $1 AND domain = $2 AND name = $3 AND phase NOT IN `+terminalPhases+`
RETURNING `+sqlshared.ExecutionColumns, p.ID.Project, p.ID.Domain, p.ID.Name, p.Cause, p.Principal, now))
		if errors.Is(err, pgx.ErrNoRows) {
			return abortRefused(ctx, tx, p.ID)
		}
		if err != nil {
			return fmt.Errorf("abort execution %s: %w", formatID(p.ID), err)
		}
		return notify(ctx, tx, e.RowID)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// abortRefused explains why no row matched an abort: missing or finished.
func abortRefused(ctx context.Context, q querier, id store.ExecutionID) error {
	var phase int32
	err := q.QueryRow(ctx, `SELECT phase FROM executions WHERE project = $1 AND domain = $2 AND name = $3`,
		id.Project, id.Domain, id.Name).Scan(&phase)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.NotFoundf("execution %s", formatID(id))
	}
	if err != nil {
		return fmt.Errorf("abort execution %s: %w", formatID(id), err)
	}
	return fmt.Errorf("abort execution %s: %w", formatID(id), store.ErrTerminal)
}

// ExecutionSetState archives or re-activates an execution.
func (s *Store) ExecutionSetState(ctx context.Context, p store.ExecutionSetStateParams) (*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	e, err := decode.Execution(s.pool.QueryRow(ctx, `UPDATE executions SET state = $4, updated_at = $5
WHERE project = $1 AND domain = $2 AND name = $3 RETURNING `+sqlshared.ExecutionColumns,
		p.ID.Project, p.ID.Domain, p.ID.Name, int32(p.State), toDB(p.Now)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("execution %s", formatID(p.ID))
	}
	if err != nil {
		return nil, fmt.Errorf("set state of execution %s: %w", formatID(p.ID), err)
	}
	return e, nil
}

// ExecutionClaim leases up to Limit due executions. Rows another claimer is
// taking are skipped (FOR UPDATE SKIP LOCKED), so concurrent claimers never
// get the same execution.
func (s *Store) ExecutionClaim(ctx context.Context, p store.ExecutionClaimParams) ([]*store.Execution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `UPDATE executions SET lease_owner = $1, lease_expires_at = $2
WHERE id IN (
    SELECT id FROM executions
    WHERE wake_at <= $3 AND phase NOT IN `+terminalPhases+`
      AND (lease_owner = '' OR lease_owner = $1 OR lease_expires_at IS NULL OR lease_expires_at <= $3)
    ORDER BY wake_at, id LIMIT $4
    FOR UPDATE SKIP LOCKED)
RETURNING `+sqlshared.ExecutionColumns, p.Owner, store.LeaseUntil(p.Now, p.LeaseFor), toDB(p.Now), p.Limit)
	if err != nil {
		return nil, fmt.Errorf("claim executions: %w", err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Execution)
	if err != nil {
		return nil, fmt.Errorf("claim executions: %w", err)
	}
	sqlshared.SortClaimed(items)
	return items, nil
}

// ExecutionLeaseRenew extends Owner's leases and returns the ids still held.
func (s *Store) ExecutionLeaseRenew(ctx context.Context, p store.ExecutionLeaseParams) ([]int64, error) {
	if err := p.ValidateRenew(); err != nil {
		return nil, err
	}
	if len(p.IDs) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `UPDATE executions SET lease_expires_at = $1
WHERE lease_owner = $2 AND id = ANY($3) RETURNING id`, store.LeaseUntil(p.Now, p.LeaseFor), p.Owner, p.IDs)
	if err != nil {
		return nil, fmt.Errorf("renew leases: %w", err)
	}
	held, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("renew leases: %w", err)
	}
	slices.Sort(held)
	return held, nil
}

// ExecutionLeaseRelease gives up Owner's leases on IDs.
func (s *Store) ExecutionLeaseRelease(ctx context.Context, p store.ExecutionLeaseParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if len(p.IDs) == 0 {
		return nil
	}
	// A released execution that has not finished is due at once, so
	// another replica continues it without waiting for a timer.
	if _, err := s.pool.Exec(ctx, `UPDATE executions SET lease_owner = '', lease_expires_at = NULL,
  wake_at = CASE WHEN phase IN (4, 6, 7, 8) THEN wake_at ELSE $3 END
WHERE lease_owner = $1 AND id = ANY($2)`, p.Owner, p.IDs, toDB(p.Now)); err != nil {
		return fmt.Errorf("release leases: %w", err)
	}
	return nil
}

// optDB normalises an optional time for a nullable column.
func optDB(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := toDB(*t)
	return &u
}

func formatID(id store.ExecutionID) string {
	return id.Project + "/" + id.Domain + "/" + id.Name
}
