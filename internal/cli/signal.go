package cli

import (
	"context"
	"fmt"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// signalClient returns a SignalService client and the settings, for a
// command that works in one project and domain.
func (a *app) signalClient(cmd *cobra.Command) (adminv1connect.SignalServiceClient, settings, error) {
	s, err := a.settings(cmd)
	if err != nil {
		return nil, settings{}, err
	}
	if err := requireProjectDomain(s); err != nil {
		return nil, settings{}, err
	}
	httpClient, err := newHTTPClient(s, a.env.ReadFile)
	if err != nil {
		return nil, settings{}, err
	}
	c := adminv1connect.NewSignalServiceClient(httpClient, s.Endpoint.BaseURL, connect.WithInterceptors(timeoutInterceptor(a.timeout)))
	return c, s, nil
}

// signalCommand is `signal set NAME --signal S --value V`.
func (a *app) signalCommand() *cobra.Command {
	cmd := groupCommand("signal", "Approve gates and give gate nodes their input")
	var sig, value string
	set := &cobra.Command{
		Use:   "set NAME",
		Short: "Set the value a gate node of an execution waits for",
		Long: "Set a signal of an execution once. The value is parsed by the signal's type\n" +
			"(see 'get signals NAME'): an approve gate takes true, a typed gate a value of\n" +
			"its type, written as for --input of 'create execution'.",
		Args: exactArgs(1, "an execution NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if sig == "" {
				return usageErrorf("--signal is required")
			}
			if !cmd.Flags().Changed("value") {
				return usageErrorf("--value is required")
			}
			c, s, err := a.signalClient(cmd)
			if err != nil {
				return err
			}
			exec := executionRef(s, args[0])
			res, err := c.ListSignals(ctx, connect.NewRequest(&adminv1.SignalListRequest{WorkflowExecutionId: exec}))
			if err != nil {
				return err
			}
			var typ *corev1.LiteralType
			var names []string
			for _, x := range res.Msg.GetSignals() {
				names = append(names, x.GetId().GetSignalId())
				if x.GetId().GetSignalId() == sig {
					typ = x.GetType()
				}
			}
			if typ == nil {
				return fmt.Errorf("execution %s has no signal %q yet (signals: %v); it appears when its gate node is reached", args[0], sig, names)
			}
			l, err := parseLiteral(value, typ)
			if err != nil {
				return usageErrorf("--value for signal %q (%s): %v", sig, formatType(typ), err)
			}
			_, err = c.SetSignal(ctx, connect.NewRequest(&adminv1.SignalSetRequest{
				Id: &corev1.SignalIdentifier{SignalId: sig, ExecutionId: exec}, Value: l,
			}))
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "signal %s of execution %s set to %s\n", sig, args[0], formatLiteral(l))
			return nil
		}),
	}
	set.Flags().StringVar(&sig, "signal", "", "signal id")
	set.Flags().StringVar(&value, "value", "", "value, parsed by the signal's type")
	cmd.AddCommand(set)
	return cmd
}

// getSignalsCommand is `get signals NAME`.
func (a *app) getSignalsCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "signals NAME",
		Aliases: []string{"signal"},
		Short:   "List the signals of an execution: what its gate nodes wait for",
		Args:    exactArgs(1, "an execution NAME"),
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, s, err := a.signalClient(cmd)
			if err != nil {
				return err
			}
			res, err := c.ListSignals(ctx, connect.NewRequest(&adminv1.SignalListRequest{WorkflowExecutionId: executionRef(s, args[0])}))
			if err != nil {
				return err
			}
			return a.printer().print(res.Msg, func() table {
				t := table{header: []string{"SIGNAL", "TYPE", "VALUE"}}
				for _, x := range res.Msg.GetSignals() {
					v := "(waiting)"
					if x.GetValue() != nil {
						v = formatLiteral(x.GetValue())
					}
					t.add(x.GetId().GetSignalId(), formatType(x.GetType()), v)
				}
				return t
			})
		}),
	}
}
