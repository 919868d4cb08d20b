package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// getExecutionFlags are the flags of `get execution(s)`.
type getExecutionFlags struct {
	list                             listFlags
	phase, workflow, launchPlan      string
	since, until                     string
	details, showInputs, showOutputs bool
}

// getExecutionCommand is `get executions` (a list) and `get execution NAME`.
func (a *app) getExecutionCommand() *cobra.Command {
	var f getExecutionFlags
	cmd := &cobra.Command{
		Use:     "executions [NAME]",
		Aliases: []string{"execution"},
		Short:   "List executions, or show one",
		Long: "Without NAME, list the executions of the project and domain, newest first\n" +
			"(filters: --phase, --workflow, --launchplan, --since/--until, --filter).\n" +
			"With NAME, show one execution; --details adds its node tree (phases, attempts,\n" +
			"durations, errors, cache status), --inputs and --outputs its data.",
		Args: maxArgs(1, "one execution NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, s, err := a.scopedClient(cmd)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				return a.showExecution(ctx, c, executionRef(s, args[0]), &f)
			}
			return a.listExecutions(ctx, c, s, &f)
		}),
	}
	f.list.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.phase, "phase", "", "only executions in this phase (queued, running, succeeded, failed, aborted, timed_out, ...)")
	fl.StringVar(&f.workflow, "workflow", "", "only executions of this workflow name")
	fl.StringVar(&f.launchPlan, "launchplan", "", "only executions of this launch plan name")
	fl.StringVar(&f.since, "since", "", "only executions created at or after this time (RFC 3339, or a duration ago such as 24h)")
	fl.StringVar(&f.until, "until", "", "only executions created at or before this time (RFC 3339, or a duration ago)")
	fl.BoolVar(&f.details, "details", false, "with NAME: show the node tree")
	fl.BoolVar(&f.showInputs, "inputs", false, "with NAME: show the inputs")
	fl.BoolVar(&f.showOutputs, "outputs", false, "with NAME: show the outputs")
	return cmd
}

// executionFilters builds the filter expression of the list flags.
func executionFilters(f *getExecutionFlags, now time.Time) (string, error) {
	var parts []string
	if f.phase != "" {
		p, err := parseEnum(corev1.WorkflowExecution_Phase(0).Descriptor(), "--phase", f.phase)
		if err != nil {
			return "", err
		}
		parts = append(parts, "eq(phase,"+enumName(corev1.WorkflowExecution_Phase(p))+")")
	}
	for _, kv := range []struct{ field, value string }{{"workflow.name", f.workflow}, {"launch_plan.name", f.launchPlan}} {
		if kv.value == "" {
			continue
		}
		if strings.ContainsAny(kv.value, "(),+;") {
			return "", usageErrorf("%s %q: names cannot contain ( ) , + ;", kv.field, kv.value)
		}
		parts = append(parts, "eq("+kv.field+","+kv.value+")")
	}
	for _, tf := range []struct{ flag, op, value string }{{"--since", "gte", f.since}, {"--until", "lte", f.until}} {
		if tf.value == "" {
			continue
		}
		t, err := parseTimeFlag(tf.flag, tf.value, now)
		if err != nil {
			return "", err
		}
		parts = append(parts, tf.op+"(created_at,"+t.Format(time.RFC3339Nano)+")")
	}
	if strings.TrimSpace(f.list.filter) != "" {
		parts = append(parts, f.list.filter)
	}
	return strings.Join(parts, "+"), nil
}

func (a *app) listExecutions(ctx context.Context, c adminv1connect.AdminServiceClient, s settings, f *getExecutionFlags) error {
	if err := f.list.check(); err != nil {
		return err
	}
	if f.details || f.showInputs || f.showOutputs {
		return usageErrorf("--details, --inputs and --outputs need an execution NAME")
	}
	filters, err := executionFilters(f, time.Now())
	if err != nil {
		return err
	}
	items, next, err := collect(&f.list, func(token string) ([]*adminv1.Execution, string, error) {
		res, err := c.ListExecutions(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
			Id:    &corev1.NamedEntityIdentifier{Project: s.Project, Domain: s.Domain},
			Limit: f.list.limit, Token: token, Filters: filters, SortBy: f.list.sortBy(),
		}))
		if err != nil {
			return nil, "", err
		}
		return res.Msg.GetExecutions(), res.Msg.GetToken(), nil
	})
	if err != nil {
		return err
	}
	err = a.printer().print(&adminv1.ExecutionList{Executions: items, Token: next}, func() table {
		t := table{header: []string{"NAME", "LAUNCH PLAN", "VERSION", "PHASE", "STARTED", "DURATION", "MODE"}}
		for _, x := range items {
			lp := x.GetSpec().GetLaunchPlan()
			t.add(x.GetId().GetName(), lp.GetName(), lp.GetVersion(), enumName(x.GetClosure().GetPhase()),
				formatTime(x.GetClosure().GetStartedAt()), formatDuration(x.GetClosure().GetDuration()),
				enumName(x.GetSpec().GetMetadata().GetMode()))
		}
		return t
	})
	if err != nil {
		return err
	}
	a.morePages(next)
	return nil
}

// formatDuration renders a duration for tables, rounded to milliseconds.
func formatDuration(d *durationpb.Duration) string {
	if d == nil {
		return ""
	}
	return d.AsDuration().Round(time.Millisecond).String()
}

func (a *app) showExecution(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.WorkflowExecutionIdentifier, f *getExecutionFlags) error {
	res, err := c.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: id}))
	if err != nil {
		return err
	}
	x := res.Msg
	p := a.printer()
	if p.format != formatTable {
		if err := p.print(x, nil); err != nil {
			return err
		}
		if f.showInputs || f.showOutputs {
			data, err := c.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: id}))
			if err != nil {
				return err
			}
			return p.print(data.Msg, nil)
		}
		return nil
	}
	w := a.stdout
	cl := x.GetClosure()
	meta := x.GetSpec().GetMetadata()
	fmt.Fprintf(w, "Name:         %s\n", x.GetId().GetName())
	fmt.Fprintf(w, "Project:      %s/%s\n", x.GetId().GetProject(), x.GetId().GetDomain())
	fmt.Fprintf(w, "Launch plan:  %s\n", formatID(x.GetSpec().GetLaunchPlan()))
	fmt.Fprintf(w, "Workflow:     %s\n", formatID(cl.GetWorkflowId()))
	fmt.Fprintf(w, "Phase:        %s\n", enumName(cl.GetPhase()))
	fmt.Fprintf(w, "Mode:         %s by %s\n", enumName(meta.GetMode()), meta.GetPrincipal())
	if ref := meta.GetReferenceExecution(); ref != nil {
		fmt.Fprintf(w, "Reference:    %s\n", ref.GetName())
	}
	fmt.Fprintf(w, "Created:      %s\n", formatTime(cl.GetCreatedAt()))
	if cl.GetStartedAt() != nil {
		fmt.Fprintf(w, "Started:      %s\n", formatTime(cl.GetStartedAt()))
	}
	if cl.GetDuration() != nil {
		fmt.Fprintf(w, "Duration:     %s\n", formatDuration(cl.GetDuration()))
	}
	if e := cl.GetError(); e != nil {
		fmt.Fprintf(w, "Error:        %s: %s\n", e.GetCode(), oneLine(e.GetMessage()))
	}
	if am := cl.GetAbortMetadata(); am != nil {
		fmt.Fprintf(w, "Aborted:      %s (by %s)\n", am.GetCause(), am.GetPrincipal())
	}
	if f.details {
		fmt.Fprintln(w, "\nNodes:")
		t := table{header: []string{"NODE", "PHASE", "ATTEMPTS", "DURATION", "CACHE", "ERROR"}}
		if err := a.nodeTree(ctx, c, id, "", 0, &t); err != nil {
			return err
		}
		if err := writeTable(w, t); err != nil {
			return err
		}
	}
	if f.showInputs || f.showOutputs {
		data, err := c.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: id}))
		if err != nil {
			return err
		}
		if f.showInputs {
			fmt.Fprintln(w, "\nInputs:")
			writeLiteralMap(w, data.Msg.GetFullInputs())
		}
		if f.showOutputs {
			fmt.Fprintln(w, "\nOutputs:")
			writeLiteralMap(w, data.Msg.GetFullOutputs())
		}
	}
	return nil
}

// maxTreeDepth bounds the node tree printed by --details.
const maxTreeDepth = 16

// nodeTree adds the nodes under parent ("" for the top level) to t,
// indented by depth, with their attempts and children.
func (a *app) nodeTree(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.WorkflowExecutionIdentifier, parent string, depth int, t *table) error {
	if depth > maxTreeDepth {
		return nil
	}
	nodes, err := listAllNodes(ctx, c, id, parent)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		nid := n.GetId().GetNodeId()
		cl := n.GetClosure()
		attempts := ""
		tasks, err := c.ListTaskExecutions(ctx, connect.NewRequest(&adminv1.TaskExecutionListRequest{NodeExecutionId: n.GetId()}))
		if err != nil {
			return err
		}
		if k := len(tasks.Msg.GetTaskExecutions()); k > 0 {
			attempts = strconv.Itoa(k)
		}
		errText := ""
		if e := cl.GetError(); e != nil {
			errText = oneLine(e.GetMessage())
		} else if k := len(tasks.Msg.GetTaskExecutions()); k > 0 {
			if e := tasks.Msg.GetTaskExecutions()[k-1].GetClosure().GetError(); e != nil {
				errText = oneLine(e.GetMessage())
			}
		}
		cache := cacheCell(cl.GetTaskNodeMetadata(), id)
		t.add(strings.Repeat("  ", depth)+nid, enumName(cl.GetPhase()), attempts, formatDuration(cl.GetDuration()), cache, errText)
		if n.GetMetadata().GetIsParentNode() {
			if err := a.nodeTree(ctx, c, id, nid, depth+1, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// listAllNodes lists every node execution under parent, all pages.
func listAllNodes(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.WorkflowExecutionIdentifier, parent string) ([]*adminv1.NodeExecution, error) {
	var out []*adminv1.NodeExecution
	token := ""
	for range maxPages {
		res, err := c.ListNodeExecutions(ctx, connect.NewRequest(&adminv1.NodeExecutionListRequest{
			WorkflowExecutionId: id, UniqueParentId: parent, Limit: 1000, Token: token,
		}))
		if err != nil {
			return nil, err
		}
		out = append(out, res.Msg.GetNodeExecutions()...)
		token = res.Msg.GetToken()
		if token == "" {
			return out, nil
		}
	}
	return out, nil
}

// oneLine keeps the first line of a message, marking what was cut.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// writeLiteralMap writes name = value lines, sorted by name.
func writeLiteralMap(w io.Writer, m *corev1.LiteralMap) {
	lits := m.GetLiterals()
	if len(lits) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	names := make([]string, 0, len(lits))
	for n := range lits {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %s = %s\n", n, formatLiteral(lits[n]))
	}
}

// cacheCell is a node's cache status for the CACHE column; a hit names the
// execution whose outputs it reused ("HIT from e1").
func cacheCell(tm *adminv1.TaskNodeMetadata, exec *corev1.WorkflowExecutionIdentifier) string {
	if tm.GetCacheStatus() == corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_DISABLED {
		return ""
	}
	cell := enumName(tm.GetCacheStatus())
	src := tm.GetCatalogKey().GetSourceTaskExecution().GetNodeExecutionId().GetExecutionId()
	if tm.GetCacheStatus() == corev1.CatalogCacheStatus_CATALOG_CACHE_STATUS_HIT && src.GetName() != "" && src.GetName() != exec.GetName() {
		cell += " from " + src.GetName()
	}
	return cell
}
