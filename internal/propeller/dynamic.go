package propeller

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	eventv1 "github.com/flyte-go/flyte/gen/flyte/event/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/proto"
)

// Dynamic workflows. A dynamic task's attempt succeeds by generating a
// workflow (plugin.Status.Dynamic, a corev1.DynamicJobSpec) instead of
// outputs. The engine compiles it as a workflow whose interface is the
// task's, keeps the compiled closure in <node>/futures_compiled.pb (named by
// the node's engine state, so an engine that reloads the execution carries
// on), and runs its nodes as the node's children "<node>-<child>" while the
// node is DYNAMIC_RUNNING, exactly like the nodes of an inline
// sub-workflow. When they are done, the spec's output bindings, checked
// against the task's interface, are the node's outputs.
//
// The view's compiled workflow is extended with what the generated workflow
// brings (its tasks, its sub-workflows, and itself as a sub-workflow under
// dynamicWorkflowID), so that every lookup by task or sub-workflow id
// (starting, observing and aborting attempts, failure nodes, array nodes)
// works for generated nodes unchanged. Ids name immutable entities: a
// generated task or sub-workflow whose id the workflow already uses for
// different content is rejected.

// futuresCompiledName is the file, under the node's prefix, holding the
// compiled closure of the workflow a dynamic node generated.
const futuresCompiledName = "futures_compiled.pb"

// dynamicState is the engine state of a dynamic node running its children.
type dynamicState struct {
	// Compiled is the blob key of the compiled closure (futures_compiled.pb).
	Compiled string `json:"compiled"`
}

// dynamicWorkflowID names the workflow a dynamic node generated; unique
// within the execution.
func (st *execState) dynamicWorkflowID(nodeID string) *corev1.Identifier {
	id := st.exec.ID
	return &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: id.Project, Domain: id.Domain, Name: "dynamic-" + nodeID, Version: id.Name}
}

func isDynamicRunning(ne *store.NodeExecution) bool {
	return ne.Phase == int32(corev1.NodeExecution_PHASE_DYNAMIC_RUNNING)
}

// dynamicGenerated handles an attempt that succeeded with a generated
// workflow: it compiles and keeps it, records the attempt SUCCEEDED and
// moves the node to DYNAMIC_RUNNING; evalTask then runs its children. A
// workflow that does not compile fails the attempt (and the node) as a
// USER error, not retried, with the compiler's message.
func (r *round) dynamicGenerated(ctx context.Context, tr *taskRun, te *store.TaskExecution, tc *plugin.TaskContext, st plugin.Status) error {
	ne := tr.ne
	closure, problem, err := r.compileDynamic(ctx, tr, st.Dynamic)
	if err != nil {
		return err
	}
	var dyn *compiledWorkflow
	if problem == "" {
		if dyn, err = compile(closure); err != nil {
			problem = err.Error()
		}
	}
	if problem == "" {
		problem = r.st.checkDynamic(dyn)
	}
	if problem != "" {
		msg := fmt.Sprintf("node %s generated a dynamic workflow that does not compile: %s", ne.NodeID, problem)
		return r.attemptFailed(ctx, tr, te, plugin.UserFailure("BadDynamicWorkflow", msg, false))
	}
	key := path.Join(r.st.execPrefix(), ne.NodeID, futuresCompiledName)
	if err := r.e.blobs.WriteProto(ctx, key, closure); err != nil {
		return fmt.Errorf("write generated workflow of node %s: %w", ne.NodeID, err)
	}
	r.e.addDynamic(r.st, ne.NodeID, dyn)
	ns := decodeState(ne)
	ns.AttemptDeadline = time.Time{} // the attempt is over
	ns.Dynamic = &dynamicState{Compiled: key}
	r.saveState(ne, ns)

	reason := st.Reason
	if reason == "" {
		reason = fmt.Sprintf("generated a workflow of %d nodes", len(st.Dynamic.GetNodes()))
	}
	r.setTaskPhase(tr, te, corev1.TaskExecution_PHASE_SUCCEEDED, st.Logs, reason, nil)

	return r.enterDynamicRunning(ne, r.e.blobs.URL(tc.FuturesKey()), closure)
}

// enterDynamicRunning moves the node to DYNAMIC_RUNNING: its closure names
// the futures.pb, and the event carries the generated workflow (inline
// when at most inlineLimit; admin's GetNodeExecutionData reads larger ones
// from futures_compiled.pb).
func (r *round) enterDynamicRunning(ne *store.NodeExecution, futures string, closure *corev1.CompiledWorkflowClosure) error {
	c := &adminv1.NodeExecutionClosure{}
	_ = unmarshal(ne.Closure, c)
	c.DynamicJobSpecUri = futures
	ne.Closure = marshal(c)
	meta := &eventv1.DynamicWorkflowNodeMetadata{Id: closure.GetPrimary().GetTemplate().GetId(), DynamicJobSpecUri: futures}
	if proto.Size(closure) <= inlineLimit {
		meta.CompiledWorkflow = closure
	}
	n := len(r.events)
	r.setNodePhase(ne, corev1.NodeExecution_PHASE_DYNAMIC_RUNNING, nil, "")
	if len(r.events) != n+1 {
		return nil
	}
	// setNodePhase built the event; add the generated workflow to it
	// (keeping whatever task node metadata it already has).
	ev := &eventv1.NodeExecutionEvent{}
	if err := proto.Unmarshal(r.events[n].Body, ev); err != nil {
		return fmt.Errorf("decode event of node %s: %w", ne.NodeID, err)
	}
	tm := ev.GetTaskNodeMetadata()
	if tm == nil {
		tm = &eventv1.TaskNodeMetadata{}
	}
	tm.DynamicWorkflow = meta
	ev.TargetMetadata = &eventv1.NodeExecutionEvent_TaskNodeMetadata{TaskNodeMetadata: tm}
	r.events[n].Body = marshal(ev)
	return nil
}

// compileDynamic compiles the workflow a dynamic task generated, as a
// workflow whose interface is the task's (its nodes may read the task's
// inputs from start-node; its outputs are the task's outputs) and whose
// failure policy is that of the workflow the node is in. problem says
// why it does not compile; err is a failure of the platform (reading the
// store), left to a later round.
func (r *round) compileDynamic(ctx context.Context, tr *taskRun, spec *corev1.DynamicJobSpec) (*corev1.CompiledWorkflowClosure, string, error) {
	ne := tr.ne
	if ms := spec.GetMinSuccesses(); ms != 0 && ms != int64(len(spec.GetNodes())) {
		return nil, fmt.Sprintf("min_successes is %d: every node of a dynamic workflow must succeed (0 or %d)", ms, len(spec.GetNodes())), nil
	}
	tmpl := &corev1.WorkflowTemplate{
		Id:        r.st.dynamicWorkflowID(ne.NodeID),
		Metadata:  &corev1.WorkflowMetadata{OnFailure: r.scopeGraph(ne).wf.GetTemplate().GetMetadata().GetOnFailure()},
		Interface: tr.tmpl.GetInterface(),
		Nodes:     spec.GetNodes(),
		Outputs:   spec.GetOutputs(),
	}
	res := &dynamicResolver{st: r.e.st, wf: r.st.wf, spec: compiler.NewStaticResolver(spec.GetTasks(), nil)}
	closure, err := compiler.CompileWorkflow(ctx, tmpl, spec.GetSubworkflows(), res)
	var ce *compiler.CompileError
	switch {
	case errors.As(err, &ce):
		return nil, ce.Error(), nil
	case err != nil:
		return nil, "", fmt.Errorf("compile the workflow generated by node %s: %w", ne.NodeID, err)
	}
	return closure, "", nil
}

// evalDynamic advances the children of a DYNAMIC_RUNNING node and ends the
// node when they are done: SUCCEEDED with the bound outputs, or FAILED
// with the first failing child's error (once what still runs under the
// node was aborted, by the failure policy of the node's workflow).
func (r *round) evalDynamic(ctx context.Context, tr *taskRun) error {
	ne := tr.ne
	g, err := r.dynamicGraph(ctx, ne)
	if err != nil || g == nil {
		return err
	}
	outs, err := r.evalChildren(ctx, ne, g, "dynamic workflow of node "+ne.NodeID)
	if err != nil || outs == nil {
		return err
	}
	want := tr.tmpl.GetInterface().GetOutputs().GetVariables()
	for _, name := range sortedKeys(want) {
		l, ok := outs.GetLiterals()[name]
		if !ok {
			r.failNode(ne, "BadOutputs", fmt.Sprintf("dynamic workflow of node %s: output %s is not bound", ne.NodeID, name), corev1.ExecutionError_ERROR_KIND_USER)
			return nil
		}
		if err := compiler.CheckLiteral(l, want[name].GetType()); err != nil {
			r.failNode(ne, "BadOutputs", fmt.Sprintf("dynamic workflow of node %s: output %s: %v", ne.NodeID, name, err), corev1.ExecutionError_ERROR_KIND_USER)
			return nil
		}
	}
	r.cachePut(ctx, tr, max(ne.Attempts-1, 0), outs)
	return r.succeedWith(ctx, ne, outs)
}

// dynamicGraph is the workflow a DYNAMIC_RUNNING node generated: in the
// view, or read back from its futures_compiled.pb. A closure that is gone
// fails the node (SYSTEM) and returns nil.
func (r *round) dynamicGraph(ctx context.Context, ne *store.NodeExecution) (*wfGraph, error) {
	if g := r.st.wf.subs[idKey(r.st.dynamicWorkflowID(ne.NodeID))]; g != nil {
		return g, nil
	}
	err := r.e.loadDynamicNode(ctx, r.st, ne)
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, errNoDynamicState):
		msg := fmt.Sprintf("node %s: the workflow it generated is lost: %v", ne.NodeID, err)
		if err := r.abortUnder(ctx, ne.NodeID, msg); err != nil {
			return nil, err
		}
		r.failNode(ne, "DynamicWorkflowLost", msg, corev1.ExecutionError_ERROR_KIND_SYSTEM)
		return nil, nil
	case err != nil:
		return nil, err
	}
	return r.st.wf.subs[idKey(r.st.dynamicWorkflowID(ne.NodeID))], nil
}

var errNoDynamicState = errors.New("no generated workflow recorded")

// loadDynamic prepares the generated workflows of the nodes running their
// children when an execution is loaded, so that anything looking at those
// children (an abort, first of all) knows their tasks. A closure that is
// gone is left to evalDynamic, which fails its node.
func (e *Engine) loadDynamic(ctx context.Context, st *execState) error {
	var ids []string
	for id, ne := range st.nodes {
		if isDynamicRunning(ne) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		err := e.loadDynamicNode(ctx, st, st.nodes[id])
		if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, errNoDynamicState) {
			return err
		}
	}
	return nil
}

// loadDynamicNode reads a node's futures_compiled.pb and adds the workflow
// to the view.
func (e *Engine) loadDynamicNode(ctx context.Context, st *execState, ne *store.NodeExecution) error {
	ds := decodeState(ne).Dynamic
	if ds == nil || ds.Compiled == "" {
		return fmt.Errorf("node %s: %w", ne.NodeID, errNoDynamicState)
	}
	closure := &corev1.CompiledWorkflowClosure{}
	if err := e.blobs.ReadProto(ctx, ds.Compiled, closure); err != nil {
		return fmt.Errorf("read the workflow generated by node %s: %w", ne.NodeID, err)
	}
	dyn, err := compile(closure)
	if err != nil {
		return fmt.Errorf("prepare the workflow generated by node %s: %w", ne.NodeID, err)
	}
	if problem := st.checkDynamic(dyn); problem != "" {
		return fmt.Errorf("the workflow generated by node %s: %s", ne.NodeID, problem)
	}
	e.addDynamic(st, ne.NodeID, dyn)
	return nil
}

// checkDynamic says what a generated workflow would change in the view's
// workflow: a task or sub-workflow id it already uses for other content.
func (st *execState) checkDynamic(dyn *compiledWorkflow) string {
	for _, k := range sortedKeys(dyn.tasks) {
		if old, ok := st.wf.tasks[k]; ok && !sameTask(old, dyn.tasks[k]) {
			return fmt.Sprintf("task %s differs from the workflow's task with the same id", k)
		}
	}
	for _, k := range sortedKeys(dyn.subs) {
		if old, ok := st.wf.subs[k]; ok && !sameWorkflow(old.wf.GetTemplate(), dyn.subs[k].wf.GetTemplate()) {
			return fmt.Sprintf("sub-workflow %s differs from the workflow's sub-workflow with the same id", k)
		}
	}
	return ""
}

// addDynamic extends the view's workflow with a generated one (see the top
// of this file); the workflow shared by every execution of its id is
// copied first.
func (e *Engine) addDynamic(st *execState, nodeID string, dyn *compiledWorkflow) {
	cw := st.wf
	if !cw.private {
		cw = &compiledWorkflow{
			primary: cw.primary, private: true,
			subs:  make(map[string]*wfGraph, len(cw.subs)+len(dyn.subs)+1),
			tasks: make(map[string]*corev1.TaskTemplate, len(cw.tasks)+len(dyn.tasks)),
			lps:   make(map[string]*corev1.LaunchPlanTemplate, len(cw.lps)+len(dyn.lps)),
		}
		for k, v := range st.wf.subs {
			cw.subs[k] = v
		}
		for k, v := range st.wf.tasks {
			cw.tasks[k] = v
		}
		for k, v := range st.wf.lps {
			cw.lps[k] = v
		}
		st.wf = cw
	}
	for k, v := range dyn.tasks {
		if _, ok := cw.tasks[k]; !ok {
			cw.tasks[k] = v
		}
	}
	for k, v := range dyn.subs {
		if _, ok := cw.subs[k]; !ok {
			cw.subs[k] = v
		}
	}
	for k, v := range dyn.lps {
		if _, ok := cw.lps[k]; !ok {
			cw.lps[k] = v
		}
	}
	cw.subs[idKey(st.dynamicWorkflowID(nodeID))] = dyn.primary
}

// sameTask compares task templates regardless of the resource type their
// ids carry (an SDK may leave it unset).
func sameTask(a, b *corev1.TaskTemplate) bool {
	if proto.Equal(a, b) {
		return true
	}
	a, b = proto.CloneOf(a), proto.CloneOf(b)
	a.Id, b.Id = nil, nil
	return proto.Equal(a, b)
}

// sameWorkflow is sameTask for workflow templates.
func sameWorkflow(a, b *corev1.WorkflowTemplate) bool {
	if proto.Equal(a, b) {
		return true
	}
	a, b = proto.CloneOf(a), proto.CloneOf(b)
	a.Id, b.Id = nil, nil
	return proto.Equal(a, b)
}

// scopeGraph is the workflow a node belongs to: the primary workflow, an
// inline sub-workflow, or the workflow a dynamic node generated. The case
// nodes of a branch belong to the branch's workflow.
func (r *round) scopeGraph(ne *store.NodeExecution) *wfGraph {
	pe := r.st.nodes[ne.ParentNodeID]
	if ne.ParentNodeID == "" || pe == nil {
		return r.st.wf.primary
	}
	if g := r.st.wf.subs[idKey(r.st.dynamicWorkflowID(pe.NodeID))]; g != nil {
		return g
	}
	pg := r.scopeGraph(pe)
	tmpl := pg.wf.GetTemplate()
	if n := findNode(append(slices.Clip(tmpl.GetNodes()), tmpl.GetFailureNode()), pe.SpecNodeID); n != nil {
		if ref := n.GetWorkflowNode().GetSubWorkflowRef(); ref != nil {
			if g := r.st.wf.subs[idKey(ref)]; g != nil {
				return g
			}
		}
	}
	return pg
}

// findNode finds a node by id among nodes and the case nodes of branches.
func findNode(nodes []*corev1.Node, id string) *corev1.Node {
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if n.GetId() == id {
			return n
		}
		if ie := n.GetBranchNode().GetIfElse(); ie != nil {
			cases := []*corev1.Node{ie.GetCase().GetThenNode(), ie.GetElseNode()}
			for _, o := range ie.GetOther() {
				cases = append(cases, o.GetThenNode())
			}
			if c := findNode(cases, id); c != nil {
				return c
			}
		}
	}
	return nil
}

// dynamicResolver resolves what a generated workflow references: the
// tasks the spec brings, then the tasks of the execution's workflow, then
// tasks and launch plans registered in the store.
type dynamicResolver struct {
	st   store.Store
	wf   *compiledWorkflow
	spec *compiler.StaticResolver
}

var (
	_ compiler.Resolver           = (*dynamicResolver)(nil)
	_ compiler.LaunchPlanResolver = (*dynamicResolver)(nil)
)

// Task returns a task of the spec, of the workflow, or a registered one.
func (d *dynamicResolver) Task(ctx context.Context, id *corev1.Identifier) (*corev1.TaskTemplate, error) {
	if t, err := d.spec.Task(ctx, id); err == nil {
		return t, nil
	}
	if t := d.wf.tasks[idKey(id)]; t != nil {
		return t, nil
	}
	ent, err := d.entity(ctx, store.KindTask, id)
	if err != nil {
		return nil, err
	}
	t := &adminv1.Task{}
	if err := proto.Unmarshal(ent.Body, t); err != nil {
		return nil, fmt.Errorf("decode task %s: %w", compiler.FormatID(id), err)
	}
	return t.GetClosure().GetCompiledTask().GetTemplate(), nil
}

// LaunchPlanInterface returns the interface of a registered launch plan.
func (d *dynamicResolver) LaunchPlanInterface(ctx context.Context, id *corev1.Identifier) (*corev1.TypedInterface, error) {
	lp, err := d.LaunchPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	in := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for name, p := range lp.ExpectedInputs.GetParameters() {
		in.Variables[name] = p.GetVar()
	}
	return &corev1.TypedInterface{Inputs: in, Outputs: lp.ExpectedOutputs}, nil
}

// LaunchPlan returns what a registered launch plan expects and produces.
func (d *dynamicResolver) LaunchPlan(ctx context.Context, id *corev1.Identifier) (*compiler.LaunchPlan, error) {
	ent, err := d.entity(ctx, store.KindLaunchPlan, id)
	if err != nil {
		return nil, err
	}
	lp := &adminv1.LaunchPlan{}
	if err := proto.Unmarshal(ent.Body, lp); err != nil {
		return nil, fmt.Errorf("decode launch plan %s: %w", compiler.FormatID(id), err)
	}
	return &compiler.LaunchPlan{
		ExpectedInputs:  lp.GetClosure().GetExpectedInputs(),
		ExpectedOutputs: lp.GetClosure().GetExpectedOutputs(),
		FixedInputs:     lp.GetSpec().GetFixedInputs(),
	}, nil
}

// entity reads a registered entity; one that is not registered (or not
// named completely) wraps compiler.ErrNotFound.
func (d *dynamicResolver) entity(ctx context.Context, kind store.Kind, id *corev1.Identifier) (*store.Entity, error) {
	eid := store.EntityID{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName(), Version: id.GetVersion()}
	if eid.Project == "" || eid.Domain == "" || eid.Name == "" || eid.Version == "" {
		return nil, fmt.Errorf("%s is not a complete identifier: %w", compiler.FormatID(id), compiler.ErrNotFound)
	}
	ent, err := d.st.EntityGet(ctx, store.EntityGetParams{Kind: kind, ID: eid})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s: %w", compiler.FormatID(id), compiler.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", compiler.FormatID(id), err)
	}
	return ent, nil
}

// dynamicInArray is the failure of an array element whose task generated a
// workflow: dynamic tasks do not run in array nodes.
func dynamicInArray(tc *plugin.TaskContext) plugin.Status {
	return plugin.UserFailure("DynamicInArray", fmt.Sprintf("element %s generated a dynamic workflow: a dynamic task cannot run in an array node", tc.Attempt), false)
}
