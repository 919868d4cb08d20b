package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
)

// Matchable attributes live at three levels: a project (every domain), one
// domain of a project, or one workflow name in a project and domain. The
// level is chosen by which of project, domain and workflow are given. The
// domain is therefore taken only from -d/--domain or the attribute file,
// never from the config file's default domain, since leaving it out is how
// the project level is asked for.

// attrTarget is the level and kind of one matchable setting.
type attrTarget struct {
	project, domain, workflow string
	resource                  adminv1.MatchableResource
}

// String describes the target for messages.
func (t attrTarget) String() string {
	s := enumName(t.resource) + " attributes of project " + t.project
	if t.domain != "" {
		s += " domain " + t.domain
	}
	if t.workflow != "" {
		s += " workflow " + t.workflow
	}
	return s
}

// check rejects a target that names no level.
func (t attrTarget) check() error {
	if t.project == "" {
		return usageErrorf("project is required: pass -p/--project, set project in the attribute file or the config file")
	}
	if t.workflow != "" && t.domain == "" {
		return usageErrorf("workflow %q needs a domain: pass -d/--domain or set domain in the attribute file", t.workflow)
	}
	return nil
}

// attrFlags are the flags shared by the attribute commands.
type attrFlags struct {
	workflow string
	file     string
}

// attrTarget resolves the level from the flags, the attribute file (may be
// nil) and the config file's default project.
func (a *app) attrTarget(cmd *cobra.Command, af *attrFlags, file *adminv1.MatchableAttributesConfiguration) (attrTarget, error) {
	flags := cmd.Flags()
	var t attrTarget
	if file != nil {
		t.project, t.domain, t.workflow = file.GetProject(), file.GetDomain(), file.GetWorkflow()
	}
	if flags.Changed("project") {
		t.project = a.project
	}
	if flags.Changed("domain") {
		t.domain = a.domain
	}
	if flags.Changed("workflow") {
		t.workflow = af.workflow
	}
	if t.project == "" && !flags.Changed("project") {
		s, err := a.settings(cmd)
		if err != nil {
			return attrTarget{}, err
		}
		t.project = s.Project
	}
	return t, t.check()
}

// parseAttrFile decodes an attribute file: YAML (or JSON) of a
// MatchableAttributesConfiguration, the same shape `get attributes -o
// yaml` prints. Exactly one kind of setting must be set under attributes,
// and launchPlan is not a level these commands manage.
func parseAttrFile(data []byte) (*adminv1.MatchableAttributesConfiguration, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	cfg := &adminv1.MatchableAttributesConfiguration{}
	if err := protojson.Unmarshal(js, cfg); err != nil {
		return nil, err
	}
	if cfg.GetAttributes().GetTarget() == nil {
		return nil, fmt.Errorf("attributes: no setting given (for example attributes.taskResourceAttributes)")
	}
	if cfg.GetLaunchPlan() != "" {
		return nil, fmt.Errorf("launchPlan: launch plan level attributes are not supported; use project, domain and workflow")
	}
	return cfg, nil
}

// resourceOf is the kind of the setting in m.
func resourceOf(m *adminv1.MatchingAttributes) adminv1.MatchableResource {
	switch m.GetTarget().(type) {
	case *adminv1.MatchingAttributes_TaskResourceAttributes:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE
	case *adminv1.MatchingAttributes_ClusterResourceAttributes:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_CLUSTER_RESOURCE
	case *adminv1.MatchingAttributes_ExecutionQueueAttributes:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_EXECUTION_QUEUE
	case *adminv1.MatchingAttributes_ExecutionClusterLabel:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_EXECUTION_CLUSTER_LABEL
	case *adminv1.MatchingAttributes_QualityOfService:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_QUALITY_OF_SERVICE_SPECIFICATION
	case *adminv1.MatchingAttributes_PluginOverrides:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_PLUGIN_OVERRIDE
	case *adminv1.MatchingAttributes_WorkflowExecutionConfig:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_WORKFLOW_EXECUTION_CONFIG
	case *adminv1.MatchingAttributes_ClusterAssignment:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_CLUSTER_ASSIGNMENT
	default:
		return adminv1.MatchableResource_MATCHABLE_RESOURCE_UNSPECIFIED
	}
}

// parseResource parses the TYPE argument of the attribute commands.
func parseResource(s string) (adminv1.MatchableResource, error) {
	n, err := parseEnum(adminv1.MatchableResource(0).Descriptor(), "attribute type", s)
	return adminv1.MatchableResource(n), err
}

// readAttrFile reads and decodes --attr-file.
func (a *app) readAttrFile(path string) (*adminv1.MatchableAttributesConfiguration, error) {
	data, err := a.env.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read attribute file: %w", err)
	}
	cfg, err := parseAttrFile(data)
	if err != nil {
		return nil, usageErrorf("attribute file %s: %v", path, err)
	}
	return cfg, nil
}

// getAttributesCommand is `get attributes TYPE`.
func (a *app) getAttributesCommand() *cobra.Command {
	var af attrFlags
	var list bool
	cmd := &cobra.Command{
		Use:   "attributes TYPE [-p P] [-d D] [--workflow W] | TYPE --list",
		Short: "Get a matchable attribute setting, or list every setting of a type",
		Long: "Get the matchable attributes of TYPE (" + attrKinds() + ")\n" +
			"at the project level (-p), the project-domain level (-p -d) or the workflow level\n" +
			"(-p -d --workflow). The domain\n" +
			"comes only from -d, not from the config file. -o yaml prints a file that\n" +
			"`update attributes --attr-file` accepts. --list lists the settings at every level.",
		Args: exactArgs(1, "the attribute TYPE"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			rt, err := parseResource(args[0])
			if err != nil {
				return err
			}
			if list {
				return a.listAttributes(ctx, cmd, rt)
			}
			t, err := a.attrTarget(cmd, &af, nil)
			if err != nil {
				return err
			}
			t.resource = rt
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			got, err := getAttributes(ctx, c, t)
			if err != nil {
				return fmt.Errorf("get %s: %w", t, err)
			}
			cfg := &adminv1.MatchableAttributesConfiguration{Attributes: got, Project: t.project, Domain: t.domain, Workflow: t.workflow}
			return a.printer().print(cfg, func() table { return attributesTable(cfg) })
		}),
	}
	cmd.Flags().StringVar(&af.workflow, "workflow", "", "workflow name (workflow level; needs -d)")
	cmd.Flags().BoolVar(&list, "list", false, "list the settings of TYPE at every level")
	return cmd
}

// listAttributes lists every stored setting of one kind.
func (a *app) listAttributes(ctx context.Context, cmd *cobra.Command, rt adminv1.MatchableResource) error {
	c, _, err := a.client(cmd)
	if err != nil {
		return err
	}
	resp, err := c.ListMatchableAttributes(ctx, connect.NewRequest(&adminv1.ListMatchableAttributesRequest{ResourceType: rt}))
	if err != nil {
		return fmt.Errorf("list %s attributes: %w", enumName(rt), err)
	}
	return a.printer().print(resp.Msg, func() table { return attributesTable(resp.Msg.GetConfigurations()...) })
}

// attributesTable is the table of settings; the value is compact JSON.
func attributesTable(cfgs ...*adminv1.MatchableAttributesConfiguration) table {
	t := table{header: []string{"PROJECT", "DOMAIN", "WORKFLOW", "LAUNCH_PLAN", "TYPE", "VALUE"}}
	for _, c := range cfgs {
		value := ""
		if m := c.GetAttributes(); m != nil {
			if js, err := protojson.Marshal(m); err == nil {
				var buf bytes.Buffer
				if json.Compact(&buf, js) == nil {
					value = buf.String()
				}
			}
		}
		t.add(c.GetProject(), c.GetDomain(), c.GetWorkflow(), c.GetLaunchPlan(), enumName(resourceOf(c.GetAttributes())), value)
	}
	return t
}

// getAttributes calls the Get RPC of the target's level.
func getAttributes(ctx context.Context, c adminv1connect.AdminServiceClient, t attrTarget) (*adminv1.MatchingAttributes, error) {
	switch {
	case t.workflow != "":
		resp, err := c.GetWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesGetRequest{
			Project: t.project, Domain: t.domain, Workflow: t.workflow, ResourceType: t.resource,
		}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetAttributes().GetMatchingAttributes(), nil
	case t.domain != "":
		resp, err := c.GetProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesGetRequest{
			Project: t.project, Domain: t.domain, ResourceType: t.resource,
		}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetAttributes().GetMatchingAttributes(), nil
	default:
		resp, err := c.GetProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesGetRequest{
			Project: t.project, ResourceType: t.resource,
		}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetAttributes().GetMatchingAttributes(), nil
	}
}

// updateAttributesCommand is `update attributes --attr-file F`.
func (a *app) updateAttributesCommand() *cobra.Command {
	var af attrFlags
	cmd := &cobra.Command{
		Use:   "attributes --attr-file FILE [-p P] [-d D] [--workflow W]",
		Short: "Set a matchable attribute setting from a YAML file",
		Long: "Set the matchable attributes in FILE, replacing the setting of the same type at\n" +
			"the same level. FILE holds project, domain, workflow and attributes, for example:\n\n" +
			"  project: myflyteproject\n" +
			"  domain: development\n" +
			"  attributes:\n" +
			"    taskResourceAttributes:\n" +
			"      defaults: {cpu: 500m, memory: 1Gi}\n" +
			"      limits: {cpu: \"2\", memory: 4Gi}\n\n" +
			"-p, -d and --workflow override the file. Without domain the setting applies to\n" +
			"the whole project.",
		Args: noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			if af.file == "" {
				return usageErrorf("--attr-file is required")
			}
			file, err := a.readAttrFile(af.file)
			if err != nil {
				return err
			}
			t, err := a.attrTarget(cmd, &af, file)
			if err != nil {
				return err
			}
			t.resource = resourceOf(file.GetAttributes())
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := updateAttributes(ctx, c, t, file.GetAttributes()); err != nil {
				return fmt.Errorf("update %s: %w", t, err)
			}
			fmt.Fprintf(a.stdout, "updated %s\n", t)
			return nil
		}),
	}
	cmd.Flags().StringVar(&af.file, "attr-file", "", "YAML file of the setting (required)")
	cmd.Flags().StringVar(&af.workflow, "workflow", "", "workflow name (workflow level; needs a domain)")
	return cmd
}

// updateAttributes calls the Update RPC of the target's level.
func updateAttributes(ctx context.Context, c adminv1connect.AdminServiceClient, t attrTarget, m *adminv1.MatchingAttributes) error {
	var err error
	switch {
	case t.workflow != "":
		_, err = c.UpdateWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesUpdateRequest{
			Attributes: &adminv1.WorkflowAttributes{Project: t.project, Domain: t.domain, Workflow: t.workflow, MatchingAttributes: m},
		}))
	case t.domain != "":
		_, err = c.UpdateProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesUpdateRequest{
			Attributes: &adminv1.ProjectDomainAttributes{Project: t.project, Domain: t.domain, MatchingAttributes: m},
		}))
	default:
		_, err = c.UpdateProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesUpdateRequest{
			Attributes: &adminv1.ProjectAttributes{Project: t.project, MatchingAttributes: m},
		}))
	}
	return err
}

// deleteAttributesCommand is `delete attributes TYPE` or `delete attributes --attr-file F`.
func (a *app) deleteAttributesCommand() *cobra.Command {
	var af attrFlags
	cmd := &cobra.Command{
		Use:   "attributes TYPE [-p P] [-d D] [--workflow W] | --attr-file FILE",
		Short: "Delete a matchable attribute setting",
		Long: "Delete the setting of TYPE at the level given by -p, -d and --workflow, or the\n" +
			"setting a file names (its type and level; flags override the level).",
		Args: maxArgs(1, "one attribute TYPE"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var file *adminv1.MatchableAttributesConfiguration
			var rt adminv1.MatchableResource
			switch {
			case af.file != "" && len(args) == 1:
				return usageErrorf("give the attribute TYPE or --attr-file, not both")
			case af.file != "":
				var err error
				if file, err = a.readAttrFile(af.file); err != nil {
					return err
				}
				rt = resourceOf(file.GetAttributes())
			case len(args) == 1:
				var err error
				if rt, err = parseResource(args[0]); err != nil {
					return err
				}
			default:
				return usageErrorf("give the attribute TYPE or --attr-file")
			}
			t, err := a.attrTarget(cmd, &af, file)
			if err != nil {
				return err
			}
			t.resource = rt
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := deleteAttributes(ctx, c, t); err != nil {
				return fmt.Errorf("delete %s: %w", t, err)
			}
			fmt.Fprintf(a.stdout, "deleted %s\n", t)
			return nil
		}),
	}
	cmd.Flags().StringVar(&af.file, "attr-file", "", "YAML file naming the setting to delete")
	cmd.Flags().StringVar(&af.workflow, "workflow", "", "workflow name (workflow level; needs a domain)")
	return cmd
}

// deleteAttributes calls the Delete RPC of the target's level.
func deleteAttributes(ctx context.Context, c adminv1connect.AdminServiceClient, t attrTarget) error {
	var err error
	switch {
	case t.workflow != "":
		_, err = c.DeleteWorkflowAttributes(ctx, connect.NewRequest(&adminv1.WorkflowAttributesDeleteRequest{
			Project: t.project, Domain: t.domain, Workflow: t.workflow, ResourceType: t.resource,
		}))
	case t.domain != "":
		_, err = c.DeleteProjectDomainAttributes(ctx, connect.NewRequest(&adminv1.ProjectDomainAttributesDeleteRequest{
			Project: t.project, Domain: t.domain, ResourceType: t.resource,
		}))
	default:
		_, err = c.DeleteProjectAttributes(ctx, connect.NewRequest(&adminv1.ProjectAttributesDeleteRequest{
			Project: t.project, ResourceType: t.resource,
		}))
	}
	return err
}

// attrKinds lists the TYPE names for help texts.
func attrKinds() string {
	d := adminv1.MatchableResource(0).Descriptor()
	var names []string
	for i := range d.Values().Len() {
		short := strings.TrimPrefix(string(d.Values().Get(i).Name()), enumPrefix(d))
		if short != "UNSPECIFIED" {
			names = append(names, strings.ToLower(short))
		}
	}
	return strings.Join(names, ", ")
}
