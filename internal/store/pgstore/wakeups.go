package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
)

var _ store.ExecutionWaker = (*Store)(nil)

// wakeupChannel is the LISTEN/NOTIFY channel of due executions. Payloads are
// "<schema>:<row id>".
const wakeupChannel = "flyte_executions"

// wakeupBuffer is how many ids a subscriber may fall behind before the
// listener waits for it (PostgreSQL queues notifications meanwhile).
const wakeupBuffer = 1024

// Reconnection backoff of a wake-up listener.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 10 * time.Second
)

// ExecutionWakeups delivers the ids of executions made due by any process
// using this database and schema (see store.ExecutionWaker). Each call holds
// its own connection, outside the pool, that LISTENs until ctx ends; the
// listener reconnects after a failure, and the engine's periodic claim
// covers notifications sent while it was away.
func (s *Store) ExecutionWakeups(ctx context.Context) (<-chan int64, error) {
	l := &listener{cfg: s.pool.Config().ConnConfig.Copy(), logger: s.logger}
	if err := l.connect(ctx); err != nil {
		return nil, err
	}
	ch := make(chan int64, wakeupBuffer)
	go l.run(ctx, ch)
	return ch, nil
}

// listener owns one LISTEN connection.
type listener struct {
	cfg    *pgx.ConnConfig
	logger *slog.Logger
	conn   *pgx.Conn
	schema string
}

// connect opens the connection, learns its schema and starts listening.
func (l *listener) connect(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return fmt.Errorf("listen for execution wake-ups: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&l.schema); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("listen for execution wake-ups: %w", err)
	}
	// Name the session after the schema so operators (and tests) can find it.
	if _, err := conn.Exec(ctx, `SELECT set_config('application_name', $1, false)`, listenerName(l.schema)); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("listen for execution wake-ups: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+wakeupChannel); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("listen for execution wake-ups: %w", err)
	}
	l.conn = conn
	return nil
}

// run forwards notifications of this schema to ch until ctx ends, then
// closes the connection and ch.
func (l *listener) run(ctx context.Context, ch chan<- int64) {
	defer close(ch)
	defer func() {
		if l.conn != nil {
			_ = l.conn.Close(context.WithoutCancel(ctx))
		}
	}()
	retry := listenRetryMin
	for {
		if l.conn == nil {
			if err := l.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				l.logger.WarnContext(ctx, "reconnect wake-up listener", slog.Any("error", err), slog.Duration("retry_in", retry))
				select {
				case <-ctx.Done():
					return
				case <-time.After(retry):
				}
				retry = min(2*retry, listenRetryMax)
				continue
			}
			retry = listenRetryMin
		}
		n, err := l.conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			l.logger.WarnContext(ctx, "wake-up listener lost its connection", slog.Any("error", err))
			_ = l.conn.Close(context.WithoutCancel(ctx))
			l.conn = nil
			continue
		}
		id, ok := parseWakeup(n.Payload, l.schema)
		if !ok {
			continue
		}
		select {
		case ch <- id:
		case <-ctx.Done():
			return
		}
	}
}

// parseWakeup returns the row id of a payload sent from schema.
func parseWakeup(payload, schema string) (int64, bool) {
	i := strings.LastIndexByte(payload, ':')
	if i < 0 || payload[:i] != schema {
		return 0, false
	}
	id, err := strconv.ParseInt(payload[i+1:], 10, 64)
	return id, err == nil
}

// listenerName is the application_name of the wake-up listener of a schema.
func listenerName(schema string) string {
	name := "flyte-wakeups:" + schema
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}
