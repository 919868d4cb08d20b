package platform

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/logging"
	"github.com/flyte-go/flyte/internal/store"
)

func newMigrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Manage the database schema (up, down, status)",
	}
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, func(s storeHandle) error {
				if err := s.st.MigrateUp(cmd.Context()); err != nil {
					return err
				}
				return printMigrations(cmd, s)
			})
		},
	}
	var steps int
	down := &cobra.Command{
		Use:   "down",
		Short: "Revert the most recent migrations (--steps, default 1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if steps < 1 {
				return &usageError{fmt.Errorf("--steps must be at least 1, got %d", steps)}
			}
			return withStore(cmd, func(s storeHandle) error {
				if err := s.st.MigrateDown(cmd.Context(), steps); err != nil {
					return err
				}
				return printMigrations(cmd, s)
			})
		},
	}
	down.Flags().IntVar(&steps, "steps", 1, "number of migrations to revert")
	status := &cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, func(s storeHandle) error { return printMigrations(cmd, s) })
		},
	}
	for _, c := range []*cobra.Command{up, down, status} {
		addConfigFlags(c)
		cmd.AddCommand(c)
	}
	return cmd
}

// withStore opens the configured database for the duration of fn.
func withStore(cmd *cobra.Command, fn func(storeHandle) error) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	logger, err := logging.New(cfg.Logging, cmd.ErrOrStderr())
	if err != nil {
		return &usageError{err}
	}
	if err := ensureDataDir(cfg); err != nil {
		return err
	}
	st, err := openStore(cmd.Context(), cfg.Database, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(storeHandle{st: st, driver: cfg.Database.Driver})
}

func printMigrations(cmd *cobra.Command, s storeHandle) error {
	status, err := s.st.MigrateStatus(cmd.Context())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "VERSION\tNAME\tSTATE\t(%s)\n", s.driver)
	for _, m := range status {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\t\n", m.Version, m.Name, state)
	}
	return tw.Flush()
}

// storeHandle is an open store and the driver it runs on, for messages.
type storeHandle struct {
	st     store.Store
	driver string
}

// ensureDataDir creates the data directory when the SQLite file lives in it.
func ensureDataDir(cfg config.Config) error {
	if cfg.Database.Driver != config.DriverSQLite {
		return nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	return nil
}
