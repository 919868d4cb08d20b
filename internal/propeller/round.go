package propeller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
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
	// orphans are the attempts a failed round started.
	orphans []startedAttempt
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

	// started lists the attempts started in this round: if the round's
	// commit fails no row records them (see reapOrphans).
	started []startedAttempt
	// failure is handed to the failure node as its error inputs.
	failure *failureInput
}

// failureInput is the error a workflow's failure node receives.
type failureInput struct {
	nodeID string // the failure node
	err    *corev1.Error
}

// startedAttempt is a plugin attempt started during a round.
type startedAttempt struct {
	p  plugin.Plugin
	tc *plugin.TaskContext
	h  plugin.Handle
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
	// Cache is the memo of a cacheable task node (cache.go).
	Cache *cacheState `json:"cache,omitempty"`
	// Dynamic is the workflow a dynamic task node generated (dynamic.go).
	Dynamic *dynamicState `json:"dynamic,omitempty"`
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
		return roundResult{orphans: r.started}, err
	}
	res, err := r.commit(ctx, prevPhase)
	if err != nil {
		res.orphans = r.started
	}
	return res, err
}

// reapOrphans stops attempts started by rounds that were thrown away (a
// stale commit or an error) unless the committed state records the same
// attempt (plugins let the engine start an attempt again and hand back the
// one already running). st is nil when nothing is known to be committed.
func (e *Engine) reapOrphans(st *execState, orphans []startedAttempt) {
	if len(orphans) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, o := range orphans {
		if st != nil && st.records(o.tc.Attempt) {
			continue
		}
		if err := o.p.Abort(ctx, o.tc, o.h); err != nil {
			e.log.Warn("abort attempt of a discarded round", slog.String("attempt", o.tc.Attempt.String()), slog.Any("error", err))
		}
	}
}

// records reports whether the view holds attempt a as a task attempt or as
// the current try of an array element.
func (st *execState) records(a plugin.AttemptID) bool {
	if te := st.attempts[a.NodeID]; te != nil && te.RetryAttempt == a.RetryAttempt {
		return true
	}
	i := strings.LastIndex(a.NodeID, "-")
	if i < 0 {
		return false
	}
	ne := st.nodes[a.NodeID[:i]]
	if ne == nil || ne.EngineState == nil {
		return false
	}
	arr := decodeState(ne).Array
	k, err := strconv.Atoi(a.NodeID[i+1:])
	if arr == nil || err != nil || k < 0 || k >= arr.N {
		return false
	}
	_, running := arr.Handles[k]
	return running && int32(arr.Attempts[k])-1 == a.RetryAttempt
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
		return r.failWorkflow(ctx, sc, res.failure, res.failedNode)
	case res.done:
		outs, err := r.bindInputs(ctx, sc, g.wf.GetTemplate().GetOutputs())
		if err != nil {
			return r.failWorkflow(ctx, sc, &corev1.ExecutionError{Code: "OutputBinding", Message: err.Error(), Kind: corev1.ExecutionError_ERROR_KIND_USER}, "")
		}
		r.setExecPhase(corev1.WorkflowExecution_PHASE_SUCCEEDING, nil)
		// Small outputs stay inline in the closure, large ones go to a blob.
		if proto.Size(outs) <= inlineLimit {
			r.st.closure.OutputResult = &adminv1.ExecutionClosure_OutputData{OutputData: outs}
		} else {
			key := r.st.execPrefix() + "/outputs.pb"
			if err := r.e.blobs.WriteProto(ctx, key, outs); err != nil {
				return fmt.Errorf("write outputs of %s: %w", r.st.exec.ID.Name, err)
			}
			r.st.closure.OutputResult = &adminv1.ExecutionClosure_OutputUri{OutputUri: r.e.blobs.URL(key)}
		}
		r.setExecPhase(corev1.WorkflowExecution_PHASE_SUCCEEDED, nil)
	}
	return nil
}

// failWorkflow aborts what still runs (under FAIL_IMMEDIATELY), runs the
// failure node if there is one, and ends the execution FAILED: with the
// failing node's error, or the failure node's own when it fails too.
func (r *round) failWorkflow(ctx context.Context, sc *scope, cause *corev1.ExecutionError, failedNode string) error {
	r.setExecPhase(corev1.WorkflowExecution_PHASE_FAILING, cause)
	cause, done, err := r.runFailureNode(ctx, sc, cause, failedNode)
	if err != nil || !done {
		return err
	}
	r.st.closure.OutputResult = &adminv1.ExecutionClosure_Error{Error: cause}
	r.setExecPhase(corev1.WorkflowExecution_PHASE_FAILED, cause)
	return nil
}

// runFailureNode handles a failed scope (the primary workflow or an inline
// sub-workflow): it aborts what still runs in the scope, then runs the
// scope's failure node, if it declares one, with the error in its error
// inputs; the node's id carries the scope's prefix like the other nodes.
// done reports that the scope has finished failing, and err is then the
// error it fails with: cause, or the failure node's own when it fails too.
func (r *round) runFailureNode(ctx context.Context, sc *scope, cause *corev1.ExecutionError, failedNode string) (*corev1.ExecutionError, bool, error) {
	fn := sc.g.wf.GetTemplate().GetFailureNode()
	if fn.GetTarget() == nil {
		fn = nil
	}
	uid := sc.prefix + fn.GetId()
	// Once the failure node has started, everything else was aborted in
	// an earlier round; aborting again would abort the failure node.
	if fn == nil || r.st.nodes[uid] == nil {
		if err := r.abortUnder(ctx, sc.parent, "failing: "+cause.GetMessage()); err != nil {
			return nil, false, err
		}
	}
	if fn == nil {
		return cause, true, nil
	}
	prev := r.failure
	r.failure = &failureInput{nodeID: uid, err: &corev1.Error{FailedNodeId: failedNode, Message: cause.GetMessage()}}
	ne, err := r.evalNode(ctx, sc, fn, uid, sc.parent)
	r.failure = prev
	if err != nil {
		return nil, false, err
	}
	if ne == nil || !nodeTerminal(ne.Phase) {
		return nil, false, nil
	}
	if !nodeSucceeded(ne.Phase) {
		cause = r.nodeError(ne)
	}
	return cause, true, nil
}

// addErrorInputs gives the failure node the workflow's error in each of its
// inputs of the error type that no binding sets (the compiler lets them be
// unbound).
func (r *round) addErrorInputs(n *corev1.Node, inputs *corev1.LiteralMap) {
	var vars map[string]*corev1.Variable
	switch t := n.GetTarget().(type) {
	case *corev1.Node_TaskNode:
		vars = r.st.wf.tasks[idKey(t.TaskNode.GetReferenceId())].GetInterface().GetInputs().GetVariables()
	case *corev1.Node_WorkflowNode:
		if g := r.st.wf.subs[idKey(t.WorkflowNode.GetSubWorkflowRef())]; g != nil {
			vars = g.wf.GetTemplate().GetInterface().GetInputs().GetVariables()
		}
	}
	errLit := &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Error{Error: r.failure.err}}}}
	for name, v := range vars {
		if _, bound := inputs.GetLiterals()[name]; bound {
			continue
		}
		t := v.GetType()
		if t.GetSimple() == corev1.SimpleType_SIMPLE_TYPE_ERROR {
			inputs.Literals[name] = errLit
			continue
		}
		for _, variant := range t.GetUnionType().GetVariants() {
			if variant.GetSimple() == corev1.SimpleType_SIMPLE_TYPE_ERROR {
				inputs.Literals[name] = &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: errLit, Type: variant}}}}}
				break
			}
		}
	}
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
	if p == corev1.WorkflowExecution_PHASE_SUCCEEDED {
		ev.outputURI, ev.outputData = c.GetOutputUri(), c.GetOutputData()
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
