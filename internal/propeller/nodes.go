package propeller

import (
	"context"
	"fmt"
	"strings"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// scope is one workflow being evaluated: the primary workflow, or an inline
// sub-workflow whose nodes carry the prefix "<parent node id>-".
type scope struct {
	g      *wfGraph
	prefix string
	parent string
	inputs *corev1.LiteralMap
}

// scopeResult summarises a scope after a pass.
type scopeResult struct {
	done    bool
	failure *corev1.ExecutionError
	// failedNode is the id of the node that failed first.
	failedNode string
}

func (sc *scope) failImmediately() bool {
	return sc.g.wf.GetTemplate().GetMetadata().GetOnFailure() == corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY
}

func (sc *scope) nodeByID(id string) *corev1.Node {
	for _, n := range sc.g.wf.GetTemplate().GetNodes() {
		if n.GetId() == id {
			return n
		}
	}
	return nil
}

// evalScope makes one pass over a workflow's nodes in dependency order:
// nodes whose upstream all succeeded start, running nodes are observed, and
// what finishes in the pass unblocks its downstream in the same pass.
func (r *round) evalScope(ctx context.Context, sc *scope) (scopeResult, error) {
	var failure *corev1.ExecutionError
	failedNode := ""
	active, pending := false, false
	for _, n := range sc.g.order {
		uid := sc.prefix + n.GetId()
		ne := r.st.nodes[uid]
		if ne == nil {
			if failure != nil && sc.failImmediately() {
				pending = true
				continue
			}
			ready, skip := r.upstreamState(sc, n)
			switch {
			case skip:
				r.skipNode(uid, sc.parent, n.GetId())
				continue
			case !ready:
				pending = true
				continue
			}
		}
		if ne == nil || !nodeTerminal(ne.Phase) {
			var err error
			if ne, err = r.evalNode(ctx, sc, n, uid, sc.parent); err != nil {
				return scopeResult{}, err
			}
		}
		switch {
		case ne == nil:
			// Not started: waiting for a parallelism slot.
			active = true
		case !nodeTerminal(ne.Phase):
			active = true
		case nodeSucceeded(ne.Phase), ne.Phase == int32(corev1.NodeExecution_PHASE_SKIPPED):
		default:
			if failure == nil {
				failure, failedNode = r.nodeError(ne), uid
			}
		}
	}
	switch {
	case failure != nil && (sc.failImmediately() || !active):
		return scopeResult{failure: failure, failedNode: failedNode}, nil
	case failure == nil && !active && !pending:
		return scopeResult{done: true}, nil
	}
	return scopeResult{}, nil
}

// upstreamState says whether all upstream nodes of n succeeded (ready) or
// one was skipped (so n is skipped too).
func (r *round) upstreamState(sc *scope, n *corev1.Node) (ready, skip bool) {
	ready = true
	for _, u := range sc.g.upstream[n.GetId()] {
		ue := r.st.nodes[sc.prefix+u]
		switch {
		case ue == nil:
			ready = false
		case ue.Phase == int32(corev1.NodeExecution_PHASE_SKIPPED):
			return false, true
		case !nodeSucceeded(ue.Phase):
			ready = false
		}
	}
	return ready, false
}

// nodeError is the error a finished, unsuccessful node reports.
func (r *round) nodeError(ne *store.NodeExecution) *corev1.ExecutionError {
	c := &adminv1.NodeExecutionClosure{}
	if err := unmarshal(ne.Closure, c); err == nil && c.GetError() != nil {
		return c.GetError()
	}
	phase := corev1.NodeExecution_Phase(ne.Phase)
	return &corev1.ExecutionError{Code: phase.String(), Message: fmt.Sprintf("node %s ended %s", ne.NodeID, phase), Kind: corev1.ExecutionError_ERROR_KIND_USER}
}

// evalNode creates the node when it starts and advances it; it returns nil
// when the node could not start yet (no parallelism slot).
func (r *round) evalNode(ctx context.Context, sc *scope, n *corev1.Node, uid, parent string) (*store.NodeExecution, error) {
	ne := r.st.nodes[uid]
	if ne == nil {
		if _, isTask := n.GetTarget().(*corev1.Node_TaskNode); isTask && !r.slotFree() {
			return nil, nil
		}
		var err error
		if ne, err = r.startNode(ctx, sc, n, uid, parent); err != nil || nodeTerminal(ne.Phase) {
			return ne, err
		}
	}
	if nodeTerminal(ne.Phase) {
		return ne, nil
	}
	ns := decodeState(ne)
	if !ns.Deadline.IsZero() {
		if !r.now.Before(ns.Deadline) {
			if err := r.abortUnder(ctx, uid, "node deadline exceeded"); err != nil {
				return nil, err
			}
			if err := r.abortNode(ctx, ne, "node deadline exceeded"); err != nil {
				return nil, err
			}
			r.setNodePhase(ne, corev1.NodeExecution_PHASE_TIMED_OUT, &corev1.ExecutionError{
				Code: "NodeTimedOut", Kind: corev1.ExecutionError_ERROR_KIND_USER,
				Message: fmt.Sprintf("node %s exceeded its timeout of %s", uid, n.GetMetadata().GetTimeout().AsDuration()),
			}, "")
			return ne, nil
		}
		r.wakeAt(ns.Deadline)
	}
	var err error
	switch t := n.GetTarget().(type) {
	case *corev1.Node_TaskNode:
		err = r.evalTask(ctx, n, t.TaskNode, ne)
	case *corev1.Node_BranchNode:
		err = r.evalBranch(ctx, sc, n, t.BranchNode, ne)
	case *corev1.Node_GateNode:
		err = r.evalGate(ctx, t.GateNode, ne)
	case *corev1.Node_WorkflowNode:
		err = r.evalWorkflowNode(ctx, n, t.WorkflowNode, ne)
	case *corev1.Node_ArrayNode:
		err = r.evalArray(ctx, sc, n, t.ArrayNode, ne)
	default:
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, &corev1.ExecutionError{Code: "UnknownNode", Message: "node " + uid + " has no target", Kind: corev1.ExecutionError_ERROR_KIND_SYSTEM}, "")
	}
	return ne, err
}

// startNode binds the node's inputs, keeps them (keepInputs) and records it
// RUNNING, or RECOVERED when recovering an execution in which it succeeded.
func (r *round) startNode(ctx context.Context, sc *scope, n *corev1.Node, uid, parent string) (*store.NodeExecution, error) {
	t := r.now
	ne := &store.NodeExecution{
		ExecutionRowID: r.st.exec.RowID, NodeID: uid, ParentNodeID: parent, SpecNodeID: n.GetId(),
		CreatedAt: t, StartedAt: &t,
	}
	r.st.nodes[uid] = ne
	r.touch(ne)
	if ref := r.st.ref[uid]; ref != nil {
		ne.InputURI, ne.OutputURI = ref.InputURI, ref.OutputURI
		rc := &adminv1.NodeExecutionClosure{}
		if err := unmarshal(ref.Closure, rc); err != nil {
			return nil, fmt.Errorf("decode closure of recovered node %s: %w", uid, err)
		}
		if d := rc.GetInputData(); d != nil {
			ne.Closure = marshal(&adminv1.NodeExecutionClosure{InputData: d})
		}
		if d := rc.GetOutputData(); d != nil {
			r.st.outputs[uid] = d
		}
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_RECOVERED, nil, ref.OutputURI)
		return ne, nil
	}
	inputs, err := r.bindInputs(ctx, sc, n.GetInputs())
	if err != nil {
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_FAILED, &corev1.ExecutionError{Code: "InputBinding", Message: fmt.Sprintf("node %s: %v", uid, err), Kind: corev1.ExecutionError_ERROR_KIND_USER}, "")
		return ne, nil
	}
	if f := r.failure; f != nil && f.nodeID == uid {
		r.addErrorInputs(n, inputs)
	}
	if err := r.keepInputs(ctx, ne, inputs); err != nil {
		return nil, err
	}
	if d := n.GetMetadata().GetTimeout(); d != nil && d.AsDuration() > 0 {
		r.saveState(ne, &nodeState{Deadline: t.Add(d.AsDuration())})
	}
	if done, err := r.cacheOnStart(ctx, n, ne, inputs); err != nil || done {
		return ne, err
	}
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_RUNNING, nil, "")
	return ne, nil
}

func (r *round) skipNode(uid, parent, specID string) {
	t := r.now
	ne := &store.NodeExecution{ExecutionRowID: r.st.exec.RowID, NodeID: uid, ParentNodeID: parent, SpecNodeID: specID, CreatedAt: t, StartedAt: &t}
	r.st.nodes[uid] = ne
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_SKIPPED, nil, "")
}

// setNodePhase moves a node to p, updating its closure and appending an event.
func (r *round) setNodePhase(ne *store.NodeExecution, p corev1.NodeExecution_Phase, execErr *corev1.ExecutionError, outputURI string) {
	if ne.Phase == int32(p) {
		return
	}
	ne.Phase = int32(p)
	if outputURI != "" {
		ne.OutputURI = outputURI
	}
	c := &adminv1.NodeExecutionClosure{}
	_ = unmarshal(ne.Closure, c)
	c.Phase = p
	c.CreatedAt = timestamppb.New(ne.CreatedAt)
	c.UpdatedAt = timestamppb.New(r.now)
	if ne.StartedAt != nil {
		c.StartedAt = timestamppb.New(*ne.StartedAt)
	}
	switch {
	case execErr != nil:
		c.OutputResult = &adminv1.NodeExecutionClosure_Error{Error: execErr}
	case ne.OutputURI != "":
		c.OutputResult = &adminv1.NodeExecutionClosure_OutputUri{OutputUri: ne.OutputURI}
	case nodeSucceeded(int32(p)) && r.st.outputs[ne.NodeID] != nil:
		// Small outputs live in the closure (keepOutputs).
		c.OutputResult = &adminv1.NodeExecutionClosure_OutputData{OutputData: r.st.outputs[ne.NodeID]}
	}
	if nodeTerminal(int32(p)) {
		t := r.now
		ne.EndedAt = &t
		if ne.StartedAt != nil {
			c.Duration = durationpb.New(t.Sub(*ne.StartedAt))
		}
	}
	ne.Closure = marshal(c)
	r.touch(ne)
	ev := &eventNode{exec: r.execID(), node: ne, phase: p, at: r.now, producer: r.e.opts.Owner, err: execErr, outputData: c.GetOutputData(), dynamic: c.GetDynamicJobSpecUri() != "", taskMeta: cacheEventMeta(ne, c), parentTask: r.generatedBy(ne)}
	r.events = append(r.events, &store.Event{ExecutionRowID: ne.ExecutionRowID, Kind: store.EventKindNode, NodeID: ne.NodeID, Phase: int32(p), OccurredAt: r.now, Body: ev.marshal()})
}

// generatedBy is the attempt of the dynamic task that generated node ne,
// or nil when ne was not generated. Of the nodes that have children, only
// dynamic task nodes have attempts (sub-workflow, branch and gate parents
// run none), so a parent with an attempt is the dynamic task.
func (r *round) generatedBy(ne *store.NodeExecution) *corev1.TaskExecutionIdentifier {
	if ne.ParentNodeID == "" {
		return nil
	}
	te := r.st.attempts[ne.ParentNodeID]
	if te == nil {
		return nil
	}
	id := r.execID()
	return &corev1.TaskExecutionIdentifier{
		TaskId: &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK,
			Project: te.Task.Project, Domain: te.Task.Domain, Name: te.Task.Name, Version: te.Task.Version},
		NodeExecutionId: &corev1.NodeExecutionIdentifier{NodeId: ne.ParentNodeID, ExecutionId: id},
		RetryAttempt:    uint32(te.RetryAttempt),
	}
}

// abortUnder aborts every unfinished node below parent ("" for all nodes).
func (r *round) abortUnder(ctx context.Context, parent, reason string) error {
	for _, id := range sortedKeys(r.st.nodes) {
		ne := r.st.nodes[id]
		if nodeTerminal(ne.Phase) || (parent != "" && !r.isBelow(ne, parent)) {
			continue
		}
		if err := r.abortNode(ctx, ne, reason); err != nil {
			return err
		}
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_ABORTED, &corev1.ExecutionError{Code: "Aborted", Message: reason, Kind: corev1.ExecutionError_ERROR_KIND_USER}, "")
	}
	return nil
}

func (r *round) isBelow(ne *store.NodeExecution, parent string) bool {
	for p := ne.ParentNodeID; p != ""; {
		if p == parent {
			return true
		}
		pe := r.st.nodes[p]
		if pe == nil {
			return strings.HasPrefix(ne.NodeID, parent+"-")
		}
		p = pe.ParentNodeID
	}
	return false
}

// abortAll aborts every running node for an abort request.
func (r *round) abortAll(ctx context.Context) error {
	cause := r.st.exec.AbortCause
	if cause == "" {
		cause = "aborted"
	}
	return r.abortUnder(ctx, "", cause)
}

// abortNode stops what runs for a node: its current attempt, its array
// elements or its child execution. The node's phase is the caller's call.
func (r *round) abortNode(ctx context.Context, ne *store.NodeExecution, reason string) error {
	if te := r.st.attempts[ne.NodeID]; te != nil && !taskTerminal(te.Phase) {
		if err := r.abortAttempt(ctx, ne, te, reason); err != nil {
			return err
		}
	}
	r.cacheReleaseNode(ctx, ne)
	ns := decodeState(ne)
	if ns.Array != nil {
		if err := r.abortArray(ctx, ne, ns); err != nil {
			return err
		}
	}
	if ns.Child != nil {
		_, err := r.e.st.ExecutionRequestAbort(ctx, store.ExecutionRequestAbortParams{ID: *ns.Child, Cause: "parent node " + ne.NodeID + ": " + reason, Principal: r.e.opts.Owner, Now: r.now})
		if err != nil && !isNotFound(err) && !isTerminalErr(err) {
			return fmt.Errorf("abort child execution %s: %w", ns.Child.Name, err)
		}
	}
	return nil
}
