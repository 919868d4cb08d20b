package propeller

import (
	"context"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/store"
)

// Memoization of array (map) node elements: each element of an array over a
// cacheable task is looked up before its first attempt and populated after
// its successful attempt, independently of the others; elements that hit do
// not run. Each element's cache status is kept in arrayState.Cache (one
// byte per element, a corev1.CatalogCacheStatus); the node's closure and
// events report a summary (cacheArraySummary). Elements take no
// reservations: cache_serializable applies to task nodes only.

// cacheLookupWidth is how many element lookups run at once.
const cacheLookupWidth = 8

// elemLookup is the result of one element's lookup.
type elemLookup struct {
	hit *cacheHit
	err error
}

// cacheElements looks up the pending elements of an array node that were
// not looked up yet, concurrently; elements that hit succeed with the cached
// outputs. It reports whether it changed the array's state.
func (r *round) cacheElements(ctx context.Context, sub *corev1.Node, tr *taskRun, a *arrayState, lists, shared *corev1.LiteralMap) bool {
	spec := r.cacheSpecOf(sub, tr.tmpl)
	if spec == nil {
		return false
	}
	a.cache = spec
	if len(a.Cache) != a.N {
		a.Cache = make([]byte, a.N)
	}
	var idx []int
	for i := range a.N {
		if a.Phases[i] == elemPending && a.Attempts[i] == 0 && a.Cache[i] == byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_DISABLED) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return false
	}
	if r.st.spec.GetOverwriteCache() {
		for _, i := range idx {
			a.Cache[i] = byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_SKIPPED)
		}
		return true
	}
	want := tr.tmpl.GetInterface().GetOutputs()
	res := make([]elemLookup, len(idx))
	parallel(len(idx), cacheLookupWidth, func(k int) {
		key := r.elemCacheKey(a, idx[k], lists, shared)
		res[k].hit, res[k].err = r.e.cacheLookup(ctx, key, want, r.now)
	})
	for k, i := range idx {
		switch l := res[k]; {
		case l.err != nil:
			r.e.log.Warn("cache lookup of an array element failed; running it", "execution", r.st.exec.ID.Name, "node", elemID(tr.ne.NodeID, i), "error", l.err)
			a.Cache[i] = byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_LOOKUP_FAILURE)
		case l.hit != nil:
			a.Cache[i] = byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT)
			a.Phases[i] = elemSucceeded
			if a.outs == nil {
				a.outs = map[int]*corev1.LiteralMap{}
			}
			if a.inline == nil {
				a.inline = map[int]bool{}
			}
			// Kept for finishArray, and written to the element's
			// outputs.pb unless the node finishes in this round.
			a.outs[i], a.inline[i] = l.hit.outs, true
		default:
			a.Cache[i] = byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_MISS)
		}
	}
	return true
}

// elemCacheKey is the cache key of element i: its own inputs' tag.
func (r *round) elemCacheKey(a *arrayState, i int, lists, shared *corev1.LiteralMap) cacheKey {
	return cacheKey{Dataset: a.cache.dataset, Tag: cachekey.Tag(elemInputs(lists, shared, i), a.cache.ignore)}
}

// cachePutElement stores the outputs of element i's successful attempt.
func (r *round) cachePutElement(ctx context.Context, tr *taskRun, a *arrayState, i int, lists, shared, outs *corev1.LiteralMap) {
	if a.cache == nil || len(a.Cache) != a.N {
		return
	}
	key := r.elemCacheKey(a, i, lists, shared)
	attempt := int32(a.Attempts[i]) - 1
	_, err := r.e.cacheStore(ctx, key, tr.tmpl.GetInterface().GetOutputs(), outs, r.artifactMetadata(elemID(tr.ne.NodeID, i), attempt, tr.tmpl.GetId().GetVersion()))
	if err != nil {
		r.e.log.Warn("storing the outputs of an array element in the cache failed", "execution", r.st.exec.ID.Name, "node", elemID(tr.ne.NodeID, i), "cache_key", key.String(), "error", err)
		a.Cache[i] = byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_PUT_FAILURE)
		return
	}
	a.Cache[i] = byte(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_POPULATED)
}

// elemOutputsKey is where element i's outputs are written when the node
// does not finish in the round that saw them: its attempt's outputs.pb, or
// for an element that hit the cache (and ran no attempt) its own
// outputs.pb.
func (r *round) elemOutputsKey(nodeID string, a *arrayState, i int) string {
	if a.Attempts[i] == 0 {
		return r.st.nodeOutputsKey(elemID(nodeID, i))
	}
	return r.st.attemptPrefix(elemID(nodeID, i), int32(a.Attempts[i])-1) + "/outputs.pb"
}

// cacheArraySummary records the cache status of a finished array node in
// its closure: HIT when every element hit, PUT_FAILURE or LOOKUP_FAILURE
// when any element's put or lookup failed, POPULATED otherwise. The
// element statuses stay in the node's engine state.
func (r *round) cacheArraySummary(ne *store.NodeExecution, a *arrayState) {
	if a.cache == nil || len(a.Cache) != a.N || a.N == 0 {
		return
	}
	count := map[corev1.CatalogCacheStatus]int{}
	for _, s := range a.Cache {
		count[corev1.CatalogCacheStatus(s)]++
	}
	status := corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_POPULATED
	switch {
	case count[corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT] == a.N:
		status = corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT
	case count[corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_PUT_FAILURE] > 0:
		status = corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_PUT_FAILURE
	case count[corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_LOOKUP_FAILURE] > 0:
		status = corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_LOOKUP_FAILURE
	}
	setCacheMeta(ne, status, &corev1.CatalogMetadata{DatasetId: a.cache.dataset.identifier()})
}
