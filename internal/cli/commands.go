package cli

import "github.com/spf13/cobra"

// getCommand is `get`, the read commands.
func (a *app) getCommand() *cobra.Command {
	cmd := groupCommand("get", "List or get projects, domains, tasks, workflows, launch plans, attributes, executions, signals and cached task outputs")
	cmd.AddCommand(
		a.getProjectsCommand(),
		a.getDomainsCommand(),
		getEntityCommand(a, taskKind, nil),
		getEntityCommand(a, workflowKind, nil),
		a.getLaunchPlansCommand(),
		a.getAttributesCommand(),
		a.getExecutionCommand(),
		a.getSignalsCommand(),
		a.getCacheCommand(),
	)
	return cmd
}

// updateCommand is `update`, the commands that change stored state.
func (a *app) updateCommand() *cobra.Command {
	cmd := groupCommand("update", "Change a project, a launch plan's state or matchable attributes")
	cmd.AddCommand(
		a.updateProjectCommand(),
		a.updateLaunchPlanCommand(),
		a.updateAttributesCommand(),
	)
	return cmd
}

// deleteCommand is `delete`.
func (a *app) deleteCommand() *cobra.Command {
	cmd := groupCommand("delete", "Delete matchable attributes or evict cached task outputs")
	cmd.AddCommand(a.deleteAttributesCommand(), a.deleteCacheCommand())
	return cmd
}

// registerCommand is `register`, registration of entities from files.
func (a *app) registerCommand() *cobra.Command {
	cmd := groupCommand("register", "Register tasks, workflows and launch plans")
	cmd.AddCommand(a.registerFilesCommand())
	return cmd
}
