package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/authoring"
)

// registerFilesCommand is `register files FILE...`.
func (a *app) registerFilesCommand() *cobra.Command {
	var version string
	var activate, dryRun bool
	cmd := &cobra.Command{
		Use:   "files FILE... -p P -d D --version V [--activate] [--dry-run]",
		Short: "Register the tasks, workflows and launch plans defined in files",
		Long: "Decode the files, then register their tasks, then their workflows, then their\n" +
			"launch plans, printing one line per entity. Project, domain and version come from\n" +
			"-p, -d and --version (project and domain default to the config file) or from the\n" +
			"files; where both give one they must agree. Registering identical content again\n" +
			"is not an error. The first error stops the registration. --activate activates the\n" +
			"launch plans afterwards; --dry-run only decodes and prints.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("%s needs at least one FILE", cmd.CommandPath())
			}
			return nil
		},
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			s, err := a.settings(cmd)
			if err != nil {
				return err
			}
			bundle, err := authoring.DecodeFiles(args, authoring.Options{Project: s.Project, Domain: s.Domain, Version: version})
			if err != nil {
				return usageErrorf("%v", err)
			}
			if bundleEmpty(bundle) {
				return usageErrorf("%v", errNoEntities)
			}
			if dryRun {
				return a.printPlan(bundle, activate)
			}
			c, err := newAdminClient(s, a.timeout, a.env.ReadFile)
			if err != nil {
				return err
			}
			return a.register(ctx, c, bundle, activate)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&version, "version", "", "version of every registered entity (unless the files set it)")
	f.BoolVar(&activate, "activate", false, "activate the launch plans after registering them")
	f.BoolVar(&dryRun, "dry-run", false, "decode and print what would be registered without contacting the server (-o json|yaml: the entities as an idl/v1 file)")
	return cmd
}

// printPlan prints what register would do: one line per step in table
// format, or the decoded entities as a file of the IDL format in json and
// yaml (which `register files` reads back).
func (a *app) printPlan(b *authoring.Bundle, activate bool) error {
	p := a.printer()
	if p.format != formatTable {
		data, err := authoring.Encode(b)
		if err != nil {
			return err
		}
		return p.writeJSON(bytes.TrimRight(data, "\n"))
	}
	for _, e := range b.Ordered() {
		kind, id := entityOf(e)
		fmt.Fprintf(a.stdout, "would register %s %s\n", kind, formatID(id))
	}
	if activate {
		for _, lp := range b.LaunchPlans {
			fmt.Fprintf(a.stdout, "would activate launch plan %s\n", formatID(lp.GetId()))
		}
	}
	return nil
}

// entityOf names the kind and id of a bundle entity.
func entityOf(e authoring.Entity) (string, *corev1.Identifier) {
	switch {
	case e.Task != nil:
		return "task", e.Task.GetId()
	case e.Workflow != nil:
		return "workflow", e.Workflow.GetId()
	default:
		return "launch plan", e.LaunchPlan.GetId()
	}
}

// register creates the bundle's entities in an order the server accepts
// (tasks, then each workflow after what it uses, each launch plan after its
// workflow), stopping at the first error.
func (a *app) register(ctx context.Context, c adminv1connect.AdminServiceClient, b *authoring.Bundle, activate bool) error {
	for _, e := range b.Ordered() {
		var err error
		switch {
		case e.Task != nil:
			_, err = c.CreateTask(ctx, connect.NewRequest(e.Task))
		case e.Workflow != nil:
			_, err = c.CreateWorkflow(ctx, connect.NewRequest(e.Workflow))
		default:
			_, err = c.CreateLaunchPlan(ctx, connect.NewRequest(e.LaunchPlan))
		}
		kind, id := entityOf(e)
		if err := a.reportRegistered(kind, id, err); err != nil {
			return err
		}
	}
	if activate {
		for _, lp := range b.LaunchPlans {
			if err := a.setLaunchPlanState(ctx, c, lp.GetId(), true); err != nil {
				return err
			}
		}
	}
	return nil
}

// reportRegistered prints the outcome of one create call. Registration is
// idempotent: the server answers success when identical content is
// registered again, and AlreadyExists (with what differs) when other content
// holds the id, which is an error.
func (a *app) reportRegistered(kind string, id *corev1.Identifier, err error) error {
	if err != nil {
		return fmt.Errorf("register %s %s: %w", kind, formatID(id), err)
	}
	fmt.Fprintf(a.stdout, "registered %s %s\n", kind, formatID(id))
	return nil
}

// errNoEntities is returned when the files define nothing to register.
var errNoEntities = errors.New("the files define no task, workflow or launch plan")

// bundleEmpty reports whether b has nothing to register.
func bundleEmpty(b *authoring.Bundle) bool {
	return len(b.Tasks) == 0 && len(b.Workflows) == 0 && len(b.LaunchPlans) == 0
}
