package store

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers map to API codes with errors.Is.
var (
	// ErrNotFound means the requested row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists means a row with the same key exists (with other content
	// for registered entities; see EntityExistsError).
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalidArgument means the request was rejected before touching the
	// database; FilterError, TokenError and ParamError all match it.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrTerminal means the execution has already finished, so the request
	// (abort, signal) no longer applies.
	ErrTerminal = errors.New("execution already finished")
	// ErrConflict means an engine round lost its guard: another owner holds
	// the lease or the execution changed since it was read.
	ErrConflict = errors.New("execution changed concurrently")
)

// EntityExistsError is returned when an entity is registered again under the
// same ID with a different digest. Existing is the stored version, so the
// caller can explain what differs.
type EntityExistsError struct {
	Existing *Entity
}

// Error names the entity that already exists.
func (e *EntityExistsError) Error() string {
	return fmt.Sprintf("%s %s already exists with different content", e.Existing.Kind, e.Existing.ID)
}

// Is makes the error match ErrAlreadyExists.
func (e *EntityExistsError) Is(target error) bool { return target == ErrAlreadyExists }

// ParamError reports a request parameter that is missing or out of range.
type ParamError struct {
	// Param names the parameter, as in "limit" or "id.project".
	Param string
	// Problem says what is wrong with it.
	Problem string
}

// Error names the parameter and the problem.
func (e *ParamError) Error() string { return e.Param + ": " + e.Problem }

// Is makes the error match ErrInvalidArgument.
func (e *ParamError) Is(target error) bool { return target == ErrInvalidArgument }

// FilterError reports a filter expression that cannot be used.
type FilterError struct {
	// Expr is the offending expression as written (may be the whole input).
	Expr string
	// Func is the filter function, when it was recognised far enough.
	Func string
	// Field is the filtered field, when it was recognised far enough.
	Field string
	// Value is the offending value, if the problem is a value.
	Value string
	// Problem says what is wrong.
	Problem string
}

// Error names the expression and the problem.
func (e *FilterError) Error() string {
	if e.Expr == "" {
		return "filter: " + e.Problem
	}
	return fmt.Sprintf("filter %q: %s", e.Expr, e.Problem)
}

// Is makes the error match ErrInvalidArgument.
func (e *FilterError) Is(target error) bool { return target == ErrInvalidArgument }

// TokenError reports a page token that is malformed or belongs to another query.
type TokenError struct {
	Problem string
}

// Error says what is wrong with the token.
func (e *TokenError) Error() string { return "page token: " + e.Problem }

// Is makes the error match ErrInvalidArgument.
func (e *TokenError) Is(target error) bool { return target == ErrInvalidArgument }

// NotFoundf returns an error wrapping ErrNotFound with a message that names
// the missing row; drivers use it so every driver words it alike.
func NotFoundf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrNotFound)...)
}
