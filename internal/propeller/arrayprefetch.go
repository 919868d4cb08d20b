package propeller

import (
	"context"
	"sync"
	"sync/atomic"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
)

// An array node's elements are walked one after the other, but the slow
// part of starting an element is I/O: the plugin's Start (a process, or an
// inputs.pb for SDK tasks), the first Status and reading outputs a plugin
// wrote to a blob. Before the walk starts an element's first attempt,
// it runs that I/O for a chunk of the pending elements it is about to
// start, prefetchWidth at a time; the walk then records the results in
// order as if it had done the calls itself. Prefetched attempts the walk
// ends up not starting (the node failed early) are aborted.
const (
	prefetchWidth = 8
	prefetchChunk = 256
)

// elemPrefetch is the I/O of one element's first attempt, done ahead.
type elemPrefetch struct {
	tc *plugin.TaskContext
	// h is the plugin's handle; nil when Start failed.
	h plugin.Handle
	// st (or stErr) is the first Status after a successful Start; outs and
	// bad are the outputs read when it reported success.
	st    plugin.Status
	stErr error
	outs  *corev1.LiteralMap
	bad   string
	// started says the walk recorded the attempt as started.
	started bool
}

// prefetchElements runs the first-attempt I/O of up to n pending elements
// from index from on, concurrently, and keeps the results in a.pre.
func (r *round) prefetchElements(ctx context.Context, tr *taskRun, a *arrayState, from, n int, lists, shared *corev1.LiteralMap) {
	var idx []int
	for i := from; i < a.N && len(idx) < n; i++ {
		if a.Phases[i] == elemPending && a.Attempts[i] == 0 && a.pre[i] == nil {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return // nothing to overlap: the walk does it itself
	}
	jobs := make([]*elemPrefetch, len(idx))
	for k, i := range idx {
		id := elemID(tr.ne.NodeID, i)
		jobs[k] = &elemPrefetch{tc: r.taskContext(tr, id, 0, elemInputs(lists, shared, i))}
	}
	parallel(len(idx), prefetchWidth, func(k int) { r.runPrefetch(ctx, tr, jobs[k]) })
	if a.pre == nil {
		a.pre = make(map[int]*elemPrefetch, len(idx))
	}
	for k, i := range idx {
		a.pre[i] = jobs[k]
	}
}

// runPrefetch does one element's I/O; it touches no round state.
func (r *round) runPrefetch(ctx context.Context, tr *taskRun, pf *elemPrefetch) {
	h, err := tr.plugin.Start(ctx, pf.tc)
	if err != nil {
		return
	}
	pf.h = h
	pf.st, pf.stErr = tr.plugin.Status(ctx, pf.tc, h)
	if pf.stErr == nil && pf.st.Phase == plugin.PhaseSucceeded {
		pf.outs, pf.bad = r.readOutputs(ctx, pf.st.Outputs, pf.tc.OutputsKey(), tr.tmpl.GetInterface().GetOutputs(), pf.tc.Attempt.String())
	}
}

// elemInputs is element i's inputs: element i of every list input plus the
// sub-node's own bindings.
func elemInputs(lists, shared *corev1.LiteralMap, i int) *corev1.LiteralMap {
	in := &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, len(lists.GetLiterals())+len(shared.GetLiterals()))}
	for k, v := range shared.GetLiterals() {
		in.Literals[k] = v
	}
	for k, v := range lists.GetLiterals() {
		in.Literals[k] = v.GetCollection().GetLiterals()[i]
	}
	return in
}

// dropPrefetched aborts prefetched attempts the walk did not start, so no
// attempt runs without a row recording it.
func (r *round) dropPrefetched(ctx context.Context, tr *taskRun, a *arrayState) {
	for i, pf := range a.pre {
		if !pf.started && len(pf.h) > 0 {
			if err := tr.plugin.Abort(ctx, pf.tc, pf.h); err != nil {
				r.e.log.Warn("abort unused prefetched element", "attempt", pf.tc.Attempt.String(), "error", err)
			}
		}
		delete(a.pre, i)
	}
}

// parallel calls do(k) for every k in [0, n) on at most width goroutines
// and returns when all calls have.
func parallel(n, width int, do func(k int)) {
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range min(width, n) {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				do(k)
			}
		})
	}
	wg.Wait()
}
