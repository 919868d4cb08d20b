package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/flyte-go/flyte/examples/go/pipeline"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/authoring"
	"github.com/flyte-go/flyte/sdk/flyte"
)

func app(stdout, stderr *bytes.Buffer) flyte.App {
	return flyte.App{Entities: []flyte.Entity{pipeline.Pipeline, pipeline.Nightly}, Stdout: stdout, Stderr: stderr,
		Getenv: func(string) string { return "" }}
}

// TestRegisterRoundTrip registers the example with the real admin service
// (which compiles every workflow) on SQLite and PostgreSQL, registers it
// again unchanged, and checks what the server stored.
func TestRegisterRoundTrip(t *testing.T) {
	t.Parallel()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			env := admintest.New(t, driver)
			_, err := env.Client.RegisterProject(t.Context(), connect.NewRequest(&adminv1.ProjectRegisterRequest{
				Project: &adminv1.Project{Id: "demo", Name: "Demo"}}))
			require.NoError(t, err)
			register := func(extra ...string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				args := append([]string{"register", "-h", env.URL, "-p", "demo", "-d", "development", "--version", "v1",
					"--command", "/opt/app/pipeline", "--image", "ghcr.io/example/pipeline:v1"}, extra...)
				code := app(&stdout, &stderr).Run(t.Context(), args)
				return code, stdout.String(), stderr.String()
			}
			code, stdout, stderr := register("--activate")
			require.Equal(t, 0, code, stderr)
			want := []string{
				"registered task demo/development/generate@v1",
				"registered task demo/development/summarize_shard@v1",
				"registered task demo/development/aggregate@v1",
				"registered task demo/development/check_all@v1",
				"registered task demo/development/label@v1",
				"registered task demo/development/report@v1",
				"registered workflow demo/development/data_pipeline@v1",
				"registered launch plan demo/development/data_pipeline_nightly@v1",
				"registered launch plan demo/development/data_pipeline@v1",
				"activated launch plan demo/development/data_pipeline_nightly@v1",
				"activated launch plan demo/development/data_pipeline@v1",
			}
			if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(stdout), "\n")); diff != "" {
				t.Fatalf("register output (-want +got):\n%s", diff)
			}

			// Identical content again succeeds.
			code, _, stderr = register()
			require.Equal(t, 0, code, stderr)

			wf, err := env.Client.GetWorkflow(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "demo", Domain: "development", Name: "data_pipeline", Version: "v1"}}))
			require.NoError(t, err)
			closure := wf.Msg.GetClosure().GetCompiledWorkflow()
			require.NotNil(t, closure, "the server compiled the workflow")
			var nodes []string
			for _, n := range closure.GetPrimary().GetTemplate().GetNodes() {
				nodes = append(nodes, n.GetId())
			}
			require.Equal(t, []string{"generate", "summarize", "aggregate", "check_all", "verdict", "report"}, nodes)
			require.Equal(t, "Generates data, summarizes it shard by shard and writes a report.", wf.Msg.GetShortDescription())

			task, err := env.Client.GetTask(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "demo", Domain: "development", Name: "aggregate", Version: "v1"}}))
			require.NoError(t, err)
			tmpl := task.Msg.GetClosure().GetCompiledTask().GetTemplate()
			require.Equal(t, "container", tmpl.GetType())
			require.Equal(t, []string{"/opt/app/pipeline"}, tmpl.GetContainer().GetCommand())
			require.Equal(t, []string{"execute", "--task", "aggregate", "--inputs", "{{.Input}}", "--output-prefix", "{{.OutputPrefix}}",
				"--raw-output-prefix", "{{.RawOutputPrefix}}"}, tmpl.GetContainer().GetArgs())
			require.Equal(t, "ghcr.io/example/pipeline:v1", tmpl.GetContainer().GetImage())
			md := tmpl.GetMetadata()
			require.True(t, md.GetDiscoverable())
			require.Equal(t, "v1", md.GetDiscoveryVersion())
			require.True(t, md.GetCacheSerializable())
			require.Equal(t, "go", md.GetRuntime().GetFlavor())

			dyn, err := env.Client.GetTask(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "demo", Domain: "development", Name: "check_all", Version: "v1"}}))
			require.NoError(t, err)
			args := dyn.Msg.GetClosure().GetCompiledTask().GetTemplate().GetContainer().GetArgs()
			require.Equal(t, []string{"--project", "demo", "--domain", "development", "--version", "v1", "--command", "/opt/app/pipeline",
				"--image", "ghcr.io/example/pipeline:v1"}, args[len(args)-10:], "a dynamic task knows where the tasks it generates live")

			lp, err := env.Client.GetActiveLaunchPlan(t.Context(), connect.NewRequest(&adminv1.ActiveLaunchPlanRequest{Id: &corev1.NamedEntityIdentifier{
				Project: "demo", Domain: "development", Name: "data_pipeline_nightly"}}))
			require.NoError(t, err)
			require.Equal(t, "0 3 * * *", lp.Msg.GetSpec().GetEntityMetadata().GetSchedule().GetCronSchedule().GetSchedule())
			expected := lp.Msg.GetClosure().GetExpectedInputs().GetParameters()
			var names []string
			for k := range expected {
				names = append(names, k)
			}
			slices.Sort(names)
			require.Equal(t, []string{"seed", "shards", "threshold", "title"}, names, "size is fixed")
			require.Equal(t, int64(8), expected["shards"].GetDefault().GetScalar().GetPrimitive().GetInteger())

			// Other content under the same version is refused with the
			// admin's message.
			var out, errb bytes.Buffer
			changed := flyte.NewTask("generate", pipelineGenerateFn, flyte.Retries(5))
			code = flyte.App{Entities: []flyte.Entity{changed}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}.Run(t.Context(),
				[]string{"register", "-h", env.URL, "-p", "demo", "-d", "development", "--version", "v1", "--command", "/opt/app/pipeline", "--image", "ghcr.io/example/pipeline:v1"})
			require.Equal(t, 1, code)
			require.Contains(t, errb.String(), "register task demo/development/generate@v1")
			require.Contains(t, errb.String(), "already_exists")
		})
	}
}

// pipelineGenerateFn is a function of the generate task's type, for a
// task that differs from the registered one.
var pipelineGenerateFn = func(_ context.Context, in pipeline.GenerateIn) (pipeline.GenerateOut, error) {
	return pipeline.GenerateOut{}, nil
}

// TestDryRunIsARegistrableFile checks that --dry-run prints a file of the
// IDL format that flyte-cli's decoder reads back to the same requests.
func TestDryRunIsARegistrableFile(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "yaml"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := app(&stdout, &stderr).Run(t.Context(), []string{"register", "-p", "demo", "-d", "development", "--version", "v2",
				"--command", "/bin/pipeline", "--dry-run", "-o", format})
			require.Equal(t, 0, code, stderr.String())
			file := filepath.Join(t.TempDir(), "bundle."+format)
			require.NoError(t, os.WriteFile(file, stdout.Bytes(), 0o644))
			b, err := authoring.DecodeFiles([]string{file}, authoring.Options{})
			require.NoError(t, err)
			require.Len(t, b.Tasks, 6)
			require.Len(t, b.Workflows, 1)
			require.Len(t, b.LaunchPlans, 2)
			data, err := authoring.Encode(b)
			require.NoError(t, err)
			if format == "json" {
				require.JSONEq(t, stdout.String(), string(data), "decoding and encoding again changes nothing")
			}
			for _, task := range b.Tasks {
				require.Equal(t, "v2", task.GetId().GetVersion())
				require.Empty(t, cmp.Diff(task.GetId(), task.GetSpec().GetTemplate().GetId(), protocmp.Transform()))
			}
		})
	}
}
