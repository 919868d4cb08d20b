package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// ConfigFlag is the flag that names the YAML config file.
const ConfigFlag = "config"

// ConfigEnv is the environment variable that names the YAML config file when
// the flag is not given.
const ConfigEnv = EnvPrefix + "CONFIG"

// Load builds the configuration from its sources, highest precedence last:
// the defaults, the YAML file at path (skipped when path is empty), the
// environment read through env (nil reads nothing; pass os.LookupEnv in
// production), and the flags in flags that were set on the command line
// (nil for none). It then applies WithDefaults and Validate. Environment
// variables that are set but empty are ignored, as unset ones are.
func Load(path string, env func(string) (string, bool), flags *pflag.FlagSet) (Config, error) {
	var data []byte
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read config file: %w", err)
		}
		data = b
	}
	return load(data, path, env, flags)
}

// LoadFromFlags is Load for a command whose flags were registered with
// RegisterFlags: the file comes from --config, else from FLYTE_CONFIG.
func LoadFromFlags(env func(string) (string, bool), flags *pflag.FlagSet) (Config, error) {
	path := ""
	if env != nil {
		if v, ok := env(ConfigEnv); ok {
			path = v
		}
	}
	if flags != nil {
		if f := flags.Lookup(ConfigFlag); f != nil && f.Changed {
			path = f.Value.String()
		}
	}
	return Load(path, env, flags)
}

// load is Load on the file's contents; name labels errors from the file.
func load(data []byte, name string, env func(string) (string, bool), flags *pflag.FlagSet) (Config, error) {
	// Start from the defaults that WithDefaults cannot infer from a zero
	// value; everything else is filled after the sources so that derived
	// defaults (DSN, storage URL) follow the final DataDir.
	c := Config{Server: Server{Port: DefaultPort}}
	if name == "" {
		name = "config file"
	}
	errs, err := decodeYAML(&c, data, name)
	if err != nil {
		return Config{}, err
	}
	if env != nil {
		errs = append(errs, applyEnv(&c, env)...)
	}
	if flags != nil {
		errs = append(errs, applyFlags(&c, flags)...)
	}
	// Validate even when a source had bad values, which are left at their
	// previous value, so that one run reports every problem.
	c = c.WithDefaults()
	errs = append(errs, c.Validate())
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

func applyEnv(c *Config, env func(string) (string, bool)) []error {
	var errs []error
	for _, s := range settings() {
		v, ok := env(s.Env)
		if !ok || v == "" {
			continue
		}
		if err := s.Set(c, v); err != nil {
			errs = append(errs, &FieldError{Key: s.Key, Source: "env " + s.Env, Msg: err.Error()})
		}
	}
	return errs
}

func applyFlags(c *Config, flags *pflag.FlagSet) []error {
	var errs []error
	for _, s := range settings() {
		f := flags.Lookup(s.Flag)
		if f == nil || !f.Changed {
			continue
		}
		if err := s.Set(c, f.Value.String()); err != nil {
			errs = append(errs, &FieldError{Key: s.Key, Source: "flag --" + s.Flag, Msg: err.Error()})
		}
	}
	return errs
}

// RegisterFlags adds --config and one flag per setting to flags. The flags'
// defaults show the built-in defaults; only flags given on the command line
// override the file and the environment.
func RegisterFlags(flags *pflag.FlagSet) {
	flags.String(ConfigFlag, "", "path to the YAML config file (env "+ConfigEnv+")")
	shown := Config{Server: Server{Port: DefaultPort}}.WithDefaults()
	for _, s := range settings() {
		def := ""
		switch s.Key {
		case "dataDir":
			def = DefaultDataDir // not the expanded path of whoever ran --help
		case "database.dsn", "storage.url":
			// Derived from the data dir; the usage text explains.
		default:
			def = s.Get(shown)
		}
		v := &flagValue{setting: s, text: def}
		f := flags.VarPF(v, s.Flag, "", s.Usage+" (env "+s.Env+")")
		f.DefValue = def
		if s.Type == "bool" {
			f.NoOptDefVal = "true"
		}
	}
}

// flagValue is a pflag.Value that checks syntax when the flag is parsed, so
// a bad value fails on the command line, and keeps the text for Load.
type flagValue struct {
	setting Setting
	text    string
}

func (v *flagValue) String() string { return v.text }

func (v *flagValue) Type() string { return v.setting.Type }

func (v *flagValue) Set(raw string) error {
	var scratch Config
	if err := v.setting.Set(&scratch, raw); err != nil {
		return err
	}
	v.text = raw
	return nil
}

// Marshal renders c as a YAML config file that Load reads back to c.
func Marshal(c Config) ([]byte, error) {
	out, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("marshal config: %w", err)
	}
	return out, nil
}

// EnvLookup adapts a list of KEY=VALUE pairs (as os.Environ returns) to the
// lookup function Load takes; useful in tests and for child processes.
func EnvLookup(environ []string) func(string) (string, bool) {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}
