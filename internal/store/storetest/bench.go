package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// SeedFunc inserts many registrations at once through a driver's bulk path
// (one transaction of prepared inserts, COPY, ...), for benchmark setup.
type SeedFunc func(ctx context.Context, s store.Store, rows []store.EntityCreateParams) error

// benchBody is a body of a realistic size for a registered task (~1 KiB).
var benchBody = bytes.Repeat([]byte("task template "), 80)

// SeedRows returns n task registrations in project "bench", domain
// "development": ten versions per name, one second apart in groups of ten.
func SeedRows(n int) []store.EntityCreateParams {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]store.EntityCreateParams, n)
	for i := range rows {
		rows[i] = store.EntityCreateParams{
			Kind:   store.KindTask,
			ID:     eid("bench", "development", fmt.Sprintf("task-%06d", i/10), fmt.Sprintf("v%d", i%10)),
			Digest: []byte(fmt.Sprintf("digest-%d", i)),
			Body:   benchBody,
			Now:    base.Add(time.Duration(i/10) * time.Second),
		}
	}
	return rows
}

// BenchmarkEntityCreate measures registering distinct task versions one
// call at a time.
func BenchmarkEntityCreate(b *testing.B, open OpenFunc) {
	e := setup(b, open)
	i := 0
	for b.Loop() {
		p := store.EntityCreateParams{
			Kind:   store.KindTask,
			ID:     eid("bench", "development", fmt.Sprintf("task-%d", i/10), fmt.Sprintf("v%d", i%10)),
			Digest: []byte("d"),
			Body:   benchBody,
			Now:    e.now,
		}
		i++
		if _, _, err := e.s.EntityCreate(e.ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPages seeds n tasks with seed, then walks the whole list page
// by page (100 rows per page) for each sort. One op is a full walk; the
// ns/page metric is the mean time of one page.
func BenchmarkListPages(b *testing.B, open OpenFunc, seed SeedFunc, n int) {
	e := setup(b, open)
	start := time.Now()
	require.NoError(b, seed(e.ctx, e.s, SeedRows(n)))
	b.Logf("seeded %d tasks in %s", n, time.Since(start).Round(time.Millisecond))

	for _, sort := range []struct {
		name   string
		sortBy string
		desc   bool
	}{
		{"created_at", "created_at", false},
		{"name_desc", "name", true},
	} {
		b.Run(sort.name, func(b *testing.B) {
			pages := 0
			for b.Loop() {
				rows, token := 0, ""
				for {
					page, err := e.s.EntityList(e.ctx, store.EntityListParams{Kind: store.KindTask, ListParams: store.ListParams{
						Project: "bench", Domain: "development", SortBy: sort.sortBy, Desc: sort.desc, Limit: 100, Token: token,
					}})
					if err != nil {
						b.Fatal(err)
					}
					pages++
					rows += len(page.Items)
					if page.NextToken == "" {
						break
					}
					token = page.NextToken
				}
				if rows != n {
					b.Fatalf("walked %d rows, want %d", rows, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
		})
	}
}
