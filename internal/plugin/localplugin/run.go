package localplugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/rawio"
	"github.com/flyte-go/flyte/internal/storage"
	"google.golang.org/protobuf/proto"
)

// Environment variables every process gets (EnvInputsURI only SDK tasks).
const (
	EnvInputsURI       = "FLYTE_INPUTS_URI"
	EnvOutputPrefix    = "FLYTE_OUTPUT_PREFIX"
	EnvRawOutputPrefix = "FLYTE_RAW_OUTPUT_PREFIX"
	EnvInputDir        = "FLYTE_INPUT_DIR"
	EnvOutputDir       = "FLYTE_OUTPUT_DIR"
)

// stderrTail is how much of the end of stderr a failure message quotes.
const (
	stderrTailBytes = 4096
	stderrTailLines = 10
)

// run executes one attempt in its slot, frees the slot when the process
// exits, and records the outcome.
func (p *Plugin) run(ctx context.Context, a *attempt) {
	defer p.wg.Done()
	released := false
	release := func() {
		if !released {
			released = true
			p.release(ctx)
		}
	}
	defer release()
	st := p.execute(ctx, a, release)
	release()
	p.finish(a, st)
}

// execute prepares and runs the process and returns the final status.
//
// File-system writes dominate the cost of short tasks, so an attempt only
// touches the disk for what it needs: its private work directory exists
// when the task has inputs or outputs or its command names the directory
// (or the input/output directories inside it), and the log file only once
// the task prints something. Any other attempt runs in the shared scratch
// directory.
func (p *Plugin) execute(ctx context.Context, a *attempt, release func()) plugin.Status {
	tc := a.tc
	c := tc.Task.GetContainer()
	if len(c.GetCommand()) == 0 {
		return plugin.UserFailure("NoCommand", "the task has no command to run", false)
	}
	private := false // whether the attempt has its own work directory
	defer func() { p.cleanup(a, private) }()
	inDir, outDir := filepath.Join(a.workDir, "inputs"), filepath.Join(a.workDir, "outputs")
	raw := tc.Task.GetType() == TaskTypeRaw
	hasInputs := len(tc.Task.GetInterface().GetInputs().GetVariables()) > 0
	hasOutputs := len(tc.Task.GetInterface().GetOutputs().GetVariables()) > 0
	env := []string{
		EnvOutputPrefix + "=" + tc.Blobs.URL(tc.AttemptPrefix),
		EnvRawOutputPrefix + "=" + tc.Blobs.URL(tc.RawOutputPrefix),
	}
	if !raw {
		// SDK tasks read an inputs.pb; raw tasks get files from tc.Inputs.
		key, err := tc.InputsFile(ctx)
		if err != nil {
			return plugin.SystemFailure("WriteInputs", err.Error(), true)
		}
		env = append(env, EnvInputsURI+"="+tc.Blobs.URL(key))
	}
	if hasInputs || hasOutputs {
		private = true
		if err := mkdir(a.workDir); err != nil {
			return plugin.SystemFailure("WorkDir", fmt.Sprintf("create attempt directory: %v", err), true)
		}
	}
	var data any
	if raw {
		paths := map[string]string{}
		if hasInputs {
			var st plugin.Status
			var ok bool
			if paths, st, ok = p.writeInputs(ctx, tc, inDir); !ok {
				return st
			}
		}
		env = append(env, EnvInputDir+"="+inDir, EnvOutputDir+"="+outDir)
		outs := outputPaths{"": outDir}
		for name := range tc.Task.GetInterface().GetOutputs().GetVariables() {
			outs[name] = filepath.Join(outDir, name)
		}
		data = map[string]any{"inputs": paths, "outputs": outs, "inputDir": inDir, "outputDir": outDir, "workDir": a.workDir}
	} else {
		data = map[string]any{
			"Input":           tc.Blobs.URL(tc.InputsKey), // written above by InputsFile
			"OutputPrefix":    tc.Blobs.URL(tc.AttemptPrefix),
			"RawOutputPrefix": tc.Blobs.URL(tc.RawOutputPrefix),
			"WorkDir":         a.workDir,
		}
	}
	argv, err := render(append(append([]string(nil), c.GetCommand()...), c.GetArgs()...), data)
	if err != nil {
		return plugin.UserFailure("BadTemplate", err.Error(), false)
	}
	if !private && mentions(argv, a.workDir) {
		private = true
		if err := mkdir(a.workDir); err != nil {
			return plugin.SystemFailure("WorkDir", fmt.Sprintf("create attempt directory: %v", err), true)
		}
	}
	dir := p.scratch
	if private {
		dir = a.workDir
	}
	if raw && private {
		// The input and output directories exist whenever the task has
		// such values or its command names them (WriteInputs made the
		// input directory if there are inputs).
		for _, d := range []struct {
			dir  string
			need bool
		}{{inDir, !hasInputs && mentions(argv, inDir)}, {outDir, hasOutputs || mentions(argv, outDir)}} {
			if d.need {
				if err := mkdir(d.dir); err != nil {
					return plugin.SystemFailure("WorkDir", fmt.Sprintf("create attempt directory: %v", err), true)
				}
			}
		}
	}
	// The log file is created by the first byte the task prints.
	tail := &tailWriter{sink: a.log}
	cmdEnv := buildEnv(p.opts.Env, c.GetEnv(), tc.Env, env)
	newCmd := func() *exec.Cmd {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Env = cmdEnv
		cmd.Stdin = p.devNull
		cmd.Stdout = stdoutWriter{a.log}
		cmd.Stderr = tail
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		// A background child that keeps stderr open must not hold the attempt.
		cmd.WaitDelay = 2 * time.Second
		return cmd
	}
	cmd := newCmd()
	aborted, err := p.start(a, cmd)
	if err != nil && dir == p.scratch && errors.Is(err, fs.ErrNotExist) && !errors.Is(err, exec.ErrNotFound) && mkdir(dir) == nil {
		// Something (a temp-directory cleaner) removed the long-lived
		// scratch directory: it is back, try once more.
		cmd = newCmd()
		aborted, err = p.start(a, cmd)
	}
	if aborted {
		return plugin.Status{Phase: plugin.PhaseAborted}
	}
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return plugin.UserFailure("CommandNotFound", fmt.Sprintf("command %q not found or not executable: %v", argv[0], err), false)
		}
		return plugin.SystemFailure("StartFailed", fmt.Sprintf("start %q: %v", argv[0], err), true)
	}
	p.logger(tc).Debug("local attempt started", slog.String("attempt", a.key), slog.String("command", argv[0]), slog.Int("pid", cmd.Process.Pid))

	waitErr := cmd.Wait()
	p.mu.Lock()
	// Kill what the task left behind in its group, then forget the group.
	_ = syscall.Kill(-a.pgid, syscall.SIGKILL)
	a.pgid = 0
	aborted = a.aborted
	p.mu.Unlock()
	ended := time.Now()
	release()

	logs := p.uploadLogs(ctx, a)
	st := p.outcome(ctx, tc, cmd, waitErr, tail, raw, outDir)
	if aborted && st.Phase != plugin.PhaseSucceeded {
		st = plugin.Status{Phase: plugin.PhaseAborted, Reason: "aborted"}
	}
	st.Logs, st.EndedAt = logs, ended
	return st
}

// start starts cmd in its own process group unless the attempt was
// aborted first. The plugin's lock is not held while the process spawns,
// so other attempts spawn (and Status answers) meanwhile; an Abort or
// Close that arrives during the spawn is applied as soon as it is done.
func (p *Plugin) start(a *attempt, cmd *exec.Cmd) (aborted bool, err error) {
	p.mu.Lock()
	aborted = a.aborted
	p.mu.Unlock()
	if aborted {
		return true, nil
	}
	if err := cmd.Start(); err != nil {
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a.pgid = cmd.Process.Pid
	switch {
	case p.closed:
		_ = syscall.Kill(-a.pgid, syscall.SIGKILL)
	case a.aborted:
		p.terminate(a)
	}
	return false, nil
}

// writeInputs writes the attempt's inputs (tc.Inputs) as files.
func (p *Plugin) writeInputs(ctx context.Context, tc *plugin.TaskContext, dir string) (map[string]string, plugin.Status, bool) {
	decl := tc.Task.GetInterface().GetInputs()
	inputs := tc.Inputs
	if inputs == nil {
		inputs = &corev1.LiteralMap{}
	}
	paths, err := rawio.WriteInputs(ctx, tc.Blobs, inputs, decl, dir)
	if err != nil {
		var ie *rawio.InputError
		if errors.As(err, &ie) {
			return nil, plugin.UserFailure("BadInput", err.Error(), false), false
		}
		return nil, plugin.SystemFailure("WriteInputs", err.Error(), true), false
	}
	return paths, plugin.Status{}, true
}

// outcome turns the exit and what the task wrote into the final status.
func (p *Plugin) outcome(ctx context.Context, tc *plugin.TaskContext, cmd *exec.Cmd, waitErr error, tail *tailWriter, raw bool, outDir string) plugin.Status {
	if !raw {
		doc := &corev1.ErrorDocument{}
		err := tc.Blobs.ReadProto(ctx, tc.ErrorKey(), doc)
		switch {
		case err == nil:
			return errorDocStatus(doc)
		case !errors.Is(err, storage.ErrNotFound):
			return plugin.SystemFailure("ReadError", fmt.Sprintf("read error.pb: %v", err), true)
		}
	}
	state := cmd.ProcessState
	if state == nil || !state.Success() {
		return exitFailure(state, waitErr, tail)
	}
	outputs := tc.Task.GetInterface().GetOutputs()
	if !raw {
		ok, err := tc.Blobs.Exists(ctx, tc.OutputsKey())
		switch {
		case err != nil:
			return plugin.SystemFailure("ReadOutputs", fmt.Sprintf("check outputs.pb: %v", err), true)
		case ok:
			return plugin.Status{Phase: plugin.PhaseSucceeded}
		}
		// Only looked for without outputs.pb, so ordinary tasks pay no
		// extra read.
		if st, ok := readFutures(ctx, tc); ok {
			return st
		}
		if len(outputs.GetVariables()) > 0 {
			return plugin.UserFailure("MissingOutputs", fmt.Sprintf("the task exited 0 but wrote no outputs.pb (nor futures.pb) under %s", tc.Blobs.URL(tc.AttemptPrefix)), false)
		}
		return plugin.Status{Phase: plugin.PhaseSucceeded}
	}
	if len(outputs.GetVariables()) == 0 {
		return plugin.Status{Phase: plugin.PhaseSucceeded, Outputs: &corev1.LiteralMap{}}
	}
	lits, err := rawio.ReadOutputs(ctx, tc.Blobs, outDir, outputs, tc.RawOutputPrefix)
	if err != nil {
		var oe *rawio.OutputError
		if errors.As(err, &oe) {
			return plugin.UserFailure("BadOutput", err.Error(), false)
		}
		return plugin.SystemFailure("ReadOutputs", err.Error(), true)
	}
	// Returned inline: the engine keeps small outputs in its rows and
	// writes large ones to a blob itself.
	return plugin.Status{Phase: plugin.PhaseSucceeded, Outputs: lits}
}

// readFutures reads the workflow a dynamic SDK task generated (futures.pb):
// ok is false when there is none. A futures.pb that does not decode is the
// task's fault (USER, not retryable); failing to read it is the platform's.
func readFutures(ctx context.Context, tc *plugin.TaskContext) (plugin.Status, bool) {
	key := tc.FuturesKey()
	data, err := tc.Blobs.ReadAll(ctx, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return plugin.Status{}, false
	case err != nil:
		return plugin.SystemFailure("ReadFutures", fmt.Sprintf("read futures.pb: %v", err), true), true
	}
	spec := &corev1.DynamicJobSpec{}
	if err := proto.Unmarshal(data, spec); err != nil {
		return plugin.UserFailure("BadFutures", fmt.Sprintf("%s is not a DynamicJobSpec: %v", tc.Blobs.URL(key), err), false), true
	}
	return plugin.Status{Phase: plugin.PhaseSucceeded, Dynamic: spec}, true
}

// mentions reports whether any argument contains dir.
func mentions(argv []string, dir string) bool {
	for _, a := range argv {
		if strings.Contains(a, dir) {
			return true
		}
	}
	return false
}

// exitFailure is a retryable user failure quoting the end of stderr.
func exitFailure(state *os.ProcessState, waitErr error, tail *tailWriter) plugin.Status {
	var what string
	switch {
	case state == nil:
		what = fmt.Sprintf("the process could not be waited for: %v", waitErr)
	case state.ExitCode() >= 0:
		what = fmt.Sprintf("exit code %d", state.ExitCode())
	default:
		what = "killed by " + state.String()
	}
	msg := what
	if lines := tail.lastLines(stderrTailLines); lines != "" {
		msg += "; last lines of stderr:\n" + lines
	}
	st := plugin.UserFailure("NonZeroExit", msg, true)
	return st
}

// errorDocStatus maps an SDK task's error.pb to a failure of its kind.
func errorDocStatus(doc *corev1.ErrorDocument) plugin.Status {
	e := doc.GetError()
	code := e.GetCode()
	if code == "" {
		code = "TaskError"
	}
	retryable := e.GetKind() == corev1.ContainerError_KIND_RECOVERABLE
	if e.GetOrigin() == corev1.ExecutionError_ERROR_KIND_SYSTEM {
		return plugin.SystemFailure(code, e.GetMessage(), retryable)
	}
	return plugin.UserFailure(code, e.GetMessage(), retryable)
}

// uploadLogs stores the log file as the attempt's logs.txt; a failure is
// logged, not fatal. A task that printed nothing has no log file and no
// logs.txt.
func (p *Plugin) uploadLogs(ctx context.Context, a *attempt) []*corev1.TaskLog {
	created, err := a.log.close()
	if err != nil {
		p.logger(a.tc).Warn("write attempt log file", slog.String("attempt", a.key), slog.Any("error", err))
	}
	if !created {
		return nil
	}
	key := path.Join(a.tc.AttemptPrefix, "logs.txt")
	if err := a.tc.Blobs.CopyFromFile(ctx, key, a.log.path); err != nil {
		p.logger(a.tc).Warn("upload attempt logs", slog.String("attempt", a.key), slog.Any("error", err))
		return nil
	}
	return []*corev1.TaskLog{{Name: "Process logs", Uri: a.tc.Blobs.URL(key)}}
}

// cleanup removes the attempt's log file and work directory, if they were
// made, unless KeepWorkDirs is set.
func (p *Plugin) cleanup(a *attempt, madeDir bool) {
	if p.opts.KeepWorkDirs {
		return
	}
	if created, _ := a.log.close(); created {
		if err := os.Remove(a.log.path); err != nil {
			p.log.Warn("remove attempt log file", slog.String("attempt", a.key), slog.Any("error", err))
		}
	}
	if madeDir {
		if err := os.RemoveAll(a.workDir); err != nil {
			p.log.Warn("remove attempt work dir", slog.String("attempt", a.key), slog.Any("error", err))
		}
	}
}

// mkdir creates dir, and its parents only if they are missing (the common
// case costs one system call).
func mkdir(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrNotExist) {
		err = os.MkdirAll(dir, 0o755)
	}
	return err
}

func (p *Plugin) logger(tc *plugin.TaskContext) *slog.Logger {
	if tc.Logger != nil {
		return tc.Logger
	}
	return p.log
}

// outputPaths is {{.outputs}}: printed, the output directory; indexed by an
// output name ({{.outputs.NAME}}), the path of that output's file.
type outputPaths map[string]string

// String is the output directory.
func (o outputPaths) String() string { return o[""] }

// render replaces the templates in each argument.
func render(args []string, data any) ([]string, error) {
	out := make([]string, len(args))
	var b strings.Builder
	for i, arg := range args {
		if !strings.Contains(arg, "{{") {
			out[i] = arg
			continue
		}
		t, err := template.New("arg").Option("missingkey=error").Parse(arg)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		b.Reset()
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		out[i] = b.String()
	}
	if out[0] == "" {
		return nil, errors.New("the command is empty")
	}
	return out, nil
}

// buildEnv is this process's environment, then the plugin's Options.Env,
// then the container's, then the attempt's (execution envs and secrets),
// then the platform's variables; later values win.
func buildEnv(base []string, container []*corev1.KeyValuePair, extra map[string]string, platform []string) []string {
	env := append(os.Environ(), base...)
	for _, kv := range container {
		env = append(env, kv.GetKey()+"="+kv.GetValue())
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return append(env, platform...)
}

// logSink is the attempt's log file, created when the first byte arrives,
// so a task that prints nothing costs no file. Stdout and stderr are copied
// into it by two goroutines.
type logSink struct {
	path string

	mu     sync.Mutex
	f      *os.File
	err    error // the first failure; later output is dropped
	closed bool
}

// write appends b to the log file, creating it first if needed. A failure
// is remembered and the output dropped, so the task is not stopped by a
// broken pipe because its log cannot be written.
func (s *logSink) write(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.closed || len(b) == 0 {
		return
	}
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			s.err = fmt.Errorf("create log file: %w", err)
			return
		}
		s.f = f
	}
	if _, err := s.f.Write(b); err != nil {
		s.err = fmt.Errorf("write log file: %w", err)
	}
}

// close closes the file once; it reports whether the file was created and
// the first failure to create, write or close it.
func (s *logSink) close() (created bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && s.f != nil {
		if err := s.f.Close(); err != nil && s.err == nil {
			s.err = fmt.Errorf("close log file: %w", err)
		}
	}
	s.closed = true
	return s.f != nil, s.err
}

// copyBufs holds the buffers that copy a process's output from its pipe.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readAll passes everything r yields to write, through a pooled buffer
// (io.Copy would allocate one per pipe, per attempt).
func readAll(r io.Reader, write func([]byte)) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	var n int64
	for {
		k, err := r.Read(*bp)
		if k > 0 {
			write((*bp)[:k])
			n += int64(k)
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// stdoutWriter copies stdout into the log.
type stdoutWriter struct{ sink *logSink }

// Write implements io.Writer.
func (w stdoutWriter) Write(b []byte) (int, error) {
	w.sink.write(b)
	return len(b), nil
}

// ReadFrom implements io.ReaderFrom.
func (w stdoutWriter) ReadFrom(r io.Reader) (int64, error) {
	return readAll(r, w.sink.write)
}

// tailWriter copies stderr into the log and keeps its last bytes.
type tailWriter struct {
	sink *logSink
	buf  []byte
}

// Write implements io.Writer.
func (w *tailWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	if len(w.buf) > 2*stderrTailBytes {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-stderrTailBytes:]...)
	}
	w.sink.write(b)
	return len(b), nil
}

// ReadFrom implements io.ReaderFrom.
func (w *tailWriter) ReadFrom(r io.Reader) (int64, error) {
	return readAll(r, func(b []byte) { _, _ = w.Write(b) })
}

// lastLines returns up to n final lines of what was written.
func (w *tailWriter) lastLines(n int) string {
	s := strings.TrimRight(string(w.buf), "\n")
	if len(s) > stderrTailBytes {
		s = s[len(s)-stderrTailBytes:]
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
