// Package propeller is the workflow engine: it claims due executions from the
// store under a lease, evaluates each one in rounds (deciding every node and
// attempt transition from the committed state), runs task attempts through
// plugins, and commits each round's transitions, events and next wake-up in
// one version-guarded transaction (DESIGN §3). docs/engine.md draws the state
// machines.
package propeller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

// Launcher starts child executions for launch-plan nodes; the platform wires
// the admin's CreateExecution. An AlreadyExists answer must be reported as an
// error matching store.ErrAlreadyExists (or carry the id) and is treated as
// success, since child names are deterministic.
type Launcher interface {
	// Launch creates the execution described by req and returns its id.
	Launch(ctx context.Context, req *adminv1.ExecutionCreateRequest) (*corev1.WorkflowExecutionIdentifier, error)
}

// Clock tells the engine the time and schedules its timers; tests inject a
// controllable one.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d; the returned function
	// cancels the timer.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Options configure an Engine; zero fields take the defaults stated.
type Options struct {
	// Owner names this replica in leases (default hostname-pid-random).
	Owner string
	// LeaseDuration is how long a claim lasts without renewal (default 30s);
	// leases are renewed every third of it, and a dead replica's executions
	// are taken over after it.
	LeaseDuration time.Duration
	// Workers is the number of executions evaluated concurrently (default
	// 2*GOMAXPROCS).
	Workers int
	// MaxSystemRetries is the budget of retries after SYSTEM failures, per
	// node, separate from the task's user retries (default 3).
	MaxSystemRetries int
	// ClaimBatch is the most executions claimed at once (default 256).
	ClaimBatch int
	// Clock is the time source (default the wall clock).
	Clock Clock
	// Logger receives the engine's logs (default slog.Default()).
	Logger *slog.Logger
	// Launcher starts child executions of launch-plan nodes; without one
	// such nodes fail with a clear error.
	Launcher Launcher
	// Catalog stores memoized task outputs (the data catalog, in process or
	// over Connect); nil disables caching: cacheable nodes run every time
	// and report CACHE_DISABLED.
	Catalog datacatalogv1connect.DataCatalogClient
	// CacheMaxAge makes a cached artifact older than it a miss (0: no limit).
	CacheMaxAge time.Duration
	// CacheHeartbeat is how often the holder of a cache reservation extends
	// it and how often nodes waiting for another's reservation re-check the
	// cache (default 10s; a reservation lapses after 3 missed heartbeats).
	CacheHeartbeat time.Duration
	// OnCommit, when set, is called after every committed round with the
	// execution as stored (for metrics, progress and tests). It must not block.
	OnCommit func(x *store.Execution)
}

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	if o.CacheHeartbeat <= 0 {
		o.CacheHeartbeat = 10 * time.Second
	}
	if o.MaxSystemRetries <= 0 {
		o.MaxSystemRetries = 3
	}
	if o.ClaimBatch <= 0 {
		o.ClaimBatch = 256
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ExecStore is what the engine needs from the database: the repository (to
// read registered workflows) and the execution store.
type ExecStore interface {
	store.Store
	store.ExecutionStore
}

// Engine runs executions. Create it with New, then Start and Stop it.
type Engine struct {
	st      ExecStore
	blobs   *storage.Store
	plugins *plugin.Registry
	opts    Options
	log     *slog.Logger

	wfCache sync.Map // workflow EntityID -> *compiledWorkflow
	// children maps child execution ids to the row id of their parent, so a
	// child's last round wakes the parent at once.
	children sync.Map
	// cacheWaiters are the executions waiting for a cache reservation
	// (cache.go).
	cacheWaiters cacheWaiters

	mu       sync.Mutex
	held     map[int64]*heldExec // executions whose lease we hold
	queue    []int64
	queued   map[int64]bool
	busy     map[int64]bool
	again    map[int64]bool
	workCond *sync.Cond
	stopping bool

	claimNow chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	started  bool
}

// heldExec is an execution this replica holds the lease of, with its cached
// in-memory view and its pending timer.
type heldExec struct {
	state     *execState
	stopTimer func() bool
	timerAt   time.Time
}

// New returns an engine over st (which must also implement
// store.ExecutionStore), the blob store and the plugins.
func New(st ExecStore, blobs *storage.Store, plugins *plugin.Registry, opts Options) *Engine {
	opts = opts.WithDefaults()
	e := &Engine{
		st:       st,
		blobs:    blobs,
		plugins:  plugins,
		opts:     opts,
		log:      opts.Logger.With(slog.String("component", "propeller"), slog.String("owner", opts.Owner)),
		held:     map[int64]*heldExec{},
		queued:   map[int64]bool{},
		busy:     map[int64]bool{},
		again:    map[int64]bool{},
		claimNow: make(chan struct{}, 1),
	}
	e.workCond = sync.NewCond(&e.mu)
	return e
}

// Owner is the name this replica claims leases under.
func (e *Engine) Owner() string { return e.opts.Owner }

// Start launches the engine's goroutines; they run until Stop or until ctx
// is cancelled.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("propeller: engine already started")
	}
	e.started = true
	e.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	e.cancel = cancel
	if w, ok := e.st.(store.ExecutionWaker); ok {
		ch, err := w.ExecutionWakeups(ctx)
		if err != nil {
			cancel()
			return fmt.Errorf("subscribe to execution wake-ups: %w", err)
		}
		e.wg.Add(1)
		go e.listen(ctx, ch)
	}
	for range e.opts.Workers {
		e.wg.Add(1)
		go e.work(ctx)
	}
	e.wg.Add(2)
	go e.claimLoop(ctx)
	go e.renewLoop(ctx)
	e.triggerClaim()
	go func() {
		<-ctx.Done()
		e.mu.Lock()
		e.stopping = true
		e.workCond.Broadcast()
		e.mu.Unlock()
	}()
	return nil
}

// Stop stops claiming, waits for rounds in flight and releases every lease
// so another replica can continue at once.
func (e *Engine) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.wg.Wait()
	e.mu.Lock()
	ids := make([]int64, 0, len(e.held))
	for id, h := range e.held {
		if h.stopTimer != nil {
			h.stopTimer()
		}
		ids = append(ids, id)
	}
	e.held = map[int64]*heldExec{}
	e.mu.Unlock()
	if len(ids) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := e.st.ExecutionLeaseRelease(ctx, store.ExecutionLeaseParams{Owner: e.opts.Owner, IDs: ids, Now: e.opts.Clock.Now()})
		if err != nil {
			e.log.Warn("release leases", slog.Any("error", err))
		}
	}
}

// Wake asks the engine to evaluate an execution soon: at once when this
// replica holds it, otherwise through a claim.
func (e *Engine) Wake(rowID int64) {
	e.mu.Lock()
	_, held := e.held[rowID]
	if held {
		e.enqueueLocked(rowID)
	}
	e.mu.Unlock()
	if !held {
		e.triggerClaim()
	}
}

func (e *Engine) triggerClaim() {
	select {
	case e.claimNow <- struct{}{}:
	default:
	}
}

func (e *Engine) listen(ctx context.Context, ch <-chan int64) {
	defer e.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case id, ok := <-ch:
			if !ok {
				return
			}
			e.Wake(id)
		}
	}
}

// claimLoop claims due executions when woken and on a slow safety sweep
// (a third of the lease) that picks up expired leases of dead replicas.
func (e *Engine) claimLoop(ctx context.Context) {
	defer e.wg.Done()
	sweep := e.opts.LeaseDuration / 3
	for {
		e.claim(ctx)
		timer := make(chan struct{})
		stop := e.opts.Clock.AfterFunc(sweep, func() { close(timer) })
		select {
		case <-ctx.Done():
			stop()
			return
		case <-e.claimNow:
		case <-timer:
		}
		stop()
	}
}

func (e *Engine) claim(ctx context.Context) {
	for ctx.Err() == nil {
		execs, err := e.st.ExecutionClaim(ctx, store.ExecutionClaimParams{
			Owner: e.opts.Owner, LeaseFor: e.opts.LeaseDuration, Limit: e.opts.ClaimBatch, Now: e.opts.Clock.Now(),
		})
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("claim executions", slog.Any("error", err))
			}
			return
		}
		e.mu.Lock()
		for _, x := range execs {
			if _, ok := e.held[x.RowID]; !ok {
				e.held[x.RowID] = &heldExec{}
			}
			e.enqueueLocked(x.RowID)
		}
		e.mu.Unlock()
		if len(execs) < e.opts.ClaimBatch {
			return
		}
	}
}

func (e *Engine) renewLoop(ctx context.Context) {
	defer e.wg.Done()
	every := e.opts.LeaseDuration / 3
	for {
		timer := make(chan struct{})
		stop := e.opts.Clock.AfterFunc(every, func() { close(timer) })
		select {
		case <-ctx.Done():
			stop()
			return
		case <-timer:
		}
		e.renew(ctx)
	}
}

func (e *Engine) renew(ctx context.Context) {
	e.mu.Lock()
	ids := make([]int64, 0, len(e.held))
	for id := range e.held {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	kept, err := e.st.ExecutionLeaseRenew(ctx, store.ExecutionLeaseParams{
		Owner: e.opts.Owner, IDs: ids, LeaseFor: e.opts.LeaseDuration, Now: e.opts.Clock.Now(),
	})
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("renew leases", slog.Any("error", err))
		}
		return
	}
	keep := make(map[int64]bool, len(kept))
	for _, id := range kept {
		keep[id] = true
	}
	e.mu.Lock()
	for _, id := range ids {
		if !keep[id] {
			e.log.Warn("lease lost", slog.Int64("execution_row_id", id))
			e.dropLocked(id)
		}
	}
	e.mu.Unlock()
}

func (e *Engine) dropLocked(id int64) {
	if h, ok := e.held[id]; ok && h.stopTimer != nil {
		h.stopTimer()
	}
	delete(e.held, id)
}

func (e *Engine) enqueueLocked(id int64) {
	if e.busy[id] {
		e.again[id] = true
		return
	}
	if e.queued[id] {
		return
	}
	e.queued[id] = true
	e.queue = append(e.queue, id)
	e.workCond.Signal()
}

func (e *Engine) work(ctx context.Context) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		for len(e.queue) == 0 && !e.stopping {
			e.workCond.Wait()
		}
		if e.stopping {
			e.mu.Unlock()
			return
		}
		id := e.queue[0]
		e.queue = e.queue[1:]
		delete(e.queued, id)
		h, held := e.held[id]
		if !held {
			e.mu.Unlock()
			continue
		}
		e.busy[id] = true
		st := h.state
		e.mu.Unlock()

		st, wakeAt, done := e.evaluate(ctx, id, st)

		e.mu.Lock()
		delete(e.busy, id)
		h, held = e.held[id]
		switch {
		case !held:
		case done:
			e.dropLocked(id)
		default:
			h.state = st
			e.scheduleLocked(id, h, wakeAt)
		}
		if e.again[id] {
			delete(e.again, id)
			if _, ok := e.held[id]; ok {
				e.enqueueLocked(id)
			}
		}
		e.mu.Unlock()
	}
}

// scheduleLocked arms the in-process timer of a held execution for wakeAt.
func (e *Engine) scheduleLocked(id int64, h *heldExec, wakeAt time.Time) {
	if wakeAt.IsZero() || (h.stopTimer != nil && h.timerAt.Equal(wakeAt)) {
		return
	}
	if h.stopTimer != nil {
		h.stopTimer()
	}
	h.timerAt = wakeAt
	d := wakeAt.Sub(e.opts.Clock.Now())
	h.stopTimer = e.opts.Clock.AfterFunc(max(d, 0), func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if cur, ok := e.held[id]; ok && cur == h {
			h.stopTimer = nil
			e.enqueueLocked(id)
		}
	})
}

// evaluate runs rounds on one execution until a round changes nothing. It
// returns the cached view to keep, when to look again, and whether the
// execution is finished (or lost) so its lease can be forgotten.
func (e *Engine) evaluate(ctx context.Context, id int64, st *execState) (*execState, time.Time, bool) {
	// Attempts started by discarded rounds: stopped at the end unless a
	// committed round recorded them.
	var orphans []startedAttempt
	defer func() { e.reapOrphans(st, orphans) }()
	for i := 0; ctx.Err() == nil; i++ {
		if st != nil {
			// Admin writes requests (abort) into the row: refresh it, and
			// reload everything if someone else committed meanwhile.
			x, err := e.st.ExecutionGetByID(ctx, id)
			switch {
			case err != nil:
				st = nil
			case x.Version != st.exec.Version:
				st = nil
			default:
				st.exec = x
			}
		}
		if st == nil {
			var err error
			st, err = e.load(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					return nil, time.Time{}, false // stopping
				}
				e.log.Error("load execution", slog.Int64("execution_row_id", id), slog.Any("error", err))
				return nil, e.opts.Clock.Now().Add(time.Second), false
			}
		}
		if store.ExecutionTerminal(st.exec.Phase) {
			e.notifyParent(st.exec)
			return nil, time.Time{}, true
		}
		res, err := e.round(ctx, st)
		orphans = append(orphans, res.orphans...)
		if err != nil {
			st = nil // the view no longer matches the store
		}
		switch {
		case errors.Is(err, store.ErrConflict):
			// Someone else changed the execution (or took the lease): drop
			// the view and reload; a lost lease shows up at the next renew.
			e.log.Debug("stale round", slog.Int64("execution_row_id", id))
			st = nil
			if i > 3 {
				return nil, e.opts.Clock.Now().Add(time.Second), false
			}
			continue
		case err != nil:
			e.log.Error("evaluate execution", slog.Int64("execution_row_id", id), slog.Any("error", err))
			return nil, e.opts.Clock.Now().Add(time.Second), false
		}
		if store.ExecutionTerminal(st.exec.Phase) {
			e.notifyParent(st.exec)
			return nil, time.Time{}, true
		}
		if !res.changed {
			return st, res.wakeAt, false
		}
	}
	return st, time.Time{}, false
}
