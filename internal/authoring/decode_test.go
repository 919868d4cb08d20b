package authoring

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// TestWhereEntitiesGo covers the rule for project, domain and version: the
// file or the options, and both only when they agree.
func TestWhereEntitiesGo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		header  string
		opts    Options
		want    [3]string // project, domain, version
		wantErr string
	}{
		{name: "options only", opts: testOpts, want: [3]string{"flytesnacks", "development", "v1"}},
		{name: "file only", header: "project: p\ndomain: staging\nversion: abc123\n", want: [3]string{"p", "staging", "abc123"}},
		{name: "both agree", header: "project: flytesnacks\n", opts: testOpts, want: [3]string{"flytesnacks", "development", "v1"}},
		{name: "mixed", header: "domain: production\n", opts: Options{Project: "p", Version: "7"}, want: [3]string{"p", "production", "7"}},
		{name: "numeric version", header: "version: 2\n", opts: Options{Project: "p", Domain: "d"}, want: [3]string{"p", "d", "2"}},
		{name: "conflict", header: "domain: production\n", opts: testOpts,
			wantErr: `w.yaml:1: domain: the file says "production" but -d/--domain says "development"; remove one of them`},
		{name: "missing", header: "project: p\n", opts: Options{Domain: "d"},
			wantErr: "w.yaml:1: version is not set: write version: in the file or give --version"},
		{name: "bad option", opts: Options{Project: "a/b", Domain: "d", Version: "v"},
			wantErr: `options: project: name "a/b" may only hold letters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := tt.header + "tasks:\n  - {name: t, type: echo}\n"
			b, err := Decode("w.yaml", []byte(src), tt.opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			id := b.Tasks[0].GetId()
			require.Equal(t, tt.want, [3]string{id.GetProject(), id.GetDomain(), id.GetVersion()})
			require.Equal(t, tt.want[2], b.Tasks[0].GetSpec().GetTemplate().GetId().GetVersion())
		})
	}
}

// TestFilesTogether decodes files that refer to each other by name.
func TestFilesTogether(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	tasks := write("tasks.yaml", "tasks:\n  - {name: t, type: echo, inputs: {x: int}, outputs: {x: int}}\n")
	wfs := write("workflows.yaml", `
workflows:
  - name: w
    inputs: {x: int}
    outputs: {x: $n.x}
    nodes: [{id: n, task: t, inputs: {x: $inputs.x}}]
`)
	b, err := DecodeFiles([]string{tasks, wfs}, testOpts)
	require.NoError(t, err)
	require.Len(t, b.Tasks, 1)
	require.Len(t, b.Workflows, 1)
	require.Len(t, b.LaunchPlans, 1, "the default launch plan")
	requireCompiles(t, b)

	// Alone, the workflow file names a task it does not define.
	_, err = DecodeFiles([]string{wfs}, testOpts)
	require.ErrorContains(t, err, "workflows.yaml:6: workflow w: node n: task: task t is not defined in these files")

	// The same task in two files.
	_, err = DecodeFiles([]string{tasks, tasks}, testOpts)
	require.ErrorContains(t, err, "task flytesnacks/development/t@v1 is defined twice (first at "+tasks+":2)")

	_, err = DecodeFiles([]string{filepath.Join(dir, "missing.yaml")}, testOpts)
	require.ErrorContains(t, err, "read "+filepath.Join(dir, "missing.yaml"))

	_, err = DecodeFiles(nil, testOpts)
	require.ErrorContains(t, err, "no files to decode")
}

// TestIDLCompletesIdentifiers checks the IDL rules: empty parts of
// identifiers come from the options, references from the entity.
func TestIDLCompletesIdentifiers(t *testing.T) {
	t.Parallel()
	src := `{
  "format": "idl/v1",
  "workflows": [{
    "id": {"name": "w", "project": "other"},
    "spec": {"template": {
      "nodes": [
        {"id": "a", "taskNode": {"referenceId": {"name": "t"}}},
        {"id": "b", "taskNode": {"referenceId": {"name": "t", "version": "v0"}}},
        {"id": "c", "workflowNode": {"launchplanRef": {"name": "lp"}}}
      ]
    }}
  }]
}`
	b, err := Decode("w.json", []byte(src), Options{Domain: "development", Version: "v1"})
	require.NoError(t, err)
	require.Empty(t, b.LaunchPlans, "the IDL format adds no default launch plan")
	w := b.Workflows[0]
	require.Equal(t, "other/development/w@v1", idString(w.GetId()))
	require.Equal(t, "other/development/w@v1", idString(w.GetSpec().GetTemplate().GetId()))
	nodes := w.GetSpec().GetTemplate().GetNodes()
	got := []string{
		idString(nodes[0].GetTaskNode().GetReferenceId()),
		idString(nodes[1].GetTaskNode().GetReferenceId()),
		idString(nodes[2].GetWorkflowNode().GetLaunchplanRef()),
		nodes[2].GetWorkflowNode().GetLaunchplanRef().GetResourceType().String(),
	}
	want := []string{"other/development/t@v1", "other/development/t@v0", "other/development/lp@v1", "RESOURCE_TYPE_LAUNCH_PLAN"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.yaml", Line: 3, Where: "task t: retries", Msg: "want an integer"}, "a.yaml:3: task t: retries: want an integer"},
		{&Error{File: "a.yaml", Msg: "the file defines nothing"}, "a.yaml: the file defines nothing"},
		{&Error{File: "a.yaml", Line: 1, Msg: "m"}, "a.yaml:1: m"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.err.Error())
	}
	require.Equal(t, "a.yaml:1: m\nb.yaml: n", Errors{{File: "a.yaml", Line: 1, Msg: "m"}, {File: "b.yaml", Msg: "n"}}.Error())
}

// TestTooManyProblems checks that a file wrong everywhere yields a bounded list.
func TestTooManyProblems(t *testing.T) {
	t.Parallel()
	src := "tasks:\n"
	for range maxErrors + 20 {
		src += "  - {name: t, type: bogus}\n"
	}
	_, err := Decode("many.yaml", []byte(src), testOpts)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, maxErrors+1)
	require.Contains(t, errs[maxErrors].Error(), "too many problems")
}
