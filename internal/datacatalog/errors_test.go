package datacatalog_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/datacatalog/datacatalogtest"
	"github.com/flyte-go/flyte/internal/store"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestInProcessClient: the service is a DataCatalogClient, and in process
// it answers exactly as over HTTP, errors included.
func TestInProcessClient(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		var local datacatalogv1connect.DataCatalogClient = e.Service
		ds := dsID("flyte_task-add", "1-abc")
		_, err := local.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: ds}}))
		require.NoError(t, err)
		_, err = local.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: artifact(ds, "a1", 5, "k1")}))
		require.NoError(t, err)

		remote, err := e.getByTag(ds, "k1")
		require.NoError(t, err)
		res, err := local.GetArtifact(ctx, connect.NewRequest(&datacatalogv1.GetArtifactRequest{
			Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{TagName: "k1"},
		}))
		require.NoError(t, err)
		requireProto(t, remote, res.Msg.GetArtifact())

		for _, c := range []datacatalogv1connect.DataCatalogClient{local, e.client} {
			_, err = c.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: ds}}))
			requireCode(t, err, connect.CodeAlreadyExists, "proj/development/flyte_task-add/1-abc")
			_, err = c.GetDataset(ctx, connect.NewRequest(&datacatalogv1.GetDatasetRequest{}))
			requireCode(t, err, connect.CodeInvalidArgument, "dataset: required")
		}
		// A nil message is refused rather than dereferenced.
		_, err = local.GetArtifact(ctx, &connect.Request[datacatalogv1.GetArtifactRequest]{})
		requireCode(t, err, connect.CodeInvalidArgument, "request message is required")
		_, err = local.GetArtifact(ctx, nil)
		requireCode(t, err, connect.CodeInvalidArgument, "request message is required")

		// A cancelled request keeps its code.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err = local.GetDataset(cancelled, connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: ds}))
		requireCode(t, err, connect.CodeCanceled)
	})
}

// TestInternalErrorIsLoggedNotSent: stored bytes that do not decode are an
// internal error; the caller gets a generic message, the log the cause.
func TestInternalErrorIsLoggedNotSent(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := datacatalogtest.New(t, "sqlite", datacatalog.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := t.Context()
	ds := dsID("flyte_task-add", "1-abc")
	_, err := e.Client.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: ds}}))
	require.NoError(t, err)
	_, err = e.Store.ArtifactCreate(ctx, store.ArtifactCreateParams{
		Dataset: store.DatasetKey{Project: "proj", Domain: "development", Name: "flyte_task-add", Version: "1-abc"},
		ID:      "broken", Data: []byte{0xff, 0xff, 0xff}, Tags: []string{"k"}, Now: time.Now(),
	})
	require.NoError(t, err)
	_, err = e.Client.GetArtifact(ctx, connect.NewRequest(&datacatalogv1.GetArtifactRequest{
		Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{TagName: "k"},
	}))
	requireCode(t, err, connect.CodeInternal, "internal error; the server log has the details")
	require.Contains(t, logs.String(), "decode artifact data")
	require.Contains(t, logs.String(), "procedure=/flyte.datacatalog.v1.DataCatalog/GetArtifact")
}

// unreachableStore fails every call as a database that cannot be reached.
type unreachableStore struct {
	store.CatalogStore
}

func (unreachableStore) DatasetGet(context.Context, store.DatasetGetParams) (*store.Dataset, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
}

// TestUnreachableDatabaseIsUnavailable: a database that cannot be reached
// is Unavailable, which clients retry.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	svc := datacatalog.New(unreachableStore{}, datacatalog.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	_, err := svc.GetDataset(t.Context(), connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: dsID("n", "v")}))
	requireCode(t, err, connect.CodeUnavailable, "the database is unreachable; retry later")
	require.True(t, strings.Contains(logs.String(), "backend unreachable"), logs.String())
}
