package propeller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// roundResult says what a round did: whether it committed changes, and when
// the execution wants to be looked at again.
type roundResult struct {
	changed bool
	wakeAt  time.Time
}

// round is one evaluation of an execution: it mutates the cached view in
// place (a failed commit throws the whole view away) and collects what
// changed for one ExecutionRoundCommit.
type round struct {
	e   *Engine
	st  *execState
	now time.Time

	dirtyNodes map[string]bool
	dirtyTasks map[*store.TaskExecution]bool
	events     []*store.Event
	changed    bool
	closureDir bool
	wake       time.Time

	// running counts task attempts in flight, for max parallelism.
	running int
	maxPar  int
}

// nodeState is a node's engine-private state, kept as JSON in its row.
type nodeState struct {
	// Deadline ends the node TIMED_OUT (node metadata timeout).
	Deadline time.Time `json:"deadline,omitzero"`
	// AttemptDeadline fails the current attempt (task metadata timeout).
	AttemptDeadline time.Time `json:"attempt_deadline,omitzero"`
	// Branch is the id of the chosen branch case node.
	Branch string `json:"branch,omitempty"`
	// SleepUntil is when a sleep gate opens.
	SleepUntil time.Time `json:"sleep_until,omitzero"`
	// Child is the execution launched by a launch-plan node.
	Child *store.ExecutionID `json:"child,omitempty"`
	// Array holds the element states of an array node.
	Array *arrayState `json:"array,omitempty"`
}

func (e *Engine) round(ctx context.Context, st *execState) (roundResult, error) {
	r := &round{
		e: e, st: st, now: e.opts.Clock.Now().UTC(),
		dirtyNodes: map[string]bool{}, dirtyTasks: map[*store.TaskExecution]bool{},
		maxPar: int(st.spec.GetMaxParallelism()),
	}
	r.countRunning()
	x := st.exec
	prevPhase := x.Phase
	phase := corev1.WorkflowExecution_Phase(x.Phase)
	if phase == corev1.WorkflowExecution_PHASE_QUEUED || phase == corev1.WorkflowExecution_PHASE_UNDEFINED {
		t := r.now
		x.StartedAt = &t
		st.closure.StartedAt = timestamppb.New(t)
		r.setExecPhase(corev1.WorkflowExecution_PHASE_RUNNING, nil)
	}
	if x.AbortRequested {
		if err := r.abortAll(ctx); err != nil {
			return roundResult{}, err
		}
		r.setExecPhase(corev1.WorkflowExecution_PHASE_ABORTING, nil)
		st.closure.OutputResult = &adminv1.ExecutionClosure_AbortMetadata{AbortMetadata: &adminv1.AbortMetadata{Cause: x.AbortCause, Principal: x.AbortPrincipal}}
		r.setExecPhase(corev1.WorkflowExecution_PHASE_ABORTED, nil)
	} else if err := r.evalWorkflow(ctx); err != nil {
		return roundResult{}, err
	}
	return r.commit(ctx, prevPhase)
}

// evalWorkflow evaluates the primary workflow and moves the execution on.
func (r *round) evalWorkflow(ctx context.Context) error {
	g := r.st.wf.primary
	sc := &scope{g: g, inputs: r.st.inputs}
	res, err := r.evalScope(ctx, sc)
	if err != nil {
		return err
	}
	switch {
	case res.failure != nil:
		return r.failWorkflow(ctx, sc, res.failure)
	case res.done:
		outs, err := r.bindInputs(ctx, sc, g.wf.GetTemplate().GetOutputs())
		if err != nil {
			return r.failWorkflow(ctx, sc, &corev1.ExecutionError{Code: "OutputBinding", Message: err.Error(), Kind: corev1.ExecutionError_ERROR_KIND_USER})
		}
		key := r.st.execPrefix() + "/outputs.pb"
		if err := r.e.blobs.WriteProto(ctx, key, outs); err != nil {
			return fmt.Errorf("write outputs of %s: %w", r.st.exec.ID.Name, err)
		}
		r.setExecPhase(corev1.WorkflowExecution_PHASE_SUCCEEDING, nil)
		r.st.closure.OutputResult = &adminv1.ExecutionClosure_OutputUri{OutputUri: r.e.blobs.URL(key)}
		r.setExecPhase(corev1.WorkflowExecution_PHASE_SUCCEEDED, nil)
	}
	return nil
}

// failWorkflow aborts what still runs (under FAIL_IMMEDIATELY), runs the
// failure node if there is one, and ends the execution FAILED.
func (r *round) failWorkflow(ctx context.Context, sc *scope, cause *corev1.ExecutionError) error {
	r.setExecPhase(corev1.WorkflowExecution_PHASE_FAILING, cause)
	if err := r.abortUnder(ctx, "", "failing: "+cause.GetMessage()); err != nil {
		return err
	}
	if fn := sc.g.wf.GetTemplate().GetFailureNode(); fn != nil && fn.GetTarget() != nil {
		ne, err := r.evalNode(ctx, sc, fn, fn.GetId(), "")
		if err != nil {
			return err
		}
		if ne == nil || !nodeTerminal(ne.Phase) {
			return nil
		}
	}
	r.st.closure.OutputResult = &adminv1.ExecutionClosure_Error{Error: cause}
	r.setExecPhase(corev1.WorkflowExecution_PHASE_FAILED, cause)
	return nil
}

// setExecPhase moves the execution to p (once) and appends its event.
func (r *round) setExecPhase(p corev1.WorkflowExecution_Phase, execErr *corev1.ExecutionError) {
	x := r.st.exec
	if x.Phase == store.ExecutionPhase(p) {
		return
	}
	x.Phase = store.ExecutionPhase(p)
	r.changed, r.closureDir = true, true
	c := r.st.closure
	c.Phase = p
	c.UpdatedAt = timestamppb.New(r.now)
	if store.ExecutionTerminal(x.Phase) {
		t := r.now
		x.EndedAt = &t
		if x.StartedAt != nil {
			c.Duration = durationpb.New(t.Sub(*x.StartedAt))
		}
	}
	ev := &eventExec{id: r.execID(), phase: p, at: r.now, producer: r.e.opts.Owner, err: execErr}
	if o, ok := c.GetOutputResult().(*adminv1.ExecutionClosure_OutputUri); ok && p == corev1.WorkflowExecution_PHASE_SUCCEEDED {
		ev.outputURI = o.OutputUri
	}
	r.events = append(r.events, &store.Event{ExecutionRowID: x.RowID, Kind: store.EventKindExecution, Phase: int32(p), OccurredAt: r.now, Body: ev.marshal()})
}

func (r *round) execID() *corev1.WorkflowExecutionIdentifier {
	id := r.st.exec.ID
	return &corev1.WorkflowExecutionIdentifier{Project: id.Project, Domain: id.Domain, Name: id.Name}
}

// wakeAt asks for the execution to be evaluated again at t.
func (r *round) wakeAt(t time.Time) {
	if r.wake.IsZero() || t.Before(r.wake) {
		r.wake = t
	}
}

func (r *round) countRunning() {
	for id, te := range r.st.attempts {
		if !taskTerminal(te.Phase) {
			if ne := r.st.nodes[id]; ne != nil && !nodeTerminal(ne.Phase) {
				r.running++
			}
		}
	}
	for _, ne := range r.st.nodes {
		if ne.EngineState != nil && !nodeTerminal(ne.Phase) {
			ns := decodeState(ne)
			if ns.Array != nil {
				r.running += ns.Array.runningCount()
			}
		}
	}
}

// slotFree reports whether max parallelism allows another attempt to start.
func (r *round) slotFree() bool {
	return r.maxPar <= 0 || r.running < r.maxPar
}

func (r *round) commit(ctx context.Context, prevPhase store.ExecutionPhase) (roundResult, error) {
	x := r.st.exec
	terminal := store.ExecutionTerminal(x.Phase)
	// A safety wake-up one lease away: if this replica dies, the execution
	// is due again when its lease has expired, so another replica takes it.
	safety := r.now.Add(r.e.opts.LeaseDuration)
	wake := safety
	if !r.wake.IsZero() && r.wake.Before(wake) {
		wake = r.wake
	}
	needCommit := r.changed || x.WakeAt == nil || !x.WakeAt.After(r.now) || wake.Before(*x.WakeAt)
	if terminal {
		needCommit = r.changed
	}
	if !needCommit {
		return roundResult{wakeAt: *x.WakeAt}, nil
	}
	params := store.ExecutionRoundCommitParams{
		RowID: x.RowID, Owner: r.e.opts.Owner, ExpectedVersion: x.Version,
		Phase: x.Phase, StartedAt: x.StartedAt, EndedAt: x.EndedAt, Now: r.now, Events: r.events,
	}
	if !terminal {
		params.WakeAt = &wake
	}
	if r.closureDir {
		c := r.st.closure
		c.UpdatedAt = timestamppb.New(r.now)
		b, err := proto.Marshal(c)
		if err != nil {
			return roundResult{}, fmt.Errorf("encode closure: %w", err)
		}
		params.Closure = b
	}
	for _, id := range sortedKeys(r.dirtyNodes) {
		ne := r.st.nodes[id]
		ne.UpdatedAt = r.now
		params.Nodes = append(params.Nodes, ne)
	}
	for te := range r.dirtyTasks {
		te.UpdatedAt = r.now
		params.Tasks = append(params.Tasks, te)
	}
	got, err := r.e.st.ExecutionRoundCommit(ctx, params)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return roundResult{}, err
		}
		return roundResult{}, fmt.Errorf("commit round of %s: %w", x.ID.Name, err)
	}
	r.st.exec = got
	if f := r.e.opts.OnCommit; f != nil {
		f(got)
	}
	if r.changed && prevPhase != x.Phase {
		r.e.log.Debug("execution phase", "execution", x.ID.Name, "phase", corev1.WorkflowExecution_Phase(x.Phase).String())
	}
	return roundResult{changed: r.changed, wakeAt: wake}, nil
}

// touch marks a node as changed in this round.
func (r *round) touch(ne *store.NodeExecution) {
	r.dirtyNodes[ne.NodeID] = true
	r.changed = true
}

func decodeState(ne *store.NodeExecution) *nodeState {
	ns := &nodeState{}
	if len(ne.EngineState) > 0 {
		_ = json.Unmarshal(ne.EngineState, ns)
	}
	return ns
}

func (r *round) saveState(ne *store.NodeExecution, ns *nodeState) {
	b, err := json.Marshal(ns)
	if err != nil {
		panic(fmt.Sprintf("propeller: encode node state: %v", err))
	}
	ne.EngineState = b
	r.touch(ne)
}

func nodeTerminal(p int32) bool {
	switch corev1.NodeExecution_Phase(p) {
	case corev1.NodeExecution_PHASE_SUCCEEDED, corev1.NodeExecution_PHASE_FAILED, corev1.NodeExecution_PHASE_ABORTED,
		corev1.NodeExecution_PHASE_SKIPPED, corev1.NodeExecution_PHASE_TIMED_OUT, corev1.NodeExecution_PHASE_RECOVERED:
		return true
	}
	return false
}

func nodeSucceeded(p int32) bool {
	return p == int32(corev1.NodeExecution_PHASE_SUCCEEDED) || p == int32(corev1.NodeExecution_PHASE_RECOVERED)
}

func taskTerminal(p int32) bool {
	switch corev1.TaskExecution_Phase(p) {
	case corev1.TaskExecution_PHASE_SUCCEEDED, corev1.TaskExecution_PHASE_FAILED, corev1.TaskExecution_PHASE_ABORTED,
		corev1.TaskExecution_PHASE_RETRYABLE_FAILED:
		return true
	}
	return false
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
