package propeller_test

import (
	"context"
	"sort"
	"strings"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// Helpers shared by the scenario tests (failure policy, parallelism,
// recover, sub-workflows, launch plans, restart, events).

// waitNode waits until node of execution name is in phase (e.g. "RUNNING").
func (e *env) waitNode(name, node, phase string) *store.Execution {
	e.t.Helper()
	e.wait(name, "node "+node+" "+phase, func(x *store.Execution) bool { return e.nodePhases(x)[node] == phase })
	// The execution read before the nodes may predate the commit that
	// moved the node: read it again.
	x, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}})
	require.NoError(e.t, err)
	return x
}

// node returns one node execution row.
func (e *env) node(x *store.Execution, node string) *store.NodeExecution {
	e.t.Helper()
	ne, err := e.st.NodeExecutionGet(e.ctx, store.NodeExecutionGetParams{ExecutionRowID: x.RowID, NodeID: node})
	require.NoError(e.t, err)
	return ne
}

// nodeErr is the error recorded in a node's closure.
func (e *env) nodeErr(x *store.Execution, node string) *corev1.ExecutionError {
	e.t.Helper()
	c := &adminv1.NodeExecutionClosure{}
	require.NoError(e.t, proto.Unmarshal(e.node(x, node).Closure, c))
	return c.GetError()
}

// attemptErrors lists the error of each attempt of a node (nil when none).
func (e *env) attemptErrors(x *store.Execution, node string) []*corev1.ExecutionError {
	e.t.Helper()
	tes, err := e.st.TaskExecutionList(e.ctx, store.TaskExecutionListParams{ExecutionRowID: x.RowID, NodeID: node})
	require.NoError(e.t, err)
	var out []*corev1.ExecutionError
	for _, te := range tes {
		c := &adminv1.TaskExecutionClosure{}
		require.NoError(e.t, proto.Unmarshal(te.Closure, c))
		out = append(out, c.GetError())
	}
	return out
}

// events lists every event of an execution in store order.
func (e *env) events(x *store.Execution) []*store.Event {
	e.t.Helper()
	var all []*store.Event
	after := int64(0)
	for {
		page, err := e.st.EventList(e.ctx, store.EventListParams{ExecutionRowID: x.RowID, AfterSeq: after, Limit: 500})
		require.NoError(e.t, err)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// readInputs reads the inputs the engine recorded for a node: inline in
// its closure, or its inputs.pb.
func (e *env) readInputs(exec, node string) *corev1.LiteralMap {
	e.t.Helper()
	x, err := e.st.ExecutionGet(e.ctx, store.ExecutionGetParams{ID: store.ExecutionID{Project: "p", Domain: "d", Name: exec}})
	require.NoError(e.t, err)
	ne := e.node(x, node)
	c := &adminv1.NodeExecutionClosure{}
	require.NoError(e.t, proto.Unmarshal(ne.Closure, c))
	if d := c.GetInputData(); d != nil {
		return d
	}
	m := &corev1.LiteralMap{}
	require.NoError(e.t, e.blobs.ReadProto(e.ctx, "metadata/p/d/"+exec+"/"+node+"/inputs.pb", m))
	return m
}

// nodeOutputs reads a succeeded node's outputs: inline in its closure, or
// from its output URI.
func (e *env) nodeOutputs(ne *store.NodeExecution) *corev1.LiteralMap {
	e.t.Helper()
	c := &adminv1.NodeExecutionClosure{}
	require.NoError(e.t, proto.Unmarshal(ne.Closure, c))
	if d := c.GetOutputData(); d != nil {
		return d
	}
	key, err := e.blobs.Key(ne.OutputURI)
	require.NoError(e.t, err)
	m := &corev1.LiteralMap{}
	require.NoError(e.t, e.blobs.ReadProto(e.ctx, key, m))
	return m
}

// requestAbort asks for execution name to be aborted, as admin does.
func (e *env) requestAbort(name, cause string) {
	e.t.Helper()
	require.NoError(e.t, e.requestAbortErr(name, cause))
}

// requestAbortErr is requestAbort for goroutines other than the test's.
func (e *env) requestAbortErr(name, cause string) error {
	_, err := e.st.ExecutionRequestAbort(context.Background(), store.ExecutionRequestAbortParams{
		ID: store.ExecutionID{Project: "p", Domain: "d", Name: name}, Cause: cause, Principal: "tester", Now: time.Now(),
	})
	return err
}

// attemptNode is the node id of a script plugin attempt key
// ("project/domain/execution/node/attempt").
func attemptNode(key string) string {
	parts := strings.Split(key, "/")
	return parts[len(parts)-2]
}

// runningNodes lists the nodes with an attempt the plugin is running that
// has not been released yet.
func (p *scriptPlugin) runningNodes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for k, r := range p.running {
		if n := attemptNode(k); r && !p.released[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// maxRunning is the most attempts that ever ran at once.
func (p *scriptPlugin) maxRunning() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxRun
}

// abortedAttempts lists the attempt keys the engine aborted.
func (p *scriptPlugin) abortedAttempts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for k, a := range p.aborted {
		if a {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// totalStarts counts the attempts started for all nodes.
func (p *scriptPlugin) totalStarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.starts {
		n += s
	}
	return n
}

var (
	boolType = &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_BOOLEAN}}
	errType  = &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_ERROR}}
)

func boolLit(v bool) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: v}}}}}}
}
