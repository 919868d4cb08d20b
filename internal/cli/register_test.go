package cli

import (
	"errors"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/authoring"
)

// helloFile defines a task, a workflow (which gets a default launch plan)
// and a scheduled launch plan.
const helloFile = "testdata/hello.yaml"

// helloCalls is the create calls registering helloFile must make, in order.
func helloCalls(t *testing.T) []call {
	t.Helper()
	b, err := authoring.DecodeFiles([]string{helloFile}, authoring.Options{Project: "p", Domain: "development", Version: "v1"})
	require.NoError(t, err)
	require.Len(t, b.Tasks, 1)
	require.Len(t, b.Workflows, 1)
	require.Len(t, b.LaunchPlans, 2)
	return []call{
		{Procedure: "CreateTask", Msg: b.Tasks[0]},
		{Procedure: "CreateWorkflow", Msg: b.Workflows[0]},
		{Procedure: "CreateLaunchPlan", Msg: b.LaunchPlans[0]},
		{Procedure: "CreateLaunchPlan", Msg: b.LaunchPlans[1]},
	}
}

func TestRegisterFiles(t *testing.T) {
	t.Parallel()
	h := setup(t)
	args := []string{"register", "files", helloFile, "-p", "p", "-d", "development", "--version", "v1"}

	out := h.ok(args...)
	require.Equal(t, []string{
		"registered task p/development/greet@v1",
		"registered workflow p/development/hello@v1",
		"registered launch plan p/development/hello@v1",
		"registered launch plan p/development/hello_nightly@v1",
	}, lines(out))
	requireCalls(t, helloCalls(t), h.fake.recorded())

	// Registering the same content again succeeds and stores nothing new.
	out = h.ok(args...)
	require.Equal(t, []string{
		"registered task p/development/greet@v1",
		"registered workflow p/development/hello@v1",
		"registered launch plan p/development/hello@v1",
		"registered launch plan p/development/hello_nightly@v1",
	}, lines(out))
	require.Len(t, h.fake.tasks, 1)
}

func TestRegisterFilesActivate(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out := h.ok("register", "files", helloFile, "-p", "p", "-d", "development", "--version", "v1", "--activate")
	require.Equal(t, []string{
		"registered task p/development/greet@v1",
		"registered workflow p/development/hello@v1",
		"registered launch plan p/development/hello@v1",
		"registered launch plan p/development/hello_nightly@v1",
		"activated launch plan p/development/hello@v1",
		"activated launch plan p/development/hello_nightly@v1",
	}, lines(out))
	out = h.ok("get", "launchplans", "--active", "-p", "p", "-d", "development")
	require.Len(t, lines(out), 3)
}

func TestRegisterFilesStopsAtFirstError(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.fake.fail("CreateWorkflow", connect.NewError(connect.CodeInvalidArgument, errors.New("node greet: input name: no such variable")))
	r := h.cli("register", "files", helloFile, "-p", "p", "-d", "development", "--version", "v1", "--activate")
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "registered task p/development/greet@v1\n", r.stdout)
	require.Equal(t, "error: register workflow p/development/hello@v1: invalid_argument: node greet: input name: no such variable\n", r.stderr)
	requireCalls(t, helloCalls(t)[:2], h.fake.recorded())
}

func TestRegisterFilesDifferentContent(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register", "files", helloFile, "-p", "p", "-d", "development", "--version", "v1")
	changed := h.writeFile("changed.yaml", "tasks:\n  - name: greet\n    type: echo\n    inputs:\n      who: str\n    outputs:\n      who: str\n")
	r := h.cli("register", "files", changed, "-p", "p", "-d", "development", "--version", "v1")
	require.Equal(t, ExitFailure, r.code)
	require.Empty(t, r.stdout)
	require.Equal(t, "error: register task p/development/greet@v1: already_exists: p/development/greet@v1 already exists with different content\n", r.stderr)
}

func TestRegisterFilesDryRun(t *testing.T) {
	t.Parallel()
	h := setup(t)
	// No server is needed: the host is not even reachable.
	r := h.run("register", "files", helloFile, "-p", "p", "-d", "development", "--version", "v1", "--dry-run", "--activate", "-h", "127.0.0.1:1")
	require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)
	require.Equal(t, []string{
		"would register task p/development/greet@v1",
		"would register workflow p/development/hello@v1",
		"would register launch plan p/development/hello@v1",
		"would register launch plan p/development/hello_nightly@v1",
		"would activate launch plan p/development/hello@v1",
		"would activate launch plan p/development/hello_nightly@v1",
	}, lines(r.stdout))
	require.Empty(t, h.fake.recorded())
}

func TestRegisterFilesUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no files", []string{"register", "files", "-p", "p", "-d", "d", "--version", "v1"}, "error: flyte-cli register files needs at least one FILE"},
		{"no version", []string{"register", "files", helloFile, "-p", "p", "-d", "development"}, "error: " + helloFile + ":"},
		{"bad type", []string{"register", "files", "testdata/bad.yaml", "-p", "p", "-d", "development", "--version", "v1"}, "error: testdata/bad.yaml:5: task greet: inputs: name: type \"strng\": unknown type"},
		{"missing file", []string{"register", "files", "testdata/nope.yaml", "-p", "p", "-d", "development", "--version", "v1"}, "error: read testdata/nope.yaml: open testdata/nope.yaml: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			r := h.cli(tc.args...)
			require.Equal(t, ExitUsage, r.code, "stderr: %s", r.stderr)
			require.Contains(t, lines(r.stderr)[0], tc.wantErr)
			require.Empty(t, r.stdout)
			require.Empty(t, h.fake.recorded())
		})
	}
}

// --dry-run -o json|yaml prints the decoded entities as an IDL file that
// decodes back to the same entities.
func TestRegisterFilesDryRunEncoded(t *testing.T) {
	t.Parallel()
	h := setup(t)
	want := helloCalls(t)
	for _, format := range []string{"json", "yaml"} {
		out := h.ok("register", "files", helloFile, "-p", "p", "-d", "development", "--version", "v1", "--dry-run", "-o", format)
		b, err := authoring.Decode("dry-run."+format, []byte(out), authoring.Options{})
		require.NoError(t, err, format)
		var got []call
		for _, tk := range b.Tasks {
			got = append(got, call{Procedure: "CreateTask", Msg: tk})
		}
		for _, w := range b.Workflows {
			got = append(got, call{Procedure: "CreateWorkflow", Msg: w})
		}
		for _, lp := range b.LaunchPlans {
			got = append(got, call{Procedure: "CreateLaunchPlan", Msg: lp})
		}
		requireCalls(t, want, got)
	}
	require.Empty(t, h.fake.recorded())
}
