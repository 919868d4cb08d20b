package server

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// codeOK labels RPCs that succeeded; connect has no code for success.
const codeOK = "ok"

// rpcMetrics are the per-RPC series the metrics interceptor records.
type rpcMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newRPCMetrics(reg prometheus.Registerer) *rpcMetrics {
	m := &rpcMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "flyte",
			Subsystem: "rpc",
			Name:      "requests_total",
			Help:      "RPCs handled, by procedure and result code.",
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "flyte",
			Subsystem: "rpc",
			Name:      "duration_seconds",
			Help:      "Time to handle an RPC (whole stream for streaming RPCs), by procedure.",
			Buckets:   prometheus.DefBuckets,
		}, []string{"procedure"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *rpcMetrics) observe(procedure string, err error, elapsed time.Duration) {
	m.requests.WithLabelValues(procedure, codeLabel(err)).Inc()
	m.duration.WithLabelValues(procedure).Observe(elapsed.Seconds())
}

func codeLabel(err error) string {
	if err == nil {
		return codeOK
	}
	return connect.CodeOf(err).String()
}

// Interceptors returns the server's interceptors, metrics outermost, for
// handlers built without HandlerOptions.
func (s *Server) Interceptors() []connect.Interceptor {
	return []connect.Interceptor{s.MetricsInterceptor(), s.LoggingInterceptor()}
}

// HandlerOptions are the options every Connect handler on this server is
// built with: the interceptors and the MaxRequestBytes limit, beyond which a
// request fails with ResourceExhausted.
func (s *Server) HandlerOptions() []connect.HandlerOption {
	limit := s.cfg.MaxRequestBytes
	if limit > math.MaxInt {
		limit = math.MaxInt
	}
	return []connect.HandlerOption{
		connect.WithInterceptors(s.Interceptors()...),
		connect.WithReadMaxBytes(int(limit)),
	}
}

// MetricsInterceptor counts handled RPCs by procedure and code and records
// their latency on the server's registry. It observes unary and streaming
// handlers; client calls pass through untouched. Requests that connect
// rejects before the handler runs (such as oversized messages) are not seen.
func (s *Server) MetricsInterceptor() connect.Interceptor {
	return &observingInterceptor{observe: func(_ context.Context, spec connect.Spec, _ connect.Peer, err error, elapsed time.Duration) {
		s.metrics.observe(spec.Procedure, err, elapsed)
	}}
}

// LoggingInterceptor logs every handled RPC with its procedure, code and
// duration: at debug when it succeeds, at info with the error when the
// caller's request was refused (bad input, missing entity, conflict), and at
// warn when the server failed.
func (s *Server) LoggingInterceptor() connect.Interceptor {
	return &observingInterceptor{observe: func(ctx context.Context, spec connect.Spec, peer connect.Peer, err error, elapsed time.Duration) {
		attrs := []slog.Attr{
			slog.String("procedure", spec.Procedure),
			slog.String("code", codeLabel(err)),
			slog.Duration("duration", elapsed),
			slog.String("peer", peer.Addr),
		}
		if err == nil {
			s.logger.LogAttrs(ctx, slog.LevelDebug, "rpc", attrs...)
			return
		}
		level := slog.LevelWarn
		if isCallerError(connect.CodeOf(err)) {
			level = slog.LevelInfo
		}
		s.logger.LogAttrs(ctx, level, "rpc failed", append(attrs, slog.String("error", errorMessage(err)))...)
	}}
}

// isCallerError reports whether code says the request was refused for the
// caller's reasons rather than because the server failed.
func isCallerError(code connect.Code) bool {
	switch code {
	case connect.CodeInvalidArgument, connect.CodeNotFound, connect.CodeAlreadyExists,
		connect.CodeFailedPrecondition, connect.CodeOutOfRange, connect.CodeUnauthenticated,
		connect.CodePermissionDenied, connect.CodeCanceled, connect.CodeResourceExhausted:
		return true
	default:
		return false
	}
}

// errorMessage is the message a caller saw, without connect's code prefix
// (the code is logged on its own).
func errorMessage(err error) string {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Message()
	}
	return err.Error()
}

// observingInterceptor times handler-side RPCs and reports each result to
// observe once the RPC (or the whole stream) has finished.
type observingInterceptor struct {
	observe func(ctx context.Context, spec connect.Spec, peer connect.Peer, err error, elapsed time.Duration)
}

var _ connect.Interceptor = (*observingInterceptor)(nil)

// WrapUnary implements connect.Interceptor.
func (i *observingInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		start := time.Now()
		resp, err := next(ctx, req)
		i.observe(ctx, req.Spec(), req.Peer(), err, time.Since(start))
		return resp, err
	}
}

// WrapStreamingClient implements connect.Interceptor; clients are not observed.
func (i *observingInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i *observingInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		err := next(ctx, conn)
		i.observe(ctx, conn.Spec(), conn.Peer(), err, time.Since(start))
		return err
	}
}
