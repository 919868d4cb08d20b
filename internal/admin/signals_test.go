package admin_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/store"
)

func signalID(exec, sig string) *corev1.SignalIdentifier {
	return &corev1.SignalIdentifier{SignalId: sig, ExecutionId: execID(exec)}
}

func TestSignals(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		createExecution(t, env, "gated", "double", nil)
		createExecution(t, env, "over", "double", nil)
		_, err := env.Signals.GetOrCreateSignal(ctx, connect.NewRequest(&adminv1.SignalGetOrCreateRequest{Id: signalID("gated", "count"), Type: tInt}))
		require.NoError(t, err)
		_, err = env.Signals.GetOrCreateSignal(ctx, connect.NewRequest(&adminv1.SignalGetOrCreateRequest{Id: signalID("over", "count"), Type: tInt}))
		require.NoError(t, err)
		newFakeEngine(t, env).finish("over", corev1.WorkflowExecution_PHASE_SUCCEEDED)

		before := execSnapshot(t, env)
		set := func(exec, sig string, v *corev1.Literal) error {
			_, err := env.Signals.SetSignal(ctx, connect.NewRequest(&adminv1.SignalSetRequest{Id: signalID(exec, sig), Value: v}))
			return err
		}
		requireCode(t, set("gated", "count", stringLiteral("x")), connect.CodeInvalidArgument, `signal "count" expects int, got str`)
		requireCode(t, set("gated", "nope", intLiteral(1)), connect.CodeNotFound, `has no signal "nope"`, `"count"`)
		requireCode(t, set("over", "count", intLiteral(1)), connect.CodeFailedPrecondition, "already finished (SUCCEEDED)")
		requireCode(t, set("ghost", "count", intLiteral(1)), connect.CodeNotFound, "execution flytesnacks/development/ghost not found")
		requireCode(t, set("gated", "count", nil), connect.CodeInvalidArgument, "value: required")
		require.Equal(t, before, execSnapshot(t, env))

		require.NoError(t, set("gated", "count", intLiteral(3)))
		requireCode(t, set("gated", "count", intLiteral(4)), connect.CodeAlreadyExists, `signal "count" of execution flytesnacks/development/gated is already set`)
		list, err := env.Signals.ListSignals(ctx, connect.NewRequest(&adminv1.SignalListRequest{WorkflowExecutionId: execID("gated")}))
		require.NoError(t, err)
		requireDiff(t, []*adminv1.Signal{{Id: signalID("gated", "count"), Type: tInt, Value: intLiteral(3)}}, list.Msg.GetSignals(), protocmp.Transform())
		got, err := env.Signals.GetOrCreateSignal(ctx, connect.NewRequest(&adminv1.SignalGetOrCreateRequest{Id: signalID("gated", "count"), Type: tInt}))
		require.NoError(t, err)
		requireDiff(t, intLiteral(3), got.Msg.GetValue(), protocmp.Transform())
	})
}

func TestNodeAndTaskExecutions(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		createExecution(t, env, "nodes", "double", nil)
		now := time.Now().UTC().Truncate(time.Second)
		later := now.Add(2 * time.Second)
		nodeIn := "metadata/flytesnacks/development/nodes/double/inputs.pb"
		require.NoError(t, env.Blobs.WriteProto(ctx, nodeIn, inputs("x", intLiteral(1))))
		outKey := "metadata/flytesnacks/development/nodes/double/1/outputs.pb"
		require.NoError(t, env.Blobs.WriteProto(ctx, outKey, inputs("y", intLiteral(2))))
		taskClosure := marshal(t, &adminv1.TaskExecutionClosure{Logs: []*corev1.TaskLog{{Name: "stdout", Uri: "file:///nonexistent/log"}}})
		newFakeEngine(t, env).round("nodes", corev1.WorkflowExecution_PHASE_RUNNING, nil,
			[]*store.NodeExecution{
				{NodeID: "double", SpecNodeID: "double", Phase: int32(corev1.NodeExecution_PHASE_SUCCEEDED), Attempts: 2,
					InputURI: env.Blobs.URL(nodeIn), OutputURI: env.Blobs.URL(outKey),
					Closure: marshal(t, &adminv1.NodeExecutionClosure{}), CreatedAt: now, UpdatedAt: later, StartedAt: &now, EndedAt: &later},
				{NodeID: "double-0", ParentNodeID: "double", SpecNodeID: "inner", Phase: int32(corev1.NodeExecution_PHASE_RUNNING), CreatedAt: now, UpdatedAt: now},
			},
			[]*store.TaskExecution{
				{NodeID: "double", RetryAttempt: 0, Phase: int32(corev1.TaskExecution_PHASE_FAILED), Task: store.EntityID{Project: project, Domain: domain, Name: "double-task", Version: "v1"}, Closure: taskClosure, CreatedAt: now, UpdatedAt: now},
				{NodeID: "double", RetryAttempt: 1, Phase: int32(corev1.TaskExecution_PHASE_SUCCEEDED), Task: store.EntityID{Project: project, Domain: domain, Name: "double-task", Version: "v1"}, CreatedAt: now, UpdatedAt: now},
			})

		top, err := env.Client.ListNodeExecutions(ctx, connect.NewRequest(&adminv1.NodeExecutionListRequest{WorkflowExecutionId: execID("nodes")}))
		require.NoError(t, err)
		require.Len(t, top.Msg.GetNodeExecutions(), 1)
		n := top.Msg.GetNodeExecutions()[0]
		require.Equal(t, "double", n.GetId().GetNodeId())
		require.True(t, n.GetMetadata().GetIsParentNode())
		require.Equal(t, corev1.NodeExecution_PHASE_SUCCEEDED, n.GetClosure().GetPhase())
		require.Equal(t, 2*time.Second, n.GetClosure().GetDuration().AsDuration())
		kids, err := env.Client.ListNodeExecutions(ctx, connect.NewRequest(&adminv1.NodeExecutionListRequest{WorkflowExecutionId: execID("nodes"), UniqueParentId: "double"}))
		require.NoError(t, err)
		require.Len(t, kids.Msg.GetNodeExecutions(), 1)
		require.Equal(t, "inner", kids.Msg.GetNodeExecutions()[0].GetMetadata().GetSpecNodeId())

		nid := &corev1.NodeExecutionIdentifier{NodeId: "double", ExecutionId: execID("nodes")}
		data, err := env.Client.GetNodeExecutionData(ctx, connect.NewRequest(&adminv1.NodeExecutionGetDataRequest{Id: nid}))
		require.NoError(t, err)
		requireDiff(t, inputs("x", intLiteral(1)), data.Msg.GetFullInputs(), protocmp.Transform())
		requireDiff(t, inputs("y", intLiteral(2)), data.Msg.GetFullOutputs(), protocmp.Transform())
		_, err = env.Client.GetNodeExecution(ctx, connect.NewRequest(&adminv1.NodeExecutionGetRequest{Id: &corev1.NodeExecutionIdentifier{NodeId: "nope", ExecutionId: execID("nodes")}}))
		requireCode(t, err, connect.CodeNotFound, `node "nope" of execution flytesnacks/development/nodes not found`)

		tasks, err := env.Client.ListTaskExecutions(ctx, connect.NewRequest(&adminv1.TaskExecutionListRequest{NodeExecutionId: nid}))
		require.NoError(t, err)
		require.Len(t, tasks.Msg.GetTaskExecutions(), 2)
		require.Equal(t, uint32(1), tasks.Msg.GetTaskExecutions()[1].GetId().GetRetryAttempt())
		requireDiff(t, taskID("double-task", "v1"), tasks.Msg.GetTaskExecutions()[0].GetId().GetTaskId(), protocmp.Transform())
		tdata, err := env.Client.GetTaskExecutionData(ctx, connect.NewRequest(&adminv1.TaskExecutionGetDataRequest{Id: &corev1.TaskExecutionIdentifier{NodeExecutionId: nid, RetryAttempt: 1}}))
		require.NoError(t, err)
		requireDiff(t, inputs("y", intLiteral(2)), tdata.Msg.GetFullOutputs(), protocmp.Transform())
		_, err = env.Client.GetTaskExecution(ctx, connect.NewRequest(&adminv1.TaskExecutionGetRequest{Id: &corev1.TaskExecutionIdentifier{NodeExecutionId: nid, RetryAttempt: 5}}))
		requireCode(t, err, connect.CodeNotFound, `attempt 5 of node "double"`)

		// Logs: the finished attempt's logs.txt from the blob store.
		require.NoError(t, env.Blobs.WriteAll(ctx, "metadata/flytesnacks/development/nodes/double/0/logs.txt", []byte("line 1\nline 2\n")))
		resp, err := http.Get(env.URL + "/api/v1/logs/flytesnacks/development/nodes/double/0")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "line 1\nline 2\n", string(body))
		resp, err = http.Get(env.URL + "/api/v1/logs/flytesnacks/development/nodes/double/1")
		require.NoError(t, err)
		body, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.Contains(t, string(body), `attempt 1 of node "double" of execution flytesnacks/development/nodes has no logs`)
	})
}
