package pgstore

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/storetest"
)

func BenchmarkEntityCreate(b *testing.B) {
	storetest.BenchmarkEntityCreate(b, openSchema)
}

func BenchmarkListPages(b *testing.B) {
	storetest.BenchmarkListPages(b, openSchema, seed, 100_000)
}

// seed inserts rows with COPY, then refreshes the planner statistics as
// autovacuum would shortly after such a load.
func seed(ctx context.Context, s store.Store, rows []store.EntityCreateParams) error {
	pool := s.(*Store).pool
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"tasks"},
		[]string{"project", "domain", "name", "version", "digest", "body", "created_at"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.ID.Project, r.ID.Domain, r.ID.Name, r.ID.Version, r.Digest, r.Body, toDB(r.Now)}, nil
		}))
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, `ANALYZE tasks`)
	return err
}

func BenchmarkExecutionRoundCommit(b *testing.B) {
	storetest.BenchmarkExecutionRoundCommit(b, openSchema)
}

func BenchmarkExecutionClaim(b *testing.B) {
	storetest.BenchmarkExecutionClaim(b, openSchema)
}

func BenchmarkArtifactGetByTag(b *testing.B) {
	storetest.BenchmarkArtifactGetByTag(b, openSchema)
}

func BenchmarkArtifactCreate(b *testing.B) {
	storetest.BenchmarkArtifactCreate(b, openSchema)
}
