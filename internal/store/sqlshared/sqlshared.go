// Package sqlshared holds the parts of the SQL store drivers that do not
// depend on the engine: building store records from scanned columns,
// collecting result rows, and the dynamic SQL both engines write alike.
// Each driver keeps its own SQL text and tells a Decoder how its time
// columns are stored.
package sqlshared

import (
	"fmt"
	"slices"
	"time"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
)

// Scanner reads the columns of one row into destinations.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a result cursor, as both database/sql and pgx provide it.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect scans every remaining row of rows with scan. It does not close
// rows; the caller does, and wraps the error it returns.
func Collect[R any](rows Rows, scan func(Scanner) (R, error)) ([]R, error) {
	var items []R
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

// Decoder builds store records from the columns of a driver whose time
// columns scan into T (a NULL-able time column scans into *T).
type Decoder[T any] struct {
	// FromDB converts a stored time into a UTC time.Time.
	FromDB func(T) time.Time
}

// opt converts a NULL-able stored time; NULL gives nil.
func (d Decoder[T]) opt(v *T) *time.Time {
	if v == nil {
		return nil
	}
	t := d.FromDB(*v)
	return &t
}

// NonNil returns b, or an empty slice for nil, so NOT NULL blob columns
// receive an empty value rather than NULL and records read back never
// carry a nil slice.
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// NodeColumns lists the node_executions columns that Decoder.Node scans.
const NodeColumns = `execution_id, node_id, parent_node_id, spec_node_id, phase, attempts, system_failures,
closure, engine_state, input_uri, output_uri, created_at, updated_at, started_at, ended_at`

// TaskColumns lists the task_executions columns that Decoder.Task scans.
const TaskColumns = `execution_id, node_id, retry_attempt, task_project, task_domain, task_name, task_version,
phase, phase_version, closure, plugin_state, created_at, updated_at, started_at, ended_at`

// EventColumns lists the execution_events columns that Decoder.Event scans.
const EventColumns = `execution_id, seq, kind, node_id, retry_attempt, phase, occurred_at, body`

// Node scans a row of NodeColumns.
func (d Decoder[T]) Node(row Scanner) (*store.NodeExecution, error) {
	var (
		n                    store.NodeExecution
		createdAt, updatedAt T
		startedAt, endedAt   *T
	)
	if err := row.Scan(&n.ExecutionRowID, &n.NodeID, &n.ParentNodeID, &n.SpecNodeID, &n.Phase, &n.Attempts,
		&n.SystemFailures, &n.Closure, &n.EngineState, &n.InputURI, &n.OutputURI,
		&createdAt, &updatedAt, &startedAt, &endedAt); err != nil {
		return nil, err
	}
	n.Closure, n.EngineState = NonNil(n.Closure), NonNil(n.EngineState)
	n.CreatedAt, n.UpdatedAt = d.FromDB(createdAt), d.FromDB(updatedAt)
	n.StartedAt, n.EndedAt = d.opt(startedAt), d.opt(endedAt)
	return &n, nil
}

// Task scans a row of TaskColumns.
func (d Decoder[T]) Task(row Scanner) (*store.TaskExecution, error) {
	var (
		t                    store.TaskExecution
		createdAt, updatedAt T
		startedAt, endedAt   *T
	)
	if err := row.Scan(&t.ExecutionRowID, &t.NodeID, &t.RetryAttempt, &t.Task.Project, &t.Task.Domain,
		&t.Task.Name, &t.Task.Version, &t.Phase, &t.PhaseVersion, &t.Closure, &t.PluginState,
		&createdAt, &updatedAt, &startedAt, &endedAt); err != nil {
		return nil, err
	}
	t.Closure, t.PluginState = NonNil(t.Closure), NonNil(t.PluginState)
	t.CreatedAt, t.UpdatedAt = d.FromDB(createdAt), d.FromDB(updatedAt)
	t.StartedAt, t.EndedAt = d.opt(startedAt), d.opt(endedAt)
	return &t, nil
}

// Event scans a row of EventColumns.
func (d Decoder[T]) Event(row Scanner) (*store.Event, error) {
	var (
		ev         store.Event
		kind       int32
		occurredAt T
	)
	if err := row.Scan(&ev.ExecutionRowID, &ev.Seq, &kind, &ev.NodeID, &ev.RetryAttempt, &ev.Phase,
		&occurredAt, &ev.Body); err != nil {
		return nil, err
	}
	ev.Kind, ev.OccurredAt, ev.Body = store.EventKind(kind), d.FromDB(occurredAt), NonNil(ev.Body)
	return &ev, nil
}

// NodeListQuery returns the SELECT of NodeColumns for one page of a node
// execution list, and its arguments.
func NodeListQuery(p store.NodeExecutionListParams, q *store.NodeExecutionListQuery) (string, []any) {
	query := `SELECT ` + NodeColumns + ` FROM node_executions WHERE execution_id = $1`
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
	return query, args
}

// SignalColumns lists the signals columns that Decoder.Signal scans.
const SignalColumns = `execution_id, signal_id, type, value, set_by, created_at, set_at`

// Signal scans a row of SignalColumns.
func (d Decoder[T]) Signal(row Scanner) (*store.Signal, error) {
	var (
		sig       store.Signal
		createdAt T
		setAt     *T
	)
	if err := row.Scan(&sig.ExecutionRowID, &sig.SignalID, &sig.Type, &sig.Value, &sig.SetBy, &createdAt, &setAt); err != nil {
		return nil, err
	}
	sig.Type = NonNil(sig.Type)
	sig.CreatedAt, sig.SetAt = d.FromDB(createdAt), d.opt(setAt)
	return &sig, nil
}

// ExecutionColumns lists the executions columns that Decoder.Execution scans.
const ExecutionColumns = `id, project, domain, name, lp_project, lp_domain, lp_name, lp_version,
wf_project, wf_domain, wf_name, wf_version, mode, principal, parent_node_execution,
ref_project, ref_domain, ref_name, phase, state, spec, closure, inputs_uri, engine_state,
abort_requested, abort_cause, abort_principal, version, lease_owner, lease_expires_at, wake_at,
created_at, updated_at, started_at, ended_at`

// Execution scans a row of ExecutionColumns.
func (d Decoder[T]) Execution(row Scanner) (*store.Execution, error) {
	var (
		e                     store.Execution
		refProject, refDomain *string
		refName               *string
		phase, state          int32
		leaseExpires, wakeAt  *T
		createdAt, updatedAt  T
		startedAt, endedAt    *T
	)
	if err := row.Scan(&e.RowID, &e.ID.Project, &e.ID.Domain, &e.ID.Name,
		&e.LaunchPlan.Project, &e.LaunchPlan.Domain, &e.LaunchPlan.Name, &e.LaunchPlan.Version,
		&e.Workflow.Project, &e.Workflow.Domain, &e.Workflow.Name, &e.Workflow.Version,
		&e.Mode, &e.Principal, &e.ParentNodeExecution, &refProject, &refDomain, &refName,
		&phase, &state, &e.Spec, &e.Closure, &e.InputsURI, &e.EngineState,
		&e.AbortRequested, &e.AbortCause, &e.AbortPrincipal, &e.Version, &e.LeaseOwner, &leaseExpires, &wakeAt,
		&createdAt, &updatedAt, &startedAt, &endedAt); err != nil {
		return nil, err
	}
	if refName != nil {
		e.ReferenceExecution = &store.ExecutionID{Project: deref(refProject), Domain: deref(refDomain), Name: *refName}
	}
	e.Phase, e.State = store.ExecutionPhase(phase), store.ExecutionState(state)
	if leaseExpires != nil {
		e.LeaseExpiresAt = d.FromDB(*leaseExpires)
	}
	e.WakeAt, e.StartedAt, e.EndedAt = d.opt(wakeAt), d.opt(startedAt), d.opt(endedAt)
	e.CreatedAt, e.UpdatedAt = d.FromDB(createdAt), d.FromDB(updatedAt)
	e.Spec, e.Closure, e.EngineState = NonNil(e.Spec), NonNil(e.Closure), NonNil(e.EngineState)
	return &e, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// SortClaimed orders claimed executions by due time then row id, the order
// they were chosen in (RETURNING does not keep a subquery's order). Every
// claimed execution has a WakeAt.
func SortClaimed(items []*store.Execution) {
	slices.SortFunc(items, func(a, b *store.Execution) int {
		if c := a.WakeAt.Compare(*b.WakeAt); c != 0 {
			return c
		}
		return int(a.RowID - b.RowID)
	})
}

// executionListColumns maps the filterable and sortable fields of an
// execution list onto executions columns.
var executionListColumns = listsql.Columns{
	Fields: map[string]string{
		"name":             "name",
		"phase":            "phase",
		"workflow.name":    "wf_name",
		"launch_plan.name": "lp_name",
		"mode":             "mode",
		"state":            "state",
		"created_at":       "created_at",
		"updated_at":       "updated_at",
	},
	Key: "id",
}

// ExecutionListQuery returns the SELECT of ExecutionColumns for one page of
// an execution list prepared by store.PrepareExecutionList, and its
// arguments bound for dialect d.
func ExecutionListQuery(d listsql.Dialect, p store.ListParams, q *store.ListQuery) (string, []any, error) {
	b := listsql.New(d)
	conds := []string{"project = " + b.Arg(p.Project), "domain = " + b.Arg(p.Domain)}
	if !store.ExecutionListShowsArchived(q) {
		conds = append(conds, "state = 0")
	}
	more, err := b.Conditions(q, executionListColumns)
	if err != nil {
		return "", nil, err
	}
	order, err := b.OrderLimit(q, executionListColumns)
	if err != nil {
		return "", nil, err
	}
	return `SELECT ` + ExecutionColumns + ` FROM executions` + listsql.Where(append(conds, more...)) + order, b.Args(), nil
}

// NewExecutionPage builds a page of an execution list from its rows.
func NewExecutionPage(q *store.ListQuery, items []*store.Execution) *store.Page[*store.Execution] {
	return store.NewPage(q, items, func(i int) any { return items[i].RowID })
}

// Int64 scans a row of one integer column.
func Int64(row Scanner) (int64, error) {
	var v int64
	err := row.Scan(&v)
	return v, err
}
