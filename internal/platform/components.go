package platform

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/pgstore"
	"github.com/flyte-go/flyte/internal/store/sqlitestore"
)

// openStore opens the database the configuration names. It does not migrate.
func openStore(ctx context.Context, cfg config.Database, logger *slog.Logger) (store.Store, error) {
	switch cfg.Driver {
	case config.DriverSQLite:
		s, err := sqlitestore.Open(ctx, cfg.DSN, logger)
		if err != nil {
			return nil, fmt.Errorf("open sqlite database: %w", err)
		}
		return s, nil
	case config.DriverPostgres:
		s, err := pgstore.Open(ctx, cfg.DSN, logger)
		if err != nil {
			return nil, fmt.Errorf("open postgres database: %w", err)
		}
		return s, nil
	default:
		// config.Validate rejects other drivers; this guards new ones.
		return nil, fmt.Errorf("unknown database driver %q", cfg.Driver)
	}
}

// newCatalog returns the data catalog service over st, which must
// implement the catalog store (every driver does).
func newCatalog(cfg config.Config, st store.Store, logger *slog.Logger) (*datacatalog.Service, error) {
	cst, ok := st.(store.CatalogStore)
	if !ok {
		return nil, fmt.Errorf("the %s store does not support the data catalog", cfg.Database.Driver)
	}
	return datacatalog.New(cst, datacatalog.Options{
		MaxReservationHeartbeat: cfg.Catalog.MaxReservationHeartbeat,
		Logger:                  logger,
	}), nil
}

// openStorage opens the blob store the configuration names. The endpoint,
// region and path-style settings are folded into an s3:// URL's query, where
// the storage package reads them.
func openStorage(ctx context.Context, cfg config.Storage) (*storage.Store, error) {
	raw, err := storageURL(cfg)
	if err != nil {
		return nil, err
	}
	s, err := storage.Open(ctx, raw, storage.Options{
		AccessKeyID:     cfg.AccessKeyID,
		SecretAccessKey: cfg.SecretAccessKey,
		Region:          cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	return s, nil
}

// storageURL returns the storage URL with the S3 settings of cfg as query
// parameters; settings already in the URL win.
func storageURL(cfg config.Storage) (string, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return "", fmt.Errorf("storage.url: %w", err)
	}
	if u.Scheme != "s3" {
		return cfg.URL, nil
	}
	q := u.Query()
	setDefault := func(key, value string) {
		if value != "" && q.Get(key) == "" {
			q.Set(key, value)
		}
	}
	setDefault("endpoint", cfg.Endpoint)
	setDefault("region", cfg.Region)
	if cfg.UsePathStyle {
		setDefault("use_path_style", "true")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// storageEnv is the blob store settings of cfg as the FLYTE_STORAGE_*
// variables the configuration reads, for the task processes of the local
// plugin: an SDK task opens the store that holds its inputs.pb with them,
// whether the platform got them from the environment, a file or flags.
// Settings left empty or false are not passed.
func storageEnv(cfg config.Config) []string {
	var env []string
	for _, s := range config.Settings() {
		if !strings.HasPrefix(s.Key, "storage.") {
			continue
		}
		if v := s.Get(cfg); v != "" && v != "false" {
			env = append(env, s.Env+"="+v)
		}
	}
	return env
}
