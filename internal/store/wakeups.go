package store

import "context"

// ExecutionWaker is an optional capability of an ExecutionStore, found by
// type assertion: it tells the engine at once when an execution becomes due,
// so the engine need not poll ExecutionClaim tightly.
//
// The channel delivers the row ids of executions made due by
// ExecutionCreate, ExecutionRequestAbort, SignalSet and by an
// ExecutionRoundCommit whose WakeAt is not after its Now, after the change is
// committed. It is closed when ctx ends. Delivery is a hint, not a queue: an
// id may be delivered more than once, and a subscriber that falls far behind
// may miss some, so the engine still claims periodically.
type ExecutionWaker interface {
	ExecutionWakeups(ctx context.Context) (<-chan int64, error)
}
