package propeller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// taskRun is what the engine needs to run attempts of one task node.
type taskRun struct {
	ne     *store.NodeExecution
	tmpl   *corev1.TaskTemplate
	plugin plugin.Plugin
	// userRetries is the node's budget of retries after USER failures.
	userRetries int32
	// attemptTimeout limits one attempt (0: none).
	attemptTimeout time.Duration
}

func (r *round) evalTask(ctx context.Context, n *corev1.Node, tn *corev1.TaskNode, ne *store.NodeExecution) error {
	tmpl := r.st.wf.tasks[idKey(tn.GetReferenceId())]
	if tmpl == nil {
		r.failNode(ne, "TaskNotFound", fmt.Sprintf("node %s: task %s is not in the compiled workflow", ne.NodeID, idKey(tn.GetReferenceId())), corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil
	}
	p, err := r.e.plugins.Lookup(tmpl.GetType())
	if err != nil {
		r.failNode(ne, "NoPlugin", fmt.Sprintf("node %s: %v", ne.NodeID, err), corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil
	}
	tr := &taskRun{ne: ne, tmpl: tmpl, plugin: p, userRetries: int32(tmpl.GetMetadata().GetRetries().GetRetries())}
	if rs := n.GetMetadata().GetRetries(); rs != nil {
		tr.userRetries = int32(rs.GetRetries())
	}
	if d := tmpl.GetMetadata().GetTimeout(); d != nil {
		tr.attemptTimeout = d.AsDuration()
	}
	if wait, err := r.cacheBeforeRun(ctx, tr); wait || err != nil {
		return err
	}
	defer r.cacheAfterRun(ctx, tr)
	// Each pass either starts an attempt, observes the current one, or
	// retries a failed one; the loop ends when an attempt is in flight or
	// the node is finished (budgets are finite).
	for !nodeTerminal(ne.Phase) {
		if isDynamicRunning(ne) {
			return r.evalDynamic(ctx, tr)
		}
		te := r.st.attempts[ne.NodeID]
		if te == nil || taskTerminal(te.Phase) {
			if err := r.startAttempt(ctx, tr, ne.Attempts); err != nil {
				return err
			}
			continue
		}
		again, err := r.observeAttempt(ctx, tr, te)
		if err != nil || !again {
			return err
		}
	}
	return nil
}

func (r *round) taskContext(tr *taskRun, nodeID string, attempt int32, inputs *corev1.LiteralMap) *plugin.TaskContext {
	x := r.st.exec
	rowID := x.RowID
	tc := &plugin.TaskContext{
		Attempt:         plugin.AttemptID{Project: x.ID.Project, Domain: x.ID.Domain, Execution: x.ID.Name, NodeID: nodeID, RetryAttempt: attempt},
		Task:            tr.tmpl,
		Blobs:           r.e.blobs,
		Inputs:          inputs,
		InputsKey:       r.st.nodeInputsKey(nodeID),
		AttemptPrefix:   r.st.attemptPrefix(nodeID, attempt),
		RawOutputPrefix: r.st.rawPrefix(nodeID, attempt),
		Wake:            func() { r.e.Wake(rowID) },
	}
	if envs := r.st.spec.GetEnvs().GetValues(); len(envs) > 0 {
		tc.Env = make(map[string]string, len(envs))
		for _, kv := range envs {
			tc.Env[kv.GetKey()] = kv.GetValue()
		}
	}
	tc.Logger = r.e.log.With(slog.String("attempt", tc.Attempt.String()))
	return tc
}

// startAttempt starts attempt number k of a task node and records it.
func (r *round) startAttempt(ctx context.Context, tr *taskRun, k int32) error {
	ne := tr.ne
	t := r.now
	id := tr.tmpl.GetId()
	te := &store.TaskExecution{
		ExecutionRowID: ne.ExecutionRowID, NodeID: ne.NodeID, RetryAttempt: k,
		Task:      store.EntityID{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName(), Version: id.GetVersion()},
		CreatedAt: t, StartedAt: &t,
	}
	ne.Attempts = k + 1
	r.touch(ne)
	r.st.attempts[ne.NodeID] = te
	if tr.attemptTimeout > 0 {
		ns := decodeState(ne)
		ns.AttemptDeadline = t.Add(tr.attemptTimeout)
		r.saveState(ne, ns)
	}
	inputs, err := r.nodeInputs(ctx, ne)
	if err != nil {
		return err
	}
	tc := r.taskContext(tr, ne.NodeID, k, inputs)
	h, err := tr.plugin.Start(ctx, tc)
	r.noteInputsFile(ne, tc)
	if err != nil {
		st := plugin.SystemFailure("StartFailed", fmt.Sprintf("start attempt %d of node %s: %v", k, ne.NodeID, err), true)
		r.setTaskPhase(tr, te, corev1.TaskExecution_PHASE_RUNNING, nil, "", nil)
		return r.attemptFailed(ctx, tr, te, st)
	}
	te.PluginState = h
	r.started = append(r.started, startedAttempt{p: tr.plugin, tc: tc, h: h})
	r.running++
	r.setTaskPhase(tr, te, corev1.TaskExecution_PHASE_QUEUED, nil, "", nil)
	return nil
}

// observeAttempt asks the plugin where a running attempt is and acts on it.
// It returns true when the node should be looked at again in this round.
func (r *round) observeAttempt(ctx context.Context, tr *taskRun, te *store.TaskExecution) (bool, error) {
	ne := tr.ne
	inputs, err := r.nodeInputs(ctx, ne)
	if err != nil {
		return false, err
	}
	tc := r.taskContext(tr, ne.NodeID, te.RetryAttempt, inputs)
	ns := decodeState(ne)
	if !ns.AttemptDeadline.IsZero() && te.RetryAttempt == ne.Attempts-1 {
		if !r.now.Before(ns.AttemptDeadline) {
			if err := tr.plugin.Abort(ctx, tc, te.PluginState); err != nil {
				return false, fmt.Errorf("abort timed-out attempt %s: %w", tc.Attempt, err)
			}
			r.running--
			st := plugin.UserFailure("AttemptTimedOut", fmt.Sprintf("attempt %d of node %s exceeded the task timeout of %s", te.RetryAttempt, ne.NodeID, tr.attemptTimeout), true)
			return true, r.attemptFailed(ctx, tr, te, st)
		}
		r.wakeAt(ns.AttemptDeadline)
	}
	st, err := tr.plugin.Status(ctx, tc, te.PluginState)
	r.noteInputsFile(ne, tc)
	if err != nil {
		st = plugin.SystemFailure("StatusFailed", fmt.Sprintf("status of attempt %s: %v", tc.Attempt, err), true)
	}
	switch st.Phase {
	case plugin.PhaseQueued:
		return false, nil
	case plugin.PhaseRunning:
		r.setTaskPhase(tr, te, corev1.TaskExecution_PHASE_RUNNING, st.Logs, st.Reason, nil)
		return false, nil
	case plugin.PhaseSucceeded:
		r.running--
		return true, r.attemptSucceeded(ctx, tr, te, tc, st)
	case plugin.PhaseAborted:
		r.running--
		return true, r.attemptFailed(ctx, tr, te, plugin.SystemFailure("AttemptAborted", "attempt "+tc.Attempt.String()+" was stopped outside the engine", true))
	default:
		r.running--
		if st.Error == nil {
			st = plugin.SystemFailure("UnknownFailure", fmt.Sprintf("attempt %s failed without an error (%s)", tc.Attempt, st.Phase), true)
		}
		return true, r.attemptFailed(ctx, tr, te, st)
	}
}

// noteInputsFile records the inputs.pb a plugin asked for (InputsFile) as
// the node's input URI.
func (r *round) noteInputsFile(ne *store.NodeExecution, tc *plugin.TaskContext) {
	if ne.InputURI == "" && tc.InputsWritten() {
		ne.InputURI = r.e.blobs.URL(tc.InputsKey)
		r.touch(ne)
	}
}

// attemptSucceeded reads and type-checks the attempt's outputs; malformed
// outputs fail the attempt with a message naming the output. Outputs the
// plugin returned inline stay inline unless larger than inlineLimit.
func (r *round) attemptSucceeded(ctx context.Context, tr *taskRun, te *store.TaskExecution, tc *plugin.TaskContext, st plugin.Status) error {
	if st.Dynamic != nil {
		return r.dynamicGenerated(ctx, tr, te, tc, st)
	}
	outs, bad := r.readOutputs(ctx, st.Outputs, tc.OutputsKey(), tr.tmpl.GetInterface().GetOutputs(), tc.Attempt.String())
	if bad != "" {
		return r.attemptFailed(ctx, tr, te, plugin.UserFailure("BadOutputs", bad, false))
	}
	uri := r.e.blobs.URL(tc.OutputsKey())
	if st.Outputs != nil {
		var err error
		if uri, err = r.keepOutputs(ctx, tr.ne, outs, tc.OutputsKey()); err != nil {
			return err
		}
	}
	r.setTaskPhase(tr, te, corev1.TaskExecution_PHASE_SUCCEEDED, st.Logs, st.Reason, nil)
	te.Closure = withTaskOutput(te.Closure, uri, outs)
	r.st.outputs[tr.ne.NodeID] = outs
	r.cachePut(ctx, tr, te.RetryAttempt, outs)
	r.setNodePhase(tr.ne, corev1.NodeExecution_PHASE_SUCCEEDED, nil, uri)
	return nil
}

// readOutputs takes an attempt's inline outputs, or reads its outputs.pb
// when there are none, and checks them against the declared outputs; bad
// names what is wrong for people.
func (r *round) readOutputs(ctx context.Context, inline *corev1.LiteralMap, key string, want *corev1.VariableMap, who string) (*corev1.LiteralMap, string) {
	outs := &corev1.LiteralMap{}
	if inline != nil {
		outs = inline
	} else if err := r.e.blobs.ReadProto(ctx, key, outs); err != nil {
		if errors.Is(err, storage.ErrNotFound) && len(want.GetVariables()) == 0 {
			return outs, ""
		}
		return nil, fmt.Sprintf("attempt %s: read outputs: %v", who, err)
	}
	for _, name := range sortedKeys(want.GetVariables()) {
		l, ok := outs.GetLiterals()[name]
		if !ok {
			return nil, fmt.Sprintf("attempt %s: output %s is missing", who, name)
		}
		if err := compiler.CheckLiteral(l, want.GetVariables()[name].GetType()); err != nil {
			return nil, fmt.Sprintf("attempt %s: output %s: %v", who, name, err)
		}
	}
	return outs, ""
}

// attemptFailed records a failed attempt and decides whether the node
// retries: USER failures count against the task's retries, SYSTEM failures
// against the engine's system budget.
func (r *round) attemptFailed(ctx context.Context, tr *taskRun, te *store.TaskExecution, st plugin.Status) error {
	ne := tr.ne
	retry := st.Retryable
	if st.Error.GetKind() == corev1.ExecutionError_ERROR_KIND_SYSTEM {
		ne.SystemFailures++
		retry = retry && int(ne.SystemFailures) <= r.e.opts.MaxSystemRetries
	} else {
		retry = retry && ne.Attempts-ne.SystemFailures <= tr.userRetries
	}
	phase := corev1.TaskExecution_PHASE_FAILED
	if retry {
		phase = corev1.TaskExecution_PHASE_RETRYABLE_FAILED
	}
	r.setTaskPhase(tr, te, phase, st.Logs, st.Reason, st.Error)
	r.touch(ne)
	if !retry {
		r.cacheReleaseNode(ctx, ne)
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, st.Error, "")
	}
	return nil
}

func (r *round) failNode(ne *store.NodeExecution, code, msg string, kind corev1.ExecutionError_ErrorKind) {
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, &corev1.ExecutionError{Code: code, Message: msg, Kind: kind}, "")
}

// setTaskPhase moves an attempt to p, updating its closure and appending an event.
func (r *round) setTaskPhase(tr *taskRun, te *store.TaskExecution, p corev1.TaskExecution_Phase, logs []*corev1.TaskLog, reason string, execErr *corev1.ExecutionError) {
	if te.Phase == int32(p) {
		return
	}
	te.Phase = int32(p)
	te.PhaseVersion = 0
	c := &adminv1.TaskExecutionClosure{}
	_ = unmarshal(te.Closure, c)
	c.Phase = p
	c.TaskType = tr.tmpl.GetType()
	c.Reason = reason
	c.CreatedAt = timestamppb.New(te.CreatedAt)
	c.UpdatedAt = timestamppb.New(r.now)
	if te.StartedAt != nil {
		c.StartedAt = timestamppb.New(*te.StartedAt)
	}
	if len(logs) > 0 {
		c.Logs = logs
	}
	if execErr != nil {
		c.OutputResult = &adminv1.TaskExecutionClosure_Error{Error: execErr}
	}
	if taskTerminal(int32(p)) {
		t := r.now
		te.EndedAt = &t
		if te.StartedAt != nil {
			c.Duration = durationpb.New(t.Sub(*te.StartedAt))
		}
	}
	te.Closure = marshal(c)
	r.dirtyTasks[te] = true
	r.changed = true
	body := taskEvent(r.execID(), te, tr.tmpl.GetType(), tr.ne.InputURI, "", r.e.opts.Owner, c.GetLogs(), execErr, r.now)
	r.events = append(r.events, &store.Event{ExecutionRowID: te.ExecutionRowID, Kind: store.EventKindTask, NodeID: te.NodeID, RetryAttempt: te.RetryAttempt, Phase: int32(p), OccurredAt: r.now, Body: body})
}

// withTaskOutput records an attempt's outputs: their URI, or the outputs
// inline when uri is "".
func withTaskOutput(closure []byte, uri string, outs *corev1.LiteralMap) []byte {
	c := &adminv1.TaskExecutionClosure{}
	_ = unmarshal(closure, c)
	if uri == "" {
		c.OutputResult = &adminv1.TaskExecutionClosure_OutputData{OutputData: outs}
	} else {
		c.OutputResult = &adminv1.TaskExecutionClosure_OutputUri{OutputUri: uri}
	}
	return marshal(c)
}

// abortAttempt stops a running attempt and records it ABORTED.
func (r *round) abortAttempt(ctx context.Context, ne *store.NodeExecution, te *store.TaskExecution, reason string) error {
	tmpl := r.taskOf(ne)
	if tmpl == nil {
		return nil
	}
	p, err := r.e.plugins.Lookup(tmpl.GetType())
	if err != nil {
		return nil
	}
	tr := &taskRun{ne: ne, tmpl: tmpl, plugin: p}
	tc := r.taskContext(tr, ne.NodeID, te.RetryAttempt, r.st.outputs[ne.NodeID+"#in"])
	if err := p.Abort(ctx, tc, te.PluginState); err != nil {
		return fmt.Errorf("abort attempt %s: %w", tc.Attempt, err)
	}
	r.running--
	r.setTaskPhase(tr, te, corev1.TaskExecution_PHASE_ABORTED, nil, reason, &corev1.ExecutionError{Code: "Aborted", Message: reason, Kind: corev1.ExecutionError_ERROR_KIND_USER})
	return nil
}

// taskOf finds the task template a task node runs, by the attempt's task id.
func (r *round) taskOf(ne *store.NodeExecution) *corev1.TaskTemplate {
	te := r.st.attempts[ne.NodeID]
	if te == nil {
		return nil
	}
	id := te.Task
	return r.st.wf.tasks[id.Project+"/"+id.Domain+"/"+id.Name+"/"+id.Version]
}
