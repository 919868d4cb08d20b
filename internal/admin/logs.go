package admin

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/store"
)

// LogsPattern is the route of LogsHandler.
const LogsPattern = "GET /api/v1/logs/{project}/{domain}/{execution}/{node}/{attempt}"

// LogsHandler returns the route and handler that stream the log of one task
// attempt as plain text: while the attempt runs, the live file the local
// plugin reports as a file:// TaskLog; afterwards the attempt's logs.txt in
// the blob store. Errors are answered as text with 400, 404 or 503.
func (s *Service) LogsHandler() (string, http.Handler) {
	return LogsPattern, http.HandlerFunc(s.serveLogs)
}

func (s *Service) serveLogs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fail := func(code int, format string, args ...any) {
		http.Error(w, fmt.Sprintf(format, args...), code)
	}
	if err := s.executionsReady(); err != nil {
		fail(http.StatusServiceUnavailable, "%v", err)
		return
	}
	id := store.ExecutionID{Project: r.PathValue("project"), Domain: r.PathValue("domain"), Name: r.PathValue("execution")}
	node := r.PathValue("node")
	attempt, err := strconv.ParseInt(r.PathValue("attempt"), 10, 32)
	if err != nil || attempt < 0 {
		fail(http.StatusBadRequest, "attempt: %q is not a retry attempt number (0, 1, ...)", r.PathValue("attempt"))
		return
	}
	if _, err := s.checkExecutionID("execution", executionID(id)); err != nil {
		fail(http.StatusBadRequest, "%v", err)
		return
	}
	e, err := s.execs.ExecutionGet(ctx, store.ExecutionGetParams{ID: id})
	if errors.Is(err, store.ErrNotFound) {
		fail(http.StatusNotFound, "execution %s not found", formatExecID(id))
		return
	}
	if err != nil {
		s.logInternal(r, err)
		fail(http.StatusInternalServerError, "internal error; the server log has the details")
		return
	}
	t, err := s.execs.TaskExecutionGet(ctx, store.TaskExecutionGetParams{ExecutionRowID: e.RowID, NodeID: node, RetryAttempt: int32(attempt)})
	if errors.Is(err, store.ErrNotFound) {
		fail(http.StatusNotFound, "attempt %d of node %q of execution %s not found", attempt, node, formatExecID(id))
		return
	}
	if err != nil {
		s.logInternal(r, err)
		fail(http.StatusInternalServerError, "internal error; the server log has the details")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !taskPhaseTerminal(t.Phase) {
		if path := liveLogPath(t); path != "" {
			if f, err := os.Open(path); err == nil {
				defer f.Close()
				_, _ = io.Copy(w, f)
				return
			}
		}
	}
	key := attemptPrefix(id, node, int32(attempt)) + "logs.txt"
	rd, err := s.blobs.NewReader(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		// A finished attempt whose log was not uploaded yet: the live file
		// may still be there.
		if path := liveLogPath(t); path != "" {
			if f, ferr := os.Open(path); ferr == nil {
				defer f.Close()
				_, _ = io.Copy(w, f)
				return
			}
		}
		fail(http.StatusNotFound, "attempt %d of node %q of execution %s has no logs", attempt, node, formatExecID(id))
		return
	}
	if err != nil {
		s.logInternal(r, err)
		fail(http.StatusInternalServerError, "internal error; the server log has the details")
		return
	}
	defer rd.Close()
	_, _ = io.Copy(w, rd)
}

func (s *Service) logInternal(r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
}

// taskPhaseTerminal reports whether an attempt has finished.
func taskPhaseTerminal(p int32) bool {
	switch corev1.TaskExecution_Phase(p) {
	case corev1.TaskExecution_PHASE_SUCCEEDED, corev1.TaskExecution_PHASE_FAILED, corev1.TaskExecution_PHASE_ABORTED:
		return true
	}
	return false
}

// liveLogPath is the local path of the first file:// log of an attempt,
// or "" when it has none.
func liveLogPath(t *store.TaskExecution) string {
	c, err := taskClosure(t)
	if err != nil {
		return ""
	}
	for _, l := range c.GetLogs() {
		if !strings.HasPrefix(l.GetUri(), "file://") {
			continue
		}
		u, err := url.Parse(l.GetUri())
		if err != nil || u.Path == "" {
			continue
		}
		return u.Path
	}
	return ""
}
