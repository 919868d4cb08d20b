package authoring

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

// maxNameLen is the longest project, domain, name or version accepted.
const maxNameLen = 255

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// checkName validates an entity, project or domain name: letters, digits,
// "_", "-" and "." only, at most 255 characters.
func checkName(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("name is empty")
	case len(v) > maxNameLen:
		return fmt.Errorf("name is longer than %d characters", maxNameLen)
	case !namePattern.MatchString(v):
		return fmt.Errorf("name %q may only hold letters, digits, \"_\", \"-\" and \".\"", v)
	}
	return nil
}

// checkVersion validates a version: non-empty, at most 255 characters, no
// "/" and no white space or control characters.
func checkVersion(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("version is empty")
	case len(v) > maxNameLen:
		return fmt.Errorf("version is longer than %d characters", maxNameLen)
	case strings.Contains(v, "/"):
		return fmt.Errorf("version %q may not contain \"/\"", v)
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("version %q may not contain white space", v)
	}
	return nil
}

// idKey identifies an entity of the bundle.
type idKey struct {
	kind                           corev1.ResourceType
	project, domain, name, version string
}

func keyOf(id *corev1.Identifier) idKey {
	return idKey{id.GetResourceType(), id.GetProject(), id.GetDomain(), id.GetName(), id.GetVersion()}
}

// idString writes an identifier as project/domain/name@version.
func idString(id *corev1.Identifier) string {
	return fmt.Sprintf("%s/%s/%s@%s", id.GetProject(), id.GetDomain(), id.GetName(), id.GetVersion())
}

// unit is one document: the project, domain and version its entities get.
type unit struct {
	project, domain, version string
}

func (u *unit) id(kind corev1.ResourceType, name string) *corev1.Identifier {
	return &corev1.Identifier{ResourceType: kind, Project: u.project, Domain: u.domain, Name: name, Version: u.version}
}

type taskDef struct {
	s   scope
	at  *yaml.Node
	req *adminv1.TaskCreateRequest
}

type wfDef struct {
	s      scope
	at     *yaml.Node
	id     *corev1.Identifier
	doc    *wfDoc                         // compact workflows
	idlReq *adminv1.WorkflowCreateRequest // IDL workflows

	ifaceState int // 0 not computed, 1 computing, 2 done
	iface      *corev1.TypedInterface
	params     *corev1.ParameterMap // inputs with defaults or required, for launch plans

	subs []*wfDef // sub-workflows of the bundle it runs
	lps  []*lpDef // launch plans of the bundle it launches
	req  *adminv1.WorkflowCreateRequest
}

type lpDef struct {
	s         scope
	at        *yaml.Node
	id        *corev1.Identifier
	doc       *lpDoc                           // compact launch plans
	idlReq    *adminv1.LaunchPlanCreateRequest // IDL launch plans
	isDefault bool
	wfID      *corev1.Identifier
	wf        *wfDef // nil when the workflow is registered elsewhere
	req       *adminv1.LaunchPlanCreateRequest
}

type decoder struct {
	p    *problems
	opts Options

	tasks    map[idKey]*taskDef
	taskList []*taskDef
	wfs      map[idKey]*wfDef
	wfList   []*wfDef
	lps      map[idKey]*lpDef
	lpList   []*lpDef

	emitted []any // *wfDef and *lpDef in registration order
}

func newDecoder(opts Options) *decoder {
	return &decoder{
		p: &problems{}, opts: opts,
		tasks: map[idKey]*taskDef{}, wfs: map[idKey]*wfDef{}, lps: map[idKey]*lpDef{},
	}
}

// checkOptions validates the options themselves.
func (d *decoder) checkOptions() {
	s := scope{p: d.p, file: "options"}
	if d.opts.Project != "" {
		if err := checkName(d.opts.Project); err != nil {
			s.in("project").errorf(nil, "%v", err)
		}
	}
	if d.opts.Domain != "" {
		if err := checkName(d.opts.Domain); err != nil {
			s.in("domain").errorf(nil, "%v", err)
		}
	}
	if d.opts.Version != "" {
		if err := checkVersion(d.opts.Version); err != nil {
			s.in("version").errorf(nil, "%v", err)
		}
	}
}

// unitField settles project, domain or version of a compact document: the
// file value, else the option; both set and different is an error, neither
// set is an error.
func unitField(s scope, o *object, key, opt, flag string, check func(string) error) string {
	n := o.get(key)
	if n == nil {
		if opt == "" {
			s.errorf(o.line(), "%s is not set: write %s: in the file or give %s", key, key, flag)
		}
		return opt
	}
	ks := s.in("%s", key)
	v, ok := ks.text(n)
	if !ok {
		return opt
	}
	if err := check(v); err != nil {
		ks.errorf(n, "%v", err)
		return v
	}
	if opt != "" && v != opt {
		ks.errorf(n, "the file says %q but %s says %q; remove one of them", v, flag, opt)
	}
	return v
}

// fillID completes an identifier of the IDL format: empty project, domain
// and version come from the defaults; set ones must agree with the options.
func fillID(s scope, at *yaml.Node, id *corev1.Identifier, kind corev1.ResourceType, def *unit, strict bool, opts Options) {
	if id.GetResourceType() == corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED {
		id.ResourceType = kind
	} else if id.GetResourceType() != kind {
		s.errorf(at, "resourceType is %s, want %s", id.GetResourceType(), kind)
	}
	fill := func(field *string, dflt, opt, what, flag string) {
		if *field == "" {
			*field = dflt
			if *field == "" {
				s.errorf(at, "%s is not set: write it in the identifier or give %s", what, flag)
			}
			return
		}
		if strict && opt != "" && *field != opt {
			s.errorf(at, "%s is %q but %s says %q; remove one of them", what, *field, flag, opt)
		}
	}
	fill(&id.Project, def.project, opts.Project, "project", "-p/--project")
	fill(&id.Domain, def.domain, opts.Domain, "domain", "-d/--domain")
	fill(&id.Version, def.version, opts.Version, "version", "--version")
	checkID(s, at, id)
}

// checkID validates the parts of an identifier.
func checkID(s scope, at *yaml.Node, id *corev1.Identifier) {
	for _, part := range []struct{ what, v string }{{"project", id.GetProject()}, {"domain", id.GetDomain()}, {"name", id.GetName()}} {
		if part.v == "" {
			continue // reported where the value should have come from
		}
		if err := checkName(part.v); err != nil {
			s.errorf(at, "%s: %v", part.what, err)
		}
	}
	if id.GetVersion() != "" {
		if err := checkVersion(id.GetVersion()); err != nil {
			s.errorf(at, "%v", err)
		}
	}
	if id.GetName() == "" {
		s.errorf(at, "name is not set")
	}
}

// kindWord names a resource type in messages.
func kindWord(k corev1.ResourceType) string {
	switch k {
	case corev1.ResourceType_RESOURCE_TYPE_TASK:
		return "task"
	case corev1.ResourceType_RESOURCE_TYPE_WORKFLOW:
		return "workflow"
	case corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN:
		return "launch plan"
	}
	return strings.ToLower(k.String())
}

// duplicate reports an entity defined twice; first is the earlier definition.
func duplicate(s scope, at *yaml.Node, id *corev1.Identifier, first scope, firstAt *yaml.Node) {
	where := first.file
	if firstAt != nil {
		where = fmt.Sprintf("%s:%d", first.file, firstAt.Line)
	}
	s.errorf(at, "%s %s is defined twice (first at %s)", kindWord(id.GetResourceType()), idString(id), where)
}

func (d *decoder) addTask(t *taskDef) {
	k := keyOf(t.req.GetId())
	if prev, ok := d.tasks[k]; ok {
		duplicate(t.s, t.at, t.req.GetId(), prev.s, prev.at)
		return
	}
	d.tasks[k] = t
	d.taskList = append(d.taskList, t)
}

func (d *decoder) addWorkflow(w *wfDef) {
	k := keyOf(w.id)
	if prev, ok := d.wfs[k]; ok {
		duplicate(w.s, w.at, w.id, prev.s, prev.at)
		return
	}
	d.wfs[k] = w
	d.wfList = append(d.wfList, w)
}

func (d *decoder) addLaunchPlan(l *lpDef) {
	k := keyOf(l.id)
	if prev, ok := d.lps[k]; ok {
		duplicate(l.s, l.at, l.id, prev.s, prev.at)
		return
	}
	d.lps[k] = l
	d.lpList = append(d.lpList, l)
}

// addDefaultLaunchPlans gives every workflow a launch plan of its own name
// and version, unless the files define one with that identifier already.
func (d *decoder) addDefaultLaunchPlans() {
	var defaults []*lpDef
	for _, w := range d.wfList {
		if w.doc == nil {
			continue // IDL files say exactly what they register
		}
		id := proto.Clone(w.id).(*corev1.Identifier)
		id.ResourceType = corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN
		if _, ok := d.lps[keyOf(id)]; ok {
			continue
		}
		l := &lpDef{s: w.s, at: w.at, id: id, isDefault: true, wfID: w.id, wf: w}
		d.lps[keyOf(id)] = l
		defaults = append(defaults, l)
	}
	// Default launch plans come before the ones the files define, so a
	// defined launch plan can be read as an alternative to the default.
	d.lpList = append(defaults, d.lpList...)
}

// bundle assembles the result in registration order.
func (d *decoder) bundle() *Bundle {
	b := &Bundle{}
	for _, t := range d.taskList {
		b.Tasks = append(b.Tasks, t.req)
	}
	for _, w := range d.wfList {
		b.Workflows = append(b.Workflows, w.req)
	}
	for _, l := range d.lpList {
		b.LaunchPlans = append(b.LaunchPlans, l.req)
	}
	b.order = make([]Entity, 0, len(b.Tasks)+len(d.emitted))
	for _, t := range b.Tasks {
		b.order = append(b.order, Entity{Task: t})
	}
	for _, e := range d.emitted {
		switch x := e.(type) {
		case *wfDef:
			b.order = append(b.order, Entity{Workflow: x.req})
		case *lpDef:
			b.order = append(b.order, Entity{LaunchPlan: x.req})
		}
	}
	return b
}

// validateTasks checks every task of the bundle with the rules the server
// applies at registration, so a bad task is reported with its file and line
// before anything is sent.
func (d *decoder) validateTasks() {
	for _, t := range d.taskList {
		if err := compiler.ValidateTask(t.req.GetSpec().GetTemplate()); err != nil {
			t.s.errorf(t.at, "%v", err)
		}
	}
}
