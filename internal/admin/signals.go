package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

var _ adminv1connect.SignalServiceHandler = (*Service)(nil)

// SignalHandler returns the path and HTTP handler of the SignalService
// (approve and typed-input gates), built with opts like Handler.
func (s *Service) SignalHandler(opts ...connect.HandlerOption) (string, http.Handler) {
	return adminv1connect.NewSignalServiceHandler(s, opts...)
}

// signalOf converts a stored signal to the API.
func signalOf(e *store.Execution, sig *store.Signal) (*adminv1.Signal, error) {
	out := &adminv1.Signal{Id: &corev1.SignalIdentifier{SignalId: sig.SignalID, ExecutionId: executionID(e.ID)}}
	if len(sig.Type) > 0 {
		out.Type = &corev1.LiteralType{}
		if err := proto.Unmarshal(sig.Type, out.Type); err != nil {
			return nil, fmt.Errorf("decode type of signal %s: %w", sig.SignalID, err)
		}
	}
	if sig.Value != nil {
		out.Value = &corev1.Literal{}
		if err := proto.Unmarshal(sig.Value, out.Value); err != nil {
			return nil, fmt.Errorf("decode value of signal %s: %w", sig.SignalID, err)
		}
	}
	return out, nil
}

// checkSignalID validates a signal identifier and reads its execution.
func (s *Service) checkSignalID(ctx context.Context, id *corev1.SignalIdentifier) (*store.Execution, error) {
	if id == nil {
		return nil, invalidArgf("id: required")
	}
	if id.GetSignalId() == "" {
		return nil, invalidArgf("id.signal_id: required")
	}
	if err := checkText("id.signal_id", id.GetSignalId(), MaxNameLength); err != nil {
		return nil, invalidArgf("%s", err)
	}
	return s.getExecution(ctx, "id.execution_id", id.GetExecutionId())
}

// GetOrCreateSignal returns a signal, creating it unset with its type the
// first time (the engine calls it for gate nodes).
func (s *Service) GetOrCreateSignal(ctx context.Context, req *connect.Request[adminv1.SignalGetOrCreateRequest]) (*connect.Response[adminv1.Signal], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.SignalGetOrCreateRequest) (*adminv1.Signal, error) {
		if r.GetType() == nil {
			return nil, invalidArgf("type: required")
		}
		if err := compiler.ValidateType(r.GetType()); err != nil {
			return nil, invalidArgf("type: %v", err)
		}
		e, err := s.checkSignalID(ctx, r.GetId())
		if err != nil {
			return nil, err
		}
		typ, err := proto.MarshalOptions{Deterministic: true}.Marshal(r.GetType())
		if err != nil {
			return nil, fmt.Errorf("marshal signal type: %w", err)
		}
		sig, err := s.execs.SignalGetOrCreate(ctx, store.SignalGetOrCreateParams{
			ExecutionRowID: e.RowID, SignalID: r.GetId().GetSignalId(), Type: typ, Now: s.now(),
		})
		if err != nil {
			return nil, fmt.Errorf("get or create signal %s: %w", r.GetId().GetSignalId(), err)
		}
		return signalOf(e, sig)
	})
}

// ListSignals lists the signals of an execution, by signal id. Every
// signal is returned in one page.
func (s *Service) ListSignals(ctx context.Context, req *connect.Request[adminv1.SignalListRequest]) (*connect.Response[adminv1.SignalList], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.SignalListRequest) (*adminv1.SignalList, error) {
		if r.GetFilters() != "" || r.GetSortBy() != nil || r.GetToken() != "" {
			return nil, invalidArgf("filters, sort_by, token: the signals of an execution are listed whole, by signal id")
		}
		e, err := s.getExecution(ctx, "workflow_execution_id", r.GetWorkflowExecutionId())
		if err != nil {
			return nil, err
		}
		sigs, err := s.execs.SignalList(ctx, store.SignalListParams{ExecutionRowID: e.RowID})
		if err != nil {
			return nil, fmt.Errorf("list signals of %s: %w", formatExecID(e.ID), err)
		}
		out := &adminv1.SignalList{}
		for _, sig := range sigs {
			if r.GetLimit() > 0 && len(out.Signals) >= int(r.GetLimit()) {
				break
			}
			x, err := signalOf(e, sig)
			if err != nil {
				return nil, err
			}
			out.Signals = append(out.Signals, x)
		}
		return out, nil
	})
}

// SetSignal sets the value of a signal once, releasing the gate waiting
// for it. The value must have the signal's type.
func (s *Service) SetSignal(ctx context.Context, req *connect.Request[adminv1.SignalSetRequest]) (*connect.Response[adminv1.SignalSetResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.SignalSetRequest) (*adminv1.SignalSetResponse, error) {
		if r.GetValue() == nil {
			return nil, invalidArgf("value: required")
		}
		e, err := s.checkSignalID(ctx, r.GetId())
		if err != nil {
			return nil, err
		}
		sid := r.GetId().GetSignalId()
		if store.ExecutionTerminal(e.Phase) {
			return nil, failedPreconditionf("execution %s already finished (%s); its signals can no longer be set", formatExecID(e.ID), phaseName(e.Phase))
		}
		sigs, err := s.execs.SignalList(ctx, store.SignalListParams{ExecutionRowID: e.RowID})
		if err != nil {
			return nil, fmt.Errorf("list signals of %s: %w", formatExecID(e.ID), err)
		}
		var sig *store.Signal
		for _, x := range sigs {
			if x.SignalID == sid {
				sig = x
			}
		}
		if sig == nil {
			return nil, notFoundf("execution %s has no signal %q (it is created when its gate node is reached; waiting signals: %s)",
				formatExecID(e.ID), sid, waitingSignals(sigs))
		}
		if sig.Value != nil {
			return nil, alreadyExistsf("signal %q of execution %s is already set", sid, formatExecID(e.ID))
		}
		api, err := signalOf(e, sig)
		if err != nil {
			return nil, err
		}
		if err := compiler.CheckLiteral(r.GetValue(), api.GetType()); err != nil {
			got := "an invalid value"
			if t, terr := compiler.LiteralTypeOf(r.GetValue()); terr == nil {
				got = compiler.FormatType(t)
			}
			return nil, invalidArgf("value: signal %q expects %s, got %s: %v", sid, compiler.FormatType(api.GetType()), got, err)
		}
		val, err := proto.MarshalOptions{Deterministic: true}.Marshal(r.GetValue())
		if err != nil {
			return nil, fmt.Errorf("marshal signal value: %w", err)
		}
		_, err = s.execs.SignalSet(ctx, store.SignalSetParams{
			ExecutionRowID: e.RowID, SignalID: sid, Value: val, SetBy: defaultPrincipal, Now: s.now(),
		})
		switch {
		case errors.Is(err, store.ErrAlreadyExists):
			return nil, alreadyExistsf("signal %q of execution %s is already set", sid, formatExecID(e.ID))
		case errors.Is(err, store.ErrNotFound):
			return nil, notFoundf("execution %s has no signal %q", formatExecID(e.ID), sid)
		case err != nil:
			return nil, fmt.Errorf("set signal %s: %w", sid, err)
		}
		return &adminv1.SignalSetResponse{}, nil
	})
}

// waitingSignals names the unset signals, for messages.
func waitingSignals(sigs []*store.Signal) string {
	var names []string
	for _, s := range sigs {
		if s.Value == nil {
			names = append(names, fmt.Sprintf("%q", s.SignalID))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
