package sqlitestore

import (
	"context"
	"sync"

	"github.com/flyte-go/flyte/internal/store"
)

var _ store.ExecutionWaker = (*Store)(nil)

// wakeupBuffer is how many ids a subscriber may fall behind before further
// ids are dropped for it (the engine's periodic claim catches up).
const wakeupBuffer = 1024

// hub fans out the ids of executions made due to in-process subscribers.
// SQLite has one writer per database file, and `flyte start` runs the admin
// and the engine in one process, so in-process delivery reaches everyone.
type hub struct {
	mu   sync.Mutex
	subs map[chan int64]struct{}
}

// subscribe registers a channel that is closed when ctx ends.
func (h *hub) subscribe(ctx context.Context) <-chan int64 {
	ch := make(chan int64, wakeupBuffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan int64]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
		close(ch)
	})
	return ch
}

// publish delivers id to every subscriber without blocking the writer.
func (h *hub) publish(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- id:
		default:
		}
	}
}

// ExecutionWakeups delivers the ids of executions made due in this process
// (see store.ExecutionWaker) until ctx ends.
func (s *Store) ExecutionWakeups(ctx context.Context) (<-chan int64, error) {
	return s.wakeups.subscribe(ctx), nil
}
