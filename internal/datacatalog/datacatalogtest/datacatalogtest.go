// Package datacatalogtest starts a real DataCatalog server for tests: a
// fresh, migrated SQLite or PostgreSQL store (admintest.OpenStore), the
// datacatalog service over it, mounted on a real internal/server listening
// on 127.0.0.1 with a free port, and a Connect client for it. Everything is
// torn down when the test ends. PostgreSQL tests are skipped unless
// FLYTE_TEST_POSTGRES_DSN is set (see admintest).
package datacatalogtest

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/server"
	"github.com/flyte-go/flyte/internal/store"
)

// Env is a running DataCatalog server and what it runs on.
type Env struct {
	// URL is the server's base URL, as in http://127.0.0.1:40123.
	URL string
	// Client calls the service over the Connect protocol (HTTP/1.1).
	Client datacatalogv1connect.DataCatalogClient
	// Service is the service mounted on the server, for calls in process.
	Service *datacatalog.Service
	// Store is the store the service writes, for checks behind the API.
	Store store.CatalogStore
	// Server is the HTTP server.
	Server *server.Server
	// Driver is admintest.DriverSQLite or admintest.DriverPostgres.
	Driver string
}

// New starts a DataCatalog server with opts on a fresh store of driver. A
// nil opts.Logger is replaced by one that discards.
func New(tb testing.TB, driver string, opts datacatalog.Options) *Env {
	tb.Helper()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
		opts.Logger = logger
	}
	st, _ := admintest.OpenStore(tb, driver, logger)
	cst, ok := st.(store.CatalogStore)
	require.True(tb, ok, "the %s store does not implement store.CatalogStore", driver)
	svc := datacatalog.New(cst, opts)

	srv := server.New(config.Server{Host: "127.0.0.1"}, logger)
	srv.HandleService(svc.Handler(srv.HandlerOptions()...))
	srv.AddReadyCheck("database", st.Ping)
	require.NoError(tb, srv.Start(tb.Context()))
	tb.Cleanup(srv.Stop)

	httpClient := &http.Client{}
	tb.Cleanup(httpClient.CloseIdleConnections)
	return &Env{
		URL:     srv.URL(),
		Client:  datacatalogv1connect.NewDataCatalogClient(httpClient, srv.URL()),
		Service: svc,
		Store:   cst,
		Server:  srv,
		Driver:  driver,
	}
}
