package platform

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is the platform's release, set at build time with
// -ldflags "-X github.com/flyte-go/flyte/internal/platform.Version=v1.2.3".
var Version = "dev"

// buildRevision is the VCS revision the binary was built from, when known.
func buildRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the platform version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "flyte %s %s\n", Version, buildRevision())
		},
	}
}
