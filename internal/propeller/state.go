package propeller

import (
	"context"
	"fmt"
	"path"
	"sort"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"google.golang.org/protobuf/proto"
)

// startNode is the reserved id of a workflow's inputs in bindings.
const startNode = "start-node"

// inlineLimit is the largest marshalled literal map kept inline in a row's
// closure (node inputs and outputs, attempt and workflow outputs); larger
// ones go to a blob (DESIGN §4: small values stay inline). A file create
// costs more than a short task, so small values never touch the disk.
const inlineLimit = 64 << 10

// compiledWorkflow is a registered workflow prepared for evaluation. Registered
// entities are immutable, so it is cached by workflow id for the engine's life.
type compiledWorkflow struct {
	primary *wfGraph
	subs    map[string]*wfGraph
	tasks   map[string]*corev1.TaskTemplate
	lps     map[string]*corev1.LaunchPlanTemplate
	// private marks a copy owned by one execution's view, extended with
	// the workflows its dynamic nodes generated (dynamic.go).
	private bool
}

// wfGraph is one workflow template with its nodes in dependency order.
type wfGraph struct {
	wf       *corev1.CompiledWorkflow
	order    []*corev1.Node
	upstream map[string][]string
}

func idKey(id *corev1.Identifier) string {
	return id.GetProject() + "/" + id.GetDomain() + "/" + id.GetName() + "/" + id.GetVersion()
}

func newGraph(cw *corev1.CompiledWorkflow) (*wfGraph, error) {
	g := &wfGraph{wf: cw, upstream: map[string][]string{}}
	nodes := cw.GetTemplate().GetNodes()
	byID := make(map[string]*corev1.Node, len(nodes))
	for _, n := range nodes {
		byID[n.GetId()] = n
	}
	indeg := make(map[string]int, len(nodes))
	down := map[string][]string{}
	for _, n := range nodes {
		seen := map[string]bool{}
		add := func(u string) {
			if u == startNode || seen[u] || byID[u] == nil {
				return
			}
			seen[u] = true
			g.upstream[n.GetId()] = append(g.upstream[n.GetId()], u)
			down[u] = append(down[u], n.GetId())
			indeg[n.GetId()]++
		}
		for _, u := range cw.GetConnections().GetUpstream()[n.GetId()].GetIds() {
			add(u)
		}
		for _, u := range n.GetUpstreamNodeIds() {
			add(u)
		}
		for _, b := range n.GetInputs() {
			for _, u := range promiseNodes(b.GetBinding()) {
				add(u)
			}
		}
	}
	var ready []string
	for _, n := range nodes {
		if indeg[n.GetId()] == 0 {
			ready = append(ready, n.GetId())
		}
	}
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		g.order = append(g.order, byID[id])
		for _, d := range down[id] {
			indeg[d]--
			if indeg[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	if len(g.order) != len(nodes) {
		return nil, fmt.Errorf("workflow %s has a dependency cycle", idKey(cw.GetTemplate().GetId()))
	}
	return g, nil
}

// promiseNodes lists the nodes a binding reads outputs of.
func promiseNodes(b *corev1.BindingData) []string {
	switch v := b.GetValue().(type) {
	case *corev1.BindingData_Promise:
		return []string{v.Promise.GetNodeId()}
	case *corev1.BindingData_Collection:
		var out []string
		for _, x := range v.Collection.GetBindings() {
			out = append(out, promiseNodes(x)...)
		}
		return out
	case *corev1.BindingData_Map:
		var out []string
		for _, x := range v.Map.GetBindings() {
			out = append(out, promiseNodes(x)...)
		}
		return out
	}
	return nil
}

func compile(closure *corev1.CompiledWorkflowClosure) (*compiledWorkflow, error) {
	cw := &compiledWorkflow{
		subs:  map[string]*wfGraph{},
		tasks: map[string]*corev1.TaskTemplate{},
		lps:   map[string]*corev1.LaunchPlanTemplate{},
	}
	var err error
	if cw.primary, err = newGraph(closure.GetPrimary()); err != nil {
		return nil, err
	}
	for _, s := range closure.GetSubWorkflows() {
		g, err := newGraph(s)
		if err != nil {
			return nil, err
		}
		cw.subs[idKey(s.GetTemplate().GetId())] = g
	}
	for _, t := range closure.GetTasks() {
		cw.tasks[idKey(t.GetTemplate().GetId())] = t.GetTemplate()
	}
	for _, l := range closure.GetLaunchPlans() {
		cw.lps[idKey(l.GetTemplate().GetId())] = l.GetTemplate()
	}
	return cw, nil
}

// workflow returns the compiled workflow of id, from the cache or the store.
func (e *Engine) workflow(ctx context.Context, id store.EntityID) (*compiledWorkflow, error) {
	if v, ok := e.wfCache.Load(id); ok {
		return v.(*compiledWorkflow), nil
	}
	ent, err := e.st.EntityGet(ctx, store.EntityGetParams{Kind: store.KindWorkflow, ID: id})
	if err != nil {
		return nil, fmt.Errorf("load workflow %s: %w", id, err)
	}
	var wf adminv1.Workflow
	if err := proto.Unmarshal(ent.Body, &wf); err != nil {
		return nil, fmt.Errorf("decode workflow %s: %w", id, err)
	}
	cw, err := compile(wf.GetClosure().GetCompiledWorkflow())
	if err != nil {
		return nil, fmt.Errorf("prepare workflow %s: %w", id, err)
	}
	e.wfCache.Store(id, cw)
	return cw, nil
}

// execState is the engine's in-memory view of one execution, valid while
// its Version matches the store's; a conflicting commit throws it away.
type execState struct {
	exec    *store.Execution
	spec    *adminv1.ExecutionSpec
	closure *adminv1.ExecutionClosure
	wf      *compiledWorkflow
	inputs  *corev1.LiteralMap
	nodes   map[string]*store.NodeExecution
	// attempts holds the latest attempt of each task node.
	attempts map[string]*store.TaskExecution
	// outputs caches node outputs read from the blob store.
	outputs map[string]*corev1.LiteralMap
	// ref holds the succeeded nodes of the execution being recovered.
	ref map[string]*store.NodeExecution
}

func (e *Engine) load(ctx context.Context, id int64) (*execState, error) {
	x, err := e.st.ExecutionGetByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get execution %d: %w", id, err)
	}
	st := &execState{
		exec:     x,
		spec:     &adminv1.ExecutionSpec{},
		closure:  &adminv1.ExecutionClosure{},
		nodes:    map[string]*store.NodeExecution{},
		attempts: map[string]*store.TaskExecution{},
		outputs:  map[string]*corev1.LiteralMap{},
		inputs:   &corev1.LiteralMap{},
	}
	if store.ExecutionTerminal(x.Phase) {
		return st, nil
	}
	if err := proto.Unmarshal(x.Spec, st.spec); err != nil {
		return nil, fmt.Errorf("decode spec of %s: %w", x.ID.Name, err)
	}
	if err := proto.Unmarshal(x.Closure, st.closure); err != nil {
		return nil, fmt.Errorf("decode closure of %s: %w", x.ID.Name, err)
	}
	if st.wf, err = e.workflow(ctx, x.Workflow); err != nil {
		return nil, err
	}
	if x.InputsURI != "" {
		key, err := e.blobs.Key(x.InputsURI)
		if err != nil {
			return nil, fmt.Errorf("inputs of %s: %w", x.ID.Name, err)
		}
		if err := e.blobs.ReadProto(ctx, key, st.inputs); err != nil {
			return nil, fmt.Errorf("read inputs of %s: %w", x.ID.Name, err)
		}
	}
	nodes, err := e.listNodes(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		st.nodes[n.NodeID] = n
		if n.Attempts > 0 && !nodeTerminal(n.Phase) {
			te, err := e.st.TaskExecutionGet(ctx, store.TaskExecutionGetParams{ExecutionRowID: id, NodeID: n.NodeID, RetryAttempt: n.Attempts - 1})
			if err == nil {
				st.attempts[n.NodeID] = te
			} else if !isNotFound(err) {
				return nil, fmt.Errorf("get attempt of %s: %w", n.NodeID, err)
			}
		}
	}
	if err := e.loadDynamic(ctx, st); err != nil {
		return nil, err
	}
	if x.ReferenceExecution != nil && x.Mode == int32(adminv1.ExecutionMetadata_EXECUTION_MODE_RECOVERED) {
		if st.ref, err = e.loadReference(ctx, *x.ReferenceExecution); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (e *Engine) listNodes(ctx context.Context, id int64) ([]*store.NodeExecution, error) {
	var all []*store.NodeExecution
	token := ""
	for {
		page, err := e.st.NodeExecutionList(ctx, store.NodeExecutionListParams{ExecutionRowID: id, Limit: store.MaxLimit, Token: token})
		if err != nil {
			return nil, fmt.Errorf("list nodes of execution %d: %w", id, err)
		}
		all = append(all, page.Items...)
		if page.NextToken == "" {
			return all, nil
		}
		token = page.NextToken
	}
}

// loadReference returns the succeeded nodes of the execution being recovered.
func (e *Engine) loadReference(ctx context.Context, id store.ExecutionID) (map[string]*store.NodeExecution, error) {
	ref, err := e.st.ExecutionGet(ctx, store.ExecutionGetParams{ID: id})
	if err != nil {
		return nil, fmt.Errorf("get reference execution %s: %w", id.Name, err)
	}
	nodes, err := e.listNodes(ctx, ref.RowID)
	if err != nil {
		return nil, err
	}
	out := map[string]*store.NodeExecution{}
	for _, n := range nodes {
		if n.Phase == int32(corev1.NodeExecution_PHASE_SUCCEEDED) || n.Phase == int32(corev1.NodeExecution_PHASE_RECOVERED) {
			out[n.NodeID] = n
		}
	}
	return out, nil
}

// Blob keys of DESIGN §4.
func (st *execState) execPrefix() string {
	id := st.exec.ID
	return path.Join("metadata", id.Project, id.Domain, id.Name)
}

func (st *execState) nodeInputsKey(nodeID string) string {
	return path.Join(st.execPrefix(), nodeID, "inputs.pb")
}

func (st *execState) nodeOutputsKey(nodeID string) string {
	return path.Join(st.execPrefix(), nodeID, "outputs.pb")
}

func (st *execState) attemptPrefix(nodeID string, attempt int32) string {
	return path.Join(st.execPrefix(), nodeID, fmt.Sprint(attempt))
}

func (st *execState) rawPrefix(nodeID string, attempt int32) string {
	id := st.exec.ID
	return path.Join("raw", id.Project, id.Domain, id.Name, nodeID, fmt.Sprint(attempt))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
