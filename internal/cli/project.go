package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// registerProjectCommand is `register-project`, the seed's command.
func (a *app) registerProjectCommand() *cobra.Command {
	var name, description string
	var labels labelsValue
	cmd := &cobra.Command{
		Use:   "register-project -p ID --name NAME [--description TEXT] [--labels k=v,...]",
		Short: "Register a project",
		Example: `  flyte-cli register-project -h 127.0.0.1:8088 -p myflyteproject --name "My Flyte Project" \
    --description "My very first project onboarding onto Flyte"`,
		Args: noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("project") || strings.TrimSpace(a.project) == "" {
				return usageErrorf("-p/--project is required: the id of the project to register")
			}
			if strings.TrimSpace(name) == "" {
				return usageErrorf("--name is required: the display name of the project")
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			p := &adminv1.Project{Id: a.project, Name: name, Description: description, Labels: labels.labelsProto()}
			if _, err := c.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: p})); err != nil {
				return fmt.Errorf("register project %s: %w", a.project, err)
			}
			fmt.Fprintf(a.stdout, "registered project %s\n", a.project)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "display name (required)")
	f.StringVar(&description, "description", "", "description")
	f.Var(&labels, "labels", "labels, key=value pairs separated by commas (repeatable)")
	return cmd
}

// getProjectsCommand is `get projects [ID]`.
func (a *app) getProjectsCommand() *cobra.Command {
	var lf listFlags
	cmd := &cobra.Command{
		Use:     "projects [ID]",
		Aliases: []string{"project"},
		Short:   "List projects, or get one",
		Args:    maxArgs(1, "one project ID"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := lf.check(); err != nil {
				return err
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				resp, err := c.GetProject(ctx, connect.NewRequest(&adminv1.ProjectGetRequest{Id: args[0]}))
				if err != nil {
					return fmt.Errorf("get project %s: %w", args[0], err)
				}
				return a.printer().print(resp.Msg, func() table { return projectTable(resp.Msg) })
			}
			projects, next, err := collect(&lf, func(token string) ([]*adminv1.Project, string, error) {
				resp, err := c.ListProjects(ctx, connect.NewRequest(&adminv1.ProjectListRequest{
					Limit: lf.limit, Token: token, Filters: lf.filter, SortBy: lf.sortBy(),
				}))
				if err != nil {
					return nil, "", fmt.Errorf("list projects: %w", err)
				}
				return resp.Msg.GetProjects(), resp.Msg.GetToken(), nil
			})
			if err != nil {
				return err
			}
			msg := &adminv1.Projects{Projects: projects, Token: next}
			if err := a.printer().print(msg, func() table { return projectTable(projects...) }); err != nil {
				return err
			}
			a.morePages(next)
			return nil
		}),
	}
	lf.add(cmd)
	return cmd
}

// projectTable is the table of projects.
func projectTable(projects ...*adminv1.Project) table {
	t := table{header: []string{"ID", "NAME", "STATE", "DESCRIPTION", "LABELS"}}
	for _, p := range projects {
		t.add(p.GetId(), p.GetName(), enumName(p.GetState()), p.GetDescription(), formatLabels(p.GetLabels().GetValues()))
	}
	return t
}

// formatLabels writes labels as sorted k=v pairs.
func formatLabels(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// getDomainsCommand is `get domains`.
func (a *app) getDomainsCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "domains",
		Aliases: []string{"domain"},
		Short:   "List the domains every project has",
		Args:    noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			resp, err := c.GetDomains(ctx, connect.NewRequest(&adminv1.GetDomainRequest{}))
			if err != nil {
				return fmt.Errorf("get domains: %w", err)
			}
			return a.printer().print(resp.Msg, func() table {
				t := table{header: []string{"ID", "NAME"}}
				for _, d := range resp.Msg.GetDomains() {
					t.add(d.GetId(), d.GetName())
				}
				return t
			})
		}),
	}
}

// updateProjectCommand is `update project ID`.
func (a *app) updateProjectCommand() *cobra.Command {
	var name, description string
	var labels labelsValue
	var archive, activate bool
	cmd := &cobra.Command{
		Use:   "project ID [--name NAME] [--description TEXT] [--labels k=v,...] [--archive|--activate]",
		Short: "Change the name, description, labels or state of a project",
		Long: "Change a project. Only the given flags change; --labels replaces all labels\n" +
			"(--labels \"\" removes them).",
		Args: exactArgs(1, "the project ID"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			flags := cmd.Flags()
			if archive && activate {
				return usageErrorf("--archive and --activate cannot be combined")
			}
			if !flags.Changed("name") && !flags.Changed("description") && !labels.set && !archive && !activate {
				return usageErrorf("nothing to update: pass --name, --description, --labels, --archive or --activate")
			}
			if flags.Changed("name") && strings.TrimSpace(name) == "" {
				return usageErrorf("--name may not be empty")
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			id := args[0]
			// UpdateProject replaces the whole project, so start from the
			// stored one and change only what was asked.
			got, err := c.GetProject(ctx, connect.NewRequest(&adminv1.ProjectGetRequest{Id: id}))
			if err != nil {
				return fmt.Errorf("get project %s: %w", id, err)
			}
			p := got.Msg
			p.Domains = nil // computed by the server
			if flags.Changed("name") {
				p.Name = name
			}
			if flags.Changed("description") {
				p.Description = description
			}
			if labels.set {
				p.Labels = labels.labelsProto()
			}
			switch {
			case archive:
				p.State = adminv1.Project_PROJECT_STATE_ARCHIVED
			case activate:
				p.State = adminv1.Project_PROJECT_STATE_ACTIVE
			}
			if _, err := c.UpdateProject(ctx, connect.NewRequest(p)); err != nil {
				return fmt.Errorf("update project %s: %w", id, err)
			}
			fmt.Fprintf(a.stdout, "updated project %s\n", id)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "new display name")
	f.StringVar(&description, "description", "", "new description")
	f.Var(&labels, "labels", "new labels, key=value pairs separated by commas (replaces all labels)")
	f.BoolVar(&archive, "archive", false, "archive the project")
	f.BoolVar(&activate, "activate", false, "make an archived project active again")
	return cmd
}
