package localplugin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"text/template"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
	"github.com/flyte-go/flyte/internal/rawio"
	"github.com/flyte-go/flyte/internal/storage"
)

// Environment variables every process gets.
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
func (p *Plugin) execute(ctx context.Context, a *attempt, release func()) plugin.Status {
	tc := a.tc
	c := tc.Task.GetContainer()
	if len(c.GetCommand()) == 0 {
		return plugin.UserFailure("NoCommand", "the task has no command to run", false)
	}
	inDir, outDir := filepath.Join(a.workDir, "inputs"), filepath.Join(a.workDir, "outputs")
	if err := os.MkdirAll(a.workDir, 0o755); err != nil {
		return plugin.SystemFailure("WorkDir", fmt.Sprintf("create attempt directory: %v", err), true)
	}
	raw := tc.Task.GetType() == TaskTypeRaw
	hasInputs := len(tc.Task.GetInterface().GetInputs().GetVariables()) > 0
	env := []string{
		EnvInputsURI + "=" + tc.Blobs.URL(tc.InputsKey),
		EnvOutputPrefix + "=" + tc.Blobs.URL(tc.AttemptPrefix),
		EnvRawOutputPrefix + "=" + tc.Blobs.URL(tc.RawOutputPrefix),
	}
	var data any
	if raw {
		// Files cost a few syscalls each, which dominate short tasks: a task
		// without inputs gets no input files at all.
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
		data = map[string]any{"inputs": paths, "outputs": outs, "inputDir": inDir, "outputDir": outDir}
	} else {
		data = map[string]any{
			"Input":           tc.Blobs.URL(tc.InputsKey),
			"OutputPrefix":    tc.Blobs.URL(tc.AttemptPrefix),
			"RawOutputPrefix": tc.Blobs.URL(tc.RawOutputPrefix),
		}
	}
	argv, err := render(append(append([]string(nil), c.GetCommand()...), c.GetArgs()...), data)
	if err != nil {
		return plugin.UserFailure("BadTemplate", err.Error(), false)
	}
	if raw {
		// The directories exist whenever the task has such values or its
		// command names them.
		for _, d := range []struct {
			dir  string
			need bool
		}{{inDir, hasInputs}, {outDir, len(tc.Task.GetInterface().GetOutputs().GetVariables()) > 0}} {
			if d.need || mentions(argv, d.dir) {
				if err := os.MkdirAll(d.dir, 0o755); err != nil {
					return plugin.SystemFailure("WorkDir", fmt.Sprintf("create attempt directory: %v", err), true)
				}
			}
		}
	}
	logFile, err := os.OpenFile(a.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return plugin.SystemFailure("LogFile", fmt.Sprintf("create log file: %v", err), true)
	}
	defer logFile.Close()
	tail := &tailWriter{f: logFile}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = a.workDir
	cmd.Env = buildEnv(c.GetEnv(), tc.Env, env)
	cmd.Stdout = logFile
	cmd.Stderr = tail
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A background child that keeps stderr open must not hold the attempt.
	cmd.WaitDelay = 2 * time.Second

	p.mu.Lock()
	if a.aborted {
		p.mu.Unlock()
		return plugin.Status{Phase: plugin.PhaseAborted}
	}
	err = cmd.Start()
	if err == nil {
		a.pgid = cmd.Process.Pid
	}
	p.mu.Unlock()
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
	aborted := a.aborted
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

// writeInputs reads the node's inputs and writes them as files.
func (p *Plugin) writeInputs(ctx context.Context, tc *plugin.TaskContext, dir string) (map[string]string, plugin.Status, bool) {
	decl := tc.Task.GetInterface().GetInputs()
	inputs := &corev1.LiteralMap{}
	if err := tc.Blobs.ReadProto(ctx, tc.InputsKey, inputs); err != nil && (!errors.Is(err, storage.ErrNotFound) || len(decl.GetVariables()) > 0) {
		return nil, plugin.SystemFailure("ReadInputs", fmt.Sprintf("read inputs: %v", err), true), false
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
		case len(outputs.GetVariables()) > 0:
			return plugin.UserFailure("MissingOutputs", fmt.Sprintf("the task exited 0 but wrote no outputs.pb under %s", tc.Blobs.URL(tc.AttemptPrefix)), false)
		}
		return plugin.Status{Phase: plugin.PhaseSucceeded}
	}
	if len(outputs.GetVariables()) == 0 {
		// No outputs, no outputs.pb (the plugin contract allows it).
		return plugin.Status{Phase: plugin.PhaseSucceeded}
	}
	lits, err := rawio.ReadOutputs(ctx, tc.Blobs, outDir, outputs, tc.RawOutputPrefix)
	if err != nil {
		var oe *rawio.OutputError
		if errors.As(err, &oe) {
			return plugin.UserFailure("BadOutput", err.Error(), false)
		}
		return plugin.SystemFailure("ReadOutputs", err.Error(), true)
	}
	if err := tc.Blobs.WriteProto(ctx, tc.OutputsKey(), lits); err != nil {
		return plugin.SystemFailure("WriteOutputs", fmt.Sprintf("write outputs: %v", err), true)
	}
	return plugin.Status{Phase: plugin.PhaseSucceeded}
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
// logged, not fatal. A task that printed nothing has no logs.txt.
func (p *Plugin) uploadLogs(ctx context.Context, a *attempt) []*corev1.TaskLog {
	if info, err := os.Stat(a.logPath); err == nil && info.Size() == 0 {
		return nil
	}
	key := path.Join(a.tc.AttemptPrefix, "logs.txt")
	if err := a.tc.Blobs.CopyFromFile(ctx, key, a.logPath); err != nil {
		p.logger(a.tc).Warn("upload attempt logs", slog.String("attempt", a.key), slog.Any("error", err))
		return nil
	}
	return []*corev1.TaskLog{{Name: "Process logs", Uri: a.tc.Blobs.URL(key)}}
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

// buildEnv is this process's environment, then the container's, then the
// attempt's (execution envs and secrets), then the platform's variables;
// later values win.
func buildEnv(container []*corev1.KeyValuePair, extra map[string]string, platform []string) []string {
	env := os.Environ()
	for _, kv := range container {
		env = append(env, kv.GetKey()+"="+kv.GetValue())
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return append(env, platform...)
}

// tailWriter appends stderr to the log file and keeps its last bytes.
type tailWriter struct {
	f   *os.File
	buf []byte
}

// Write implements io.Writer.
func (w *tailWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	if len(w.buf) > 2*stderrTailBytes {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-stderrTailBytes:]...)
	}
	return w.f.Write(b)
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
