package authoring

import (
	"strings"

	"go.yaml.in/yaml/v3"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// walkNodes calls f for every node of a compact workflow: top-level nodes,
// branch cases and the failure node.
func walkNodes(doc *wfDoc, f func(*nodeDoc)) {
	var visit func(nd *nodeDoc)
	visit = func(nd *nodeDoc) {
		if nd == nil {
			return
		}
		f(nd)
		if nd.branch != nil {
			for _, c := range nd.branch.cases {
				visit(c.then)
			}
			visit(nd.branch.elseNode)
		}
	}
	for _, nd := range doc.nodes {
		visit(nd)
	}
	visit(doc.onFailure)
}

// resolveRefs points every node and launch plan at the entity of the bundle
// it names. A name without version must be defined in the files; with a
// version (or project or domain) it may name an entity registered before.
func (d *decoder) resolveRefs() {
	for _, w := range d.wfList {
		if w.doc == nil {
			d.resolveIDLWorkflow(w)
			continue
		}
		walkNodes(w.doc, func(nd *nodeDoc) { d.resolveNode(w, nd) })
	}
	for _, l := range d.lpList {
		switch {
		case l.isDefault:
		case l.idlReq != nil:
			l.wfID = l.idlReq.GetSpec().GetWorkflowId()
			l.wf = d.wfs[keyOf(l.wfID)]
		case l.doc.ref != nil:
			l.wfID = l.doc.ref.id
			l.wf = d.wfs[keyOf(l.wfID)]
			if l.wf == nil && !l.doc.ref.explicit {
				l.s.in("workflow").errorf(l.doc.ref.at, "workflow %s is not defined in these files; to use a registered workflow give its version: workflow: {name: %s, version: V}",
					l.wfID.GetName(), l.wfID.GetName())
			}
		}
	}
}

func (d *decoder) resolveNode(w *wfDef, nd *nodeDoc) {
	if nd.ref == nil {
		return
	}
	id := nd.ref.id
	s := nd.s.in("%s", nd.kind)
	missing := func(hint string) {
		s.errorf(nd.ref.at, "%s %s is not defined in these files%s", kindWord(id.GetResourceType()), id.GetName(), hint)
	}
	switch nd.kind {
	case kindTask, kindMap:
		nd.task = d.tasks[keyOf(id)]
		if nd.task == nil && !nd.ref.explicit {
			missing("; to use a registered task give its version: task: {name: " + id.GetName() + ", version: V}")
		}
	case kindWorkflow:
		nd.wf = d.wfs[keyOf(id)]
		if nd.wf == nil {
			missing(" (a sub-workflow is sent along with the workflow that runs it; to run a registered workflow use launch_plan:)")
			return
		}
		w.subs = append(w.subs, nd.wf)
	case kindLaunchPlan:
		nd.lp = d.lps[keyOf(id)]
		if nd.lp == nil && !nd.ref.explicit {
			missing("; to use a registered launch plan give its version: launch_plan: {name: " + id.GetName() + ", version: V}")
		}
		if nd.lp != nil {
			w.lps = append(w.lps, nd.lp)
		}
	}
}

// resolveIDLWorkflow finds the launch plans of the bundle an IDL workflow
// launches, so they are registered first.
func (d *decoder) resolveIDLWorkflow(w *wfDef) {
	var visit func(n *corev1.Node)
	visit = func(n *corev1.Node) {
		if n == nil {
			return
		}
		if ref := n.GetWorkflowNode().GetLaunchplanRef(); ref != nil {
			if l := d.lps[keyOf(ref)]; l != nil {
				w.lps = append(w.lps, l)
			}
		}
		if ie := n.GetBranchNode().GetIfElse(); ie != nil {
			visit(ie.GetCase().GetThenNode())
			for _, o := range ie.GetOther() {
				visit(o.GetThenNode())
			}
			visit(ie.GetElseNode())
		}
		visit(n.GetArrayNode().GetNode())
	}
	tmpl := w.idlReq.GetSpec().GetTemplate()
	for _, n := range tmpl.GetNodes() {
		visit(n)
	}
	visit(tmpl.GetFailureNode())
}

// checkCycles reports a workflow that runs itself as a sub-workflow, or
// launches a launch plan that leads back to it, and records a registration
// order in which every entity follows what it needs. It returns whether a
// cycle was found.
func (d *decoder) checkCycles() bool {
	found := false
	const (
		unseen = iota
		active
		done
	)
	state := map[any]int{}
	var stack []string
	var visitWF func(w *wfDef) bool
	var visitLP func(l *lpDef) bool
	enter := func(key any, name string, report func()) (proceed bool) {
		switch state[key] {
		case done:
			return false
		case active:
			report()
			return false
		}
		state[key] = active
		stack = append(stack, name)
		return true
	}
	leave := func(key any) {
		state[key] = done
		stack = stack[:len(stack)-1]
	}
	cycle := func(s scope, at *yaml.Node, name string) func() {
		return func() {
			start := 0
			for i, n := range stack {
				if n == name {
					start = i
				}
			}
			chain := append(append([]string{}, stack[start:]...), name)
			s.errorf(at, "cycle: %s", strings.Join(chain, " -> "))
			found = true
		}
	}
	visitWF = func(w *wfDef) bool {
		name := "workflow " + w.id.GetName()
		if !enter(w, name, cycle(w.s, w.at, name)) {
			return state[w] == done
		}
		for _, sub := range w.subs {
			visitWF(sub)
		}
		for _, l := range w.lps {
			visitLP(l)
		}
		leave(w)
		d.emitted = append(d.emitted, w)
		return true
	}
	visitLP = func(l *lpDef) bool {
		name := "launch plan " + l.id.GetName()
		if !enter(l, name, cycle(l.s, l.at, name)) {
			return state[l] == done
		}
		if l.wf != nil {
			visitWF(l.wf)
		}
		leave(l)
		d.emitted = append(d.emitted, l)
		return true
	}
	for _, w := range d.wfList {
		visitWF(w)
	}
	for _, l := range d.lpList {
		visitLP(l)
	}
	return found
}
