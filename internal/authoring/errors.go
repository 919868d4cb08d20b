package authoring

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxErrors caps how many problems one decode reports; past it the list ends
// with a note, because a file that is wrong everywhere is better fixed from the top.
const maxErrors = 100

// Error is one problem in an authoring file: where it is and what is wrong.
type Error struct {
	// File is the file name given to Decode or the path given to DecodeFiles.
	File string
	// Line is the 1-based line of the offending YAML node; 0 when not known.
	Line int
	// Where names the entity and field, for example "workflow add: node second: input a".
	Where string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as "file:line: where: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found while decoding, in the order found. Decode
// and DecodeFiles return it (as error) when anything is wrong.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// problems collects the errors of one decode.
type problems struct {
	list      Errors
	truncated bool
	aliases   int // alias dereferences so far (see maxAliases)
}

func (p *problems) add(e *Error) {
	if len(p.list) >= maxErrors {
		p.truncated = true
		return
	}
	p.list = append(p.list, e)
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	out := p.list
	if p.truncated {
		out = append(out[:len(out):len(out)], &Error{File: out[len(out)-1].File,
			Msg: fmt.Sprintf("too many problems; stopped after %d", maxErrors)})
	}
	return out
}

// scope is a place in a file that errors are reported against: the file and
// the path of entity and field names leading to the current value.
type scope struct {
	p     *problems
	file  string
	where string
}

// in returns the scope one level deeper, for example in("node %s", id).
func (s scope) in(format string, args ...any) scope {
	seg := fmt.Sprintf(format, args...)
	if s.where != "" {
		seg = s.where + ": " + seg
	}
	return scope{p: s.p, file: s.file, where: seg}
}

// errorf reports a problem at node n (which may be nil when there is no line).
func (s scope) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	s.p.add(&Error{File: s.file, Line: line, Where: s.where, Msg: fmt.Sprintf(format, args...)})
}

// nodeError is a problem found deep inside a value, carrying the node that
// holds it so the report points at the right line.
type nodeError struct {
	n   *yaml.Node
	msg string
}

func (e *nodeError) Error() string { return e.msg }

func errAt(n *yaml.Node, format string, args ...any) *nodeError {
	return &nodeError{n: n, msg: fmt.Sprintf(format, args...)}
}

// errReported stands for a problem that was reported where it was found
// (too many aliases), so report adds nothing.
var errReported = &nodeError{msg: "reported"}

// report records a nodeError (or any error, at fallback) in s.
func (s scope) report(err error, fallback *yaml.Node) {
	if err == errReported {
		return
	}
	if ne, ok := err.(*nodeError); ok && ne.n != nil {
		s.errorf(ne.n, "%s", ne.msg)
		return
	}
	s.errorf(fallback, "%s", err.Error())
}
