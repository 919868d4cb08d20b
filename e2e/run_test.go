package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunWorkflows runs real workflows on `flyte start` through flyte-cli:
// a one-task workflow, the multi-node pipeline (list, map, branch, cached
// task), a failing task with retries, and a terminated sleep.
func TestRunWorkflows(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, nil, "start", "--data-dir", t.TempDir(), "--port", "0")
	h := p.host
	pd := []string{"-h", h, "-p", "runs", "-d", "development"}
	with := func(args ...string) []string { return append(args, pd...) }
	ok(t, "register-project", "-h", h, "-p", "runs", "--name", "Runs")
	examples, err := filepath.Glob("../examples/*.yaml")
	require.NoError(t, err)
	ok(t, with(append([]string{"register", "files", "--version", "v1", "--activate"}, examples...)...)...)

	out := ok(t, with("create", "execution", "--launchplan", "hello", "--input", "name=Flyte", "--name", "hello1", "--wait")...)
	require.Contains(t, out, "hello, Flyte!")
	out = ok(t, with("get", "execution", "hello1", "--outputs")...)
	require.Contains(t, out, "hello, Flyte!")
	out = ok(t, with("get", "executions", "--phase", "SUCCEEDED")...)
	require.Contains(t, out, "hello1")

	out = ok(t, with("create", "execution", "--launchplan", "pipeline", "--name", "pipe1", "--wait")...)
	require.Contains(t, out, "SUCCEEDED")
	require.Contains(t, out, "55")
	out = ok(t, with("get", "execution", "pipe1", "--details")...)
	for _, node := range []string{"numbers", "squares", "total"} {
		require.Contains(t, out, node)
	}

	// A task that always fails: retried, then the execution fails and the
	// CLI says so with exit code 1; its logs are kept per attempt.
	failing := filepath.Join(t.TempDir(), "failing.yaml")
	require.NoError(t, os.WriteFile(failing, []byte(`
tasks:
  - name: flaky
    outputs: {n: int}
    command: [sh, -c, 'echo "attempt failed" >&2; exit 3']
    retries: 1
workflows:
  - name: failing
    outputs: {n: $f.n}
    nodes:
      - id: f
        task: flaky
`), 0o644))
	ok(t, with("register", "files", failing, "--version", "v1", "--activate")...)
	r := cli(t, with("create", "execution", "--launchplan", "failing", "--name", "fail1", "--wait")...)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout+r.stderr, "FAILED")
	require.Contains(t, r.stdout+r.stderr, "exit code 3")
	out = ok(t, with("logs", "fail1", "--node", "f", "--attempt", "1")...)
	require.Contains(t, out, "attempt failed")

	// Terminating a running execution ends it ABORTED with the cause;
	// terminating it again is refused.
	sleeper := filepath.Join(t.TempDir(), "sleeper.yaml")
	require.NoError(t, os.WriteFile(sleeper, []byte(`
tasks:
  - name: long
    command: [sleep, "300"]
workflows:
  - name: sleeper
    nodes:
      - id: s
        task: long
`), 0o644))
	ok(t, with("register", "files", sleeper, "--version", "v1", "--activate")...)
	ok(t, with("create", "execution", "--launchplan", "sleeper", "--name", "sleep1")...)
	ok(t, with("terminate", "sleep1", "--cause", "not needed")...)
	r = cli(t, with("create", "execution", "--launchplan", "sleeper", "--name", "sleep1")...)
	require.Equal(t, 1, r.code)
	out = waitPhase(t, h, "runs", "sleep1", "ABORTED")
	require.Contains(t, out, "not needed")
	r = cli(t, with("terminate", "sleep1", "--cause", "again")...)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "already")
	p.stop(t)
}
