package admin_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
)

// BenchmarkCreateTask measures registering distinct task versions one
// request at a time through the real API (validation, digest, store).
func BenchmarkCreateTask(b *testing.B) {
	for _, driver := range admintest.Drivers {
		b.Run(driver, func(b *testing.B) {
			env := setup(b, driver)
			ctx := b.Context()
			i := 0
			for b.Loop() {
				req := taskRequest(fmt.Sprintf("task-%d", i/10), fmt.Sprintf("v%d", i%10), "alpine:3")
				i++
				if _, err := env.Client.CreateTask(ctx, connect.NewRequest(req)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// listTaskCount is how many tasks BenchmarkListTasks lists.
const listTaskCount = 100_000

// BenchmarkListTasks seeds 100,000 tasks (ten versions of 10,000 names)
// with the database's bulk path, then walks them through the API page by
// page (100 per page) in the default order (newest first) and by name.
// One op is a whole walk; ns/page is the mean time of one page.
func BenchmarkListTasks(b *testing.B) {
	for _, driver := range admintest.Drivers {
		b.Run(driver, func(b *testing.B) {
			env := setup(b, driver)
			start := time.Now()
			seedTasks(b, env, listTaskCount)
			b.Logf("seeded %d tasks in %s", listTaskCount, time.Since(start).Round(time.Millisecond))
			for _, order := range []struct {
				name string
				sort *adminv1.Sort
			}{
				{"newest_first", nil},
				{"by_name", &adminv1.Sort{Key: "name", Direction: adminv1.Sort_DIRECTION_ASCENDING}},
			} {
				b.Run(order.name, func(b *testing.B) {
					pages := 0
					for b.Loop() {
						rows := 0
						req := &adminv1.ResourceListRequest{
							Id: &corev1.NamedEntityIdentifier{Project: project, Domain: domain}, Limit: 100, SortBy: order.sort,
						}
						for {
							resp, err := env.Client.ListTasks(b.Context(), connect.NewRequest(req))
							if err != nil {
								b.Fatal(err)
							}
							pages++
							rows += len(resp.Msg.GetTasks())
							if resp.Msg.GetToken() == "" {
								break
							}
							req.Token = resp.Msg.GetToken()
						}
						if rows != listTaskCount {
							b.Fatalf("walked %d tasks, want %d", rows, listTaskCount)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
				})
			}
		})
	}
}

// seededTask is one row of the bulk load.
type seededTask struct {
	name, version string
	digest, body  []byte
	createdAt     time.Time
}

// seedTasks inserts n registered tasks straight into the database with one
// transaction (SQLite) or COPY (PostgreSQL), writing the same columns and
// bodies the admin service writes, because the store exposes no bulk path
// and 100,000 API calls would dominate the benchmark's setup.
func seedTasks(b *testing.B, env *admintest.Env, n int) {
	b.Helper()
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]seededTask, n)
	for i := range rows {
		req := taskRequest(fmt.Sprintf("task-%06d", i/10), fmt.Sprintf("v%d", i%10), "alpine:3")
		created := base.Add(time.Duration(i/10) * time.Second)
		spec := req.GetSpec()
		body, err := proto.Marshal(&adminv1.Task{
			Id:               req.GetId(),
			Closure:          &adminv1.TaskClosure{CompiledTask: &corev1.CompiledTask{Template: spec.GetTemplate()}, CreatedAt: timestamppb.New(created)},
			ShortDescription: spec.GetDescription().GetShortDescription(),
			Description:      spec.GetDescription(),
		})
		require.NoError(b, err)
		specBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(spec)
		require.NoError(b, err)
		sum := sha256.Sum256(specBytes)
		rows[i] = seededTask{name: req.GetId().GetName(), version: req.GetId().GetVersion(), digest: sum[:], body: body, createdAt: created}
	}
	ctx := b.Context()
	switch env.Driver {
	case admintest.DriverSQLite:
		require.NoError(b, seedSQLite(ctx, env.DSN, rows))
	case admintest.DriverPostgres:
		require.NoError(b, seedPostgres(ctx, env.DSN, rows))
	}
}

func seedSQLite(ctx context.Context, path string, rows []seededTask) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO tasks (project, domain, name, version, digest, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, project, domain, r.name, r.version, r.digest, r.body, r.createdAt.UnixMicro()); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `ANALYZE`)
	return err
}

func seedPostgres(ctx context.Context, dsn string, rows []seededTask) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"tasks"},
		[]string{"project", "domain", "name", "version", "digest", "body", "created_at"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{project, domain, r.name, r.version, r.digest, r.body, r.createdAt}, nil
		}))
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE tasks`)
	return err
}
