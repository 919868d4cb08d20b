package flyte

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Names of the files a task attempt writes under its output prefix.
const (
	outputsFile = "outputs.pb"
	errorFile   = "error.pb"
	futuresFile = "futures.pb"
)

// executeArgs are the arguments of the execute command.
type executeArgs struct {
	task            string
	inputs          string
	outputPrefix    string
	rawOutputPrefix string
	// For dynamic tasks: where the tasks they generate are registered and
	// how they run.
	at ident
	tg target
}

// execute runs one attempt of a task as the platform asks: it reads the
// inputs, calls the function and writes outputs.pb (futures.pb for a
// dynamic task), or error.pb when the task fails. It returns an error only
// when it could not write error.pb either; the process then exits non-zero
// and the platform reports that exit.
func execute(ctx context.Context, a executeArgs, getenv func(string) string, stderr io.Writer) error {
	b := newBlobs(getenv)
	defer b.close()
	runErr := runAttempt(ctx, a, b)
	if runErr == nil {
		return nil
	}
	fmt.Fprintf(stderr, "task %s failed: %v\n", a.task, runErr)
	host, _ := os.Hostname()
	doc := errorDocument(runErr, host, time.Now())
	if err := b.writeProto(ctx, joinURI(a.outputPrefix, errorFile), doc); err != nil {
		return fmt.Errorf("write %s after the task failed (%v): %w", errorFile, runErr, err)
	}
	return nil
}

// storageError marks a failure to read or write the object store: the
// platform's problem, worth retrying.
func storageError(err error) error {
	return &TaskError{Err: err, System: true, Recoverable: true, Code: "Storage"}
}

func runAttempt(ctx context.Context, a executeArgs, b *blobs) error {
	d, err := lookupTask(a.task)
	if err != nil {
		return &TaskError{Err: err, Code: "UnknownTask"}
	}
	if d.err != nil {
		return &TaskError{Err: d.err, Code: "InvalidTask"}
	}
	inputs := &corev1.LiteralMap{}
	if err := b.readProto(ctx, a.inputs, inputs); err != nil {
		return storageError(fmt.Errorf("read inputs: %w", err))
	}
	if err := resolveOffloaded(ctx, b, inputs); err != nil {
		return storageError(err)
	}
	work, err := os.MkdirTemp("", "flyte-task-")
	if err != nil {
		return &TaskError{Err: err, System: true, Recoverable: true, Code: "WorkDir"}
	}
	defer os.RemoveAll(work)
	ctx, cleanup := withTaskDir(ctx, work)
	defer cleanup()
	x := &xfer{ctx: ctx, blobs: b, rawPrefix: a.rawOutputPrefix, localDir: filepath.Join(work, "inputs")}
	in, err := d.in.decode(x, inputs)
	if err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if d.dynamic != nil {
		st, err := callGuarded(ctx, func() (*buildState, error) { return d.buildDynamic(ctx, in) })
		if err != nil {
			return err
		}
		spec, err := dynamicSpec(st, a.at, a.tg)
		if err != nil {
			return err
		}
		if err := b.writeProto(ctx, joinURI(a.outputPrefix, futuresFile), spec); err != nil {
			return storageError(err)
		}
		return nil
	}
	out, err := callGuarded(ctx, func() (reflect.Value, error) { return d.run(ctx, in) })
	if err != nil {
		return err
	}
	lits, err := d.out.encode(x, out)
	if err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	if err := b.writeProto(ctx, joinURI(a.outputPrefix, outputsFile), lits); err != nil {
		return storageError(err)
	}
	return nil
}

// resolveOffloaded replaces offloaded input literals by the literals they
// point at.
func resolveOffloaded(ctx context.Context, b *blobs, m *corev1.LiteralMap) error {
	for k, l := range m.GetLiterals() {
		off := l.GetOffloadedMetadata()
		if off == nil {
			continue
		}
		full := &corev1.Literal{}
		if err := b.readProto(ctx, off.GetUri(), full); err != nil {
			return fmt.Errorf("input %s: read offloaded value: %w", k, err)
		}
		m.Literals[k] = full
	}
	return nil
}
