package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Environment variables the client reads.
const (
	// EnvConfig names the config file when --config is not given.
	EnvConfig = "FLYTE_CLI_CONFIG"
	// EnvAdminEndpoint is the admin address when -h/--host is not given;
	// it takes precedence over admin.endpoint in the config file.
	EnvAdminEndpoint = "FLYTE_ADMIN_ENDPOINT"
)

// DefaultEndpoint is the admin address used when no flag, environment
// variable or config file names one: the port `flyte start` listens on.
const DefaultEndpoint = "127.0.0.1:8088"

// defaultConfigPath is the config file read when neither --config nor
// FLYTE_CLI_CONFIG names one, relative to the home directory. Unlike an
// explicitly named file it may be missing.
const defaultConfigPath = ".flyte/config.yaml"

// fileConfig is the client's config file. It is decoded strictly, so a
// misspelt key is an error that names it rather than a silently ignored
// setting.
type fileConfig struct {
	Admin struct {
		// Endpoint is the admin address, same syntax as -h/--host.
		Endpoint string `json:"endpoint"`
		// Insecure forces plain HTTP (true) or TLS (false) for a bare
		// host:port; unset applies the loopback rule.
		Insecure *bool `json:"insecure"`
		// CACertFile is a PEM file of extra trusted certificate
		// authorities; a relative path is relative to the config file.
		CACertFile string `json:"caCertFile"`
	} `json:"admin"`
	// Project is the default of -p/--project.
	Project string `json:"project"`
	// Domain is the default of -d/--domain.
	Domain string `json:"domain"`
}

// overrides are the connection settings given as flags; nil means the
// flag was not given.
type overrides struct {
	Config   *string
	Host     *string
	Insecure *bool
	CACert   *string
	Project  *string
	Domain   *string
}

// settings are the resolved connection settings of one command.
type settings struct {
	Endpoint   endpoint
	CACertFile string
	Project    string
	Domain     string
	// ConfigPath is the config file that was read; empty when none was.
	ConfigPath string
}

// endpoint is where the admin service is reached.
type endpoint struct {
	// BaseURL is the scheme, host, port and optional path prefix, without
	// a trailing slash (for example "http://127.0.0.1:8088").
	BaseURL string
	// TLS is whether the connection is encrypted.
	TLS bool
}

// environment is what the client reads from the process: variables, the
// home directory and files. Tests replace it.
type environment struct {
	Getenv   func(string) string
	HomeDir  func() (string, error)
	ReadFile func(string) ([]byte, error)
}

// resolveSettings merges the flags, the environment and the config file.
// Precedence is flag > environment > config file > default for the
// endpoint, and flag > config file for everything else.
func resolveSettings(flags overrides, env environment) (settings, error) {
	cfgPath, explicit := configPath(flags, env)
	var cfg fileConfig
	if cfgPath != "" {
		data, err := env.ReadFile(cfgPath)
		switch {
		case err == nil:
			if cfg, err = parseFileConfig(data); err != nil {
				return settings{}, fmt.Errorf("config file %s: %w", cfgPath, err)
			}
		case !explicit && errors.Is(err, fs.ErrNotExist):
			cfgPath = "" // the default file is optional
		default:
			return settings{}, fmt.Errorf("read config file: %w", err)
		}
	}

	host := DefaultEndpoint
	switch {
	case flags.Host != nil:
		host = *flags.Host
	case env.Getenv(EnvAdminEndpoint) != "":
		host = env.Getenv(EnvAdminEndpoint)
	case cfg.Admin.Endpoint != "":
		host = cfg.Admin.Endpoint
	}
	ep, err := resolveEndpoint(host, flags.Insecure, cfg.Admin.Insecure)
	if err != nil {
		return settings{}, err
	}

	s := settings{Endpoint: ep, ConfigPath: cfgPath, Project: cfg.Project, Domain: cfg.Domain}
	if cfg.Admin.CACertFile != "" {
		s.CACertFile = cfg.Admin.CACertFile
		if !filepath.IsAbs(s.CACertFile) {
			s.CACertFile = filepath.Join(filepath.Dir(cfgPath), s.CACertFile)
		}
	}
	if flags.CACert != nil {
		s.CACertFile = *flags.CACert
	}
	if flags.Project != nil {
		s.Project = *flags.Project
	}
	if flags.Domain != nil {
		s.Domain = *flags.Domain
	}
	return s, nil
}

// configPath is the config file to read and whether the user named it (a
// named file must exist; the default one may be missing).
func configPath(flags overrides, env environment) (string, bool) {
	if flags.Config != nil {
		return *flags.Config, true
	}
	if p := env.Getenv(EnvConfig); p != "" {
		return p, true
	}
	home, err := env.HomeDir()
	if err != nil || home == "" {
		return "", false
	}
	return filepath.Join(home, defaultConfigPath), false
}

// parseFileConfig decodes a config file strictly: unknown keys are errors.
func parseFileConfig(data []byte) (fileConfig, error) {
	var cfg fileConfig
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return fileConfig{}, err
	}
	return cfg, nil
}

// resolveEndpoint applies the host rule. An http:// or https:// prefix says
// plainly whether to use TLS, and --insecure may not contradict it; a
// "dns:///" prefix (flytectl's syntax) is ignored. For a bare host[:port]
// the --insecure flag decides when given, then admin.insecure from the
// config file, and otherwise loopback hosts (127.0.0.0/8, ::1, localhost)
// get plain HTTP and every other host TLS.
func resolveEndpoint(host string, insecureFlag, insecureConfig *bool) (endpoint, error) {
	raw := strings.TrimSpace(host)
	raw = strings.TrimPrefix(raw, "dns:///")
	if raw == "" {
		return endpoint{}, usageErrorf("admin host is empty")
	}
	scheme := ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme = strings.ToLower(raw[:i])
		if scheme != "http" && scheme != "https" {
			return endpoint{}, usageErrorf("admin host %q: scheme %q is not http or https", host, raw[:i])
		}
	} else {
		// Parse a bare address as http so url.Parse sees host and port.
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, usageErrorf("admin host %q: %v", host, err)
	}
	if err := checkHostURL(host, u); err != nil {
		return endpoint{}, err
	}

	var useTLS bool
	switch {
	case scheme != "":
		useTLS = scheme == "https"
		if insecureFlag != nil && *insecureFlag == useTLS {
			return endpoint{}, usageErrorf("--insecure=%t conflicts with the %s:// prefix of admin host %q", *insecureFlag, scheme, host)
		}
	case insecureFlag != nil:
		useTLS = !*insecureFlag
	case insecureConfig != nil:
		useTLS = !*insecureConfig
	default:
		useTLS = !isLoopback(u.Hostname())
	}
	u.Scheme = "http"
	if useTLS {
		u.Scheme = "https"
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return endpoint{BaseURL: u.String(), TLS: useTLS}, nil
}

// checkHostURL rejects the parts of a URL that have no meaning for an admin
// address.
func checkHostURL(host string, u *url.URL) error {
	switch {
	case u.Hostname() == "":
		return usageErrorf("admin host %q: no host name", host)
	case u.User != nil:
		return usageErrorf("admin host %q: user information is not allowed", host)
	case u.RawQuery != "" || u.ForceQuery:
		return usageErrorf("admin host %q: a query is not allowed", host)
	case u.Fragment != "":
		return usageErrorf("admin host %q: a fragment is not allowed", host)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return usageErrorf("admin host %q: port %q is not between 1 and 65535", host, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return usageErrorf("admin host %q: empty port", host)
	}
	return nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
