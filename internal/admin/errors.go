package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/rpcerror"
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
//   - everything else maps by the rules shared by every service
//     (rpcerror.ToConnect): store errors by kind, cancelled and expired
//     requests, an unreachable database as Unavailable, and otherwise
//     Internal, whose message is logged, never sent.
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
	default:
		return rpcerror.ToConnect(ctx, s.logger, procedure, err)
	}
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
