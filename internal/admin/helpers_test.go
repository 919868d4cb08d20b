package admin_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/store"
)

// The project and domain most tests register into.
const (
	project = "flytesnacks"
	domain  = "development"
)

// tickClock returns a later time (by one second) on every call, so that
// creation times order the registrations of a test.
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// setup starts an admin server on driver with a ticking clock and
// registers the project "flytesnacks".
func setup(t testing.TB, driver string) *admintest.Env {
	t.Helper()
	clock := &tickClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	env := admintest.New(t, driver, admintest.WithAdminOptions(admin.Options{
		Clock:   clock.now,
		Version: admin.VersionInfo{Build: "abc123", Version: "v0.1.0", BuildTime: "2024-01-01T00:00:00Z"},
	}))
	registerProject(t, env, project)
	return env
}

// forEachDriver runs fn in a parallel subtest on a fresh server per driver.
func forEachDriver(t *testing.T, fn func(t *testing.T, env *admintest.Env)) {
	t.Helper()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, driver))
		})
	}
}

func registerProject(t testing.TB, env *admintest.Env, id string) {
	t.Helper()
	_, err := env.Client.RegisterProject(t.Context(), connect.NewRequest(&adminv1.ProjectRegisterRequest{
		Project: &adminv1.Project{Id: id, Name: "Project " + id, Description: "for tests"},
	}))
	require.NoError(t, err)
}

// requireCode checks that err is a Connect error with code whose message
// contains every part.
func requireCode(t testing.TB, err error, code connect.Code, parts ...string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code.String(), connect.CodeOf(err).String(), "error: %v", err)
	var ce *connect.Error
	require.ErrorAs(t, err, &ce)
	for _, p := range parts {
		require.Contains(t, ce.Message(), p)
	}
}

func requireDiff(t testing.TB, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		require.FailNow(t, "mismatch (-want +got):\n"+d)
	}
}

func ident(rt corev1.ResourceType, name, version string) *corev1.Identifier {
	return &corev1.Identifier{ResourceType: rt, Project: project, Domain: domain, Name: name, Version: version}
}

func taskID(name, version string) *corev1.Identifier {
	return ident(corev1.ResourceType_RESOURCE_TYPE_TASK, name, version)
}

func wfID(name, version string) *corev1.Identifier {
	return ident(corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, name, version)
}

func lpID(name, version string) *corev1.Identifier {
	return ident(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, name, version)
}

func simple(s corev1.SimpleType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: s}}
}

var (
	tInt      = simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)
	tDatetime = simple(corev1.SimpleType_SIMPLE_TYPE_DATETIME)
)

func intLiteral(i int64) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{
		Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}},
	}}}}
}

func stringLiteral(s string) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{
		Primitive: &corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}},
	}}}}
}

func varMap(kv ...any) *corev1.VariableMap {
	m := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for i := 0; i < len(kv); i += 2 {
		m.Variables[kv[i].(string)] = &corev1.Variable{Type: kv[i+1].(*corev1.LiteralType)}
	}
	return m
}

// taskRequest is a container task taking x:int and returning y:int.
func taskRequest(name, version, image string) *adminv1.TaskCreateRequest {
	return taskRequestWithInputs(name, version, image, varMap("x", tInt))
}

// taskRequestWithInputs is a container task taking inputs and returning y:int.
func taskRequestWithInputs(name, version, image string, inputs *corev1.VariableMap) *adminv1.TaskCreateRequest {
	return &adminv1.TaskCreateRequest{
		Id: taskID(name, version),
		Spec: &adminv1.TaskSpec{
			Template: &corev1.TaskTemplate{
				Id:        taskID(name, version),
				Type:      "container",
				Interface: &corev1.TypedInterface{Inputs: inputs, Outputs: varMap("y", tInt)},
				Target: &corev1.TaskTemplate_Container{Container: &corev1.Container{
					Image: image, Command: []string{"double"}, Args: []string{"{{.inputs.x}}"},
				}},
			},
			Description: &adminv1.Description{ShortDescription: "doubles x"},
		},
	}
}

func createTask(t testing.TB, env *admintest.Env, name, version string) {
	t.Helper()
	_, err := env.Client.CreateTask(t.Context(), connect.NewRequest(taskRequest(name, version, "alpine:3")))
	require.NoError(t, err)
}

// workflowRequest is a workflow x:int -> y:int with one node "double"
// running the given task version.
func workflowRequest(name, version string, task *corev1.Identifier) *adminv1.WorkflowCreateRequest {
	return workflowRequestWithInputs(name, version, task, varMap("x", tInt))
}

func promise(node, v string) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: node, Var: v}}}
}

// workflowRequestWithInputs is a workflow taking inputs and returning y
// with one node "double" running task, which takes the same inputs.
func workflowRequestWithInputs(name, version string, task *corev1.Identifier, inputs *corev1.VariableMap) *adminv1.WorkflowCreateRequest {
	var bindings []*corev1.Binding
	for _, v := range sortedNames(inputs) {
		bindings = append(bindings, &corev1.Binding{Var: v, Binding: promise("start-node", v)})
	}
	return &adminv1.WorkflowCreateRequest{
		Id: wfID(name, version),
		Spec: &adminv1.WorkflowSpec{
			Template: &corev1.WorkflowTemplate{
				Id:        wfID(name, version),
				Interface: &corev1.TypedInterface{Inputs: inputs, Outputs: varMap("y", tInt)},
				Nodes: []*corev1.Node{{
					Id:     "double",
					Inputs: bindings,
					Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: task}},
				}},
				Outputs: []*corev1.Binding{{Var: "y", Binding: promise("double", "y")}},
			},
			Description: &adminv1.Description{ShortDescription: "doubles x once"},
		},
	}
}

func sortedNames(m *corev1.VariableMap) []string {
	var names []string
	for n := range m.GetVariables() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// createWorkflow registers task name@version and a workflow of the same
// name and version running it.
func createWorkflow(t testing.TB, env *admintest.Env, name, version string) {
	t.Helper()
	createTask(t, env, name+"-task", version)
	_, err := env.Client.CreateWorkflow(t.Context(), connect.NewRequest(workflowRequest(name, version, taskID(name+"-task", version))))
	require.NoError(t, err)
}

// launchPlanRequest launches workflow wf@version with x defaulting to 1.
func launchPlanRequest(name, version, wf, wfVersion string) *adminv1.LaunchPlanCreateRequest {
	return &adminv1.LaunchPlanCreateRequest{
		Id: lpID(name, version),
		Spec: &adminv1.LaunchPlanSpec{
			WorkflowId: wfID(wf, wfVersion),
			DefaultInputs: &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
				"x": {Var: &corev1.Variable{Type: tInt}, Behavior: &corev1.Parameter_Default{Default: intLiteral(1)}},
			}},
		},
	}
}

func createLaunchPlan(t testing.TB, env *admintest.Env, name, version, wf, wfVersion string) {
	t.Helper()
	_, err := env.Client.CreateLaunchPlan(t.Context(), connect.NewRequest(launchPlanRequest(name, version, wf, wfVersion)))
	require.NoError(t, err)
}

// snapshot summarises everything stored, to check that a rejected request
// changed nothing.
func snapshot(t testing.TB, env *admintest.Env) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	projects, err := env.Store.ProjectList(ctx, store.ListParams{Limit: store.MaxLimit})
	require.NoError(t, err)
	for _, p := range projects.Items {
		fmt.Fprintf(&b, "project %s %q %q %v %d %s\n", p.ID, p.Name, p.Description, p.Labels, p.State, p.UpdatedAt)
		for _, d := range []string{"development", "staging", "production"} {
			for _, k := range store.Kinds {
				page, err := env.Store.EntityList(ctx, store.EntityListParams{Kind: k, ListParams: store.ListParams{
					Project: p.ID, Domain: d, Limit: store.MaxLimit,
				}})
				require.NoError(t, err)
				for _, e := range page.Items {
					fmt.Fprintf(&b, "%s %s %x %d %s\n", k, e.ID, e.Digest, e.State, e.UpdatedAt)
				}
				names, err := env.Store.NamedEntityList(ctx, store.NamedEntityListParams{Kind: k, ListParams: store.ListParams{
					Project: p.ID, Domain: d, Limit: store.MaxLimit,
				}})
				require.NoError(t, err)
				for _, ne := range names.Items {
					fmt.Fprintf(&b, "named %s %s %q %d\n", k, ne.ID, ne.Description, ne.State)
				}
			}
		}
	}
	for rt := int32(1); rt <= 8; rt++ {
		rows, err := env.Store.AttributesList(ctx, store.AttributesListParams{ResourceType: rt})
		require.NoError(t, err)
		for _, r := range rows {
			fmt.Fprintf(&b, "attributes %s %x\n", r.Key, r.Body)
		}
	}
	return b.String()
}
