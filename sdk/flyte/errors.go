package flyte

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// TaskError is an error returned by a task with its kind: who caused it
// (the task's code and data, or the system it runs on) and whether a retry
// may succeed. The platform counts user and system failures against
// separate retry budgets and retries only recoverable errors.
//
// A task returns a plain error for a non-recoverable user error; wrap it
// with SystemError or Recoverable to say otherwise. Find the kind of any
// error with errors.As:
//
//	var te *flyte.TaskError
//	if errors.As(err, &te) && te.Recoverable { ... }
type TaskError struct {
	// Err is the error itself.
	Err error
	// System is true when the platform or infrastructure failed, not the
	// task's code or data.
	System bool
	// Recoverable is true when retrying may succeed.
	Recoverable bool
	// Code is a short machine-readable code; empty means "TaskError".
	Code string
}

// Error returns the message of Err.
func (e *TaskError) Error() string {
	if e.Err == nil {
		return "task failed"
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *TaskError) Unwrap() error { return e.Err }

// UserError marks err as caused by the task's code or data, not retried.
// It is what a plain error returned by a task means.
func UserError(err error) error {
	if err == nil {
		return nil
	}
	return &TaskError{Err: err}
}

// SystemError marks err as caused by the system the task runs on (a
// service or store it depends on), not retried unless also Recoverable.
func SystemError(err error) error {
	if err == nil {
		return nil
	}
	k := kindOf(err)
	return &TaskError{Err: err, System: true, Recoverable: k.Recoverable, Code: k.Code}
}

// Recoverable marks err as worth retrying (a timeout, a flaky dependency).
// It keeps the user or system origin err already has.
func Recoverable(err error) error {
	if err == nil {
		return nil
	}
	k := kindOf(err)
	return &TaskError{Err: err, System: k.System, Recoverable: true, Code: k.Code}
}

// kindOf returns the kind err carries: the outermost *TaskError in its
// chain, or a non-recoverable user error.
func kindOf(err error) TaskError {
	var te *TaskError
	if errors.As(err, &te) {
		return *te
	}
	return TaskError{Err: err}
}

// panicError turns a recovered panic into a non-recoverable user error
// carrying the panic value and the stack.
func panicError(v any) error {
	return &TaskError{Err: fmt.Errorf("panic: %v\n\n%s", v, debug.Stack()), Code: "Panic"}
}

// errorDocument is the error.pb content for err.
func errorDocument(err error, worker string, now time.Time) *corev1.ErrorDocument {
	k := kindOf(err)
	doc := &corev1.ContainerError{
		Code:      k.Code,
		Message:   err.Error(),
		Kind:      corev1.ContainerError_KIND_NON_RECOVERABLE,
		Origin:    corev1.ExecutionError_ERROR_KIND_USER,
		Timestamp: timestamppb.New(now),
		Worker:    worker,
	}
	if doc.Code == "" {
		doc.Code = "TaskError"
	}
	if k.Recoverable {
		doc.Kind = corev1.ContainerError_KIND_RECOVERABLE
	}
	if k.System {
		doc.Origin = corev1.ExecutionError_ERROR_KIND_SYSTEM
	}
	return &corev1.ErrorDocument{Error: doc}
}
