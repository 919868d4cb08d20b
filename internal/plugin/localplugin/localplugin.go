// Package localplugin runs task attempts as processes on this machine: the
// embedded default of `flyte start`.
//
// Two task types are served. "raw" tasks follow the file contract of
// internal/rawio: inputs (TaskContext.Inputs) are written as files, the
// command's templates name them ({{.inputs.NAME}}, {{.outputs}},
// {{.inputDir}}), and one file per output is read back after the process
// exits and returned in Status.Outputs (no inputs.pb or outputs.pb).
// "container" tasks follow the SDK contract: the plugin has the engine write
// inputs.pb (TaskContext.InputsFile), the process gets its URI and the
// output prefix (FLYTE_INPUTS_URI, FLYTE_OUTPUT_PREFIX, or {{.Input}} and
// {{.OutputPrefix}} in its arguments) and writes outputs.pb or error.pb
// itself, or, for a dynamic task, futures.pb (a DynamicJobSpec the plugin
// returns in Status.Dynamic).
//
// Each attempt's process is spawned directly (no shim) in its own process
// group, with stdout and stderr going to a log file that is uploaded to the
// attempt's logs.txt when it ends. Short tasks are dominated by file-system
// writes, so an attempt only makes what it needs: the log file on the first
// byte printed, a private work directory only for a task with inputs or
// outputs or whose command names it (others run in the shared ScratchDir).
// At most Options.MaxParallel processes run at once; the rest are queued.
// Handles carry a per-process boot id, so an attempt whose process died
// with an earlier run of the engine is reported as a retryable system
// failure.
package localplugin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
)

// Task types this plugin runs.
const (
	// TaskTypeRaw is a process with the file contract (internal/rawio).
	TaskTypeRaw = "raw"
	// TaskTypeContainer is a process with the SDK contract (inputs.pb in, outputs.pb or error.pb out).
	TaskTypeContainer = "container"
)

// ScratchDir is the directory under Options.WorkDir that is the working
// directory of every attempt that needs no private one: a task with no
// inputs and no outputs whose command does not name its work, input or
// output directory. Such attempts share it and run without touching the
// disk; what they leave there is not removed.
const ScratchDir = "scratch"

// TaskTypes lists the task types to register the plugin for.
var TaskTypes = []string{TaskTypeRaw, TaskTypeContainer}

// Options configures the plugin.
type Options struct {
	// MaxParallel is how many processes run at once; more attempts wait
	// in a queue. Default: runtime.NumCPU()*4.
	MaxParallel int
	// WorkDir holds, per running attempt, a directory for its inputs and
	// outputs and a live log file beside it (each made only when needed),
	// plus the shared ScratchDir. Default: $TMPDIR/flyte-local.
	WorkDir string
	// KillGrace is how long Abort waits after SIGTERM before SIGKILL.
	// Default: 10s.
	KillGrace time.Duration
	// Retention is how long a finished attempt's status stays in memory
	// for Status calls. Default: 1h.
	Retention time.Duration
	// KeepWorkDirs keeps attempt directories and log files after they
	// end (debugging). Default: false.
	KeepWorkDirs bool
	// Logger receives the plugin's own messages (never task environment
	// values). Default: slog.Default().
	Logger *slog.Logger
	// Env is KEY=VALUE pairs every attempt gets after this process's own
	// environment and before the task's: the platform passes the blob
	// store settings it was configured with (file or flags), which SDK
	// tasks need to read inputs.pb and write outputs.pb.
	Env []string
}

// WithDefaults returns o with every unset field given its default.
func (o Options) WithDefaults() Options {
	if o.MaxParallel == 0 {
		o.MaxParallel = runtime.NumCPU() * 4
	}
	if o.WorkDir == "" {
		o.WorkDir = filepath.Join(os.TempDir(), "flyte-local")
	}
	if o.KillGrace == 0 {
		o.KillGrace = 10 * time.Second
	}
	if o.Retention == 0 {
		o.Retention = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports every problem with o.
func (o Options) Validate() error {
	var errs []error
	if o.MaxParallel < 1 {
		errs = append(errs, fmt.Errorf("max parallel must be at least 1, found %d", o.MaxParallel))
	}
	if o.KillGrace < 0 {
		errs = append(errs, fmt.Errorf("kill grace must not be negative, found %s", o.KillGrace))
	}
	if o.Retention < 0 {
		errs = append(errs, fmt.Errorf("retention must not be negative, found %s", o.Retention))
	}
	return errors.Join(errs...)
}

// Plugin runs raw and container task attempts as local processes. Create it
// with New and Close it when done: Close kills every process still running.
type Plugin struct {
	opts    Options
	scratch string   // the shared working directory, see ScratchDir
	devNull *os.File // every process's stdin, opened once
	boot    string
	log     *slog.Logger
	wg      sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	nextID    uint64
	byID      map[uint64]*attempt
	byAttempt map[string]*attempt
	queue     []*attempt
	running   int
	nextSweep time.Time
}

var _ plugin.Plugin = (*Plugin)(nil)

// New returns a plugin with a fresh boot id; handles from other instances
// are reported as lost.
func New(opts Options) (*Plugin, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("local plugin options: %w", err)
	}
	scratch := filepath.Join(opts.WorkDir, ScratchDir)
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("local plugin work dir: %w", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("local plugin boot id: %w", err)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("local plugin stdin: %w", err)
	}
	return &Plugin{
		opts:      opts,
		scratch:   scratch,
		devNull:   devNull,
		boot:      hex.EncodeToString(b[:]),
		log:       opts.Logger,
		byID:      map[uint64]*attempt{},
		byAttempt: map[string]*attempt{},
	}, nil
}

// attempt is one attempt's process and state. Fields below mu are guarded
// by Plugin.mu.
type attempt struct {
	id      uint64
	key     string
	tc      *plugin.TaskContext
	workDir string   // made only when needed, see execute
	log     *logSink // beside workDir, so a quiet task needs no directory

	status    plugin.Status
	wasQueued bool
	aborted   bool
	pgid      int // set while the process runs
	killTimer *time.Timer
}

// handle is "local:v1:BOOT:ID".
func (p *Plugin) handle(a *attempt) plugin.Handle {
	return plugin.Handle("local:v1:" + p.boot + ":" + strconv.FormatUint(a.id, 10))
}

func parseHandle(h plugin.Handle) (boot string, id uint64, err error) {
	parts := strings.Split(string(h), ":")
	if len(parts) != 4 || parts[0] != "local" || parts[1] != "v1" {
		return "", 0, fmt.Errorf("not a local plugin handle: %q", h)
	}
	id, err = strconv.ParseUint(parts[3], 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("not a local plugin handle: %q", h)
	}
	return parts[2], id, nil
}

// Start queues the attempt, or starts it at once when a slot is free.
// Starting an attempt that this instance already knows returns its handle.
func (p *Plugin) Start(ctx context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	if tc.Task.GetType() != TaskTypeRaw && tc.Task.GetType() != TaskTypeContainer {
		return nil, fmt.Errorf("local plugin cannot run task type %q", tc.Task.GetType())
	}
	key := tc.Attempt.String()
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("local plugin is closed")
	}
	if a, ok := p.byAttempt[key]; ok {
		return p.handle(a), nil
	}
	p.sweep(now)
	p.nextID++
	a := &attempt{id: p.nextID, key: key, tc: tc}
	a.workDir = filepath.Join(p.opts.WorkDir, p.boot+"-"+strconv.FormatUint(a.id, 10))
	a.log = &logSink{path: a.workDir + ".log"}
	p.byID[a.id] = a
	p.byAttempt[key] = a
	if p.running < p.opts.MaxParallel {
		p.running++
		a.status = plugin.Status{Phase: plugin.PhaseRunning, StartedAt: now, Logs: a.liveLogs()}
		p.wg.Add(1)
		go p.run(context.WithoutCancel(ctx), a)
	} else {
		a.status = plugin.Status{Phase: plugin.PhaseQueued, Reason: fmt.Sprintf("waiting for one of %d process slots", p.opts.MaxParallel)}
		a.wasQueued = true
		p.queue = append(p.queue, a)
	}
	return p.handle(a), nil
}

// sweep forgets attempts that ended more than Retention ago.
func (p *Plugin) sweep(now time.Time) {
	if now.Before(p.nextSweep) {
		return
	}
	p.nextSweep = now.Add(p.opts.Retention / 4)
	for id, a := range p.byID {
		if a.status.Phase.Final() && now.Sub(a.status.EndedAt) > p.opts.Retention {
			delete(p.byID, id)
			delete(p.byAttempt, a.key)
		}
	}
}

// Status reports the attempt's phase; a handle of another boot is a
// retryable system failure ("process lost").
func (p *Plugin) Status(_ context.Context, _ *plugin.TaskContext, h plugin.Handle) (plugin.Status, error) {
	boot, id, err := parseHandle(h)
	if err != nil {
		return plugin.Status{}, err
	}
	if boot != p.boot {
		return plugin.SystemFailure("ProcessLost", "process lost: it ran under an earlier run of the engine, which ended", true), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.byID[id]
	if !ok {
		return plugin.SystemFailure("AttemptUnknown", "attempt unknown to the local plugin (forgotten after it ended)", true), nil
	}
	return a.status, nil
}

// Abort stops the attempt: a queued one never starts, a running one's
// process group gets SIGTERM and, after KillGrace, SIGKILL. Its status
// becomes Aborted when the process has exited.
func (p *Plugin) Abort(_ context.Context, _ *plugin.TaskContext, h plugin.Handle) error {
	boot, id, err := parseHandle(h)
	if err != nil {
		return err
	}
	if boot != p.boot {
		return nil // the process died with its engine
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.byID[id]
	if !ok || a.status.Phase.Final() || a.aborted {
		return nil
	}
	a.aborted = true
	if a.status.Phase == plugin.PhaseQueued {
		now := time.Now()
		a.status = plugin.Status{Phase: plugin.PhaseAborted, Reason: "aborted before it started", EndedAt: now}
		return nil
	}
	if a.pgid > 0 {
		p.terminate(a)
	}
	// Otherwise the process is being spawned: start terminates it.
	return nil
}

// terminate sends SIGTERM to the attempt's process group and SIGKILL after
// KillGrace. The caller holds p.mu and a.pgid is set.
func (p *Plugin) terminate(a *attempt) {
	_ = syscall.Kill(-a.pgid, syscall.SIGTERM)
	a.killTimer = time.AfterFunc(p.opts.KillGrace, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if a.pgid > 0 {
			_ = syscall.Kill(-a.pgid, syscall.SIGKILL)
		}
	})
}

// Close kills every running process, drops queued attempts and waits for
// the plugin's goroutines to end.
func (p *Plugin) Close() error {
	p.mu.Lock()
	wasClosed := p.closed
	p.closed = true
	now := time.Now()
	for _, a := range p.queue {
		if !a.status.Phase.Final() {
			a.status = plugin.SystemFailure("PluginClosed", "the local plugin closed before the attempt started", true)
			a.status.EndedAt = now
		}
	}
	p.queue = nil
	for _, a := range p.byID {
		a.aborted = a.aborted || !a.status.Phase.Final()
		if a.pgid > 0 {
			_ = syscall.Kill(-a.pgid, syscall.SIGKILL)
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
	if !wasClosed {
		if err := p.devNull.Close(); err != nil {
			return fmt.Errorf("close local plugin: %w", err)
		}
	}
	return nil
}

// release frees the slot of an attempt whose process has exited and hands
// it to the next queued attempt.
func (p *Plugin) release(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.queue) > 0 {
		next := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		if next.status.Phase.Final() {
			continue
		}
		next.status = plugin.Status{Phase: plugin.PhaseRunning, StartedAt: time.Now(), Logs: next.liveLogs()}
		p.wg.Add(1)
		go p.run(ctx, next)
		if next.tc.Wake != nil {
			next.tc.Wake()
		}
		return
	}
	p.running--
}

// finish records the final status and tells the engine.
func (p *Plugin) finish(a *attempt, st plugin.Status) {
	p.mu.Lock()
	if a.aborted && st.Phase != plugin.PhaseSucceeded {
		st = plugin.Status{Phase: plugin.PhaseAborted, Reason: "aborted", Logs: st.Logs}
	}
	st.StartedAt = a.status.StartedAt
	if st.EndedAt.IsZero() {
		st.EndedAt = time.Now()
	}
	a.status = st
	if a.killTimer != nil {
		a.killTimer.Stop()
	}
	p.mu.Unlock()
	if a.tc.Wake != nil {
		a.tc.Wake()
	}
}

func (a *attempt) liveLogs() []*corev1.TaskLog {
	return []*corev1.TaskLog{{Name: "Process logs (live)", Uri: "file://" + a.log.path}}
}
