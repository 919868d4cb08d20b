// Package builtinplugin answers the echo and sleep task types inside the
// engine, without a process: echo returns its inputs as outputs of the same
// names, sleep succeeds after TaskTemplate.config["duration"].
//
// Neither writes a file: echo's outputs come from TaskContext.Inputs and are
// returned inline in Status.Outputs, as are sleep's (none). Handles hold
// everything else Status needs (whether the echo matched, the sleep's start
// time and duration), so both survive an engine restart: a sleep started by
// an earlier run is re-armed from its recorded start.
package builtinplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
)

// Task types this plugin runs.
const (
	TaskTypeEcho  = "echo"
	TaskTypeSleep = "sleep"
)

// TaskTypes lists the task types to register the plugin for.
var TaskTypes = []string{TaskTypeEcho, TaskTypeSleep}

// Options configures the plugin.
type Options struct {
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Plugin runs echo and sleep tasks. Close it to stop pending sleep timers.
type Plugin struct {
	now func() time.Time

	mu     sync.Mutex
	sleeps map[string]*sleeper
}

var _ plugin.Plugin = (*Plugin)(nil)

// sleeper is one armed sleep: its timer wakes the engine at the deadline.
type sleeper struct {
	timer   *time.Timer
	aborted bool
	endedAt time.Time
}

// New returns the plugin.
func New(opts Options) *Plugin {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Plugin{now: opts.Now, sleeps: map[string]*sleeper{}}
}

// handle is the persisted state of an attempt, as JSON.
type handle struct {
	Type string `json:"type"`
	// Echo: the failure, if the outputs could not be produced.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Sleep: start time (Unix nanoseconds) and duration.
	Start    int64         `json:"start,omitempty"`
	Duration time.Duration `json:"duration,omitempty"`
}

func encode(h handle) plugin.Handle {
	b, _ := json.Marshal(h) // a struct of strings and integers always marshals
	return b
}

func decode(h plugin.Handle) (handle, error) {
	var out handle
	if err := json.Unmarshal(h, &out); err != nil || (out.Type != TaskTypeEcho && out.Type != TaskTypeSleep) {
		return handle{}, fmt.Errorf("not a builtin plugin handle: %q", h)
	}
	return out, nil
}

// Start runs an echo task at once, or records a sleep's start and arms its
// timer. Problems with the task itself are reported by Status, as non-retryable
// user failures; store failures are returned.
func (p *Plugin) Start(ctx context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	switch tc.Task.GetType() {
	case TaskTypeEcho:
		return p.startEcho(ctx, tc)
	case TaskTypeSleep:
		return p.startSleep(ctx, tc)
	}
	return nil, fmt.Errorf("builtin plugin cannot run task type %q", tc.Task.GetType())
}

func (p *Plugin) startEcho(_ context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	if _, missing := echoOutputs(tc); len(missing) > 0 {
		return encode(handle{Type: TaskTypeEcho, Code: "NoMatchingInput",
			Message: fmt.Sprintf("echo: outputs %s have no input of the same name", strings.Join(missing, ", "))}), nil
	}
	return encode(handle{Type: TaskTypeEcho}), nil
}

// echoOutputs picks each declared output from the input of the same name;
// missing lists (sorted) the outputs without one.
func echoOutputs(tc *plugin.TaskContext) (out *corev1.LiteralMap, missing []string) {
	decl := tc.Task.GetInterface().GetOutputs().GetVariables()
	out = &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, len(decl))}
	for name := range decl {
		l, ok := tc.Inputs.GetLiterals()[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		out.Literals[name] = l
	}
	sort.Strings(missing)
	return out, missing
}

func (p *Plugin) startSleep(_ context.Context, tc *plugin.TaskContext) (plugin.Handle, error) {
	raw := tc.Task.GetConfig()["duration"]
	d, err := time.ParseDuration(raw)
	switch {
	case raw == "":
		return encode(handle{Type: TaskTypeSleep, Code: "BadConfig", Message: `sleep: config "duration" is not set`}), nil
	case err != nil || d < 0:
		return encode(handle{Type: TaskTypeSleep, Code: "BadConfig", Message: fmt.Sprintf(`sleep: config "duration" %q is not a duration such as 10s`, raw)}), nil
	}
	h := encode(handle{Type: TaskTypeSleep, Start: p.now().UnixNano(), Duration: d})
	p.arm(string(h), p.now().Add(d), tc.Wake)
	return h, nil
}

// arm makes sure a timer wakes the engine at the deadline.
func (p *Plugin) arm(key string, deadline time.Time, wake func()) *sleeper {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sleeps[key]; ok {
		return s
	}
	s := &sleeper{}
	s.timer = time.AfterFunc(deadline.Sub(p.now()), func() {
		p.mu.Lock()
		s.endedAt = deadline
		p.mu.Unlock()
		if wake != nil {
			wake()
		}
	})
	p.sleeps[key] = s
	return s
}

// Status reports an echo's result, or whether a sleep's deadline passed. A
// sleep this instance did not start is re-armed from its recorded start.
func (p *Plugin) Status(_ context.Context, tc *plugin.TaskContext, h plugin.Handle) (plugin.Status, error) {
	st, err := decode(h)
	if err != nil {
		return plugin.Status{}, err
	}
	if st.Code != "" {
		return plugin.UserFailure(st.Code, st.Message, false), nil
	}
	if st.Type == TaskTypeEcho {
		out, _ := echoOutputs(tc)
		return plugin.Status{Phase: plugin.PhaseSucceeded, Outputs: out}, nil
	}
	start := time.Unix(0, st.Start)
	deadline := start.Add(st.Duration)
	now := p.now()
	p.mu.Lock()
	s, armed := p.sleeps[string(h)]
	if armed && s.aborted {
		p.mu.Unlock()
		return plugin.Status{Phase: plugin.PhaseAborted, Reason: "aborted", StartedAt: start, EndedAt: s.endedAt}, nil
	}
	if !now.Before(deadline) {
		delete(p.sleeps, string(h))
		p.mu.Unlock()
		return plugin.Status{Phase: plugin.PhaseSucceeded, StartedAt: start, EndedAt: deadline, Outputs: &corev1.LiteralMap{}}, nil
	}
	p.mu.Unlock()
	if !armed {
		p.arm(string(h), deadline, tc.Wake)
	}
	return plugin.Status{Phase: plugin.PhaseRunning, Reason: fmt.Sprintf("sleeping until %s", deadline.UTC().Format(time.RFC3339)), StartedAt: start}, nil
}

// Abort cancels a sleep; echo tasks end inside Start, so aborting one does
// nothing.
func (p *Plugin) Abort(_ context.Context, _ *plugin.TaskContext, h plugin.Handle) error {
	st, err := decode(h)
	if err != nil {
		return err
	}
	if st.Type != TaskTypeSleep || st.Code != "" {
		return nil
	}
	if !p.now().Before(time.Unix(0, st.Start).Add(st.Duration)) {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.sleeps[string(h)]
	if !ok {
		s = &sleeper{}
		p.sleeps[string(h)] = s
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.aborted, s.endedAt = true, p.now()
	return nil
}

// Close stops every pending timer.
func (p *Plugin) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, s := range p.sleeps {
		if s.timer != nil {
			s.timer.Stop()
		}
		delete(p.sleeps, k)
	}
	return nil
}
