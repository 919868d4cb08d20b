package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// StorageSchemes lists the object-store URL schemes the platform opens.
var StorageSchemes = []string{"file", "s3", "gs", "azblob", "mem"}

// domainID is a DNS label that starts with a letter: domain ids become part
// of Kubernetes namespace names ("<project>-<domain>").
var domainID = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// hostname matches DNS names such as "localhost" or "api.example.com".
var hostname = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)

// Validate reports every problem in c, each naming its key, joined into one
// error; nil when c is usable. Call it on a config with defaults applied.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case c.DataDir == "":
		add("dataDir", "must not be empty")
	case !filepath.IsAbs(c.DataDir):
		add("dataDir", "must be an absolute path, got %s", quote(c.DataDir))
	}
	errs = append(errs, c.Server.Validate())
	c.Database.validate(add)
	c.Storage.validate(add)
	validateDomains(c.Domains, add)
	if _, err := c.Logging.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	switch c.Logging.Format {
	case LogFormatText, LogFormatJSON:
	default:
		add("logging.format", "unknown format %s (want text or json)", quote(c.Logging.Format))
	}
	for key, negative := range map[string]bool{
		"engine.leaseDuration":    c.Engine.LeaseDuration < 0,
		"engine.workers":          c.Engine.Workers < 0,
		"engine.maxSystemRetries": c.Engine.MaxSystemRetries < 0,
		"engine.maxParallelTasks": c.Engine.MaxParallelTasks < 0,
	} {
		if negative {
			add(key, "must not be negative")
		}
	}
	c.Catalog.validate(add)
	return errors.Join(errs...)
}

// maxReservationHeartbeat is the longest heartbeat interval the catalog
// store accepts (store.MaxReservationHeartbeat).
const maxReservationHeartbeat = 24 * time.Hour

func (c Catalog) validate(add func(key, format string, args ...any)) {
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			add("catalog.endpoint", "%s is not an http(s)://host[:port][/path] URL", quote(c.Endpoint))
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"catalog.maxCacheAge", c.MaxCacheAge},
		{"catalog.reservationHeartbeat", c.ReservationHeartbeat},
		{"catalog.maxReservationHeartbeat", c.MaxReservationHeartbeat},
	} {
		if d.v < 0 {
			add(d.key, "must not be negative, got %s", d.v)
		}
	}
	// The store refuses longer intervals: a dead owner would block a cache
	// key for days.
	if c.MaxReservationHeartbeat > maxReservationHeartbeat {
		add("catalog.maxReservationHeartbeat", "at most %s, got %s", maxReservationHeartbeat, c.MaxReservationHeartbeat)
	}
	// In process the service cuts a longer engine heartbeat to its cap, so
	// the reservation would expire sooner than the engine expects (between
	// two heartbeats beyond 3 × the cap). A remote service's cap is its own
	// configuration, unknown here.
	if c.Endpoint == "" && c.MaxReservationHeartbeat > 0 && c.ReservationHeartbeat > c.MaxReservationHeartbeat {
		add("catalog.reservationHeartbeat", "%s is longer than catalog.maxReservationHeartbeat (%s), which caps it", c.ReservationHeartbeat, c.MaxReservationHeartbeat)
	}
}

// Validate reports every problem in s, each naming its key under "server.".
func (s Server) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: "server." + key, Msg: fmt.Sprintf(format, args...)})
	}
	if s.Host != "" {
		if _, err := netip.ParseAddr(s.Host); err != nil && !hostname.MatchString(s.Host) {
			add("host", "%s is neither an IP address nor a host name", quote(s.Host))
		}
	}
	if s.Port < 0 || s.Port > 65535 {
		add("port", "%d is out of range (want 0-65535; 0 picks a free port)", s.Port)
	}
	if s.ReadHeaderTimeout < 0 {
		add("readHeaderTimeout", "must not be negative, got %s", s.ReadHeaderTimeout)
	}
	if s.ShutdownTimeout < 0 {
		add("shutdownTimeout", "must not be negative, got %s", s.ShutdownTimeout)
	}
	if s.MaxRequestBytes < 0 {
		add("maxRequestBytes", "must not be negative, got %d", s.MaxRequestBytes)
	}
	return errors.Join(errs...)
}

func (d Database) validate(add func(key, format string, args ...any)) {
	switch d.Driver {
	case DriverSQLite, DriverPostgres:
		if d.DSN == "" {
			add("database.dsn", "required for driver %s", d.Driver)
		}
	default:
		add("database.driver", "unknown driver %s (want sqlite or postgres)", quote(d.Driver))
	}
	if d.MaxOpenConns < 0 {
		add("database.maxOpenConns", "must not be negative, got %d", d.MaxOpenConns)
	}
}

func (s Storage) validate(add func(key, format string, args ...any)) {
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		add("storage.url", "must not be empty")
	case err != nil:
		add("storage.url", "not a URL: %v", unwrapURLError(err))
	case u.Scheme == "":
		add("storage.url", "%s has no scheme (want one of %s)", quote(s.URL), strings.Join(StorageSchemes, ", "))
	default:
		known := false
		for _, scheme := range StorageSchemes {
			known = known || u.Scheme == scheme
		}
		if !known {
			add("storage.url", "unknown scheme %s (want one of %s)", quote(u.Scheme), strings.Join(StorageSchemes, ", "))
		}
	}
	if s.Endpoint != "" {
		e, err := url.Parse(s.Endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
			add("storage.endpoint", "%s is not an http(s)://host[:port] URL", quote(s.Endpoint))
		}
	}
	if (s.AccessKeyID == "") != (s.SecretAccessKey == "") {
		add("storage.accessKeyID", "set together with storage.secretAccessKey, or neither")
	}
}

func validateDomains(ds []Domain, add func(key, format string, args ...any)) {
	if len(ds) == 0 {
		add("domains", "must list at least one domain")
	}
	first := map[string]int{}
	for i, d := range ds {
		key := fmt.Sprintf("domains[%d]", i)
		if !domainID.MatchString(d.ID) {
			add(key+".id", "%s is not a valid domain id (lowercase letters, digits and '-', starting with a letter, at most 63 characters)", quote(d.ID))
		}
		if j, dup := first[d.ID]; dup {
			add(key+".id", "duplicate domain id %s (also domains[%d])", quote(d.ID), j)
		} else {
			first[d.ID] = i
		}
		if strings.TrimSpace(d.Name) == "" {
			add(key+".name", "must not be blank")
		}
	}
}

// unwrapURLError drops url.Error's repetition of the whole URL, which may
// carry credentials.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
