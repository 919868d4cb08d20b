package propeller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/compiler"
	"google.golang.org/protobuf/types/known/durationpb"
)

// The engine's calls to the data catalog (docs/cache.md). Nothing here
// touches a round: these functions take a cache key and return what the
// catalog says, so that array elements can be looked up concurrently.

// Artifact metadata keys the engine writes, read back as the source of a
// cache hit and shown by `flyte-cli get cache`.
const (
	metaExecution    = "execution" // "<project>/<domain>/<name>"
	metaNodeID       = "node_id"
	metaRetryAttempt = "retry_attempt"
	metaTaskVersion  = "task_version"
)

// datasetRef is a dataset id as kept in a node's engine state.
type datasetRef struct {
	Project string `json:"p"`
	Domain  string `json:"d"`
	Name    string `json:"n"`
	Version string `json:"v"`
}

func (d datasetRef) proto() *datacatalogv1.DatasetID {
	return &datacatalogv1.DatasetID{Project: d.Project, Domain: d.Domain, Name: d.Name, Version: d.Version}
}

// identifier is the dataset as the core IDL names it in catalog keys.
func (d datasetRef) identifier() *corev1.Identifier {
	return &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_DATASET, Project: d.Project, Domain: d.Domain, Name: d.Name, Version: d.Version}
}

// cacheKey is where one set of inputs of a task is cached.
type cacheKey struct {
	Dataset datasetRef `json:"ds"`
	Tag     string     `json:"tag"`
}

// String names the key in logs and in the in-process waiter registry.
func (k cacheKey) String() string {
	return k.Dataset.Project + "/" + k.Dataset.Domain + "/" + k.Dataset.Name + "/" + k.Dataset.Version + "/" + k.Tag
}

// cacheHit is an artifact found for a key whose outputs are usable.
type cacheHit struct {
	outs       *corev1.LiteralMap
	artifactID string
	// source is the attempt that produced the outputs (from the
	// artifact's metadata), nil when the metadata does not say.
	source *corev1.TaskExecutionIdentifier
}

// cacheLookup asks the catalog for the artifact of key and checks that it
// can be used: not older than CacheMaxAge, outputs matching want, and every
// file it references still in the blob store. It returns nil without error
// for a miss (no artifact, or an unusable one: the run that follows
// replaces it); an error means the catalog or the blob store could not be
// read.
func (e *Engine) cacheLookup(ctx context.Context, key cacheKey, want *corev1.VariableMap, now time.Time) (*cacheHit, error) {
	res, err := e.opts.Catalog.GetArtifact(ctx, connect.NewRequest(&datacatalogv1.GetArtifactRequest{
		Dataset: key.Dataset.proto(), QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{TagName: key.Tag},
	}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get artifact %s: %w", key, err)
	}
	a := res.Msg.GetArtifact()
	if maxAge := e.opts.CacheMaxAge; maxAge > 0 {
		at := a.GetUpdatedAt()
		if at == nil {
			at = a.GetCreatedAt()
		}
		if age := now.Sub(at.AsTime()); age > maxAge {
			e.log.Debug("cached outputs expired", slog.String("cache_key", key.String()), slog.Duration("age", age))
			return nil, nil
		}
	}
	outs := &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, len(a.GetData()))}
	for _, d := range a.GetData() {
		outs.Literals[d.GetName()] = d.GetValue()
	}
	for _, name := range sortedKeys(want.GetVariables()) {
		l, ok := outs.GetLiterals()[name]
		if !ok {
			e.log.Warn("cached outputs lack an output; running the task", slog.String("cache_key", key.String()), slog.String("output", name))
			return nil, nil
		}
		if err := compiler.CheckLiteral(l, want.GetVariables()[name].GetType()); err != nil {
			e.log.Warn("cached output has the wrong type; running the task", slog.String("cache_key", key.String()), slog.String("output", name), slog.Any("error", err))
			return nil, nil
		}
	}
	missing, err := e.missingBlob(ctx, outs)
	if err != nil {
		return nil, fmt.Errorf("check files of artifact %s: %w", key, err)
	}
	if missing != "" {
		e.log.Info("cached outputs reference a missing file; running the task", slog.String("cache_key", key.String()), slog.String("uri", missing))
		return nil, nil
	}
	return &cacheHit{outs: outs, artifactID: a.GetId(), source: sourceOf(key.Dataset, a.GetMetadata().GetKeyMap())}, nil
}

// sourceOf reads the producing attempt from an artifact's metadata.
func sourceOf(ds datasetRef, m map[string]string) *corev1.TaskExecutionIdentifier {
	parts := strings.SplitN(m[metaExecution], "/", 3)
	if len(parts) != 3 || m[metaNodeID] == "" {
		return nil
	}
	attempt, _ := strconv.ParseUint(m[metaRetryAttempt], 10, 32)
	return &corev1.TaskExecutionIdentifier{
		TaskId: &corev1.Identifier{
			ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: ds.Project, Domain: ds.Domain,
			Name: strings.TrimPrefix(ds.Name, cachekey.DatasetPrefix), Version: m[metaTaskVersion],
		},
		NodeExecutionId: &corev1.NodeExecutionIdentifier{
			NodeId:      m[metaNodeID],
			ExecutionId: &corev1.WorkflowExecutionIdentifier{Project: parts[0], Domain: parts[1], Name: parts[2]},
		},
		RetryAttempt: uint32(attempt),
	}
}

// missingBlob returns the first URI the outputs reference (files,
// directories, datasets, offloaded values) that is not in the blob store,
// or "". URIs outside the engine's store can not be checked and count as
// present.
func (e *Engine) missingBlob(ctx context.Context, outs *corev1.LiteralMap) (string, error) {
	var uris []string
	for _, name := range sortedKeys(outs.GetLiterals()) {
		uris = blobURIs(outs.GetLiterals()[name], uris, 0)
	}
	for _, uri := range uris {
		key, err := e.blobs.Key(uri)
		if err != nil {
			continue
		}
		ok, err := e.blobs.Exists(ctx, key)
		if err != nil {
			return "", err
		}
		if ok {
			continue
		}
		// A directory (multipart blob, dataset) is a prefix: it exists
		// when something is stored under it.
		found := false
		for _, err := range e.blobs.Keys(ctx, strings.TrimSuffix(key, "/")+"/") {
			if err != nil {
				return "", err
			}
			found = true
			break
		}
		if !found {
			return uri, nil
		}
	}
	return "", nil
}

// blobURIs appends the URIs a literal references.
func blobURIs(l *corev1.Literal, out []string, depth int) []string {
	if depth > 64 {
		return out
	}
	switch v := l.GetValue().(type) {
	case *corev1.Literal_OffloadedMetadata:
		return append(out, v.OffloadedMetadata.GetUri())
	case *corev1.Literal_Collection:
		for _, x := range v.Collection.GetLiterals() {
			out = blobURIs(x, out, depth+1)
		}
	case *corev1.Literal_Map:
		for _, k := range sortedKeys(v.Map.GetLiterals()) {
			out = blobURIs(v.Map.GetLiterals()[k], out, depth+1)
		}
	case *corev1.Literal_Scalar:
		switch s := v.Scalar.GetValue().(type) {
		case *corev1.Scalar_Blob:
			out = append(out, s.Blob.GetUri())
		case *corev1.Scalar_StructuredDataset:
			if s.StructuredDataset.GetUri() != "" {
				out = append(out, s.StructuredDataset.GetUri())
			}
		case *corev1.Scalar_Union:
			out = blobURIs(s.Union.GetValue(), out, depth+1)
		}
	}
	return out
}

// cacheStore stores the outputs declared in want as the artifact of key
// and returns the artifact's id. The artifact holds the literals themselves, never a URI to the
// producing execution's outputs.pb, so that deleting that execution's
// blobs leaves the cache intact. It creates the dataset on first use and
// replaces an artifact the tag already names (overwrite, an expired or
// unusable entry, or a concurrent run that stored first).
func (e *Engine) cacheStore(ctx context.Context, key cacheKey, want *corev1.VariableMap, outs *corev1.LiteralMap, md map[string]string) (string, error) {
	names := sortedKeys(want.GetVariables())
	data := make([]*datacatalogv1.ArtifactData, 0, len(names))
	for _, name := range names {
		if l, ok := outs.GetLiterals()[name]; ok {
			data = append(data, &datacatalogv1.ArtifactData{Name: name, Value: l})
		}
	}
	meta := &datacatalogv1.Metadata{KeyMap: md}
	art := &datacatalogv1.Artifact{
		Id: newArtifactID(), Dataset: key.Dataset.proto(), Data: data, Metadata: meta,
		Tags: []*datacatalogv1.Tag{{Name: key.Tag}},
	}
	create := func() error {
		_, err := e.opts.Catalog.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: art}))
		return err
	}
	err := create()
	if connect.CodeOf(err) == connect.CodeNotFound {
		// The task's first cached run: its dataset does not exist yet.
		_, derr := e.opts.Catalog.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{
			Dataset: &datacatalogv1.Dataset{Id: key.Dataset.proto()},
		}))
		if derr != nil && connect.CodeOf(derr) != connect.CodeAlreadyExists {
			return "", fmt.Errorf("create dataset for %s: %w", key, derr)
		}
		err = create()
	}
	switch {
	case err == nil:
		return art.GetId(), nil
	case connect.CodeOf(err) != connect.CodeAlreadyExists:
		return "", fmt.Errorf("create artifact %s: %w", key, err)
	}
	res, err := e.opts.Catalog.UpdateArtifact(ctx, connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{
		Dataset: key.Dataset.proto(), QueryHandle: &datacatalogv1.UpdateArtifactRequest_TagName{TagName: key.Tag},
		Data: data, Metadata: meta,
	}))
	if err != nil {
		return "", fmt.Errorf("replace artifact %s: %w", key, err)
	}
	return res.Msg.GetArtifactId(), nil
}

// newArtifactID is a random id for a new artifact.
func newArtifactID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// cacheReservation asks for (or extends) the reservation of key for owner.
// It returns whether owner holds it and the heartbeat the catalog granted.
func (e *Engine) cacheReservation(ctx context.Context, key cacheKey, owner string) (bool, time.Duration, error) {
	res, err := e.opts.Catalog.GetOrExtendReservation(ctx, connect.NewRequest(&datacatalogv1.GetOrExtendReservationRequest{
		ReservationId:     &datacatalogv1.ReservationID{DatasetId: key.Dataset.proto(), TagName: key.Tag},
		OwnerId:           owner,
		HeartbeatInterval: durationpb.New(e.opts.CacheHeartbeat),
	}))
	if err != nil {
		return false, 0, fmt.Errorf("reserve %s: %w", key, err)
	}
	rv := res.Msg.GetReservation()
	every := e.opts.CacheHeartbeat
	if d := rv.GetHeartbeatInterval().AsDuration(); d > 0 && d < every {
		every = d
	}
	return rv.GetOwnerId() == owner, every, nil
}

// cacheRelease releases owner's reservation of key and wakes the
// executions of this replica that wait for it.
func (e *Engine) cacheRelease(ctx context.Context, key cacheKey, owner string) error {
	defer e.cacheWaiters.wake(e, key.String())
	_, err := e.opts.Catalog.ReleaseReservation(ctx, connect.NewRequest(&datacatalogv1.ReleaseReservationRequest{
		ReservationId: &datacatalogv1.ReservationID{DatasetId: key.Dataset.proto(), TagName: key.Tag},
		OwnerId:       owner,
	}))
	if err != nil {
		return fmt.Errorf("release reservation of %s: %w", key, err)
	}
	return nil
}
