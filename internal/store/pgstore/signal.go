package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

// SignalGetOrCreate returns a signal, creating it unset the first time.
func (s *Store) SignalGetOrCreate(ctx context.Context, p store.SignalGetOrCreateParams) (*store.Signal, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var sig *store.Signal
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := executionPhase(ctx, tx, p.ExecutionRowID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signals (execution_id, signal_id, type, created_at)
VALUES ($1, $2, $3, $4) ON CONFLICT (execution_id, signal_id) DO NOTHING`,
			p.ExecutionRowID, p.SignalID, sqlshared.NonNil(p.Type), toDB(p.Now)); err != nil {
			return fmt.Errorf("create signal %s: %w", p.SignalID, err)
		}
		var err error
		sig, err = decode.Signal(tx.QueryRow(ctx, `SELECT `+sqlshared.SignalColumns+` FROM signals
WHERE execution_id = $1 AND signal_id = $2`, p.ExecutionRowID, p.SignalID))
		if err != nil {
			return fmt.Errorf("get signal %s: %w", p.SignalID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sig, nil
}

// executionPhase returns the phase of an execution (ErrNotFound).
func executionPhase(ctx context.Context, q querier, id int64) (store.ExecutionPhase, error) {
	var phase int32
	err := q.QueryRow(ctx, `SELECT phase FROM executions WHERE id = $1`, id).Scan(&phase)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, store.NotFoundf("execution with row id %d", id)
	}
	if err != nil {
		return 0, fmt.Errorf("get execution %d: %w", id, err)
	}
	return store.ExecutionPhase(phase), nil
}

// SignalSet sets a signal's value once and makes the execution due. Like an
// abort request it increments the execution's Version.
func (s *Store) SignalSet(ctx context.Context, p store.SignalSetParams) (*store.Signal, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	var sig *store.Signal
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		phase, err := executionPhase(ctx, tx, p.ExecutionRowID)
		if err != nil {
			return err
		}
		if store.ExecutionTerminal(phase) {
			return fmt.Errorf("set signal %s: %w", p.SignalID, store.ErrTerminal)
		}
		sig, err = decode.Signal(tx.QueryRow(ctx, `UPDATE signals SET value = $3, set_by = $4, set_at = $5
WHERE execution_id = $1 AND signal_id = $2 AND value IS NULL RETURNING `+sqlshared.SignalColumns,
			p.ExecutionRowID, p.SignalID, sqlshared.NonNil(p.Value), p.SetBy, now))
		if errors.Is(err, pgx.ErrNoRows) {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM signals WHERE execution_id = $1 AND signal_id = $2`,
				p.ExecutionRowID, p.SignalID).Scan(&n); err != nil {
				return fmt.Errorf("set signal %s: %w", p.SignalID, err)
			}
			if n == 0 {
				return store.NotFoundf("signal %s of execution %d", p.SignalID, p.ExecutionRowID)
			}
			return fmt.Errorf("signal %s of execution %d is already set: %w", p.SignalID, p.ExecutionRowID, store.ErrAlreadyExists)
		}
		if err != nil {
			return fmt.Errorf("set signal %s: %w", p.SignalID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE executions SET
wake_at = CASE WHEN wake_at IS NOT NULL AND wake_at < $2 THEN wake_at ELSE $2 END, version = version + 1
WHERE id = $1`, p.ExecutionRowID, now); err != nil {
			return fmt.Errorf("wake execution %d: %w", p.ExecutionRowID, err)
		}
		return notify(ctx, tx, p.ExecutionRowID)
	})
	if err != nil {
		return nil, err
	}
	return sig, nil
}

// SignalList returns the signals of an execution, by SignalID.
func (s *Store) SignalList(ctx context.Context, p store.SignalListParams) ([]*store.Signal, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+sqlshared.SignalColumns+` FROM signals
WHERE execution_id = $1 ORDER BY signal_id`, p.ExecutionRowID)
	if err != nil {
		return nil, fmt.Errorf("list signals of execution %d: %w", p.ExecutionRowID, err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Signal)
	if err != nil {
		return nil, fmt.Errorf("list signals of execution %d: %w", p.ExecutionRowID, err)
	}
	return items, nil
}
