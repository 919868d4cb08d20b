package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/flyte-go/flyte/internal/config"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, config.Server{}, nil)
	code, body := get(t, http1Client(t), s.URL()+HealthPath)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok\n", body)
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, config.Server{}, nil, WithReadyTimeout(100*time.Millisecond))
	c := http1Client(t)

	code, body := get(t, c, s.URL()+ReadyPath)
	require.Equal(t, http.StatusOK, code, "no checks: ready")
	require.Equal(t, "ok\n", body)

	s.AddReadyCheck("database", func(context.Context) error { return nil })
	code, body = get(t, c, s.URL()+ReadyPath)
	require.Equal(t, http.StatusOK, code, body)

	s.AddReadyCheck("storage", func(context.Context) error { return errors.New("bucket unreachable") })
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	s.AddReadyCheck("ignores-context", func(context.Context) error { <-stuck; return nil })
	s.AddReadyCheck("slow", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })

	code, body = get(t, c, s.URL()+ReadyPath)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "storage: bucket unreachable\n"+
		"ignores-context: no answer within 100ms\n"+
		"slow: no answer within 100ms\n", body)
}

func TestAddReadyCheckRejectsDuplicates(t *testing.T) {
	t.Parallel()
	s := New(config.Server{}, nil)
	s.AddReadyCheck("db", func(context.Context) error { return nil })
	require.PanicsWithValue(t, `server: ready check "db" registered twice`, func() {
		s.AddReadyCheck("db", func(context.Context) error { return nil })
	})
}

func TestOneSocketServesHTTP1AndH2C(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, config.Server{}, nil)
	for name, c := range map[string]*http.Client{"HTTP/1.1": http1Client(t), "HTTP/2.0": h2cClient(t)} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+HealthPath, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, name, resp.Proto)
	}
	// gRPC needs HTTP/2; Connect works over either.
	resp, err := echoClient(h2cClient(t), s.URL(), connect.WithGRPC()).CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("hi")))
	require.NoError(t, err)
	require.Equal(t, "hi", resp.Msg.GetValue())
	resp, err = echoClient(http1Client(t), s.URL(), connect.WithProtoJSON()).CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("hey")))
	require.NoError(t, err)
	require.Equal(t, "hey", resp.Msg.GetValue())
}

func TestOversizedRequestIsRejected(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, config.Server{MaxRequestBytes: 1024}, nil)
	for name, client := range map[string]*connect.Client[wrapperspb.StringValue, wrapperspb.StringValue]{
		"connect": echoClient(http1Client(t), s.URL()),
		"grpc":    echoClient(h2cClient(t), s.URL(), connect.WithGRPC()),
	} {
		_, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String(strings.Repeat("x", 900))))
		require.NoError(t, err, "%s: under the limit", name)
		_, err = client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String(strings.Repeat("x", 4096))))
		require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%s: %v", name, err)
	}
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	t.Parallel()
	s, e := setup(t, config.Server{ShutdownTimeout: time.Minute}, nil)
	client := echoClient(http1Client(t), s.URL())

	type result struct {
		value string
		err   error
	}
	results := make(chan result, 1)
	go func() {
		resp, err := client.CallUnary(context.Background(), connect.NewRequest(wrapperspb.String("block")))
		if err != nil {
			results <- result{err: err}
			return
		}
		results <- result{value: resp.Msg.GetValue()}
	}()
	waitFor(t, e.entered, "the request to reach the handler")

	stopped := make(chan struct{})
	go func() {
		s.Stop()
		close(stopped)
	}()
	waitFor(t, s.Draining(), "shutdown to begin")

	// While draining the server is not ready, and it has not stopped,
	// because a request is still running.
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ReadyPath, nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "shutting down\n", rec.Body.String())
	select {
	case <-stopped:
		t.Fatal("Stop returned while a request was in flight")
	default:
	}

	close(e.release)
	res := waitFor(t, results, "the in-flight request")
	require.NoError(t, res.err)
	require.Equal(t, "block", res.value)
	waitFor(t, stopped, "Stop")

	_, err := net.Dial("tcp", s.Addr().String())
	require.Error(t, err, "a stopped server accepts no connections")
	s.Stop() // idempotent
}

func TestRunCutsOffRequestsAfterShutdownTimeout(t *testing.T) {
	t.Parallel()
	require.NoError(t, registerEchoDescriptor())
	s := New(config.Server{Host: "127.0.0.1", Port: 0, ShutdownTimeout: 50 * time.Millisecond}, nil)
	e := newEcho()
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, e.Echo, s.HandlerOptions()...))
	s.HandleService(echoServicePath, mux)

	require.NoError(t, s.Start(t.Context()), "Run continues a started server")
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()

	calls := make(chan error, 1)
	go func() {
		_, err := echoClient(http1Client(t), s.URL()).CallUnary(context.Background(), connect.NewRequest(wrapperspb.String("block")))
		calls <- err
	}()
	waitFor(t, e.entered, "the request to reach the handler")
	cancel()

	err := waitFor(t, ran, "Run to return")
	require.ErrorContains(t, err, "shutdown after 50ms")
	require.Error(t, waitFor(t, calls, "the cut-off request"))
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	s := New(config.Server{Host: "127.0.0.1", Port: 0}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	waitFor(t, s.Started(), "Run to listen")
	code, body := get(t, http1Client(t), s.URL()+ReadyPath)
	require.Equal(t, http.StatusOK, code, body)
	cancel()
	require.NoError(t, waitFor(t, ran, "Run to return"))
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	err := New(config.Server{Port: 70000}, nil).Start(t.Context())
	require.ErrorContains(t, err, "server.port: 70000 is out of range")

	s, _ := setup(t, config.Server{}, nil)
	require.ErrorContains(t, s.Start(t.Context()), "already started")

	port := s.Addr().(*net.TCPAddr).Port
	taken := New(config.Server{Host: "127.0.0.1", Port: port}, nil)
	require.ErrorContains(t, taken.Start(t.Context()), "address already in use")
	taken.Stop() // never started: no-op
}

func TestAddrAndURL(t *testing.T) {
	t.Parallel()
	s := New(config.Server{Host: "127.0.0.1"}, nil)
	require.Nil(t, s.Addr())
	require.Empty(t, s.URL())
	require.NoError(t, s.Start(t.Context()))
	t.Cleanup(s.Stop)
	port := s.Addr().(*net.TCPAddr).Port
	require.NotZero(t, port)
	require.Equal(t, "http://127.0.0.1:"+strconv.Itoa(port), s.URL())
}

func TestMiddlewareWrapsHandlersNotProbes(t *testing.T) {
	t.Parallel()
	requireToken := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer t" {
				http.Error(w, "unauthenticated", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	s, _ := setup(t, config.Server{}, nil, WithMiddleware(requireToken))
	c := http1Client(t)

	_, err := echoClient(c, s.URL()).CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("hi")))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "%v", err)

	req := connect.NewRequest(wrapperspb.String("hi"))
	req.Header().Set("Authorization", "Bearer t")
	_, err = echoClient(c, s.URL()).CallUnary(t.Context(), req)
	require.NoError(t, err)

	for _, path := range []string{HealthPath, ReadyPath, MetricsPath} {
		code, _ := get(t, c, s.URL()+path)
		require.Equal(t, http.StatusOK, code, path)
	}
}

func TestHandleServiceRejectsBadPath(t *testing.T) {
	t.Parallel()
	s := New(config.Server{}, nil)
	for _, path := range []string{"", "/", "pkg.Svc/", "/pkg.Svc", "/pkg.Svc/Method/"} {
		require.Panics(t, func() { s.HandleService(path, http.NotFoundHandler()) }, path)
	}
}
