package sqlitestore

import (
	"context"
	"database/sql"
	"testing"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/storetest"
)

func BenchmarkEntityCreate(b *testing.B) {
	storetest.BenchmarkEntityCreate(b, openTemp)
}

func BenchmarkListPages(b *testing.B) {
	storetest.BenchmarkListPages(b, openTemp, seed, 100_000)
}

// seed inserts rows in one transaction through one prepared statement.
func seed(ctx context.Context, s store.Store, rows []store.EntityCreateParams) error {
	return s.(*Store).inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO tasks (project, domain, name, version, digest, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r.ID.Project, r.ID.Domain, r.ID.Name, r.ID.Version, r.Digest, r.Body, toDB(r.Now)); err != nil {
				return err
			}
		}
		return nil
	})
}

func BenchmarkExecutionRoundCommit(b *testing.B) {
	storetest.BenchmarkExecutionRoundCommit(b, openTemp)
}

func BenchmarkExecutionClaim(b *testing.B) {
	storetest.BenchmarkExecutionClaim(b, openTemp)
}

func BenchmarkArtifactGetByTag(b *testing.B) {
	storetest.BenchmarkArtifactGetByTag(b, openTemp)
}

func BenchmarkArtifactCreate(b *testing.B) {
	storetest.BenchmarkArtifactCreate(b, openTemp)
}
