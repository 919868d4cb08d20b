package flyte

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Callable is what a workflow node runs: a *Task, a *Dynamic, a *Workflow
// (run inline as a sub-workflow) or a *LaunchPlan (started as a child
// execution). Its type parameters are the input and output structs.
type Callable[I, O any] interface {
	callee() *callee
	sig(*I, *O)
}

type calleeKind int

const (
	kindTask calleeKind = iota + 1
	kindDynamic
	kindWorkflow
	kindLaunchPlan
)

// callee is the untyped description of a Callable.
type callee struct {
	kind    calleeKind
	name    string
	in, out *ioType
	task    *taskDef
	wf      *workflowDef
	lp      *launchPlanDef
	err     error
}

func (c *callee) what() string {
	switch c.kind {
	case kindTask:
		return "task " + c.name
	case kindDynamic:
		return "dynamic task " + c.name
	case kindWorkflow:
		return "workflow " + c.name
	}
	return "launch plan " + c.name
}

func (t *Task[I, O]) callee() *callee {
	if t == nil || t.def == nil {
		return nilCallee(kindTask, "*flyte.Task")
	}
	return &callee{kind: kindTask, name: t.def.name, in: t.def.in, out: t.def.out, task: t.def, err: t.def.err}
}
func (t *Task[I, O]) sig(*I, *O) {}

func (t *Dynamic[I, O]) callee() *callee {
	if t == nil || t.def == nil {
		return nilCallee(kindDynamic, "*flyte.Dynamic")
	}
	return &callee{kind: kindDynamic, name: t.def.name, in: t.def.in, out: t.def.out, task: t.def, err: t.def.err}
}
func (t *Dynamic[I, O]) sig(*I, *O) {}

func (w *Workflow[I, O]) callee() *callee {
	if w == nil || w.def == nil {
		return nilCallee(kindWorkflow, "*flyte.Workflow")
	}
	return &callee{kind: kindWorkflow, name: w.def.name, in: w.def.in, out: w.def.out, wf: w.def, err: w.def.err}
}
func (w *Workflow[I, O]) sig(*I, *O) {}

func (l *LaunchPlan[I, O]) callee() *callee {
	if l == nil || l.def == nil {
		return nilCallee(kindLaunchPlan, "*flyte.LaunchPlan")
	}
	return &callee{kind: kindLaunchPlan, name: l.def.name, in: l.def.wf.in, out: l.def.wf.out, lp: l.def, err: l.def.err}
}
func (l *LaunchPlan[I, O]) sig(*I, *O) {}

// nilCallee stands for a nil Callable, so that using one is an error
// rather than a panic.
func nilCallee(kind calleeKind, what string) *callee {
	return &callee{kind: kind, name: "nil", in: emptyIO, out: emptyIO, err: fmt.Errorf("a nil %s", what)}
}

// node is a node being built.
type node struct {
	st  *buildState
	pb  *corev1.Node
	out *ioType
	// label names the node in messages: "node square-2 (task square)".
	label string
	// inCase is set for the node of a branch case, whose outputs are read
	// through the branch node.
	inCase bool
	// partial is set for a map node that may succeed with failed elements.
	partial bool
}

// Dependency is something a node can be ordered after: a node, or a Value
// produced by a node.
type Dependency interface {
	upstream() (*node, error)
}

// Node is a node of a workflow whose outputs are the fields of O. Read
// them with Out.
type Node[O any] struct{ n *node }

func (n *Node[O]) upstream() (*node, error) {
	if n == nil || n.n == nil {
		return nil, errors.New("a nil *Node")
	}
	return n.n, nil
}

// ID returns the node's id.
func (n *Node[O]) ID() string { return n.n.pb.GetId() }

// After makes the node run after deps, beyond the order its inputs imply.
func (n *Node[O]) After(deps ...Dependency) *Node[O] {
	n.n.after(deps)
	return n
}

func (v Value[T]) upstream() (*node, error) {
	if err := v.v.check(nil); err != nil {
		return nil, err
	}
	if v.v.from == nil {
		return nil, fmt.Errorf("%s is not produced by a node", v.v.desc)
	}
	return v.v.from, nil
}

// after records upstream node ids.
func (n *node) after(deps []Dependency) {
	for _, d := range deps {
		if d == nil {
			n.st.fail(fmt.Errorf("%s: After: a nil dependency", n.label))
			continue
		}
		up, err := d.upstream()
		switch {
		case err != nil:
			n.st.fail(fmt.Errorf("%s: After: %w", n.label, err))
		case up.st != n.st:
			n.st.fail(fmt.Errorf("%s: After: %s belongs to %s", n.label, up.label, up.st.label()))
		case up == n:
			n.st.fail(fmt.Errorf("%s: After: a node cannot run after itself", n.label))
		case up.inCase:
			n.st.fail(fmt.Errorf("%s: After: %s is a case of a branch; order after the branch node", n.label, up.label))
		case !slices.Contains(n.pb.UpstreamNodeIds, up.pb.GetId()):
			n.pb.UpstreamNodeIds = append(n.pb.UpstreamNodeIds, up.pb.GetId())
		}
	}
}

// addNode creates a node with id from the options or base, places it in
// the workflow (or the branch case being built) and applies the node
// options. It never returns nil: problems are recorded.
func (b *Builder) addNode(what, base string, opts []Option, allowed []string) (*node, *settings) {
	st := b.st
	s, optErr := collect("a "+what+" node", allowed, opts)
	id, err := st.nodeID(s.id, base)
	if err != nil {
		st.fail(fmt.Errorf("node of %s: %w", what, err))
		id, _ = st.nodeID("", base)
	}
	n := &node{st: st, pb: &corev1.Node{Id: id}, label: fmt.Sprintf("node %s (%s)", id, what), out: emptyIO}
	if optErr != nil {
		st.fail(fmt.Errorf("%s: %w", n.label, optErr))
	}
	n.pb.Metadata = s.nodeMetadata()
	if b.cases != nil {
		n.inCase = true
		*b.cases = append(*b.cases, n)
	} else {
		st.nodes = append(st.nodes, n)
	}
	return n, s
}

// emptyIO is the interface side of nodes without outputs.
var emptyIO = func() *ioType {
	io, err := ioTypeOf(reflect.TypeFor[None](), "outputs")
	if err != nil {
		panic(err)
	}
	return io
}()

// nodeMetadata is the node metadata the options set, or nil.
func (s *settings) nodeMetadata() *corev1.NodeMetadata {
	md := &corev1.NodeMetadata{Name: s.displayName, Interruptible: s.interruptible}
	if s.timeout != nil {
		md.Timeout = durationpb.New(*s.timeout)
	}
	if s.retries != nil {
		md.Retries = &corev1.RetryStrategy{Retries: *s.retries}
	}
	if s.cache != nil {
		md.Cacheable = s.cache
		v := s.cacheVersion
		md.CacheVersion = &v
	}
	if s.has("CacheSerializable") {
		on := true
		md.CacheSerializable = &on
	}
	if md.Name == "" && md.Timeout == nil && md.Retries == nil && md.Interruptible == nil && md.Cacheable == nil && md.CacheSerializable == nil {
		return nil
	}
	return md
}

// overrides is the task node overrides the options set, or nil.
func (s *settings) overrides() *corev1.TaskNodeOverrides {
	if s.requests == nil && s.limits == nil && s.image == "" {
		return nil
	}
	return &corev1.TaskNodeOverrides{Resources: s.resources(), ContainerImage: s.image}
}

// Call adds a node that runs c (a task, dynamic task, sub-workflow or
// launch plan) with inputs bound by bind, which receives a placeholder of
// c's input struct: bind its fields with Bind. Every input must be bound,
// except optional (pointer) inputs and inputs a launch plan gives a
// default; bind may be nil when there is nothing to bind.
//
// Options: ID, Name, and for tasks Retries, Timeout, Cache,
// CacheSerializable, Resources, Limits, Image, Interruptible.
func Call[I, O any](wf *Builder, c Callable[I, O], bind func(in *I) []Binding, opts ...Option) *Node[O] {
	ce := c.callee()
	allowed := nodeOptions
	if ce.kind == kindWorkflow || ce.kind == kindLaunchPlan {
		allowed = subNodeOptions
	}
	n, s := wf.addNode(ce.what(), ce.name, opts, allowed)
	n.out = ce.out
	st := wf.st
	if ce.err != nil {
		st.fail(fmt.Errorf("%s: %w", n.label, ce.err))
		return &Node[O]{n}
	}
	in := new(I)
	var bs []Binding
	if bind != nil {
		bs = bind(in)
	}
	n.pb.Inputs = wf.bindInputs(n, ce, in, bs, false)
	st.setTarget(n, ce, s)
	return &Node[O]{n}
}

// setTarget makes n run ce and records the reference.
func (st *buildState) setTarget(n *node, ce *callee, s *settings) {
	switch ce.kind {
	case kindTask, kindDynamic:
		n.pb.Target = &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{
			ReferenceId: &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Name: ce.name},
			Overrides:   s.overrides(),
		}}
		st.useTask(n, ce.task)
	case kindWorkflow:
		n.pb.Target = &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_SubWorkflowRef{
			SubWorkflowRef: &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Name: ce.name},
		}}}
		st.useWorkflow(n, ce.wf)
	case kindLaunchPlan:
		n.pb.Target = &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{Reference: &corev1.WorkflowNode_LaunchplanRef{
			LaunchplanRef: &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, Name: ce.name},
		}}}
		st.useLaunchPlan(n, ce.lp)
	}
}

// bindInputs resolves the bindings of node n running ce; failureNode
// restricts them to workflow inputs and constants and lets FailedNode
// inputs unbound.
func (b *Builder) bindInputs(n *node, ce *callee, in any, bs []Binding, failureNode bool) []*corev1.Binding {
	st := b.st
	rs, errs := resolve(st, n.label, ce.in, in, bs)
	for _, e := range errs {
		st.fail(e)
	}
	var fixed, defaults map[string]bool
	if ce.kind == kindLaunchPlan {
		fixed, defaults = ce.lp.fixedAndDefaults()
	}
	var out []*corev1.Binding
	done := map[int]bool{}
	for _, r := range rs {
		f := ce.in.fields[r.field]
		switch {
		case r.b.each:
			st.fail(fmt.Errorf("%s: %s: Each only applies to Map; use Bind", n.label, f.name))
			continue
		case fixed[f.name]:
			st.fail(fmt.Errorf("%s: %s is fixed by the launch plan and cannot be bound", n.label, f.name))
			continue
		case failureNode && !onlyInputs(r.b.v.bd):
			st.fail(fmt.Errorf("%s: %s: a failure node may only bind workflow inputs and constants, not %s", n.label, f.name, r.b.v.desc))
			continue
		}
		done[r.field] = true
		out = append(out, &corev1.Binding{Var: f.name, Binding: r.b.v.bd})
	}
	var missing []string
	for i, f := range ce.in.fields {
		optional := f.typ.Kind() == reflect.Pointer || fixed[f.name] || defaults[f.name] || failureNode && f.typ == typeFailedNode
		if !done[i] && !optional {
			missing = append(missing, fmt.Sprintf("%s (%s)", f.name, formatType(ce.in.codecs[i].lt)))
		}
	}
	if len(missing) > 0 && len(errs) == 0 {
		st.fail(fmt.Errorf("%s: inputs not bound: %s", n.label, strings.Join(missing, ", ")))
	}
	return out
}

// onlyInputs reports whether binding data reads only workflow inputs and
// constants.
func onlyInputs(bd *corev1.BindingData) bool {
	switch v := bd.GetValue().(type) {
	case *corev1.BindingData_Promise:
		return v.Promise.GetNodeId() == startNode
	case *corev1.BindingData_Collection:
		for _, e := range v.Collection.GetBindings() {
			if !onlyInputs(e) {
				return false
			}
		}
	case *corev1.BindingData_Map:
		for _, e := range v.Map.GetBindings() {
			if !onlyInputs(e) {
				return false
			}
		}
	}
	return true
}

// useTask records a task the workflow references; two different tasks of
// the same name are an error.
func (st *buildState) useTask(n *node, d *taskDef) {
	for _, t := range st.tasks {
		if t.name == d.name {
			if t != d {
				st.fail(fmt.Errorf("%s: two different tasks are named %s (defined at %s and %s)", n.label, d.name, t.defined, d.defined))
			}
			return
		}
	}
	st.tasks = append(st.tasks, d)
}

func (st *buildState) useWorkflow(n *node, d *workflowDef) {
	for _, w := range st.subs {
		if w.name == d.name {
			if w != d {
				st.fail(fmt.Errorf("%s: two different workflows are named %s (defined at %s and %s)", n.label, d.name, w.defined, d.defined))
			}
			return
		}
	}
	st.subs = append(st.subs, d)
}

func (st *buildState) useLaunchPlan(n *node, d *launchPlanDef) {
	for _, l := range st.lps {
		if l.name == d.name {
			if l != d {
				st.fail(fmt.Errorf("%s: two different launch plans are named %s", n.label, d.name))
			}
			return
		}
	}
	st.lps = append(st.lps, d)
}

// Out returns the output of n that field selects: field receives a
// placeholder of the output struct and returns the address of one of its
// fields (func(o *SquareOut) *int { return &o.Y }).
func Out[O, T any](n *Node[O], field func(out *O) *T) Value[T] {
	if n == nil || n.n == nil {
		return Value[T]{badVal(errors.New("Out: the node is nil"))}
	}
	return Value[T]{output(n.n, field, reflect.TypeFor[T](), false)}
}

// output builds the Value of an output of n selected by field (a
// func(*O) *T); list wraps its type in a list (map nodes).
func output[O, T any](n *node, field func(*O) *T, t reflect.Type, list bool) *val {
	if n.inCase {
		err := fmt.Errorf("%s is the node of a branch case: read outputs from the node that If...Else returns", n.label)
		n.st.fail(err)
		return badVal(err)
	}
	o := new(O)
	i := n.out.fieldAt(o, field(o), t)
	if i < 0 {
		err := fmt.Errorf("%s: Out: the pointer is not the address of a field of %s (outputs: %s)", n.label, n.out.t, n.out.names())
		n.st.fail(err)
		return badVal(err)
	}
	f := n.out.fields[i]
	ref := &corev1.OutputReference{NodeId: n.pb.GetId(), Var: f.name}
	lt := n.out.codecs[i].lt
	if list {
		lt = &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: lt}}
	}
	return &val{
		st:      n.st,
		bd:      &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: ref}},
		promise: ref,
		lt:      lt,
		desc:    n.pb.GetId() + "." + f.name,
		from:    n,
	}
}

// MapNode is a node that runs a task once per element of its Each inputs.
// Its outputs are lists: read them with MapOut or MapOutOptional.
type MapNode[O any] struct{ n *node }

func (m *MapNode[O]) upstream() (*node, error) {
	if m == nil || m.n == nil {
		return nil, errors.New("a nil *MapNode")
	}
	return m.n, nil
}

// ID returns the node's id.
func (m *MapNode[O]) ID() string { return m.n.pb.GetId() }

// After makes the node run after deps.
func (m *MapNode[O]) After(deps ...Dependency) *MapNode[O] {
	m.n.after(deps)
	return m
}

// Map adds a node that runs task t once for each element of the lists
// bound with Each (all of the same length); inputs bound with Bind get the
// same value in every element. At least one input must use Each.
//
// Options: those of Call for tasks, plus Parallelism, MinSuccessRatio and
// MinSuccesses. Retries, timeout and caching apply to each element.
func Map[I, O any](wf *Builder, t *Task[I, O], bind func(in *I) []Binding, opts ...Option) *MapNode[O] {
	ce := t.callee()
	n, s := wf.addNode("map over "+ce.what(), ce.name, opts, mapOptions)
	n.out = ce.out
	st := wf.st
	if ce.err != nil {
		st.fail(fmt.Errorf("%s: %w", n.label, ce.err))
		return &MapNode[O]{n}
	}
	in := new(I)
	var bs []Binding
	if bind != nil {
		bs = bind(in)
	}
	var lists []Binding
	for _, b := range bs {
		if b.each {
			lists = append(lists, b)
		}
	}
	if len(lists) == 0 {
		st.fail(fmt.Errorf("%s: no input is bound with Each, so there is nothing to map over", n.label))
	}
	rs, errs := resolve(st, n.label, ce.in, in, bs)
	for _, e := range errs {
		st.fail(e)
	}
	inner := &corev1.Node{
		Id:       n.pb.GetId() + "-item",
		Metadata: n.pb.GetMetadata(),
		Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{
			ReferenceId: &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Name: ce.name},
			Overrides:   s.overrides(),
		}},
	}
	if md := inner.Metadata; md != nil {
		// The display name belongs to the map node; the rest applies to
		// each element.
		n.pb.Metadata = nil
		if md.GetName() != "" {
			n.pb.Metadata = &corev1.NodeMetadata{Name: md.GetName()}
			md.Name = ""
		}
	}
	done := map[int]bool{}
	for _, r := range rs {
		f := ce.in.fields[r.field]
		done[r.field] = true
		bd := &corev1.Binding{Var: f.name, Binding: r.b.v.bd}
		if r.b.each {
			n.pb.Inputs = append(n.pb.Inputs, bd)
		} else {
			inner.Inputs = append(inner.Inputs, bd)
		}
	}
	var missing []string
	for i, f := range ce.in.fields {
		if !done[i] && f.typ.Kind() != reflect.Pointer {
			missing = append(missing, fmt.Sprintf("%s (%s)", f.name, formatType(ce.in.codecs[i].lt)))
		}
	}
	if len(missing) > 0 && len(errs) == 0 {
		st.fail(fmt.Errorf("%s: inputs not bound: %s", n.label, strings.Join(missing, ", ")))
	}
	an := &corev1.ArrayNode{Node: inner, Parallelism: s.parallelism}
	switch {
	case s.minRatio != nil && s.minSuccesses != nil:
		st.fail(fmt.Errorf("%s: give MinSuccessRatio or MinSuccesses, not both", n.label))
	case s.minRatio != nil:
		if *s.minRatio < 0 || *s.minRatio > 1 {
			st.fail(fmt.Errorf("%s: MinSuccessRatio %v is not between 0 and 1", n.label, *s.minRatio))
		}
		an.SuccessCriteria = &corev1.ArrayNode_MinSuccessRatio{MinSuccessRatio: *s.minRatio}
		n.partial = *s.minRatio < 1
	case s.minSuccesses != nil:
		an.SuccessCriteria = &corev1.ArrayNode_MinSuccesses{MinSuccesses: *s.minSuccesses}
		n.partial = true
	}
	n.pb.Target = &corev1.Node_ArrayNode{ArrayNode: an}
	st.useTask(n, ce.task)
	return &MapNode[O]{n}
}

// MapOut returns the output of every element of m, in element order, as
// a list. A map node that may succeed with failed elements (MinSuccessRatio
// below 1, MinSuccesses) has none for those: use MapOutOptional.
func MapOut[O, T any](m *MapNode[O], field func(out *O) *T) Value[[]T] {
	if m == nil || m.n == nil {
		return Value[[]T]{badVal(errors.New("MapOut: the node is nil"))}
	}
	if m.n.partial {
		err := fmt.Errorf("%s may succeed with failed elements, whose outputs are none: read them with MapOutOptional", m.n.label)
		m.n.st.fail(err)
		return Value[[]T]{badVal(err)}
	}
	return Value[[]T]{output(m.n, field, reflect.TypeFor[T](), true)}
}

// MapOutOptional is MapOut for map nodes that may succeed with failed
// elements: the output of a failed element is nil.
func MapOutOptional[O, T any](m *MapNode[O], field func(out *O) *T) Value[[]*T] {
	if m == nil || m.n == nil {
		return Value[[]*T]{badVal(errors.New("MapOutOptional: the node is nil"))}
	}
	v := output(m.n, field, reflect.TypeFor[T](), false)
	if v.err == nil {
		v.lt = &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: optionalType(v.lt)}}
	}
	return Value[[]*T]{v}
}

// SignalNode is a gate that waits for a value of type T given from outside
// the execution (flyte-cli signal, or WithSignal in local runs).
type SignalNode[T any] struct {
	n *node
	v Value[T]
}

func (s *SignalNode[T]) upstream() (*node, error) {
	if s == nil || s.n == nil {
		return nil, errors.New("a nil *SignalNode")
	}
	return s.n, nil
}

// Value returns the signalled value.
func (s *SignalNode[T]) Value() Value[T] { return s.v }

// After makes the gate wait only after deps finished.
func (s *SignalNode[T]) After(deps ...Dependency) *SignalNode[T] {
	s.n.after(deps)
	return s
}

// signalOutput is the output name of a signal gate.
const signalOutput = "value"

// Approve adds a gate that waits for the boolean signal named signal: true
// lets the workflow go on, false fails the node. Options: ID, Name.
func Approve(wf *Builder, signal string, opts ...Option) *Node[None] {
	n, _ := wf.addNode("approval "+signal, "approve-"+signal, opts, subNodeOptions)
	wf.checkSignal(n, signal)
	n.pb.Target = &corev1.Node_GateNode{GateNode: &corev1.GateNode{Condition: &corev1.GateNode_Approve{
		Approve: &corev1.ApproveCondition{SignalId: signal}}}}
	return &Node[None]{n}
}

// Sleep adds a gate that waits for d. Options: ID, Name.
func Sleep(wf *Builder, d time.Duration, opts ...Option) *Node[None] {
	n, _ := wf.addNode("sleep", "sleep", opts, subNodeOptions)
	if d < 0 {
		wf.st.fail(fmt.Errorf("%s: duration %s is negative", n.label, d))
	}
	n.pb.Target = &corev1.Node_GateNode{GateNode: &corev1.GateNode{Condition: &corev1.GateNode_Sleep{
		Sleep: &corev1.SleepCondition{Duration: durationpb.New(d)}}}}
	return &Node[None]{n}
}

// WaitForSignal adds a gate that waits for a value of type T sent as the
// signal named signal. Options: ID, Name.
func WaitForSignal[T any](wf *Builder, signal string, opts ...Option) *SignalNode[T] {
	n, _ := wf.addNode("signal "+signal, "signal-"+signal, opts, subNodeOptions)
	wf.checkSignal(n, signal)
	c, err := codecFor(reflect.TypeFor[T]())
	if err != nil {
		wf.st.fail(fmt.Errorf("%s: %w", n.label, err))
		return &SignalNode[T]{n: n, v: Value[T]{badVal(err)}}
	}
	n.pb.Target = &corev1.Node_GateNode{GateNode: &corev1.GateNode{Condition: &corev1.GateNode_Signal{
		Signal: &corev1.SignalCondition{SignalId: signal, Type: c.lt, OutputVariableName: signalOutput}}}}
	ref := &corev1.OutputReference{NodeId: n.pb.GetId(), Var: signalOutput}
	v := &val{st: wf.st, bd: &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: ref}}, promise: ref,
		lt: c.lt, desc: "signal " + signal, from: n}
	if n.inCase {
		v = badVal(fmt.Errorf("%s is the node of a branch case: its value cannot be read", n.label))
	}
	return &SignalNode[T]{n: n, v: Value[T]{v}}
}

func (b *Builder) checkSignal(n *node, signal string) {
	if err := checkEntityName(signal); err != nil {
		b.st.fail(fmt.Errorf("%s: signal %w", n.label, err))
	}
}

// OnFailure sets the node that runs when the workflow fails, to clean up
// or report: c runs with inputs bound by bind, which may read workflow
// inputs and constants only. An input of type FailedNode receives the
// failure. Options: those of Call.
func OnFailure[I, O any](wf *Builder, c Callable[I, O], bind func(in *I) []Binding, opts ...Option) {
	st := wf.st
	ce := c.callee()
	switch {
	case wf.cases != nil:
		st.fail(errors.New("OnFailure: call it on the workflow's builder, not a branch case's"))
		return
	case st.dynamic:
		st.fail(errors.New("OnFailure: a dynamic task's workflow has no failure node"))
		return
	case st.failure != nil:
		st.fail(errors.New("OnFailure is called twice"))
		return
	}
	s, optErr := collect("a failure node", nodeOptions, opts)
	id := s.id
	if id == "" {
		id = "on-failure"
	}
	if st.ids[id] {
		st.fail(fmt.Errorf("failure node id %q is taken; give another with ID", id))
	}
	if err := checkNodeID(id); err != nil {
		st.fail(fmt.Errorf("failure node: %w", err))
	}
	st.ids[id] = true
	n := &node{st: st, pb: &corev1.Node{Id: id, Metadata: s.nodeMetadata()}, label: fmt.Sprintf("failure node %s (%s)", id, ce.what()), out: ce.out}
	if optErr != nil {
		st.fail(fmt.Errorf("%s: %w", n.label, optErr))
	}
	st.failure = n
	if ce.err != nil {
		st.fail(fmt.Errorf("%s: %w", n.label, ce.err))
		return
	}
	in := new(I)
	var bs []Binding
	if bind != nil {
		bs = bind(in)
	}
	n.pb.Inputs = wf.bindInputs(n, ce, in, bs, true)
	st.setTarget(n, ce, s)
}
