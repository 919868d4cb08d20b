package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/flyte-go/flyte/internal/store"
)

// benchOutputs is an artifact of a realistic size for a small task's
// outputs (a few literals, ~300 bytes).
var benchOutputs = bytes.Repeat([]byte("literal "), 40)

// benchCatalogArtifacts is how many artifacts BenchmarkArtifactGetByTag
// seeds in its dataset, and how many other datasets surround it.
const (
	benchCatalogArtifacts = 10_000
	benchCatalogDatasets  = 100
)

// seedCatalog creates benchCatalogDatasets datasets and returns the key of
// one of them, holding n artifacts tagged "tag-<i>".
func seedCatalog(b *testing.B, e *env, n int) store.DatasetKey {
	b.Helper()
	var ds store.DatasetKey
	for i := range benchCatalogDatasets {
		k := dkey("bench", "development", fmt.Sprintf("flyte_task-t%d", i), "1.0-sig")
		e.dataset(k)
		if i == benchCatalogDatasets/2 {
			ds = k
		}
	}
	for i := range n {
		p := artifactParams(ds, fmt.Sprintf("artifact-%d", i), e.now, []string{fmt.Sprintf("tag-%d", i)})
		p.Data = benchOutputs
		if _, err := e.cs().ArtifactCreate(e.ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	return ds
}

// BenchmarkArtifactGetByTag measures the engine's cache lookup: one
// artifact by tag out of benchCatalogArtifacts in a dataset.
func BenchmarkArtifactGetByTag(b *testing.B, open OpenFunc) {
	e := setup(b, open)
	ds := seedCatalog(b, e, benchCatalogArtifacts)
	cs := e.cs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % benchCatalogArtifacts // a prime stride visits every tag
		a, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, TagName: fmt.Sprintf("tag-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Data) != len(benchOutputs) {
			b.Fatalf("artifact %s has %d bytes of data, want %d", a.ID, len(a.Data), len(benchOutputs))
		}
	}
}

// BenchmarkArtifactCreate measures storing a cached task's outputs: one
// artifact with one tag per call, in a dataset that keeps growing.
func BenchmarkArtifactCreate(b *testing.B, open OpenFunc) {
	e := setup(b, open)
	ds := dkey("bench", "development", "flyte_task-t", "1.0-sig")
	e.dataset(ds)
	cs := e.cs()
	i := 0
	for b.Loop() {
		p := artifactParams(ds, fmt.Sprintf("artifact-%d", i), e.now, []string{fmt.Sprintf("tag-%d", i)})
		p.Data = benchOutputs
		i++
		if _, err := cs.ArtifactCreate(e.ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
