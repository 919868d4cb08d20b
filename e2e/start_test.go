package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStartRegisterAndQuery is the README's first session: start the platform
// on the embedded defaults, onboard a project with the seed document's exact
// command line, register the examples and read them back.
func TestStartRegisterAndQuery(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	p := startPlatform(t, nil, "start", "--data-dir", dataDir, "--port", "0")
	h := p.host

	out := ok(t, "register-project", "-h", h, "-p", "myflyteproject", "--name", "My Flyte Project",
		"--description", "My very first project onboarding onto Flyte")
	require.Contains(t, out, "myflyteproject")

	var projects struct {
		Projects []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Description string `json:"description"`
			Domains     []struct {
				ID string `json:"id"`
			} `json:"domains"`
		} `json:"projects"`
	}
	require.NoError(t, json.Unmarshal([]byte(ok(t, "get", "projects", "-h", h, "-o", "json")), &projects))
	require.Len(t, projects.Projects, 1)
	got := projects.Projects[0]
	require.Equal(t, "myflyteproject", got.ID)
	require.Equal(t, "My Flyte Project", got.Name)
	require.Equal(t, "My very first project onboarding onto Flyte", got.Description)
	var domains []string
	for _, d := range got.Domains {
		domains = append(domains, d.ID)
	}
	require.Equal(t, []string{"development", "staging", "production"}, domains)

	// The same project again is a clear conflict, not a second row.
	r := cli(t, "register-project", "-h", h, "-p", "myflyteproject", "--name", "Other")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "already")

	examples, err := filepath.Glob("../examples/*.yaml")
	require.NoError(t, err)
	reg := append([]string{"register", "files", "-h", h, "-p", "myflyteproject", "-d", "development", "--version", "v1"}, examples...)
	out = ok(t, reg...)
	require.Contains(t, out, "registered workflow myflyteproject/development/hello@v1")
	// Registering identical content again succeeds and changes nothing.
	ok(t, reg...)

	out = ok(t, "get", "workflows", "-h", h, "-p", "myflyteproject", "-d", "development")
	for _, name := range []string{"hello", "pipeline", "daily_report", "fanout"} {
		require.Contains(t, out, name)
	}
	out = ok(t, "get", "tasks", "say_hello", "-h", h, "-p", "myflyteproject", "-d", "development", "--version", "v1", "-o", "yaml")
	require.Contains(t, out, "say_hello")
	require.Contains(t, out, "alpine:3.20")

	// Different content under the same version is rejected with what differs.
	changed := filepath.Join(t.TempDir(), "hello.yaml")
	src, err := os.ReadFile("../examples/hello.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(changed, []byte(strings.Replace(string(src), "alpine:3.20", "alpine:3.21", 1)), 0o644))
	r = cli(t, "register", "files", changed, "-h", h, "-p", "myflyteproject", "-d", "development", "--version", "v1")
	require.Equal(t, 1, r.code, r.stdout)
	require.Contains(t, r.stderr, "alpine:3.20")
	require.Contains(t, r.stderr, "alpine:3.21")

	// One active launch plan version per name.
	ok(t, "register", "files", changed, "-h", h, "-p", "myflyteproject", "-d", "development", "--version", "v2")
	ok(t, "update", "launchplan", "hello", "--version", "v1", "--activate", "-h", h, "-p", "myflyteproject", "-d", "development")
	ok(t, "update", "launchplan", "hello", "--version", "v2", "--activate", "-h", h, "-p", "myflyteproject", "-d", "development")
	var active struct {
		LaunchPlans []struct {
			ID struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"id"`
		} `json:"launchPlans"`
	}
	out = ok(t, "get", "launchplans", "-h", h, "-p", "myflyteproject", "-d", "development", "--active", "-o", "json")
	require.NoError(t, json.Unmarshal([]byte(out), &active))
	var helloVersions []string
	for _, lp := range active.LaunchPlans {
		if lp.ID.Name == "hello" {
			helloVersions = append(helloVersions, lp.ID.Version)
		}
	}
	require.Equal(t, []string{"v2"}, helloVersions)

	// Archive the project: it is kept, shown as archived.
	ok(t, "update", "project", "myflyteproject", "--archive", "-h", h)
	out = ok(t, "get", "projects", "myflyteproject", "-h", h)
	require.Contains(t, out, "ARCHIVED")

	p.stop(t)

	// Everything survives a restart on the same data directory.
	p = startPlatform(t, nil, "start", "--data-dir", dataDir, "--port", "0")
	out = ok(t, "get", "tasks", "-h", p.host, "-p", "myflyteproject", "-d", "development")
	require.Contains(t, out, "say_hello")
	p.stop(t)

	// The schema is reported as current.
	flyte, _ := bins(t)
	status := runFlyte(t, flyte, "migrate", "status", "--data-dir", dataDir)
	require.Contains(t, status, "applied")
	require.NotContains(t, status, "pending")
}

// TestBadConfigListsEveryProblem: an invalid configuration stops start with
// every problem named, before anything listens.
func TestBadConfigListsEveryProblem(t *testing.T) {
	t.Parallel()
	flyte, _ := bins(t)
	cfg := filepath.Join(t.TempDir(), "flyte.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("server:\n  port: 70000\ndatabase:\n  driver: oracle\nlogging:\n  level: loud\n"), 0o644))
	out, code := runFlyteCode(t, flyte, "start", "--config", cfg)
	require.Equal(t, 2, code, out)
	for _, want := range []string{"server.port", "database.driver", "logging.level"} {
		require.Contains(t, out, want)
	}
}
