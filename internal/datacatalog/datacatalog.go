// Package datacatalog is the DataCatalog service: it stores memoized task
// outputs as datasets (one per cached task signature), artifacts (one set of
// outputs each), tags (cache keys naming artifacts) and reservations (so
// that concurrent runs with the same key compute once), over a
// store.CatalogStore that shares the control plane's database.
//
// The Service implements the generated Connect handler, and because Connect
// gives unary handlers and clients the same method signatures it is also a
// datacatalogv1connect.DataCatalogClient: the engine of `flyte start` calls
// it in process, while `flyte serve propeller` reaches a remote one over
// HTTP. Either way every answer is the same, including error codes.
//
// Artifact data and metadata are kept in the store as opaque bytes; the
// encoding is defined in one place (see encodeData and encodeMetadata).
package datacatalog

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/rpcerror"
	"github.com/flyte-go/flyte/internal/store"
)

// DefaultMaxReservationHeartbeat caps the heartbeat interval a reservation
// may ask for, unless Options say otherwise.
const DefaultMaxReservationHeartbeat = 10 * time.Second

// Options configure a Service. Zero values take the defaults stated on
// each field.
type Options struct {
	// Clock returns the current time, recorded as creation and update times
	// and used to expire reservations. Default time.Now.
	Clock func() time.Time
	// MaxReservationHeartbeat caps the heartbeat interval of a reservation:
	// a longer requested interval is cut to it, so that a reservation whose
	// owner died expires within 3 × MaxReservationHeartbeat. It is also the
	// interval of a request that asks for none. Default 10s; at most
	// store.MaxReservationHeartbeat.
	MaxReservationHeartbeat time.Duration
	// Logger receives internal errors. Default: discard.
	Logger *slog.Logger
}

// Service implements the DataCatalog API over a catalog store.
type Service struct {
	store  store.CatalogStore
	clock  func() time.Time
	maxHB  time.Duration
	logger *slog.Logger
}

var (
	_ datacatalogv1connect.DataCatalogHandler = (*Service)(nil)
	_ datacatalogv1connect.DataCatalogClient  = (*Service)(nil)
)

// New returns a Service over st.
func New(st store.CatalogStore, opts Options) *Service {
	s := &Service{store: st, clock: opts.Clock, maxHB: opts.MaxReservationHeartbeat, logger: opts.Logger}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.maxHB <= 0 {
		s.maxHB = DefaultMaxReservationHeartbeat
	}
	s.maxHB = min(s.maxHB, store.MaxReservationHeartbeat)
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s
}

// Handler returns the path and HTTP handler that serve the service, for
// server.HandleService.
func (s *Service) Handler(opts ...connect.HandlerOption) (string, http.Handler) {
	return datacatalogv1connect.NewDataCatalogHandler(s, opts...)
}

// now is the current time as the store keeps it (UTC, microseconds).
func (s *Service) now() time.Time {
	return store.Timestamp(s.clock())
}

// handle runs fn on the request message and maps its error once (see
// rpcerror.ToConnect). The procedure is empty when the service is called
// in process rather than through a handler; the log then names the RPC by
// its request type.
func handle[Req, Res any](ctx context.Context, s *Service, req *connect.Request[Req], fn func(context.Context, *Req) (*Res, error)) (*connect.Response[Res], error) {
	if req == nil || req.Msg == nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, errMissingRequest)
	}
	res, err := fn(ctx, req.Msg)
	if err != nil {
		procedure := req.Spec().Procedure
		if procedure == "" {
			procedure = procedureOf[Req]()
		}
		return nil, rpcerror.ToConnect(ctx, s.logger, procedure, err)
	}
	return connect.NewResponse(res), nil
}
