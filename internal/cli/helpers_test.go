package cli

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
)

// harness is a fake admin service behind a real HTTP server, and the
// environment the CLI runs in: no variables and an empty home directory,
// so nothing on the machine running the tests leaks in.
type harness struct {
	t      *testing.T
	fake   *fakeAdmin
	server *httptest.Server
	// host is the server address as host:port.
	host string
	env  map[string]string
	home string

	mu       sync.Mutex
	requests []httpRequest
}

// httpRequest is what the HTTP layer saw of one request.
type httpRequest struct {
	Proto       string // "HTTP/1.1" or "HTTP/2.0"
	Method      string
	ContentType string
	TLS         bool
}

// setup starts a plain HTTP server with a fake admin service.
func setup(t *testing.T) *harness {
	t.Helper()
	return setupServer(t, false)
}

// setupServer starts the fake behind plain HTTP or, with useTLS, behind
// TLS with HTTP/2 enabled.
func setupServer(t *testing.T, useTLS bool) *harness {
	t.Helper()
	h := &harness{t: t, fake: newFakeAdmin(), env: map[string]string{}, home: t.TempDir()}
	path, handler := adminv1connect.NewAdminServiceHandler(h.fake, connect.WithInterceptors(h.fake.interceptor()))
	mux := http.NewServeMux()
	mux.Handle(path, handler)
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.requests = append(h.requests, httpRequest{Proto: r.Proto, Method: r.Method, ContentType: r.Header.Get("Content-Type"), TLS: r.TLS != nil})
		h.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
	h.server = httptest.NewUnstartedServer(record)
	// Handshake failures are what some tests provoke; keep them out of the log.
	h.server.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		h.server.EnableHTTP2 = true
		h.server.StartTLS()
	} else {
		h.server.Start()
	}
	t.Cleanup(h.server.Close)
	h.host = h.server.Listener.Addr().String()
	return h
}

// environment is the CLI's view of the harness environment.
func (h *harness) environment() environment {
	return environment{
		Getenv:   func(k string) string { return h.env[k] },
		HomeDir:  func() (string, error) { return h.home, nil },
		ReadFile: os.ReadFile,
	}
}

// result is the outcome of one CLI invocation.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the CLI against the harness server (args must name the host
// when it matters; see cli).
func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errOut bytes.Buffer
	code := run(h.t.Context(), args, &out, &errOut, h.environment())
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// cli runs the CLI with -h pointing at the harness server.
func (h *harness) cli(args ...string) result {
	h.t.Helper()
	return h.run(append([]string{"-h", h.host}, args...)...)
}

// ok runs the CLI against the server and requires success.
func (h *harness) ok(args ...string) string {
	h.t.Helper()
	r := h.cli(args...)
	require.Equal(h.t, ExitOK, r.code, "stderr: %s", r.stderr)
	require.Empty(h.t, r.stderr)
	return r.stdout
}

// writeFile writes a file in a temporary directory and returns its path.
func (h *harness) writeFile(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.t.TempDir(), name)
	require.NoError(h.t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// httpRequests returns what the HTTP layer saw.
func (h *harness) httpRequests() []httpRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]httpRequest(nil), h.requests...)
}

// requireCalls checks the RPCs the fake received, in order.
func requireCalls(t *testing.T, want []call, got []call) {
	t.Helper()
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Fatalf("calls (-want +got):\n%s", d)
	}
}

// requireProto compares two messages.
func requireProto(t *testing.T, want, got proto.Message) {
	t.Helper()
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Fatalf("message (-want +got):\n%s", d)
	}
}

// lines splits output into lines without the final newline.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
