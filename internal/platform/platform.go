// Package platform is the `flyte` command: it assembles the platform's
// components from one configuration and runs them, all in one process
// (`flyte start`) or one per process (`flyte serve admin`), and manages the
// database schema (`flyte migrate`).
package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/flyte-go/flyte/internal/config"
)

// Main runs the flyte command with args (without the program name) and
// returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 && args[0] == goExampleCommand {
		return runGoExample(ctx, args[1:], stdout, stderr)
	}
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "flyte: %v\n", err)
		var usage *usageError
		if errors.As(err, &usage) {
			return 2
		}
		return 1
	}
	return 0
}

// usageError marks a command-line mistake (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "flyte",
		Short:         "The Flyte workflow platform: control plane (admin) and engine (propeller)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newStartCommand(),
		newServeCommand(),
		newMigrateCommand(),
		newVersionCommand(),
	)
	return root
}

// addConfigFlags registers every config setting as a flag on cmd, plus the
// short spellings the README uses (--port, --host).
func addConfigFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	config.RegisterFlags(fs)
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		switch name {
		case "port":
			return "server-port"
		case "host":
			return "server-host"
		}
		return pflag.NormalizedName(name)
	})
}

// loadConfig reads the configuration of cmd from its flags, the environment
// and the config file; a bad configuration is a usage error listing every problem.
func loadConfig(cmd *cobra.Command) (config.Config, error) {
	cfg, err := config.LoadFromFlags(os.LookupEnv, cmd.Flags())
	if err != nil {
		return config.Config{}, &usageError{fmt.Errorf("invalid configuration:\n%w", err)}
	}
	return cfg, nil
}
