package authoring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// Options say where the entities go when the file does not say it. A file
// value and an option that are both set must agree (see the package comment).
type Options struct {
	// Project the entities are registered in.
	Project string
	// Domain the entities are registered in.
	Domain string
	// Version of every entity the files define.
	Version string
}

// Bundle is what a set of files registers, in registration order: all tasks
// first, then workflows, then launch plans.
type Bundle struct {
	// Tasks to create.
	Tasks []*adminv1.TaskCreateRequest
	// Workflows to create, after the tasks.
	Workflows []*adminv1.WorkflowCreateRequest
	// LaunchPlans to create, after the workflows: the default launch plans
	// of the workflows first, then the launch plans the files define.
	LaunchPlans []*adminv1.LaunchPlanCreateRequest

	// order interleaves workflows and launch plans when a workflow launches
	// a launch plan of the same bundle (see Ordered).
	order []Entity
}

// Entity is one create request of a bundle; exactly one field is set.
type Entity struct {
	// Task is set for a task.
	Task *adminv1.TaskCreateRequest
	// Workflow is set for a workflow.
	Workflow *adminv1.WorkflowCreateRequest
	// LaunchPlan is set for a launch plan.
	LaunchPlan *adminv1.LaunchPlanCreateRequest
}

// Ordered returns every entity in an order the server accepts: tasks, then
// workflows and launch plans such that each launch plan follows its workflow
// and each workflow follows the launch plans its launch_plan nodes start.
// Registering Tasks, Workflows, LaunchPlans in turn is equivalent unless a
// workflow of the bundle launches a launch plan of the same bundle.
func (b *Bundle) Ordered() []Entity {
	if b.order != nil {
		return b.order
	}
	out := make([]Entity, 0, len(b.Tasks)+len(b.Workflows)+len(b.LaunchPlans))
	for _, t := range b.Tasks {
		out = append(out, Entity{Task: t})
	}
	for _, w := range b.Workflows {
		out = append(out, Entity{Workflow: w})
	}
	for _, l := range b.LaunchPlans {
		out = append(out, Entity{LaunchPlan: l})
	}
	return out
}

// DecodeFiles reads and decodes the files at paths together: references by
// name resolve across all of them. Errors name the file and line.
func DecodeFiles(paths []string, opts Options) (*Bundle, error) {
	if len(paths) == 0 {
		return nil, errors.New("no files to decode")
	}
	inputs := make([]fileInput, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		inputs = append(inputs, fileInput{name: p, data: data})
	}
	return decode(inputs, opts)
}

// Decode decodes one file's content; name is used in error messages.
func Decode(name string, data []byte, opts Options) (*Bundle, error) {
	return decode([]fileInput{{name: name, data: data}}, opts)
}

type fileInput struct {
	name string
	data []byte
}

// Format markers: the value of the top-level "format" key.
const (
	formatIDL     = "idl/v1"
	formatCompact = "compact/v1"
)

func decode(files []fileInput, opts Options) (*Bundle, error) {
	d := newDecoder(opts)
	d.checkOptions()
	for _, f := range files {
		d.parseFile(f.name, f.data)
	}
	if err := d.p.err(); err != nil {
		return nil, err
	}
	d.addDefaultLaunchPlans()
	d.resolveRefs()
	// A reference that does not resolve leaves its types unknown and the
	// build goes on to find the other problems; a cycle would not end.
	if d.checkCycles() {
		return nil, d.p.err()
	}
	d.buildWorkflows()
	d.buildLaunchPlans()
	d.validateTasks()
	if err := d.p.err(); err != nil {
		return nil, err
	}
	return d.bundle(), nil
}

// parseFile splits a file into YAML documents and decodes each in its format.
func (d *decoder) parseFile(name string, data []byte) {
	s := scope{p: d.p, file: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	found := false
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := yamlErrorLine(err)
			if strings.Contains(msg, "did not find expected ',' or") {
				msg += " (quote types with brackets inside {...}, as in {xs: \"list[int]\"}, or write them in block style)"
			}
			s.p.add(&Error{File: name, Line: line, Msg: "not valid YAML or JSON: " + msg})
			return
		}
		root := &doc
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		root = s.resolve(root)
		if isNull(root) {
			continue
		}
		found = true
		ds := s
		if i > 0 {
			ds = s.in("document %d", i+1)
		}
		d.parseDocument(ds, root)
	}
	if !found {
		s.errorf(nil, "the file defines nothing (want tasks, workflows or launch_plans)")
	}
}

// parseDocument detects the format of one document by its top-level
// "format" key: idl/v1 is the IDL format, compact/v1 or no key the compact one.
func (d *decoder) parseDocument(s scope, root *yaml.Node) {
	if root.Kind != yaml.MappingNode {
		s.errorf(root, "want a mapping at the top level (tasks:, workflows:, launch_plans:), found %s", kindName(root))
		return
	}
	format := formatCompact
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "format" {
			v := s.resolve(root.Content[i+1])
			t, ok := s.in("format").text(v)
			if !ok {
				return
			}
			if t != formatIDL && t != formatCompact {
				s.in("format").errorf(v, "unknown format %q (want %s or %s)", t, formatIDL, formatCompact)
				return
			}
			format = t
		}
	}
	if format == formatIDL {
		d.parseIDL(s, root)
		return
	}
	d.parseCompact(s, root)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErrorLine splits the line number out of a YAML syntax error. The YAML
// library counts the lines of parser errors ("did not find expected ...")
// from zero and those of scanner errors from one; both are returned 1-based.
func yamlErrorLine(err error) (int, string) {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, strings.TrimPrefix(err.Error(), "yaml: ")
	}
	line, convErr := strconv.Atoi(m[1])
	if convErr != nil {
		return 0, m[2]
	}
	if strings.HasPrefix(m[2], "did not find expected") {
		line++
	}
	return line, m[2]
}
