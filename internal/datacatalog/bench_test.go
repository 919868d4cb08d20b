package datacatalog_test

import (
	"fmt"
	"testing"

	"connectrpc.com/connect"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/datacatalog/datacatalogtest"
)

// BenchmarkInProcess measures the calls the engine makes in process on
// SQLite: a cache lookup (GetArtifact by tag, a hit) and a cache store
// (CreateArtifact).
func BenchmarkInProcess(b *testing.B) {
	e := datacatalogtest.New(b, admintest.DriverSQLite, datacatalog.Options{})
	ctx := b.Context()
	ds := dsID("flyte_task-bench", "1-0123456789abcdef")
	_, err := e.Service.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: ds}}))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("GetArtifact", func(b *testing.B) {
		_, err := e.Service.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: artifact(ds, "hit", 1, "key-hit")}))
		if err != nil {
			b.Fatal(err)
		}
		req := connect.NewRequest(&datacatalogv1.GetArtifactRequest{Dataset: ds, QueryHandle: &datacatalogv1.GetArtifactRequest_TagName{TagName: "key-hit"}})
		for b.Loop() {
			if _, err := e.Service.GetArtifact(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateArtifact", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			id := fmt.Sprintf("a%d", i)
			if _, err := e.Service.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: artifact(ds, id, 1, "key-"+id)})); err != nil {
				b.Fatal(err)
			}
		}
	})
}
