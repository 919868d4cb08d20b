package propeller_test

import (
	"fmt"
	"sync"
	"testing"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

// commitSnapshots records, at every committed round, which attempts the
// plugin runs: everything a round started is started by then, so releasing
// from a snapshot never races the round that is starting attempts.
type commitSnapshots struct {
	mu      sync.Mutex
	running []string
}

// setupSnapshots is setup with commit snapshots of the running attempts.
func setupSnapshots(t *testing.T) (*env, *commitSnapshots) {
	t.Helper()
	snaps := &commitSnapshots{}
	var e *env
	var ready sync.WaitGroup
	ready.Add(1)
	e = setup(t, func(o *propeller.Options) {
		notify := o.OnCommit
		o.OnCommit = func(x *store.Execution) {
			ready.Wait()
			running := e.script.runningNodes()
			snaps.mu.Lock()
			snaps.running = running
			snaps.mu.Unlock()
			notify(x)
		}
	})
	ready.Done()
	return e, snaps
}

func (s *commitSnapshots) last() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// releaseAsTheyRun lets blocked attempts finish one wave at a time: after
// each commit it releases the attempts running then, until total attempts
// were released.
func (e *env) releaseAsTheyRun(snaps *commitSnapshots, name string, total int) {
	e.t.Helper()
	released := map[string]bool{}
	for len(released) < total {
		var next []string
		e.wait(name, "an attempt to release", func(*store.Execution) bool {
			next = next[:0]
			for _, n := range snaps.last() {
				if !released[n] {
					next = append(next, n)
				}
			}
			return len(next) > 0
		})
		for _, n := range next {
			released[n] = true
			e.script.release(n)
		}
	}
}

func TestMaxParallelismLimitsRunningTasks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		maxPar  int32
		wantMax int
	}{
		{"at most two at once", 2, 2},
		{"zero means unlimited", 0, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, snaps := setupSnapshots(t)
			task := scriptTask("t", 0, 0)
			var nodes []*corev1.Node
			for i := 1; i <= 5; i++ {
				id := fmt.Sprintf("n%d", i)
				nodes = append(nodes, taskNode(id, task, "start-node"))
				e.script.set(id, "block")
			}
			wf := e.register(workflow("wide", "n5", nodes...), nil, task)
			e.launch("ex1", wf, inputs("x", intLit(4)), &adminv1.ExecutionSpec{MaxParallelism: tc.maxPar})

			e.releaseAsTheyRun(snaps, "ex1", 5)
			x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

			require.Equal(t, tc.wantMax, e.script.maxRunning(), "most attempts running at once")
			for i := 1; i <= 5; i++ {
				id := fmt.Sprintf("n%d", i)
				require.Equal(t, 1, e.script.startsOf(id), "node %s runs once", id)
				require.Equal(t, []string{"SUCCEEDED"}, e.attemptPhases(x, id))
			}
			require.Empty(t, cmp.Diff(inputs("y", intLit(4)), e.outputs(x), protocmp.Transform()))
		})
	}
}

func TestArrayNodeParallelism(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		parallelism *uint32 // the array node's own limit
		maxPar      int32   // the execution's limit
		wantMax     int
	}{
		{"array parallelism", proto.Uint32(2), 0, 2},
		{"execution max parallelism", nil, 3, 3},
		{"both: the smaller wins", proto.Uint32(4), 1, 1},
		{"unlimited", nil, 0, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, snaps := setupSnapshots(t)
			task := scriptTask("t", 0, 0)
			wft := mapWorkflow(task, 1)
			wft.Nodes[0].GetArrayNode().Parallelism = tc.parallelism
			wf := e.register(wft, nil, task)
			e.script.set("arr-*", "block")
			e.launch("ex1", wf, inputs("xs", intList(10, 11, 12, 13, 14, 15)), &adminv1.ExecutionSpec{MaxParallelism: tc.maxPar})

			e.releaseAsTheyRun(snaps, "ex1", 6)
			x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

			require.Equal(t, tc.wantMax, e.script.maxRunning(), "most elements running at once")
			require.Equal(t, 6, e.script.totalStarts(), "each element runs once")
			require.Empty(t, cmp.Diff(inputs("ys", intList(10, 11, 12, 13, 14, 15)), e.outputs(x), protocmp.Transform()))
			require.Equal(t, map[string]string{"arr": "SUCCEEDED"}, e.nodePhases(x))
		})
	}
}
