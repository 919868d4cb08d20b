package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

const taskResourceFile = `project: p
domain: development
attributes:
  taskResourceAttributes:
    defaults: {cpu: 500m, memory: 1Gi}
    limits: {cpu: "2", memory: 4Gi}
`

var taskResources = &adminv1.MatchingAttributes{Target: &adminv1.MatchingAttributes_TaskResourceAttributes{
	TaskResourceAttributes: &adminv1.TaskResourceAttributes{
		Defaults: &adminv1.TaskResourceSpec{Cpu: "500m", Memory: "1Gi"},
		Limits:   &adminv1.TaskResourceSpec{Cpu: "2", Memory: "4Gi"},
	},
}}

func TestAttributesLevels(t *testing.T) {
	t.Parallel()
	h := setup(t)
	file := h.writeFile("attrs.yaml", taskResourceFile)

	// The file names project and domain: project-domain level.
	require.Equal(t, "updated TASK_RESOURCE attributes of project p domain development\n",
		h.ok("update", "attributes", "--attr-file", file))
	// --workflow moves it to the workflow level.
	require.Equal(t, "updated TASK_RESOURCE attributes of project p domain development workflow wf\n",
		h.ok("update", "attributes", "--attr-file", file, "--workflow", "wf"))
	// -p overrides the file's project.
	require.Equal(t, "updated TASK_RESOURCE attributes of project q domain development\n",
		h.ok("update", "attributes", "--attr-file", file, "-p", "q"))
	// A file without domain sets the project level.
	projFile := h.writeFile("proj.yaml", "project: p\nattributes:\n  executionQueueAttributes:\n    tags: [gpu, fast]\n")
	require.Equal(t, "updated EXECUTION_QUEUE attributes of project p\n",
		h.ok("update", "attributes", "--attr-file", projFile))

	requireCalls(t, []call{
		{Procedure: "UpdateProjectDomainAttributes", Msg: &adminv1.ProjectDomainAttributesUpdateRequest{
			Attributes: &adminv1.ProjectDomainAttributes{Project: "p", Domain: "development", MatchingAttributes: taskResources},
		}},
		{Procedure: "UpdateWorkflowAttributes", Msg: &adminv1.WorkflowAttributesUpdateRequest{
			Attributes: &adminv1.WorkflowAttributes{Project: "p", Domain: "development", Workflow: "wf", MatchingAttributes: taskResources},
		}},
		{Procedure: "UpdateProjectDomainAttributes", Msg: &adminv1.ProjectDomainAttributesUpdateRequest{
			Attributes: &adminv1.ProjectDomainAttributes{Project: "q", Domain: "development", MatchingAttributes: taskResources},
		}},
		{Procedure: "UpdateProjectAttributes", Msg: &adminv1.ProjectAttributesUpdateRequest{
			Attributes: &adminv1.ProjectAttributes{Project: "p", MatchingAttributes: &adminv1.MatchingAttributes{
				Target: &adminv1.MatchingAttributes_ExecutionQueueAttributes{ExecutionQueueAttributes: &adminv1.ExecutionQueueAttributes{Tags: []string{"gpu", "fast"}}},
			}},
		}},
	}, h.fake.recorded())
}

func TestGetAttributes(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("update", "attributes", "--attr-file", h.writeFile("a.yaml", taskResourceFile))

	out := h.ok("get", "attributes", "task_resource", "-p", "p", "-d", "development")
	want := "" +
		"PROJECT  DOMAIN       WORKFLOW  LAUNCH_PLAN  TYPE           VALUE\n" +
		`p        development  -         -            TASK_RESOURCE  {"taskResourceAttributes":{"defaults":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"2","memory":"4Gi"}}}` + "\n"
	require.Equal(t, want, out)

	// -o yaml prints a file that update accepts and that parses back.
	out = h.ok("get", "attributes", "TASK-RESOURCE", "-p", "p", "-d", "development", "-o", "yaml")
	js, err := yaml.YAMLToJSON([]byte(out))
	require.NoError(t, err)
	got := &adminv1.MatchableAttributesConfiguration{}
	require.NoError(t, protojson.Unmarshal(js, got))
	requireProto(t, &adminv1.MatchableAttributesConfiguration{Project: "p", Domain: "development", Attributes: taskResources}, got)
	roundTrip := h.writeFile("rt.yaml", out)
	h.ok("update", "attributes", "--attr-file", roundTrip, "-d", "staging")

	out = h.ok("get", "attributes", "MATCHABLE_RESOURCE_TASK_RESOURCE", "--list", "-o", "json")
	list := &adminv1.ListMatchableAttributesResponse{}
	require.NoError(t, protojson.Unmarshal([]byte(out), list))
	requireProto(t, &adminv1.ListMatchableAttributesResponse{Configurations: []*adminv1.MatchableAttributesConfiguration{
		{Project: "p", Domain: "development", Attributes: taskResources},
		{Project: "p", Domain: "staging", Attributes: taskResources},
	}}, list)

	// The config file's domain is not used: without -d it is the project level.
	cfg := h.writeFile("config.yaml", "project: p\ndomain: development\n")
	r := h.cli("get", "attributes", "task_resource", "--config", cfg)
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "error: get TASK_RESOURCE attributes of project p: not_found: no TASK_RESOURCE attributes for p//\n", r.stderr)

	calls := h.fake.recorded()
	requireCalls(t, []call{
		{Procedure: "GetProjectDomainAttributes", Msg: &adminv1.ProjectDomainAttributesGetRequest{
			Project: "p", Domain: "development", ResourceType: adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE,
		}},
	}, calls[1:2])
	requireCalls(t, []call{
		{Procedure: "GetProjectAttributes", Msg: &adminv1.ProjectAttributesGetRequest{
			Project: "p", ResourceType: adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE,
		}},
	}, calls[len(calls)-1:])
}

func TestDeleteAttributes(t *testing.T) {
	t.Parallel()
	h := setup(t)
	file := h.writeFile("a.yaml", taskResourceFile)
	h.ok("update", "attributes", "--attr-file", file)
	h.ok("update", "attributes", "--attr-file", file, "--workflow", "wf")

	require.Equal(t, "deleted TASK_RESOURCE attributes of project p domain development workflow wf\n",
		h.ok("delete", "attributes", "task_resource", "-p", "p", "-d", "development", "--workflow", "wf"))
	require.Equal(t, "deleted TASK_RESOURCE attributes of project p domain development\n",
		h.ok("delete", "attributes", "--attr-file", file))
	r := h.cli("delete", "attributes", "--attr-file", file)
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "error: delete TASK_RESOURCE attributes of project p domain development: not_found: no TASK_RESOURCE attributes for p/development/\n", r.stderr)

	calls := h.fake.recorded()
	requireCalls(t, []call{
		{Procedure: "DeleteWorkflowAttributes", Msg: &adminv1.WorkflowAttributesDeleteRequest{
			Project: "p", Domain: "development", Workflow: "wf", ResourceType: adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE,
		}},
		{Procedure: "DeleteProjectDomainAttributes", Msg: &adminv1.ProjectDomainAttributesDeleteRequest{
			Project: "p", Domain: "development", ResourceType: adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE,
		}},
	}, calls[2:4])
}

func TestAttributesUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    func(h *harness) []string
		wantErr string
	}{
		{
			name:    "unknown type",
			args:    func(*harness) []string { return []string{"get", "attributes", "cpu", "-p", "p"} },
			wantErr: `error: attribute type "cpu": want one of task_resource, cluster_resource, execution_queue, execution_cluster_label, quality_of_service_specification, plugin_override, workflow_execution_config, cluster_assignment`,
		},
		{
			name:    "unspecified type",
			args:    func(*harness) []string { return []string{"get", "attributes", "unspecified", "-p", "p"} },
			wantErr: `error: attribute type "unspecified": want one of task_resource, cluster_resource, execution_queue, execution_cluster_label, quality_of_service_specification, plugin_override, workflow_execution_config, cluster_assignment`,
		},
		{
			name:    "no project",
			args:    func(*harness) []string { return []string{"get", "attributes", "task_resource"} },
			wantErr: "error: project is required: pass -p/--project, set project in the attribute file or the config file",
		},
		{
			name: "workflow without domain",
			args: func(*harness) []string {
				return []string{"get", "attributes", "task_resource", "-p", "p", "--workflow", "wf"}
			},
			wantErr: `error: workflow "wf" needs a domain: pass -d/--domain or set domain in the attribute file`,
		},
		{
			name:    "update without file",
			args:    func(*harness) []string { return []string{"update", "attributes", "-p", "p"} },
			wantErr: "error: --attr-file is required",
		},
		{
			name: "unknown field in file",
			args: func(h *harness) []string {
				return []string{"update", "attributes", "--attr-file", h.writeFile("bad.yaml", "project: p\nattributes:\n  taskResources: {}\n")}
			},
			wantErr: `error: attribute file %s: proto:`,
		},
		{
			name: "no setting in file",
			args: func(h *harness) []string {
				return []string{"update", "attributes", "--attr-file", h.writeFile("bad.yaml", "project: p\n")}
			},
			wantErr: "error: attribute file %s: attributes: no setting given (for example attributes.taskResourceAttributes)",
		},
		{
			name: "launch plan level",
			args: func(h *harness) []string {
				return []string{"update", "attributes", "--attr-file", h.writeFile("bad.yaml", "project: p\nlaunchPlan: lp\nattributes:\n  executionClusterLabel: {value: x}\n")}
			},
			wantErr: "error: attribute file %s: launchPlan: launch plan level attributes are not supported; use project, domain and workflow",
		},
		{
			name: "delete with type and file",
			args: func(h *harness) []string {
				return []string{"delete", "attributes", "task_resource", "--attr-file", h.writeFile("a.yaml", taskResourceFile)}
			},
			wantErr: "error: give the attribute TYPE or --attr-file, not both",
		},
		{
			name:    "delete with neither",
			args:    func(*harness) []string { return []string{"delete", "attributes", "-p", "p"} },
			wantErr: "error: give the attribute TYPE or --attr-file",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			args := tc.args(h)
			r := h.cli(args...)
			require.Equal(t, ExitUsage, r.code, "stderr: %s", r.stderr)
			want := tc.wantErr
			for i, a := range args {
				if a == "--attr-file" {
					want = strings.Replace(want, "%s", args[i+1], 1)
				}
			}
			require.Contains(t, lines(r.stderr)[0], want)
			require.Empty(t, h.fake.recorded())
		})
	}
}

func TestParseAttrFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    *adminv1.MatchableAttributesConfiguration
		wantErr string
	}{
		{name: "yaml", in: taskResourceFile, want: &adminv1.MatchableAttributesConfiguration{Project: "p", Domain: "development", Attributes: taskResources}},
		{
			name: "json with proto names",
			in:   `{"project":"p","workflow":"w","attributes":{"execution_cluster_label":{"value":"gpu"}}}`,
			want: &adminv1.MatchableAttributesConfiguration{Project: "p", Workflow: "w", Attributes: &adminv1.MatchingAttributes{
				Target: &adminv1.MatchingAttributes_ExecutionClusterLabel{ExecutionClusterLabel: &adminv1.ExecutionClusterLabel{Value: "gpu"}},
			}},
		},
		{name: "empty", in: " \n", wantErr: "the file is empty"},
		{name: "not yaml", in: "a: [", wantErr: "yaml: line 1: did not find expected node content"},
		{name: "list", in: "- a\n", wantErr: "syntax error (line 1:1): unexpected token ["},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAttrFile([]byte(tc.in))
			if tc.wantErr != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			requireProto(t, tc.want, got)
		})
	}
}
