package e2e

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binaries are built once per test binary run.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// bins returns the paths of freshly built flyte and flyte-cli binaries.
func bins(t *testing.T) (flyte, cli string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "flyte-e2e-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir, "../cmd/flyte", "../cmd/flyte-cli")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = &buildError{out: string(out), err: err}
		}
	})
	require.NoError(t, buildErr)
	return filepath.Join(binDir, "flyte"), filepath.Join(binDir, "flyte-cli")
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// platform is a running `flyte` process.
type platform struct {
	cmd    *exec.Cmd
	host   string // host:port of the admin API; empty when it serves none
	output *syncBuffer
	done   chan error
}

// bannerEnd starts the banner's last line.
const bannerEnd = "Stop with Ctrl-C"

var apiLine = regexp.MustCompile(`Admin API \S+ \S+ \S+\s+http://(\S+)`)

// startPlatform runs `flyte args...` and waits until its banner names the
// API address. The process is killed when the test ends if still running.
func startPlatform(t *testing.T, env []string, args ...string) *platform {
	t.Helper()
	flyte, _ := bins(t)
	cmd := exec.Command(flyte, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &platform{cmd: cmd, output: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.output
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	// The host is sent once the whole banner is out, so callers can read it.
	hostc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		host := ""
		for sc.Scan() {
			line := sc.Text()
			p.output.Write([]byte(line + "\n"))
			if m := apiLine.FindStringSubmatch(line); m != nil {
				host = m[1]
			}
			if strings.HasPrefix(line, bannerEnd) { // host stays empty without an admin API
				hostc <- host
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case p.host = <-hostc:
	case err := <-p.done:
		t.Fatalf("flyte exited before serving: %v\n%s", err, p.output.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("flyte did not print its banner within 60s:\n%s", p.output.String())
	}
	return p
}

// stop sends SIGTERM and requires a clean exit within the deadline.
func (p *platform) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "flyte did not exit cleanly on SIGTERM:\n%s", p.output.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("flyte did not stop within 30s of SIGTERM:\n%s", p.output.String())
	}
}

// result is what one flyte-cli run printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs flyte-cli with args and an empty config (HOME is a temp dir).
func cli(t *testing.T, args ...string) result {
	t.Helper()
	_, bin := bins(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "FLYTE_CLI_CONFIG=", "FLYTE_ADMIN_ENDPOINT=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		require.True(t, ok, "run flyte-cli: %v", err)
		code = exitErr.ExitCode()
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// ok runs flyte-cli and requires success.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := cli(t, args...)
	require.Equal(t, 0, r.code, "flyte-cli %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.stdout, r.stderr)
	return r.stdout
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// runFlyte runs a short flyte command and requires success.
func runFlyte(t *testing.T, flyte string, args ...string) string {
	t.Helper()
	out, code := runFlyteCode(t, flyte, args...)
	require.Equal(t, 0, code, "flyte %s:\n%s", strings.Join(args, " "), out)
	return out
}

// runFlyteCode runs a short flyte command and returns its combined output and exit code.
func runFlyteCode(t *testing.T, flyte string, args ...string) (string, int) {
	t.Helper()
	return runFlyteEnv(t, nil, flyte, args...)
}

// runFlyteEnv is runFlyteCode with extra environment variables.
func runFlyteEnv(t *testing.T, env []string, flyte string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, flyte, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		require.True(t, ok, "run flyte: %v", err)
		return string(out), exitErr.ExitCode()
	}
	return string(out), 0
}

// waitPhase polls `get execution NAME` until it shows phase, with a deadline,
// and returns the last output.
func waitPhase(t *testing.T, host, project, name, phase string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := ok(t, "get", "execution", name, "-h", host, "-p", project, "-d", "development", "-o", "yaml")
		if strings.Contains(out, "PHASE_"+phase) || strings.Contains(out, " "+phase) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s did not reach %s within 60s:\n%s", name, phase, out)
		}
		time.Sleep(100 * time.Millisecond) // polling an external process's state
	}
}
