package platform

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/cli"
)

// TestEngineCachesThroughTheCatalog: the engine of `flyte start` uses the
// data catalog in process, and a `flyte serve propeller` replica configured
// with catalog.endpoint uses the one `flyte serve admin` serves; either way
// the second run of a cached task is a hit, and the entry is in the catalog
// the API serves, with the producing execution in its metadata.
func TestEngineCachesThroughTheCatalog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start func(t *testing.T) string // starts the platform, returns the API URL
	}{
		{"in process", func(t *testing.T) string {
			return startRun(t, testConfig(t, admintest.DriverSQLite), runOptions{
				mode: "flyte start", admin: true, catalog: true, engine: true, migrate: true,
			}).url
		}},
		{"remote", func(t *testing.T) string {
			cfg := testConfig(t, admintest.DriverPostgres)
			api := startRun(t, cfg, runOptions{mode: "flyte serve admin", admin: true, catalog: true, migrate: true}).url
			cfg.Catalog.Endpoint = api
			startRun(t, cfg, runOptions{mode: "flyte serve propeller", engine: true})
			return api
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := tt.start(t)
			ctx := t.Context()
			admin := adminv1connect.NewAdminServiceClient(http.DefaultClient, url)
			catalog := datacatalogv1connect.NewDataCatalogClient(http.DefaultClient, url)

			_, err := admin.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: &adminv1.Project{Id: "p", Name: "P"}}))
			require.NoError(t, err)
			intT := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}
			vars := &corev1.VariableMap{Variables: map[string]*corev1.Variable{"x": {Type: intT}}}
			taskID := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "development", Name: "echoed", Version: "v1"}
			_, err = admin.CreateTask(ctx, connect.NewRequest(&adminv1.TaskCreateRequest{Id: taskID, Spec: &adminv1.TaskSpec{Template: &corev1.TaskTemplate{
				Id: taskID, Type: "echo", Interface: &corev1.TypedInterface{Inputs: vars, Outputs: vars},
				Metadata: &corev1.TaskMetadata{Discoverable: true, DiscoveryVersion: "1"},
			}}}))
			require.NoError(t, err)

			runTask := func() *corev1.WorkflowExecutionIdentifier {
				t.Helper()
				seven := &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: 7}}}}}}
				res, err := admin.CreateExecution(ctx, connect.NewRequest(&adminv1.ExecutionCreateRequest{
					Project: "p", Domain: "development",
					Spec:   &adminv1.ExecutionSpec{LaunchPlan: taskID},
					Inputs: &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"x": seven}},
				}))
				require.NoError(t, err)
				id := res.Msg.GetId()
				waitSucceeded(t, admin, id)
				return id
			}
			cacheStatus := func(id *corev1.WorkflowExecutionIdentifier) corev1.CatalogCacheStatus {
				t.Helper()
				res, err := admin.ListNodeExecutions(ctx, connect.NewRequest(&adminv1.NodeExecutionListRequest{WorkflowExecutionId: id, Limit: 100}))
				require.NoError(t, err)
				for _, n := range res.Msg.GetNodeExecutions() {
					if s := n.GetClosure().GetTaskNodeMetadata().GetCacheStatus(); s != corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_DISABLED {
						return s
					}
				}
				return corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_DISABLED
			}

			first := runTask()
			require.Equal(t, corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_POPULATED, cacheStatus(first))
			second := runTask()
			require.Equal(t, corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT, cacheStatus(second))

			ds := cachekey.DatasetID("p", "development", "echoed", "1", &corev1.TypedInterface{Inputs: vars, Outputs: vars})
			arts, err := catalog.ListArtifacts(ctx, connect.NewRequest(&datacatalogv1.ListArtifactsRequest{Dataset: ds}))
			require.NoError(t, err)
			require.Len(t, arts.Msg.GetArtifacts(), 1)
			md := arts.Msg.GetArtifacts()[0].GetMetadata().GetKeyMap()
			require.Equal(t, "p/development/"+first.GetName(), md["execution"])
			require.NotEmpty(t, md["node_id"])

			// flyte-cli finds the entry by the inputs, and evicts it.
			var out, errOut bytes.Buffer
			host := strings.TrimPrefix(url, "http://")
			code := cli.Main([]string{"get", "cache", "-h", host, "-p", "p", "-d", "development", "--task", "echoed", "--inputs", "x=7"}, &out, &errOut)
			require.Equal(t, cli.ExitOK, code, errOut.String())
			require.Contains(t, out.String(), "p/development/"+first.GetName()+" node "+md["node_id"])
			require.Contains(t, out.String(), arts.Msg.GetArtifacts()[0].GetTags()[0].GetName())
			out.Reset()
			code = cli.Main([]string{"delete", "cache", "-h", host, "-p", "p", "-d", "development", "--task", "echoed"}, &out, &errOut)
			require.Equal(t, cli.ExitOK, code, errOut.String())
			require.Equal(t, "evicted 1 cached entry of task echoed in p/development\n", out.String())
			third := runTask()
			require.Equal(t, corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_POPULATED, cacheStatus(third), "an evicted entry is computed again")
		})
	}
}

// waitSucceeded waits until the execution ends and requires that it succeeded.
func waitSucceeded(t *testing.T, admin adminv1connect.AdminServiceClient, id *corev1.WorkflowExecutionIdentifier) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		res, err := admin.GetExecution(t.Context(), connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: id}))
		require.NoError(t, err)
		switch phase := res.Msg.GetClosure().GetPhase(); phase {
		case corev1.WorkflowExecution_PHASE_SUCCEEDED:
			return
		case corev1.WorkflowExecution_PHASE_FAILED, corev1.WorkflowExecution_PHASE_ABORTED, corev1.WorkflowExecution_PHASE_TIMED_OUT:
			t.Fatalf("execution %s ended %s: %v", id.GetName(), phase, res.Msg.GetClosure().GetError())
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s did not end within 30s", id.GetName())
		}
		<-tick.C
	}
}
