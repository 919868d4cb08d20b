package cli

import (
	"bytes"
	"context"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// caFile writes the TLS server's certificate as a PEM file.
func (h *harness) caFile() string {
	h.t.Helper()
	cert := h.server.Certificate()
	require.NotNil(h.t, cert)
	return h.writeFile("ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})))
}

func TestTLSSelection(t *testing.T) {
	t.Parallel()
	h := setupServer(t, true)
	ca := h.caFile()

	t.Run("https prefix", func(t *testing.T) {
		r := h.run("get", "domains", "-h", "https://"+h.host, "--ca-cert", ca)
		require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)
	})
	t.Run("insecure=false on a loopback host", func(t *testing.T) {
		r := h.run("get", "domains", "-h", h.host, "--insecure=false", "--ca-cert", ca)
		require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)
	})
	t.Run("config file ca and insecure false", func(t *testing.T) {
		cfg := h.writeFile("config.yaml", "admin:\n  endpoint: "+h.host+"\n  insecure: false\n  caCertFile: "+ca+"\n")
		r := h.run("get", "domains", "--config", cfg)
		require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)
	})
	for _, req := range h.httpRequests() {
		require.Equal(t, httpRequest{Proto: "HTTP/2.0", Method: "POST", ContentType: "application/proto", TLS: true}, req)
	}
	require.Len(t, h.httpRequests(), 3)

	t.Run("bare loopback host is plain http", func(t *testing.T) {
		r := h.run("get", "domains", "-h", h.host)
		require.Equal(t, ExitFailure, r.code)
		require.Equal(t, "error: get domains: internal: 400 Bad Request (if the server uses TLS, use an https:// host or --insecure=false)\n", r.stderr)
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		r := h.run("get", "domains", "-h", "https://"+h.host)
		require.Equal(t, ExitFailure, r.code)
		require.Contains(t, r.stderr, "certificate signed by unknown authority")
	})
	t.Run("ca file without certificates", func(t *testing.T) {
		bad := h.writeFile("bad.pem", "not a certificate")
		r := h.run("get", "domains", "-h", "https://"+h.host, "--ca-cert", bad)
		require.Equal(t, ExitFailure, r.code)
		require.Equal(t, "error: CA certificate file "+bad+": no PEM certificate found\n", r.stderr)
	})
}

func TestTLSToPlainServerHint(t *testing.T) {
	t.Parallel()
	h := setup(t)
	r := h.run("get", "domains", "-h", "https://"+h.host)
	require.Equal(t, ExitFailure, r.code)
	require.Contains(t, r.stderr, "(the server speaks plain HTTP: use an http:// host or --insecure)")
	require.Empty(t, h.fake.recorded())
}

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	h := setup(t)
	r := h.run("get", "domains", "-h", addr)
	require.Equal(t, ExitFailure, r.code)
	require.Contains(t, r.stderr, "error: get domains: unavailable: ")
	require.Contains(t, r.stderr, "connection refused")
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.fake.stall("GetDomains")
	r := h.cli("get", "domains", "--timeout", "100ms")
	require.Equal(t, ExitFailure, r.code)
	require.Contains(t, r.stderr, "error: get domains: deadline_exceeded: ")
}

func TestEndpointFromConfigAndEnvironment(t *testing.T) {
	t.Parallel()
	h := setup(t)
	cfgDir := filepath.Join(h.home, ".flyte")
	require.NoError(t, os.MkdirAll(cfgDir, 0o700))
	cfg := "admin:\n  endpoint: http://" + h.host + "\nproject: cfgproj\ndomain: cfgdom\n"
	require.NoError(t, os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte(cfg), 0o600))

	// The default config file names the server, the project and the domain.
	r := h.run("get", "tasks")
	require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)
	requireCalls(t, []call{{Procedure: "ListTaskIds", Msg: &adminv1.NamedEntityIdentifierListRequest{
		Project: "cfgproj", Domain: "cfgdom", Limit: defaultLimit,
	}}}, h.fake.recorded())

	// The environment variable wins over the config file.
	h.env[EnvAdminEndpoint] = "127.0.0.1:1"
	r = h.run("get", "domains")
	require.Equal(t, ExitFailure, r.code)
	require.Contains(t, r.stderr, "127.0.0.1:1")

	// And the flag over the environment variable.
	r = h.run("get", "domains", "-h", h.host)
	require.Equal(t, ExitOK, r.code, "stderr: %s", r.stderr)

	// A broken config file is reported with its name.
	require.NoError(t, os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte("project: [\n"), 0o600))
	r = h.run("get", "domains", "-h", h.host)
	require.Equal(t, ExitFailure, r.code)
	require.Contains(t, r.stderr, "error: config file "+filepath.Join(cfgDir, "config.yaml")+": ")
}

// Main reads the real process environment.
func TestMainReadsProcessEnvironment(t *testing.T) {
	h := setup(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv(EnvConfig, "")
	t.Setenv(EnvAdminEndpoint, h.host)
	var out, errOut bytes.Buffer
	code := Main([]string{"get", "domains", "-o", "json"}, &out, &errOut)
	require.Equal(t, ExitOK, code, "stderr: %s", errOut.String())
	require.Contains(t, out.String(), `"id": "development"`)
}

// stall makes procedure wait until its request is cancelled.
func (f *fakeAdmin) stall(procedure string) {
	f.fail(procedure, errStall)
}

// errStall is the marker failure that stalls a procedure.
var errStall = connect.NewError(connect.CodeInternal, nil)

// waitForCancel blocks until ctx ends and returns its error as a
// Connect error.
func waitForCancel(ctx context.Context) error {
	<-ctx.Done()
	return connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
}
