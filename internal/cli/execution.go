package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// createCommand is `create`, the commands that start something.
func (a *app) createCommand() *cobra.Command {
	cmd := groupCommand("create", "Start executions")
	cmd.AddCommand(a.createExecutionCommand())
	return cmd
}

// createExecutionFlags are the flags of `create execution`.
type createExecutionFlags struct {
	launchPlan, version, task, name, file string
	inputs                                []string
	wait, overwriteCache                  bool
}

func (a *app) createExecutionCommand() *cobra.Command {
	var f createExecutionFlags
	cmd := &cobra.Command{
		Use:   "execution",
		Short: "Start an execution of a launch plan or of a single task",
		Long: "Start an execution of a launch plan (its active version unless --version is given)\n" +
			"or, with --task, of a single task. Inputs are given as --input name=value, parsed by\n" +
			"the input's type (lists, maps and structs as YAML or JSON, files as URIs), and/or\n" +
			"in a YAML file of name: value (--file); --input wins over the file. With --wait the\n" +
			"command follows the execution, prints its outputs and exits 1 if it did not succeed.",
		Args: noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			return a.createExecution(ctx, cmd, &f)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.launchPlan, "launchplan", "", "launch plan to run")
	fl.StringVar(&f.version, "version", "", "version of the launch plan or task (default: the active launch plan, else the newest version; the newest task)")
	fl.StringVar(&f.task, "task", "", "task to run alone (instead of --launchplan)")
	fl.StringArrayVar(&f.inputs, "input", nil, "input as name=value (repeatable)")
	fl.StringVar(&f.file, "file", "", "YAML file of inputs (name: value)")
	fl.StringVar(&f.name, "name", "", "execution name (default: generated)")
	fl.BoolVar(&f.wait, "wait", false, "follow the execution until it ends, then print its outputs")
	fl.BoolVar(&f.overwriteCache, "overwrite-cache", false, "run cached tasks again and replace their cached outputs")
	return cmd
}

func (a *app) createExecution(ctx context.Context, cmd *cobra.Command, f *createExecutionFlags) error {
	if (f.launchPlan == "") == (f.task == "") {
		return usageErrorf("give exactly one of --launchplan and --task")
	}
	c, s, err := a.client(cmd)
	if err != nil {
		return err
	}
	if err := requireProjectDomain(s); err != nil {
		return err
	}
	target, expected, err := resolveTarget(ctx, c, s, f)
	if err != nil {
		return err
	}
	inputs, err := a.parseInputs(f, expected)
	if err != nil {
		return err
	}
	res, err := c.CreateExecution(ctx, connect.NewRequest(&adminv1.ExecutionCreateRequest{
		Project: s.Project, Domain: s.Domain, Name: f.name,
		Spec:   &adminv1.ExecutionSpec{LaunchPlan: target, OverwriteCache: f.overwriteCache},
		Inputs: inputs,
	}))
	if err != nil {
		return err
	}
	id := res.Msg.GetId()
	if !f.wait {
		return a.printer().print(res.Msg, func() table {
			t := table{header: []string{"EXECUTION", "PROJECT", "DOMAIN"}}
			t.add(id.GetName(), id.GetProject(), id.GetDomain())
			return t
		})
	}
	fmt.Fprintf(a.stderr, "execution %s created\n", id.GetName())
	return a.waitExecution(ctx, c, id)
}

// resolveTarget finds what to launch and the inputs it takes, by name.
func resolveTarget(ctx context.Context, c adminv1connect.AdminServiceClient, s settings, f *createExecutionFlags) (*corev1.Identifier, map[string]*corev1.LiteralType, error) {
	expected := map[string]*corev1.LiteralType{}
	if f.task != "" {
		version := f.version
		if version == "" {
			res, err := c.ListTasks(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
				Id:    &corev1.NamedEntityIdentifier{Project: s.Project, Domain: s.Domain, Name: f.task},
				Limit: 1, SortBy: &adminv1.Sort{Key: "created_at", Direction: adminv1.Sort_DIRECTION_DESCENDING},
			}))
			if err != nil {
				return nil, nil, err
			}
			if len(res.Msg.GetTasks()) == 0 {
				return nil, nil, fmt.Errorf("task %s/%s/%s is not registered", s.Project, s.Domain, f.task)
			}
			version = res.Msg.GetTasks()[0].GetId().GetVersion()
		}
		id := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: s.Project, Domain: s.Domain, Name: f.task, Version: version}
		t, err := c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: id}))
		if err != nil {
			return nil, nil, err
		}
		for n, v := range t.Msg.GetClosure().GetCompiledTask().GetTemplate().GetInterface().GetInputs().GetVariables() {
			expected[n] = v.GetType()
		}
		return id, expected, nil
	}
	var lp *adminv1.LaunchPlan
	if f.version != "" {
		res, err := c.GetLaunchPlan(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
			ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, Project: s.Project, Domain: s.Domain, Name: f.launchPlan, Version: f.version,
		}}))
		if err != nil {
			return nil, nil, err
		}
		lp = res.Msg
	} else {
		named := &corev1.NamedEntityIdentifier{Project: s.Project, Domain: s.Domain, Name: f.launchPlan}
		res, err := c.GetActiveLaunchPlan(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanRequest{Id: named}))
		switch {
		case err == nil:
			lp = res.Msg
		case connect.CodeOf(err) == connect.CodeNotFound:
			// No active version: run the newest one, as a user who just
			// registered files without --activate expects.
			list, lerr := c.ListLaunchPlans(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
				Id: named, Limit: 1, SortBy: &adminv1.Sort{Key: "created_at", Direction: adminv1.Sort_DIRECTION_DESCENDING},
			}))
			if lerr != nil {
				return nil, nil, lerr
			}
			if len(list.Msg.GetLaunchPlans()) == 0 {
				return nil, nil, fmt.Errorf("launch plan %s/%s/%s is not registered", s.Project, s.Domain, f.launchPlan)
			}
			lp = list.Msg.GetLaunchPlans()[0]
		default:
			return nil, nil, err
		}
	}
	for n, p := range lp.GetClosure().GetExpectedInputs().GetParameters() {
		expected[n] = p.GetVar().GetType()
	}
	return lp.GetId(), expected, nil
}

// parseInputs reads --file then --input, converting each value by the
// type the launch plan or task expects.
// parseInputFlags parses name=value flags (flag names them in messages)
// by the types in expected into out; a later value of a name wins.
func parseInputFlags(flag string, kvs []string, expected map[string]*corev1.LiteralType, out *corev1.LiteralMap) error {
	for _, kv := range kvs {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return usageErrorf("%s %q: want name=value", flag, kv)
		}
		t, known := expected[name]
		if !known {
			return usageErrorf("%s: unknown input %q (inputs: %s)", flag, name, inputList(expected))
		}
		l, err := parseLiteral(value, t)
		if err != nil {
			return usageErrorf("%s %s (%s): %v", flag, name, formatType(t), err)
		}
		out.Literals[name] = l
	}
	return nil
}

func (a *app) parseInputs(f *createExecutionFlags, expected map[string]*corev1.LiteralType) (*corev1.LiteralMap, error) {
	out := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	typeOf := func(source, name string) (*corev1.LiteralType, error) {
		t, ok := expected[name]
		if !ok {
			return nil, usageErrorf("%s: unknown input %q (inputs: %s)", source, name, inputList(expected))
		}
		return t, nil
	}
	if f.file != "" {
		data, err := a.env.ReadFile(f.file)
		if err != nil {
			return nil, usageErrorf("--file: %v", err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, usageErrorf("--file %s: not a YAML mapping of input names to values: %v", f.file, err)
		}
		for _, name := range slices.Sorted(maps.Keys(doc)) {
			t, err := typeOf("--file "+f.file, name)
			if err != nil {
				return nil, err
			}
			l, err := literalFromValue(doc[name], t)
			if err != nil {
				return nil, usageErrorf("--file %s: input %q (%s): %v", f.file, name, formatType(t), err)
			}
			out.Literals[name] = l
		}
	}
	if err := parseInputFlags("--input", f.inputs, expected, out); err != nil {
		return nil, err
	}
	return out, nil
}

// inputList names the expected inputs with their types.
func inputList(expected map[string]*corev1.LiteralType) string {
	if len(expected) == 0 {
		return "none"
	}
	var names []string
	for n := range expected {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		names[i] = n + ": " + formatType(expected[n])
	}
	return strings.Join(names, ", ")
}

// executionRef is the identifier of execution name in the settings' scope.
func executionRef(s settings, name string) *corev1.WorkflowExecutionIdentifier {
	return &corev1.WorkflowExecutionIdentifier{Project: s.Project, Domain: s.Domain, Name: name}
}

// scopedClient returns the client and settings of a command that works in
// one project and domain.
func (a *app) scopedClient(cmd *cobra.Command) (adminv1connect.AdminServiceClient, settings, error) {
	c, s, err := a.client(cmd)
	if err != nil {
		return nil, settings{}, err
	}
	if err := requireProjectDomain(s); err != nil {
		return nil, settings{}, err
	}
	return c, s, nil
}

// terminateCommand is `terminate NAME --cause "..."`.
func (a *app) terminateCommand() *cobra.Command {
	var cause string
	cmd := &cobra.Command{
		Use:   "terminate NAME",
		Short: "Abort a running execution",
		Args:  exactArgs(1, "an execution NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, s, err := a.scopedClient(cmd)
			if err != nil {
				return err
			}
			_, err = c.TerminateExecution(ctx, connect.NewRequest(&adminv1.ExecutionTerminateRequest{Id: executionRef(s, args[0]), Cause: cause}))
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "execution %s: termination requested\n", args[0])
			return nil
		}),
	}
	cmd.Flags().StringVar(&cause, "cause", "", "why the execution is terminated (recorded with it)")
	return cmd
}

// rerunCommand is `relaunch NAME` or `recover NAME`.
func (a *app) rerunCommand(recover bool) *cobra.Command {
	var name string
	var wait, overwriteCache bool
	use, short := "relaunch", "Run an execution again with the same launch plan and inputs"
	if recover {
		use, short = "recover", "Re-run what did not succeed in a finished execution, reusing the outputs of nodes that did"
	}
	cmd := &cobra.Command{
		Use:   use + " NAME",
		Short: short,
		Args:  exactArgs(1, "an execution NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, s, err := a.scopedClient(cmd)
			if err != nil {
				return err
			}
			var res *connect.Response[adminv1.ExecutionCreateResponse]
			if recover {
				res, err = c.RecoverExecution(ctx, connect.NewRequest(&adminv1.ExecutionRecoverRequest{Id: executionRef(s, args[0]), Name: name}))
			} else {
				res, err = c.RelaunchExecution(ctx, connect.NewRequest(&adminv1.ExecutionRelaunchRequest{Id: executionRef(s, args[0]), Name: name, OverwriteCache: overwriteCache}))
			}
			if err != nil {
				return err
			}
			if wait {
				fmt.Fprintf(a.stderr, "execution %s created\n", res.Msg.GetId().GetName())
				return a.waitExecution(ctx, c, res.Msg.GetId())
			}
			return a.printer().print(res.Msg, func() table {
				t := table{header: []string{"EXECUTION", "PROJECT", "DOMAIN"}}
				t.add(res.Msg.GetId().GetName(), s.Project, s.Domain)
				return t
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the new execution (default: generated)")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the new execution until it ends")
	if !recover {
		cmd.Flags().BoolVar(&overwriteCache, "overwrite-cache", false, "run cached tasks again and replace their cached outputs")
	}
	return cmd
}

// executionFailed is the error of a waited execution that did not succeed.
func executionFailed(x *adminv1.Execution) error {
	c := x.GetClosure()
	msg := fmt.Sprintf("execution %s %s", x.GetId().GetName(), enumName(c.GetPhase()))
	switch {
	case c.GetError() != nil:
		msg += ": " + c.GetError().GetMessage()
	case c.GetAbortMetadata() != nil:
		msg += ": " + c.GetAbortMetadata().GetCause()
	}
	return errors.New(msg)
}

// parseTimeFlag parses --since/--until: an RFC 3339 time, or a duration
// meaning that long before now.
func parseTimeFlag(flag, v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, usageErrorf("%s %q: want an RFC 3339 time (2024-01-31T12:00:00Z) or a duration ago (1h)", flag, v)
}
