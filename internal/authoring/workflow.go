package authoring

import (
	"fmt"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

var workflowKeys = []string{"name", "description", "inputs", "outputs", "nodes", "on_failure", "failure_policy", "interruptible"}

var nodeKinds = []string{"task", "workflow", "launch_plan", "branch", "gate", "map"}

var nodeKeys = append(append([]string{"id", "name"}, nodeKinds...),
	"inputs", "after", "retries", "timeout", "interruptible", "cache", "resources", "limits", "image")

// varDecl is a declared workflow input.
type varDecl struct {
	name string
	typ  *corev1.LiteralType
	desc string
	def  *yaml.Node // default value when written (may be a null node)
}

// outDecl is a declared workflow output: where it comes from and, when
// written, its type.
type outDecl struct {
	name string
	val  *yaml.Node
	typ  *corev1.LiteralType
	desc string
}

type nodeKind string

const (
	kindTask       nodeKind = "task"
	kindWorkflow   nodeKind = "workflow"
	kindLaunchPlan nodeKind = "launch_plan"
	kindBranch     nodeKind = "branch"
	kindGate       nodeKind = "gate"
	kindMap        nodeKind = "map"
)

// nodeDoc is a parsed node; its target is resolved once every file is read.
type nodeDoc struct {
	id   string
	s    scope
	kind nodeKind

	ref  *refDoc // task, workflow, launch_plan and map targets
	task *taskDef
	wf   *wfDef
	lp   *lpDef

	inputs    []pair
	bound     []pair // map nodes: inputs every element gets unchanged
	after     []string
	afterAt   *yaml.Node
	meta      *corev1.NodeMetadata
	overrides *corev1.TaskNodeOverrides
	branch    *branchDoc
	gate      *corev1.GateNode
	array     *corev1.ArrayNode // settings only; the node is added when built
}

type branchDoc struct {
	cases    []*caseDoc
	elseNode *nodeDoc
	errMsg   *string
}

type caseDoc struct {
	at   *yaml.Node
	cond *condition
	then *nodeDoc
}

// wfDoc is a parsed compact workflow.
type wfDoc struct {
	inputs        []*varDecl
	outputs       []*outDecl
	nodes         []*nodeDoc
	byID          map[string]*nodeDoc // top-level nodes, which references may name
	allIDs        map[string]*yaml.Node
	onFailure     *nodeDoc
	policy        corev1.WorkflowMetadata_OnFailurePolicy
	interruptible *bool
	desc          *adminv1.Description
}

// parseWorkflow decodes one entry of workflows:.
func (d *decoder) parseWorkflow(s scope, u *unit, n *yaml.Node) {
	if name := peekName(n, "name"); name != "" {
		s = s.in("workflow %s", name)
	}
	o := s.object(n, "a workflow (a mapping with name, inputs, outputs, nodes)", workflowKeys...)
	if o == nil {
		return
	}
	name, ok := entityName(s, o)
	if !ok {
		return
	}
	ws := s
	doc := &wfDoc{byID: map[string]*nodeDoc{}, allIDs: map[string]*yaml.Node{}, desc: parseDescription(ws, o)}

	if v := o.get("inputs"); v != nil {
		is := ws.in("inputs")
		if ps, ok := is.pairs(v, "a mapping of input names to types"); ok {
			for _, p := range ps {
				if !varNamePattern.MatchString(p.key) {
					is.errorf(p.knode, "name %q: want letters, digits and \"_\", not starting with a digit", p.key)
					continue
				}
				t, desc, def, ok := parseVarDecl(is.in("%s", p.key), p.val, true)
				if ok {
					doc.inputs = append(doc.inputs, &varDecl{name: p.key, typ: t, desc: desc, def: def})
				}
			}
		}
	}
	if v := o.get("outputs"); v != nil {
		doc.outputs = parseOutputs(ws.in("outputs"), v)
	}

	nodes := o.get("nodes")
	switch {
	case nodes == nil:
		ws.errorf(o.line(), "nodes is missing: a workflow runs at least one node")
	case nodes.Kind != yaml.SequenceNode:
		ws.in("nodes").errorf(nodes, "want a list of nodes, found %s", kindName(nodes))
	default:
		for _, item := range nodes.Content {
			item = ws.resolve(item)
			if item == nil {
				continue
			}
			if nd := d.parseNode(ws, u, doc, item, ""); nd != nil {
				doc.nodes = append(doc.nodes, nd)
				doc.byID[nd.id] = nd
			}
		}
		if len(nodes.Content) == 0 {
			ws.in("nodes").errorf(nodes, "a workflow runs at least one node")
		}
	}
	if v := o.get("on_failure"); v != nil {
		doc.onFailure = d.parseNode(ws.in("on_failure"), u, doc, v, "on-failure")
	}
	if v := o.get("failure_policy"); v != nil {
		p, _ := ws.in("failure_policy").text(v)
		switch p {
		case "fail_immediately":
			doc.policy = corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY
		case "fail_after_executable_nodes_complete":
			doc.policy = corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
		default:
			ws.in("failure_policy").errorf(v, "want fail_immediately or fail_after_executable_nodes_complete, found %q", p)
		}
	}
	if v := o.get("interruptible"); v != nil {
		if b, ok := ws.in("interruptible").boolean(v); ok {
			doc.interruptible = &b
		}
	}
	d.addWorkflow(&wfDef{s: ws, at: o.line(), id: u.id(corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, name), doc: doc})
}

// parseOutputs reads NAME: VALUE or NAME: {value: V, type: T, description: D}.
// A mapping is the long form when it has a value key and nothing beyond
// value, type and description.
func parseOutputs(s scope, n *yaml.Node) []*outDecl {
	ps, ok := s.pairs(n, "a mapping of output names to values")
	if !ok {
		return nil
	}
	var out []*outDecl
	for _, p := range ps {
		os := s.in("%s", p.key)
		if !varNamePattern.MatchString(p.key) {
			s.errorf(p.knode, "name %q: want letters, digits and \"_\", not starting with a digit", p.key)
			continue
		}
		od := &outDecl{name: p.key, val: p.val}
		if isLongOutput(p.val) {
			o := os.object(p.val, "{value, type, description}", "value", "type", "description")
			od.val = o.get("value")
			if od.val == nil {
				os.errorf(p.val, "value is missing")
				continue
			}
			if v := o.get("type"); v != nil {
				if t, ok := os.in("type").text(v); ok {
					lt, err := ParseType(t)
					if err != nil {
						os.in("type").errorf(v, "%v", err)
						continue
					}
					od.typ = lt
				}
			}
			if v := o.get("description"); v != nil {
				od.desc, _ = os.in("description").text(v)
			}
		}
		if isNull(od.val) {
			os.errorf(p.knode, "the output has no value (want $node.output)")
			continue
		}
		out = append(out, od)
	}
	return out
}

func isLongOutput(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	hasValue := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "value":
			hasValue = true
		case "type", "description":
		default:
			return false
		}
	}
	return hasValue
}

// parseNode decodes a node. defaultID is the id of nodes that may leave it
// out (branch cases, on_failure); "" means the id is required.
func (d *decoder) parseNode(s scope, u *unit, wf *wfDoc, n *yaml.Node, defaultID string) *nodeDoc {
	outer := s
	if id := peekName(n, "id"); id != "" {
		s = s.in("node %s", id)
	} else if defaultID != "" {
		s = s.in("node %s", defaultID)
	}
	o := s.object(n, "a node (a mapping with id and one of task, workflow, launch_plan, branch, gate, map)", nodeKeys...)
	if o == nil {
		return nil
	}
	id := defaultID
	if v := o.get("id"); v != nil {
		id, _ = s.in("id").text(v)
	} else if defaultID == "" {
		s.errorf(o.line(), "id is missing")
		return nil
	}
	ns := outer.in("node %s", id)
	switch {
	case !nodeIDPattern.MatchString(id) || len(id) > 63:
		ns.errorf(o.line(), "node id %q: want 1 to 63 letters, digits, \"_\" and \"-\"", id)
		return nil
	case id == startNode || id == "end-node" || id == inputsRef:
		ns.errorf(o.line(), "node id %q is reserved", id)
		return nil
	}
	if prev, dup := wf.allIDs[id]; dup {
		ns.errorf(o.line(), "node id %q is used twice (first on line %d)", id, prev.Line)
		return nil
	}
	wf.allIDs[id] = o.line()
	nd := &nodeDoc{id: id, s: ns}
	if o.get("map") != nil {
		// The node a map node runs per element takes an id of its own.
		if prev, dup := wf.allIDs[id+mapItemSuffix]; dup {
			ns.errorf(o.line(), "node id %q (of the map node's element) is used twice (first on line %d)", id+mapItemSuffix, prev.Line)
		}
		wf.allIDs[id+mapItemSuffix] = o.line()
	}

	var kinds []string
	for _, k := range nodeKinds {
		if o.get(k) != nil {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			ns.errorf(o.line(), "say what the node runs: one of task, workflow, launch_plan, branch, gate or map")
		} else {
			ns.errorf(o.line(), "a node runs one thing, found %v", kinds)
		}
		return nil
	}
	nd.kind = nodeKind(kinds[0])
	target := o.get(kinds[0])
	ts := ns.in("%s", kinds[0])
	switch nd.kind {
	case kindTask:
		nd.ref = parseRef(ts, u, target, corev1.ResourceType_RESOURCE_TYPE_TASK)
	case kindWorkflow:
		nd.ref = parseRef(ts, u, target, corev1.ResourceType_RESOURCE_TYPE_WORKFLOW)
	case kindLaunchPlan:
		nd.ref = parseRef(ts, u, target, corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN)
	case kindMap:
		nd.ref, nd.array, nd.bound = parseMap(ts, u, target)
	case kindGate:
		nd.gate = parseGate(ts, target)
	case kindBranch:
		nd.branch = d.parseBranch(ts, u, wf, target, id)
	}
	if (nd.kind == kindTask || nd.kind == kindWorkflow || nd.kind == kindLaunchPlan || nd.kind == kindMap) && nd.ref == nil {
		return nil
	}

	if v := o.get("inputs"); v != nil {
		if nd.kind == kindBranch || nd.kind == kindGate {
			ns.in("inputs").errorf(v, "%s nodes take no inputs (a branch reads its conditions' references)", nd.kind)
		} else if ps, ok := ns.in("inputs").pairs(v, "a mapping of input names to values"); ok {
			nd.inputs = ps
		}
	}
	if v := o.get("after"); v != nil {
		nd.after, _ = ns.in("after").textList(v, true)
		nd.afterAt = v
	}
	nd.meta = parseNodeMetadata(ns, o)
	for _, k := range []string{"resources", "limits", "image"} {
		if o.present(k) && nd.kind != kindTask && nd.kind != kindMap {
			ns.in("%s", k).errorf(o.vals[k].knode, "%s applies to task and map nodes only", k)
		}
	}
	if nd.kind == kindTask || nd.kind == kindMap {
		ov := &corev1.TaskNodeOverrides{}
		if v := o.get("resources"); v != nil {
			ov.Resources = &corev1.Resources{Requests: parseResources(ns.in("resources"), v)}
		}
		if v := o.get("limits"); v != nil {
			if ov.Resources == nil {
				ov.Resources = &corev1.Resources{}
			}
			ov.Resources.Limits = parseResources(ns.in("limits"), v)
		}
		if v := o.get("image"); v != nil {
			ov.ContainerImage, _ = ns.in("image").text(v)
		}
		if ov.Resources != nil || ov.ContainerImage != "" {
			nd.overrides = ov
		}
	}
	return nd
}

// parseNodeMetadata reads name, retries, timeout, interruptible and cache of a node.
func parseNodeMetadata(s scope, o *object) *corev1.NodeMetadata {
	md := &corev1.NodeMetadata{}
	set := false
	if v := o.get("name"); v != nil {
		md.Name, _ = s.in("name").text(v)
		set = true
	}
	if v := o.get("retries"); v != nil {
		if r, ok := s.in("retries").integer(v, 0, 1000); ok {
			md.Retries = &corev1.RetryStrategy{Retries: uint32(r)}
			set = true
		}
	}
	if v := o.get("timeout"); v != nil {
		if t, ok := s.in("timeout").duration(v); ok {
			md.Timeout = durationpb.New(t)
			set = true
		}
	}
	if v := o.get("interruptible"); v != nil {
		if b, ok := s.in("interruptible").boolean(v); ok {
			md.Interruptible = &b
			set = true
		}
	}
	if v := o.get("cache"); v != nil {
		c := parseCache(s.in("cache"), v, false)
		if c.set["enabled"] {
			md.Cacheable = &c.enabled
			set = true
		}
		if c.set["version"] {
			md.CacheVersion = &c.version
		}
		if c.set["serializable"] {
			md.CacheSerializable = &c.serializable
		}
	}
	if !set {
		return nil
	}
	return md
}

// parseMap reads map: {task, parallelism, min_success_ratio | min_successes, bound}.
func parseMap(s scope, u *unit, n *yaml.Node) (*refDoc, *corev1.ArrayNode, []pair) {
	o := s.object(n, "{task, parallelism, min_success_ratio or min_successes, bound}", "task", "parallelism", "min_success_ratio", "min_successes", "bound")
	if o == nil {
		return nil, nil, nil
	}
	var bound []pair
	if v := o.get("bound"); v != nil {
		bound, _ = s.in("bound").pairs(v, "a mapping of input names to values")
	}
	an := &corev1.ArrayNode{}
	if v := o.get("parallelism"); v != nil {
		if p, ok := s.in("parallelism").integer(v, 0, 1<<31-1); ok {
			pv := uint32(p)
			an.Parallelism = &pv
		}
	}
	ratio, count := o.get("min_success_ratio"), o.get("min_successes")
	switch {
	case ratio != nil && count != nil:
		s.errorf(count, "write min_success_ratio or min_successes, not both")
	case ratio != nil:
		if r, ok := s.in("min_success_ratio").number(ratio); ok {
			if r <= 0 || r > 1 {
				s.in("min_success_ratio").errorf(ratio, "want a fraction above 0 and at most 1, found %v", r)
			} else {
				an.SuccessCriteria = &corev1.ArrayNode_MinSuccessRatio{MinSuccessRatio: float32(r)}
			}
		}
	case count != nil:
		if c, ok := s.in("min_successes").integer(count, 1, 1<<31-1); ok {
			an.SuccessCriteria = &corev1.ArrayNode_MinSuccesses{MinSuccesses: uint32(c)}
		}
	}
	t := o.get("task")
	if t == nil {
		s.errorf(o.line(), "task is missing: a map node runs a task for every element")
		return nil, nil, nil
	}
	return parseRef(s.in("task"), u, t, corev1.ResourceType_RESOURCE_TYPE_TASK), an, bound
}

// parseGate reads {approve: SIGNAL}, {signal: ID, type: T, output: NAME} or {sleep: DURATION}.
func parseGate(s scope, n *yaml.Node) *corev1.GateNode {
	o := s.object(n, "{approve: SIGNAL}, {signal: ID, type: T, output: NAME} or {sleep: DURATION}", "approve", "signal", "type", "output", "sleep")
	if o == nil {
		return nil
	}
	signalID := func(key string) (string, bool) {
		v := o.get(key)
		id, ok := s.in("%s", key).text(v)
		if ok {
			if err := checkName(id); err != nil {
				s.in("%s", key).errorf(v, "signal id: %v", err)
				return "", false
			}
		}
		return id, ok
	}
	count := 0
	for _, k := range []string{"approve", "signal", "sleep"} {
		if o.get(k) != nil {
			count++
		}
	}
	if count != 1 {
		s.errorf(o.line(), "a gate is one of approve, signal or sleep")
		return nil
	}
	if o.get("signal") == nil {
		for _, k := range []string{"type", "output"} {
			if o.present(k) {
				s.in("%s", k).errorf(o.vals[k].knode, "%s belongs to signal gates", k)
			}
		}
	}
	switch {
	case o.get("approve") != nil:
		if id, ok := signalID("approve"); ok {
			return &corev1.GateNode{Condition: &corev1.GateNode_Approve{Approve: &corev1.ApproveCondition{SignalId: id}}}
		}
	case o.get("sleep") != nil:
		if dur, ok := s.in("sleep").duration(o.get("sleep")); ok {
			return &corev1.GateNode{Condition: &corev1.GateNode_Sleep{Sleep: &corev1.SleepCondition{Duration: durationpb.New(dur)}}}
		}
	default:
		id, ok := signalID("signal")
		tv := o.get("type")
		if tv == nil {
			s.errorf(o.line(), "type is missing: a signal gate waits for a value of a type")
			return nil
		}
		expr, tok := s.in("type").text(tv)
		if !ok || !tok {
			return nil
		}
		lt, err := ParseType(expr)
		if err != nil {
			s.in("type").errorf(tv, "%v", err)
			return nil
		}
		out := "value"
		if v := o.get("output"); v != nil {
			out, _ = s.in("output").text(v)
			if !varNamePattern.MatchString(out) {
				s.in("output").errorf(v, "output name %q: want letters, digits and \"_\", not starting with a digit", out)
				return nil
			}
		}
		return &corev1.GateNode{Condition: &corev1.GateNode_Signal{Signal: &corev1.SignalCondition{SignalId: id, Type: lt, OutputVariableName: out}}}
	}
	return nil
}

// parseBranch reads {if: [{when, then}, ...], else: NODE | error: MESSAGE}.
func (d *decoder) parseBranch(s scope, u *unit, wf *wfDoc, n *yaml.Node, id string) *branchDoc {
	o := s.object(n, "{if: [{when: CONDITION, then: NODE}, ...], else: NODE} or with error: MESSAGE", "if", "else", "error")
	if o == nil {
		return nil
	}
	b := &branchDoc{}
	cases := o.get("if")
	if cases == nil || cases.Kind != yaml.SequenceNode || len(cases.Content) == 0 {
		s.in("if").errorf(o.line(), "want a non-empty list of {when, then} cases")
		return nil
	}
	for i, c := range cases.Content {
		cs := s.in("case %d", i+1)
		co := cs.object(c, "{when: CONDITION, then: NODE}", "when", "then")
		if co == nil {
			continue
		}
		cd := &caseDoc{at: co.line()}
		if w := co.get("when"); w == nil {
			cs.errorf(co.line(), "when is missing")
		} else if text, ok := cs.in("when").text(w); ok {
			cd.at = w
			cond, err := parseCondition(text)
			if err != nil {
				cs.in("when").errorf(w, "%v", err)
			}
			cd.cond = cond
		}
		if t := co.get("then"); t == nil {
			cs.errorf(co.line(), "then is missing")
		} else {
			cd.then = d.parseNode(cs.in("then"), u, wf, t, fmt.Sprintf("%s-%d", id, i+1))
		}
		if cd.cond != nil && cd.then != nil {
			b.cases = append(b.cases, cd)
		}
	}
	elseN, errN := o.get("else"), o.get("error")
	switch {
	case elseN != nil && errN != nil:
		s.errorf(errN, "write else or error, not both")
	case elseN != nil:
		b.elseNode = d.parseNode(s.in("else"), u, wf, elseN, id+"-else")
	case errN != nil:
		if msg, ok := s.in("error").text(errN); ok {
			b.errMsg = &msg
		}
	default:
		s.errorf(o.line(), "say what happens when no case holds: else: NODE or error: MESSAGE")
	}
	return b
}
