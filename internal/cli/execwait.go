package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/term"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// waitInterval is how often --wait polls the execution.
const waitInterval = 200 * time.Millisecond

// nodeCounts summarises the top-level nodes of an execution.
type nodeCounts struct {
	total, running, done, failed int
}

// countNodes classifies node phases: done (succeeded, skipped, recovered),
// failed (failed, timed out, aborted) and running (the rest that started).
func countNodes(nodes []*adminv1.NodeExecution) nodeCounts {
	var c nodeCounts
	for _, n := range nodes {
		c.total++
		switch n.GetClosure().GetPhase() {
		case corev1.NodeExecution_PHASE_SUCCEEDED, corev1.NodeExecution_PHASE_SKIPPED, corev1.NodeExecution_PHASE_RECOVERED:
			c.done++
		case corev1.NodeExecution_PHASE_FAILED, corev1.NodeExecution_PHASE_TIMED_OUT, corev1.NodeExecution_PHASE_ABORTED:
			c.failed++
		case corev1.NodeExecution_PHASE_UNDEFINED, corev1.NodeExecution_PHASE_QUEUED:
		default:
			c.running++
		}
	}
	return c
}

// progressLine is one line of --wait progress.
func progressLine(name string, phase corev1.WorkflowExecution_Phase, c nodeCounts, elapsed time.Duration, bar bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-10s", name, enumName(phase))
	if bar && c.total > 0 {
		const width = 20
		filled := (c.done + c.failed) * width / c.total
		b.WriteString(" [" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]")
	}
	fmt.Fprintf(&b, " nodes: %d running, %d done, %d failed", c.running, c.done, c.failed)
	if bar {
		fmt.Fprintf(&b, " (%s)", elapsed.Round(100*time.Millisecond))
	}
	return b.String()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalPhase reports whether an execution has finished.
func terminalPhase(p corev1.WorkflowExecution_Phase) bool {
	switch p {
	case corev1.WorkflowExecution_PHASE_SUCCEEDED, corev1.WorkflowExecution_PHASE_FAILED,
		corev1.WorkflowExecution_PHASE_ABORTED, corev1.WorkflowExecution_PHASE_TIMED_OUT:
		return true
	}
	return false
}

// waitExecution follows an execution until it ends, showing progress on
// stdout: one updating line on a terminal, a line per change
// otherwise. It then prints the outputs, and fails unless it succeeded.
func (a *app) waitExecution(ctx context.Context, c adminv1connect.AdminServiceClient, id *corev1.WorkflowExecutionIdentifier) error {
	tty := isTerminal(a.stdout)
	start := time.Now()
	ticker := time.NewTicker(waitInterval)
	defer ticker.Stop()
	last := ""
	for {
		res, err := c.GetExecution(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetRequest{Id: id}))
		if err != nil {
			return err
		}
		x := res.Msg
		nodes, err := listAllNodes(ctx, c, id, "")
		if err != nil {
			return err
		}
		phase := x.GetClosure().GetPhase()
		line := progressLine(id.GetName(), phase, countNodes(nodes), time.Since(start), tty)
		switch {
		case tty:
			fmt.Fprintf(a.stdout, "\r\033[K%s", line)
		case line != last:
			fmt.Fprintln(a.stdout, line)
		}
		last = line
		if terminalPhase(phase) {
			if tty {
				fmt.Fprintln(a.stdout)
			}
			return a.finishWait(ctx, c, x)
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(a.stdout)
			}
			return fmt.Errorf("stopped waiting for execution %s (it keeps running): %w", id.GetName(), ctx.Err())
		case <-ticker.C:
		}
	}
}

// finishWait prints the outcome of a finished execution.
func (a *app) finishWait(ctx context.Context, c adminv1connect.AdminServiceClient, x *adminv1.Execution) error {
	if x.GetClosure().GetPhase() != corev1.WorkflowExecution_PHASE_SUCCEEDED {
		return executionFailed(x)
	}
	data, err := c.GetExecutionData(ctx, connect.NewRequest(&adminv1.WorkflowExecutionGetDataRequest{Id: x.GetId()}))
	if err != nil {
		return err
	}
	p := a.printer()
	if p.format != formatTable {
		out := data.Msg.GetFullOutputs()
		if out == nil {
			out = &corev1.LiteralMap{}
		}
		return p.print(out, nil)
	}
	fmt.Fprintln(a.stdout, "Outputs:")
	writeLiteralMap(a.stdout, data.Msg.GetFullOutputs())
	return nil
}
