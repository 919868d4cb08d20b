package localplugin

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/plugin"
)

// benchTasks is how many `true` processes each benchmark iteration runs.
const benchTasks = 1000

// BenchmarkSpawnTrue compares 1,000 raw `true` tasks through the plugin with
// spawning the same processes directly through os/exec at the same
// concurrency (the plugin's default MaxParallel).
func BenchmarkSpawnTrue(b *testing.B) {
	parallel := Options{}.WithDefaults().MaxParallel
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			sem := make(chan struct{}, parallel)
			var wg sync.WaitGroup
			for range benchTasks {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					if err := exec.Command("true").Run(); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
		}
	})
	b.Run("plugin", func(b *testing.B) {
		f := setup(b, Options{MaxParallel: parallel, WorkDir: benchWorkDir(b)})
		for b.Loop() {
			var wg sync.WaitGroup
			type started struct {
				ac *attemptCtx
				h  plugin.Handle
			}
			all := make([]started, 0, benchTasks)
			for range benchTasks {
				ac := f.task(b, TaskTypeRaw, nil, nil, "true")
				h, err := f.p.Start(context.Background(), ac.TaskContext)
				require.NoError(b, err)
				all = append(all, started{ac, h})
			}
			for _, s := range all {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						st, err := f.p.Status(context.Background(), s.ac.TaskContext, s.h)
						if err != nil || st.Phase.Final() {
							if st.Phase != plugin.PhaseSucceeded {
								b.Errorf("attempt ended %s: %s", st.Phase, st.Reason)
							}
							return
						}
						<-s.ac.woken
					}
				}()
			}
			wg.Wait()
		}
	})
}

// benchWorkDir is FLYTE_BENCH_WORKDIR (for example a tmpfs) or a temporary
// directory.
func benchWorkDir(b *testing.B) string {
	if d := os.Getenv("FLYTE_BENCH_WORKDIR"); d != "" {
		return d
	}
	return b.TempDir()
}
