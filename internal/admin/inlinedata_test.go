package admin_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

// The engine keeps small inputs and outputs inline in the closures, with no
// URI: the data endpoints return them from there.
func TestExecutionDataInline(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		setupLaunchPlans(t, env)
		ctx := t.Context()
		createExecution(t, env, "inline", "double", nil)
		now := time.Now().UTC().Truncate(time.Second)
		in, out := inputs("x", intLiteral(1)), inputs("y", intLiteral(2))
		nodeClosure := marshal(t, &adminv1.NodeExecutionClosure{InputData: in, OutputResult: &adminv1.NodeExecutionClosure_OutputData{OutputData: out}})
		taskClosure := marshal(t, &adminv1.TaskExecutionClosure{OutputResult: &adminv1.TaskExecutionClosure_OutputData{OutputData: out}})
		newFakeEngine(t, env).round("inline", corev1.WorkflowExecution_PHASE_SUCCEEDED,
			&adminv1.ExecutionClosure{OutputResult: &adminv1.ExecutionClosure_OutputData{OutputData: out}},
			[]*store.NodeExecution{{NodeID: "double", SpecNodeID: "double", Phase: int32(corev1.NodeExecution_PHASE_SUCCEEDED), Attempts: 1,
				Closure: nodeClosure, CreatedAt: now, UpdatedAt: now, StartedAt: &now, EndedAt: &now}},
			[]*store.TaskExecution{{NodeID: "double", Phase: int32(corev1.TaskExecution_PHASE_SUCCEEDED), Task: store.EntityID{Project: project, Domain: domain, Name: "double-task", Version: "v1"},
				Closure: taskClosure, CreatedAt: now, UpdatedAt: now}})

		nid := &corev1.NodeExecutionIdentifier{NodeId: "double", ExecutionId: execID("inline")}
		data, err := env.Client.GetNodeExecutionData(ctx, connect.NewRequest(&adminv1.NodeExecutionGetDataRequest{Id: nid}))
		require.NoError(t, err)
		requireDiff(t, in, data.Msg.GetFullInputs(), protocmp.Transform())
		requireDiff(t, out, data.Msg.GetFullOutputs(), protocmp.Transform())
		tdata, err := env.Client.GetTaskExecutionData(ctx, connect.NewRequest(&adminv1.TaskExecutionGetDataRequest{Id: &corev1.TaskExecutionIdentifier{NodeExecutionId: nid}}))
		require.NoError(t, err)
		requireDiff(t, in, tdata.Msg.GetFullInputs(), protocmp.Transform())
		requireDiff(t, out, tdata.Msg.GetFullOutputs(), protocmp.Transform())
		xdata, err := env.Client.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: execID("inline")}))
		require.NoError(t, err)
		requireDiff(t, out, xdata.Msg.GetFullOutputs(), protocmp.Transform())
	})
}
