package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"connectrpc.com/connect"

	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

// requestError is a rejection decided by this package, with the code the
// caller sees and a message that names the problem.
type requestError struct {
	code connect.Code
	msg  string
}

// Error returns the message.
func (e *requestError) Error() string { return e.msg }

func invalidArgf(format string, args ...any) error {
	return &requestError{code: connect.CodeInvalidArgument, msg: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &requestError{code: connect.CodeNotFound, msg: fmt.Sprintf(format, args...)}
}

func failedPreconditionf(format string, args ...any) error {
	return &requestError{code: connect.CodeFailedPrecondition, msg: fmt.Sprintf(format, args...)}
}

func alreadyExistsf(format string, args ...any) error {
	return &requestError{code: connect.CodeAlreadyExists, msg: fmt.Sprintf(format, args...)}
}

// toConnectError is the one place where errors become Connect codes:
//   - rejections of this package keep their code and message;
//   - compiler errors are InvalidArgument, listing every problem;
//   - store errors map by kind (invalid argument, not found, already exists);
//   - a cancelled or expired request keeps that code;
//   - a database (or other backend) that cannot be reached is Unavailable,
//     which clients may retry;
//   - anything else is Internal: the message is logged, never sent.
func (s *Service) toConnectError(ctx context.Context, procedure string, err error) error {
	var (
		re *requestError
		ce *compiler.CompileError
	)
	switch {
	case errors.As(err, &re):
		return connect.NewError(re.code, errors.New(re.msg))
	case errors.As(err, &ce):
		return connect.NewError(connect.CodeInvalidArgument, err)
	case errors.Is(err, store.ErrInvalidArgument):
		return connect.NewError(connect.CodeInvalidArgument, err)
	case errors.Is(err, store.ErrNotFound):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, store.ErrAlreadyExists):
		return connect.NewError(connect.CodeAlreadyExists, err)
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, errors.New("request cancelled"))
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("request deadline exceeded"))
	case isUnreachable(err):
		s.logger.LogAttrs(ctx, slog.LevelError, "backend unreachable",
			slog.String("procedure", procedure), slog.String("error", err.Error()))
		return connect.NewError(connect.CodeUnavailable, errors.New("the database is unreachable; retry later"))
	default:
		s.logger.LogAttrs(ctx, slog.LevelError, "internal error",
			slog.String("procedure", procedure), slog.String("error", err.Error()))
		return connect.NewError(connect.CodeInternal, errors.New("internal error; the server log has the details"))
	}
}

// isUnreachable reports whether err says a backend could not be reached or
// dropped the connection, rather than refusing the request: both drivers
// surface such failures as network errors or an unexpected end of stream.
func isUnreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// problems collects the problems of one request, so a caller learns every
// invalid field at once.
type problems struct {
	list []string
}

// addf records a problem with field, which is named first.
func (p *problems) addf(field, format string, args ...any) {
	p.list = append(p.list, field+": "+fmt.Sprintf(format, args...))
}

// add records err, if any, as a problem.
func (p *problems) add(err error) {
	if err != nil {
		p.list = append(p.list, err.Error())
	}
}

// err returns an InvalidArgument error listing every problem, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return invalidArgf("%s", strings.Join(p.list, "; "))
}
