package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestHelpIsLongFlagOnly(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for _, args := range [][]string{
		{"--help"},
		{"register-project", "--help"},
		{"get", "tasks", "--help"},
		{"help", "update", "attributes"},
	} {
		r := h.run(args...)
		require.Equal(t, ExitOK, r.code, "args %v: %s", args, r.stderr)
		require.Contains(t, r.stdout, "Usage:", "args %v", args)
		require.Contains(t, r.stdout, "-h, --host string", "args %v", args)
		require.Contains(t, r.stdout, "--help ", "args %v", args)
		require.NotContains(t, r.stdout, "-h, --help", "args %v", args)
	}
	// -h without a value is a missing host, not a help request.
	r := h.run("get", "domains", "-h")
	require.Equal(t, ExitUsage, r.code)
	require.Equal(t, "error: flag needs an argument: 'h' in -h\n", lines(r.stderr)[0]+"\n")
}

func TestNoCommand(t *testing.T) {
	t.Parallel()
	h := setup(t)
	r := h.run()
	require.Equal(t, ExitOK, r.code)
	require.Contains(t, r.stdout, "Available Commands:")

	r = h.run("frobnicate")
	require.Equal(t, ExitUsage, r.code)
	require.Equal(t, []string{`error: unknown command "frobnicate" for "flyte-cli"`, "Run 'flyte-cli --help' for usage."}, lines(r.stderr))

	r = h.run("get")
	require.Equal(t, ExitUsage, r.code)
	require.Contains(t, r.stdout, "Available Commands:")
	require.Equal(t, []string{`error: "flyte-cli get" needs a subcommand`, "Run 'flyte-cli get --help' for usage."}, lines(r.stderr))
}

func TestBadHostIsUsageError(t *testing.T) {
	t.Parallel()
	h := setup(t)
	r := h.run("get", "domains", "-h", "ftp://x")
	require.Equal(t, ExitUsage, r.code)
	require.Equal(t, `error: admin host "ftp://x": scheme "ftp" is not http or https`, lines(r.stderr)[0])
	r = h.run("get", "domains", "-h", "https://x:1", "--insecure")
	require.Equal(t, ExitUsage, r.code)
	require.Equal(t, `error: --insecure=true conflicts with the https:// prefix of admin host "https://x:1"`, lines(r.stderr)[0])
}

func TestVersion(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out := h.ok("version")
	rows := lines(out)
	require.Len(t, rows, 3)
	require.True(t, strings.HasPrefix(rows[0], "COMPONENT"), rows[0])
	require.True(t, strings.HasPrefix(rows[1], "client "), rows[1])
	require.Equal(t, []string{"server", "v9.9.9", "abc123", "2025-01-01T00:00:00Z"}, strings.Fields(rows[2]))

	var doc map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(h.ok("version", "-o", "json")), &doc))
	if d := cmp.Diff(map[string]string{"version": "v9.9.9", "build": "abc123", "buildTime": "2025-01-01T00:00:00Z"}, doc["server"]); d != "" {
		t.Fatal(d)
	}
	require.Contains(t, doc, "client")

	doc = nil
	require.NoError(t, yaml.Unmarshal([]byte(h.ok("version", "-o", "yaml")), &doc))
	require.Equal(t, "v9.9.9", doc["server"]["version"])

	// Without a server the client version is still printed.
	r := h.run("version", "-h", "127.0.0.1:1")
	require.Equal(t, ExitFailure, r.code)
	require.Len(t, lines(r.stdout), 2)
	require.True(t, strings.HasPrefix(r.stderr, "error: get server version: unavailable: "), r.stderr)
}
