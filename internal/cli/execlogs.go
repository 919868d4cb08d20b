package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// maxErrorBody bounds the error text read from the logs endpoint.
const maxErrorBody = 4096

// logsCommand is `logs NAME --node N [--attempt K]`.
func (a *app) logsCommand() *cobra.Command {
	var node string
	var attempt int
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Print the log of a task attempt of an execution",
		Long: "Print the stdout and stderr of one attempt of a task node: the last attempt\n" +
			"unless --attempt is given (attempts count from 0). While the attempt runs the\n" +
			"log so far is printed.",
		Args: exactArgs(1, "an execution NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if node == "" {
				return usageErrorf("--node is required (see the node ids with 'get execution %s --details')", args[0])
			}
			c, s, err := a.scopedClient(cmd)
			if err != nil {
				return err
			}
			nodeID := &corev1.NodeExecutionIdentifier{NodeId: node, ExecutionId: executionRef(s, args[0])}
			if !cmd.Flags().Changed("attempt") {
				res, err := c.ListTaskExecutions(ctx, connect.NewRequest(&adminv1.TaskExecutionListRequest{NodeExecutionId: nodeID}))
				if err != nil {
					return err
				}
				tasks := res.Msg.GetTaskExecutions()
				if len(tasks) == 0 {
					return fmt.Errorf("node %q of execution %s has no task attempts", node, args[0])
				}
				attempt = int(tasks[len(tasks)-1].GetId().GetRetryAttempt())
			} else if attempt < 0 {
				return usageErrorf("--attempt must be 0 or more")
			}
			return a.streamLogs(ctx, s, args[0], node, attempt)
		}),
	}
	cmd.Flags().StringVar(&node, "node", "", "node id")
	cmd.Flags().IntVar(&attempt, "attempt", 0, "attempt number, from 0 (default: the last)")
	return cmd
}

// streamLogs copies the log of one attempt from the server's logs route.
func (a *app) streamLogs(ctx context.Context, s settings, execution, node string, attempt int) error {
	httpClient, err := newHTTPClient(s, a.env.ReadFile)
	if err != nil {
		return err
	}
	u := strings.TrimSuffix(s.Endpoint.BaseURL, "/") + "/api/v1/logs/" + url.PathEscape(s.Project) + "/" + url.PathEscape(s.Domain) + "/" +
		url.PathEscape(execution) + "/" + url.PathEscape(node) + "/" + strconv.Itoa(attempt)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("logs request: %w", err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("get logs: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return fmt.Errorf("get logs: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	if _, err := io.Copy(a.stdout, resp.Body); err != nil {
		return fmt.Errorf("read logs: %w", err)
	}
	return nil
}
