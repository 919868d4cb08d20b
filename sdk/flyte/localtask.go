package flyte

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// runTask runs a task with its retries: an attempt that fails with a
// recoverable error is tried again while retries remain. md (a node's
// metadata) overrides the task's retries and timeout.
func (l *local) runTask(ctx context.Context, path string, d *taskDef, inputs *corev1.LiteralMap, md *corev1.NodeMetadata) (*corev1.LiteralMap, error) {
	if d.err != nil {
		return nil, d.err
	}
	retries := uint32(0)
	if d.s.retries != nil {
		retries = *d.s.retries
	}
	if md.GetRetries() != nil {
		retries = md.GetRetries().GetRetries()
	}
	var timeout time.Duration
	if d.s.timeout != nil {
		timeout = *d.s.timeout
	}
	if md.GetTimeout() != nil {
		timeout = md.GetTimeout().AsDuration()
	}
	attempts := int(retries) + 1
	for a := 1; ; a++ {
		out, err := l.attempt(ctx, path, d, inputs, timeout)
		if err == nil {
			return out, nil
		}
		if !kindOf(err).Recoverable || a >= attempts || ctx.Err() != nil {
			if attempts > 1 {
				return nil, fmt.Errorf("task %s: attempt %d of %d: %w", d.name, a, attempts, err)
			}
			return nil, fmt.Errorf("task %s: %w", d.name, err)
		}
		l.cfg.logger.Info("retrying task", slog.String("node", path), slog.Int("attempt", a), slog.Any("error", err))
	}
}

// attempt runs the task's function once: inputs are decoded (files
// downloaded), the function called with the attempt's timeout, and the
// outputs encoded (files uploaded). A dynamic task's workflow is run
// here too.
func (l *local) attempt(ctx context.Context, path string, d *taskDef, inputs *corev1.LiteralMap, timeout time.Duration) (*corev1.LiteralMap, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	x := l.xfer(ctx, path)
	ctx, cleanup := withTaskDir(ctx, x.localDir)
	defer cleanup()
	in, err := d.in.decode(x, inputs)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	if d.dynamic != nil {
		st, err := callGuarded(ctx, func() (*buildState, error) { return d.buildDynamic(ctx, in) })
		if err != nil {
			return nil, err
		}
		l.load(st.tasks, st.subs, st.lps)
		return l.runTemplate(ctx, path, st.protoNodes(), st.outputs, nil, true, &corev1.LiteralMap{})
	}
	out, err := callGuarded(ctx, func() (reflect.Value, error) { return d.run(ctx, in) })
	if err != nil {
		return nil, err
	}
	lits, err := d.out.encode(x, out)
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	return lits, nil
}

// abortGrace is how long a task function has to return after its context
// ends (timeout or abort) before it is abandoned.
const abortGrace = 5 * time.Second

// callGuarded calls fn, turning a panic into a user error. When ctx ends
// first, fn has abortGrace to return; a function that ignores its context
// is then abandoned (its goroutine keeps running) so the run can end.
func callGuarded[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.err = panicError(p)
			}
			ch <- r
		}()
		r.v, r.err = fn()
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
	}
	grace := time.NewTimer(abortGrace)
	defer grace.Stop()
	select {
	case <-ch:
	case <-grace.C:
	}
	var zero T
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return zero, Recoverable(fmt.Errorf("the attempt timed out: %w", ctx.Err()))
	}
	return zero, ctx.Err()
}

// buildDynamic runs a dynamic task's function with concrete inputs and
// returns the workflow it built.
func (d *taskDef) buildDynamic(ctx context.Context, in reflect.Value) (*buildState, error) {
	st := newBuildState("dynamic task "+d.name, true)
	b := &Builder{st: st, out: d.out, outPtr: reflect.New(d.out.t).Interface(), ctx: ctx}
	if err := st.run(func() error { return d.dynamic(ctx, b, in) }); err != nil {
		return nil, err
	}
	return st, nil
}

// evalCond evaluates a branch condition over the branch node's inputs,
// with the engine's rules: same-kind primitives compare, integers and
// floats numerically, none only with == and !=.
func evalCond(e *corev1.BooleanExpression, in *corev1.LiteralMap) (bool, error) {
	switch x := e.GetExpr().(type) {
	case *corev1.BooleanExpression_Conjunction:
		l, err := evalCond(x.Conjunction.GetLeftExpression(), in)
		if err != nil {
			return false, err
		}
		and := x.Conjunction.GetOperator() == corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND
		if and != l {
			return l, nil // false and _, true or _
		}
		return evalCond(x.Conjunction.GetRightExpression(), in)
	case *corev1.BooleanExpression_Comparison:
		c := x.Comparison
		a, err := operandValue(c.GetLeftValue(), in)
		if err != nil {
			return false, err
		}
		b, err := operandValue(c.GetRightValue(), in)
		if err != nil {
			return false, err
		}
		op := c.GetOperator()
		if a == nil || b == nil {
			switch op {
			case corev1.ComparisonExpression_OPERATOR_EQ:
				return a == nil && b == nil, nil
			case corev1.ComparisonExpression_OPERATOR_NEQ:
				return (a == nil) != (b == nil), nil
			}
			return false, errors.New("none can only be compared for equality")
		}
		r, err := comparePrim(a, b)
		if err != nil {
			return false, err
		}
		switch op {
		case corev1.ComparisonExpression_OPERATOR_EQ:
			return r == 0, nil
		case corev1.ComparisonExpression_OPERATOR_NEQ:
			return r != 0, nil
		case corev1.ComparisonExpression_OPERATOR_GT:
			return r > 0, nil
		case corev1.ComparisonExpression_OPERATOR_GTE:
			return r >= 0, nil
		case corev1.ComparisonExpression_OPERATOR_LT:
			return r < 0, nil
		case corev1.ComparisonExpression_OPERATOR_LTE:
			return r <= 0, nil
		}
		return false, fmt.Errorf("unknown operator %v", op)
	}
	return false, errors.New("empty condition")
}

// operandValue returns an operand's primitive, or nil for none.
func operandValue(o *corev1.Operand, in *corev1.LiteralMap) (*corev1.Primitive, error) {
	var s *corev1.Scalar
	switch v := o.GetVal().(type) {
	case *corev1.Operand_Primitive:
		return v.Primitive, nil
	case *corev1.Operand_Scalar:
		s = v.Scalar
	case *corev1.Operand_Var:
		l, ok := in.GetLiterals()[v.Var]
		if !ok {
			return nil, fmt.Errorf("the condition reads %s, which the branch has no value for", v.Var)
		}
		s = plain(l).GetScalar()
	}
	switch {
	case s.GetNoneType() != nil:
		return nil, nil
	case s.GetPrimitive() != nil:
		return s.GetPrimitive(), nil
	}
	return nil, errors.New("only primitives and none can be compared")
}

// comparePrim orders two primitives of the same kind (integers and floats
// compare numerically).
func comparePrim(a, b *corev1.Primitive) (int, error) {
	switch av := a.GetValue().(type) {
	case *corev1.Primitive_Integer:
		switch bv := b.GetValue().(type) {
		case *corev1.Primitive_Integer:
			return cmp.Compare(av.Integer, bv.Integer), nil
		case *corev1.Primitive_FloatValue:
			return cmp.Compare(float64(av.Integer), bv.FloatValue), nil
		}
	case *corev1.Primitive_FloatValue:
		switch bv := b.GetValue().(type) {
		case *corev1.Primitive_Integer:
			return cmp.Compare(av.FloatValue, float64(bv.Integer)), nil
		case *corev1.Primitive_FloatValue:
			return cmp.Compare(av.FloatValue, bv.FloatValue), nil
		}
	case *corev1.Primitive_StringValue:
		if bv, ok := b.GetValue().(*corev1.Primitive_StringValue); ok {
			return strings.Compare(av.StringValue, bv.StringValue), nil
		}
	case *corev1.Primitive_Boolean:
		if bv, ok := b.GetValue().(*corev1.Primitive_Boolean); ok {
			return cmp.Compare(boolInt(av.Boolean), boolInt(bv.Boolean)), nil
		}
	case *corev1.Primitive_Datetime:
		if bv, ok := b.GetValue().(*corev1.Primitive_Datetime); ok {
			return av.Datetime.AsTime().Compare(bv.Datetime.AsTime()), nil
		}
	case *corev1.Primitive_Duration:
		if bv, ok := b.GetValue().(*corev1.Primitive_Duration); ok {
			return cmp.Compare(av.Duration.AsDuration(), bv.Duration.AsDuration()), nil
		}
	}
	return 0, errors.New("the values compared are of different kinds")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
