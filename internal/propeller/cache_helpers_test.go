package propeller_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// catalogProxy is the engine's data catalog in tests: it passes every call
// to the real service (over the engine's own store), counts calls by method
// and fails the methods a test asks it to, as an unreachable catalog would.
type catalogProxy struct {
	svc atomic.Pointer[datacatalog.Service]
	// offset shifts the service's clock (to make old artifacts).
	offset atomic.Int64

	mu      sync.Mutex
	calls   map[string]int
	owners  map[string]int // GetOrExtendReservation calls by owner
	fail    map[string]bool
	changed chan struct{}
}

var _ datacatalogv1connect.DataCatalogClient = (*catalogProxy)(nil)

// setupCache is setup with a data catalog over the engine's store and a
// short reservation heartbeat.
func setupCache(t testing.TB, mod ...func(*propeller.Options)) (*env, *catalogProxy) {
	t.Helper()
	p := &catalogProxy{calls: map[string]int{}, owners: map[string]int{}, fail: map[string]bool{}, changed: make(chan struct{}, 1)}
	mods := append([]func(*propeller.Options){func(o *propeller.Options) {
		o.Catalog = p
		o.CacheHeartbeat = 100 * time.Millisecond
	}}, mod...)
	e := setup(t, mods...)
	cs, ok := e.st.(store.CatalogStore)
	require.True(t, ok, "the store implements store.CatalogStore")
	p.svc.Store(datacatalog.New(cs, datacatalog.Options{Clock: func() time.Time { return time.Now().Add(time.Duration(p.offset.Load())) }}))
	return e, p
}

func (p *catalogProxy) call(method string) error {
	p.mu.Lock()
	p.calls[method]++
	fail := p.fail[method]
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
	if fail {
		return connect.NewError(connect.CodeUnavailable, errors.New("catalog unreachable (test)"))
	}
	return nil
}

// setFail makes method fail (or work again).
func (p *catalogProxy) setFail(method string, fail bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail[method] = fail
}

// count is how many times method was called.
func (p *catalogProxy) count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[method]
}

// ownerCalls is how many times owner asked for or extended a reservation.
func (p *catalogProxy) ownerCalls(owner string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.owners[owner]
}

// total is how many calls the engine made.
func (p *catalogProxy) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		n += c
	}
	return n
}

func (p *catalogProxy) CreateDataset(ctx context.Context, r *connect.Request[datacatalogv1.CreateDatasetRequest]) (*connect.Response[datacatalogv1.CreateDatasetResponse], error) {
	if err := p.call("CreateDataset"); err != nil {
		return nil, err
	}
	return p.svc.Load().CreateDataset(ctx, r)
}

func (p *catalogProxy) GetDataset(ctx context.Context, r *connect.Request[datacatalogv1.GetDatasetRequest]) (*connect.Response[datacatalogv1.GetDatasetResponse], error) {
	if err := p.call("GetDataset"); err != nil {
		return nil, err
	}
	return p.svc.Load().GetDataset(ctx, r)
}

func (p *catalogProxy) ListDatasets(ctx context.Context, r *connect.Request[datacatalogv1.ListDatasetsRequest]) (*connect.Response[datacatalogv1.ListDatasetsResponse], error) {
	if err := p.call("ListDatasets"); err != nil {
		return nil, err
	}
	return p.svc.Load().ListDatasets(ctx, r)
}

func (p *catalogProxy) CreateArtifact(ctx context.Context, r *connect.Request[datacatalogv1.CreateArtifactRequest]) (*connect.Response[datacatalogv1.CreateArtifactResponse], error) {
	if err := p.call("CreateArtifact"); err != nil {
		return nil, err
	}
	return p.svc.Load().CreateArtifact(ctx, r)
}

func (p *catalogProxy) GetArtifact(ctx context.Context, r *connect.Request[datacatalogv1.GetArtifactRequest]) (*connect.Response[datacatalogv1.GetArtifactResponse], error) {
	if err := p.call("GetArtifact"); err != nil {
		return nil, err
	}
	return p.svc.Load().GetArtifact(ctx, r)
}

func (p *catalogProxy) ListArtifacts(ctx context.Context, r *connect.Request[datacatalogv1.ListArtifactsRequest]) (*connect.Response[datacatalogv1.ListArtifactsResponse], error) {
	if err := p.call("ListArtifacts"); err != nil {
		return nil, err
	}
	return p.svc.Load().ListArtifacts(ctx, r)
}

func (p *catalogProxy) AddTag(ctx context.Context, r *connect.Request[datacatalogv1.AddTagRequest]) (*connect.Response[datacatalogv1.AddTagResponse], error) {
	if err := p.call("AddTag"); err != nil {
		return nil, err
	}
	return p.svc.Load().AddTag(ctx, r)
}

func (p *catalogProxy) UpdateArtifact(ctx context.Context, r *connect.Request[datacatalogv1.UpdateArtifactRequest]) (*connect.Response[datacatalogv1.UpdateArtifactResponse], error) {
	if err := p.call("UpdateArtifact"); err != nil {
		return nil, err
	}
	return p.svc.Load().UpdateArtifact(ctx, r)
}

func (p *catalogProxy) GetOrExtendReservation(ctx context.Context, r *connect.Request[datacatalogv1.GetOrExtendReservationRequest]) (*connect.Response[datacatalogv1.GetOrExtendReservationResponse], error) {
	p.mu.Lock()
	p.owners[r.Msg.GetOwnerId()]++
	p.mu.Unlock()
	if err := p.call("GetOrExtendReservation"); err != nil {
		return nil, err
	}
	return p.svc.Load().GetOrExtendReservation(ctx, r)
}

func (p *catalogProxy) ReleaseReservation(ctx context.Context, r *connect.Request[datacatalogv1.ReleaseReservationRequest]) (*connect.Response[datacatalogv1.ReleaseReservationResponse], error) {
	if err := p.call("ReleaseReservation"); err != nil {
		return nil, err
	}
	return p.svc.Load().ReleaseReservation(ctx, r)
}

func (p *catalogProxy) DeleteArtifacts(ctx context.Context, r *connect.Request[datacatalogv1.DeleteArtifactsRequest]) (*connect.Response[datacatalogv1.DeleteArtifactsResponse], error) {
	if err := p.call("DeleteArtifacts"); err != nil {
		return nil, err
	}
	return p.svc.Load().DeleteArtifacts(ctx, r)
}

// cachedTask is scriptTask x -> x with caching on (cache version "1").
func cachedTask(name string, serializable bool) *corev1.TaskTemplate {
	t := scriptTask(name, 0, 0)
	t.Metadata.Discoverable, t.Metadata.DiscoveryVersion, t.Metadata.CacheSerializable = true, "1", serializable
	return t
}

// key is the cache key of task with inputs, as the engine computes it.
func key(task *corev1.TaskTemplate, in *corev1.LiteralMap) (*datacatalogv1.DatasetID, string) {
	id := task.GetId()
	md := task.GetMetadata()
	return cachekey.DatasetID(id.GetProject(), id.GetDomain(), id.GetName(), md.GetDiscoveryVersion(), task.GetInterface()), cachekey.Tag(in, md.GetCacheIgnoreInputVars())
}

// artifact reads the artifact of task with inputs from the catalog.
func (p *catalogProxy) artifact(t testing.TB, task *corev1.TaskTemplate, in *corev1.LiteralMap) *datacatalogv1.Artifact {
	t.Helper()
	ds, tag := key(task, in)
	res, err := p.svc.Load().GetArtifact(context.Background(), connect.NewRequest(&datacatalogv1.GetArtifactRequest{Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{TagName: tag}}))
	require.NoError(t, err)
	return res.Msg.GetArtifact()
}

// reserve takes the reservation of a key for owner with heartbeat every.
func (p *catalogProxy) reserve(t testing.TB, task *corev1.TaskTemplate, in *corev1.LiteralMap, owner string, every time.Duration) *datacatalogv1.Reservation {
	t.Helper()
	ds, tag := key(task, in)
	res, err := p.svc.Load().GetOrExtendReservation(context.Background(), connect.NewRequest(&datacatalogv1.GetOrExtendReservationRequest{
		ReservationId: &datacatalogv1.ReservationID{DatasetId: ds, TagName: tag}, OwnerId: owner, HeartbeatInterval: durationpb.New(every),
	}))
	require.NoError(t, err)
	return res.Msg.GetReservation()
}

// taskMeta is a node's TaskNodeMetadata as its closure holds it.
func (e *env) taskMeta(x *store.Execution, node string) *adminv1.TaskNodeMetadata {
	e.t.Helper()
	c := &adminv1.NodeExecutionClosure{}
	require.NoError(e.t, proto.Unmarshal(e.node(x, node).Closure, c))
	return c.GetTaskNodeMetadata()
}

// cacheStatus is a node's cache status without its prefix ("HIT", ...).
func (e *env) cacheStatus(x *store.Execution, node string) string {
	e.t.Helper()
	return strings.TrimPrefix(e.taskMeta(x, node).GetCacheStatus().String(), "CATALOG_CACHE_STATUS_")
}

// cacheEvents lists "PHASE cache-status reservation-status" for each
// event of a node.
func (e *env) cacheEvents(x *store.Execution, node string) []string {
	e.t.Helper()
	var out []string
	for _, ev := range e.events(x) {
		if ev.Kind != store.EventKindNode || ev.NodeID != node {
			continue
		}
		b := &eventv1.NodeExecutionEvent{}
		require.NoError(e.t, proto.Unmarshal(ev.Body, b))
		tm := b.GetTaskNodeMetadata()
		out = append(out, strings.Join([]string{
			strings.TrimPrefix(b.GetPhase().String(), "PHASE_"),
			strings.TrimPrefix(tm.GetCacheStatus().String(), "CATALOG_CACHE_STATUS_"),
			strings.TrimPrefix(tm.GetReservationStatus().String(), "STATUS_"),
		}, " "))
	}
	return out
}

// until waits for cond, re-checking it after every commit, plugin change
// and call to catalog p (when not nil), failing the test after 15s.
func (e *env) until(p *catalogProxy, what string, cond func() bool) {
	e.t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	var calls chan struct{}
	if p != nil {
		calls = p.changed
	}
	for !cond() {
		select {
		case <-e.commit:
		case <-e.script.changed:
		case <-calls:
		case <-deadline.C:
			e.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// execByName reads an execution.
func (e *env) execByName(name string) *store.Execution {
	e.t.Helper()
	x, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}})
	require.NoError(e.t, err)
	return x
}
