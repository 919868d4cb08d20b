package propeller_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

// adminLauncher launches child executions through the real admin service
// over the engine's store, as the platform wires it, and records answers.
type adminLauncher struct {
	svc *admin.Service
	// afterFirst, when set, runs after the first launch created the child.
	afterFirst func()

	mu   sync.Mutex
	errs []error
}

func (l *adminLauncher) Launch(ctx context.Context, req *adminv1.ExecutionCreateRequest) (*corev1.WorkflowExecutionIdentifier, error) {
	resp, err := l.svc.CreateExecution(ctx, connect.NewRequest(req))
	l.mu.Lock()
	l.errs = append(l.errs, err)
	first := len(l.errs) == 1
	l.mu.Unlock()
	if first && err == nil && l.afterFirst != nil {
		l.afterFirst()
	}
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetId(), nil
}

func (l *adminLauncher) answers() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// lpEnv is an engine whose launch-plan nodes create child executions
// through the admin service, with a registered launch plan "child" (the
// workflow a -> b, x -> y) and the workflow "parent" whose node "lp"
// launches it.
type lpEnv struct {
	*env
	launcher *adminLauncher
	parent   store.EntityID
}

func setupLaunchPlans(t *testing.T) *lpEnv {
	t.Helper()
	l := &adminLauncher{}
	e := setup(t, func(o *propeller.Options) { o.Launcher = l })
	l.svc = admin.New(e.st, admin.Options{Blobs: e.blobs, Domains: []config.Domain{{ID: "d"}}})
	ctx := e.ctx
	_, err := l.svc.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: &adminv1.Project{Id: "p", Name: "p"}}))
	require.NoError(t, err)

	task := scriptTask("t", 0, 0)
	_, err = l.svc.CreateTask(ctx, connect.NewRequest(&adminv1.TaskCreateRequest{Id: task.GetId(), Spec: &adminv1.TaskSpec{Template: task}}))
	require.NoError(t, err)
	child := workflow("child", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a"))
	_, err = l.svc.CreateWorkflow(ctx, connect.NewRequest(&adminv1.WorkflowCreateRequest{Id: child.GetId(), Spec: &adminv1.WorkflowSpec{Template: child}}))
	require.NoError(t, err)
	lpID := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, Project: "p", Domain: "d", Name: "child", Version: "v1"}
	_, err = l.svc.CreateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanCreateRequest{
		Id: lpID, Spec: &adminv1.LaunchPlanSpec{WorkflowId: child.GetId(), DefaultInputs: params("x", intType)},
	}))
	require.NoError(t, err)

	lpNode := &corev1.Node{
		Id:     "lp",
		Inputs: []*corev1.Binding{bind("x", promise("start-node", "x"))},
		Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_LaunchplanRef{LaunchplanRef: lpID}}},
	}
	parent := workflow("parent", "lp", lpNode)
	parent.Outputs = []*corev1.Binding{bind("y", promise("lp", "y"))}
	_, err = l.svc.CreateWorkflow(ctx, connect.NewRequest(&adminv1.WorkflowCreateRequest{Id: parent.GetId(), Spec: &adminv1.WorkflowSpec{Template: parent}}))
	require.NoError(t, err)
	return &lpEnv{env: e, launcher: l, parent: store.EntityID{Project: "p", Domain: "d", Name: "parent", Version: "v1"}}
}

// childName is the name of the child execution node lp of exec launches.
func childName(exec string) string {
	return propeller.ChildExecutionName(store.ExecutionID{Project: "p", Domain: "d", Name: exec}, "lp", 0)
}

func TestLaunchPlanNodeRunsChildExecution(t *testing.T) {
	t.Parallel()
	e := setupLaunchPlans(t)
	parent := e.launch("ex1", e.parent, inputs("x", intLit(9)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"lp": "SUCCEEDED"}, e.nodePhases(x))
	require.Empty(t, cmp.Diff(inputs("y", intLit(9)), e.outputs(x), protocmp.Transform()), "the parent ends with the child's outputs")

	child, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: childName("ex1")}})
	require.NoError(t, err)
	require.Equal(t, corev1.WorkflowExecution_PHASE_SUCCEEDED, corev1.WorkflowExecution_Phase(child.Phase))
	require.Equal(t, fmt.Sprintf("%d/lp", parent.RowID), child.ParentNodeExecution)
	require.Equal(t, int32(adminv1.ExecutionMetadata_EXECUTION_MODE_CHILD_WORKFLOW), child.Mode)
	require.Equal(t, store.EntityID{Project: "p", Domain: "d", Name: "child", Version: "v1"}, child.Workflow)
	spec := &adminv1.ExecutionSpec{}
	require.NoError(t, proto.Unmarshal(child.Spec, spec))
	require.Equal(t, uint32(1), spec.GetMetadata().GetNesting())
	require.Equal(t, map[string]string{"a": "SUCCEEDED", "b": "SUCCEEDED"}, e.nodePhases(child), "the engine ran the child too")
	require.Empty(t, cmp.Diff(e.outputs(child), e.outputs(x), protocmp.Transform()))
	require.Equal(t, []error{nil}, e.launcher.answers())
}

func TestLaunchPlanChildFailureFailsParentNode(t *testing.T) {
	t.Parallel()
	e := setupLaunchPlans(t)
	e.script.set("a", "fatal")
	e.launch("ex1", e.parent, inputs("x", intLit(9)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	name := childName("ex1")
	child, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}})
	require.NoError(t, err)
	require.Equal(t, corev1.WorkflowExecution_PHASE_FAILED, corev1.WorkflowExecution_Phase(child.Phase))
	require.Equal(t, map[string]string{"lp": "FAILED"}, e.nodePhases(x))
	want := fmt.Sprintf("child execution %s ended PHASE_FAILED: fatal error in p/d/%s/a/0", name, name)
	require.Equal(t, want, e.nodeErr(x, "lp").GetMessage())
	require.Equal(t, want, e.execError(x).GetMessage())
}

func TestLaunchPlanRelaunchAfterLostRoundFindsTheSameChild(t *testing.T) {
	t.Parallel()
	e := setupLaunchPlans(t)
	// The first launch creates the child, then the parent's round is lost
	// (another writer bumps its version, as a crash before the commit
	// would): the next round launches again under the same name.
	e.launcher.afterFirst = func() {
		// Runs on an engine goroutine: report, do not stop the test here.
		if err := e.bumpVersion("ex1"); err != nil {
			t.Errorf("bump the parent's version: %v", err)
		}
	}
	e.launch("ex1", e.parent, inputs("x", intLit(3)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	answers := e.launcher.answers()
	require.Len(t, answers, 2, "the lost round's launch is repeated")
	require.NoError(t, answers[0])
	require.Equal(t, connect.CodeAlreadyExists, connect.CodeOf(answers[1]), "the second launch finds the child")
	require.Equal(t, 1, e.script.startsOf("a"), "one child execution ran")
	require.Empty(t, cmp.Diff(inputs("y", intLit(3)), e.outputs(x), protocmp.Transform()))
}

// bumpVersion changes an execution's version behind the engine's back (by
// setting a signal nobody waits for), so a round in flight fails to commit.
func (e *env) bumpVersion(name string) error {
	ctx := context.Background()
	x, err := e.st.ExecutionGet(ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}})
	if err != nil {
		return err
	}
	typ, _ := proto.Marshal(boolType)
	if _, err := e.st.SignalGetOrCreate(ctx, store.SignalGetOrCreateParams{ExecutionRowID: x.RowID, SignalID: "bump", Type: typ, Now: time.Now()}); err != nil {
		return err
	}
	v, _ := proto.Marshal(boolLit(true))
	_, err = e.st.SignalSet(ctx, store.SignalSetParams{ExecutionRowID: x.RowID, SignalID: "bump", Value: v, SetBy: "test", Now: time.Now()})
	return err
}
