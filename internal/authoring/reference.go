package authoring

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// startNode is the node id of the workflow inputs in output references.
const startNode = "start-node"

// inputsRef is the name $inputs.NAME uses for the workflow inputs.
const inputsRef = "inputs"

// reference is a parsed $NODE.OUTPUT[.field|[0]|["key"]]... value.
type reference struct {
	node string // node id, or "inputs" for a workflow input
	name string // output (or workflow input) name
	path []*corev1.PromiseAttribute
	text string // the reference as written, without the leading $
}

var (
	nodeIDPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	varNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// parseReference parses a reference written without its leading "$":
// inputs.x, first.total, first.rows[0].name, scores["team a"].
func parseReference(src string) (*reference, error) {
	r := &reference{text: src}
	i := 0
	word := func(allowDash bool) string {
		start := i
		for i < len(src) {
			c := src[i]
			if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (allowDash && c == '-') {
				i++
				continue
			}
			break
		}
		return src[start:i]
	}
	r.node = word(true)
	if r.node == "" {
		return nil, fmt.Errorf("reference $%s: want $NODE.OUTPUT or $inputs.NAME", src)
	}
	if i >= len(src) || src[i] != '.' {
		return nil, fmt.Errorf("reference $%s: want $%s.OUTPUT (a node id, a dot and an output name)", src, r.node)
	}
	i++
	r.name = word(false)
	if !varNamePattern.MatchString(r.name) {
		return nil, fmt.Errorf("reference $%s: want an output name after %q", src, r.node+".")
	}
	for i < len(src) {
		switch src[i] {
		case '.':
			i++
			key := word(true)
			if key == "" {
				return nil, fmt.Errorf("reference $%s: want a field name after \".\" at offset %d", src, i)
			}
			r.path = append(r.path, &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_StringValue{StringValue: key}})
		case '[':
			i++
			if i < len(src) && (src[i] == '"' || src[i] == '\'') {
				q := src[i]
				end := strings.IndexByte(src[i+1:], q)
				if end < 0 || i+1+end+1 >= len(src) || src[i+1+end+1] != ']' {
					return nil, fmt.Errorf("reference $%s: unterminated [%c...%c]", src, q, q)
				}
				key := src[i+1 : i+1+end]
				i += end + 3
				r.path = append(r.path, &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_StringValue{StringValue: key}})
				continue
			}
			end := strings.IndexByte(src[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("reference $%s: missing \"]\"", src)
			}
			idx, err := strconv.ParseInt(src[i:i+end], 10, 32)
			if err != nil || idx < 0 || idx > math.MaxInt32 {
				return nil, fmt.Errorf("reference $%s: want a list index such as [0] or a quoted key such as [\"a\"], found [%s]", src, src[i:i+end])
			}
			i += end + 1
			r.path = append(r.path, &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_IntValue{IntValue: int32(idx)}})
		default:
			return nil, fmt.Errorf("reference $%s: unexpected %q at offset %d", src, src[i], i+1)
		}
	}
	return r, nil
}

// promise converts the reference to an output reference; workflow inputs
// are outputs of start-node.
func (r *reference) promise() *corev1.OutputReference {
	node := r.node
	if node == inputsRef {
		node = startNode
	}
	return &corev1.OutputReference{NodeId: node, Var: r.name, AttrPath: r.path}
}

// attrType returns the type reached by walking path from t, or nil when it
// cannot be known (fields of a struct).
func attrType(t *corev1.LiteralType, path []*corev1.PromiseAttribute) *corev1.LiteralType {
	for _, a := range path {
		if t == nil {
			return nil
		}
		switch a.GetValue().(type) {
		case *corev1.PromiseAttribute_IntValue:
			t = t.GetCollectionType()
		case *corev1.PromiseAttribute_StringValue:
			if mt := t.GetMapValueType(); mt != nil {
				t = mt
			} else if dc := t.GetStructure().GetDataclassType(); dc != nil {
				t = dc[a.GetStringValue()]
			} else {
				return nil
			}
		}
	}
	return t
}
