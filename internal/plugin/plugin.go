// Package plugin is the contract between the engine (propeller) and the
// plugins that run task attempts, routed by task type: localplugin runs a
// process on this machine, builtinplugin answers echo and sleep tasks without
// one, and a Kubernetes plugin will run pods.
//
// The rules every plugin follows:
//
//   - Start begins one attempt and returns quickly with a handle (opaque
//     bytes) that the engine persists with the attempt. Starting an attempt
//     whose handle the engine never received must be harmless: the engine
//     may call Start again for the same attempt after a crash.
//   - Status reports the attempt's phase now, without blocking. When an
//     attempt changes phase the plugin calls the attempt's Wake so the
//     engine evaluates again; the engine never polls on a fixed delay.
//   - The attempt's inputs are in TaskContext.Inputs, always set by the
//     engine; no inputs.pb exists until a plugin that needs a file (an SDK
//     container reads one) calls TaskContext.InputsFile, which writes it
//     once and returns its key. Creating a file per attempt costs more
//     than a short task itself, so plugins that can do without one do.
//   - On success the plugin either returns the outputs in Status.Outputs
//     (preferred for small values: no file is written) or has written them
//     as a corev1.LiteralMap at OutputsKey. A task whose interface has no
//     outputs may do neither: readers treat missing outputs of such a task
//     as the empty map. The engine keeps small outputs inline in its rows
//     and writes large ones to a blob itself. A dynamic task succeeds by
//     generating work instead of outputs: it writes a corev1.DynamicJobSpec
//     at FuturesKey (no outputs.pb), and the plugin returns it in
//     Status.Dynamic; the engine compiles it and runs it as the node's
//     children, whose bound outputs become the node's outputs. On failure the plugin
//     reports the error with its kind (USER or SYSTEM) and whether it may
//     be retried; the engine owns retries, timeouts, caching and events.
//   - Abort stops a running attempt; aborting a finished one is a no-op.
//   - A handle the plugin cannot observe (for example a local process that
//     died with an earlier run of the engine) is reported as a retryable
//     SYSTEM failure, so the engine retries it against the system budget.
package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"strconv"
	"sync"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/storage"
)

// Plugin runs the attempts of one or more task types.
type Plugin interface {
	// Start begins the attempt and returns its handle.
	Start(ctx context.Context, tc *TaskContext) (Handle, error)
	// Status reports the attempt's current phase.
	Status(ctx context.Context, tc *TaskContext, h Handle) (Status, error)
	// Abort stops the attempt.
	Abort(ctx context.Context, tc *TaskContext, h Handle) error
}

// Handle is a plugin's opaque, persisted reference to one attempt.
type Handle []byte

// Phase is where an attempt is, as a plugin sees it.
type Phase int

// Attempt phases. Only Succeeded, Failed and Aborted are final.
const (
	// PhaseQueued: accepted, not running yet (waiting for a slot or resources).
	PhaseQueued Phase = iota + 1
	// PhaseRunning: running.
	PhaseRunning
	// PhaseSucceeded: finished; outputs are in Status.Outputs or at OutputsKey.
	PhaseSucceeded
	// PhaseFailed: finished with Status.Error.
	PhaseFailed
	// PhaseAborted: stopped by Abort.
	PhaseAborted
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhaseQueued:
		return "QUEUED"
	case PhaseRunning:
		return "RUNNING"
	case PhaseSucceeded:
		return "SUCCEEDED"
	case PhaseFailed:
		return "FAILED"
	case PhaseAborted:
		return "ABORTED"
	default:
		return "Phase(" + strconv.Itoa(int(p)) + ")"
	}
}

// Final reports whether the attempt has ended.
func (p Phase) Final() bool {
	return p == PhaseSucceeded || p == PhaseFailed || p == PhaseAborted
}

// Status is an attempt's state as a plugin reports it.
type Status struct {
	Phase Phase
	// Reason says why the attempt is in its phase, for people.
	Reason string
	// Error describes a failure: its Kind says USER or SYSTEM.
	Error *corev1.ExecutionError
	// Retryable says whether the engine may retry a failure (if budget remains).
	Retryable bool
	// Logs are where the attempt's output can be read.
	Logs []*corev1.TaskLog
	// StartedAt and EndedAt are when the attempt ran, when known.
	StartedAt, EndedAt time.Time
	// Outputs are a succeeded attempt's outputs inline; nil means they are
	// at OutputsKey (or the task declares none).
	Outputs *corev1.LiteralMap
	// Dynamic is the workflow a succeeded dynamic task generated (read from
	// FuturesKey); nil for an ordinary task. Outputs is then nil.
	Dynamic *corev1.DynamicJobSpec
}

// UserFailure is a failed status caused by the task's own code or data.
func UserFailure(code, message string, retryable bool) Status {
	return failure(corev1.ExecutionError_ERROR_KIND_USER, code, message, retryable)
}

// SystemFailure is a failed status caused by the platform (lost process,
// missing binary, storage error); it counts against the system retry budget.
func SystemFailure(code, message string, retryable bool) Status {
	return failure(corev1.ExecutionError_ERROR_KIND_SYSTEM, code, message, retryable)
}

func failure(kind corev1.ExecutionError_ErrorKind, code, message string, retryable bool) Status {
	return Status{
		Phase:     PhaseFailed,
		Reason:    message,
		Error:     &corev1.ExecutionError{Code: code, Message: message, Kind: kind},
		Retryable: retryable,
	}
}

// AttemptID names one attempt of a task node.
type AttemptID struct {
	Project, Domain, Execution string
	// NodeID is the node's unique id in the execution.
	NodeID       string
	RetryAttempt int32
}

// String is "project/domain/execution/node/attempt".
func (a AttemptID) String() string {
	return fmt.Sprintf("%s/%s/%s/%s/%d", a.Project, a.Domain, a.Execution, a.NodeID, a.RetryAttempt)
}

// TaskContext is everything a plugin knows about one attempt.
type TaskContext struct {
	Attempt AttemptID
	Task    *corev1.TaskTemplate
	// Blobs is the blob store holding inputs and receiving outputs.
	Blobs *storage.Store
	// Inputs are the attempt's inputs.
	Inputs *corev1.LiteralMap
	// InputsKey is where InputsFile writes the inputs.pb (a corev1.LiteralMap).
	InputsKey string
	// AttemptPrefix is the key prefix of this attempt's outputs, error and logs.
	AttemptPrefix string
	// RawOutputPrefix is the key prefix for raw user data (files, directories).
	RawOutputPrefix string
	// Env is extra environment for the task (execution envs, secrets).
	Env map[string]string
	// Wake asks the engine to evaluate the execution again; plugins call it
	// when the attempt changes phase. Safe to call from any goroutine.
	Wake func()
	// Logger is scoped to the attempt.
	Logger *slog.Logger

	mu            sync.Mutex
	inputsWritten bool
}

// InputsFile writes Inputs to InputsKey once (later calls write nothing)
// and returns the key, for plugins whose tasks read an inputs.pb.
func (tc *TaskContext) InputsFile(ctx context.Context) (string, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.inputsWritten {
		return tc.InputsKey, nil
	}
	in := tc.Inputs
	if in == nil {
		in = &corev1.LiteralMap{}
	}
	if err := tc.Blobs.WriteProto(ctx, tc.InputsKey, in); err != nil {
		return "", fmt.Errorf("write inputs of %s: %w", tc.Attempt, err)
	}
	tc.inputsWritten = true
	return tc.InputsKey, nil
}

// InputsWritten reports whether InputsFile wrote the inputs.pb.
func (tc *TaskContext) InputsWritten() bool {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.inputsWritten
}

// OutputsKey is where a successful attempt's outputs.pb is written.
func (tc *TaskContext) OutputsKey() string { return path.Join(tc.AttemptPrefix, "outputs.pb") }

// FuturesKey is where a dynamic SDK task writes the workflow it generated
// (futures.pb, a corev1.DynamicJobSpec) instead of outputs.pb.
func (tc *TaskContext) FuturesKey() string { return path.Join(tc.AttemptPrefix, "futures.pb") }

// ErrorKey is where an SDK task may write its error.pb (a corev1.ErrorDocument).
func (tc *TaskContext) ErrorKey() string { return path.Join(tc.AttemptPrefix, "error.pb") }

// Registry routes task types to plugins.
type Registry struct {
	byType map[string]Plugin
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byType: map[string]Plugin{}} }

// Register routes the task types to p; a type registered twice is a
// programming error and panics.
func (r *Registry) Register(p Plugin, taskTypes ...string) {
	for _, t := range taskTypes {
		if _, dup := r.byType[t]; dup {
			panic(fmt.Sprintf("plugin: task type %q registered twice", t))
		}
		r.byType[t] = p
	}
}

// Lookup returns the plugin for a task type.
func (r *Registry) Lookup(taskType string) (Plugin, error) {
	p, ok := r.byType[taskType]
	if !ok {
		return nil, fmt.Errorf("no plugin runs task type %q", taskType)
	}
	return p, nil
}
