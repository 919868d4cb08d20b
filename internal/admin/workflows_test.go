package admin_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

func TestWorkflowRegistration(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		c := env.Client
		createTask(t, env, "double", "v1")
		createTask(t, env, "double", "v2")
		req := workflowRequest("wf", "v1", taskID("double", "v1"))
		_, err := c.CreateWorkflow(ctx, connect.NewRequest(req))
		require.NoError(t, err)

		got, err := c.GetWorkflow(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: wfID("wf", "v1")}))
		require.NoError(t, err)
		closure := got.Msg.GetClosure().GetCompiledWorkflow()
		requireDiff(t, req.GetSpec().GetTemplate(), closure.GetPrimary().GetTemplate(), protocmp.Transform())
		require.NotEmpty(t, closure.GetPrimary().GetConnections().GetUpstream(), "the compiler's connections are stored")
		require.Len(t, closure.GetTasks(), 1)
		requireDiff(t, taskRequest("double", "v1", "alpine:3").GetSpec().GetTemplate(), closure.GetTasks()[0].GetTemplate(), protocmp.Transform())
		require.Equal(t, "doubles x once", got.Msg.GetShortDescription())

		// Identical re-registration succeeds; other content names the differences.
		before := snapshot(t, env)
		_, err = c.CreateWorkflow(ctx, connect.NewRequest(workflowRequest("wf", "v1", taskID("double", "v1"))))
		require.NoError(t, err)
		require.Equal(t, before, snapshot(t, env))
		changed := workflowRequest("wf", "v1", taskID("double", "v2"))
		changed.Spec.Description.ShortDescription = "doubles x, newer"
		_, err = c.CreateWorkflow(ctx, connect.NewRequest(changed))
		requireCode(t, err, connect.CodeAlreadyExists,
			"workflow flytesnacks/development/wf@v1 is already registered with different content",
			`template.nodes[0].task_node.reference_id.version: "v1" != "v2"`,
			`description.short_description: "doubles x once" != "doubles x, newer"`)
		require.Equal(t, before, snapshot(t, env))
	})
}

func TestWorkflowMissingReferences(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		before := snapshot(t, env)
		_, err := env.Client.CreateWorkflow(ctx, connect.NewRequest(workflowRequest("wf", "v1", taskID("missing", "v1"))))
		requireCode(t, err, connect.CodeInvalidArgument,
			"workflow flytesnacks/development/wf@v1 does not compile",
			"node double: task flytesnacks/development/missing@v1 is not registered")
		require.Equal(t, before, snapshot(t, env))

		// Every problem is listed, not only the first.
		createTask(t, env, "double", "v1")
		bad := workflowRequest("wf", "v1", taskID("double", "v1"))
		second := proto.CloneOf(bad.Spec.Template.Nodes[0])
		second.Id = "again"
		second.GetTaskNode().ReferenceId = taskID("absent", "v7")
		bad.Spec.Template.Nodes = append(bad.Spec.Template.Nodes, second)
		bad.Spec.Template.Outputs[0].Binding = promise("double", "nosuchoutput")
		before = snapshot(t, env)
		_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(bad))
		requireCode(t, err, connect.CodeInvalidArgument,
			"node again: task flytesnacks/development/absent@v7 is not registered",
			"nosuchoutput")
		require.Equal(t, before, snapshot(t, env))

		// Request-level problems.
		noTemplate := workflowRequest("wf", "v1", taskID("double", "v1"))
		noTemplate.Spec.Template = nil
		_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(noTemplate))
		requireCode(t, err, connect.CodeInvalidArgument, "spec.template: required")
		otherID := workflowRequest("wf", "v1", taskID("double", "v1"))
		otherID.Spec.Template.Id.Name = "other"
		_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(otherID))
		requireCode(t, err, connect.CodeInvalidArgument, "spec.template.id: flytesnacks/development/other@v1 does not match id flytesnacks/development/wf@v1")
		require.Equal(t, before, snapshot(t, env))
	})
}

func TestWorkflowLaunchPlanAndSubWorkflowNodes(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		ctx := t.Context()
		createWorkflow(t, env, "inner", "v1")
		createLaunchPlan(t, env, "inner-lp", "v1", "inner", "v1")

		sub := workflowRequest("sub", "v1", taskID("inner-task", "v1")).GetSpec().GetTemplate()
		unused := workflowRequest("unused", "v1", taskID("inner-task", "v1")).GetSpec().GetTemplate()
		outer := &adminv1.WorkflowCreateRequest{
			Id: wfID("outer", "v1"),
			Spec: &adminv1.WorkflowSpec{
				Template: &corev1.WorkflowTemplate{
					Id:        wfID("outer", "v1"),
					Interface: &corev1.TypedInterface{Inputs: varMap("x", tInt), Outputs: varMap("a", tInt, "b", tInt)},
					Nodes: []*corev1.Node{
						{
							// x has a default in the launch plan, so it may stay unbound.
							Id: "launch",
							Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{
								Reference: &corev1.WorkflowNode_LaunchplanRef{LaunchplanRef: lpID("inner-lp", "v1")},
							}},
						},
						{
							Id:     "nested",
							Inputs: []*corev1.Binding{{Var: "x", Binding: promise("start-node", "x")}},
							Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{
								Reference: &corev1.WorkflowNode_SubWorkflowRef{SubWorkflowRef: wfID("sub", "v1")},
							}},
						},
					},
					Outputs: []*corev1.Binding{
						{Var: "a", Binding: promise("launch", "y")},
						{Var: "b", Binding: promise("nested", "y")},
					},
				},
				SubWorkflows: []*corev1.WorkflowTemplate{unused, sub},
			},
		}
		_, err := env.Client.CreateWorkflow(ctx, connect.NewRequest(outer))
		require.NoError(t, err)
		got, err := env.Client.GetWorkflow(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: wfID("outer", "v1")}))
		require.NoError(t, err)
		c := got.Msg.GetClosure().GetCompiledWorkflow()
		require.Len(t, c.GetSubWorkflows(), 1, "only the sub-workflow in use is compiled")
		require.Len(t, c.GetLaunchPlans(), 1)

		// Neither the order of the sub-workflows nor unused ones change the
		// identity of the registration.
		before := snapshot(t, env)
		outer.Spec.SubWorkflows = []*corev1.WorkflowTemplate{sub}
		_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(outer))
		require.NoError(t, err)
		require.Equal(t, before, snapshot(t, env))

		// A launch plan that is not registered is reported with its node.
		outer.Id.Version, outer.Spec.Template.Id.Version = "v2", "v2"
		outer.Spec.Template.Nodes[0].GetWorkflowNode().Reference = &corev1.WorkflowNode_LaunchplanRef{LaunchplanRef: lpID("inner-lp", "v9")}
		_, err = env.Client.CreateWorkflow(ctx, connect.NewRequest(outer))
		requireCode(t, err, connect.CodeInvalidArgument, "node launch: launch plan flytesnacks/development/inner-lp@v9 is not registered")
		require.Equal(t, before, snapshot(t, env))
	})
}
