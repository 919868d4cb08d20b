package authoring

import (
	"go.yaml.in/yaml/v3"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// parseCompact decodes a document of the compact format.
func (d *decoder) parseCompact(s scope, root *yaml.Node) {
	o := s.object(root, "a mapping with tasks, workflows and launch_plans",
		"format", "project", "domain", "version", "tasks", "workflows", "launch_plans")
	if o == nil {
		return
	}
	u := &unit{
		project: unitField(s, o, "project", d.opts.Project, "-p/--project", checkName),
		domain:  unitField(s, o, "domain", d.opts.Domain, "-d/--domain", checkName),
		version: unitField(s, o, "version", d.opts.Version, "--version", checkVersion),
	}
	if o.get("tasks") == nil && o.get("workflows") == nil && o.get("launch_plans") == nil {
		s.errorf(root, "the document defines nothing (want tasks, workflows or launch_plans)")
		return
	}
	for _, section := range []struct {
		key   string
		parse func(scope, *unit, *yaml.Node)
	}{{"tasks", d.parseTask}, {"workflows", d.parseWorkflow}, {"launch_plans", d.parseLaunchPlan}} {
		v := o.get(section.key)
		if v == nil {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			s.in("%s", section.key).errorf(v, "want a list, found %s", kindName(v))
			continue
		}
		for _, item := range v.Content {
			if item = s.resolve(item); item != nil {
				section.parse(s, u, item)
			}
		}
	}
}

// refDoc is a reference to a task, workflow or launch plan by name, with
// optional project, domain and version; what it resolves to is set later.
type refDoc struct {
	at       *yaml.Node
	id       *corev1.Identifier
	explicit bool // project, domain or version was written
}

// parseRef reads NAME or {name, version, project, domain}. Unwritten parts
// are the document's.
func parseRef(s scope, u *unit, n *yaml.Node, kind corev1.ResourceType) *refDoc {
	r := &refDoc{at: n, id: u.id(kind, "")}
	if n.Kind == yaml.MappingNode {
		o := s.object(n, "a name or {name, version, project, domain}", "name", "version", "project", "domain")
		if o == nil {
			return nil
		}
		for _, f := range []struct {
			key   string
			dst   *string
			check func(string) error
		}{
			{"name", &r.id.Name, checkName}, {"version", &r.id.Version, checkVersion},
			{"project", &r.id.Project, checkName}, {"domain", &r.id.Domain, checkName},
		} {
			v := o.get(f.key)
			if v == nil {
				continue
			}
			t, ok := s.in("%s", f.key).text(v)
			if !ok {
				return nil
			}
			if err := f.check(t); err != nil {
				s.in("%s", f.key).errorf(v, "%v", err)
				return nil
			}
			*f.dst = t
			if f.key != "name" {
				r.explicit = true
			}
		}
		if r.id.Name == "" {
			s.errorf(n, "name is missing")
			return nil
		}
		return r
	}
	name, ok := s.text(n)
	if !ok {
		return nil
	}
	if err := checkName(name); err != nil {
		s.errorf(n, "%v", err)
		return nil
	}
	r.id.Name = name
	return r
}
