package idl_test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	_ "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	_ "github.com/flyte-go/flyte/gen/flyte/event/v1"
)

// serviceContract is the methods a service must expose and which of them are read-only.
type serviceContract struct {
	name     protoreflect.FullName
	readOnly map[string]bool // method name -> true when marked NO_SIDE_EFFECTS
}

func ro(names ...string) map[string]bool   { return flags(true, names) }
func muts(names ...string) map[string]bool { return flags(false, names) }

func flags(v bool, names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = v
	}
	return m
}

func merge(ms ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

var contracts = []serviceContract{
	{
		name: "flyte.admin.v1.AdminService",
		readOnly: merge(
			ro("GetTask", "ListTaskIds", "ListTasks",
				"GetWorkflow", "ListWorkflowIds", "ListWorkflows",
				"GetLaunchPlan", "GetActiveLaunchPlan", "ListActiveLaunchPlans", "ListLaunchPlanIds", "ListLaunchPlans",
				"GetExecution", "GetExecutionData", "ListExecutions",
				"GetNodeExecution", "ListNodeExecutions", "GetNodeExecutionData",
				"GetTaskExecution", "ListTaskExecutions", "GetTaskExecutionData",
				"GetProject", "ListProjects", "GetDomains",
				"GetProjectAttributes", "GetProjectDomainAttributes", "GetWorkflowAttributes", "ListMatchableAttributes",
				"ListNamedEntities", "GetNamedEntity", "GetVersion"),
			muts("CreateTask", "CreateWorkflow", "CreateLaunchPlan", "UpdateLaunchPlan",
				"CreateExecution", "RelaunchExecution", "RecoverExecution", "UpdateExecution", "TerminateExecution",
				"RegisterProject", "UpdateProject",
				"CreateWorkflowEvent", "CreateNodeEvent", "CreateTaskEvent",
				"UpdateProjectAttributes", "DeleteProjectAttributes",
				"UpdateProjectDomainAttributes", "DeleteProjectDomainAttributes",
				"UpdateWorkflowAttributes", "DeleteWorkflowAttributes",
				"UpdateNamedEntity"),
		),
	},
	{
		name:     "flyte.admin.v1.SignalService",
		readOnly: merge(ro("ListSignals"), muts("GetOrCreateSignal", "SetSignal")),
	},
	{
		name: "flyte.datacatalog.v1.DataCatalog",
		readOnly: merge(
			ro("GetDataset", "ListDatasets", "GetArtifact", "ListArtifacts"),
			muts("CreateDataset", "CreateArtifact", "AddTag", "UpdateArtifact",
				"GetOrExtendReservation", "ReleaseReservation", "DeleteArtifacts"),
		),
	},
}

func findService(t *testing.T, name protoreflect.FullName) protoreflect.ServiceDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	require.NoError(t, err, "service %s is not registered", name)
	sd, ok := d.(protoreflect.ServiceDescriptor)
	require.True(t, ok, "%s is a %T, not a service", name, d)
	return sd
}

// TestServiceMethods checks that each service has exactly the expected methods and that exactly
// the read-only ones are marked NO_SIDE_EFFECTS (which lets Connect serve them over HTTP GET).
func TestServiceMethods(t *testing.T) {
	t.Parallel()
	for _, c := range contracts {
		t.Run(string(c.name), func(t *testing.T) {
			t.Parallel()
			sd := findService(t, c.name)
			got := map[string]bool{}
			methods := sd.Methods()
			for i := range methods.Len() {
				m := methods.Get(i)
				opts, ok := m.Options().(*descriptorpb.MethodOptions)
				require.True(t, ok)
				got[string(m.Name())] = opts.GetIdempotencyLevel() == descriptorpb.MethodOptions_NO_SIDE_EFFECTS
				require.False(t, m.IsStreamingClient() || m.IsStreamingServer(), "%s must be unary", m.FullName())
			}
			if diff := cmp.Diff(c.readOnly, got); diff != "" {
				t.Errorf("methods of %s (name -> read-only) mismatch (-want +got):\n%s", c.name, diff)
			}
		})
	}
}

// TestEveryProtoFileIsCompiledIn checks that each .proto file under proto/ is registered by the
// generated Go packages, so no file is left out of gen/.
func TestEveryProtoFileIsCompiledIn(t *testing.T) {
	t.Parallel()
	protoDir := filepath.Join(repoRoot(t), "proto")
	var paths []string
	err := filepath.WalkDir(protoDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".proto") {
			return err
		}
		rel, err := filepath.Rel(protoDir, path)
		paths = append(paths, filepath.ToSlash(rel))
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(p)
		require.NoError(t, err, "%s is not compiled into gen/ (or its package is not imported here)", p)
		wantPkg := strings.ReplaceAll(filepath.ToSlash(filepath.Dir(p)), "/", ".")
		require.Equal(t, wantPkg, string(fd.Package()), "package of %s must match its directory", p)
	}
}

// TestModelShape checks the alternatives of the oneofs the compiler, engine and admin switch on.
func TestModelShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		message protoreflect.FullName
		oneof   protoreflect.Name
		want    []string
	}{
		{"flyte.core.v1.LiteralType", "type", []string{"blob", "collection_type", "enum_type", "map_value_type", "simple", "structured_dataset_type", "union_type"}},
		{"flyte.core.v1.Literal", "value", []string{"collection", "map", "offloaded_metadata", "scalar"}},
		{"flyte.core.v1.Scalar", "value", []string{"binary", "blob", "error", "generic", "none_type", "primitive", "structured_dataset", "union"}},
		{"flyte.core.v1.BindingData", "value", []string{"collection", "map", "promise", "scalar"}},
		{"flyte.core.v1.Node", "target", []string{"array_node", "branch_node", "gate_node", "task_node", "workflow_node"}},
		{"flyte.core.v1.GateNode", "condition", []string{"approve", "signal", "sleep"}},
		{"flyte.core.v1.WorkflowNode", "reference", []string{"launchplan_ref", "sub_workflow_ref"}},
		{"flyte.core.v1.TaskTemplate", "target", []string{"container", "k8s_pod", "sql"}},
		{"flyte.admin.v1.Notification", "type", []string{"email", "pager_duty", "slack", "webhook"}},
		{"flyte.admin.v1.ExecutionClosure", "output_result", []string{"abort_metadata", "error", "output_data", "output_uri"}},
		{"flyte.admin.v1.MatchingAttributes", "target", []string{
			"cluster_assignment", "cluster_resource_attributes", "execution_cluster_label", "execution_queue_attributes",
			"plugin_overrides", "quality_of_service", "task_resource_attributes", "workflow_execution_config",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.message)+"."+string(tt.oneof), func(t *testing.T) {
			t.Parallel()
			d, err := protoregistry.GlobalFiles.FindDescriptorByName(tt.message)
			require.NoError(t, err)
			md, ok := d.(protoreflect.MessageDescriptor)
			require.True(t, ok)
			od := md.Oneofs().ByName(tt.oneof)
			require.NotNil(t, od, "%s has no oneof %s", tt.message, tt.oneof)
			var got []string
			for i := range od.Fields().Len() {
				got = append(got, string(od.Fields().Get(i).Name()))
			}
			sort.Strings(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("oneof %s.%s (-want +got):\n%s", tt.message, tt.oneof, diff)
			}
		})
	}
}

// newUnimplementedServer serves all three services with handlers that implement nothing, so a
// routed call answers Unimplemented and an unrouted one 404.
func newUnimplementedServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(adminv1connect.NewAdminServiceHandler(adminv1connect.UnimplementedAdminServiceHandler{}))
	mux.Handle(adminv1connect.NewSignalServiceHandler(adminv1connect.UnimplementedSignalServiceHandler{}))
	mux.Handle(datacatalogv1connect.NewDataCatalogHandler(datacatalogv1connect.UnimplementedDataCatalogHandler{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// connectErrorCode reads the code of a Connect unary JSON error body.
func connectErrorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e struct {
		Code string `json:"code"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	return e.Code
}

// TestEveryMethodIsRouted calls every method of every service over Connect's HTTP/JSON protocol
// against the generated handlers: POST always routes; GET routes exactly for read-only methods.
func TestEveryMethodIsRouted(t *testing.T) {
	t.Parallel()
	srv := newUnimplementedServer(t)
	client := srv.Client()
	for _, c := range contracts {
		sd := findService(t, c.name)
		methods := sd.Methods()
		for i := range methods.Len() {
			m := methods.Get(i)
			path := "/" + string(sd.FullName()) + "/" + string(m.Name())
			t.Run(path, func(t *testing.T) {
				t.Parallel()
				post, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, strings.NewReader("{}"))
				require.NoError(t, err)
				post.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(post)
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusNotImplemented, resp.StatusCode, "POST %s", path)
				require.Equal(t, "unimplemented", connectErrorCode(t, resp))

				q := url.Values{"connect": {"v1"}, "encoding": {"json"}, "message": {"{}"}}
				get, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path+"?"+q.Encode(), nil)
				require.NoError(t, err)
				gresp, err := client.Do(get)
				require.NoError(t, err)
				defer gresp.Body.Close()
				if c.readOnly[string(m.Name())] {
					require.Equal(t, http.StatusNotImplemented, gresp.StatusCode, "GET %s should be served", path)
				} else {
					require.Equal(t, http.StatusMethodNotAllowed, gresp.StatusCode, "GET %s must be refused", path)
				}
			})
		}
	}
}

// versionHandler answers GetVersion and records the HTTP method it was called with.
type versionHandler struct {
	adminv1connect.UnimplementedAdminServiceHandler
	mu      sync.Mutex
	methods []string
}

func (h *versionHandler) GetVersion(_ context.Context, req *connect.Request[adminv1.GetVersionRequest]) (*connect.Response[adminv1.GetVersionResponse], error) {
	h.mu.Lock()
	h.methods = append(h.methods, req.HTTPMethod())
	h.mu.Unlock()
	return connect.NewResponse(&adminv1.GetVersionResponse{
		ControlPlaneVersion: &adminv1.Version{Version: "v0.0.0-test", Build: "abc123"},
	}), nil
}

// TestGeneratedClientUsesGetForReadOnly calls a read-only method through the generated client
// with HTTP GET enabled and checks it arrives as a GET and returns the handler's answer.
func TestGeneratedClientUsesGetForReadOnly(t *testing.T) {
	t.Parallel()
	h := &versionHandler{}
	mux := http.NewServeMux()
	mux.Handle(adminv1connect.NewAdminServiceHandler(h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	client := adminv1connect.NewAdminServiceClient(srv.Client(), srv.URL, connect.WithHTTPGet(), connect.WithProtoJSON())
	resp, err := client.GetVersion(t.Context(), connect.NewRequest(&adminv1.GetVersionRequest{}))
	require.NoError(t, err)
	require.Equal(t, "v0.0.0-test", resp.Msg.GetControlPlaneVersion().GetVersion())
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Equal(t, []string{http.MethodGet}, h.methods)
}
