package flyte

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Entity is a *Task, *Dynamic, *Workflow or *LaunchPlan: what Main
// registers and runs.
type Entity interface {
	entity() entityRef
}

type entityRef struct {
	task *taskDef
	wf   *workflowDef
	lp   *launchPlanDef
}

func (t *Task[I, O]) entity() entityRef       { return entityRef{task: t.def} }
func (t *Dynamic[I, O]) entity() entityRef    { return entityRef{task: t.def} }
func (w *Workflow[I, O]) entity() entityRef   { return entityRef{wf: w.def} }
func (l *LaunchPlan[I, O]) entity() entityRef { return entityRef{lp: l.def} }

// bundle is every entity reachable from some roots, in an order the admin
// accepts: tasks first, then each launch plan after its workflow and each
// workflow after the launch plans its nodes start.
type bundle struct {
	tasks []*taskDef
	steps []entityRef // workflows and launch plans, in order
}

// collect walks the entities reachable from roots. Every workflow gets its
// default launch plan unless a launch plan of the same name is reachable.
func collectBundle(roots []Entity) (*bundle, error) {
	c := &collector{
		taskNames: map[string]*taskDef{}, wfState: map[*workflowDef]int{}, lpDone: map[*launchPlanDef]bool{},
		wfNames: map[string]*workflowDef{}, lpNames: map[string]*launchPlanDef{},
	}
	for _, r := range roots {
		if r == nil {
			c.errs = append(c.errs, errors.New("a nil entity"))
			continue
		}
		e := r.entity()
		switch {
		case e.task != nil:
			c.task(e.task)
		case e.wf != nil:
			c.workflow(e.wf)
		case e.lp != nil:
			c.launchPlan(e.lp)
		}
	}
	for _, w := range c.wfOrder {
		lp := w.defaultLaunchPlan()
		if _, taken := c.lpNames[w.name]; !taken {
			c.launchPlan(lp)
		}
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return &c.b, nil
}

type collector struct {
	b         bundle
	errs      []error
	taskNames map[string]*taskDef
	wfState   map[*workflowDef]int // 1 visiting, 2 done
	wfNames   map[string]*workflowDef
	wfOrder   []*workflowDef
	lpDone    map[*launchPlanDef]bool
	lpNames   map[string]*launchPlanDef
}

func (c *collector) task(d *taskDef) {
	if d.err != nil {
		c.errs = append(c.errs, d.err)
		return
	}
	if other, ok := c.taskNames[d.name]; ok {
		if other != d {
			c.errs = append(c.errs, fmt.Errorf("two different tasks are named %s (defined at %s and %s)", d.name, other.defined, d.defined))
		}
		return
	}
	c.taskNames[d.name] = d
	c.b.tasks = append(c.b.tasks, d)
}

func (c *collector) workflow(d *workflowDef) {
	switch c.wfState[d] {
	case 1:
		c.errs = append(c.errs, fmt.Errorf("workflow %s starts a launch plan that runs it, or runs itself: such a cycle cannot be registered", d.name))
		return
	case 2:
		return
	}
	if other, ok := c.wfNames[d.name]; ok && other != d {
		c.errs = append(c.errs, fmt.Errorf("two different workflows are named %s (defined at %s and %s)", d.name, other.defined, d.defined))
		return
	}
	c.wfNames[d.name] = d
	c.wfState[d] = 1
	b, err := d.get()
	if err != nil {
		c.errs = append(c.errs, err)
		c.wfState[d] = 2
		return
	}
	for _, t := range b.tasks {
		c.task(t)
	}
	for _, s := range b.subs {
		c.workflow(s)
	}
	for _, lp := range b.lps {
		c.launchPlan(lp)
	}
	c.wfState[d] = 2
	c.wfOrder = append(c.wfOrder, d)
	c.b.steps = append(c.b.steps, entityRef{wf: d})
}

func (c *collector) launchPlan(d *launchPlanDef) {
	if c.lpDone[d] {
		return
	}
	if d.err != nil {
		c.errs = append(c.errs, d.err)
		return
	}
	if other, ok := c.lpNames[d.name]; ok && other != d {
		c.errs = append(c.errs, fmt.Errorf("two different launch plans are named %s", d.name))
		return
	}
	c.lpDone[d] = true
	c.lpNames[d.name] = d
	c.workflow(d.wf)
	c.b.steps = append(c.b.steps, entityRef{lp: d})
}

// ident is where entities are registered.
type ident struct{ project, domain, version string }

func (i ident) id(rt corev1.ResourceType, name string) *corev1.Identifier {
	return &corev1.Identifier{ResourceType: rt, Project: i.project, Domain: i.domain, Name: name, Version: i.version}
}

// stampID fills the unset project, domain and version of id.
func (i ident) stampID(id *corev1.Identifier) {
	if id == nil {
		return
	}
	if id.Project == "" {
		id.Project = i.project
	}
	if id.Domain == "" {
		id.Domain = i.domain
	}
	if id.Version == "" {
		id.Version = i.version
	}
}

// stampNode fills the identifiers a node (and its nested nodes) refers to.
func (i ident) stampNode(n *corev1.Node) {
	if n == nil {
		return
	}
	switch t := n.GetTarget().(type) {
	case *corev1.Node_TaskNode:
		i.stampID(t.TaskNode.GetReferenceId())
	case *corev1.Node_WorkflowNode:
		i.stampID(t.WorkflowNode.GetSubWorkflowRef())
		i.stampID(t.WorkflowNode.GetLaunchplanRef())
	case *corev1.Node_ArrayNode:
		i.stampNode(t.ArrayNode.GetNode())
	case *corev1.Node_BranchNode:
		ie := t.BranchNode.GetIfElse()
		i.stampNode(ie.GetCase().GetThenNode())
		for _, o := range ie.GetOther() {
			i.stampNode(o.GetThenNode())
		}
		i.stampNode(ie.GetElseNode())
	}
}

// stampWorkflow returns a copy of t with every identifier filled.
func (i ident) stampWorkflow(t *corev1.WorkflowTemplate) *corev1.WorkflowTemplate {
	t = proto.Clone(t).(*corev1.WorkflowTemplate)
	i.stampID(t.GetId())
	for _, n := range t.GetNodes() {
		i.stampNode(n)
	}
	i.stampNode(t.GetFailureNode())
	return t
}

// subDefs returns the sub-workflows d runs, recursively, each once.
func subDefs(d *workflowDef) ([]*workflowDef, error) {
	var out []*workflowDef
	seen := map[*workflowDef]bool{d: true}
	var walk func(*workflowDef) error
	walk = func(w *workflowDef) error {
		b, err := w.get()
		if err != nil {
			return err
		}
		for _, s := range b.subs {
			if seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, s)
			if err := walk(s); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(d)
}

// subWorkflows returns the templates of the sub-workflows d runs,
// recursively, each once, with identifiers at at.
func subWorkflows(d *workflowDef, at ident) ([]*corev1.WorkflowTemplate, error) {
	defs, err := subDefs(d)
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.WorkflowTemplate, 0, len(defs))
	for _, s := range defs {
		b, err := s.get()
		if err != nil {
			return nil, err
		}
		out = append(out, at.stampWorkflow(b.tmpl))
	}
	return out, nil
}

// description splits text into the admin's short and long description.
func description(text string) *adminv1.Description {
	if text == "" {
		return nil
	}
	short, _, _ := strings.Cut(text, "\n")
	return &adminv1.Description{ShortDescription: short, LongDescription: text}
}

// requests are the create requests of a bundle, in registration order.
type requests struct {
	tasks       []*adminv1.TaskCreateRequest
	workflows   []*adminv1.WorkflowCreateRequest
	launchPlans []*adminv1.LaunchPlanCreateRequest
	// order lists the workflow and launch plan requests in the order they
	// must be sent.
	order []proto.Message
}

// createRequests serialises a bundle for registration at at, with tasks
// run by tg.
func (b *bundle) createRequests(at ident, tg target) (*requests, error) {
	r := &requests{}
	for _, t := range b.tasks {
		id := at.id(corev1.ResourceType_RESOURCE_TYPE_TASK, t.name)
		r.tasks = append(r.tasks, &adminv1.TaskCreateRequest{Id: id, Spec: &adminv1.TaskSpec{
			Template: t.template(id, tg), Description: description(t.s.description),
		}})
	}
	for _, s := range b.steps {
		switch {
		case s.wf != nil:
			built, err := s.wf.get()
			if err != nil {
				return nil, err
			}
			subs, err := subWorkflows(s.wf, at)
			if err != nil {
				return nil, err
			}
			tmpl := at.stampWorkflow(built.tmpl)
			req := &adminv1.WorkflowCreateRequest{Id: proto.Clone(tmpl.GetId()).(*corev1.Identifier), Spec: &adminv1.WorkflowSpec{
				Template: tmpl, SubWorkflows: subs, Description: description(s.wf.s.description),
			}}
			r.workflows = append(r.workflows, req)
			r.order = append(r.order, req)
		case s.lp != nil:
			wfID := at.id(corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, s.lp.wf.name)
			req := &adminv1.LaunchPlanCreateRequest{
				Id:   at.id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, s.lp.name),
				Spec: s.lp.spec(wfID),
			}
			r.launchPlans = append(r.launchPlans, req)
			r.order = append(r.order, req)
		}
	}
	return r, nil
}

// dynamicSpec serialises the workflow a dynamic task built: its nodes and
// output bindings, the templates of the tasks and sub-workflows it uses,
// with identifiers at at.
func dynamicSpec(st *buildState, at ident, tg target) (*corev1.DynamicJobSpec, error) {
	spec := &corev1.DynamicJobSpec{}
	for _, n := range st.nodes {
		c := proto.Clone(n.pb).(*corev1.Node)
		at.stampNode(c)
		spec.Nodes = append(spec.Nodes, c)
	}
	for _, o := range st.outputs {
		spec.Outputs = append(spec.Outputs, proto.Clone(o).(*corev1.Binding))
	}
	tasks := map[string]bool{}
	addTask := func(d *taskDef) {
		if !tasks[d.name] {
			tasks[d.name] = true
			spec.Tasks = append(spec.Tasks, d.template(at.id(corev1.ResourceType_RESOURCE_TYPE_TASK, d.name), tg))
		}
	}
	for _, t := range st.tasks {
		addTask(t)
	}
	seen := map[*workflowDef]bool{}
	for _, w := range st.subs {
		nested, err := subDefs(w)
		if err != nil {
			return nil, err
		}
		for _, d := range append([]*workflowDef{w}, nested...) {
			if seen[d] {
				continue
			}
			seen[d] = true
			b, err := d.get()
			if err != nil {
				return nil, err
			}
			spec.Subworkflows = append(spec.Subworkflows, at.stampWorkflow(b.tmpl))
			for _, t := range b.tasks {
				addTask(t)
			}
		}
	}
	return spec, nil
}
