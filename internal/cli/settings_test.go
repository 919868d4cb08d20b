package cli

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func TestResolveEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		host           string
		insecureFlag   *bool
		insecureConfig *bool
		want           endpoint
		wantErr        string
	}{
		{name: "loopback ipv4", host: "127.0.0.1:8088", want: endpoint{"http://127.0.0.1:8088", false}},
		{name: "loopback 127/8", host: "127.1.2.3:8088", want: endpoint{"http://127.1.2.3:8088", false}},
		{name: "loopback ipv6", host: "[::1]:8088", want: endpoint{"http://[::1]:8088", false}},
		{name: "localhost", host: "localhost:8088", want: endpoint{"http://localhost:8088", false}},
		{name: "localhost any case", host: "LocalHost:1", want: endpoint{"http://LocalHost:1", false}},
		{name: "remote name is tls", host: "flyte.example.com:443", want: endpoint{"https://flyte.example.com:443", true}},
		{name: "remote ip is tls", host: "10.0.0.5:8088", want: endpoint{"https://10.0.0.5:8088", true}},
		{name: "remote without port", host: "flyte.example.com", want: endpoint{"https://flyte.example.com", true}},
		{name: "explicit http remote", host: "http://flyte.example.com:8088", want: endpoint{"http://flyte.example.com:8088", false}},
		{name: "explicit https loopback", host: "https://127.0.0.1:8443", want: endpoint{"https://127.0.0.1:8443", true}},
		{name: "scheme any case", host: "HTTPS://h:1", want: endpoint{"https://h:1", true}},
		{name: "path prefix kept, slash dropped", host: "https://gw.example.com/flyte/", want: endpoint{"https://gw.example.com/flyte", true}},
		{name: "dns prefix ignored", host: "dns:///flyte.example.com:443", want: endpoint{"https://flyte.example.com:443", true}},
		{name: "spaces trimmed", host: "  127.0.0.1:8088 ", want: endpoint{"http://127.0.0.1:8088", false}},
		{name: "insecure flag forces plain", host: "flyte.example.com:80", insecureFlag: ptr(true), want: endpoint{"http://flyte.example.com:80", false}},
		{name: "insecure=false forces tls", host: "127.0.0.1:8443", insecureFlag: ptr(false), want: endpoint{"https://127.0.0.1:8443", true}},
		{name: "config insecure", host: "flyte.example.com:80", insecureConfig: ptr(true), want: endpoint{"http://flyte.example.com:80", false}},
		{name: "config secure", host: "localhost:8443", insecureConfig: ptr(false), want: endpoint{"https://localhost:8443", true}},
		{name: "flag beats config", host: "h:1", insecureFlag: ptr(false), insecureConfig: ptr(true), want: endpoint{"https://h:1", true}},
		{name: "scheme beats config", host: "https://h:1", insecureConfig: ptr(true), want: endpoint{"https://h:1", true}},
		{name: "matching flag and scheme", host: "http://h:1", insecureFlag: ptr(true), want: endpoint{"http://h:1", false}},

		{name: "empty", host: " ", wantErr: `admin host is empty`},
		{name: "insecure with https", host: "https://h:1", insecureFlag: ptr(true), wantErr: `--insecure=true conflicts with the https:// prefix of admin host "https://h:1"`},
		{name: "secure with http", host: "http://h:1", insecureFlag: ptr(false), wantErr: `--insecure=false conflicts with the http:// prefix of admin host "http://h:1"`},
		{name: "other scheme", host: "grpc://h:1", wantErr: `admin host "grpc://h:1": scheme "grpc" is not http or https`},
		{name: "no host name", host: ":8088", wantErr: `admin host ":8088": no host name`},
		{name: "port out of range", host: "h:70000", wantErr: `admin host "h:70000": port "70000" is not between 1 and 65535`},
		{name: "port zero", host: "h:0", wantErr: `admin host "h:0": port "0" is not between 1 and 65535`},
		{name: "empty port", host: "h:", wantErr: `admin host "h:": empty port`},
		{name: "non numeric port", host: "h:abc", wantErr: `admin host "h:abc": parse "http://h:abc": invalid port ":abc" after host`},
		{name: "user info", host: "https://u:p@h:1", wantErr: `admin host "https://u:p@h:1": user information is not allowed`},
		{name: "query", host: "https://h:1/?x=1", wantErr: `admin host "https://h:1/?x=1": a query is not allowed`},
		{name: "fragment", host: "https://h:1/#x", wantErr: `admin host "https://h:1/#x": a fragment is not allowed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolveEndpoint(tc.host, tc.insecureFlag, tc.insecureConfig)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				var ue *usageError
				require.ErrorAs(t, err, &ue, "a bad host is a usage error")
				return
			}
			require.NoError(t, err)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("endpoint (-want +got):\n%s", d)
			}
		})
	}
}

func TestResolveSettings(t *testing.T) {
	t.Parallel()
	const (
		home        = "/home/u"
		defaultFile = "/home/u/.flyte/config.yaml"
	)
	fullConfig := "admin:\n  endpoint: flyte.example.com:443\n  caCertFile: ca.pem\nproject: cfgproj\ndomain: cfgdom\n"
	tests := []struct {
		name    string
		flags   overrides
		env     map[string]string
		files   map[string]string
		want    settings
		wantErr string
	}{
		{
			name: "nothing given",
			want: settings{Endpoint: endpoint{"http://127.0.0.1:8088", false}},
		},
		{
			name:  "default config file",
			files: map[string]string{defaultFile: fullConfig},
			want: settings{
				Endpoint: endpoint{"https://flyte.example.com:443", true}, CACertFile: "/home/u/.flyte/ca.pem",
				Project: "cfgproj", Domain: "cfgdom", ConfigPath: defaultFile,
			},
		},
		{
			name:  "env endpoint beats config",
			env:   map[string]string{EnvAdminEndpoint: "localhost:9000"},
			files: map[string]string{defaultFile: fullConfig},
			want: settings{
				Endpoint: endpoint{"http://localhost:9000", false}, CACertFile: "/home/u/.flyte/ca.pem",
				Project: "cfgproj", Domain: "cfgdom", ConfigPath: defaultFile,
			},
		},
		{
			name:  "flags beat env and config",
			flags: overrides{Host: ptr("https://other:1"), Project: ptr("fp"), Domain: ptr("fd"), CACert: ptr("/etc/ca.pem")},
			env:   map[string]string{EnvAdminEndpoint: "localhost:9000"},
			files: map[string]string{defaultFile: fullConfig},
			want: settings{
				Endpoint: endpoint{"https://other:1", true}, CACertFile: "/etc/ca.pem",
				Project: "fp", Domain: "fd", ConfigPath: defaultFile,
			},
		},
		{
			name:  "empty flag values still win",
			flags: overrides{Project: ptr(""), Domain: ptr("")},
			files: map[string]string{defaultFile: fullConfig},
			want: settings{
				Endpoint: endpoint{"https://flyte.example.com:443", true}, CACertFile: "/home/u/.flyte/ca.pem",
				ConfigPath: defaultFile,
			},
		},
		{
			name:  "env config path beats default",
			env:   map[string]string{EnvConfig: "/etc/flyte.yaml"},
			files: map[string]string{defaultFile: fullConfig, "/etc/flyte.yaml": "project: envproj\n"},
			want:  settings{Endpoint: endpoint{"http://127.0.0.1:8088", false}, Project: "envproj", ConfigPath: "/etc/flyte.yaml"},
		},
		{
			name:  "config flag beats env",
			flags: overrides{Config: ptr("/x.yaml")},
			env:   map[string]string{EnvConfig: "/etc/flyte.yaml"},
			files: map[string]string{"/x.yaml": "domain: xd\n", "/etc/flyte.yaml": "project: envproj\n"},
			want:  settings{Endpoint: endpoint{"http://127.0.0.1:8088", false}, Domain: "xd", ConfigPath: "/x.yaml"},
		},
		{
			name:  "config insecure applies to a bare host",
			files: map[string]string{defaultFile: "admin:\n  endpoint: flyte.internal:8088\n  insecure: true\n"},
			want:  settings{Endpoint: endpoint{"http://flyte.internal:8088", false}, ConfigPath: defaultFile},
		},
		{
			name:  "insecure flag beats config",
			flags: overrides{Insecure: ptr(false)},
			files: map[string]string{defaultFile: "admin:\n  endpoint: flyte.internal:8088\n  insecure: true\n"},
			want:  settings{Endpoint: endpoint{"https://flyte.internal:8088", true}, ConfigPath: defaultFile},
		},
		{
			name:  "absolute ca path kept",
			files: map[string]string{defaultFile: "admin:\n  caCertFile: /etc/ssl/ca.pem\n"},
			want:  settings{Endpoint: endpoint{"http://127.0.0.1:8088", false}, CACertFile: "/etc/ssl/ca.pem", ConfigPath: defaultFile},
		},
		{
			name:  "empty config file",
			files: map[string]string{defaultFile: "\n"},
			want:  settings{Endpoint: endpoint{"http://127.0.0.1:8088", false}, ConfigPath: defaultFile},
		},
		{
			name:    "named config file missing",
			flags:   overrides{Config: ptr("/missing.yaml")},
			wantErr: "read config file: open /missing.yaml: file does not exist",
		},
		{
			name:    "env config file missing",
			env:     map[string]string{EnvConfig: "/missing.yaml"},
			wantErr: "read config file: open /missing.yaml: file does not exist",
		},
		{
			name:    "unknown key",
			files:   map[string]string{defaultFile: "admin:\n  endpont: x\n"},
			wantErr: `config file /home/u/.flyte/config.yaml: error unmarshaling JSON: while decoding JSON: json: unknown field "endpont"`,
		},
		{
			name:    "bad host in config",
			files:   map[string]string{defaultFile: "admin:\n  endpoint: ftp://x\n"},
			wantErr: `admin host "ftp://x": scheme "ftp" is not http or https`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := environment{
				Getenv:  func(k string) string { return tc.env[k] },
				HomeDir: func() (string, error) { return home, nil },
				ReadFile: func(p string) ([]byte, error) {
					if s, ok := tc.files[p]; ok {
						return []byte(s), nil
					}
					return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
				},
			}
			got, err := resolveSettings(tc.flags, env)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("settings (-want +got):\n%s", d)
			}
		})
	}
}

func TestResolveSettingsWithoutHome(t *testing.T) {
	t.Parallel()
	env := environment{
		Getenv:   func(string) string { return "" },
		HomeDir:  func() (string, error) { return "", errors.New("$HOME is not defined") },
		ReadFile: func(string) ([]byte, error) { t.Fatal("no file should be read"); return nil, nil },
	}
	got, err := resolveSettings(overrides{}, env)
	require.NoError(t, err)
	require.Equal(t, endpoint{"http://127.0.0.1:8088", false}, got.Endpoint)
}
