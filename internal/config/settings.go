package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// EnvPrefix starts every environment variable the config reads.
const EnvPrefix = "FLYTE_"

// Setting is one configurable value with its name in each source. The names
// are derived from the YAML path, so file, environment and flags agree.
type Setting struct {
	// Key is the dotted YAML path, e.g. "server.port".
	Key string
	// Env is the environment variable, e.g. "FLYTE_SERVER_PORT".
	Env string
	// Flag is the command-line flag without dashes, e.g. "server-port".
	Flag string
	// Type names the value syntax: string, int, bool, duration or domains.
	Type string
	// Usage is the one-line help text.
	Usage string

	index []int // field index path from Config
}

// FieldError is a problem with one setting.
type FieldError struct {
	// Key is the YAML path of the setting, e.g. "server.port".
	Key string
	// Source tells where a bad value came from ("env FLYTE_SERVER_PORT",
	// "flag --server-port", "config.yaml line 3"); empty for validation of
	// the merged config.
	Source string
	// Msg describes the problem.
	Msg string
}

// Error implements error.
func (e *FieldError) Error() string {
	if e.Source == "" {
		return e.Key + ": " + e.Msg
	}
	return e.Key + " (" + e.Source + "): " + e.Msg
}

var durationType = reflect.TypeFor[time.Duration]()
var domainsType = reflect.TypeFor[[]Domain]()

var settings = sync.OnceValue(func() []Setting {
	var out []Setting
	collectSettings(reflect.TypeFor[Config](), nil, nil, &out)
	return out
})

// Settings lists every setting in declaration order.
func Settings() []Setting {
	return append([]Setting(nil), settings()...)
}

// settingByKey finds a setting by its YAML path.
func settingByKey(key string) (Setting, bool) {
	for _, s := range settings() {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

func collectSettings(t reflect.Type, path []string, index []int, out *[]Setting) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := append(append([]string(nil), path...), name)
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			collectSettings(f.Type, p, idx, out)
			continue
		}
		var words []string
		for _, part := range p {
			words = append(words, splitWords(part)...)
		}
		*out = append(*out, Setting{
			Key:   strings.Join(p, "."),
			Env:   EnvPrefix + strings.ToUpper(strings.Join(words, "_")),
			Flag:  strings.ToLower(strings.Join(words, "-")),
			Type:  typeName(f.Type),
			Usage: f.Tag.Get("usage"),
			index: idx,
		})
	}
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t == domainsType:
		return "domains"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64:
		return "int"
	default:
		// A new field of an unsupported type must get a parser before it
		// ships; failing on first use (every test uses the table) makes
		// that impossible to miss.
		panic("config: unsupported setting type " + t.String())
	}
}

// splitWords splits a camelCase identifier into words: "accessKeyID" gives
// access, Key, ID.
func splitWords(s string) []string {
	r := []rune(s)
	var words []string
	start := 0
	for i := 1; i < len(r); i++ {
		if !unicode.IsUpper(r[i]) {
			continue
		}
		prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
		acronymEnd := unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1])
		if prevLower || acronymEnd {
			words = append(words, string(r[start:i]))
			start = i
		}
	}
	return append(words, string(r[start:]))
}

func (s Setting) field(c *Config) reflect.Value {
	return reflect.ValueOf(c).Elem().FieldByIndex(s.index)
}

// Get formats the setting's value in c the way Set parses it.
func (s Setting) Get(c Config) string {
	v := s.field(&c)
	switch s.Type {
	case "duration":
		return time.Duration(v.Int()).String()
	case "domains":
		return FormatDomains(v.Interface().([]Domain))
	case "bool":
		return strconv.FormatBool(v.Bool())
	case "int":
		return strconv.FormatInt(v.Int(), 10)
	default:
		return v.String()
	}
}

// Set parses raw, the text form used by the environment and flags, into the
// setting's field of c. The error describes the value, not where it came
// from; callers add that.
func (s Setting) Set(c *Config, raw string) error {
	v := s.field(c)
	switch s.Type {
	case "duration":
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("invalid duration %s (want e.g. 10s, 1m30s)", quote(raw))
		}
		v.SetInt(int64(d))
	case "domains":
		ds, err := ParseDomains(raw)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(ds))
	case "bool":
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("invalid boolean %s (want true or false)", quote(raw))
		}
		v.SetBool(b)
	case "int":
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid integer %s", quote(raw))
		}
		v.SetInt(n)
	default:
		v.SetString(raw)
	}
	return nil
}

// ParseDomains parses the environment/flag form of the domain list:
// comma-separated "id" or "id=Name" items.
func ParseDomains(raw string) ([]Domain, error) {
	var out []Domain
	for i, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("domain %d is empty (want id[=Name],...)", i+1)
		}
		id, name, _ := strings.Cut(item, "=")
		d := Domain{ID: strings.TrimSpace(id), Name: strings.TrimSpace(name)}
		if d.ID == "" {
			return nil, fmt.Errorf("domain %d %s has no id (want id[=Name])", i+1, quote(item))
		}
		out = append(out, d)
	}
	return out, nil
}

// FormatDomains is the inverse of ParseDomains.
func FormatDomains(ds []Domain) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.ID
		if d.Name != "" && d.Name != d.ID {
			parts[i] += "=" + d.Name
		}
	}
	return strings.Join(parts, ",")
}

// quote quotes a user-supplied value for an error message, shortening it so
// that a huge value cannot flood the logs.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
