package store

import (
	"context"
	"time"
)

// ExecutionStore persists executions and everything the engine records about
// them: node executions, task attempts, events and signals (DESIGN §3).
//
// Ownership: the admin creates executions and records requests (abort,
// signal values, archive); the engine owns phases and state. The engine
// works on an execution only while it holds its lease, and commits each
// evaluation round with ExecutionRoundCommit, which is guarded by the
// execution's Version: a stale replica's commit fails with ErrConflict and
// changes nothing.
//
// Wake-ups: an execution is due when WakeAt <= now. Creating an execution,
// requesting an abort and setting a signal make it due at once; the engine
// sets WakeAt to its next timer (retry backoff, sleep, deadline) or to nil
// while it waits only on running tasks it watches itself.
type ExecutionStore interface {
	// ExecutionCreate stores a new execution in phase QUEUED, due at once.
	// ErrAlreadyExists when project/domain/name is taken.
	ExecutionCreate(ctx context.Context, params ExecutionCreateParams) (*Execution, error)
	// ExecutionGet returns one execution by name (ErrNotFound).
	ExecutionGet(ctx context.Context, params ExecutionGetParams) (*Execution, error)
	// ExecutionGetByID returns one execution by row id (ErrNotFound).
	ExecutionGetByID(ctx context.Context, id int64) (*Execution, error)
	// ExecutionList lists executions of a project and domain (see
	// ExecutionListSpec); archived executions only when a filter asks for them.
	ExecutionList(ctx context.Context, params ListParams) (*Page[*Execution], error)
	// ExecutionRequestAbort records an abort request and makes the execution
	// due. ErrNotFound; ErrTerminal when it has already finished. A second
	// request keeps the first cause.
	ExecutionRequestAbort(ctx context.Context, params ExecutionRequestAbortParams) (*Execution, error)
	// ExecutionSetState archives or re-activates an execution (ErrNotFound).
	ExecutionSetState(ctx context.Context, params ExecutionSetStateParams) (*Execution, error)

	// ExecutionClaim leases up to Limit due, non-terminal executions whose
	// lease is free, expired or already Owner's, and returns them. On
	// PostgreSQL concurrent claimers never get the same row (FOR UPDATE SKIP
	// LOCKED).
	ExecutionClaim(ctx context.Context, params ExecutionClaimParams) ([]*Execution, error)
	// ExecutionLeaseRenew extends Owner's leases on IDs and returns the ids
	// still held (a lease that expired and was taken by another owner is lost).
	ExecutionLeaseRenew(ctx context.Context, params ExecutionLeaseParams) ([]int64, error)
	// ExecutionLeaseRelease gives up Owner's leases on IDs (on shutdown).
	ExecutionLeaseRelease(ctx context.Context, params ExecutionLeaseParams) error
	// ExecutionRoundCommit applies one evaluation round in one transaction:
	// the execution's new phase and fields, node and task-attempt upserts and
	// appended events. It fails with ErrConflict, changing nothing, unless
	// Owner holds the lease and the execution's Version is ExpectedVersion;
	// on success the Version is ExpectedVersion+1.
	ExecutionRoundCommit(ctx context.Context, params ExecutionRoundCommitParams) (*Execution, error)

	// NodeExecutionList returns the node executions of an execution, ordered
	// by NodeID. The engine loads them all (ListParams.Limit may be up to
	// MaxLimit per page); the API filters by ParentNodeID.
	NodeExecutionList(ctx context.Context, params NodeExecutionListParams) (*Page[*NodeExecution], error)
	// NodeExecutionGet returns one node execution (ErrNotFound).
	NodeExecutionGet(ctx context.Context, params NodeExecutionGetParams) (*NodeExecution, error)
	// TaskExecutionList returns the attempts of one node, by RetryAttempt.
	TaskExecutionList(ctx context.Context, params TaskExecutionListParams) ([]*TaskExecution, error)
	// TaskExecutionGet returns one attempt (ErrNotFound).
	TaskExecutionGet(ctx context.Context, params TaskExecutionGetParams) (*TaskExecution, error)
	// EventList returns the events of an execution in the order they were
	// appended, after AfterSeq (0 for all).
	EventList(ctx context.Context, params EventListParams) ([]*Event, error)

	// SignalGetOrCreate returns the signal of an execution, creating it
	// (unset, with its type) the first time.
	SignalGetOrCreate(ctx context.Context, params SignalGetOrCreateParams) (*Signal, error)
	// SignalSet sets a signal's value once and makes the execution due.
	// ErrNotFound when the signal does not exist; ErrAlreadyExists when it
	// already has a value.
	SignalSet(ctx context.Context, params SignalSetParams) (*Signal, error)
	// SignalList returns the signals of an execution, by SignalID.
	SignalList(ctx context.Context, params SignalListParams) ([]*Signal, error)
}

// ExecutionPhase mirrors corev1.WorkflowExecution_Phase numerically: the
// store keeps the number and the engine and admin convert.
type ExecutionPhase int32

// ExecutionTerminal reports whether an execution in phase p has finished
// (SUCCEEDED, FAILED, ABORTED or TIMED_OUT in the IDL's numbering).
func ExecutionTerminal(p ExecutionPhase) bool {
	switch p {
	case 4, 6, 7, 8:
		return true
	}
	return false
}

// ExecutionState says whether an execution is shown in default lists.
type ExecutionState int32

// Execution states.
const (
	ExecutionStateActive   ExecutionState = 0
	ExecutionStateArchived ExecutionState = 1
)

// ExecutionID names an execution.
type ExecutionID struct {
	Project, Domain, Name string
}

// Execution is one run of a launch plan (or of a single task).
type Execution struct {
	// RowID is the store's id, used by the engine and for child rows.
	RowID int64
	ID    ExecutionID
	// LaunchPlan and Workflow name what runs. A single task is launched
	// through a system-generated workflow and launch plan, as in Flyte, so
	// both are always set.
	LaunchPlan EntityID
	Workflow   EntityID
	// Mode is adminv1.ExecutionMetadata_ExecutionMode as a number.
	Mode      int32
	Principal string
	// ParentNodeExecution is "<parent row id>/<node id>" for a child
	// execution launched by a launch-plan node, empty otherwise.
	ParentNodeExecution string
	// ReferenceExecution is the execution this one recovers or relaunches.
	ReferenceExecution *ExecutionID

	Phase ExecutionPhase
	State ExecutionState
	// Spec is the marshalled adminv1.ExecutionSpec, written once at create.
	Spec []byte
	// Closure is the marshalled adminv1.ExecutionClosure, written by the engine.
	Closure []byte
	// InputsURI is the blob URI of the execution's inputs.pb (a LiteralMap).
	InputsURI string
	// EngineState is opaque state the engine keeps for the whole execution.
	EngineState []byte

	// AbortRequested is set by ExecutionRequestAbort.
	AbortRequested bool
	AbortCause     string
	AbortPrincipal string

	Version        int64
	LeaseOwner     string
	LeaseExpiresAt time.Time
	// WakeAt is when the execution is next due; nil while nothing is due.
	WakeAt *time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	StartedAt *time.Time
	EndedAt   *time.Time
}

// ExecutionCreateParams are the inputs of ExecutionCreate.
type ExecutionCreateParams struct {
	ID                  ExecutionID
	LaunchPlan          EntityID
	Workflow            EntityID
	Mode                int32
	Principal           string
	ParentNodeExecution string
	ReferenceExecution  *ExecutionID
	Spec                []byte
	Closure             []byte
	InputsURI           string
	Now                 time.Time
}

// ExecutionGetParams are the inputs of ExecutionGet.
type ExecutionGetParams struct {
	ID ExecutionID
}

// ExecutionRequestAbortParams are the inputs of ExecutionRequestAbort.
type ExecutionRequestAbortParams struct {
	ID        ExecutionID
	Cause     string
	Principal string
	Now       time.Time
}

// ExecutionSetStateParams are the inputs of ExecutionSetState.
type ExecutionSetStateParams struct {
	ID    ExecutionID
	State ExecutionState
	Now   time.Time
}

// ExecutionClaimParams are the inputs of ExecutionClaim.
type ExecutionClaimParams struct {
	Owner    string
	LeaseFor time.Duration
	Limit    int
	Now      time.Time
}

// ExecutionLeaseParams are the inputs of ExecutionLeaseRenew and
// ExecutionLeaseRelease.
type ExecutionLeaseParams struct {
	Owner    string
	IDs      []int64
	LeaseFor time.Duration
	Now      time.Time
}

// ExecutionRoundCommitParams are the inputs of ExecutionRoundCommit.
type ExecutionRoundCommitParams struct {
	RowID           int64
	Owner           string
	ExpectedVersion int64
	// Phase, Closure, EngineState, WakeAt, StartedAt and EndedAt replace the
	// execution's values (Closure and EngineState only when non-nil).
	Phase       ExecutionPhase
	Closure     []byte
	EngineState []byte
	WakeAt      *time.Time
	StartedAt   *time.Time
	EndedAt     *time.Time
	// Nodes and Tasks are upserted by their keys (NodeID; NodeID+RetryAttempt).
	Nodes  []*NodeExecution
	Tasks  []*TaskExecution
	Events []*Event
	Now    time.Time
}

// NodeExecution is the state of one node of an execution. Nested nodes (in
// sub-workflows, branches, arrays, dynamic workflows) have unique ids made by
// prefixing their parent's id, and name their parent in ParentNodeID.
type NodeExecution struct {
	ExecutionRowID int64
	NodeID         string
	ParentNodeID   string
	// SpecNodeID is the node's id in its workflow template.
	SpecNodeID string
	// Phase is corev1.NodeExecution_Phase as a number.
	Phase int32
	// Attempts counts task attempts started; SystemFailures those that
	// failed for system reasons.
	Attempts       int32
	SystemFailures int32
	// Closure is the marshalled adminv1.NodeExecutionClosure.
	Closure []byte
	// EngineState is opaque per-node state of the engine.
	EngineState []byte
	InputURI    string
	OutputURI   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	StartedAt   *time.Time
	EndedAt     *time.Time
}

// TaskExecution is one attempt of a task node.
type TaskExecution struct {
	ExecutionRowID int64
	NodeID         string
	RetryAttempt   int32
	// Task names the task template that ran.
	Task EntityID
	// Phase is corev1.TaskExecution_Phase as a number; PhaseVersion counts
	// updates within one phase.
	Phase        int32
	PhaseVersion int32
	// Closure is the marshalled adminv1.TaskExecutionClosure (logs, error, reason).
	Closure []byte
	// PluginState is the plugin's opaque handle (e.g. a process id or pod
	// name) so the attempt can be observed or re-attached after a restart.
	PluginState []byte
	CreatedAt   time.Time
	UpdatedAt   time.Time
	StartedAt   *time.Time
	EndedAt     *time.Time
}

// EventKind says what an event is about.
type EventKind int32

// Event kinds.
const (
	EventKindExecution EventKind = 1
	EventKindNode      EventKind = 2
	EventKindTask      EventKind = 3
)

// Event is one phase change, appended by ExecutionRoundCommit.
type Event struct {
	// Seq orders the events of an execution; assigned by the store.
	Seq            int64
	ExecutionRowID int64
	Kind           EventKind
	NodeID         string
	RetryAttempt   int32
	Phase          int32
	OccurredAt     time.Time
	// Body is the marshalled event (eventv1.*Event).
	Body []byte
}

// NodeExecutionListParams are the inputs of NodeExecutionList.
type NodeExecutionListParams struct {
	ExecutionRowID int64
	// ParentNodeID, when set, lists only the children of that node; use
	// TopLevel to list only nodes without a parent.
	ParentNodeID string
	TopLevel     bool
	// Limit and Token page the list as in ListParams.
	Limit int
	Token string
}

// NodeExecutionGetParams are the inputs of NodeExecutionGet.
type NodeExecutionGetParams struct {
	ExecutionRowID int64
	NodeID         string
}

// TaskExecutionListParams are the inputs of TaskExecutionList.
type TaskExecutionListParams struct {
	ExecutionRowID int64
	NodeID         string
}

// TaskExecutionGetParams are the inputs of TaskExecutionGet.
type TaskExecutionGetParams struct {
	ExecutionRowID int64
	NodeID         string
	RetryAttempt   int32
}

// EventListParams are the inputs of EventList.
type EventListParams struct {
	ExecutionRowID int64
	AfterSeq       int64
	Limit          int
}

// Signal is a value an execution's gate node waits for.
type Signal struct {
	ExecutionRowID int64
	SignalID       string
	// Type is the marshalled corev1.LiteralType the value must have.
	Type []byte
	// Value is the marshalled corev1.Literal, nil until set.
	Value     []byte
	SetBy     string
	CreatedAt time.Time
	SetAt     *time.Time
}

// SignalGetOrCreateParams are the inputs of SignalGetOrCreate.
type SignalGetOrCreateParams struct {
	ExecutionRowID int64
	SignalID       string
	Type           []byte
	Now            time.Time
}

// SignalSetParams are the inputs of SignalSet.
type SignalSetParams struct {
	ExecutionRowID int64
	SignalID       string
	Value          []byte
	SetBy          string
	Now            time.Time
}

// SignalListParams are the inputs of SignalList.
type SignalListParams struct {
	ExecutionRowID int64
}
