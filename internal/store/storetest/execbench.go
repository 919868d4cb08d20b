package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/flyte-go/flyte/internal/store"
)

// BenchmarkExecutionRoundCommit measures one engine round: the guarded
// execution update, one node upsert, one task upsert and two events.
func BenchmarkExecutionRoundCommit(b *testing.B, open OpenFunc) {
	e := setup(b, open)
	xs := e.xs()
	if _, err := xs.ExecutionCreate(e.ctx, execParams(xid("bench", "development", "e1"), e.now)); err != nil {
		b.Fatal(err)
	}
	claimed, err := xs.ExecutionClaim(e.ctx, store.ExecutionClaimParams{Owner: "w", LeaseFor: time.Hour, Limit: 1, Now: e.now})
	if err != nil || len(claimed) != 1 {
		b.Fatalf("claim: %v, %d claimed", err, len(claimed))
	}
	x := claimed[0]
	closure := make([]byte, 512)
	version := x.Version
	i := 0
	for b.Loop() {
		i++
		node := &store.NodeExecution{ExecutionRowID: x.RowID, NodeID: fmt.Sprintf("n%d", i%50), Phase: 2, Closure: closure, InputURI: "in"}
		task := &store.TaskExecution{ExecutionRowID: x.RowID, NodeID: node.NodeID, Task: eid("bench", "development", "t", "v"), Phase: 2, Closure: closure}
		got, err := xs.ExecutionRoundCommit(e.ctx, store.ExecutionRoundCommitParams{
			RowID: x.RowID, Owner: "w", ExpectedVersion: version, Phase: phaseRunning, EngineState: closure,
			Nodes: []*store.NodeExecution{node}, Tasks: []*store.TaskExecution{task},
			Events: []*store.Event{
				{ExecutionRowID: x.RowID, Kind: store.EventKindNode, NodeID: node.NodeID, Phase: 2, Body: closure},
				{ExecutionRowID: x.RowID, Kind: store.EventKindTask, NodeID: node.NodeID, Phase: 2, Body: closure},
			},
			Now: e.now,
		})
		if err != nil {
			b.Fatal(err)
		}
		version = got.Version
	}
}

// BenchmarkExecutionClaim measures claiming up to 10 due executions out of
// 1000 and releasing them again.
func BenchmarkExecutionClaim(b *testing.B, open OpenFunc) {
	e := setup(b, open)
	xs := e.xs()
	for i := range 1000 {
		if _, err := xs.ExecutionCreate(e.ctx, execParams(xid("bench", "development", fmt.Sprintf("e%d", i)), e.now)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		got, err := xs.ExecutionClaim(e.ctx, store.ExecutionClaimParams{Owner: "w", LeaseFor: time.Minute, Limit: 10, Now: e.now})
		if err != nil || len(got) != 10 {
			b.Fatalf("claim: %v, %d claimed", err, len(got))
		}
		if err := xs.ExecutionLeaseRelease(e.ctx, store.ExecutionLeaseParams{Owner: "w", IDs: rowIDs(got), Now: e.now}); err != nil {
			b.Fatal(err)
		}
	}
}
