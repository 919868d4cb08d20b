// Package rpcerror maps the errors of the API services to Connect errors,
// so that every service (admin, datacatalog) answers a given failure with
// the same code and wording:
//
//   - a rejection a service decided itself (*Error, made by Errorf) keeps its
//     code and message;
//   - store errors map by kind: invalid argument, not found, already exists,
//     a lost concurrency guard (Aborted: the caller may retry from a fresh
//     read) and a finished execution (FailedPrecondition);
//   - a cancelled or expired request keeps that code;
//   - a database (or other backend) that cannot be reached is Unavailable,
//     which clients may retry;
//   - anything else is Internal: the message is logged, never sent.
package rpcerror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"syscall"

	"connectrpc.com/connect"

	"github.com/flyte-go/flyte/internal/store"
)

// Error is a rejection decided by a service, with the code the caller sees
// and a message that names the problem.
type Error struct {
	// Code is the Connect code of the answer.
	Code connect.Code
	// Msg is sent to the caller as is.
	Msg string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code connect.Code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// ToConnect maps err to a Connect error by the rules of the package
// comment. Internal and unreachable-backend errors are logged on logger
// with the procedure; the others are the caller's business and are not.
func ToConnect(ctx context.Context, logger *slog.Logger, procedure string, err error) error {
	var re *Error
	switch {
	case errors.As(err, &re):
		return connect.NewError(re.Code, errors.New(re.Msg))
	case errors.Is(err, store.ErrInvalidArgument):
		return connect.NewError(connect.CodeInvalidArgument, err)
	case errors.Is(err, store.ErrNotFound):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, store.ErrAlreadyExists):
		return connect.NewError(connect.CodeAlreadyExists, err)
	case errors.Is(err, store.ErrConflict):
		return connect.NewError(connect.CodeAborted, err)
	case errors.Is(err, store.ErrTerminal):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, errors.New("request cancelled"))
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("request deadline exceeded"))
	case Unreachable(err):
		logger.LogAttrs(ctx, slog.LevelError, "backend unreachable",
			slog.String("procedure", procedure), slog.String("error", err.Error()))
		return connect.NewError(connect.CodeUnavailable, errors.New("the database is unreachable; retry later"))
	default:
		logger.LogAttrs(ctx, slog.LevelError, "internal error",
			slog.String("procedure", procedure), slog.String("error", err.Error()))
		return connect.NewError(connect.CodeInternal, errors.New("internal error; the server log has the details"))
	}
}

// Unreachable reports whether err says a backend could not be reached or
// dropped the connection, rather than refusing the request: both store
// drivers surface such failures as network errors or an unexpected end of
// stream.
func Unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}
