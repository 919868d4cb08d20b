package propeller

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/store"
)

// Memoization of task nodes (docs/cache.md, "In the engine"). A cacheable
// task node is looked up in the data catalog when it starts, before any
// attempt: a hit ends it SUCCEEDED with the cached outputs and no attempt;
// a miss runs it and stores its outputs after the successful attempt. With
// cache_serializable, a node that missed waits QUEUED for the reservation
// of its key, so that of concurrent runs with the same key one runs and the
// others take its outputs. The catalog failing never fails a node: the
// task runs and the node reports the failure as its cache status.
//
// The cache status and catalog key are in the node's closure
// (TaskNodeMetadata) and its events; the rest is cacheState in the node's
// engine state.

// cacheState is the engine's memo of a cacheable task node.
type cacheState struct {
	Key cacheKey `json:"key"`
	// Serial says the node takes the key's reservation before it runs.
	Serial bool `json:"serial,omitempty"`
	// Reservation is the node's corev1.CatalogReservation_Status.
	Reservation int32 `json:"reservation,omitempty"`
	// Every is the heartbeat of a held reservation; Beat its last extension.
	Every time.Duration `json:"every,omitempty"`
	Beat  time.Time     `json:"beat,omitzero"`
	// Done says the outputs were stored (or storing them failed).
	Done bool `json:"done,omitempty"`
}

// cacheSpec is how a task node is cached.
type cacheSpec struct {
	dataset      datasetRef
	serializable bool
	ignore       []string
}

// cacheSpecOf says whether a task node is cached and how: the task's
// metadata (discoverable with a discovery_version), overridden by the
// node's (cacheable, cache_version, cache_serializable). nil when it is
// not, or when the engine has no catalog.
func (r *round) cacheSpecOf(n *corev1.Node, tmpl *corev1.TaskTemplate) *cacheSpec {
	if r.e.opts.Catalog == nil || tmpl == nil {
		return nil
	}
	md, nm := tmpl.GetMetadata(), n.GetMetadata()
	on, version, serial := md.GetDiscoverable(), md.GetDiscoveryVersion(), md.GetCacheSerializable()
	if nm != nil {
		if nm.Cacheable != nil {
			on = nm.GetCacheable()
		}
		if nm.CacheVersion != nil {
			version = nm.GetCacheVersion()
		}
		if nm.CacheSerializable != nil {
			serial = nm.GetCacheSerializable()
		}
	}
	if !on || version == "" {
		return nil
	}
	id := tmpl.GetId()
	ds := cachekey.DatasetID(id.GetProject(), id.GetDomain(), id.GetName(), version, tmpl.GetInterface())
	return &cacheSpec{
		dataset:      datasetRef{Project: ds.GetProject(), Domain: ds.GetDomain(), Name: ds.GetName(), Version: ds.GetVersion()},
		serializable: serial,
		ignore:       md.GetCacheIgnoreInputVars(),
	}
}

// cacheOnStart looks a starting task node up in the cache. It reports
// whether it set the node's phase: SUCCEEDED on a hit, QUEUED when the node
// must first take the reservation of its key (cacheBeforeRun); otherwise the
// caller records the node RUNNING as usual.
func (r *round) cacheOnStart(ctx context.Context, n *corev1.Node, ne *store.NodeExecution, inputs *corev1.LiteralMap) (bool, error) {
	tn := n.GetTaskNode()
	if tn == nil || r.e.opts.Catalog == nil {
		return false, nil
	}
	tmpl := r.st.wf.tasks[idKey(tn.GetReferenceId())]
	spec := r.cacheSpecOf(n, tmpl)
	if spec == nil {
		return false, nil
	}
	cs := &cacheState{Key: cacheKey{Dataset: spec.dataset, Tag: cachekey.Tag(inputs, spec.ignore)}, Serial: spec.serializable}
	status := corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_MISS
	if r.st.spec.GetOverwriteCache() {
		status = corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_SKIPPED
	} else {
		hit, err := r.e.cacheLookup(ctx, cs.Key, tmpl.GetInterface().GetOutputs(), r.now)
		switch {
		case err != nil:
			r.cacheLog("cache lookup failed; running the task", ne, cs, err)
			status = corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_LOOKUP_FAILURE
		case hit != nil:
			return true, r.cacheHitNode(ctx, ne, cs, hit)
		}
	}
	ns := decodeState(ne)
	ns.Cache = cs
	r.saveState(ne, ns)
	setCacheMeta(ne, status, catalogKey(cs.Key, "", nil))
	if cs.Serial {
		r.setNodePhase(ne, corev1.NodeExecution_PHASE_QUEUED, nil, "")
		return true, nil
	}
	return false, nil
}

// cacheHitNode ends a node SUCCEEDED with cached outputs.
func (r *round) cacheHitNode(ctx context.Context, ne *store.NodeExecution, cs *cacheState, hit *cacheHit) error {
	uri, err := r.keepOutputs(ctx, ne, hit.outs, r.st.nodeOutputsKey(ne.NodeID))
	if err != nil {
		return err
	}
	if cs.Reservation != 0 {
		ns := decodeState(ne)
		ns.Cache = cs
		r.saveState(ne, ns)
	}
	setCacheMeta(ne, corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT, catalogKey(cs.Key, hit.artifactID, hit.source))
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_SUCCEEDED, nil, uri)
	return nil
}

// cacheBeforeRun runs before a task node's attempts are started or
// observed. A QUEUED node takes the reservation of its key: it runs once it
// holds it, takes the outputs once its holder stored them, and otherwise
// keeps waiting (re-checked every CacheHeartbeat, and at once when a holder
// in this replica releases it). A running node extends the reservation it
// holds. It reports whether the node must not run an attempt now.
func (r *round) cacheBeforeRun(ctx context.Context, tr *taskRun) (bool, error) {
	ne := tr.ne
	if len(ne.EngineState) == 0 {
		return false, nil
	}
	ns := decodeState(ne)
	cs := ns.Cache
	if cs == nil {
		return false, nil
	}
	queued := ne.Phase == int32(corev1.NodeExecution_PHASE_QUEUED)
	switch {
	case r.e.opts.Catalog == nil:
		// The catalog went away across a restart: run.
		if queued {
			r.setNodePhase(ne, corev1.NodeExecution_PHASE_RUNNING, nil, "")
		}
		return false, nil
	case queued:
		return r.cacheReserve(ctx, tr, ns)
	case cs.Reservation == int32(corev1.CatalogReservation_STATUS_ACQUIRED) && !cs.Done:
		r.cacheHeartbeat(ctx, ne, ns)
	}
	return false, nil
}

// cacheOwner is the reservation owner of a node: stable across replicas,
// so a replica that takes the execution over continues as the same owner.
func (r *round) cacheOwner(nodeID string) string {
	id := r.st.exec.ID
	return id.Project + "/" + id.Domain + "/" + id.Name + "/" + nodeID
}

func (r *round) cacheReserve(ctx context.Context, tr *taskRun, ns *nodeState) (bool, error) {
	ne, cs := tr.ne, ns.Cache
	overwrite := r.st.spec.GetOverwriteCache()
	want := tr.tmpl.GetInterface().GetOutputs()
	waiting := cs.Reservation == int32(corev1.CatalogReservation_STATUS_EXISTS)
	if waiting && !overwrite {
		// The holder may have stored the outputs since the last look.
		hit, err := r.e.cacheLookup(ctx, cs.Key, want, r.now)
		if err != nil {
			r.cacheLog("cache lookup failed while waiting for a reservation", ne, cs, err)
		} else if hit != nil {
			r.e.cacheWaiters.remove(cs.Key.String(), r.st.exec.RowID)
			return true, r.cacheHitNode(ctx, ne, cs, hit)
		}
	}
	owner := r.cacheOwner(ne.NodeID)
	mine, every, err := r.e.cacheReservation(ctx, cs.Key, owner)
	switch {
	case err != nil:
		r.cacheLog("cache reservation failed; running the task", ne, cs, err)
		r.e.cacheWaiters.remove(cs.Key.String(), r.st.exec.RowID)
		cs.Reservation = int32(corev1.CatalogReservation_STATUS_FAILURE)
	case mine:
		r.e.cacheWaiters.remove(cs.Key.String(), r.st.exec.RowID)
		cs.Reservation = int32(corev1.CatalogReservation_STATUS_ACQUIRED)
		cs.Every, cs.Beat = every, r.now
		r.wakeAt(r.now.Add(every))
		if !overwrite {
			// Another run may have stored the outputs and released the
			// reservation between this node's lookup and now.
			hit, err := r.e.cacheLookup(ctx, cs.Key, want, r.now)
			if err != nil {
				r.cacheLog("cache lookup failed after taking the reservation", ne, cs, err)
			} else if hit != nil {
				r.cacheReleaseHeld(ctx, ne, cs)
				return true, r.cacheHitNode(ctx, ne, cs, hit)
			}
		}
	default:
		// Someone else computes these outputs: wait for them.
		r.e.cacheWaiters.add(cs.Key.String(), r.st.exec.RowID)
		r.wakeAt(r.now.Add(every))
		if !waiting {
			cs.Reservation = int32(corev1.CatalogReservation_STATUS_EXISTS)
			r.saveState(ne, ns)
		}
		return true, nil
	}
	r.saveState(ne, ns)
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_RUNNING, nil, "")
	return false, nil
}

// cacheHeartbeat extends the reservation a running node holds, every
// heartbeat, so that it does not lapse while the task runs.
func (r *round) cacheHeartbeat(ctx context.Context, ne *store.NodeExecution, ns *nodeState) {
	cs := ns.Cache
	every := cs.Every
	if every <= 0 {
		every = r.e.opts.CacheHeartbeat
	}
	if next := cs.Beat.Add(every); r.now.Before(next) {
		r.wakeAt(next)
		return
	}
	mine, _, err := r.e.cacheReservation(ctx, cs.Key, r.cacheOwner(ne.NodeID))
	switch {
	case err != nil:
		r.cacheLog("extend cache reservation", ne, cs, err)
	case !mine:
		// Late heartbeats let it expire and another run took it: this
		// node runs on without it (and has nothing to release).
		r.cacheLog("cache reservation lapsed and another run holds it", ne, cs, nil)
		cs.Reservation = int32(corev1.CatalogReservation_STATUS_FAILURE)
		r.saveState(ne, ns)
		return
	}
	cs.Beat = r.now
	r.saveState(ne, ns)
	r.wakeAt(r.now.Add(every))
}

// cachePut stores the outputs of a task node's successful attempt as the
// artifact of its key (CACHE_POPULATED, or CACHE_PUT_FAILURE when the
// catalog fails) and releases the reservation the node holds. It runs
// before the node's SUCCEEDED phase is recorded, so that its event carries
// the status; for a dynamic task, when the workflow it generated has
// finished (its outputs are the node's).
func (r *round) cachePut(ctx context.Context, tr *taskRun, attempt int32, outs *corev1.LiteralMap) {
	ne := tr.ne
	if len(ne.EngineState) == 0 || r.e.opts.Catalog == nil {
		return
	}
	ns := decodeState(ne)
	cs := ns.Cache
	if cs == nil || cs.Done {
		return
	}
	r.cachePutState(ctx, ne, ns, attempt, tr.tmpl, outs)
}

func (r *round) cachePutState(ctx context.Context, ne *store.NodeExecution, ns *nodeState, attempt int32, tmpl *corev1.TaskTemplate, outs *corev1.LiteralMap) {
	cs := ns.Cache
	taskVersion := tmpl.GetId().GetVersion()
	id, err := r.e.cacheStore(ctx, cs.Key, tmpl.GetInterface().GetOutputs(), outs, r.artifactMetadata(ne.NodeID, attempt, taskVersion))
	status, key := corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_POPULATED, catalogKey(cs.Key, id, r.attemptID(ne.NodeID, attempt, cs.Key.Dataset, taskVersion))
	if err != nil {
		r.cacheLog("storing outputs in the cache failed", ne, cs, err)
		status, key = corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_PUT_FAILURE, catalogKey(cs.Key, "", nil)
	}
	cs.Done = true
	r.cacheReleaseHeld(ctx, ne, cs)
	r.saveState(ne, ns)
	setCacheMeta(ne, status, key)
}

// artifactMetadata names the attempt that produced an artifact.
func (r *round) artifactMetadata(nodeID string, attempt int32, taskVersion string) map[string]string {
	id := r.st.exec.ID
	return map[string]string{
		metaExecution:    id.Project + "/" + id.Domain + "/" + id.Name,
		metaNodeID:       nodeID,
		metaRetryAttempt: strconv.Itoa(int(attempt)),
		metaTaskVersion:  taskVersion,
	}
}

// attemptID is the TaskExecutionIdentifier of an attempt of this execution.
func (r *round) attemptID(nodeID string, attempt int32, ds datasetRef, taskVersion string) *corev1.TaskExecutionIdentifier {
	return sourceOf(ds, r.artifactMetadata(nodeID, attempt, taskVersion))
}

// cacheAfterRun runs after every evaluation of a task node. Once the node
// has finished it releases the reservation the node still holds (a path
// that neither cachePut nor cacheReleaseNode covered).
func (r *round) cacheAfterRun(ctx context.Context, tr *taskRun) {
	ne := tr.ne
	if !nodeTerminal(ne.Phase) || len(ne.EngineState) == 0 || r.e.opts.Catalog == nil {
		return
	}
	ns := decodeState(ne)
	cs := ns.Cache
	if cs == nil {
		return
	}
	if cs.Reservation == int32(corev1.CatalogReservation_STATUS_ACQUIRED) {
		r.cacheReleaseHeld(ctx, ne, cs)
		r.saveState(ne, ns)
	}
}

// cacheReleaseNode releases the reservation of a node that is being
// aborted or has failed, so that a run waiting for it takes over at once.
func (r *round) cacheReleaseNode(ctx context.Context, ne *store.NodeExecution) {
	if len(ne.EngineState) == 0 || r.e.opts.Catalog == nil {
		return
	}
	ns := decodeState(ne)
	cs := ns.Cache
	if cs == nil || cs.Reservation != int32(corev1.CatalogReservation_STATUS_ACQUIRED) {
		return
	}
	r.cacheReleaseHeld(ctx, ne, cs)
	r.saveState(ne, ns)
}

// cacheReleaseHeld releases the reservation cs holds (the caller saves cs).
func (r *round) cacheReleaseHeld(ctx context.Context, ne *store.NodeExecution, cs *cacheState) {
	if cs.Reservation != int32(corev1.CatalogReservation_STATUS_ACQUIRED) {
		return
	}
	cs.Reservation = int32(corev1.CatalogReservation_STATUS_RELEASED)
	if err := r.e.cacheRelease(ctx, cs.Key, r.cacheOwner(ne.NodeID)); err != nil {
		r.cacheLog("release cache reservation (it lapses after 3 heartbeats)", ne, cs, err)
		cs.Reservation = int32(corev1.CatalogReservation_STATUS_FAILURE)
	}
}

func (r *round) cacheLog(msg string, ne *store.NodeExecution, cs *cacheState, err error) {
	attrs := []any{slog.String("execution", r.st.exec.ID.Name), slog.String("node", ne.NodeID), slog.String("cache_key", cs.Key.String())}
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	r.e.log.Warn(msg, attrs...)
}

// catalogKey is the catalog entry a node read or wrote.
func catalogKey(k cacheKey, artifactID string, source *corev1.TaskExecutionIdentifier) *corev1.CatalogMetadata {
	return &corev1.CatalogMetadata{
		DatasetId:           k.Dataset.identifier(),
		ArtifactTag:         &corev1.CatalogArtifactTag{ArtifactId: artifactID, Name: k.Tag},
		SourceTaskExecution: source,
	}
}

// setCacheMeta records a node's cache status and catalog key in its
// closure; setNodePhase keeps them and copies them into the node's events.
func setCacheMeta(ne *store.NodeExecution, status corev1.CatalogCacheStatus, key *corev1.CatalogMetadata) {
	c := &adminv1.NodeExecutionClosure{}
	_ = unmarshal(ne.Closure, c)
	tm := c.GetTaskNodeMetadata()
	if tm == nil {
		tm = &adminv1.TaskNodeMetadata{}
		c.TargetMetadata = &adminv1.NodeExecutionClosure_TaskNodeMetadata{TaskNodeMetadata: tm}
	}
	tm.CacheStatus, tm.CatalogKey = status, key
	ne.Closure = marshal(c)
}

// cacheEventMeta is the TaskNodeMetadata of a node event: the cache status
// and key of the node's closure and the state of its reservation; nil for
// nodes that are not cached.
func cacheEventMeta(ne *store.NodeExecution, c *adminv1.NodeExecutionClosure) *eventv1.TaskNodeMetadata {
	tm := c.GetTaskNodeMetadata()
	if tm == nil {
		return nil
	}
	out := &eventv1.TaskNodeMetadata{CacheStatus: tm.GetCacheStatus(), CatalogKey: tm.GetCatalogKey(), CheckpointUri: tm.GetCheckpointUri()}
	if len(ne.EngineState) > 0 {
		if cs := decodeState(ne).Cache; cs != nil {
			out.ReservationStatus = corev1.CatalogReservation_Status(cs.Reservation)
		}
	}
	return out
}

// cacheWaiters remembers which executions of this replica wait for the
// reservation of a key, so that releasing it wakes them at once instead
// of at their next heartbeat.
type cacheWaiters struct {
	mu sync.Mutex
	m  map[string]map[int64]struct{}
}

func (w *cacheWaiters) add(key string, rowID int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]map[int64]struct{}{}
	}
	if w.m[key] == nil {
		w.m[key] = map[int64]struct{}{}
	}
	w.m[key][rowID] = struct{}{}
}

func (w *cacheWaiters) remove(key string, rowID int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.m[key], rowID)
	if len(w.m[key]) == 0 {
		delete(w.m, key)
	}
}

// wake wakes (and forgets) every execution waiting for key.
func (w *cacheWaiters) wake(e *Engine, key string) {
	w.mu.Lock()
	rows := w.m[key]
	delete(w.m, key)
	w.mu.Unlock()
	for id := range rows {
		e.Wake(id)
	}
}
