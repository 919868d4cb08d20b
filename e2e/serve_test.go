package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/storage/storagetest"
)

// TestServeAdminOnPostgresAndS3 is the production shape: the schema is
// migrated by `flyte migrate up`, then `flyte serve admin` runs against
// PostgreSQL and a real S3-compatible server, configured by environment.
func TestServeAdminOnPostgresAndS3(t *testing.T) {
	t.Parallel()
	dsn := admintest.PostgresSchemaDSN(t)
	s3URL, creds := storagetest.StartS3(t)
	env := []string{
		"FLYTE_DATABASE_DRIVER=postgres",
		"FLYTE_DATABASE_DSN=" + dsn,
		"FLYTE_STORAGE_URL=" + s3URL,
		"FLYTE_STORAGE_ACCESS_KEY_ID=" + creds.AccessKeyID,
		"FLYTE_STORAGE_SECRET_ACCESS_KEY=" + creds.SecretAccessKey,
		"FLYTE_SERVER_PORT=0",
	}
	flyte, _ := bins(t)

	// Serving an unmigrated database is refused with the command that fixes it.
	out, code := runFlyteEnv(t, env, flyte, "serve", "admin")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "flyte migrate up")

	out, code = runFlyteEnv(t, env, flyte, "migrate", "up")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "applied")

	p := startPlatform(t, env, "serve", "admin")
	require.Contains(t, p.output.String(), "postgres")
	require.Contains(t, p.output.String(), "s3://")
	h := p.host
	ok(t, "register-project", "-h", h, "-p", "myflyteproject", "--name", "My Flyte Project",
		"--description", "My very first project onboarding onto Flyte")
	ok(t, "register", "files", "../examples/hello.yaml", "-h", h, "-p", "myflyteproject", "-d", "staging", "--version", "v1")
	out = ok(t, "get", "launchplans", "hello", "-h", h, "-p", "myflyteproject", "-d", "staging")
	require.Contains(t, out, "v1")
	p.stop(t)
}

// TestServeAdminUnreachableDatabase: a database that does not answer stops
// the start with a message naming where it tried, not a hang or a panic.
func TestServeAdminUnreachableDatabase(t *testing.T) {
	t.Parallel()
	flyte, _ := bins(t)
	env := []string{
		"FLYTE_DATABASE_DRIVER=postgres",
		"FLYTE_DATABASE_DSN=postgres://postgres@127.0.0.1:1/flyte?sslmode=disable&connect_timeout=5",
		"FLYTE_STORAGE_URL=mem://",
		"FLYTE_SERVER_PORT=0",
	}
	out, code := runFlyteEnv(t, env, flyte, "serve", "admin")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "connect to postgres 127.0.0.1:1")
	require.Contains(t, out, "refused")
}
