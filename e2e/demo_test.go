package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStartDemo runs the README's first command, `flyte start --demo`: it
// registers the bundled YAML and Go SDK examples, runs both pipelines to
// SUCCEEDED and keeps serving. A second run of the YAML pipeline reads its
// cached total.
func TestStartDemo(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, nil, "start", "--demo", "--data-dir", t.TempDir(), "--port", "0")
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(p.output.String(), "Demo done") {
		select {
		case err := <-p.done:
			t.Fatalf("flyte exited during the demo: %v\n%s", err, p.output.String())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not finish within 2 minutes:\n%s", p.output.String())
		}
	}
	out := p.output.String()
	for _, want := range []string{
		"registered launch plan flytesnacks/development/pipeline@demo-",
		"message = big: 55",
		"registered workflow flytesnacks/development/data_pipeline@go-",
		"activated launch plan flytesnacks/development/data_pipeline@go-",
		"label = low: mean 48.65",
	} {
		require.Contains(t, out, want)
	}
	require.Equal(t, 2, strings.Count(out, "SUCCEEDED  nodes:"), out)

	scope := []string{"-h", p.host, "-p", "flytesnacks", "-d", "development"}
	again := ok(t, append([]string{"create", "execution", "--launchplan", "pipeline", "--name", "again", "--wait"}, scope...)...)
	require.Contains(t, again, "message = big: 55")
	details := ok(t, append([]string{"get", "execution", "again", "--details"}, scope...)...)
	var total string
	for _, l := range strings.Split(details, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "total" {
			total = l
		}
	}
	require.Contains(t, total, "HIT from", details)
	cached := ok(t, append([]string{"get", "cache", "--task", "sum_list"}, scope...)...)
	require.Contains(t, cached, "flyte_cached-")
	p.stop(t)
}
