package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeYAML applies a YAML document to c. It walks the document itself
// rather than letting the YAML library fill the struct, so that every error
// names the full key and line, unknown and duplicate keys are reported all at
// once, and scalars are parsed exactly like environment values and flags.
// name labels errors (usually the file path). A document that does not parse
// is err; problems with individual keys are returned in fieldErrs, after
// applying every key that was fine.
func decodeYAML(c *Config, data []byte, name string) (fieldErrs []error, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // empty file: nothing set
		}
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse %s: want one YAML document, found more", name)
	}
	root := resolveAlias(&doc)
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = resolveAlias(root.Content[0])
	}
	if isNull(root) {
		return nil, nil
	}
	w := walker{name: name, cfg: c}
	w.mapping(root, reflect.ValueOf(c).Elem(), "")
	return w.errs, nil
}

type walker struct {
	name string
	cfg  *Config
	errs []error
}

func (w *walker) fail(key string, n *yaml.Node, format string, args ...any) {
	w.errs = append(w.errs, &FieldError{
		Key:    key,
		Source: w.name + " line " + strconv.Itoa(n.Line),
		Msg:    fmt.Sprintf(format, args...),
	})
}

// mapping decodes a YAML mapping into the struct v whose keys live under
// prefix ("" for the top level).
func (w *walker) mapping(n *yaml.Node, v reflect.Value, prefix string) {
	label := prefix
	if label == "" {
		label = "(top level)"
	}
	if n.Kind != yaml.MappingNode {
		w.fail(label, n, "want a mapping of keys, found %s", kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolveAlias(n.Content[i+1])
		key := joinKey(prefix, k.Value)
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			w.fail(label, k, "unsupported key %s (merge keys and complex keys are not allowed)", quote(k.Value))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			w.fail(key, k, "duplicate key (first set on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		field, ok := fieldByTag(v, k.Value)
		if !ok {
			w.fail(key, k, "unknown key%s", suggest(v.Type(), k.Value))
			continue
		}
		switch {
		case field.Type() == domainsType:
			w.domains(val, field, key)
		case field.Kind() == reflect.Struct && field.Type() != durationType:
			if !isNull(val) {
				w.mapping(val, field, key)
			}
		default:
			w.leaf(val, key)
		}
	}
}

// leaf parses a scalar with the same parser the environment and flags use.
// A null value leaves the setting unchanged.
func (w *walker) leaf(n *yaml.Node, key string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.ScalarNode {
		w.fail(key, n, "want a single value, found %s", kindName(n))
		return
	}
	s, ok := settingByKey(key)
	if !ok {
		// Unreachable: every leaf field is a setting by construction.
		w.fail(key, n, "no such setting")
		return
	}
	if err := s.Set(w.cfg, n.Value); err != nil {
		w.fail(key, n, "%s", err)
	}
}

// domains decodes the domain sequence; each item is a mapping of id and name.
func (w *walker) domains(n *yaml.Node, field reflect.Value, key string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		w.fail(key, n, "want a list of {id, name} mappings, found %s", kindName(n))
		return
	}
	ds := make([]Domain, len(n.Content))
	for i, item := range n.Content {
		item = resolveAlias(item)
		itemKey := fmt.Sprintf("%s[%d]", key, i)
		if item.Kind != yaml.MappingNode {
			w.fail(itemKey, item, "want a mapping with id and name, found %s", kindName(item))
			continue
		}
		seen := map[string]bool{}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, val := item.Content[j], resolveAlias(item.Content[j+1])
			fieldKey := itemKey + "." + k.Value
			if seen[k.Value] {
				w.fail(fieldKey, k, "duplicate key")
				continue
			}
			seen[k.Value] = true
			var dst *string
			switch k.Value {
			case "id":
				dst = &ds[i].ID
			case "name":
				dst = &ds[i].Name
			default:
				w.fail(fieldKey, k, "unknown key (want id or name)")
				continue
			}
			if isNull(val) {
				continue
			}
			if val.Kind != yaml.ScalarNode {
				w.fail(fieldKey, val, "want a string, found %s", kindName(val))
				continue
			}
			*dst = val.Value
		}
	}
	field.Set(reflect.ValueOf(ds))
}

func fieldByTag(v reflect.Value, tag string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == tag && name != "" && name != "-" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// suggest names a known key that differs from key only in case or
// punctuation, the commonest typo in config files (e.g. data_dir, dataDIR).
func suggest(t reflect.Type, key string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && norm(name) == norm(key) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	// Aliases may chain; the parser rejects cycles, the bound is defensive.
	for range 100 {
		if n.Kind != yaml.AliasNode || n.Alias == nil {
			return n
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "the value " + quote(n.Value)
	default:
		return "an unsupported node"
	}
}
