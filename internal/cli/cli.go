// Package cli is flyte-cli, the command-line client of the flyte admin
// service: it registers projects, tasks, workflows and launch plans, lists
// and gets them, activates launch plans and manages matchable attributes.
//
// [Main] runs one invocation with injected writers, so tests drive the
// whole command in-process. Global flags name the admin service
// (-h/--host, --insecure, --ca-cert, --config, --timeout), the project and
// domain (-p, -d) and the output format (-o table|json|yaml). Because -h is
// the host, as in the seed command line
//
//	flyte-cli register-project -h 127.0.0.1:8088 -p myflyteproject --name "My Flyte Project" --description "..."
//
// help is --help only. Exit codes: 0 on success, 1 when the server or the
// environment fails a command, 2 for a usage error (bad flags, arguments
// or input files). docs/cli.md is the user guide.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
)

// Exit codes of Main.
const (
	// ExitOK is success.
	ExitOK = 0
	// ExitFailure is a command the server or the environment failed.
	ExitFailure = 1
	// ExitUsage is a command line or input that is not valid.
	ExitUsage = 2
)

// Main runs flyte-cli with args (without the program name), writing
// results to stdout and errors to stderr, and returns the exit code. An
// interrupt signal cancels the command.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, args, stdout, stderr, osEnvironment())
}

// osEnvironment reads the real process environment.
func osEnvironment() environment {
	return environment{Getenv: os.Getenv, HomeDir: os.UserHomeDir, ReadFile: os.ReadFile}
}

// run is Main with the environment injected.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env environment) (code int) {
	defer func() {
		// A bug must not show users a goroutine dump; say what broke.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "error: internal error: %v\n", r)
			code = ExitFailure
		}
	}()
	a := &app{stdout: stdout, stderr: stderr, env: env}
	root := a.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	return a.reportError(cmd, err)
}

// reportError prints err to stderr and returns its exit code.
func (a *app) reportError(cmd *cobra.Command, err error) int {
	fmt.Fprintf(a.stderr, "error: %s\n", errorText(err))
	var re *runError
	var ue *usageError
	switch {
	case errors.As(err, &ue) || !errors.As(err, &re):
		// Errors cobra returns itself (unknown flags or commands, wrong
		// argument counts) are usage errors too.
		if cmd != nil {
			fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return ExitUsage
	default:
		return ExitFailure
	}
}

// errorText is the message of err, with a hint for the usual mistake of
// speaking TLS to a plain HTTP server or plain HTTP to a TLS one.
func errorText(err error) string {
	msg := err.Error()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return msg
	}
	switch {
	case ce.Code() == connect.CodeUnavailable &&
		(strings.Contains(ce.Message(), "first record does not look like a TLS handshake") ||
			strings.Contains(ce.Message(), "server gave HTTP response to HTTPS client")):
		msg += " (the server speaks plain HTTP: use an http:// host or --insecure)"
	case ce.Code() == connect.CodeInternal && ce.Message() == "400 Bad Request":
		// What a Go TLS server answers to plain HTTP.
		msg += " (if the server uses TLS, use an https:// host or --insecure=false)"
	}
	return msg
}

// usageError is a command line or input that is not valid (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usageErrorf returns a usage error.
func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// runError marks an error returned by a command's own code, as opposed to
// one cobra returns while parsing the command line.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// app is one invocation: its writers, environment and global flags.
type app struct {
	stdout, stderr io.Writer
	env            environment

	configPath string
	host       string
	insecure   bool
	caCert     string
	project    string
	domain     string
	output     string
	timeout    time.Duration
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "flyte-cli",
		Short: "Command-line client of the flyte admin service",
		Long: "flyte-cli registers projects, tasks, workflows and launch plans, runs and follows\n" +
			"executions, and inspects everything on a flyte admin service.\n\n" +
			"Note: -h is the admin host; help is --help.",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noArgs,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			_, err := parseFormat(a.output)
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)

	f := root.PersistentFlags()
	// Declared before cobra adds its own, so -h stays free for the host.
	f.Bool("help", false, "show help for the command")
	f.StringVarP(&a.host, "host", "h", "", "admin service address: host:port, http://host:port or https://host:port (default "+DefaultEndpoint+", env "+EnvAdminEndpoint+")")
	f.BoolVar(&a.insecure, "insecure", false, "use plain HTTP (--insecure=false forces TLS); a bare loopback host:port is plain HTTP by default")
	f.StringVar(&a.caCert, "ca-cert", "", "PEM file of certificate authorities to trust besides the system ones")
	f.StringVar(&a.configPath, "config", "", "config file (default ~/"+defaultConfigPath+", env "+EnvConfig+")")
	f.DurationVar(&a.timeout, "timeout", 30*time.Second, "time limit of each call to the server (0 for none)")
	f.StringVarP(&a.project, "project", "p", "", "project (default: project in the config file)")
	f.StringVarP(&a.domain, "domain", "d", "", "domain (default: domain in the config file)")
	f.StringVarP(&a.output, "output", "o", string(formatTable), "output format: table, json or yaml")

	root.AddCommand(
		a.registerProjectCommand(),
		a.registerCommand(),
		a.getCommand(),
		a.updateCommand(),
		a.deleteCommand(),
		a.createCommand(),
		a.terminateCommand(),
		a.rerunCommand(false),
		a.rerunCommand(true),
		a.logsCommand(),
		a.signalCommand(),
		a.versionCommand(),
	)
	return root
}

// groupCommand is a command that only holds subcommands.
func groupCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			if err := cmd.Help(); err != nil {
				return err
			}
			return usageErrorf("%q needs a subcommand", cmd.CommandPath())
		},
	}
}

// noArgs rejects positional arguments.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

// maxArgs accepts at most n positional arguments, named in the message.
func maxArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usageErrorf("%s takes at most %s, got %d arguments", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// exactArgs requires exactly n positional arguments, named in the message.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s needs %s, got %d arguments", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// runE adapts a command body to cobra, marking its errors as its own.
func runE(body func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := body(cmd.Context(), cmd, args); err != nil {
			return &runError{err: err}
		}
		return nil
	}
}

// settings resolves the connection settings of cmd from its flags, the
// environment and the config file.
func (a *app) settings(cmd *cobra.Command) (settings, error) {
	var o overrides
	flags := cmd.Flags()
	if flags.Changed("config") {
		o.Config = &a.configPath
	}
	if flags.Changed("host") {
		o.Host = &a.host
	}
	if flags.Changed("insecure") {
		o.Insecure = &a.insecure
	}
	if flags.Changed("ca-cert") {
		o.CACert = &a.caCert
	}
	if flags.Changed("project") {
		o.Project = &a.project
	}
	if flags.Changed("domain") {
		o.Domain = &a.domain
	}
	return resolveSettings(o, a.env)
}

// client returns an admin client and the settings it was built from.
func (a *app) client(cmd *cobra.Command) (adminv1connect.AdminServiceClient, settings, error) {
	s, err := a.settings(cmd)
	if err != nil {
		return nil, settings{}, err
	}
	c, err := newAdminClient(s, a.timeout, a.env.ReadFile)
	if err != nil {
		return nil, settings{}, err
	}
	return c, s, nil
}

// printer returns the printer for -o/--output (checked before any command
// runs).
func (a *app) printer() printer {
	f, err := parseFormat(a.output)
	if err != nil {
		f = formatTable
	}
	return printer{w: a.stdout, format: f}
}

// requireProjectDomain checks that a command that works in one project and
// domain has both.
func requireProjectDomain(s settings) error {
	if s.Project == "" {
		return usageErrorf("project is required: pass -p/--project or set project in the config file")
	}
	if s.Domain == "" {
		return usageErrorf("domain is required: pass -d/--domain or set domain in the config file")
	}
	return nil
}
