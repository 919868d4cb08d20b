// Package server is the HTTP server every flyte component serves its APIs
// on. One port speaks HTTP/1.1 and HTTP/2 without TLS (h2c), so Connect,
// gRPC, gRPC-Web and plain HTTP clients all reach the same handlers. Beside
// the registered handlers the server answers:
//
//   - GET /healthz: 200 "ok" while the process serves requests;
//   - GET /readyz: 200 when every registered ready check passes within a
//     short timeout, else 503 naming each failing check and its error;
//   - GET /metrics: Prometheus metrics from a registry the server owns,
//     including per-RPC counts and latencies recorded by its interceptors;
//   - gRPC server reflection (v1 and v1alpha) for the services registered
//     with HandleService, so grpcurl and `buf curl --reflect` can call them.
//
// Connect handlers get the server's interceptors and request size limit by
// being built with HandlerOptions:
//
//	path, h := adminv1connect.NewAdminServiceHandler(svc, srv.HandlerOptions()...)
//	srv.HandleService(path, h)
//
// The lifecycle is Start(ctx) then Stop(), or Run(ctx), which serves until
// ctx is cancelled and then shuts down gracefully. Signal handling belongs to
// the command, which cancels the context.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"connectrpc.com/grpcreflect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flyte-go/flyte/internal/config"
)

// DefaultReadyTimeout bounds one /readyz evaluation of all ready checks.
const DefaultReadyTimeout = 2 * time.Second

// Reserved paths the server answers itself, before any middleware.
const (
	HealthPath  = "/healthz"
	ReadyPath   = "/readyz"
	MetricsPath = "/metrics"
)

// Option customises a Server.
type Option func(*options)

type options struct {
	readyTimeout time.Duration
	middleware   []func(http.Handler) http.Handler
}

// WithReadyTimeout bounds how long /readyz waits for the ready checks.
// Default DefaultReadyTimeout.
func WithReadyTimeout(d time.Duration) Option {
	return func(o *options) { o.readyTimeout = d }
}

// WithMiddleware wraps every registered handler (not /healthz, /readyz or
// /metrics) in mw, the first one outermost. Authentication and CORS go here.
func WithMiddleware(mw ...func(http.Handler) http.Handler) Option {
	return func(o *options) { o.middleware = append(o.middleware, mw...) }
}

// Server serves HTTP/1.1 and h2c on one listener. Register handlers and
// ready checks before Start; the methods are safe for concurrent use.
type Server struct {
	cfg      config.Server
	logger   *slog.Logger
	opts     options
	registry *prometheus.Registry
	metrics  *rpcMetrics
	mux      *http.ServeMux // registered handlers
	ops      *http.ServeMux // health, readiness, metrics

	mu       sync.Mutex
	services []string
	checks   []readyCheck
	httpSrv  *http.Server
	ln       net.Listener
	started  chan struct{} // closed once listening
	served   chan struct{} // closed when Serve returns
	serveErr error
	draining chan struct{} // closed when shutdown begins
	stopOnce sync.Once
	stopErr  error
}

// New returns a server for cfg; unset fields of cfg take their defaults
// (config.Server.WithDefaults) and cfg is checked by Start. Port 0 listens
// on a free port, reported by Addr.
func New(cfg config.Server, logger *slog.Logger, opts ...Option) *Server {
	o := options{readyTimeout: DefaultReadyTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	s := &Server{
		cfg:      cfg.WithDefaults(),
		logger:   logger,
		opts:     o,
		registry: reg,
		metrics:  newRPCMetrics(reg),
		mux:      http.NewServeMux(),
		ops:      http.NewServeMux(),
		started:  make(chan struct{}),
		served:   make(chan struct{}),
		draining: make(chan struct{}),
	}
	s.ops.HandleFunc("GET "+HealthPath, s.handleHealth)
	s.ops.HandleFunc("GET "+ReadyPath, s.handleReady)
	s.ops.Handle("GET "+MetricsPath, s.metricsHandler())

	// The reflector asks for the names on every request, so services
	// registered after New (even after Start) are listed.
	reflector := grpcreflect.NewReflector(grpcreflect.NamerFunc(s.serviceNames))
	s.Handle(grpcreflect.NewHandlerV1(reflector, s.HandlerOptions()...))
	s.Handle(grpcreflect.NewHandlerV1Alpha(reflector, s.HandlerOptions()...))
	return s
}

// Registry is the server's Prometheus registry, served on /metrics.
// Components register their own collectors on it.
func (s *Server) Registry() *prometheus.Registry {
	return s.registry
}

// Handle registers h for pattern (http.ServeMux syntax). Like ServeMux it
// panics when pattern conflicts with one already registered. The reserved
// paths /healthz, /readyz and /metrics are answered before these handlers.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// HandleService registers a Connect service handler as returned by a
// generated New<Service>Handler, whose path is "/<package>.<Service>/", and
// lists the service in gRPC reflection.
func (s *Server) HandleService(path string, h http.Handler) {
	name := strings.Trim(path, "/")
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") || name == "" || strings.Contains(name, "/") {
		panic(fmt.Sprintf("server: HandleService path %q is not of the form /package.Service/", path))
	}
	s.Handle(path, h)
	s.mu.Lock()
	s.services = append(s.services, name)
	s.mu.Unlock()
}

func (s *Server) serviceNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.services...)
}

// Start listens on the configured address and serves in the background
// until Stop. ctx bounds only the listen call: request contexts are not
// derived from it, so cancelling it does not abort requests.
func (s *Server) Start(ctx context.Context) error {
	if err := s.cfg.Validate(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv != nil {
		return errors.New("start server: already started")
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	hs := &http.Server{
		Handler:           s.handler(),
		Protocols:         protocols,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.httpSrv, s.ln = hs, ln
	close(s.started)
	go func() {
		defer close(s.served)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server stopped", "error", err)
			s.mu.Lock()
			s.serveErr = err
			s.mu.Unlock()
		}
	}()
	return nil
}

// Addr is the address the server listens on, nil before Start. With port 0
// it tells which port was picked.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL is the base URL of the server ("http://127.0.0.1:8088"), empty
// before Start. An unspecified listen host is reported as loopback.
func (s *Server) URL() string {
	addr, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
		if addr.IP.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Started is closed once the server listens; from then on Addr and URL
// are set. It lets a caller that runs Run in a goroutine learn the address.
func (s *Server) Started() <-chan struct{} {
	return s.started
}

// Draining is closed when shutdown begins. Long-lived streaming handlers
// select on it to end their streams so that shutdown need not wait for the
// timeout.
func (s *Server) Draining() <-chan struct{} {
	return s.draining
}

// Stop shuts the server down gracefully: it stops accepting connections,
// fails /readyz, and gives in-flight requests ShutdownTimeout to finish
// before closing their connections. It returns once the server has stopped
// and logs, rather than returns, a forced close. Calling Stop again, or
// without Start, is a no-op.
func (s *Server) Stop() {
	if err := s.shutdown(); err != nil {
		s.logger.Warn("http server shutdown was not graceful", "error", err)
	}
}

// Run starts the server unless Start already did (so a caller can Start,
// print Addr, then Run), serves until ctx is cancelled or serving fails, and
// then shuts down gracefully. It returns the serving error, or the shutdown
// error when in-flight requests had to be cut off.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	started := s.httpSrv != nil
	s.mu.Unlock()
	if !started {
		if err := s.Start(ctx); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
	case <-s.served:
	}
	shutdownErr := s.shutdown()
	s.mu.Lock()
	serveErr := s.serveErr
	s.mu.Unlock()
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return shutdownErr
}

func (s *Server) shutdown() error {
	s.mu.Lock()
	hs := s.httpSrv
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		close(s.draining)
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			// The deadline passed with requests still running: cut them off.
			s.stopErr = fmt.Errorf("shutdown after %s: %w", s.cfg.ShutdownTimeout, errors.Join(err, hs.Close()))
		}
		<-s.served
	})
	return s.stopErr
}

// handler routes the reserved paths to the server's own handlers and every
// other request through the middleware to the registered handlers.
func (s *Server) handler() http.Handler {
	var app http.Handler = s.mux
	for i := len(s.opts.middleware) - 1; i >= 0; i-- {
		app = s.opts.middleware[i](app)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case HealthPath, ReadyPath, MetricsPath:
			s.ops.ServeHTTP(w, r)
		default:
			app.ServeHTTP(w, r)
		}
	})
}
