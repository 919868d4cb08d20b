package propeller_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestDynamicFansOutAndGathers(t *testing.T) {
	t.Parallel()
	e, dyn, wf := dynamicSetup(t, 3)
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{
		"fan": "SUCCEEDED", "fan-e0": "SUCCEEDED", "fan-e1": "SUCCEEDED", "fan-e2": "SUCCEEDED", "fan-first": "SUCCEEDED", "after": "SUCCEEDED",
	}, e.nodePhases(x))
	require.Equal(t, map[string]string{"fan-e0": "SUCCEEDED", "fan-e1": "SUCCEEDED", "fan-e2": "SUCCEEDED", "fan-first": "SUCCEEDED"}, e.children(x, "fan"))
	for _, id := range []string{"fan-e0", "fan-first"} {
		ne := e.node(x, id)
		require.Equal(t, "fan", ne.ParentNodeID, "parent of %s", id)
		require.Equal(t, id[len("fan-"):], ne.SpecNodeID, "spec node of %s", id)
		require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, id))
	}
	require.Empty(t, cmp.Diff(inputs("x", intLit(7)), e.readInputs("ex1", "fan-first"), protocmp.Transform()), "a generated node reads the task's inputs")
	require.Empty(t, cmp.Diff(inputs("x", intLit(1)), e.readInputs("ex1", "fan-e1"), protocmp.Transform()))
	require.Empty(t, cmp.Diff(inputs("ys", intList(0, 1, 2), "n2", intLit(7)), e.nodeOutputs(e.node(x, "fan")), protocmp.Transform()))
	require.Empty(t, cmp.Diff(inputs("ys", intList(0, 1, 2), "y", intLit(7)), e.outputs(x), protocmp.Transform()))

	require.Equal(t, 1, dyn.startsOf("fan"))
	require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, "fan"), "the attempt that generated the workflow succeeded")
	c := &adminv1.NodeExecutionClosure{}
	require.NoError(t, proto.Unmarshal(e.node(x, "fan").Closure, c))
	require.Equal(t, e.blobs.URL("metadata/p/d/ex1/fan/0/futures.pb"), c.GetDynamicJobSpecUri())
	require.True(t, e.futuresCompiledExists("ex1", "fan"))
}

func TestDynamicEventsInOrder(t *testing.T) {
	t.Parallel()
	e, _, wf := dynamicSetup(t, 2)
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	evs := e.events(x)

	last := map[string]*store.Event{}
	var fanPhases []string
	fanAt := map[string]int64{}
	for i, ev := range evs {
		if i > 0 {
			require.Greater(t, ev.Seq, evs[i-1].Seq)
			require.False(t, ev.OccurredAt.Before(evs[i-1].OccurredAt), "event %d happened before the one listed ahead of it", i)
		}
		phase, subject := bodyPhase(t, ev)
		require.Equal(t, ev.Phase, phase)
		require.Equal(t, eventKey(ev), subject)
		if prev := last[eventKey(ev)]; prev != nil {
			require.NotEqual(t, prev.Phase, ev.Phase, "%s: one event per phase change", eventKey(ev))
			require.False(t, terminalEvent(prev), "%s: an event after its terminal phase", eventKey(ev))
		}
		last[eventKey(ev)] = ev
		if ev.Kind != store.EventKindNode {
			continue
		}
		b := &eventv1.NodeExecutionEvent{}
		require.NoError(t, proto.Unmarshal(ev.Body, b))
		switch {
		case ev.NodeID == "fan":
			p := corev1.NodeExecution_Phase(ev.Phase).String()
			fanPhases = append(fanPhases, p)
			fanAt[p] = ev.Seq
			require.Equal(t, p != "PHASE_RUNNING", b.GetIsDynamic(), "%s: is_dynamic once the task generated its workflow", p)
			require.Equal(t, p != "PHASE_RUNNING", b.GetIsParent(), "%s: is_parent", p)
			if p == "PHASE_DYNAMIC_RUNNING" {
				dw := b.GetTaskNodeMetadata().GetDynamicWorkflow()
				require.NotNil(t, dw, "the DYNAMIC_RUNNING event carries the generated workflow")
				require.Equal(t, "dynamic-fan", dw.GetId().GetName())
				require.Equal(t, e.blobs.URL("metadata/p/d/ex1/fan/0/futures.pb"), dw.GetDynamicJobSpecUri())
				var ids []string
				for _, n := range dw.GetCompiledWorkflow().GetPrimary().GetTemplate().GetNodes() {
					ids = append(ids, n.GetId())
				}
				require.Equal(t, []string{"e0", "e1", "first"}, ids)
			}
		case ev.NodeID != "after":
			require.Equal(t, "fan", b.GetParentNodeMetadata().GetNodeId(), "node %s", ev.NodeID)
		}
	}
	require.Equal(t, []string{"PHASE_RUNNING", "PHASE_DYNAMIC_RUNNING", "PHASE_SUCCEEDED"}, fanPhases)
	for _, ev := range evs {
		if ev.Kind == store.EventKindNode && ev.NodeID != "fan" && ev.NodeID != "after" {
			require.Greater(t, ev.Seq, fanAt["PHASE_DYNAMIC_RUNNING"], "child %s after the workflow was generated", ev.NodeID)
			require.Less(t, ev.Seq, fanAt["PHASE_SUCCEEDED"], "child %s before its parent succeeded", ev.NodeID)
		}
	}
	require.Equal(t, store.EventKindExecution, evs[len(evs)-1].Kind)
	for id, phase := range e.nodePhases(x) {
		require.Equal(t, "PHASE_"+phase, corev1.NodeExecution_Phase(last["node "+id].Phase).String(), "node %s", id)
	}
}

func TestDynamicSpecThatDoesNotCompileFailsTheNode(t *testing.T) {
	t.Parallel()
	task, echo2 := scriptTask("t", 0, 0), scriptTask("echo2", 0, 0)
	cases := []struct {
		name string
		spec func() *corev1.DynamicJobSpec
		want string
	}{
		{"mistyped binding", func() *corev1.DynamicJobSpec {
			s := fanSpec(2, echo2, task, echo2)
			s.Nodes[1].Inputs[0].Binding = &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: strLit("two").GetScalar()}}
			return s
		}, "node e1: x:"},
		{"unknown task", func() *corev1.DynamicJobSpec {
			return fanSpec(1, scriptTask("nope", 0, 0), task)
		}, "task p/d/nope@v1 is not registered"},
		{"unbound output", func() *corev1.DynamicJobSpec {
			s := fanSpec(1, echo2, task, echo2)
			s.Outputs = s.Outputs[:1]
			return s
		}, "n2"},
		{"promise of an unknown node", func() *corev1.DynamicJobSpec {
			s := fanSpec(1, echo2, task, echo2)
			s.Outputs[1].Binding = promise("ghost", "x")
			return s
		}, "ghost"},
		{"min successes", func() *corev1.DynamicJobSpec {
			s := fanSpec(3, echo2, task, echo2)
			s.MinSuccesses = 2
			return s
		}, "min_successes is 2"},
		{"task id of other content", func() *corev1.DynamicJobSpec {
			other := scriptTask("t", 5, 0)
			return fanSpec(1, other, other, other)
		}, "task p/d/t/v1 differs from the workflow's task with the same id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, dyn := setupDynamic(t)
			fan := fanTask()
			wf := e.register(fanWorkflow(fan, task), nil, fan, task)
			dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return tc.spec() })
			e.launch("ex1", wf, inputs("n", intLit(7)), nil)
			x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

			require.Equal(t, map[string]string{"fan": "FAILED"}, e.nodePhases(x), "no child starts")
			require.Equal(t, []string{"FAILED"}, e.attemptPhases(x, "fan"), "not retried although the task has retries")
			require.Equal(t, 1, dyn.startsOf("fan"))
			err := e.nodeErr(x, "fan")
			require.Equal(t, corev1.ExecutionError_ERROR_KIND_USER, err.GetKind())
			require.Equal(t, "BadDynamicWorkflow", err.GetCode())
			require.Contains(t, err.GetMessage(), "node fan generated a dynamic workflow that does not compile")
			require.Contains(t, err.GetMessage(), tc.want)
			require.Equal(t, err.GetMessage(), e.execError(x).GetMessage())
			require.False(t, e.futuresCompiledExists("ex1", "fan"))
		})
	}
}

func TestDynamicChildFailureFailsTheNode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		policy corev1.WorkflowMetadata_OnFailurePolicy
		want   map[string]string
	}{
		{"fail immediately aborts running children", corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY,
			map[string]string{"fan": "FAILED", "fan-e0": "ABORTED", "fan-e1": "FAILED"}},
		{"the others finish first", corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_AFTER_EXECUTABLE_NODES_COMPLETE,
			map[string]string{"fan": "FAILED", "fan-e0": "SUCCEEDED", "fan-e1": "FAILED", "fan-e2": "SUCCEEDED", "fan-first": "SUCCEEDED"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, dyn := setupDynamic(t)
			fan, task, echo2 := fanTask(), scriptTask("t", 0, 0), scriptTask("echo2", 0, 0)
			wft := fanWorkflow(fan, task)
			wft.Metadata.OnFailure = tc.policy // the generated workflow follows it
			wf := e.register(wft, nil, fan, task)
			dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return fanSpec(3, echo2, task, echo2) })
			e.script.set("fan-e0", "block")
			e.script.set("fan-e1", "fatal")
			e.launch("ex1", wf, inputs("n", intLit(7)), nil)
			if tc.policy == corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_AFTER_EXECUTABLE_NODES_COMPLETE {
				x := e.waitNode("ex1", "fan-e1", "FAILED")
				require.Equal(t, "DYNAMIC_RUNNING", e.nodePhases(x)["fan"])
				require.Equal(t, "RUNNING", e.nodePhases(x)["fan-e0"])
				e.script.release("fan-e0")
			}
			x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

			require.Equal(t, tc.want, e.nodePhases(x), "after never starts")
			require.Equal(t, "fatal error in p/d/ex1/fan-e1/0", e.nodeErr(x, "fan").GetMessage(), "the node fails with its child's error")
			require.Equal(t, "Fatal", e.nodeErr(x, "fan").GetCode())
			require.Equal(t, "fatal error in p/d/ex1/fan-e1/0", e.execError(x).GetMessage())
			require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, "fan"), "the dynamic task itself is not retried")
			if tc.policy == corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY {
				require.Equal(t, []string{"p/d/ex1/fan-e0/0"}, e.script.abortedAttempts())
			}
		})
	}
}

func TestDynamicAbortPropagatesToChildren(t *testing.T) {
	t.Parallel()
	e, _, wf := dynamicSetup(t, 3)
	e.script.set("fan-e0", "block")
	e.script.set("fan-e2", "block")
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	e.waitNode("ex1", "fan-e2", "RUNNING")

	e.requestAbort("ex1", "enough")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_ABORTED)

	require.Equal(t, map[string]string{
		"fan": "ABORTED", "fan-e0": "ABORTED", "fan-e1": "SUCCEEDED", "fan-e2": "ABORTED", "fan-first": "SUCCEEDED",
	}, e.nodePhases(x))
	require.Equal(t, []string{"p/d/ex1/fan-e0/0", "p/d/ex1/fan-e2/0"}, e.script.abortedAttempts(), "the plugin was told to stop the children")
	require.Equal(t, []string{"ABORTED"}, e.attemptPhases(x, "fan-e0"))
	require.Equal(t, "enough", e.nodeErr(x, "fan-e2").GetMessage())
	require.Equal(t, 0, e.script.startsOf("after"))
}

func TestDynamicContinuesAfterRestart(t *testing.T) {
	t.Parallel()
	e, dyn, wf := dynamicSetup(t, 3)
	e.script.set("fan-e1", "block")
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	e.waitNode("ex1", "fan-e1", "RUNNING")

	// A new process: it knows neither the running attempt nor the
	// generated workflow, which it reads back from futures_compiled.pb.
	next := newScriptPlugin()
	e.script = next
	e.startEngine(restartedPlugin{next}, dyn, "test-restarted", laterClock{by: 31 * time.Second})
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, 1, dyn.startsOf("fan"), "the dynamic task is not run again")
	require.Equal(t, []string{"RETRYABLE_FAILED", "SUCCEEDED"}, e.attemptPhases(x, "fan-e1"), "the lost child attempt is retried")
	require.Equal(t, corev1.ExecutionError_ERROR_KIND_SYSTEM, e.attemptErrors(x, "fan-e1")[0].GetKind())
	require.Equal(t, 0, next.startsOf("fan-e0"), "finished children are not run again")
	require.Equal(t, 1, next.startsOf("fan-e1"))
	require.Equal(t, 1, next.startsOf("after"))
	require.Equal(t, "SUCCEEDED", e.nodePhases(x)["fan"])
	require.Empty(t, cmp.Diff(inputs("ys", intList(0, 1, 2), "y", intLit(7)), e.outputs(x), protocmp.Transform()))
}

func TestNestedDynamic(t *testing.T) {
	t.Parallel()
	e, dyn := setupDynamic(t)
	fan, task, echo2 := fanTask(), scriptTask("t", 0, 0), scriptTask("echo2", 0, 0)
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	// fan generates e0 and inner (the fan task again, n = 5); ys is
	// inner's, n2 first's. inner generates e0, e1 and first.
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec {
		s := fanSpec(1, echo2, task, echo2)
		inner := &corev1.Node{Id: "inner", Inputs: []*corev1.Binding{bind("n", constInt(5))},
			Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: fan.GetId()}}}
		s.Nodes = append(s.Nodes, inner)
		s.Outputs[0].Binding = promise("inner", "ys")
		return s
	})
	dyn.set("fan-inner", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return fanSpec(2, echo2, task, echo2) })
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"fan-e0": "SUCCEEDED", "fan-first": "SUCCEEDED", "fan-inner": "SUCCEEDED"}, e.children(x, "fan"))
	require.Equal(t, map[string]string{"fan-inner-e0": "SUCCEEDED", "fan-inner-e1": "SUCCEEDED", "fan-inner-first": "SUCCEEDED"}, e.children(x, "fan-inner"))
	require.Equal(t, "inner", e.node(x, "fan-inner").SpecNodeID)
	require.Empty(t, cmp.Diff(inputs("x", intLit(5)), e.readInputs("ex1", "fan-inner-first"), protocmp.Transform()), "inner's generated nodes read inner's inputs")
	require.Empty(t, cmp.Diff(inputs("ys", intList(0, 1), "y", intLit(7)), e.outputs(x), protocmp.Transform()))
	require.True(t, e.futuresCompiledExists("ex1", "fan-inner"))
}

func TestDynamicRunsGeneratedSubWorkflowAndRegisteredTask(t *testing.T) {
	t.Parallel()
	e, dyn := setupDynamic(t)
	fan, task := fanTask(), scriptTask("t", 0, 0)
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	// "reg" is registered but neither in the workflow nor in the spec.
	reg := scriptTask("reg", 0, 0)
	body, err := proto.Marshal(&adminv1.Task{Id: reg.GetId(), Closure: &adminv1.TaskClosure{CompiledTask: &corev1.CompiledTask{Template: reg}}})
	require.NoError(t, err)
	_, _, err = e.st.EntityCreate(e.ctx, store.EntityCreateParams{Kind: store.KindTask, ID: store.EntityID{Project: "p", Domain: "d", Name: "reg", Version: "v1"}, Digest: []byte("reg"), Body: body, Now: time.Now()})
	require.NoError(t, err)
	// The spec: e0 runs reg; sw runs the generated sub-workflow "gen"
	// (a -> b on task t) on e0's output; ys = [sw.y], n2 = first.
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec {
		s := fanSpec(1, reg, task)
		gen := workflow("gen", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a"))
		sw := &corev1.Node{Id: "sw", Inputs: []*corev1.Binding{bind("x", promise("e0", "x"))},
			Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_SubWorkflowRef{SubWorkflowRef: gen.GetId()}}}}
		s.Nodes = append(s.Nodes, sw)
		s.Subworkflows = []*corev1.WorkflowTemplate{gen}
		s.Outputs[0].Binding = collection(promise("sw", "y"))
		return s
	})
	e.script.set("fan-e0", "block")
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	e.waitNode("ex1", "fan-e0", "RUNNING")
	e.script.release("fan-e0")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"fan-e0": "SUCCEEDED", "fan-first": "SUCCEEDED", "fan-sw": "SUCCEEDED"}, e.children(x, "fan"))
	require.Equal(t, map[string]string{"fan-sw-a": "SUCCEEDED", "fan-sw-b": "SUCCEEDED"}, e.children(x, "fan-sw"))
	te, err := e.st.TaskExecutionGet(e.ctx, store.TaskExecutionGetParams{ExecutionRowID: x.RowID, NodeID: "fan-e0"})
	require.NoError(t, err)
	require.Equal(t, "reg", te.Task.Name, "e0 ran the registered task")
	require.Empty(t, cmp.Diff(inputs("ys", intList(0), "y", intLit(7)), e.outputs(x), protocmp.Transform()))
}

func TestDynamicTaskInArrayFails(t *testing.T) {
	t.Parallel()
	e, dyn := setupDynamic(t)
	fan := fanTask()
	fan.Interface.Outputs = vars() // so that a missing outputs.pb cannot pass for success
	wft := mapWorkflow(fan, 1)
	wft.Nodes[0].Inputs[0].Var = "n"
	wft.Interface.Outputs = vars()
	wft.Outputs = nil
	wf := e.register(wft, nil, fan)
	dyn.set("*", func(*corev1.LiteralMap) *corev1.DynamicJobSpec { return &corev1.DynamicJobSpec{} })
	e.launch("ex1", wf, inputs("xs", intList(1, 2)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Contains(t, e.execError(x).GetMessage(), "element p/d/ex1/arr-0/0 generated a dynamic workflow: a dynamic task cannot run in an array node")
	require.Equal(t, 1, dyn.startsOf("arr-0"), "not retried")
}

func TestDynamicAbortAfterRestart(t *testing.T) {
	t.Parallel()
	e, dyn, wf := dynamicSetup(t, 3)
	e.script.set("fan-e1", "block")
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	e.waitNode("ex1", "fan-e1", "RUNNING")

	// The abort is the first thing the next process sees: aborting the
	// child needs its task, which only the generated workflow knows.
	e.eng.Stop()
	e.requestAbort("ex1", "enough")
	next := newScriptPlugin()
	e.script = next
	e.startEngine(restartedPlugin{next}, dyn, "test-restarted", nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_ABORTED)

	require.Equal(t, "ABORTED", e.nodePhases(x)["fan"])
	require.Equal(t, "ABORTED", e.nodePhases(x)["fan-e1"])
	require.Equal(t, []string{"ABORTED"}, e.attemptPhases(x, "fan-e1"), "the child's attempt is recorded aborted")
	require.Equal(t, []string{"p/d/ex1/fan-e1/0"}, next.abortedAttempts(), "the plugin was told to stop it")
}

func TestDynamicChildrenThroughAdmin(t *testing.T) {
	t.Parallel()
	e, _, wf := dynamicSetup(t, 2)
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	svc := admin.New(e.st, admin.Options{Blobs: e.blobs, Domains: []config.Domain{{ID: "d"}}})
	execID := &corev1.WorkflowExecutionIdentifier{Project: "p", Domain: "d", Name: "ex1"}

	list := func(parent string) map[string]*adminv1.NodeExecution {
		t.Helper()
		res, err := svc.ListNodeExecutions(e.ctx, connect.NewRequest(&adminv1.NodeExecutionListRequest{WorkflowExecutionId: execID, UniqueParentId: parent, Limit: 100}))
		require.NoError(t, err)
		out := map[string]*adminv1.NodeExecution{}
		for _, n := range res.Msg.GetNodeExecutions() {
			out[n.GetId().GetNodeId()] = n
		}
		return out
	}
	top := list("")
	require.ElementsMatch(t, []string{"fan", "after"}, keysOf(top), "children are not top-level nodes")
	require.True(t, top["fan"].GetMetadata().GetIsParentNode())
	require.True(t, top["fan"].GetMetadata().GetIsDynamic())
	require.False(t, top["after"].GetMetadata().GetIsDynamic())
	kids := list("fan")
	require.ElementsMatch(t, []string{"fan-e0", "fan-e1", "fan-first"}, keysOf(kids))
	require.Equal(t, "e1", kids["fan-e1"].GetMetadata().GetSpecNodeId())
	require.Equal(t, corev1.NodeExecution_PHASE_SUCCEEDED, kids["fan-e1"].GetClosure().GetPhase())

	data, err := svc.GetNodeExecutionData(e.ctx, connect.NewRequest(&adminv1.NodeExecutionGetDataRequest{Id: &corev1.NodeExecutionIdentifier{NodeId: "fan", ExecutionId: execID}}))
	require.NoError(t, err)
	dw := data.Msg.GetDynamicWorkflow()
	require.Equal(t, "dynamic-fan", dw.GetId().GetName())
	require.Equal(t, e.blobs.URL("metadata/p/d/ex1/fan/0/futures.pb"), dw.GetDynamicJobSpecUri())
	require.Len(t, dw.GetCompiledWorkflow().GetPrimary().GetTemplate().GetNodes(), 3)
	require.Empty(t, cmp.Diff(inputs("ys", intList(0, 1), "n2", intLit(7)), data.Msg.GetFullOutputs(), protocmp.Transform()))

	tasks, err := svc.ListTaskExecutions(e.ctx, connect.NewRequest(&adminv1.TaskExecutionListRequest{NodeExecutionId: &corev1.NodeExecutionIdentifier{NodeId: "fan", ExecutionId: execID}}))
	require.NoError(t, err)
	require.Len(t, tasks.Msg.GetTaskExecutions(), 1)
	require.True(t, tasks.Msg.GetTaskExecutions()[0].GetIsParent(), "the attempt generated the children")
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDynamicLargeWorkflowStaysOutOfEvents(t *testing.T) {
	t.Parallel()
	e, dyn, wf := dynamicSetup(t, 0)
	// 100 nodes with 1 KiB display names: a compiled workflow over 64 KiB.
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec {
		s := fanSpec(100, scriptTask("echo2", 0, 0), scriptTask("t", 0, 0), scriptTask("echo2", 0, 0))
		for _, n := range s.Nodes {
			n.Metadata = &corev1.NodeMetadata{Name: strings.Repeat(n.GetId(), 1024/len(n.GetId())+1)}
		}
		return s
	})
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Len(t, e.children(x, "fan"), 101)
	ys := e.outputs(x).GetLiterals()["ys"].GetCollection().GetLiterals()
	require.Len(t, ys, 100)
	require.Equal(t, int64(99), ys[99].GetScalar().GetPrimitive().GetInteger())
	var dw *eventv1.DynamicWorkflowNodeMetadata
	for _, ev := range e.events(x) {
		if ev.Kind == store.EventKindNode && ev.NodeID == "fan" && ev.Phase == int32(corev1.NodeExecution_PHASE_DYNAMIC_RUNNING) {
			b := &eventv1.NodeExecutionEvent{}
			require.NoError(t, proto.Unmarshal(ev.Body, b))
			dw = b.GetTaskNodeMetadata().GetDynamicWorkflow()
		}
	}
	require.NotNil(t, dw)
	require.Nil(t, dw.GetCompiledWorkflow(), "a generated workflow over 64 KiB is not copied into the event")
	require.Equal(t, "dynamic-fan", dw.GetId().GetName())

	svc := admin.New(e.st, admin.Options{Blobs: e.blobs, Domains: []config.Domain{{ID: "d"}}})
	data, err := svc.GetNodeExecutionData(e.ctx, connect.NewRequest(&adminv1.NodeExecutionGetDataRequest{Id: &corev1.NodeExecutionIdentifier{NodeId: "fan", ExecutionId: &corev1.WorkflowExecutionIdentifier{Project: "p", Domain: "d", Name: "ex1"}}}))
	require.NoError(t, err)
	require.Len(t, data.Msg.GetDynamicWorkflow().GetCompiledWorkflow().GetPrimary().GetTemplate().GetNodes(), 101, "admin reads it from futures_compiled.pb")
}

func TestDynamicLaunchesRegisteredLaunchPlan(t *testing.T) {
	t.Parallel()
	l := setupLaunchPlans(t)
	e := l.env
	dyn := newDynPlugin()
	e.startEngine(e.script, dyn, "test-dynamic", nil, func(o *propeller.Options) { o.Launcher = l.launcher })
	fan, task := fanTask(), scriptTask("t", 0, 0)
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	lpID := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, Project: "p", Domain: "d", Name: "child", Version: "v1"}
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec {
		s := fanSpec(0, task, task)
		s.Nodes = append(s.Nodes, &corev1.Node{Id: "lp", Inputs: []*corev1.Binding{bind("x", constInt(3))},
			Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_LaunchplanRef{LaunchplanRef: lpID}}}})
		s.Outputs[0].Binding = collection(promise("lp", "y"))
		return s
	})
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

	require.Equal(t, map[string]string{"fan-first": "SUCCEEDED", "fan-lp": "SUCCEEDED"}, e.children(x, "fan"))
	child, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: propeller.ChildExecutionName(x.ID, "fan-lp", 0)}})
	require.NoError(t, err)
	require.Equal(t, corev1.WorkflowExecution_PHASE_SUCCEEDED, corev1.WorkflowExecution_Phase(child.Phase))
	require.Empty(t, cmp.Diff(inputs("ys", intList(3), "y", intLit(7)), e.outputs(x), protocmp.Transform()))
}

func TestDynamicLostGeneratedWorkflowFailsTheNode(t *testing.T) {
	t.Parallel()
	e, dyn, wf := dynamicSetup(t, 2)
	e.script.set("fan-e1", "block")
	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	e.waitNode("ex1", "fan-e1", "RUNNING")

	// Someone deleted futures_compiled.pb while no engine held the execution.
	e.eng.Stop()
	require.NoError(t, e.blobs.Delete(e.ctx, "metadata/p/d/ex1/fan/futures_compiled.pb"))
	next := newScriptPlugin()
	e.script = next
	e.startEngine(restartedPlugin{next}, dyn, "test-restarted", laterClock{by: 31 * time.Second})
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)

	require.Equal(t, "FAILED", e.nodePhases(x)["fan"])
	require.Equal(t, "ABORTED", e.nodePhases(x)["fan-e1"], "its children are stopped")
	err := e.nodeErr(x, "fan")
	require.Equal(t, "DynamicWorkflowLost", err.GetCode())
	require.Equal(t, corev1.ExecutionError_ERROR_KIND_SYSTEM, err.GetKind())
	require.Contains(t, err.GetMessage(), "futures_compiled.pb")
}

// TestDynamicWorkflowWithMapAndBranch: a generated workflow may hold any
// node kind; here an array node over a task and a branch on the dynamic
// task's input run as the node's children.
func TestDynamicWorkflowWithMapAndBranch(t *testing.T) {
	t.Parallel()
	e, dyn := setupDynamic(t)
	fan, task := fanTask(), scriptTask("t", 0, 0)
	wf := e.register(fanWorkflow(fan, task), nil, fan, task)
	dyn.set("fan", func(*corev1.LiteralMap) *corev1.DynamicJobSpec {
		sub := &corev1.Node{Id: "m", Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: task.GetId()}}}
		arr := &corev1.Node{Id: "arr", Inputs: []*corev1.Binding{bind("x", collection(constInt(1), constInt(2), constInt(3)))},
			Target: &corev1.Node_ArrayNode{ArrayNode: &corev1.ArrayNode{Node: sub}}}
		ie := &corev1.IfElseBlock{
			Case:    &corev1.IfBlock{Condition: gt(10), ThenNode: taskNode("big", task, "start-node")},
			Default: &corev1.IfElseBlock_ElseNode{ElseNode: taskNode("small", task, "start-node")},
		}
		br := &corev1.Node{Id: "br", Inputs: []*corev1.Binding{bind("x", promise("start-node", "n"))},
			Target: &corev1.Node_BranchNode{BranchNode: &corev1.BranchNode{IfElse: ie}}}
		// The branch's cases read x, which the branch node binds from n.
		ie.Case.ThenNode.Inputs = []*corev1.Binding{bind("x", promise("start-node", "n"))}
		ie.GetElseNode().Inputs = []*corev1.Binding{bind("x", promise("start-node", "n"))}
		return &corev1.DynamicJobSpec{
			Nodes:   []*corev1.Node{arr, br},
			Outputs: []*corev1.Binding{bind("ys", promise("arr", "x")), bind("n2", promise("br", "x"))},
		}
	})

	e.launch("ex1", wf, inputs("n", intLit(7)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Empty(t, cmp.Diff(inputs("ys", intList(1, 2, 3), "y", intLit(7)), e.outputs(x), protocmp.Transform()))
	phases := e.nodePhases(x)
	require.Equal(t, "SUCCEEDED", phases["fan-arr"], phases)
	require.Equal(t, "SUCCEEDED", phases["fan-br"], phases)
	require.Equal(t, "SUCCEEDED", phases["fan-br-small"], "x=7 is not > 10: %v", phases)
	require.NotContains(t, phases, "fan-br-big")

	// The generated nodes' events name the attempt that generated them;
	// the branch's own child was not generated by a task.
	parents := map[string]*corev1.TaskExecutionIdentifier{}
	for _, ev := range e.events(x) {
		if ev.Kind != store.EventKindNode {
			continue
		}
		b := &eventv1.NodeExecutionEvent{}
		require.NoError(t, proto.Unmarshal(ev.Body, b))
		parents[ev.NodeID] = b.GetParentTaskMetadata().GetId()
	}
	for _, id := range []string{"fan-arr", "fan-br"} {
		p := parents[id]
		require.NotNil(t, p, "event of %s", id)
		require.Equal(t, "fan", p.GetNodeExecutionId().GetNodeId())
		require.Equal(t, "fan", p.GetTaskId().GetName())
		require.Equal(t, "ex1", p.GetNodeExecutionId().GetExecutionId().GetName())
		require.Equal(t, uint32(0), p.GetRetryAttempt())
	}
	require.Nil(t, parents["fan-br-small"])
	require.Nil(t, parents["fan"])
}
