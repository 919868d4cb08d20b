package propeller

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/store"
)

// Element phases of an array node, one byte each.
const (
	elemPending   byte = 0
	elemRunning   byte = 1
	elemSucceeded byte = 2
	elemFailed    byte = 3
	elemAborted   byte = 4
)

// arrayState keeps every element of an array node compactly in the parent
// node's row (a byte per element and per counter) instead of one row per
// element, so 100,000 elements stay cheap.
type arrayState struct {
	N        int    `json:"n"`
	Phases   []byte `json:"phases"`
	Attempts []byte `json:"attempts"`
	SysFails []byte `json:"sys_fails"`
	// Handles are the plugin handles of running elements.
	Handles map[int][]byte `json:"handles,omitempty"`
	// FirstError is the error of the first element that failed for good.
	FirstError string `json:"first_error,omitempty"`
	// Cache is each element's corev1.CatalogCacheStatus when the task is
	// cached (cachearray.go).
	Cache []byte `json:"cache,omitempty"`

	// Not persisted, valid for one round: first attempts prefetched ahead
	// of the walk (arrayprefetch.go), and outputs already read, so that
	// finishArray need not read them again.
	pre  map[int]*elemPrefetch
	outs map[int]*corev1.LiteralMap
	// inline marks outputs in outs that a plugin returned inline and no
	// blob holds yet (flushInline writes them unless the node finishes).
	inline map[int]bool
	// cache is how the elements are cached; nil when they are not.
	cache *cacheSpec
}

func (a *arrayState) runningCount() int {
	return len(a.Handles)
}

func (a *arrayState) count(p byte) int {
	n := 0
	for _, x := range a.Phases {
		if x == p {
			n++
		}
	}
	return n
}

// required is how many elements must succeed for the array node to succeed.
func required(an *corev1.ArrayNode, n int) int {
	switch c := an.GetSuccessCriteria().(type) {
	case *corev1.ArrayNode_MinSuccesses:
		return min(int(c.MinSuccesses), n)
	case *corev1.ArrayNode_MinSuccessRatio:
		return int(math.Ceil(float64(c.MinSuccessRatio)*float64(n) - 1e-9))
	}
	return n
}

func elemID(nodeID string, i int) string { return nodeID + "-" + strconv.Itoa(i) }

// evalArray runs the sub-node's task once per element of the list inputs.
func (r *round) evalArray(ctx context.Context, sc *scope, n *corev1.Node, an *corev1.ArrayNode, ne *store.NodeExecution) error {
	sub := an.GetNode()
	tn := sub.GetTaskNode()
	if tn == nil {
		r.failNode(ne, "UnsupportedArray", fmt.Sprintf("array node %s: only task sub-nodes are supported", ne.NodeID), corev1.ExecutionError_ERROR_KIND_USER)
		return nil
	}
	tmpl := r.st.wf.tasks[idKey(tn.GetReferenceId())]
	if tmpl == nil {
		r.failNode(ne, "TaskNotFound", fmt.Sprintf("array node %s: task %s is not in the compiled workflow", ne.NodeID, idKey(tn.GetReferenceId())), corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil
	}
	p, err := r.e.plugins.Lookup(tmpl.GetType())
	if err != nil {
		r.failNode(ne, "NoPlugin", fmt.Sprintf("array node %s: %v", ne.NodeID, err), corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil
	}
	tr := &taskRun{ne: ne, tmpl: tmpl, plugin: p, userRetries: int32(tmpl.GetMetadata().GetRetries().GetRetries())}
	if rs := sub.GetMetadata().GetRetries(); rs != nil {
		tr.userRetries = int32(rs.GetRetries())
	}
	lists, err := r.nodeInputs(ctx, ne)
	if err != nil {
		return err
	}
	shared, err := r.bindInputs(ctx, sc, sub.GetInputs())
	if err != nil {
		r.failNode(ne, "InputBinding", fmt.Sprintf("array node %s: %v", ne.NodeID, err), corev1.ExecutionError_ERROR_KIND_USER)
		return nil
	}
	ns := decodeState(ne)
	if ns.Array == nil {
		size := -1
		for _, name := range sortedKeys(lists.GetLiterals()) {
			c := lists.GetLiterals()[name].GetCollection()
			if c == nil {
				r.failNode(ne, "BadArrayInput", fmt.Sprintf("array node %s: input %s is not a list", ne.NodeID, name), corev1.ExecutionError_ERROR_KIND_USER)
				return nil
			}
			if size >= 0 && len(c.GetLiterals()) != size {
				r.failNode(ne, "BadArrayInput", fmt.Sprintf("array node %s: input %s has %d elements, others have %d", ne.NodeID, name, len(c.GetLiterals()), size), corev1.ExecutionError_ERROR_KIND_USER)
				return nil
			}
			size = len(c.GetLiterals())
		}
		size = max(size, 0)
		ns.Array = &arrayState{N: size, Phases: make([]byte, size), Attempts: make([]byte, size), SysFails: make([]byte, size), Handles: map[int][]byte{}}
	}
	a := ns.Array
	if a.Handles == nil {
		a.Handles = map[int][]byte{}
	}
	need := required(an, a.N)
	limit := int(an.GetParallelism())
	changed := r.cacheElements(ctx, sub, tr, a, lists, shared)
	failedSoFar := a.count(elemFailed)
	defer r.dropPrefetched(ctx, tr, a)
	for i := 0; i < a.N; i++ {
		switch a.Phases[i] {
		case elemRunning:
			done, err := r.observeElement(ctx, tr, a, i, lists, shared)
			if err != nil {
				return err
			}
			changed = changed || done
			if a.Phases[i] == elemFailed {
				failedSoFar++
			}
			if done && a.Phases[i] == elemPending {
				i-- // retry this element now
			}
		case elemPending:
			if (limit > 0 && a.runningCount() >= limit) || !r.slotFree() {
				continue
			}
			if a.N-failedSoFar < need {
				continue
			}
			if a.Attempts[i] == 0 && a.pre[i] == nil {
				budget := prefetchChunk
				if limit > 0 {
					budget = min(budget, limit-a.runningCount())
				}
				if r.maxPar > 0 {
					budget = min(budget, r.maxPar-r.running)
				}
				r.prefetchElements(ctx, tr, a, i, budget, lists, shared)
			}
			if err := r.startElement(ctx, tr, a, i, lists, shared); err != nil {
				return err
			}
			changed = true
			i-- // observe it at once
		}
	}
	failed, succeeded := a.count(elemFailed), a.count(elemSucceeded)
	switch {
	case a.N-failed < need:
		if err := r.abortArray(ctx, ne, ns); err != nil {
			return err
		}
		r.saveState(ne, ns)
		r.failNode(ne, "ArrayFailed", fmt.Sprintf("array node %s: %d of %d elements succeeded, %d needed; first error: %s", ne.NodeID, succeeded, a.N, need, a.FirstError), corev1.ExecutionError_ERROR_KIND_USER)
		return nil
	case succeeded+failed == a.N:
		r.saveState(ne, ns)
		return r.finishArray(ctx, tr, ne, a)
	}
	if err := r.flushInline(ctx, ne, a); err != nil {
		return err
	}
	if changed {
		r.saveState(ne, ns)
	}
	return nil
}

func (r *round) elemContext(tr *taskRun, a *arrayState, i int, inputs *corev1.LiteralMap) *plugin.TaskContext {
	return r.taskContext(tr, elemID(tr.ne.NodeID, i), int32(a.Attempts[i])-1, inputs)
}

// flushInline writes the outputs of elements that succeeded with inline
// outputs to their attempt's outputs.pb, so that a later round (possibly
// after a restart) can gather them; when the node finishes in the round
// that saw them, its own outputs hold them and nothing is written.
func (r *round) flushInline(ctx context.Context, ne *store.NodeExecution, a *arrayState) error {
	for _, i := range sortedIntKeys(a.inline) {
		key := r.elemOutputsKey(ne.NodeID, a, i)
		if err := r.e.blobs.WriteProto(ctx, key, a.outs[i]); err != nil {
			return fmt.Errorf("write outputs of element %d of %s: %w", i, ne.NodeID, err)
		}
		delete(a.inline, i)
	}
	return nil
}

func (r *round) startElement(ctx context.Context, tr *taskRun, a *arrayState, i int, lists, shared *corev1.LiteralMap) error {
	id := elemID(tr.ne.NodeID, i)
	pf := a.pre[i]
	if pf != nil && a.Attempts[i] != 0 {
		pf = nil
	}
	if a.Attempts[i] < 255 {
		a.Attempts[i]++
	}
	a.Phases[i] = elemRunning
	var (
		tc  *plugin.TaskContext
		h   plugin.Handle
		err error
	)
	if pf != nil {
		pf.started = true
		tc, h = pf.tc, pf.h
		if h == nil {
			err = fmt.Errorf("prefetched start of %s failed", id)
		}
	} else {
		tc = r.elemContext(tr, a, i, elemInputs(lists, shared, i))
		h, err = tr.plugin.Start(ctx, tc)
	}
	if err != nil {
		// Recorded as a running element with no handle: the next
		// observation reports it as a system failure and retries.
		h = nil
	} else {
		r.started = append(r.started, startedAttempt{p: tr.plugin, tc: tc, h: h})
	}
	a.Handles[i] = h
	if h == nil {
		a.Handles[i] = []byte{}
	}
	r.running++
	return nil
}

// observeElement checks one running element; it reports true when the
// element left the running phase (finished, or pending again for a retry).
func (r *round) observeElement(ctx context.Context, tr *taskRun, a *arrayState, i int, lists, shared *corev1.LiteralMap) (bool, error) {
	tc := r.elemContext(tr, a, i, elemInputs(lists, shared, i))
	var st plugin.Status
	pf := a.pre[i]
	if pf != nil && pf.started && a.Attempts[i] == 1 {
		delete(a.pre, i)
	} else {
		pf = nil
	}
	var outs *corev1.LiteralMap
	bad, read := "", false
	switch {
	case len(a.Handles[i]) == 0:
		st = plugin.SystemFailure("StartFailed", "element "+tc.Attempt.String()+" did not start", true)
	case pf != nil:
		st = pf.st
		if pf.stErr != nil {
			st = plugin.SystemFailure("StatusFailed", fmt.Sprintf("status of %s: %v", tc.Attempt, pf.stErr), true)
		}
		outs, bad, read = pf.outs, pf.bad, st.Phase == plugin.PhaseSucceeded
	default:
		var err error
		if st, err = tr.plugin.Status(ctx, tc, a.Handles[i]); err != nil {
			st = plugin.SystemFailure("StatusFailed", fmt.Sprintf("status of %s: %v", tc.Attempt, err), true)
		}
	}
	switch st.Phase {
	case plugin.PhaseQueued, plugin.PhaseRunning:
		return false, nil
	case plugin.PhaseSucceeded:
		if st.Dynamic != nil {
			st = dynamicInArray(tc)
			break
		}
		if !read {
			outs, bad = r.readOutputs(ctx, st.Outputs, tc.OutputsKey(), tr.tmpl.GetInterface().GetOutputs(), tc.Attempt.String())
		}
		if bad == "" {
			if a.outs == nil {
				a.outs = map[int]*corev1.LiteralMap{}
			}
			a.outs[i] = outs
			if st.Outputs != nil {
				if a.inline == nil {
					a.inline = map[int]bool{}
				}
				a.inline[i] = true
			}
			delete(a.Handles, i)
			r.running--
			a.Phases[i] = elemSucceeded
			r.cachePutElement(ctx, tr, a, i, lists, shared, outs)
			return true, nil
		}
		st = plugin.UserFailure("BadOutputs", bad, false)
	case plugin.PhaseAborted:
		st = plugin.SystemFailure("AttemptAborted", "element "+tc.Attempt.String()+" was stopped outside the engine", true)
	}
	if st.Error == nil {
		st = plugin.SystemFailure("UnknownFailure", "element "+tc.Attempt.String()+" failed without an error", true)
	}
	delete(a.Handles, i)
	r.running--
	retry := st.Retryable
	if st.Error.GetKind() == corev1.ExecutionError_ERROR_KIND_SYSTEM {
		a.SysFails[i]++
		retry = retry && int(a.SysFails[i]) <= r.e.opts.MaxSystemRetries
	} else {
		retry = retry && int32(a.Attempts[i])-int32(a.SysFails[i]) <= tr.userRetries
	}
	if retry && a.Attempts[i] < 255 {
		a.Phases[i] = elemPending
		return true, nil
	}
	a.Phases[i] = elemFailed
	if a.FirstError == "" {
		a.FirstError = st.Error.GetMessage()
	}
	return true, nil
}

// finishArray gathers element outputs into lists (none for failed
// elements) and ends the node SUCCEEDED.
func (r *round) finishArray(ctx context.Context, tr *taskRun, ne *store.NodeExecution, a *arrayState) error {
	vars := tr.tmpl.GetInterface().GetOutputs().GetVariables()
	outs := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	cols := map[string]*corev1.LiteralCollection{}
	for name := range vars {
		cols[name] = &corev1.LiteralCollection{Literals: make([]*corev1.Literal, a.N)}
		outs.Literals[name] = &corev1.Literal{Value: &corev1.Literal_Collection{Collection: cols[name]}}
	}
	none := &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}}}
	for i := 0; i < a.N; i++ {
		var m *corev1.LiteralMap
		if a.Phases[i] == elemSucceeded && len(vars) > 0 && a.outs[i] != nil {
			m = a.outs[i]
		} else if a.Phases[i] == elemSucceeded && len(vars) > 0 {
			m = &corev1.LiteralMap{}
			key := r.elemOutputsKey(ne.NodeID, a, i)
			if err := r.e.blobs.ReadProto(ctx, key, m); err != nil {
				return fmt.Errorf("read outputs of element %d of %s: %w", i, ne.NodeID, err)
			}
		}
		for name, c := range cols {
			if l, ok := m.GetLiterals()[name]; ok {
				c.Literals[i] = l
			} else {
				c.Literals[i] = none
			}
		}
	}
	r.cacheArraySummary(ne, a)
	return r.succeedWith(ctx, ne, outs)
}

// abortArray stops every running element.
func (r *round) abortArray(ctx context.Context, ne *store.NodeExecution, ns *nodeState) error {
	a := ns.Array
	if len(a.Handles) == 0 {
		return nil
	}
	tmpl := r.arrayTask(ne)
	if tmpl == nil {
		return nil
	}
	p, err := r.e.plugins.Lookup(tmpl.GetType())
	if err != nil {
		return nil
	}
	tr := &taskRun{ne: ne, tmpl: tmpl, plugin: p}
	for _, i := range sortedIntKeys(a.Handles) {
		if h := a.Handles[i]; len(h) > 0 {
			if err := p.Abort(ctx, r.elemContext(tr, a, i, nil), h); err != nil {
				return fmt.Errorf("abort element %d of %s: %w", i, ne.NodeID, err)
			}
		}
		delete(a.Handles, i)
		a.Phases[i] = elemAborted
		r.running--
	}
	r.saveState(ne, ns)
	return nil
}

// arrayTask finds the task an array node runs by its spec node id.
func (r *round) arrayTask(ne *store.NodeExecution) *corev1.TaskTemplate {
	var find func(nodes []*corev1.Node) *corev1.TaskTemplate
	find = func(nodes []*corev1.Node) *corev1.TaskTemplate {
		for _, n := range nodes {
			if n.GetId() == ne.SpecNodeID && n.GetArrayNode() != nil {
				return r.st.wf.tasks[idKey(n.GetArrayNode().GetNode().GetTaskNode().GetReferenceId())]
			}
		}
		return nil
	}
	if t := find(r.st.wf.primary.wf.GetTemplate().GetNodes()); t != nil {
		return t
	}
	for _, g := range r.st.wf.subs {
		if t := find(g.wf.GetTemplate().GetNodes()); t != nil {
			return t
		}
	}
	return nil
}

func sortedIntKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
