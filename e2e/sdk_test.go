package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/storage/storagetest"
)

// The Go SDK example program is built once per test binary run, next to
// the platform's binaries.
var (
	sdkOnce sync.Once
	sdkErr  error
)

// sdkPrograms returns the paths of the example pipeline and of the error
// kinds program (testdata/sdkerrors).
func sdkPrograms(t *testing.T) (pipeline, sdkerrors string) {
	t.Helper()
	bins(t) // makes binDir
	sdkOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", binDir, "../examples/go/cmd/pipeline", "./testdata/sdkerrors").CombinedOutput()
		if err != nil {
			sdkErr = &buildError{out: string(out), err: err}
		}
	})
	require.NoError(t, sdkErr)
	return filepath.Join(binDir, "pipeline"), filepath.Join(binDir, "sdkerrors")
}

// sdkRegister runs `PROGRAM register` against the platform.
func sdkRegister(t *testing.T, program string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, program, append([]string{"register"}, args...)...).CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

// TestSDKPipeline registers the Go example with its own binary on `flyte
// start` and runs it there: the engine runs `pipeline execute` for every
// attempt, with a map, a cached task, a dynamic workflow, a conditional and
// a file output; then a run whose task fails with a user error.
func TestSDKPipeline(t *testing.T) {
	t.Parallel()
	app, _ := sdkPrograms(t)
	p := startPlatform(t, nil, "start", "--data-dir", t.TempDir(), "--port", "0")
	h := p.host
	pd := []string{"-h", h, "-p", "sdk", "-d", "development"}
	with := func(args ...string) []string { return append(args, pd...) }
	ok(t, "register-project", "-h", h, "-p", "sdk", "--name", "SDK")

	out := sdkRegister(t, app, append([]string{"--version", "v1", "--activate"}, pd...)...)
	require.Contains(t, out, "registered workflow sdk/development/data_pipeline@v1")
	require.Contains(t, out, "activated launch plan sdk/development/data_pipeline_nightly@v1")

	out2 := ok(t, with("create", "execution", "--launchplan", "data_pipeline", "--input", "shards=3", "--input", "threshold=10",
		"--name", "sdk1", "--wait")...)
	require.Contains(t, out2, "SUCCEEDED")
	outputs := ok(t, with("get", "execution", "sdk1", "--outputs")...)
	require.Contains(t, outputs, "high: mean")
	require.Contains(t, outputs, "report.md")
	details := ok(t, with("get", "execution", "sdk1", "--details")...)
	for _, node := range []string{"generate", "summarize", "aggregate", "check_all", "check-0", "check-2", "verdict", "label-high", "report"} {
		require.Contains(t, details, node)
	}

	// The same inputs again: the cached task is not run a second time.
	ok(t, with("create", "execution", "--launchplan", "data_pipeline", "--input", "shards=3", "--input", "threshold=10",
		"--name", "sdk2", "--wait")...)
	details = ok(t, with("get", "execution", "sdk2", "--details")...)
	var aggregate string
	for _, line := range strings.Split(details, "\n") {
		if strings.Contains(line, "aggregate") {
			aggregate = line
		}
	}
	require.Contains(t, aggregate, "sdk1", "the aggregate node's cache hit names the execution that filled it:\n%s", details)

	// A user error is not retried and reaches the execution with its message.
	r := cli(t, with("create", "execution", "--launchplan", "data_pipeline", "--input", "shards=0", "--name", "sdk3", "--wait")...)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout+r.stderr, "shards (0) and size (100) must be at least 1")
	p.stop(t)
}

// TestSDKPipelineOnS3 runs the Go example on `flyte start` with its data in
// a real S3 server that the platform knows only from flags: the engine
// passes the store's settings to the task processes, which read inputs.pb
// and write outputs.pb and the report file there.
func TestSDKPipelineOnS3(t *testing.T) {
	t.Parallel()
	app, _ := sdkPrograms(t)
	s3URL, creds := storagetest.StartS3(t)
	p := startPlatform(t, nil, "start", "--data-dir", t.TempDir(), "--port", "0", "--storage-url", s3URL,
		"--storage-access-key-id", creds.AccessKeyID, "--storage-secret-access-key", creds.SecretAccessKey)
	require.Contains(t, p.output.String(), "s3://")
	pd := []string{"-h", p.host, "-p", "sdk", "-d", "development"}
	ok(t, "register-project", "-h", p.host, "-p", "sdk", "--name", "SDK")
	sdkRegister(t, app, append([]string{"--version", "v1"}, pd...)...)

	out := ok(t, append([]string{"create", "execution", "--launchplan", "data_pipeline", "--input", "shards=2", "--name", "s3run", "--wait"}, pd...)...)
	require.Contains(t, out, "SUCCEEDED")
	outputs := ok(t, append([]string{"get", "execution", "s3run", "--outputs"}, pd...)...)
	require.Contains(t, outputs, "s3://"+storagetest.Bucket+"/", "the report file was uploaded to the platform's bucket:\n%s", outputs)
	p.stop(t)
}

// TestSDKErrorKinds runs a Go task that fails in each way on `flyte
// start`: user errors are not retried, recoverable ones use the retries,
// system errors reach the execution as such, and a panic is a user error.
func TestSDKErrorKinds(t *testing.T) {
	t.Parallel()
	_, app := sdkPrograms(t)
	p := startPlatform(t, nil, "start", "--data-dir", t.TempDir(), "--port", "0")
	h := p.host
	pd := []string{"-h", h, "-p", "sdkerr", "-d", "development"}
	with := func(args ...string) []string { return append(args, pd...) }
	ok(t, "register-project", "-h", h, "-p", "sdkerr", "--name", "SDK errors")
	sdkRegister(t, app, append([]string{"--version", "v1"}, pd...)...)

	out := ok(t, with("create", "execution", "--launchplan", "failing", "--input", "kind=none", "--name", "none", "--wait")...)
	require.Contains(t, out, "fine")
	for _, tc := range []struct {
		kind, attempts, message, errorKind string
	}{
		{"user", "1", "the data is wrong", "USER"},
		{"recoverable", "3", "try again later", "USER"},
		{"system", "1", "the database is gone", "SYSTEM"},
		{"panic", "1", "assignment to entry in nil map", "USER"},
	} {
		r := cli(t, with("create", "execution", "--launchplan", "failing", "--input", "kind="+tc.kind, "--name", tc.kind, "--wait")...)
		require.Equal(t, 1, r.code, r.stdout+r.stderr)
		require.Contains(t, r.stdout+r.stderr, tc.message)
		details := ok(t, with("get", "execution", tc.kind, "--details")...)
		var row []string
		for _, line := range strings.Split(details, "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "fail" {
				row = f
			}
		}
		require.NotNil(t, row, "node fail in:\n%s", details)
		require.Equal(t, []string{"fail", "FAILED", tc.attempts}, row[:3], tc.kind)
		require.Contains(t, ok(t, with("get", "execution", tc.kind, "-o", "yaml")...), "ERROR_KIND_"+tc.errorKind, tc.kind)
	}
	p.stop(t)
}
