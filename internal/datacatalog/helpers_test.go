package datacatalog_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/datacatalog/datacatalogtest"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a running service, its client and its clock.
type env struct {
	t      *testing.T
	client datacatalogv1connect.DataCatalogClient
	clock  *clock
	*datacatalogtest.Env
}

// forEachDriver runs fn as a parallel subtest on SQLite and on PostgreSQL.
func forEachDriver(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, driver))
		})
	}
}

// setup starts a service on driver with a test clock and a 10s heartbeat cap.
func setup(t *testing.T, driver string) *env {
	t.Helper()
	c := newClock()
	e := datacatalogtest.New(t, driver, datacatalog.Options{Clock: c.Now, MaxReservationHeartbeat: 10 * time.Second})
	return &env{t: t, client: e.Client, clock: c, Env: e}
}

// dsID is the id of a test dataset.
func dsID(name, version string) *datacatalogv1.DatasetID {
	return &datacatalogv1.DatasetID{Project: "proj", Domain: "development", Name: name, Version: version}
}

// createDataset creates a dataset and fails the test on error.
func (e *env) createDataset(id *datacatalogv1.DatasetID, partitionKeys ...string) {
	e.t.Helper()
	_, err := e.client.CreateDataset(e.t.Context(), connect.NewRequest(&datacatalogv1.CreateDatasetRequest{
		Dataset: &datacatalogv1.Dataset{Id: id, PartitionKeys: partitionKeys},
	}))
	require.NoError(e.t, err)
}

// intData is one output named name holding integer v.
func intData(name string, v int64) *datacatalogv1.ArtifactData {
	return &datacatalogv1.ArtifactData{Name: name, Value: &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{
		Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: v}}},
	}}}}
}

// artifact is an artifact of ds with one integer output, tagged with tags.
func artifact(ds *datacatalogv1.DatasetID, id string, v int64, tags ...string) *datacatalogv1.Artifact {
	a := &datacatalogv1.Artifact{Id: id, Dataset: ds, Data: []*datacatalogv1.ArtifactData{intData("o0", v)}}
	for _, t := range tags {
		a.Tags = append(a.Tags, &datacatalogv1.Tag{Name: t})
	}
	return a
}

// createArtifact stores a and fails the test on error.
func (e *env) createArtifact(a *datacatalogv1.Artifact) {
	e.t.Helper()
	_, err := e.client.CreateArtifact(e.t.Context(), connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: a}))
	require.NoError(e.t, err)
}

// getByTag returns the artifact tag names in ds.
func (e *env) getByTag(ds *datacatalogv1.DatasetID, tag string) (*datacatalogv1.Artifact, error) {
	res, err := e.client.GetArtifact(e.t.Context(), connect.NewRequest(&datacatalogv1.GetArtifactRequest{
		Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{TagName: tag},
	}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetArtifact(), nil
}

// requireCode checks that err is a Connect error with code whose message
// contains every one of msgs.
func requireCode(t *testing.T, err error, code connect.Code, msgs ...string) {
	t.Helper()
	require.Error(t, err)
	var ce *connect.Error
	require.True(t, errors.As(err, &ce), "not a connect error: %v", err)
	require.Equal(t, code, ce.Code(), "error: %v", err)
	for _, m := range msgs {
		require.Contains(t, ce.Message(), m)
	}
}

// requireProto compares two messages.
func requireProto(t *testing.T, want, got proto.Message, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, append([]cmp.Option{protocmp.Transform()}, opts...)...); d != "" {
		t.Fatalf("message (-want +got):\n%s", d)
	}
}
