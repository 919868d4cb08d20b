// Package config defines the one configuration struct of the flyte platform and
// loads it from three sources that name the same settings:
//
//   - a YAML file (the --config flag, or FLYTE_CONFIG), decoded strictly: an
//     unknown key is an error that names the key;
//   - environment variables: FLYTE_ followed by the YAML path in upper snake
//     case, sections and words joined with "_";
//   - command-line flags: the YAML path in kebab case, sections and words
//     joined with "-".
//
// Precedence is flag > environment > file > default. For example the YAML key
// server.port is FLYTE_SERVER_PORT and --server-port, database.dsn is
// FLYTE_DATABASE_DSN and --database-dsn, storage.accessKeyID is
// FLYTE_STORAGE_ACCESS_KEY_ID and --storage-access-key-id. The names are
// derived from the struct tags by one function (see [Settings]), so the three
// sources cannot drift apart. The list of domains, a YAML sequence, is written
// in the environment and on the command line as "id[=Name],id[=Name]".
//
// Every field documents its default. [Config.WithDefaults] fills unset fields
// (including the ones derived from DataDir) and [Config.Validate] reports every
// problem at once, each naming its key. docs/config.md is the user-facing
// reference; a test keeps it listing every setting.
//
// A cobra command wires it up with:
//
//	config.RegisterFlags(cmd.Flags())
//	...
//	cfg, err := config.LoadFromFlags(os.LookupEnv, cmd.Flags())
package config

import (
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Defaults of the settings that do not depend on other settings.
const (
	// DefaultDataDir is where the embedded platform keeps its state; "~"
	// stands for the user's home directory.
	DefaultDataDir = "~/.flyte/sandbox"
	// DefaultHost is the interface the API server listens on.
	DefaultHost = "127.0.0.1"
	// DefaultPort is the TCP port the API server listens on.
	DefaultPort = 8088
	// DefaultReadHeaderTimeout bounds how long a client may take to send
	// request headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultShutdownTimeout bounds a graceful shutdown.
	DefaultShutdownTimeout = 15 * time.Second
	// DefaultMaxRequestBytes is the largest request message accepted (8 MiB).
	DefaultMaxRequestBytes = 8 << 20
	// DefaultMaxOpenConns caps the database connection pool.
	DefaultMaxOpenConns = 10
	// DefaultLogLevel is the minimum level logged.
	DefaultLogLevel = "info"
	// DefaultLogFormat is the log line format.
	DefaultLogFormat = "text"
	// DefaultReservationHeartbeat is how often the engine extends a cache
	// reservation it holds.
	DefaultReservationHeartbeat = 10 * time.Second
	// DefaultMaxReservationHeartbeat caps the heartbeat interval the data
	// catalog grants.
	DefaultMaxReservationHeartbeat = 10 * time.Second
)

// Database drivers.
const (
	// DriverSQLite is the embedded, pure-Go SQLite driver.
	DriverSQLite = "sqlite"
	// DriverPostgres is the PostgreSQL driver.
	DriverPostgres = "postgres"
)

// Log formats.
const (
	// LogFormatText selects slog's key=value text handler.
	LogFormatText = "text"
	// LogFormatJSON selects slog's JSON handler.
	LogFormatJSON = "json"
)

// Config is the whole platform configuration.
type Config struct {
	// DataDir holds the embedded platform's state: the SQLite database and
	// the local blob store. Default "~/.flyte/sandbox"; WithDefaults expands
	// "~" and makes the path absolute.
	DataDir string `yaml:"dataDir" usage:"directory for local state (SQLite database, local blob store)"`
	// Server configures the HTTP/gRPC listener.
	Server Server `yaml:"server"`
	// Database selects and configures the relational store.
	Database Database `yaml:"database"`
	// Storage configures the object store.
	Storage Storage `yaml:"storage"`
	// Domains lists the domains every project has. Default development,
	// staging and production, each named like its id.
	Domains []Domain `yaml:"domains" usage:"domains every project has, as id[=Name],..."`
	// Logging configures the process logger.
	Logging Logging `yaml:"logging"`
	// Engine configures the engine (propeller) and its local task runner.
	Engine Engine `yaml:"engine"`
	// Catalog configures the data catalog (memoized task outputs) and how
	// the engine uses it.
	Catalog Catalog `yaml:"catalog"`
}

// Catalog configures the data catalog service and the engine's use of it.
// Zero values take the defaults stated on each field.
type Catalog struct {
	// Endpoint is the base URL (http:// or https://) of a remote data
	// catalog service the engine uses. Default empty: the engine uses a
	// data catalog in process, over its own database.
	Endpoint string `yaml:"endpoint" usage:"URL of a remote data catalog for the engine; empty uses one in process over the engine's database"`
	// MaxCacheAge makes cached outputs older than it misses, so the task
	// runs again and replaces them. Default 0: no limit.
	MaxCacheAge time.Duration `yaml:"maxCacheAge" usage:"cached outputs older than this are misses (default 0: no limit)"`
	// ReservationHeartbeat is how often the engine extends the cache
	// reservation of a serialized task it runs; the reservation expires
	// after 3 missed heartbeats. Default 10s.
	ReservationHeartbeat time.Duration `yaml:"reservationHeartbeat" usage:"how often the engine extends a cache reservation it holds (default 10s)"`
	// MaxReservationHeartbeat is the longest heartbeat interval the data
	// catalog service grants; longer requests are cut to it. Default 10s.
	MaxReservationHeartbeat time.Duration `yaml:"maxReservationHeartbeat" usage:"longest reservation heartbeat interval the data catalog grants (default 10s)"`
}

// WithDefaults returns c with every unset field set to its default.
func (c Catalog) WithDefaults() Catalog {
	if c.ReservationHeartbeat == 0 {
		c.ReservationHeartbeat = DefaultReservationHeartbeat
	}
	if c.MaxReservationHeartbeat == 0 {
		c.MaxReservationHeartbeat = DefaultMaxReservationHeartbeat
	}
	return c
}

// Engine configures the engine (propeller). Zero values take the defaults
// stated on each field.
type Engine struct {
	// LeaseDuration is how long an engine replica holds an execution without
	// renewing; a dead replica's executions continue elsewhere after it.
	// Default 30s.
	LeaseDuration time.Duration `yaml:"leaseDuration" usage:"how long a replica holds an execution without renewing (default 30s)"`
	// Workers is how many executions one replica evaluates at once.
	// Default 2 per CPU.
	Workers int `yaml:"workers" usage:"executions evaluated at once (default 2 per CPU)"`
	// MaxSystemRetries is the per-node budget of retries after system
	// failures, separate from a task's own retries. Default 3.
	MaxSystemRetries int `yaml:"maxSystemRetries" usage:"retries after system failures per node (default 3)"`
	// MaxParallelTasks is how many local task processes run at once; more
	// wait in a queue. Default 4 per CPU.
	MaxParallelTasks int `yaml:"maxParallelTasks" usage:"local task processes run at once (default 4 per CPU)"`
}

// Server configures the HTTP server that serves every API on one port.
type Server struct {
	// Host is the interface to listen on. Default "127.0.0.1"; "0.0.0.0"
	// listens on every IPv4 interface.
	Host string `yaml:"host" usage:"interface to listen on"`
	// Port is the TCP port to listen on. Default 8088, set by Load and the
	// flag default. WithDefaults leaves 0 alone because 0 is meaningful: it
	// asks the kernel for a free port (the server reports it by Addr).
	Port int `yaml:"port" usage:"TCP port to listen on; 0 picks a free port"`
	// ReadHeaderTimeout bounds how long a client may take to send request
	// headers. Default 10s.
	ReadHeaderTimeout time.Duration `yaml:"readHeaderTimeout" usage:"time allowed to read request headers"`
	// ShutdownTimeout bounds a graceful shutdown: in-flight requests get this
	// long to finish. Default 15s.
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout" usage:"time in-flight requests get to finish on shutdown"`
	// MaxRequestBytes is the largest request message an RPC accepts; larger
	// ones fail with ResourceExhausted. Default 8388608 (8 MiB).
	MaxRequestBytes int64 `yaml:"maxRequestBytes" usage:"largest RPC request message in bytes"`
}

// Database selects and configures the relational store.
type Database struct {
	// Driver is "sqlite" or "postgres". Default "sqlite".
	Driver string `yaml:"driver" usage:"database driver: sqlite or postgres"`
	// DSN locates the database: a file path for sqlite, a libpq URL or
	// key=value string for postgres. Default "<dataDir>/flyte.db" for sqlite;
	// required for postgres.
	DSN string `yaml:"dsn" usage:"database location: file path (sqlite) or connection string (postgres); default <data-dir>/flyte.db for sqlite"`
	// MaxOpenConns caps the connection pool. Default 10.
	MaxOpenConns int `yaml:"maxOpenConns" usage:"maximum open database connections"`
}

// Storage configures the object store, chosen by URL scheme (gocloud.dev/blob).
type Storage struct {
	// URL is the bucket URL: file:///dir, s3://bucket, gs://bucket,
	// azblob://container or mem://. Default "file://<dataDir>/blobs".
	URL string `yaml:"url" usage:"object store bucket URL (file://, s3://, gs://, azblob://, mem://); default file://<data-dir>/blobs"`
	// Endpoint overrides the S3 endpoint, for S3-compatible servers such as
	// MinIO. Default empty (the provider's endpoint).
	Endpoint string `yaml:"endpoint" usage:"S3 endpoint URL for S3-compatible servers"`
	// Region is the S3 region. Default empty (the SDK's default chain).
	Region string `yaml:"region" usage:"S3 region"`
	// AccessKeyID is the S3 access key id. Default empty (the SDK's
	// credential chain).
	AccessKeyID string `yaml:"accessKeyID" usage:"S3 access key id"`
	// SecretAccessKey is the S3 secret key; it is redacted by Redacted.
	// Default empty (the SDK's credential chain).
	SecretAccessKey string `yaml:"secretAccessKey" usage:"S3 secret access key (prefer the environment variable)"`
	// UsePathStyle addresses buckets as endpoint/bucket instead of
	// bucket.endpoint, as MinIO needs. Default false.
	UsePathStyle bool `yaml:"usePathStyle" usage:"address S3 buckets by path instead of virtual host"`
}

// Domain is one deployment stage every project is split into.
type Domain struct {
	// ID is the identifier used in resource ids and namespaces: lowercase
	// letters, digits and '-', starting with a letter, at most 63 characters.
	ID string `yaml:"id"`
	// Name is the display name. Default: the ID.
	Name string `yaml:"name"`
}

// Logging configures the process logger.
type Logging struct {
	// Level is the minimum level logged: debug, info, warn or error.
	// Default "info".
	Level string `yaml:"level" usage:"minimum log level: debug, info, warn, error"`
	// Format is "text" or "json". Default "text".
	Format string `yaml:"format" usage:"log format: text or json"`
}

// DefaultDomains returns the domains a platform has when none are configured.
func DefaultDomains() []Domain {
	return []Domain{
		{ID: "development", Name: "development"},
		{ID: "staging", Name: "staging"},
		{ID: "production", Name: "production"},
	}
}

// WithDefaults returns c with every unset field set to its default,
// including the DataDir-derived database DSN (sqlite) and storage URL. It
// also makes DataDir absolute, expanding a leading "~" to the home directory,
// so that the derived paths are usable. Server.Port is the exception to
// defaulting: 0 stays 0 (any free port).
func (c Config) WithDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	c.DataDir = absDir(c.DataDir)
	c.Server = c.Server.WithDefaults()
	if c.Database.Driver == "" {
		c.Database.Driver = DriverSQLite
	}
	if c.Database.DSN == "" && c.Database.Driver == DriverSQLite {
		c.Database.DSN = filepath.Join(c.DataDir, "flyte.db")
	}
	if c.Database.MaxOpenConns == 0 {
		c.Database.MaxOpenConns = DefaultMaxOpenConns
	}
	if c.Storage.URL == "" {
		c.Storage.URL = fileURL(filepath.Join(c.DataDir, "blobs"))
	}
	if len(c.Domains) == 0 {
		c.Domains = DefaultDomains()
	} else {
		domains := make([]Domain, len(c.Domains))
		for i, d := range c.Domains {
			if d.Name == "" {
				d.Name = d.ID
			}
			domains[i] = d
		}
		c.Domains = domains
	}
	c.Logging = c.Logging.WithDefaults()
	c.Catalog = c.Catalog.WithDefaults()
	return c
}

// WithDefaults returns s with every unset field set to its default. Port 0
// is kept: it asks for any free port.
func (s Server) WithDefaults() Server {
	if s.Host == "" {
		s.Host = DefaultHost
	}
	if s.ReadHeaderTimeout == 0 {
		s.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = DefaultShutdownTimeout
	}
	if s.MaxRequestBytes == 0 {
		s.MaxRequestBytes = DefaultMaxRequestBytes
	}
	return s
}

// WithDefaults returns l with every unset field set to its default.
func (l Logging) WithDefaults() Logging {
	if l.Level == "" {
		l.Level = DefaultLogLevel
	}
	if l.Format == "" {
		l.Format = DefaultLogFormat
	}
	return l
}

// SlogLevel maps Level to a slog level; the empty level is the default, info.
func (l Logging) SlogLevel() (slog.Level, error) {
	switch strings.ToLower(l.Level) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	default:
		return 0, &FieldError{Key: "logging.level", Msg: "unknown level " + quote(l.Level) + " (want debug, info, warn or error)"}
	}
}

// Redacted returns a copy of c that is safe to log: the storage secret key
// and any password in the database DSN are masked.
func (c Config) Redacted() Config {
	if c.Storage.SecretAccessKey != "" {
		c.Storage.SecretAccessKey = redactedMark
	}
	c.Database.DSN = redactDSN(c.Database.DSN)
	c.Domains = append([]Domain(nil), c.Domains...)
	return c
}

const redactedMark = "xxxxx"

// dsnPassword matches a password in a key=value PostgreSQL connection string,
// quoted or not.
var dsnPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return dsnPassword.ReplaceAllString(dsn, "${1}"+redactedMark)
}

// fileURL turns an absolute local path into a file:// bucket URL, escaping
// characters that mean something in URLs.
func fileURL(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive paths: file:///C:/dir
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// absDir expands a leading "~" to the home directory and makes dir absolute.
// When either step is impossible dir is returned unchanged and Validate
// reports that it is not absolute.
func absDir(dir string) string {
	if dir == "~" || strings.HasPrefix(dir, "~/") || strings.HasPrefix(dir, "~"+string(filepath.Separator)) {
		home, err := os.UserHomeDir()
		if err != nil {
			return dir
		}
		dir = filepath.Join(home, dir[1:])
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
