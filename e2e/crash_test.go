package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/admin/admintest"
)

// slowWorkflow is two chained raw tasks that each take about a second, so
// that a crash lands while attempts are running.
const slowWorkflow = `
tasks:
  - name: slow
    inputs: {x: int}
    outputs: {y: int}
    command: [sh, -c, 'sleep 1; echo $(( $(cat {{.inputs.x}}) + 1 )) > {{.outputs}}/y']
workflows:
  - name: slow2
    inputs: {x: int}
    outputs: {y: $b.y}
    nodes:
      - id: a
        task: slow
        inputs: {x: $inputs.x}
      - id: b
        task: slow
        inputs: {x: $a.y}
`

// registerSlow registers slowWorkflow in project p and returns the flags
// that address it.
func registerSlow(t *testing.T, host, project string) []string {
	t.Helper()
	pd := []string{"-h", host, "-p", project, "-d", "development"}
	ok(t, append([]string{"register-project", "--name", project}, pd[:4]...)...)
	file := filepath.Join(t.TempDir(), "slow.yaml")
	require.NoError(t, os.WriteFile(file, []byte(slowWorkflow), 0o644))
	ok(t, append([]string{"register", "files", file, "--version", "v1", "--activate"}, pd...)...)
	return pd
}

// launch creates n executions named prefix-i concurrently.
func launch(t *testing.T, pd []string, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok(t, append([]string{"create", "execution", "--launchplan", "slow2", "--input", fmt.Sprintf("x=%d", i), "--name", fmt.Sprintf("%s-%d", prefix, i)}, pd...)...)
		}()
	}
	wg.Wait()
}

// phases counts the executions of the project by phase.
func phases(t *testing.T, pd []string) map[string]int {
	t.Helper()
	var list struct {
		Executions []struct {
			Closure struct {
				Phase string `json:"phase"`
			} `json:"closure"`
		} `json:"executions"`
	}
	out := ok(t, append([]string{"get", "executions", "--limit", "1000", "-o", "json"}, pd...)...)
	require.NoError(t, json.Unmarshal([]byte(out), &list), out)
	count := map[string]int{}
	for _, x := range list.Executions {
		count[strings.TrimPrefix(x.Closure.Phase, "PHASE_")]++
	}
	return count
}

// waitFor polls the project's phase counts until done says so, with a deadline.
func waitFor(t *testing.T, pd []string, what string, timeout time.Duration, done func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c := phases(t, pd)
		if done(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; phases: %v", what, c)
		}
		time.Sleep(200 * time.Millisecond) // polling another process's state
	}
}

// TestKillDashNineAndRestart: kill -9 of `flyte start` with 50 executions in
// flight; after a restart on the same data directory every execution
// succeeds, tasks that died with the process are retried as system failures,
// and nothing registered or launched is lost.
func TestKillDashNineAndRestart(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	args := []string{"start", "--data-dir", dataDir, "--port", "0", "--engine-lease-duration", "2s"}
	p := startPlatform(t, nil, args...)
	pd := registerSlow(t, p.host, "crash")
	launch(t, pd, "run", 50)
	waitFor(t, pd, "running executions", 60*time.Second, func(c map[string]int) bool { return c["RUNNING"] > 0 })
	require.NoError(t, p.cmd.Process.Kill())
	<-p.done

	p = startPlatform(t, nil, args...)
	pd[1] = p.host
	final := waitFor(t, pd, "all 50 to finish", 3*time.Minute, func(c map[string]int) bool {
		return c["SUCCEEDED"]+c["FAILED"]+c["ABORTED"]+c["TIMED_OUT"] == 50
	})
	require.Equal(t, map[string]int{"SUCCEEDED": 50}, final)

	// Every output is right: x+2.
	for _, i := range []int{0, 17, 49} {
		out := ok(t, append([]string{"get", "execution", fmt.Sprintf("run-%d", i), "--outputs"}, pd...)...)
		require.Contains(t, out, fmt.Sprintf("%d", i+2))
	}
	// At least one attempt died with the first process and was retried as
	// a system failure (its first attempt records a SYSTEM error).
	lost := 0
	for i := range 50 {
		for _, node := range []string{"a", "b"} {
			for _, kind := range attemptErrorKinds(t, p.host, "crash", fmt.Sprintf("run-%d", i), node) {
				if kind == "ERROR_KIND_SYSTEM" {
					lost++
				}
			}
		}
	}
	require.Positive(t, lost, "no attempt was retried after a system failure")
	out := ok(t, append([]string{"get", "tasks"}, pd...)...)
	require.Contains(t, out, "slow")
	p.stop(t)
}

// attemptErrorKinds lists the error kind of each attempt of a node ("" for
// attempts without an error), asking the admin API over HTTP/JSON.
func attemptErrorKinds(t *testing.T, host, project, execution, node string) []string {
	t.Helper()
	body := fmt.Sprintf(`{"nodeExecutionId":{"nodeId":%q,"executionId":{"project":%q,"domain":"development","name":%q}}}`, node, project, execution)
	resp, err := http.Post("http://"+host+"/flyte.admin.v1.AdminService/ListTaskExecutions", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list struct {
		TaskExecutions []struct {
			Closure struct {
				Error struct {
					Kind string `json:"kind"`
				} `json:"error"`
			} `json:"closure"`
		} `json:"taskExecutions"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	var kinds []string
	for _, te := range list.TaskExecutions {
		kinds = append(kinds, te.Closure.Error.Kind)
	}
	return kinds
}

// TestPropellerReplicasShareWork: two `flyte serve propeller` replicas and
// one `flyte serve admin` on one PostgreSQL database; one replica is killed
// with executions in flight and the other finishes them after the lease
// expires.
func TestPropellerReplicasShareWork(t *testing.T) {
	t.Parallel()
	dsn := admintest.PostgresSchemaDSN(t)
	env := []string{
		"FLYTE_DATABASE_DRIVER=postgres",
		"FLYTE_DATABASE_DSN=" + dsn,
		"FLYTE_STORAGE_URL=file://" + t.TempDir(),
		"FLYTE_SERVER_PORT=0",
		"FLYTE_ENGINE_LEASE_DURATION=2s",
		"FLYTE_LOGGING_LEVEL=debug",
	}
	flyte, _ := bins(t)
	out, code := runFlyteEnv(t, env, flyte, "migrate", "up")
	require.Equal(t, 0, code, out)

	adm := startPlatform(t, env, "serve", "admin")
	first := startPlatform(t, append(env, "FLYTE_DATA_DIR="+t.TempDir()), "serve", "propeller")
	second := startPlatform(t, append(env, "FLYTE_DATA_DIR="+t.TempDir()), "serve", "propeller")
	pd := registerSlow(t, adm.host, "replicas")
	launch(t, pd, "run", 30)
	waitFor(t, pd, "running executions", 60*time.Second, func(c map[string]int) bool { return c["RUNNING"] > 0 })
	require.NoError(t, first.cmd.Process.Kill())
	<-first.done

	final := waitFor(t, pd, "all 30 to finish", 3*time.Minute, func(c map[string]int) bool {
		return c["SUCCEEDED"]+c["FAILED"]+c["ABORTED"]+c["TIMED_OUT"] == 30
	})
	require.Equal(t, map[string]int{"SUCCEEDED": 30}, final)
	require.Contains(t, first.output.String(), "execution phase", "the killed replica never worked on an execution")
	require.Contains(t, second.output.String(), "execution phase", "the surviving replica never worked on an execution")
	second.stop(t)
	adm.stop(t)
}
