package compiler

import (
	"slices"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

const (
	// maxCycleProblems bounds how many cycles are reported.
	maxCycleProblems = 10
	// maxUnreachableProblems bounds how many unreachable nodes are reported one by one.
	maxUnreachableProblems = 100
)

// connect builds the dependency graph of the top-level nodes, reports cycles and nodes that can
// never run, and returns the connections including start-node and end-node. Nodes without
// upstream nodes hang off start-node; nodes without downstream nodes lead to end-node, as do
// the nodes the workflow outputs read. The failure node is not part of the graph.
func (w *wfCompiler) connect(end *nodeInfo) *corev1.ConnectionSet {
	n := len(w.topList)
	up := make([][]int, n)
	down := make([][]int, n)
	fromStart := make([]bool, n)
	for i, info := range w.topList {
		for _, d := range info.deps {
			if d == StartNodeID {
				fromStart[i] = true
				continue
			}
			j := w.top[d].index
			up[i] = append(up[i], j)
			down[j] = append(down[j], i)
		}
		slices.Sort(up[i])
		if len(up[i]) == 0 {
			fromStart[i] = true
		}
	}
	w.checkAcyclic(up, down)

	toEnd := make([]bool, n)
	endFromStart := n == 0
	for _, d := range end.deps {
		if d == StartNodeID {
			endFromStart = true
		} else {
			toEnd[w.top[d].index] = true
		}
	}
	cs := &corev1.ConnectionSet{
		Upstream:   make(map[string]*corev1.ConnectionSet_NodeIds, n+1),
		Downstream: make(map[string]*corev1.ConnectionSet_NodeIds, n+1),
	}
	var startDown, endUp []string
	for i, info := range w.topList {
		id := info.n.GetId()
		ups := make([]string, 0, len(up[i])+1)
		if fromStart[i] {
			ups = append(ups, StartNodeID)
			startDown = append(startDown, id)
		}
		for _, j := range up[i] {
			ups = append(ups, w.topList[j].n.GetId())
		}
		cs.Upstream[id] = &corev1.ConnectionSet_NodeIds{Ids: ups}
		downs := make([]string, 0, len(down[i])+1)
		for _, j := range down[i] {
			downs = append(downs, w.topList[j].n.GetId())
		}
		if len(down[i]) == 0 || toEnd[i] {
			downs = append(downs, EndNodeID)
			endUp = append(endUp, id)
		}
		cs.Downstream[id] = &corev1.ConnectionSet_NodeIds{Ids: downs}
	}
	if endFromStart {
		startDown = append(startDown, EndNodeID)
		endUp = append([]string{StartNodeID}, endUp...)
	}
	cs.Downstream[StartNodeID] = &corev1.ConnectionSet_NodeIds{Ids: startDown}
	cs.Upstream[EndNodeID] = &corev1.ConnectionSet_NodeIds{Ids: endUp}
	return cs
}

// checkAcyclic reports dependency cycles (with their path) and the nodes that can never run
// because they depend on a cycle. It runs Kahn's algorithm, then looks for cycles among the
// nodes left over.
func (w *wfCompiler) checkAcyclic(up, down [][]int) {
	n := len(up)
	indeg := make([]int, n)
	queue := make([]int, 0, n)
	for i := range n {
		indeg[i] = len(up[i])
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, j := range down[i] {
			indeg[j]--
			if indeg[j] == 0 {
				queue = append(queue, j)
			}
		}
	}
	blocked := make([]bool, n)
	stuck := false
	for i := range n {
		if indeg[i] > 0 {
			blocked[i], stuck = true, true
		}
	}
	if !stuck {
		return
	}
	onCycle := w.reportCycles(down, blocked)
	reported := 0
	for i := range n {
		if !blocked[i] || onCycle[i] {
			continue
		}
		if reported == maxUnreachableProblems {
			w.problem("", "", CodeUnreachable, "more nodes depend on a cycle and are not reachable from start-node")
			break
		}
		reported++
		w.problem(w.topList[i].n.GetId(), "", CodeUnreachable, "node is not reachable from start-node: it depends on a dependency cycle")
	}
}

// reportCycles runs an iterative depth-first search over the blocked nodes and reports the
// cycle closed by each back edge found (up to maxCycleProblems). It returns the nodes on them.
func (w *wfCompiler) reportCycles(down [][]int, blocked []bool) []bool {
	n := len(down)
	const (
		white = iota
		gray
		black
	)
	color := make([]uint8, n)
	pos := make([]int, n)
	onCycle := make([]bool, n)
	type frame struct{ node, next int }
	cycles := 0
	for s := range n {
		if !blocked[s] || color[s] != white {
			continue
		}
		stack := []frame{{node: s}}
		color[s], pos[s] = gray, 0
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next == len(down[f.node]) {
				color[f.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			v := down[f.node][f.next]
			f.next++
			if !blocked[v] {
				continue
			}
			switch color[v] {
			case white:
				color[v], pos[v] = gray, len(stack)
				stack = append(stack, frame{node: v})
			case gray:
				if cycles == maxCycleProblems {
					continue
				}
				cycles++
				path := make([]string, 0, len(stack)-pos[v]+1)
				for _, fr := range stack[pos[v]:] {
					path = append(path, w.topList[fr.node].n.GetId())
					onCycle[fr.node] = true
				}
				path = append(path, w.topList[v].n.GetId())
				w.problem(w.topList[v].n.GetId(), "", CodeCycle, "dependency cycle: %s", joinPath(path))
			}
		}
	}
	return onCycle
}
