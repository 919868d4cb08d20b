package config

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// fixture holds the expectations written in a fixture's leading comments:
// "# want: key=value" for good files, "# error: substring" for bad ones.
type fixture struct {
	wants  map[string]string
	errors []string
}

func readFixture(t *testing.T, path string) fixture {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	f := fixture{wants: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if want, ok := strings.CutPrefix(line, "# want: "); ok {
			k, v, found := strings.Cut(want, "=")
			require.True(t, found, "%s: want directive %q needs key=value", path, want)
			f.wants[k] = v
		}
		if msg, ok := strings.CutPrefix(line, "# error: "); ok {
			f.errors = append(f.errors, msg)
		}
	}
	require.NoError(t, sc.Err())
	return f
}

func TestLoadFixtures(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			f := readFixture(t, path)
			c, err := Load(path, nil, nil)
			switch {
			case strings.HasSuffix(path, ".good.yaml"):
				require.NoError(t, err)
				require.NotEmpty(t, f.wants, "a good fixture states what it expects")
				got := map[string]string{}
				for k := range f.wants {
					s, ok := settingByKey(k)
					require.True(t, ok, "unknown setting %q in want directive", k)
					got[k] = s.Get(c)
				}
				require.Empty(t, cmp.Diff(f.wants, got))
			case strings.HasSuffix(path, ".bad.yaml"):
				require.Error(t, err)
				require.NotEmpty(t, f.errors, "a bad fixture states the errors it expects")
				for _, msg := range f.errors {
					require.Contains(t, err.Error(), msg)
				}
			default:
				t.Fatalf("fixture %s is neither .good.yaml nor .bad.yaml", path)
			}
		})
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		flags []string
		want  int
	}{
		{name: "default", want: DefaultPort},
		{name: "file", file: "server: {port: 9000}", want: 9000},
		{name: "env over file", file: "server: {port: 9000}", env: map[string]string{"FLYTE_SERVER_PORT": "9100"}, want: 9100},
		{name: "flag over env", file: "server: {port: 9000}", env: map[string]string{"FLYTE_SERVER_PORT": "9100"}, flags: []string{"--server-port=9200"}, want: 9200},
		{name: "flag over file", file: "server: {port: 9000}", flags: []string{"--server-port", "9200"}, want: 9200},
		{name: "empty env is ignored", file: "server: {port: 9000}", env: map[string]string{"FLYTE_SERVER_PORT": ""}, want: 9000},
		{name: "unset flag keeps file", file: "server: {port: 9000}", flags: []string{"--logging-level=debug"}, want: 9000},
		{name: "zero from env", env: map[string]string{"FLYTE_SERVER_PORT": "0"}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newFlagSet(t, tt.flags...)
			c, err := load([]byte(tt.file), "test.yaml", mapEnv(tt.env), fs)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.Server.Port)
		})
	}
}

func TestDerivedDefaultsFollowFinalDataDir(t *testing.T) {
	t.Parallel()
	fs := newFlagSet(t, "--data-dir=/flag/dir")
	c, err := load([]byte("dataDir: /file/dir"), "test.yaml", mapEnv(map[string]string{"FLYTE_DATA_DIR": "/env/dir"}), fs)
	require.NoError(t, err)
	want := []string{"/flag/dir", "/flag/dir/flyte.db", "file:///flag/dir/blobs"}
	require.Empty(t, cmp.Diff(want, []string{c.DataDir, c.Database.DSN, c.Storage.URL}))
}

// TestEverySettingInEverySource sets each setting through each source alone
// and reads it back, proving the three sources name the same settings.
func TestEverySettingInEverySource(t *testing.T) {
	t.Parallel()
	samples := map[string]string{
		"string": "sample", "int": "42", "bool": "true", "duration": "42s", "domains": "a=A,b",
	}
	for _, s := range Settings() {
		t.Run(s.Key, func(t *testing.T) {
			t.Parallel()
			sample := samples[s.Type]
			require.NotEmpty(t, sample, "no sample for type %s", s.Type)

			var fromEnv Config
			require.Empty(t, applyEnv(&fromEnv, mapEnv(map[string]string{s.Env: sample})))
			require.Equal(t, sample, s.Get(fromEnv), "env %s", s.Env)

			var fromFlag Config
			require.Empty(t, applyFlags(&fromFlag, newFlagSet(t, "--"+s.Flag+"="+sample)))
			require.Equal(t, sample, s.Get(fromFlag), "flag --%s", s.Flag)

			var fromFile Config
			errs, err := decodeYAML(&fromFile, yamlFor(s.Key, sample), "test.yaml")
			require.NoError(t, err)
			require.Empty(t, errs)
			require.Equal(t, sample, s.Get(fromFile), "yaml key %s", s.Key)
		})
	}
}

// yamlFor writes a YAML document that sets the dotted key to value.
func yamlFor(key, value string) []byte {
	parts := strings.Split(key, ".")
	var b strings.Builder
	for i, p := range parts[:len(parts)-1] {
		b.WriteString(strings.Repeat("  ", i) + p + ":\n")
	}
	indent := strings.Repeat("  ", len(parts)-1)
	last := parts[len(parts)-1]
	if key == "domains" {
		ds, _ := ParseDomains(value)
		b.WriteString(indent + last + ":\n")
		for _, d := range ds {
			b.WriteString(indent + "  - {id: " + d.ID + ", name: " + d.Name + "}\n")
		}
		return []byte(b.String())
	}
	b.WriteString(indent + last + ": " + value + "\n")
	return []byte(b.String())
}

func TestSettingNames(t *testing.T) {
	t.Parallel()
	type names struct{ Env, Flag string }
	want := map[string]names{
		"dataDir":                         {"FLYTE_DATA_DIR", "data-dir"},
		"server.port":                     {"FLYTE_SERVER_PORT", "server-port"},
		"server.readHeaderTimeout":        {"FLYTE_SERVER_READ_HEADER_TIMEOUT", "server-read-header-timeout"},
		"database.dsn":                    {"FLYTE_DATABASE_DSN", "database-dsn"},
		"database.maxOpenConns":           {"FLYTE_DATABASE_MAX_OPEN_CONNS", "database-max-open-conns"},
		"storage.url":                     {"FLYTE_STORAGE_URL", "storage-url"},
		"storage.accessKeyID":             {"FLYTE_STORAGE_ACCESS_KEY_ID", "storage-access-key-id"},
		"storage.usePathStyle":            {"FLYTE_STORAGE_USE_PATH_STYLE", "storage-use-path-style"},
		"domains":                         {"FLYTE_DOMAINS", "domains"},
		"logging.level":                   {"FLYTE_LOGGING_LEVEL", "logging-level"},
		"engine.maxSystemRetries":         {"FLYTE_ENGINE_MAX_SYSTEM_RETRIES", "engine-max-system-retries"},
		"catalog.maxReservationHeartbeat": {"FLYTE_CATALOG_MAX_RESERVATION_HEARTBEAT", "catalog-max-reservation-heartbeat"},
	}
	got := map[string]names{}
	envs, flags := map[string]bool{}, map[string]bool{}
	for _, s := range Settings() {
		if _, ok := want[s.Key]; ok {
			got[s.Key] = names{s.Env, s.Flag}
		}
		require.NotEmpty(t, s.Usage, "setting %s has no usage text", s.Key)
		require.False(t, envs[s.Env], "duplicate env %s", s.Env)
		require.False(t, flags[s.Flag], "duplicate flag %s", s.Flag)
		envs[s.Env], flags[s.Flag] = true, true
	}
	require.Empty(t, cmp.Diff(want, got))
	require.Len(t, Settings(), 26)
}

func TestSplitWords(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"port":         {"port"},
		"dataDir":      {"data", "Dir"},
		"accessKeyID":  {"access", "Key", "ID"},
		"usePathStyle": {"use", "Path", "Style"},
		"IDToken":      {"ID", "Token"},
		"s3Bucket":     {"s3", "Bucket"},
	}
	for in, want := range tests {
		require.Empty(t, cmp.Diff(want, splitWords(in)), in)
	}
}

func TestParseDomains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []Domain
		wantErr string
	}{
		{in: "development", want: []Domain{{ID: "development"}}},
		{in: "dev=Development, prod = Production ,qa", want: []Domain{{ID: "dev", Name: "Development"}, {ID: "prod", Name: "Production"}, {ID: "qa"}}},
		{in: "a,,b", wantErr: "domain 2 is empty"},
		{in: "=Name", wantErr: `domain 1 "=Name" has no id`},
		{in: "", wantErr: "domain 1 is empty"},
	}
	for _, tt := range tests {
		got, err := ParseDomains(tt.in)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Empty(t, cmp.Diff(tt.want, got), tt.in)
	}
}

func TestEveryBadSourceIsReported(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"FLYTE_SERVER_SHUTDOWN_TIMEOUT": "soon", "FLYTE_DATABASE_DRIVER": "mysql"})
	fs := newFlagSet(t)
	// Bypass the flag's own syntax check to reach Load with a bad value, as a
	// caller's differently registered flag could.
	require.NoError(t, fs.Set("storage-use-path-style", "true"))
	fs.Lookup("storage-use-path-style").Value.(*flagValue).text = "maybe"
	_, err := load([]byte("server: {port: x}"), "f.yaml", env, fs)
	require.Error(t, err)
	for _, msg := range []string{
		`server.port (f.yaml line 1): invalid integer "x"`,
		`server.shutdownTimeout (env FLYTE_SERVER_SHUTDOWN_TIMEOUT): invalid duration "soon"`,
		`storage.usePathStyle (flag --storage-use-path-style): invalid boolean "maybe"`,
		`database.driver: unknown driver "mysql"`,
	} {
		require.Contains(t, err.Error(), msg)
	}
}

func TestFlagSyntaxCheckedAtParse(t *testing.T) {
	t.Parallel()
	fs := newFlagSet(t)
	err := fs.Parse([]string{"--server-port=eighty"})
	require.ErrorContains(t, err, `invalid integer "eighty"`)
}

func TestLoadFromFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env.yaml")
	flagFile := filepath.Join(dir, "flag.yaml")
	require.NoError(t, os.WriteFile(envFile, []byte("server: {port: 1111}"), 0o600))
	require.NoError(t, os.WriteFile(flagFile, []byte("server: {port: 2222}"), 0o600))
	env := mapEnv(map[string]string{ConfigEnv: envFile})

	c, err := LoadFromFlags(env, newFlagSet(t))
	require.NoError(t, err)
	require.Equal(t, 1111, c.Server.Port)

	c, err = LoadFromFlags(env, newFlagSet(t, "--config", flagFile))
	require.NoError(t, err)
	require.Equal(t, 2222, c.Server.Port)

	_, err = LoadFromFlags(nil, newFlagSet(t, "--config", filepath.Join(dir, "missing.yaml")))
	require.ErrorContains(t, err, "read config file")
}

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	got := Config{DataDir: "/data", Domains: []Domain{{ID: "dev"}}}.WithDefaults()
	want := Config{
		DataDir: "/data",
		Server: Server{
			Host: DefaultHost, Port: 0, ReadHeaderTimeout: 10 * time.Second,
			ShutdownTimeout: 15 * time.Second, MaxRequestBytes: 8 << 20,
		},
		Database: Database{Driver: DriverSQLite, DSN: "/data/flyte.db", MaxOpenConns: 10},
		Storage:  Storage{URL: "file:///data/blobs"},
		Domains:  []Domain{{ID: "dev", Name: "dev"}},
		Logging:  Logging{Level: "info", Format: "text"},
		Catalog:  Catalog{ReservationHeartbeat: 10 * time.Second, MaxReservationHeartbeat: 10 * time.Second},
	}
	require.Empty(t, cmp.Diff(want, got))
	require.NoError(t, got.Validate())

	pg := Config{DataDir: "/data", Database: Database{Driver: DriverPostgres}}.WithDefaults()
	require.Empty(t, pg.Database.DSN, "no DSN is invented for postgres")

	home, err := os.UserHomeDir()
	require.NoError(t, err)
	require.Equal(t, filepath.Join(home, ".flyte", "sandbox"), Config{}.WithDefaults().DataDir)
}

func TestStorageURLEscapesDataDir(t *testing.T) {
	t.Parallel()
	c := Config{DataDir: "/tmp/a b#c?d"}.WithDefaults()
	require.Equal(t, "file:///tmp/a%20b%23c%3Fd/blobs", c.Storage.URL)
}

func TestRedacted(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"postgres://flyte:s3cret@db:5432/flyte":           "postgres://flyte:xxxxx@db:5432/flyte",
		"host=db user=flyte password=s3cret dbname=flyte": "host=db user=flyte password=xxxxx dbname=flyte",
		`host=db password = 'it\'s secret' dbname=flyte`:  "host=db password = xxxxx dbname=flyte",
		"host=db PASSWORD='a b\\' c' dbname=flyte":        "host=db PASSWORD=xxxxx dbname=flyte",
		"/home/me/.flyte/sandbox/flyte.db":                "/home/me/.flyte/sandbox/flyte.db",
		"postgres://flyte@db/flyte":                       "postgres://flyte@db/flyte",
	}
	for dsn, want := range tests {
		c := Config{Database: Database{DSN: dsn}, Storage: Storage{SecretAccessKey: "key"}}
		got := c.Redacted()
		require.Equal(t, want, got.Database.DSN, dsn)
		require.Equal(t, "xxxxx", got.Storage.SecretAccessKey)
		require.Equal(t, dsn, c.Database.DSN, "the original is untouched")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/production.good.yaml", nil, nil)
	require.NoError(t, err)
	out, err := Marshal(c)
	require.NoError(t, err)
	again, err := load(out, "marshalled.yaml", nil, nil)
	require.NoError(t, err, "marshalled:\n%s", out)
	require.Empty(t, cmp.Diff(c, again))
}

func TestDocsListEverySetting(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/config.md")
	require.NoError(t, err)
	for _, s := range Settings() {
		for _, name := range []string{"`" + s.Key + "`", "`" + s.Env + "`", "`--" + s.Flag + "`"} {
			require.Contains(t, string(doc), name, "docs/config.md must document %s", s.Key)
		}
	}
}

func TestServerValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		server  Server
		wantErr string
	}{
		{name: "defaults", server: Server{}.WithDefaults()},
		{name: "ipv6", server: Server{Host: "::1", Port: 1}},
		{name: "hostname", server: Server{Host: "api.example.com", Port: 443}},
		{name: "bracketed ipv6", server: Server{Host: "[::1]"}, wantErr: `server.host: "[::1]" is neither`},
		{name: "port", server: Server{Port: 65536}, wantErr: "server.port: 65536 is out of range"},
		{name: "bytes", server: Server{MaxRequestBytes: -1}, wantErr: "server.maxRequestBytes: must not be negative"},
		{name: "shutdown", server: Server{ShutdownTimeout: -time.Second}, wantErr: "server.shutdownTimeout: must not be negative"},
	}
	for _, tt := range tests {
		err := tt.server.Validate()
		if tt.wantErr == "" {
			require.NoError(t, err, tt.name)
			continue
		}
		require.ErrorContains(t, err, tt.wantErr, tt.name)
	}
}

func TestSlogLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"debug": "DEBUG", "INFO": "INFO", "": "INFO", "warn": "WARN", "warning": "WARN", "error": "ERROR"} {
		got, err := Logging{Level: in}.SlogLevel()
		require.NoError(t, err, in)
		require.Equal(t, want, got.String(), in)
	}
	_, err := Logging{Level: "trace"}.SlogLevel()
	require.ErrorContains(t, err, `logging.level: unknown level "trace"`)
}
