package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/logging"
	"github.com/flyte-go/flyte/internal/server"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

func newStartCommand() *cobra.Command {
	var demo bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the whole platform in one process on the embedded defaults (SQLite, a local blob directory)",
		Long: `Run every component in one process. With no configuration the database is an
SQLite file and the blob store a directory, both under --data-dir
(default ~/.flyte/sandbox), and the API listens on 127.0.0.1:8088 (--port).
The database schema is migrated on start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			return run(cmd.Context(), cfg, runOptions{
				mode:    "flyte start",
				admin:   true,
				catalog: true,
				engine:  true,
				migrate: true,
				demo:    demo,
				out:     cmd.OutOrStdout(),
				logOut:  cmd.ErrOrStderr(),
			})
		},
	}
	addConfigFlags(cmd)
	cmd.Flags().BoolVar(&demo, "demo", false, "register a demo project and the bundled example workflows after start")
	return cmd
}

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run one component of the platform, for production deployments",
	}
	cmd.AddCommand(
		serveCommand("admin",
			"Run the admin API (control plane) and the data catalog API, against the configured database and blob store",
			`Run the admin API without the engine, typically against PostgreSQL and S3
(see docs/config.md). The data catalog API is served on the same port, over the same database.
The schema must be current: run 'flyte migrate up' first, or pass --migrate.`,
			runOptions{admin: true, catalog: true}),
		serveCommand("propeller",
			"Run the engine alone; replicas against one PostgreSQL share executions through leases",
			`Run the engine (propeller) alone. Several replicas against one PostgreSQL
database share the executions through leases; when one dies, its executions
continue on another after the lease expires. The schema must be current.`,
			runOptions{engine: true}),
		serveCommand("datacatalog",
			"Run the data catalog API (memoized task outputs) alone, against the configured database",
			`Run the data catalog API alone, typically against PostgreSQL, for engines
configured with catalog.endpoint. It needs no blob store: cached outputs are
literals that refer to blobs, not the blobs themselves.
The schema must be current: run 'flyte migrate up' first, or pass --migrate.`,
			runOptions{catalog: true}),
	)
	return cmd
}

// serveCommand is `flyte serve NAME`, running what opts selects. Components
// that serve an API may migrate the schema first (--migrate); the engine
// never does.
func serveCommand(name, short, long string, opts runOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			o := opts
			o.mode = "flyte serve " + name
			if o.admin || o.catalog {
				o.migrate, _ = cmd.Flags().GetBool("migrate")
			}
			o.out, o.logOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			return run(cmd.Context(), cfg, o)
		},
	}
	addConfigFlags(cmd)
	if opts.admin || opts.catalog {
		cmd.Flags().Bool("migrate", false, "apply pending database migrations before serving")
	}
	return cmd
}

// runOptions say how run assembles and announces the platform.
type runOptions struct {
	mode    string    // the command, shown in the banner
	admin   bool      // serve the admin API
	catalog bool      // serve the data catalog API
	engine  bool      // run the engine (propeller) with the local plugins
	migrate bool      // apply pending migrations instead of refusing to start
	demo    bool      // seed the demo project and examples after start
	out     io.Writer // banner
	logOut  io.Writer // structured logs
}

// run assembles the configured components, serves until ctx is cancelled
// (SIGINT/SIGTERM) and then shuts down gracefully: the HTTP server first,
// then the engine, which gives up its leases so another replica continues.
func run(ctx context.Context, cfg config.Config, opts runOptions) error {
	logger, err := logging.New(cfg.Logging, opts.logOut)
	if err != nil {
		return &usageError{err}
	}
	if err := ensureDataDir(cfg); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := ensureSchema(ctx, st, opts.migrate); err != nil {
		return err
	}
	srv := server.New(cfg.Server, logger)
	srv.AddReadyCheck("database", st.Ping)
	// The data catalog alone needs no blob store.
	var blobs *storage.Store
	if opts.admin || opts.engine {
		blobs, err = openStorage(ctx, cfg.Storage)
		if err != nil {
			return err
		}
		defer blobs.Close()
		srv.AddReadyCheck("blob_store", blobs.Ping)
	}
	// The engine uses the data catalog in process unless it is configured
	// to reach a remote one.
	var catalog *datacatalog.Service
	if opts.catalog || (opts.engine && cfg.Catalog.Endpoint == "") {
		catalog, err = newCatalog(cfg, st, logger)
		if err != nil {
			return err
		}
	}
	if opts.catalog {
		srv.HandleService(catalog.Handler(srv.HandlerOptions()...))
	}
	if opts.admin || opts.engine {
		// The admin service is also the engine's launcher of child
		// executions, so a propeller-only replica builds one without
		// serving it.
		svc := admin.New(st, admin.Options{
			Domains: cfg.Domains,
			Logger:  logger,
			Version: admin.VersionInfo{Version: Version, Build: buildRevision()},
			Blobs:   blobs,
		})
		if opts.admin {
			srv.HandleService(svc.Handler(srv.HandlerOptions()...))
			srv.HandleService(svc.SignalHandler(srv.HandlerOptions()...))
			srv.Handle(svc.LogsHandler())
		}
		if opts.engine {
			stopEngine, err := startEngine(ctx, cfg, st, blobs, svc, catalog, logger)
			if err != nil {
				return err
			}
			defer stopEngine()
		}
	}

	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Stop()
	printBanner(opts, cfg, srv, blobs)
	if opts.demo {
		if err := seedDemo(ctx, srv.URL(), filepath.Join(cfg.DataDir, "examples"), opts.out); err != nil {
			logger.Error("demo failed", slog.String("error", err.Error()))
		}
	}
	err = srv.Run(ctx)
	logger.Info("stopped", slog.String("mode", opts.mode))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// ensureSchema applies pending migrations when migrate is set and otherwise
// refuses to serve an out-of-date schema, naming the command that fixes it.
func ensureSchema(ctx context.Context, st store.Store, migrate bool) error {
	if migrate {
		if err := st.MigrateUp(ctx); err != nil {
			return fmt.Errorf("migrate database: %w", err)
		}
		return nil
	}
	status, err := st.MigrateStatus(ctx)
	if err != nil {
		return fmt.Errorf("read migration status: %w", err)
	}
	var pending []string
	for _, m := range status {
		if !m.Applied {
			pending = append(pending, fmt.Sprintf("%04d_%s", m.Version, m.Name))
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("database schema is not current (pending: %s): run 'flyte migrate up' or pass --migrate", strings.Join(pending, ", "))
	}
	return nil
}

// printBanner says what runs where, so a user can copy the endpoint.
func printBanner(opts runOptions, cfg config.Config, srv *server.Server, blobs *storage.Store) {
	w, base := opts.out, srv.URL()
	fmt.Fprintf(w, "Flyte is running (%s)\n", opts.mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if opts.admin {
		fmt.Fprintf(tw, "  Admin API (gRPC, gRPC-Web, HTTP/JSON)\t%s\n", base)
	}
	if opts.catalog {
		fmt.Fprintf(tw, "  Data catalog API (gRPC, gRPC-Web, HTTP/JSON)\t%s\n", base)
	}
	if opts.engine {
		fmt.Fprintf(tw, "  Engine (propeller)\tlocal processes, echo, sleep\n")
		cache := "data catalog in process"
		if cfg.Catalog.Endpoint != "" {
			cache = "data catalog at " + cfg.Catalog.Endpoint
		}
		fmt.Fprintf(tw, "  Task cache\t%s\n", cache)
	}
	fmt.Fprintf(tw, "  Health, readiness, metrics\t%s/healthz  %s/readyz  %s/metrics\n", base, base, base)
	fmt.Fprintf(tw, "  Database\t%s %s\n", cfg.Database.Driver, cfg.Redacted().Database.DSN)
	if blobs != nil {
		fmt.Fprintf(tw, "  Blob store\t%s\n", blobs.Base())
	}
	ids := make([]string, 0, len(cfg.Domains))
	for _, d := range cfg.Domains {
		ids = append(ids, d.ID)
	}
	fmt.Fprintf(tw, "  Domains\t%s\n", strings.Join(ids, ", "))
	tw.Flush()
	if opts.admin {
		host := strings.TrimPrefix(base, "http://")
		fmt.Fprintf(w, "Try:  flyte-cli register-project -h %s -p myflyteproject --name \"My Flyte Project\"\n", host)
	}
	fmt.Fprintln(w, "Stop with Ctrl-C.")
}
