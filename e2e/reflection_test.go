package e2e

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestGenericGRPCClient: a generic gRPC client that has none of our protos
// (buf curl, like grpcurl) discovers the API through server reflection and
// calls it over gRPC on the same port.
func TestGenericGRPCClient(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, nil, "start", "--data-dir", t.TempDir(), "--port", "0")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bufCurl := func(args ...string) string {
		cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--reflect"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "buf curl %v:\n%s", args, out)
		return string(out)
	}
	services := bufCurl("--list-services", "http://"+p.host)
	require.Contains(t, services, "flyte.admin.v1.AdminService")

	out := bufCurl("-d", "{}", "http://"+p.host+"/flyte.admin.v1.AdminService/GetDomains")
	for _, d := range []string{"development", "staging", "production"} {
		require.Contains(t, out, d)
	}
	p.stop(t)
}
