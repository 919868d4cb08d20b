package flyte

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// App is a program of tasks and workflows: one binary that registers them
// on a platform, runs them locally, and is the entrypoint the platform runs
// for each task attempt. Most programs call Main instead.
type App struct {
	// Entities are registered by the register command, with everything
	// they reach (the tasks and sub-workflows of workflows, the workflows
	// of launch plans), and can be run by the run command.
	Entities []Entity
	// Stdout and Stderr default to the process's.
	Stdout, Stderr io.Writer
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
	// Command is the command line that runs this app where tasks run,
	// before `execute`: by default this program's absolute path. A program
	// that runs the app as one of its subcommands sets it, for example
	// {"/usr/bin/tool", "examples"}. --command replaces it.
	Command []string
}

// Main runs App{Entities: entities} with the process's arguments and exits
// with its status:
//
//	func main() { flyte.Main(Pipeline, Nightly) }
func Main(entities ...Entity) {
	App{Entities: entities}.Main()
}

// Main runs the app with the process's arguments and exits with its
// status. SIGINT and SIGTERM cancel the running command.
func (a App) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := a.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Run runs the app with args (without the program name) and returns the
// exit status: 0 on success, 1 on failure, 2 on bad usage.
func (a App) Run(ctx context.Context, args []string) int {
	if a.Stdout == nil {
		a.Stdout = os.Stdout
	}
	if a.Stderr == nil {
		a.Stderr = os.Stderr
	}
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(a.Stderr, "error: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return &usageError{fmt.Errorf(format, args...)} }

func (a App) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           filepath.Base(os.Args[0]),
		Short:         "Register, run and execute Flyte tasks and workflows written in Go",
		Long:          "This program holds Flyte tasks and workflows written with the Go SDK.\n\nNote: -h is the admin host of register; help is --help.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.PersistentFlags().Bool("help", false, "show help for the command")
	root.AddCommand(a.registerCommand(), a.executeCommand(), a.runCommand())
	return root
}

func (a App) registerCommand() *cobra.Command {
	var (
		host, project, domain, version, image, command, output string
		insecure, activate, dryRun                             bool
		timeout                                                time.Duration
	)
	cmd := &cobra.Command{
		Use:   "register -h HOST -p PROJECT -d DOMAIN --version V [--image I]",
		Short: "Register every task, workflow and launch plan of this program",
		Long: "Register the entities of this program and everything they use: tasks first, then\n" +
			"workflows and launch plans (each workflow also gets a default launch plan of its name).\n" +
			"Tasks run this binary (its absolute path, or --command) with `execute`. Registering\n" +
			"identical content again succeeds. --dry-run prints the entities (-o json|yaml) instead.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var missing []string
			for _, f := range []struct{ name, v string }{{"-p/--project", project}, {"-d/--domain", domain}, {"--version", version}} {
				if f.v == "" {
					missing = append(missing, f.name)
				}
			}
			if len(missing) > 0 {
				return usagef("register needs %s", strings.Join(missing, ", "))
			}
			if output != "json" && output != "yaml" {
				return usagef("-o/--output %q: want json or yaml", output)
			}
			at := ident{project: project, domain: domain, version: version}
			tg, err := a.taskTarget(command, image, at)
			if err != nil {
				return err
			}
			b, err := collectBundle(a.Entities)
			if err != nil {
				return err
			}
			reqs, err := b.createRequests(at, tg)
			if err != nil {
				return err
			}
			if dryRun {
				data, err := encodeRequests(reqs, output == "yaml")
				if err != nil {
					return err
				}
				_, err = a.Stdout.Write(data)
				return err
			}
			var ins *bool
			if cmd.Flags().Changed("insecure") {
				ins = &insecure
			}
			if host == "" {
				host = a.Getenv("FLYTE_ADMIN_ENDPOINT")
			}
			if host == "" {
				host = "127.0.0.1:8088"
			}
			base, err := adminURL(host, ins)
			if err != nil {
				return usagef("%v", err)
			}
			return registerBundle(cmd.Context(), newAdminClient(base), reqs,
				registerConfig{at: at, tg: tg, activate: activate, timeout: timeout}, a.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&host, "host", "h", "", "admin service address: host:port, http://host:port or https://host:port (default 127.0.0.1:8088, env FLYTE_ADMIN_ENDPOINT)")
	f.BoolVar(&insecure, "insecure", false, "use plain HTTP (--insecure=false forces TLS); a bare loopback host:port is plain HTTP by default")
	f.StringVarP(&project, "project", "p", "", "project (required)")
	f.StringVarP(&domain, "domain", "d", "", "domain (required)")
	f.StringVar(&version, "version", "", "version of every entity (required), e.g. a git commit")
	f.StringVar(&image, "image", "", "container image the tasks run in on Kubernetes")
	f.StringVar(&command, "command", "", "path of this program where tasks run (default: its absolute path here)")
	f.BoolVar(&activate, "activate", false, "activate the launch plans after registering them (so their schedules run)")
	f.BoolVar(&dryRun, "dry-run", false, "print what would be registered, as a file `flyte-cli register files` reads, without contacting the server")
	f.StringVarP(&output, "output", "o", "yaml", "--dry-run output format: json or yaml")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "time limit of each call to the server (0 for none)")
	return cmd
}

// taskTarget is how registered tasks run this program: the path given
// with --command, else App.Command, else this program's absolute path. A
// dynamic task passes the same on to the tasks it generates.
func (a App) taskTarget(command, image string, at ident) (target, error) {
	argv := a.Command
	if command != "" {
		argv = []string{command}
	}
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return target{}, fmt.Errorf("find this program's path (give --command): %w", err)
		}
		argv = []string{exe}
	}
	tg := target{command: argv, image: image,
		dynamicArgs: []string{"--project", at.project, "--domain", at.domain, "--version", at.version}}
	if command != "" || len(a.Command) == 0 {
		// App.Command is the program's own default; a single path is not.
		tg.dynamicArgs = append(tg.dynamicArgs, "--command", argv[0])
	}
	if image != "" {
		tg.dynamicArgs = append(tg.dynamicArgs, "--image", image)
	}
	return tg, nil
}

func (a App) executeCommand() *cobra.Command {
	var ea executeArgs
	var command, image string
	cmd := &cobra.Command{
		Use:   "execute --task NAME --inputs URI --output-prefix URI --raw-output-prefix URI",
		Short: "Run one attempt of a task (what the platform runs)",
		Long:  "Read the task's inputs.pb, call the task and write outputs.pb, futures.pb (dynamic tasks) or error.pb under the output prefix.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The platform also gives the locations in the environment.
			for _, f := range []struct {
				v   *string
				env string
			}{{&ea.inputs, "FLYTE_INPUTS_URI"}, {&ea.outputPrefix, "FLYTE_OUTPUT_PREFIX"}, {&ea.rawOutputPrefix, "FLYTE_RAW_OUTPUT_PREFIX"}} {
				if *f.v == "" {
					*f.v = a.Getenv(f.env)
				}
			}
			var missing []string
			for _, f := range []struct{ name, v string }{{"--task", ea.task}, {"--inputs", ea.inputs}, {"--output-prefix", ea.outputPrefix}, {"--raw-output-prefix", ea.rawOutputPrefix}} {
				if f.v == "" {
					missing = append(missing, f.name)
				}
			}
			if len(missing) > 0 {
				return usagef("execute needs %s", strings.Join(missing, ", "))
			}
			tg, err := a.taskTarget(command, image, ea.at)
			if err != nil {
				return err
			}
			ea.tg = tg
			return execute(cmd.Context(), ea, a.Getenv, a.Stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ea.task, "task", "", "name of the task")
	f.StringVar(&ea.inputs, "inputs", "", "URI of inputs.pb (default env FLYTE_INPUTS_URI)")
	f.StringVar(&ea.outputPrefix, "output-prefix", "", "URI prefix of outputs.pb / error.pb (default env FLYTE_OUTPUT_PREFIX)")
	f.StringVar(&ea.rawOutputPrefix, "raw-output-prefix", "", "URI prefix for the files and directories the task outputs (default env FLYTE_RAW_OUTPUT_PREFIX)")
	f.StringVar(&ea.at.project, "project", "", "project of the tasks a dynamic task generates")
	f.StringVar(&ea.at.domain, "domain", "", "domain of the tasks a dynamic task generates")
	f.StringVar(&ea.at.version, "version", "", "version of the tasks a dynamic task generates")
	f.StringVar(&command, "command", "", "command of the tasks a dynamic task generates (default: this program)")
	f.StringVar(&image, "image", "", "image of the tasks a dynamic task generates")
	return cmd
}

func (a App) runCommand() *cobra.Command {
	var (
		inputs, signals, approvals []string
		dataDir, output            string
		noSleep, quiet             bool
	)
	cmd := &cobra.Command{
		Use:   "run NAME [--input name=value ...]",
		Short: "Run a workflow, launch plan or task in this process, without a platform",
		Long: "Run NAME (a workflow, launch plan or task of this program) locally and print its outputs\n" +
			"as JSON or YAML. Values are written as for flyte-cli: 42, 1.5, true, 2024-01-31T12:00:00Z,\n" +
			"1m30s, text; lists, maps and structs as JSON; a file or directory as a local path or URI.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "json" && output != "yaml" {
				return usagef("-o/--output %q: want json or yaml", output)
			}
			ce, err := a.find(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			if ce.err != nil {
				return ce.err
			}
			lits, err := parseInputs(ce, inputs)
			if err != nil {
				return usagef("%v", err)
			}
			opts := []RunOption{}
			if dataDir != "" {
				opts = append(opts, WithDataDir(dataDir))
			}
			if noSleep {
				opts = append(opts, WithoutSleep())
			}
			if !quiet {
				opts = append(opts, WithLogger(slog.New(slog.NewTextHandler(a.Stderr, nil))))
			}
			for _, s := range approvals {
				name, v, ok := strings.Cut(s, "=")
				approve := !ok || v == "true" || v == "yes"
				opts = append(opts, WithApproval(name, approve))
			}
			sigLits := map[string]string{}
			for _, s := range signals {
				name, v, ok := strings.Cut(s, "=")
				if !ok {
					return usagef("--signal %q: want name=value", s)
				}
				sigLits[name] = v
			}
			l, err := newLocal(opts)
			if err != nil {
				return err
			}
			var outs *corev1.LiteralMap
			defer func() { l.finish(outs) }()
			l.cfg.textSignals = sigLits
			outs, err = l.runCallee(cmd.Context(), ce, lits)
			if err != nil {
				return err
			}
			return printOutputs(a.Stdout, outs, output == "yaml")
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&inputs, "input", "i", nil, "input value as name=value (repeat for each input)")
	f.StringArrayVar(&signals, "signal", nil, "value of a signal gate as name=value")
	f.StringArrayVar(&approvals, "approve", nil, "approve an approval gate: name, or name=false to deny")
	f.StringVar(&dataDir, "data-dir", "", "directory for the run's files (default: a new temporary directory)")
	f.BoolVar(&noSleep, "no-sleep", false, "skip sleep gates")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not log the progress of nodes")
	f.StringVarP(&output, "output", "o", "json", "output format: json or yaml")
	return cmd
}

// find returns the entity named name among those the app reaches.
func (a App) find(name string) (*callee, error) {
	var found []*callee
	var names []string
	seen := map[string]bool{}
	add := func(c *callee) {
		if c.name == name {
			found = append(found, c)
		}
		if !seen[c.what()] {
			seen[c.what()] = true
			names = append(names, c.what())
		}
	}
	addRef := func(r entityRef) {
		switch {
		case r.task != nil:
			kind := kindTask
			if r.task.dynamic != nil {
				kind = kindDynamic
			}
			add(&callee{kind: kind, name: r.task.name, in: r.task.in, out: r.task.out, task: r.task, err: r.task.err})
		case r.wf != nil:
			add(&callee{kind: kindWorkflow, name: r.wf.name, in: r.wf.in, out: r.wf.out, wf: r.wf, err: r.wf.err})
		case r.lp != nil:
			add(&callee{kind: kindLaunchPlan, name: r.lp.name, in: r.lp.wf.in, out: r.lp.wf.out, lp: r.lp, err: r.lp.err})
		}
	}
	for _, e := range a.Entities {
		addRef(e.entity())
	}
	if b, err := collectBundle(a.Entities); len(found) == 0 && err == nil {
		// What the entities reach: their tasks, sub-workflows, launch plans.
		for _, t := range b.tasks {
			addRef(entityRef{task: t})
		}
		for _, s := range b.steps {
			addRef(s)
		}
	}
	switch len(found) {
	case 0:
		slices.Sort(names)
		return nil, fmt.Errorf("this program has no entity named %q (entities: %s)", name, strings.Join(names, ", "))
	case 1:
		return found[0], nil
	}
	// A workflow and its launch plan may share a name: prefer the workflow.
	for _, c := range found {
		if c.kind == kindWorkflow {
			return c, nil
		}
	}
	return found[0], nil
}

// parseInputs converts name=value arguments by the types of ce's inputs.
func parseInputs(ce *callee, args []string) (*corev1.LiteralMap, error) {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	hooks := rawvalue.Hooks{FromLocal: func(p string, _ bool) (string, error) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		return fileURI(abs), nil
	}}
	for _, arg := range args {
		name, text, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("--input %q: want name=value", arg)
		}
		i, ok := ce.in.byName(name)
		if !ok {
			return nil, fmt.Errorf("--input %s: %s has no input %s (inputs: %s)", name, ce.what(), name, ce.in.names())
		}
		data := []byte(text)
		if yamlShaped(ce.in.codecs[i].lt) && !json.Valid(data) {
			// Lists, maps and structs may be written in YAML, as with
			// flyte-cli: [a, b], {k: 1}.
			if j, err := yaml.YAMLToJSON(data); err == nil {
				data = j
			}
		}
		l, err := rawvalue.Decode(data, ce.in.codecs[i].lt, hooks)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", name, err)
		}
		m.Literals[name] = l
	}
	if ce.kind == kindLaunchPlan {
		return m, nil // the launch plan adds its defaults
	}
	defaults := map[string]*corev1.Literal{}
	if ce.kind == kindWorkflow {
		defaults = ce.wf.defaultLaunchPlan().defaults.GetLiterals()
	}
	var missing []string
	for i, f := range ce.in.fields {
		if _, ok := m.Literals[f.name]; ok {
			continue
		}
		if d, ok := defaults[f.name]; ok {
			m.Literals[f.name] = d
			continue
		}
		if f.typ.Kind() != reflect.Pointer {
			missing = append(missing, fmt.Sprintf("%s (%s)", f.name, formatType(ce.in.codecs[i].lt)))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s needs --input for %s", ce.what(), strings.Join(missing, ", "))
	}
	return m, nil
}

// yamlShaped reports whether values of t are written as JSON or YAML.
func yamlShaped(t *corev1.LiteralType) bool {
	switch t.GetType().(type) {
	case *corev1.LiteralType_CollectionType, *corev1.LiteralType_MapValueType:
		return true
	}
	return t.GetSimple() == corev1.SimpleType_SIMPLE_TYPE_STRUCT
}

// printOutputs prints outputs as one JSON (or YAML) object.
func printOutputs(w io.Writer, outs *corev1.LiteralMap, asYAML bool) error {
	obj := map[string]any{}
	for k, l := range outs.GetLiterals() {
		v, err := rawvalue.ToJSON(l, rawvalue.Hooks{})
		if err != nil {
			return fmt.Errorf("output %s: %w", k, err)
		}
		obj[k] = v
	}
	data, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return err
	}
	if asYAML {
		if data, err = yaml.JSONToYAML(data); err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
