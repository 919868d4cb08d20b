package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadyCheck reports whether a dependency (database, object store, ...) can
// serve. It must return promptly once ctx is done.
type ReadyCheck func(ctx context.Context) error

type readyCheck struct {
	name  string
	check ReadyCheck
}

// AddReadyCheck makes /readyz depend on check, reported under name. It
// panics when name is empty or already used, a programming error.
func (s *Server) AddReadyCheck(name string, check ReadyCheck) {
	if name == "" || check == nil {
		panic("server: AddReadyCheck needs a name and a check")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.checks {
		if c.name == name {
			panic(fmt.Sprintf("server: ready check %q registered twice", name))
		}
	}
	s.checks = append(s.checks, readyCheck{name: name, check: check})
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// handleReady runs every check concurrently under one timeout and answers
// 200 with "ok" when all pass, else 503 with one "name: error" line per
// failing check. A draining server is never ready, so load balancers stop
// sending it work.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	select {
	case <-s.draining:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	default:
	}
	failures := s.runReadyChecks(r.Context())
	if len(failures) == 0 {
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(strings.Join(failures, "\n") + "\n"))
}

// runReadyChecks returns one "name: error" line per failing check, in
// registration order. A check still running at the timeout fails; its
// goroutine ends when the check honours its cancelled context.
func (s *Server) runReadyChecks(ctx context.Context) []string {
	s.mu.Lock()
	checks := append([]readyCheck(nil), s.checks...)
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, s.opts.readyTimeout)
	defer cancel()
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(checks)) // buffered: late checks never block
	for i, c := range checks {
		go func() {
			results <- result{i: i, err: c.check(ctx)}
		}()
	}
	errs := make([]error, len(checks))
	done := make([]bool, len(checks))
	record := func(res result) { errs[res.i], done[res.i] = res.err, true }
wait:
	for range checks {
		select {
		case res := <-results:
			record(res)
		case <-ctx.Done():
			break wait
		}
	}
	// Take the results that raced with the deadline.
	for drained := false; !drained; {
		select {
		case res := <-results:
			record(res)
		default:
			drained = true
		}
	}
	var failures []string
	for i, c := range checks {
		switch {
		case !done[i] || (ctx.Err() != nil && errors.Is(errs[i], ctx.Err())):
			// Not answering and answering "out of time" mean the same; one
			// message keeps the report independent of who won the race.
			failures = append(failures, fmt.Sprintf("%s: no answer within %s", c.name, s.opts.readyTimeout))
		case errs[i] != nil:
			failures = append(failures, fmt.Sprintf("%s: %v", c.name, errs[i]))
		}
	}
	return failures
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{
		Registry:          s.registry, // counts its own scrape errors
		EnableOpenMetrics: true,
	})
}
