// Package admin is the control plane API: the Connect handlers of
// flyte.admin.v1.AdminService for projects, domains, task, workflow and
// launch plan registration, launch plan activation, named entities,
// matchable attributes and the server version.
//
// Every request is validated before anything is written: identifiers,
// the project (it must exist, and be active for registrations), the domain
// (one of the configured domains), and the entity itself, which the
// compiler checks (tasks are validated, workflows compiled against the
// tasks and launch plans already registered, launch plans checked against
// their workflow's interface). Registered entities are immutable: the
// digest of a version is the SHA-256 of the deterministic encoding of its
// spec, so registering identical content again succeeds while different
// content under the same identifier is rejected with AlreadyExists and a
// list of the fields that differ.
//
// Store, compiler and validation errors are turned into Connect codes in
// one place (errors.go).
//
// Executions (executions.go and the files beside it) are created here and
// run by the engine: CreateExecution resolves the launch plan, merges and
// type-checks the inputs, writes them to the blob store and stores the
// execution row, which wakes the engine through the store. Reads of
// executions, node and task executions come from the rows the engine
// commits; terminate, signals and archive are requests recorded on those
// rows. The Create*Event RPCs stay Unimplemented: the engine writes its
// state directly. The signal RPCs are a second service (SignalHandler), and
// task logs are served over plain HTTP (LogsHandler).
package admin

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

// VersionInfo describes the build of the running server, as reported by GetVersion.
type VersionInfo struct {
	// Build is the build id, for example the git commit.
	Build string
	// Version is the release version.
	Version string
	// BuildTime is when the binary was built.
	BuildTime string
}

// Options configure a Service.
type Options struct {
	// Domains every project has. Default config.DefaultDomains()
	// (development, staging, production).
	Domains []config.Domain
	// Logger receives internal errors. Default: discard.
	Logger *slog.Logger
	// Clock returns the current time, recorded as creation and update
	// times. Default time.Now.
	Clock func() time.Time
	// Version is what GetVersion reports.
	Version VersionInfo
	// Blobs is the object store execution inputs are written to and
	// inputs, outputs and logs are read from. Required for the execution
	// RPCs, which answer Unavailable without it.
	Blobs *storage.Store
	// Executions is the store of executions. Default: the Store passed to
	// New when it implements store.ExecutionStore (every driver does).
	Executions store.ExecutionStore
}

// Service implements adminv1connect.AdminServiceHandler over a store.
type Service struct {
	// The embedded handler answers Unimplemented for the RPCs this package
	// does not serve yet (executions, node and task executions, events).
	adminv1connect.UnimplementedAdminServiceHandler

	store     store.Store
	domains   []*adminv1.Domain
	domainIDs map[string]bool
	logger    *slog.Logger
	clock     func() time.Time
	version   VersionInfo
	blobs     *storage.Store
	execs     store.ExecutionStore
}

var _ adminv1connect.AdminServiceHandler = (*Service)(nil)

// New returns the admin service over s, which must be migrated.
func New(s store.Store, opts Options) *Service {
	domains := opts.Domains
	if len(domains) == 0 {
		domains = config.DefaultDomains()
	}
	svc := &Service{
		store:     s,
		domainIDs: make(map[string]bool, len(domains)),
		logger:    opts.Logger,
		clock:     opts.Clock,
		version:   opts.Version,
		blobs:     opts.Blobs,
		execs:     opts.Executions,
	}
	if svc.execs == nil {
		svc.execs, _ = s.(store.ExecutionStore)
	}
	for _, d := range domains {
		name := d.Name
		if name == "" {
			name = d.ID
		}
		svc.domains = append(svc.domains, &adminv1.Domain{Id: d.ID, Name: name})
		svc.domainIDs[d.ID] = true
	}
	if svc.logger == nil {
		svc.logger = slog.New(slog.DiscardHandler)
	}
	if svc.clock == nil {
		svc.clock = time.Now
	}
	return svc
}

// Handler returns the path and HTTP handler that serve the service, built
// with opts (pass the server's HandlerOptions for its interceptors and
// request size limit).
func (s *Service) Handler(opts ...connect.HandlerOption) (string, http.Handler) {
	return adminv1connect.NewAdminServiceHandler(s, opts...)
}

// now is the current time as the store keeps it (UTC, microseconds), so
// the times in a stored body equal the store's columns.
func (s *Service) now() time.Time {
	return store.Timestamp(s.clock())
}

// domainList names the configured domains for error messages.
func (s *Service) domainList() string {
	ids := make([]string, len(s.domains))
	for i, d := range s.domains {
		ids[i] = d.GetId()
	}
	return strings.Join(ids, ", ")
}

// handle runs fn on the request message and turns its error into a
// Connect error (see toConnectError).
func handle[Req, Res any](ctx context.Context, s *Service, req *connect.Request[Req], fn func(context.Context, *Req) (*Res, error)) (*connect.Response[Res], error) {
	res, err := fn(ctx, req.Msg)
	if err != nil {
		return nil, s.toConnectError(ctx, req.Spec().Procedure, err)
	}
	return connect.NewResponse(res), nil
}

// GetDomains lists the configured domains.
func (s *Service) GetDomains(ctx context.Context, req *connect.Request[adminv1.GetDomainRequest]) (*connect.Response[adminv1.GetDomainsResponse], error) {
	return handle(ctx, s, req, func(context.Context, *adminv1.GetDomainRequest) (*adminv1.GetDomainsResponse, error) {
		return &adminv1.GetDomainsResponse{Domains: s.domainsProto()}, nil
	})
}

// domainsProto returns a copy of the configured domains.
func (s *Service) domainsProto() []*adminv1.Domain {
	out := make([]*adminv1.Domain, len(s.domains))
	for i, d := range s.domains {
		out[i] = &adminv1.Domain{Id: d.GetId(), Name: d.GetName()}
	}
	return out
}

// GetVersion reports the build of the server.
func (s *Service) GetVersion(ctx context.Context, req *connect.Request[adminv1.GetVersionRequest]) (*connect.Response[adminv1.GetVersionResponse], error) {
	return handle(ctx, s, req, func(context.Context, *adminv1.GetVersionRequest) (*adminv1.GetVersionResponse, error) {
		return &adminv1.GetVersionResponse{ControlPlaneVersion: &adminv1.Version{
			Build:     s.version.Build,
			Version:   s.version.Version,
			BuildTime: s.version.BuildTime,
		}}, nil
	})
}

// hasDomain reports whether id is a configured domain.
func (s *Service) hasDomain(id string) bool {
	return s.domainIDs[id]
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
