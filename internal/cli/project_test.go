package cli

import (
	"errors"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// The seed document's command line, exactly as written there.
func TestRegisterProjectSeedCommandLine(t *testing.T) {
	t.Parallel()
	h := setup(t)
	args := []string{
		"register-project", "-h", h.host, "-p", "myflyteproject",
		"--name", "My Flyte Project",
		"--description", "My very first project onboarding onto Flyte",
	}
	r := h.run(args...)
	require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)
	require.Equal(t, "registered project myflyteproject\n", r.stdout)
	require.Empty(t, r.stderr)

	requireCalls(t, []call{{Procedure: "RegisterProject", Msg: &adminv1.ProjectRegisterRequest{Project: &adminv1.Project{
		Id: "myflyteproject", Name: "My Flyte Project", Description: "My very first project onboarding onto Flyte",
	}}}}, h.fake.recorded())

	// Plain HTTP to a loopback host, Connect protocol over HTTP/1.1.
	reqs := h.httpRequests()
	require.Len(t, reqs, 1)
	require.Equal(t, httpRequest{Proto: "HTTP/1.1", Method: "POST", ContentType: "application/proto"}, reqs[0])
}

func TestRegisterProjectLabels(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register-project", "-p", "p1", "--name", "P1", "--labels", "team=ml, env=dev", "--labels", "cost=a=b")
	requireCalls(t, []call{{Procedure: "RegisterProject", Msg: &adminv1.ProjectRegisterRequest{Project: &adminv1.Project{
		Id: "p1", Name: "P1", Labels: &adminv1.Labels{Values: map[string]string{"team": "ml", "env": "dev", "cost": "a=b"}},
	}}}}, h.fake.recorded())
}

func TestRegisterProjectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{
			name:     "missing name",
			args:     []string{"register-project", "-p", "p1"},
			wantCode: ExitUsage,
			wantStderr: "error: --name is required: the display name of the project\n" +
				"Run 'flyte-cli register-project --help' for usage.\n",
		},
		{
			name:     "missing project",
			args:     []string{"register-project", "--name", "x"},
			wantCode: ExitUsage,
			wantStderr: "error: -p/--project is required: the id of the project to register\n" +
				"Run 'flyte-cli register-project --help' for usage.\n",
		},
		{
			name:     "bad label",
			args:     []string{"register-project", "-p", "p1", "--name", "x", "--labels", "novalue"},
			wantCode: ExitUsage,
			wantStderr: "error: invalid argument \"novalue\" for \"--labels\" flag: label \"novalue\" is not key=value\n" +
				"Run 'flyte-cli register-project --help' for usage.\n",
		},
		{
			name:     "unexpected argument",
			args:     []string{"register-project", "-p", "p1", "--name", "x", "extra"},
			wantCode: ExitUsage,
			wantStderr: "error: unknown command \"extra\" for \"flyte-cli register-project\"\n" +
				"Run 'flyte-cli register-project --help' for usage.\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			r := h.cli(tc.args...)
			require.Equal(t, tc.wantCode, r.code)
			require.Equal(t, tc.wantStderr, r.stderr)
			require.Empty(t, r.stdout)
			require.Empty(t, h.fake.recorded(), "a rejected command must not call the server")
		})
	}
}

func TestRegisterProjectServerError(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register-project", "-p", "p1", "--name", "P1")
	r := h.cli("register-project", "-p", "p1", "--name", "P1")
	require.Equal(t, ExitFailure, r.code)
	require.Empty(t, r.stdout)
	require.Equal(t, "error: register project p1: already_exists: project \"p1\" already exists\n", r.stderr)
}

func TestGetProjects(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register-project", "-p", "alpha", "--name", "Alpha", "--description", "first", "--labels", "b=2,a=1")
	h.ok("register-project", "-p", "beta", "--name", "Beta")

	out := h.ok("get", "projects")
	want := "" +
		"ID     NAME   STATE   DESCRIPTION  LABELS\n" +
		"alpha  Alpha  ACTIVE  first        a=1,b=2\n" +
		"beta   Beta   ACTIVE  -            -\n"
	require.Equal(t, want, out)

	out = h.ok("get", "project", "beta")
	require.Equal(t, "ID    NAME  STATE   DESCRIPTION  LABELS\nbeta  Beta  ACTIVE  -            -\n", out)

	r := h.cli("get", "projects", "nope")
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "error: get project nope: not_found: project \"nope\" not found\n", r.stderr)
}

func TestGetProjectsJSONAndYAMLParseBack(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register-project", "-p", "alpha", "--name", "Alpha", "--labels", "a=1")
	h.ok("register-project", "-p", "beta", "--name", "Beta", "--description", "second")
	want := &adminv1.Projects{Projects: []*adminv1.Project{
		{Id: "alpha", Name: "Alpha", Labels: &adminv1.Labels{Values: map[string]string{"a": "1"}}, Domains: h.fake.domains},
		{Id: "beta", Name: "Beta", Description: "second", Domains: h.fake.domains},
	}}

	out := h.ok("get", "projects", "-o", "json")
	got := &adminv1.Projects{}
	require.NoError(t, protojson.Unmarshal([]byte(out), got))
	requireProto(t, want, got)

	out = h.ok("get", "projects", "-o", "yaml")
	js, err := yaml.YAMLToJSON([]byte(out))
	require.NoError(t, err)
	got = &adminv1.Projects{}
	require.NoError(t, protojson.Unmarshal(js, got))
	requireProto(t, want, got)
}

func TestGetProjectsPaging(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for _, id := range []string{"p1", "p2", "p3"} {
		h.ok("register-project", "-p", id, "--name", id)
	}

	r := h.cli("get", "projects", "--limit", "2", "--filter", "ne(state,1)", "--sort", "name", "--asc")
	require.Equal(t, ExitOK, r.code)
	require.Equal(t, []string{"ID  NAME  STATE   DESCRIPTION  LABELS", "p1  p1    ACTIVE  -            -", "p2  p2    ACTIVE  -            -"}, lines(r.stdout))
	require.Equal(t, "more results: pass --all to list them, or --token 2 for the next page\n", r.stderr)

	out := h.ok("get", "projects", "--limit", "2", "--token", "2")
	require.Len(t, lines(out), 2)

	out = h.ok("get", "projects", "--limit", "2", "--all")
	require.Len(t, lines(out), 4)

	var listCalls []call
	for _, c := range h.fake.recorded() {
		if c.Procedure == "ListProjects" {
			listCalls = append(listCalls, c)
		}
	}
	sortAsc := &adminv1.Sort{Key: "name", Direction: adminv1.Sort_DIRECTION_ASCENDING}
	requireCalls(t, []call{
		{Procedure: "ListProjects", Msg: &adminv1.ProjectListRequest{Limit: 2, Filters: "ne(state,1)", SortBy: sortAsc}},
		{Procedure: "ListProjects", Msg: &adminv1.ProjectListRequest{Limit: 2, Token: "2"}},
		{Procedure: "ListProjects", Msg: &adminv1.ProjectListRequest{Limit: 2}},
		{Procedure: "ListProjects", Msg: &adminv1.ProjectListRequest{Limit: 2, Token: "2"}},
	}, listCalls)
}

func TestGetDomains(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out := h.ok("get", "domains")
	require.Equal(t, "ID           NAME\ndevelopment  Development\nstaging      Staging\nproduction   Production\n", out)
}

func TestUpdateProject(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register-project", "-p", "p1", "--name", "Old", "--description", "keep me", "--labels", "a=1")

	require.Equal(t, "updated project p1\n", h.ok("update", "project", "p1", "--name", "New", "--archive"))
	require.Equal(t, "updated project p1\n", h.ok("update", "project", "p1", "--labels", "", "--activate"))
	require.Equal(t, "updated project p1\n", h.ok("update", "project", "p1", "--labels", "x=y", "--description", ""))

	var updates []call
	for _, c := range h.fake.recorded() {
		if c.Procedure == "UpdateProject" {
			updates = append(updates, c)
		}
	}
	requireCalls(t, []call{
		{Procedure: "UpdateProject", Msg: &adminv1.Project{
			Id: "p1", Name: "New", Description: "keep me", Labels: &adminv1.Labels{Values: map[string]string{"a": "1"}},
			State: adminv1.Project_PROJECT_STATE_ARCHIVED,
		}},
		{Procedure: "UpdateProject", Msg: &adminv1.Project{Id: "p1", Name: "New", Description: "keep me"}},
		{Procedure: "UpdateProject", Msg: &adminv1.Project{
			Id: "p1", Name: "New", Labels: &adminv1.Labels{Values: map[string]string{"x": "y"}},
		}},
	}, updates)
}

func TestUpdateProjectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"nothing to change", []string{"update", "project", "p1"}, ExitUsage, "error: nothing to update: pass --name, --description, --labels, --archive or --activate"},
		{"both states", []string{"update", "project", "p1", "--archive", "--activate"}, ExitUsage, "error: --archive and --activate cannot be combined"},
		{"empty name", []string{"update", "project", "p1", "--name", " "}, ExitUsage, "error: --name may not be empty"},
		{"no id", []string{"update", "project", "--archive"}, ExitUsage, "error: flyte-cli update project needs the project ID, got 0 arguments"},
		{"unknown project", []string{"update", "project", "nope", "--archive"}, ExitFailure, "error: get project nope: not_found: project \"nope\" not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			r := h.cli(tc.args...)
			require.Equal(t, tc.wantCode, r.code)
			require.Equal(t, tc.wantErr, lines(r.stderr)[0])
			for _, c := range h.fake.recorded() {
				require.NotEqual(t, "UpdateProject", c.Procedure)
			}
		})
	}
}

func TestUpdateProjectServerRejects(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.ok("register-project", "-p", "p1", "--name", "P1")
	h.fake.fail("UpdateProject", connect.NewError(connect.CodeInvalidArgument, errors.New("labels: too many entries")))
	r := h.cli("update", "project", "p1", "--labels", "a=1")
	require.Equal(t, ExitFailure, r.code)
	require.Equal(t, "error: update project p1: invalid_argument: labels: too many entries\n", r.stderr)
	if d := cmp.Diff("", r.stdout); d != "" {
		t.Fatal(d)
	}
}
