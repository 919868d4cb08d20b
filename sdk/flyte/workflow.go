package flyte

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Workflow is a DAG of nodes built by a Go function. I and O are structs
// like a task's. The function runs when the workflow is registered or run
// (once per process), not at every execution: it wires nodes together
// with Call, Map, If and the gates, through Values, and binds the outputs
// with Builder.Return.
type Workflow[I, O any] struct{ def *workflowDef }

// workflowDef is the untyped core of a Workflow.
type workflowDef struct {
	name    string
	defined string
	in, out *ioType
	s       *settings
	fn      func(b *Builder) error
	err     error

	once     sync.Once
	built    *built
	buildErr error

	lpOnce sync.Once
	lp     *launchPlanDef
}

// built is a workflow built by its function.
type built struct {
	// tmpl has identifiers with only resource type and name; stamp fills
	// in project, domain and version.
	tmpl  *corev1.WorkflowTemplate
	tasks []*taskDef
	subs  []*workflowDef
	lps   []*launchPlanDef
}

// NewWorkflow makes a workflow named name whose nodes fn builds. fn gets
// placeholders of the input and output structs: their fields only serve to
// name inputs (Input(wf, &in.N)) and outputs (Bind(&out.Total, v)) with
// the compiler checking types. Problems (a type without Flyte type, an
// unbound input, a bad option) are reported by Err, Run and the register
// command, each naming the workflow, node and field.
//
// Options: Description, FailAfterExecutableNodes, Interruptible, and
// Defaults (the defaults of the workflow's default launch plan).
func NewWorkflow[I, O any](name string, fn func(wf *Builder, in *I, out *O) error, opts ...Option) *Workflow[I, O] {
	d := &workflowDef{name: name, defined: caller()}
	var errs []error
	d.in, d.out, d.s, errs = signature[I, O](name, "a workflow", workflowOptions, opts)
	if fn == nil {
		errs = append(errs, errors.New("the function is nil"))
	}
	if len(errs) > 0 {
		d.err = fmt.Errorf("workflow %s: %w", name, errors.Join(errs...))
	}
	d.fn = func(b *Builder) error { return fn(b, b.inPtr.(*I), b.outPtr.(*O)) }
	return &Workflow[I, O]{def: d}
}

// Name returns the workflow's name.
func (w *Workflow[I, O]) Name() string { return w.def.name }

// Err builds the workflow (once) and reports what is wrong with it, or nil.
func (w *Workflow[I, O]) Err() error {
	_, err := w.def.get()
	return err
}

// get builds the workflow once.
func (d *workflowDef) get() (*built, error) {
	if d.err != nil {
		return nil, d.err
	}
	d.once.Do(func() { d.built, d.buildErr = d.build() })
	return d.built, d.buildErr
}

// build runs the workflow function and assembles the template.
func (d *workflowDef) build() (*built, error) {
	st := newBuildState("workflow "+d.name, false)
	b := &Builder{st: st, in: d.in, out: d.out, inPtr: reflect.New(d.in.t).Interface(), outPtr: reflect.New(d.out.t).Interface()}
	if err := st.run(func() error { return d.fn(b) }); err != nil {
		return nil, err
	}
	t := &corev1.WorkflowTemplate{
		Id:        &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Name: d.name},
		Metadata:  &corev1.WorkflowMetadata{},
		Interface: &corev1.TypedInterface{Inputs: d.in.vars, Outputs: d.out.vars},
		Nodes:     st.protoNodes(),
		Outputs:   st.outputs,
	}
	if d.s.failAfterExecutable {
		t.Metadata.OnFailure = corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
	}
	if d.s.interruptible != nil {
		t.MetadataDefaults = &corev1.WorkflowMetadataDefaults{Interruptible: *d.s.interruptible}
	}
	if st.failure != nil {
		t.FailureNode = st.failure.pb
	}
	return &built{tmpl: t, tasks: st.tasks, subs: st.subs, lps: st.lps}, nil
}

// Builder builds the nodes of a workflow (or of a dynamic task at run
// time). The functions that add nodes (Call, Map, If, Approve, ...) take
// it as their first argument; problems are collected and reported when
// the workflow is built, all at once.
type Builder struct {
	st            *buildState
	in, out       *ioType
	inPtr, outPtr any
	// cases collects the node of a branch case being built; nil for the
	// workflow itself.
	cases *[]*node
	// Context is the context of a dynamic task's run; nil while a
	// workflow is built for registration.
	ctx context.Context
}

// buildState is what a workflow's builders share.
type buildState struct {
	what     string // "workflow pipeline" or "dynamic task fanout"
	dynamic  bool
	nodes    []*node
	ids      map[string]bool
	seq      map[string]int
	errs     []error
	outputs  []*corev1.Binding
	returned bool
	failure  *node
	branches []*branchState

	tasks []*taskDef
	subs  []*workflowDef
	lps   []*launchPlanDef
}

func newBuildState(what string, dynamic bool) *buildState {
	return &buildState{what: what, dynamic: dynamic, ids: map[string]bool{}, seq: map[string]int{}}
}

func (st *buildState) label() string {
	if st == nil {
		return "no workflow"
	}
	return st.what
}

// fail records a problem.
func (st *buildState) fail(err error) { st.errs = append(st.errs, err) }

// returnError is what Builder.Return returns: the problems recorded so
// far, which the build reports itself.
type returnError struct {
	st  *buildState
	err error
}

func (e *returnError) Error() string { return e.err.Error() }
func (e *returnError) Unwrap() error { return e.err }

// run calls the building function and returns every problem recorded,
// the function's own error included. A panic in the function is reported
// as a problem.
func (st *buildState) run(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			st.fail(fmt.Errorf("the function panicked: %v", r))
		}
		err = st.finish()
	}()
	if ferr := fn(); ferr != nil {
		var re *returnError
		if !errors.As(ferr, &re) || re.st != st {
			st.fail(ferr)
		}
	}
	return nil
}

// finish checks what the function left incomplete and joins the problems.
func (st *buildState) finish() error {
	if !st.returned {
		st.fail(errors.New("the outputs are not bound: end the function with return wf.Return(...)"))
	}
	for _, br := range st.branches {
		if br.ie.GetDefault() == nil {
			st.fail(fmt.Errorf("branch node %s has no Else or Fail", br.n.pb.GetId()))
		}
	}
	if len(st.nodes) == 0 && !st.dynamic && len(st.errs) == 0 {
		st.fail(errors.New("the workflow has no nodes"))
	}
	if len(st.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w", st.what, errors.Join(st.errs...))
}

// protoNodes returns the top-level nodes.
func (st *buildState) protoNodes() []*corev1.Node {
	out := make([]*corev1.Node, len(st.nodes))
	for i, n := range st.nodes {
		out[i] = n.pb
	}
	return out
}

// Return binds the outputs of the workflow (or dynamic task): one Bind per
// field of the output struct, with out being the output placeholder the
// function received. Every output must be bound. It returns the problems
// recorded so far, so a workflow function can end with
// `return wf.Return(...)`.
func (b *Builder) Return(bs ...Binding) error {
	st := b.st
	if b.cases != nil {
		st.fail(errors.New("Return: call it on the workflow's builder, not a branch case's"))
		return b.err()
	}
	if st.returned {
		st.fail(errors.New("Return is called twice"))
		return b.err()
	}
	st.returned = true
	rs, errs := resolve(st, "outputs", b.out, b.outPtr, bs)
	for _, e := range errs {
		st.fail(e)
	}
	done := map[int]bool{}
	for _, r := range rs {
		if r.b.each {
			st.fail(fmt.Errorf("outputs: %s: Each only applies to Map inputs; use Bind", b.out.fields[r.field].name))
			continue
		}
		done[r.field] = true
		st.outputs = append(st.outputs, &corev1.Binding{Var: b.out.fields[r.field].name, Binding: r.b.v.bd})
	}
	var missing []string
	for i, f := range b.out.fields {
		if !done[i] {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 && len(errs) == 0 {
		st.fail(fmt.Errorf("outputs: %s not bound (outputs of %s: %s)", strings.Join(missing, ", "), b.out.t, b.out.names()))
	}
	return b.err()
}

// err returns the problems recorded so far as a *returnError, or nil.
func (b *Builder) err() error {
	if len(b.st.errs) == 0 {
		return nil
	}
	return &returnError{st: b.st, err: errors.Join(b.st.errs...)}
}

// Context returns the context of a dynamic task's run, or
// context.Background while a workflow is built.
func (b *Builder) Context() context.Context {
	if b.ctx == nil {
		return context.Background()
	}
	return b.ctx
}

// nodeID returns the id of a new node: explicit when given (checked),
// else derived from base with a number when taken.
func (st *buildState) nodeID(explicit, base string) (string, error) {
	if explicit != "" {
		if err := checkNodeID(explicit); err != nil {
			return "", err
		}
		if st.ids[explicit] {
			return "", fmt.Errorf("node id %q is used twice", explicit)
		}
		st.ids[explicit] = true
		return explicit, nil
	}
	base = sanitizeID(base)
	for {
		st.seq[base]++
		id := base
		if n := st.seq[base]; n > 1 {
			id = base + "-" + strconv.Itoa(n)
		}
		if !st.ids[id] {
			st.ids[id] = true
			return id, nil
		}
	}
}

// checkNodeID accepts 1 to 63 letters, digits, '-' and '_', other than the
// reserved ids.
func checkNodeID(id string) error {
	if id == "" || len(id) > 63 {
		return fmt.Errorf("node id %q must have 1 to 63 characters", id)
	}
	switch id {
	case startNode, "end-node", "inputs":
		return fmt.Errorf("node id %q is reserved", id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("node id %q: want letters, digits, '-' and '_'", id)
		}
	}
	return nil
}

// sanitizeID turns a name into a node id base: invalid characters become
// '-', and it is cut to leave room for a number.
func sanitizeID(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	s := string(b)
	if len(s) > 50 {
		s = s[:50]
	}
	switch s {
	case "", startNode, "end-node", "inputs":
		s = "n-" + s
	}
	return s
}
