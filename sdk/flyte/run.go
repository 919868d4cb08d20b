package flyte

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// RunOption configures a local run (Run, and the run command of Main).
type RunOption func(*runConfig)

type runConfig struct {
	signals map[string]any
	// textSignals are signal values given as text (the run command),
	// converted by the gate's type.
	textSignals map[string]string
	skipSleep   bool
	dataDir     string
	logger      *slog.Logger
}

// WithSignal gives the value of the signal named name, which a
// WaitForSignal gate of the run waits for. The value's Go type must be
// the gate's.
func WithSignal(name string, value any) RunOption {
	return func(c *runConfig) { c.signals[name] = value }
}

// WithApproval answers the Approve gate of the signal named name.
func WithApproval(name string, approved bool) RunOption {
	return WithSignal(name, approved)
}

// WithoutSleep makes Sleep gates of the run return at once.
func WithoutSleep() RunOption {
	return func(c *runConfig) { c.skipSleep = true }
}

// WithDataDir sets the directory that holds the run's files: the files
// and directories tasks output (as file:// URIs) and the inputs they
// download. Default: a new directory under os.TempDir, left in place so
// that the files a run returns stay readable.
func WithDataDir(dir string) RunOption {
	return func(c *runConfig) { c.dataDir = dir }
}

// WithLogger logs the run's progress (nodes started, retried, finished).
// Default: no logging.
func WithLogger(l *slog.Logger) RunOption {
	return func(c *runConfig) { c.logger = l }
}

// Run runs c — a task, dynamic task, workflow or launch plan — in this
// process, without a platform, and returns its outputs. Values go through
// the same conversions as on the platform (so a value that cannot cross a
// task boundary fails here too); independent nodes run concurrently, maps
// honour their parallelism and success criteria, retries apply to
// recoverable errors, and timeouts to each attempt. Gates take their
// values from WithSignal and WithApproval.
//
// A launch plan runs with in for every input except those it fixes, which
// take its fixed values. A task's error is returned wrapped with the node
// it happened in; find its kind with errors.As and *TaskError.
func Run[I, O any](ctx context.Context, c Callable[I, O], in I, opts ...RunOption) (O, error) {
	var zero O
	ce := c.callee()
	if ce.err != nil {
		return zero, ce.err
	}
	l, err := newLocal(opts)
	if err != nil {
		return zero, err
	}
	var outs *corev1.LiteralMap
	defer func() { l.finish(outs) }()
	x := l.xfer(ctx, "run")
	inputs, err := ce.in.encode(x, reflect.ValueOf(&in).Elem())
	if err != nil {
		return zero, fmt.Errorf("%s: inputs: %w", ce.what(), err)
	}
	if ce.kind == kindLaunchPlan {
		// The struct has every input; the launch plan's fixed ones win.
		for k := range ce.lp.fixed.GetLiterals() {
			delete(inputs.Literals, k)
		}
	}
	outs, err = l.runCallee(ctx, ce, inputs)
	if err != nil {
		return zero, err
	}
	v, err := ce.out.decode(nil, outs)
	if err != nil {
		return zero, fmt.Errorf("%s: outputs: %w", ce.what(), err)
	}
	return v.Interface().(O), nil
}

// local runs workflows and tasks in this process.
type local struct {
	cfg     runConfig
	blobs   *blobs
	dataDir string
	// tempDir says dataDir was made for this run: it is removed at the end
	// unless the outputs refer to files in it.
	tempDir bool
	seq     atomic.Int64

	mu    sync.Mutex
	tasks map[string]*taskDef
	wfs   map[string]*workflowDef
	lps   map[string]*launchPlanDef
}

func newLocal(opts []RunOption) (*local, error) {
	cfg := runConfig{signals: map[string]any{}, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	dir, temp := cfg.dataDir, false
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "flyte-run-"); err != nil {
			return nil, fmt.Errorf("local run: %w", err)
		}
		temp = true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local run: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("local run: %w", err)
	}
	return &local{
		cfg: cfg, blobs: newBlobs(nil), dataDir: abs, tempDir: temp,
		tasks: map[string]*taskDef{}, wfs: map[string]*workflowDef{}, lps: map[string]*launchPlanDef{},
	}, nil
}

func (l *local) close() { _ = l.blobs.close() }

// finish closes the run and removes its temporary data directory unless
// outs refers to files in it.
func (l *local) finish(outs *corev1.LiteralMap) {
	l.close()
	if !l.tempDir {
		return
	}
	prefix := fileURI(l.dataDir) + "/"
	for _, v := range outs.GetLiterals() {
		if refersTo(v, prefix) {
			return
		}
	}
	_ = os.RemoveAll(l.dataDir)
}

// refersTo reports whether a literal holds a blob whose URI starts with
// prefix.
func refersTo(l *corev1.Literal, prefix string) bool {
	switch v := l.GetValue().(type) {
	case *corev1.Literal_Collection:
		for _, e := range v.Collection.GetLiterals() {
			if refersTo(e, prefix) {
				return true
			}
		}
	case *corev1.Literal_Map:
		for _, e := range v.Map.GetLiterals() {
			if refersTo(e, prefix) {
				return true
			}
		}
	case *corev1.Literal_Scalar:
		switch s := v.Scalar.GetValue().(type) {
		case *corev1.Scalar_Blob:
			return strings.HasPrefix(s.Blob.GetUri(), prefix)
		case *corev1.Scalar_Union:
			return refersTo(s.Union.GetValue(), prefix)
		case *corev1.Scalar_Generic:
			// Files inside struct values are URI strings.
			return strings.Contains(s.Generic.String(), prefix)
		}
	}
	return false
}

// xfer returns a transfer that uploads under <dataDir>/raw/<seq> and
// downloads under <dataDir>/work/<seq>/<what>.
func (l *local) xfer(ctx context.Context, what string) *xfer {
	n := fmt.Sprint(l.seq.Add(1))
	return &xfer{
		ctx:       ctx,
		blobs:     l.blobs,
		rawPrefix: fileURI(filepath.Join(l.dataDir, "raw", n)),
		localDir:  filepath.Join(l.dataDir, "work", n, sanitizeID(what)),
	}
}

// runCallee runs a task, workflow or launch plan with literal inputs.
func (l *local) runCallee(ctx context.Context, ce *callee, inputs *corev1.LiteralMap) (*corev1.LiteralMap, error) {
	switch ce.kind {
	case kindTask, kindDynamic:
		return l.runTask(ctx, ce.name, ce.task, inputs, nil)
	case kindWorkflow:
		return l.runWorkflow(ctx, ce.name, ce.wf, inputs)
	}
	return l.runLaunchPlan(ctx, ce.name, ce.lp, inputs)
}

// load makes the definitions a workflow references known by name.
func (l *local) load(tasks []*taskDef, wfs []*workflowDef, lps []*launchPlanDef) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range tasks {
		l.tasks[t.name] = t
	}
	for _, w := range wfs {
		l.wfs[w.name] = w
	}
	for _, p := range lps {
		l.lps[p.name] = p
		l.wfs[p.wf.name] = p.wf
	}
}

func (l *local) task(name string) (*taskDef, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.tasks[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("task %s is not defined in this program", name)
}

func (l *local) workflow(name string) (*workflowDef, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.wfs[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("workflow %s is not defined in this program", name)
}

func (l *local) launchPlan(name string) (*launchPlanDef, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.lps[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("launch plan %s is not defined in this program", name)
}

// runWorkflow builds (once) and runs a workflow.
func (l *local) runWorkflow(ctx context.Context, path string, d *workflowDef, inputs *corev1.LiteralMap) (*corev1.LiteralMap, error) {
	b, err := d.get()
	if err != nil {
		return nil, err
	}
	l.load(b.tasks, b.subs, b.lps)
	inputs = withOptionalNones(d.in, inputs)
	if err := checkInputs(d.in, inputs); err != nil {
		return nil, fmt.Errorf("workflow %s: %w", d.name, err)
	}
	return l.runTemplate(ctx, path, b.tmpl.GetNodes(), b.tmpl.GetOutputs(), b.tmpl.GetFailureNode(),
		b.tmpl.GetMetadata().GetOnFailure() == corev1.WorkflowMetadata_ON_FAILURE_POLICY_FAIL_IMMEDIATELY, inputs)
}

// runLaunchPlan runs the workflow of a launch plan with its fixed inputs,
// its defaults for inputs not given, and none for optional ones.
func (l *local) runLaunchPlan(ctx context.Context, path string, d *launchPlanDef, inputs *corev1.LiteralMap) (*corev1.LiteralMap, error) {
	if d.err != nil {
		return nil, d.err
	}
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for k, v := range d.defaults.GetLiterals() {
		m.Literals[k] = v
	}
	for k, v := range inputs.GetLiterals() {
		if _, fixed := d.fixed.GetLiterals()[k]; fixed {
			return nil, fmt.Errorf("launch plan %s: input %s is fixed and cannot be given", d.name, k)
		}
		m.Literals[k] = v
	}
	for k, v := range d.fixed.GetLiterals() {
		m.Literals[k] = v
	}
	return l.runWorkflow(ctx, path, d.wf, m)
}

// withOptionalNones adds none for optional inputs that are missing.
func withOptionalNones(io *ioType, m *corev1.LiteralMap) *corev1.LiteralMap {
	out := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for k, v := range m.GetLiterals() {
		out.Literals[k] = v
	}
	for _, f := range io.fields {
		if _, ok := out.Literals[f.name]; !ok && f.typ.Kind() == reflect.Pointer {
			out.Literals[f.name] = noneLit()
		}
	}
	return out
}

// checkInputs requires a value for every declared input.
func checkInputs(io *ioType, m *corev1.LiteralMap) error {
	var missing []string
	for _, f := range io.fields {
		if _, ok := m.GetLiterals()[f.name]; !ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("inputs missing: %v", missing)
	}
	return nil
}

// errSkipped marks nodes that did not run because an upstream node failed.
var errSkipped = errors.New("skipped: an upstream node failed")
