package cli

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// entityKind is what `get tasks|workflows|launchplans` needs to know about
// one kind of versioned entity.
type entityKind[T proto.Message] struct {
	// plural is the command name ("tasks").
	plural string
	// noun is the singular, an alias of the command ("task").
	noun string
	// title is the singular in messages ("launch plan").
	title string
	// resourceType goes into the identifier of a get.
	resourceType corev1.ResourceType
	// listIDs lists the names of the kind in a project and domain.
	listIDs func(context.Context, adminv1connect.AdminServiceClient, *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error)
	// listVersions lists versions, returning the page and the next token.
	listVersions func(context.Context, adminv1connect.AdminServiceClient, *adminv1.ResourceListRequest) ([]T, string, error)
	// listMessage wraps listed versions in the kind's list message.
	listMessage func(items []T, token string) proto.Message
	// get gets one version.
	get func(context.Context, adminv1connect.AdminServiceClient, *corev1.Identifier) (T, error)
	// header and row make the table of versions.
	header []string
	row    func(T) []string
}

// entityQuery is what one `get <kind>` invocation asks for.
type entityQuery struct {
	project, domain, name, version string
}

// getEntityCommand builds `get <kind> [NAME]`: without NAME it lists the
// names in the project and domain, with NAME the versions of that name,
// and with --version one version. special, when not nil, may handle the
// invocation itself (returning true).
func getEntityCommand[T proto.Message](a *app, k entityKind[T], special func(context.Context, *cobra.Command, adminv1connect.AdminServiceClient, entityQuery, *listFlags) (bool, error)) *cobra.Command {
	var lf listFlags
	var version string
	cmd := &cobra.Command{
		Use:     k.plural + " [NAME] [--version V]",
		Aliases: []string{k.noun},
		Short:   fmt.Sprintf("List %s names, the versions of one name, or get one version", k.title),
		Args:    maxArgs(1, "one "+k.title+" NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := lf.check(); err != nil {
				return err
			}
			q := entityQuery{version: version}
			if len(args) == 1 {
				q.name = args[0]
			}
			if q.version != "" && q.name == "" {
				return usageErrorf("--version needs a %s NAME", k.title)
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := requireProjectDomain(s); err != nil {
				return err
			}
			q.project, q.domain = s.Project, s.Domain
			if special != nil {
				if handled, err := special(ctx, cmd, c, q, &lf); handled || err != nil {
					return err
				}
			}
			switch {
			case q.name == "":
				return a.listNames(ctx, c, k.listIDs, k.plural, q, &lf)
			case q.version == "":
				return listVersions(ctx, a, c, k, q, &lf)
			default:
				id := &corev1.Identifier{ResourceType: k.resourceType, Project: q.project, Domain: q.domain, Name: q.name, Version: q.version}
				got, err := k.get(ctx, c, id)
				if err != nil {
					return fmt.Errorf("get %s %s: %w", k.title, formatID(id), err)
				}
				return a.printer().print(got, func() table {
					return table{header: k.header, rows: [][]string{k.row(got)}}
				})
			}
		}),
	}
	lf.add(cmd)
	cmd.Flags().StringVar(&version, "version", "", "version to get (needs NAME)")
	return cmd
}

// listNames lists the names of one kind of entity.
func (a *app) listNames(ctx context.Context, c adminv1connect.AdminServiceClient,
	listIDs func(context.Context, adminv1connect.AdminServiceClient, *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error),
	plural string, q entityQuery, lf *listFlags,
) error {
	ids, next, err := collect(lf, func(token string) ([]*corev1.NamedEntityIdentifier, string, error) {
		resp, err := listIDs(ctx, c, &adminv1.NamedEntityIdentifierListRequest{
			Project: q.project, Domain: q.domain, Limit: lf.limit, Token: token, SortBy: lf.sortBy(), Filters: lf.filter,
		})
		if err != nil {
			return nil, "", fmt.Errorf("list %s in %s/%s: %w", plural, q.project, q.domain, err)
		}
		return resp.GetEntities(), resp.GetToken(), nil
	})
	if err != nil {
		return err
	}
	msg := &adminv1.NamedEntityIdentifierList{Entities: ids, Token: next}
	if err := a.printer().print(msg, func() table {
		t := table{header: []string{"PROJECT", "DOMAIN", "NAME"}}
		for _, id := range ids {
			t.add(id.GetProject(), id.GetDomain(), id.GetName())
		}
		return t
	}); err != nil {
		return err
	}
	a.morePages(next)
	return nil
}

// listVersions lists the versions of one name.
func listVersions[T proto.Message](ctx context.Context, a *app, c adminv1connect.AdminServiceClient, k entityKind[T], q entityQuery, lf *listFlags) error {
	items, next, err := collect(lf, func(token string) ([]T, string, error) {
		items, next, err := k.listVersions(ctx, c, &adminv1.ResourceListRequest{
			Id:    &corev1.NamedEntityIdentifier{Project: q.project, Domain: q.domain, Name: q.name},
			Limit: lf.limit, Token: token, Filters: lf.filter, SortBy: lf.sortBy(),
		})
		if err != nil {
			return nil, "", fmt.Errorf("list versions of %s %s/%s/%s: %w", k.title, q.project, q.domain, q.name, err)
		}
		return items, next, nil
	})
	if err != nil {
		return err
	}
	if err := a.printer().print(k.listMessage(items, next), func() table {
		t := table{header: k.header}
		for _, it := range items {
			t.add(k.row(it)...)
		}
		return t
	}); err != nil {
		return err
	}
	a.morePages(next)
	return nil
}

// formatID writes an identifier as project/domain/name@version.
func formatID(id *corev1.Identifier) string {
	s := id.GetProject() + "/" + id.GetDomain() + "/" + id.GetName()
	if id.GetVersion() != "" {
		s += "@" + id.GetVersion()
	}
	return s
}

// taskKind describes tasks.
var taskKind = entityKind[*adminv1.Task]{
	plural: "tasks", noun: "task", title: "task", resourceType: corev1.ResourceType_RESOURCE_TYPE_TASK,
	listIDs: func(ctx context.Context, c adminv1connect.AdminServiceClient, r *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
		resp, err := c.ListTaskIds(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	},
	listVersions: func(ctx context.Context, c adminv1connect.AdminServiceClient, r *adminv1.ResourceListRequest) ([]*adminv1.Task, string, error) {
		resp, err := c.ListTasks(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, "", err
		}
		return resp.Msg.GetTasks(), resp.Msg.GetToken(), nil
	},
	listMessage: func(items []*adminv1.Task, token string) proto.Message {
		return &adminv1.TaskList{Tasks: items, Token: token}
	},
	get: func(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.Identifier) (*adminv1.Task, error) {
		resp, err := c.GetTask(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: id}))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	},
	header: []string{"NAME", "VERSION", "TYPE", "CREATED", "DESCRIPTION"},
	row: func(t *adminv1.Task) []string {
		return []string{
			t.GetId().GetName(), t.GetId().GetVersion(), t.GetClosure().GetCompiledTask().GetTemplate().GetType(),
			formatTime(t.GetClosure().GetCreatedAt()), t.GetShortDescription(),
		}
	},
}

// workflowKind describes workflows.
var workflowKind = entityKind[*adminv1.Workflow]{
	plural: "workflows", noun: "workflow", title: "workflow", resourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW,
	listIDs: func(ctx context.Context, c adminv1connect.AdminServiceClient, r *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
		resp, err := c.ListWorkflowIds(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	},
	listVersions: func(ctx context.Context, c adminv1connect.AdminServiceClient, r *adminv1.ResourceListRequest) ([]*adminv1.Workflow, string, error) {
		resp, err := c.ListWorkflows(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, "", err
		}
		return resp.Msg.GetWorkflows(), resp.Msg.GetToken(), nil
	},
	listMessage: func(items []*adminv1.Workflow, token string) proto.Message {
		return &adminv1.WorkflowList{Workflows: items, Token: token}
	},
	get: func(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.Identifier) (*adminv1.Workflow, error) {
		resp, err := c.GetWorkflow(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: id}))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	},
	header: []string{"NAME", "VERSION", "CREATED", "DESCRIPTION"},
	row: func(w *adminv1.Workflow) []string {
		return []string{w.GetId().GetName(), w.GetId().GetVersion(), formatTime(w.GetClosure().GetCreatedAt()), w.GetShortDescription()}
	},
}

// launchPlanKind describes launch plans.
var launchPlanKind = entityKind[*adminv1.LaunchPlan]{
	plural: "launchplans", noun: "launchplan", title: "launch plan", resourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN,
	listIDs: func(ctx context.Context, c adminv1connect.AdminServiceClient, r *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
		resp, err := c.ListLaunchPlanIds(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	},
	listVersions: func(ctx context.Context, c adminv1connect.AdminServiceClient, r *adminv1.ResourceListRequest) ([]*adminv1.LaunchPlan, string, error) {
		resp, err := c.ListLaunchPlans(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, "", err
		}
		return resp.Msg.GetLaunchPlans(), resp.Msg.GetToken(), nil
	},
	listMessage: func(items []*adminv1.LaunchPlan, token string) proto.Message {
		return &adminv1.LaunchPlanList{LaunchPlans: items, Token: token}
	},
	get: func(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.Identifier) (*adminv1.LaunchPlan, error) {
		resp, err := c.GetLaunchPlan(ctx, connect.NewRequest(&adminv1.ObjectGetRequest{Id: id}))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	},
	header: []string{"NAME", "VERSION", "STATE", "WORKFLOW", "SCHEDULE", "CREATED"},
	row: func(lp *adminv1.LaunchPlan) []string {
		wf := lp.GetSpec().GetWorkflowId()
		return []string{
			lp.GetId().GetName(), lp.GetId().GetVersion(), enumName(lp.GetClosure().GetState()),
			wf.GetName() + "@" + wf.GetVersion(), formatSchedule(lp.GetSpec().GetEntityMetadata().GetSchedule()),
			formatTime(lp.GetClosure().GetCreatedAt()),
		}
	},
}

// formatSchedule writes a launch plan schedule for a table.
func formatSchedule(s *adminv1.Schedule) string {
	switch {
	case s.GetCronSchedule() != nil:
		out := "cron(" + s.GetCronSchedule().GetSchedule() + ")"
		if off := s.GetCronSchedule().GetOffset(); off != "" {
			out += " offset " + off
		}
		return out
	case s.GetRate() != nil:
		unit := strings.ToLower(enumName(s.GetRate().GetUnit()))
		if s.GetRate().GetValue() != 1 {
			unit += "s"
		}
		return fmt.Sprintf("every %d %s", s.GetRate().GetValue(), unit)
	default:
		return ""
	}
}

// activeLaunchPlans handles `get launchplans --active`: the active version
// of NAME, or every active launch plan of the project and domain.
func (a *app) activeLaunchPlans(active *bool) func(context.Context, *cobra.Command, adminv1connect.AdminServiceClient, entityQuery, *listFlags) (bool, error) {
	return func(ctx context.Context, cmd *cobra.Command, c adminv1connect.AdminServiceClient, q entityQuery, lf *listFlags) (bool, error) {
		if !*active {
			return false, nil
		}
		if q.version != "" {
			return true, usageErrorf("--active and --version cannot be combined")
		}
		if lf.filter != "" {
			return true, usageErrorf("--filter cannot be used with --active")
		}
		rows := func(lps []*adminv1.LaunchPlan) func() table {
			return func() table {
				t := table{header: launchPlanKind.header}
				for _, lp := range lps {
					t.add(launchPlanKind.row(lp)...)
				}
				return t
			}
		}
		if q.name != "" {
			resp, err := c.GetActiveLaunchPlan(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanRequest{
				Id: &corev1.NamedEntityIdentifier{Project: q.project, Domain: q.domain, Name: q.name},
			}))
			if err != nil {
				return true, fmt.Errorf("get active launch plan %s/%s/%s: %w", q.project, q.domain, q.name, err)
			}
			return true, a.printer().print(resp.Msg, rows([]*adminv1.LaunchPlan{resp.Msg}))
		}
		lps, next, err := collect(lf, func(token string) ([]*adminv1.LaunchPlan, string, error) {
			resp, err := c.ListActiveLaunchPlans(ctx, connect.NewRequest(&adminv1.ActiveLaunchPlanListRequest{
				Project: q.project, Domain: q.domain, Limit: lf.limit, Token: token, SortBy: lf.sortBy(),
			}))
			if err != nil {
				return nil, "", fmt.Errorf("list active launch plans in %s/%s: %w", q.project, q.domain, err)
			}
			return resp.Msg.GetLaunchPlans(), resp.Msg.GetToken(), nil
		})
		if err != nil {
			return true, err
		}
		if err := a.printer().print(&adminv1.LaunchPlanList{LaunchPlans: lps, Token: next}, rows(lps)); err != nil {
			return true, err
		}
		a.morePages(next)
		return true, nil
	}
}

// getLaunchPlansCommand is `get launchplans`, with --active.
func (a *app) getLaunchPlansCommand() *cobra.Command {
	var active bool
	cmd := getEntityCommand(a, launchPlanKind, a.activeLaunchPlans(&active))
	cmd.Use = "launchplans [NAME] [--version V | --active]"
	cmd.Flags().BoolVar(&active, "active", false, "only active launch plans (with NAME: the active version of NAME)")
	return cmd
}

// updateLaunchPlanCommand is `update launchplan NAME --version V --activate|--deactivate`.
func (a *app) updateLaunchPlanCommand() *cobra.Command {
	var version string
	var activate, deactivate bool
	cmd := &cobra.Command{
		Use:   "launchplan NAME --version V --activate|--deactivate",
		Short: "Activate or deactivate a launch plan version",
		Long: "Activate or deactivate a launch plan version. Activating a version deactivates\n" +
			"the other versions of the name; an active launch plan's schedule runs.",
		Args: exactArgs(1, "the launch plan NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if activate == deactivate {
				return usageErrorf("pass exactly one of --activate and --deactivate")
			}
			if strings.TrimSpace(version) == "" {
				return usageErrorf("--version is required")
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := requireProjectDomain(s); err != nil {
				return err
			}
			id := &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN,
				Project:      s.Project, Domain: s.Domain, Name: args[0], Version: version,
			}
			return a.setLaunchPlanState(ctx, c, id, activate)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&version, "version", "", "launch plan version (required)")
	f.BoolVar(&activate, "activate", false, "make the version the active one")
	f.BoolVar(&deactivate, "deactivate", false, "deactivate the version")
	return cmd
}

// setLaunchPlanState activates or deactivates one launch plan version and
// says so.
func (a *app) setLaunchPlanState(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.Identifier, activate bool) error {
	state, verb := adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE, "deactivate"
	if activate {
		state, verb = adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE, "activate"
	}
	if _, err := c.UpdateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{Id: id, State: state})); err != nil {
		return fmt.Errorf("%s launch plan %s: %w", verb, formatID(id), err)
	}
	fmt.Fprintf(a.stdout, "%sd launch plan %s\n", verb, formatID(id))
	return nil
}
