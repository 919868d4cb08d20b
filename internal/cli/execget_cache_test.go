package cli

import (
	"strings"
	"testing"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func TestGetExecutionDetailsShowsCacheStatus(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "e1")
	now := time.Now()
	closure := func(status corev1.CatalogCacheStatus, source string) []byte {
		c := &adminv1.NodeExecutionClosure{Phase: corev1.NodeExecution_PHASE_SUCCEEDED, TargetMetadata: &adminv1.NodeExecutionClosure_TaskNodeMetadata{
			TaskNodeMetadata: &adminv1.TaskNodeMetadata{CacheStatus: status, CatalogKey: &corev1.CatalogMetadata{SourceTaskExecution: &corev1.TaskExecutionIdentifier{
				NodeExecutionId: &corev1.NodeExecutionIdentifier{NodeId: "add", ExecutionId: &corev1.WorkflowExecutionIdentifier{Project: rProject, Domain: rDomain, Name: source}},
			}}},
		}}
		b, err := proto.Marshal(c)
		require.NoError(t, err)
		return b
	}
	node := func(id string, c []byte) *store.NodeExecution {
		return &store.NodeExecution{NodeID: id, SpecNodeID: id, Phase: int32(corev1.NodeExecution_PHASE_SUCCEEDED), CreatedAt: now, UpdatedAt: now, StartedAt: &now, EndedAt: &now, Closure: c}
	}
	r.advance("e1", corev1.WorkflowExecution_PHASE_SUCCEEDED, nil,
		node("hit", closure(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT, "e0")),
		node("populated", closure(corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_POPULATED, "e1")),
		node("plain", nil))

	out := r.ok("get", "execution", "e1", "--details")
	rows := map[string]string{}
	for _, l := range lines(out) {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = l
		}
	}
	require.Contains(t, rows["hit"], "HIT from e0")
	require.Contains(t, rows["populated"], "POPULATED")
	require.NotContains(t, rows["populated"], "from")
	require.NotContains(t, rows["plain"], "DISABLED")
}

func TestOverwriteCacheFlagReachesTheExecutionSpec(t *testing.T) {
	t.Parallel()
	r := newRealAdmin(t)
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "plain")
	r.ok("create", "execution", "--launchplan", "add", "--input", "a=1", "--name", "fresh", "--overwrite-cache")
	r.ok("relaunch", "plain", "--name", "again", "--overwrite-cache")
	r.ok("relaunch", "plain", "--name", "same")
	for name, want := range map[string]bool{"plain": false, "fresh": true, "again": true, "same": false} {
		out := r.ok("get", "execution", name, "-o", "json")
		require.Equal(t, want, strings.Contains(out, `"overwriteCache": true`), "execution %s:\n%s", name, out)
	}
	res := r.cli("recover", "plain", "--overwrite-cache")
	require.Equal(t, ExitUsage, res.code, "recover reuses outputs; it has no --overwrite-cache")
	require.Contains(t, res.stderr, "overwrite-cache")
}
