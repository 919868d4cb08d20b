package authoring

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// maxAliases bounds how many YAML alias dereferences one decode follows, so
// that a small file of nested aliases (a "billion laughs") cannot make the
// decoder walk an exponentially large tree.
const maxAliases = 10000

// resolve follows aliases. It returns nil for nil and, once the alias budget
// is spent, reports the problem once and returns nil.
func (s scope) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		s.p.aliases++
		if s.p.aliases > maxAliases {
			if s.p.aliases == maxAliases+1 {
				s.errorf(n, "too many alias expansions (more than %d); the file expands to an enormous document", maxAliases)
			}
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindName describes a node for messages such as "want a list, found a string".
func kindName(n *yaml.Node) string {
	if isNull(n) {
		return "null"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			return "integer " + n.Value
		case "!!float":
			return "number " + n.Value
		case "!!bool":
			return "boolean " + n.Value
		case "!!timestamp":
			return "timestamp " + n.Value
		case "!!binary":
			return "binary data"
		default:
			return strconv.Quote(n.Value)
		}
	case yaml.DocumentNode:
		return "a document"
	}
	return "an alias"
}

// pair is one key and value of a mapping, in document order.
type pair struct {
	key   string
	knode *yaml.Node
	val   *yaml.Node // resolved; may be a null scalar
}

// pairs returns the entries of a mapping, reporting non-string keys, merge
// keys and duplicates. ok is false when n is not a mapping.
func (s scope) pairs(n *yaml.Node, want string) (out []pair, ok bool) {
	n = s.resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		s.errorf(n, "want %s, found %s", want, kindName(n))
		return nil, false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := s.resolve(n.Content[i])
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" || isNull(k) {
			s.errorf(k, "unsupported key %s (keys must be plain strings; merge keys are not supported)", kindName(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			s.errorf(k, "duplicate key %q (first on line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		v := s.resolve(n.Content[i+1])
		if v == nil {
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: k.Line, Column: k.Column}
		}
		out = append(out, pair{key: k.Value, knode: k, val: v})
	}
	return out, true
}

// object is a mapping whose keys have been checked against the allowed set.
type object struct {
	n    *yaml.Node
	vals map[string]pair
	list []pair
}

// object checks that n is a mapping with only the allowed keys; what names
// the expected value in messages ("a task", "a node"). It returns nil when n
// is not a mapping (the problem is reported).
func (s scope) object(n *yaml.Node, what string, allowed ...string) *object {
	ps, ok := s.pairs(n, what)
	if !ok {
		return nil
	}
	o := &object{n: s.resolve(n), vals: map[string]pair{}}
	for _, p := range ps {
		if !contains(allowed, p.key) {
			s.errorf(p.knode, "unknown key %q%s", p.key, suggestKey(p.key, allowed))
			continue
		}
		o.vals[p.key] = p
		o.list = append(o.list, p)
	}
	return o
}

// get returns the value of key, or nil when the key is absent or null.
func (o *object) get(key string) *yaml.Node {
	p, ok := o.vals[key]
	if !ok || isNull(p.val) {
		return nil
	}
	return p.val
}

// present reports whether key was written, even with a null value.
func (o *object) present(key string) bool {
	_, ok := o.vals[key]
	return ok
}

// line returns the node to report a missing key against: the mapping itself.
func (o *object) line() *yaml.Node { return o.n }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggestKey names an allowed key that differs only in case or punctuation
// (launchPlans for launch_plans), otherwise lists the allowed keys.
func suggestKey(key string, allowed []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	for _, a := range allowed {
		if norm(a) == norm(key) {
			return " (did you mean " + strconv.Quote(a) + "?)"
		}
	}
	return " (want one of: " + strings.Join(allowed, ", ") + ")"
}

// text returns the text of a scalar. Any scalar is accepted (version: 1 is
// "1"), because these are names and settings rather than typed data.
func (s scope) text(n *yaml.Node) (string, bool) {
	n = s.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		s.errorf(n, "want a string, found %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// integer returns an integer scalar within [lo, hi].
func (s scope) integer(n *yaml.Node, lo, hi int64) (int64, bool) {
	n = s.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		s.errorf(n, "want an integer, found %s", kindName(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		s.errorf(n, "want an integer, found %s (out of range)", n.Value)
		return 0, false
	}
	if v < lo || v > hi {
		if hi == math.MaxInt64 {
			s.errorf(n, "want an integer of at least %d, found %d", lo, v)
		} else {
			s.errorf(n, "want an integer from %d to %d, found %d", lo, hi, v)
		}
		return 0, false
	}
	return v, true
}

// number returns a numeric scalar (integer or float).
func (s scope) number(n *yaml.Node) (float64, bool) {
	n = s.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		s.errorf(n, "want a number, found %s", kindName(n))
		return 0, false
	}
	var v float64
	if err := n.Decode(&v); err != nil {
		s.errorf(n, "want a number, found %s", n.Value)
		return 0, false
	}
	return v, true
}

// boolean returns a true/false scalar.
func (s scope) boolean(n *yaml.Node) (bool, bool) {
	n = s.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		s.errorf(n, "want true or false, found %s", kindName(n))
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		s.errorf(n, "want true or false, found %s", n.Value)
		return false, false
	}
	return v, true
}

// duration returns a positive Go duration such as 30s, 10m or 1h30m.
func (s scope) duration(n *yaml.Node) (time.Duration, bool) {
	t, ok := s.text(n)
	if !ok {
		return 0, false
	}
	d, err := parseDuration(t)
	if err != nil {
		s.errorf(n, "%v", err)
		return 0, false
	}
	if d <= 0 {
		s.errorf(n, "want a positive duration, found %s", t)
		return 0, false
	}
	return d, true
}

// parseDuration reads a duration by the one rule for duration text,
// rawvalue.ParseDuration: a Go duration (30s, 1h30m, -5m) or whole days (2d),
// which schedules and timeouts are often counted in.
func parseDuration(t string) (time.Duration, error) {
	d, err := rawvalue.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 30s, 10m, 1h30m or 2d, found %q", t)
	}
	return d, nil
}

// textList returns a list of scalars. When single is true a lone scalar is
// accepted as a list of one (after: first).
func (s scope) textList(n *yaml.Node, single bool) ([]string, bool) {
	n = s.resolve(n)
	if single && n != nil && n.Kind == yaml.ScalarNode && !isNull(n) {
		return []string{n.Value}, true
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		s.errorf(n, "want a list of strings, found %s", kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		v, good := s.text(item)
		ok = ok && good
		out = append(out, v)
	}
	return out, ok
}

// textMap returns a mapping of scalar keys to scalar values, in document order.
func (s scope) textMap(n *yaml.Node) ([]pair, map[string]string, bool) {
	ps, ok := s.pairs(n, "a mapping of names to values")
	if !ok {
		return nil, nil, false
	}
	m := make(map[string]string, len(ps))
	var out []pair
	for _, p := range ps {
		v, good := s.in("%s", p.key).text(p.val)
		if !good {
			ok = false
			continue
		}
		m[p.key] = v
		out = append(out, p)
	}
	return out, m, ok
}

// peekName returns the value of key in mapping n when it is a valid name,
// so that problems found before the key is read can name the entity.
func peekName(n *yaml.Node, key string) string {
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			if v := n.Content[i+1].Value; checkName(v) == nil {
				return v
			}
		}
	}
	return ""
}
