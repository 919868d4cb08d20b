package platform

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/datacatalog/datacatalogtest"
)

// banner collects what run prints and closes done once the banner's last
// line is out.
type banner struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
	once sync.Once
}

func newBanner() *banner { return &banner{done: make(chan struct{})} }

func (b *banner) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if strings.Contains(b.buf.String(), "Stop with Ctrl-C.") {
		b.once.Do(func() { close(b.done) })
	}
	return n, err
}

func (b *banner) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is a platform started by run in the background.
type running struct {
	banner string
	url    string
}

// testConfig is the configuration of a platform on driver under a fresh
// data directory, listening on a free loopback port.
func testConfig(t *testing.T, driver string) config.Config {
	t.Helper()
	cfg := config.Config{DataDir: t.TempDir(), Server: config.Server{Host: "127.0.0.1"}}
	if driver == admintest.DriverPostgres {
		cfg.Database = config.Database{Driver: config.DriverPostgres, DSN: admintest.PostgresSchemaDSN(t)}
	}
	return cfg.WithDefaults()
}

// startRun runs the platform until the test ends and returns once its
// banner is printed; run's error is checked at the end.
func startRun(t *testing.T, cfg config.Config, opts runOptions) running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := newBanner()
	opts.out, opts.logOut = b, io.Discard
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, cfg, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Errorf("the platform did not stop within 30s")
		}
	})
	select {
	case <-b.done:
	case err := <-errc:
		t.Fatalf("run returned before serving: %v\n%s", err, b.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no banner within 30s:\n%s", b.String())
	}
	out := b.String()
	m := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/healthz`).FindStringSubmatch(out)
	require.NotNil(t, m, "no health URL in the banner:\n%s", out)
	return running{banner: out, url: m[1]}
}

// catalogRoundTrip creates a dataset through the data catalog API at url
// and reads it back.
func catalogRoundTrip(t *testing.T, url string) {
	t.Helper()
	c := datacatalogv1connect.NewDataCatalogClient(http.DefaultClient, url)
	id := &datacatalogv1.DatasetID{Project: "p", Domain: "development", Name: "flyte_task-t", Version: "1-abc"}
	_, err := c.CreateDataset(t.Context(), connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: id}}))
	require.NoError(t, err)
	res, err := c.GetDataset(t.Context(), connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: id}))
	require.NoError(t, err)
	require.Equal(t, "1-abc", res.Msg.GetDataset().GetId().GetVersion())
}

func TestServeDatacatalog(t *testing.T) {
	t.Parallel()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, driver)
			opts := runOptions{mode: "flyte serve datacatalog", catalog: true}

			// An unmigrated schema is refused with the command that fixes it.
			opts.out, opts.logOut = io.Discard, io.Discard
			err := run(t.Context(), cfg, opts)
			require.ErrorContains(t, err, "run 'flyte migrate up' or pass --migrate")

			opts.migrate = true
			r := startRun(t, cfg, opts)
			require.Contains(t, r.banner, "Data catalog API (gRPC, gRPC-Web, HTTP/JSON)")
			require.NotContains(t, r.banner, "Admin API")
			require.NotContains(t, r.banner, "Blob store", "the data catalog alone opens no blob store")
			catalogRoundTrip(t, r.url)

			// The admin API is not served.
			admin := adminv1connect.NewAdminServiceClient(http.DefaultClient, r.url)
			_, err = admin.GetVersion(t.Context(), connect.NewRequest(&adminv1.GetVersionRequest{}))
			require.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err), "%v", err)
			_, statErr := os.Stat(filepath.Join(cfg.DataDir, "blobs"))
			require.True(t, os.IsNotExist(statErr), "no blob directory is created")
		})
	}
}

func TestStartAndServeAdminMountTheCatalog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts runOptions
	}{
		{"start", runOptions{mode: "flyte start", admin: true, catalog: true, engine: true, migrate: true}},
		{"serve admin", runOptions{mode: "flyte serve admin", admin: true, catalog: true, migrate: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := startRun(t, testConfig(t, admintest.DriverSQLite), tt.opts)
			require.Contains(t, r.banner, "Admin API (gRPC, gRPC-Web, HTTP/JSON)")
			require.Contains(t, r.banner, "Data catalog API (gRPC, gRPC-Web, HTTP/JSON)")
			if tt.opts.engine {
				require.Regexp(t, `Task cache\s+data catalog in process`, r.banner)
			}
			catalogRoundTrip(t, r.url)
			admin := adminv1connect.NewAdminServiceClient(http.DefaultClient, r.url)
			_, err := admin.GetVersion(t.Context(), connect.NewRequest(&adminv1.GetVersionRequest{}))
			require.NoError(t, err)
		})
	}
}

func TestServePropellerWithRemoteCatalog(t *testing.T) {
	t.Parallel()
	remote := datacatalogtest.New(t, admintest.DriverSQLite, datacatalog.Options{})
	cfg := testConfig(t, admintest.DriverSQLite)
	cfg.Catalog.Endpoint = remote.URL + "/"
	require.NoError(t, cfg.Validate())
	st, err := openStore(t.Context(), cfg.Database, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, st.MigrateUp(t.Context()))
	require.NoError(t, st.Close())

	r := startRun(t, cfg, runOptions{mode: "flyte serve propeller", engine: true})
	require.Regexp(t, `Task cache\s+data catalog at `+regexp.QuoteMeta(remote.URL), r.banner)
	require.NotContains(t, r.banner, "Data catalog API")
}

func TestCatalogClient(t *testing.T) {
	t.Parallel()
	remote := datacatalogtest.New(t, admintest.DriverSQLite, datacatalog.Options{})

	// In process: the service itself.
	require.Same(t, remote.Service, catalogClient(config.Catalog{}, remote.Service))

	// Remote: a client of the service at the endpoint, trailing slash or not.
	for _, endpoint := range []string{remote.URL, remote.URL + "/"} {
		c := catalogClient(config.Catalog{Endpoint: endpoint}, nil)
		id := &datacatalogv1.DatasetID{Project: "p", Domain: "d", Name: "n", Version: endpoint}
		_, err := c.CreateDataset(t.Context(), connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: id}}))
		require.NoError(t, err)
		got, err := remote.Service.GetDataset(t.Context(), connect.NewRequest(&datacatalogv1.GetDatasetRequest{Dataset: id}))
		require.NoError(t, err)
		require.Equal(t, endpoint, got.Msg.GetDataset().GetId().GetVersion())
	}
}

func TestServeDatacatalogCommand(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Main([]string{"serve", "datacatalog", "--data-dir", t.TempDir(), "--port", "0"}, &out, &errOut)
	require.Equal(t, 1, code, errOut.String())
	require.Contains(t, errOut.String(), "database schema is not current")
	require.Contains(t, errOut.String(), "--migrate")

	out.Reset()
	errOut.Reset()
	code = Main([]string{"serve", "--help"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "datacatalog")
	require.Contains(t, out.String(), "Run the data catalog API")
}
