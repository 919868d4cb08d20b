package platform

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/plugin/builtinplugin"
	"github.com/flyte-go/flyte/internal/plugin/localplugin"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

// startEngine starts the engine with the local, echo and sleep plugins and
// returns the function that stops it (engine first, then the plugins).
// catalog is the in-process data catalog, nil when catalog.endpoint names
// a remote one.
func startEngine(ctx context.Context, cfg config.Config, st store.Store, blobs *storage.Store, svc *admin.Service, catalog *datacatalog.Service, logger *slog.Logger) (stop func(), err error) {
	execs, ok := st.(propeller.ExecStore)
	if !ok {
		return nil, fmt.Errorf("the %s store does not support executions", cfg.Database.Driver)
	}
	local, err := localplugin.New(localplugin.Options{
		WorkDir:     filepath.Join(cfg.DataDir, "work"),
		MaxParallel: cfg.Engine.MaxParallelTasks,
		Logger:      logger,
		Env:         storageEnv(cfg),
	})
	if err != nil {
		return nil, err
	}
	builtin := builtinplugin.New(builtinplugin.Options{})
	plugins := plugin.NewRegistry()
	plugins.Register(local, localplugin.TaskTypes...)
	plugins.Register(builtin, builtinplugin.TaskTypes...)

	engine := propeller.New(execs, blobs, plugins, propeller.Options{
		LeaseDuration:    cfg.Engine.LeaseDuration,
		Workers:          cfg.Engine.Workers,
		MaxSystemRetries: cfg.Engine.MaxSystemRetries,
		Logger:           logger,
		Launcher:         adminLauncher{svc},
		Catalog:          catalogClient(cfg.Catalog, catalog),
		CacheMaxAge:      cfg.Catalog.MaxCacheAge,
		CacheHeartbeat:   cfg.Catalog.ReservationHeartbeat,
	})
	if err := engine.Start(ctx); err != nil {
		local.Close()
		builtin.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return func() {
		engine.Stop()
		local.Close()
		builtin.Close()
	}, nil
}

// catalogCallTimeout bounds one call to a remote data catalog, so that a
// catalog that hangs costs a cache lookup, not an engine worker.
const catalogCallTimeout = 30 * time.Second

// catalogClient is the data catalog the engine uses: the in-process service
// when there is one, else a client of the service at cfg.Endpoint. The
// client speaks the Connect protocol, over HTTP/1.1 for http:// and HTTP/2
// negotiated by TLS for https://, like flyte-cli.
func catalogClient(cfg config.Catalog, inProcess *datacatalog.Service) datacatalogv1connect.DataCatalogClient {
	if inProcess != nil {
		return inProcess
	}
	return datacatalogv1connect.NewDataCatalogClient(&http.Client{Timeout: catalogCallTimeout}, strings.TrimSuffix(cfg.Endpoint, "/"))
}

// adminLauncher starts child executions through the admin service in this
// process, with the same validation as a user's request.
type adminLauncher struct{ svc *admin.Service }

func (l adminLauncher) Launch(ctx context.Context, req *adminv1.ExecutionCreateRequest) (*corev1.WorkflowExecutionIdentifier, error) {
	resp, err := l.svc.CreateExecution(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetId(), nil
}
