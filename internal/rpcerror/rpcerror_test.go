package rpcerror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

func TestToConnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		code   connect.Code
		msg    string
		logged string // what the log says, empty when nothing is logged
	}{
		{"service rejection", fmt.Errorf("outer: %w", Errorf(connect.CodeFailedPrecondition, "held by %s", "B")), connect.CodeFailedPrecondition, "held by B", ""},
		{"param error", &store.ParamError{Param: "limit", Problem: "too big"}, connect.CodeInvalidArgument, "limit: too big", ""},
		{"token error", fmt.Errorf("list: %w", &store.TokenError{Problem: "malformed"}), connect.CodeInvalidArgument, "list: page token: malformed", ""},
		{"not found", store.NotFoundf("dataset %s", "d"), connect.CodeNotFound, "dataset d: not found", ""},
		{"already exists", fmt.Errorf("tag t: %w", store.ErrAlreadyExists), connect.CodeAlreadyExists, "tag t: already exists", ""},
		{"conflict", fmt.Errorf("round: %w", store.ErrConflict), connect.CodeAborted, "round: execution changed concurrently", ""},
		{"terminal", store.ErrTerminal, connect.CodeFailedPrecondition, "execution already finished", ""},
		{"cancelled", fmt.Errorf("get: %w", context.Canceled), connect.CodeCanceled, "request cancelled", ""},
		{"deadline", context.DeadlineExceeded, connect.CodeDeadlineExceeded, "request deadline exceeded", ""},
		{"refused", fmt.Errorf("query: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), connect.CodeUnavailable,
			"the database is unreachable; retry later", "backend unreachable"},
		{"reset", fmt.Errorf("query: %w", syscall.ECONNRESET), connect.CodeUnavailable, "the database is unreachable; retry later", "backend unreachable"},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), connect.CodeUnavailable, "the database is unreachable; retry later", "backend unreachable"},
		{"internal", errors.New("relation tags does not exist"), connect.CodeInternal, "internal error; the server log has the details", "relation tags does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			err := ToConnect(t.Context(), logger, "/svc/Method", tt.err)
			var ce *connect.Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.code, ce.Code())
			require.Equal(t, tt.msg, ce.Message())
			if tt.logged == "" {
				require.Empty(t, logs.String())
				return
			}
			require.Contains(t, logs.String(), tt.logged)
			require.Contains(t, logs.String(), "procedure=/svc/Method")
			require.Equal(t, 1, strings.Count(logs.String(), "\n"), "logged once")
		})
	}
}
