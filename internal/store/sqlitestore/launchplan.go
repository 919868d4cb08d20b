package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

// LaunchPlanSetState activates or deactivates one launch plan version. The
// whole change runs in one IMMEDIATE transaction on the single writer, so
// concurrent activations are serialised.
func (s *Store) LaunchPlanSetState(ctx context.Context, p store.LaunchPlanSetStateParams) (*store.LaunchPlanSetStateResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	var result store.LaunchPlanSetStateResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		targetID, target, err := getEntity(ctx, tx, store.KindLaunchPlan, p.ID)
		if err != nil {
			return err
		}
		if p.State == store.LaunchPlanStateActive {
			// Deactivate first: the unique index allows one active row per name.
			prevID, prev, err := decode.Entity(tx.QueryRowContext(ctx, `SELECT `+sqlshared.LaunchPlanColumns+` FROM launch_plans
WHERE project = $1 AND domain = $2 AND name = $3 AND state = 1 AND id <> $4`,
				p.ID.Project, p.ID.Domain, p.ID.Name, targetID), store.KindLaunchPlan)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("find active launch plan %s: %w", p.ID.NamedEntityID(), err)
			default:
				if err := setState(ctx, tx, prevID, store.LaunchPlanStateInactive, now); err != nil {
					return err
				}
				prev.State, prev.UpdatedAt = store.LaunchPlanStateInactive, fromDB(now)
				result.Deactivated = prev
			}
		}
		if target.State != p.State {
			if err := setState(ctx, tx, targetID, p.State, now); err != nil {
				return err
			}
			target.State, target.UpdatedAt = p.State, fromDB(now)
		}
		result.LaunchPlan = target
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &result, nil
}

func setState(ctx context.Context, tx *sql.Tx, rowID int64, state store.LaunchPlanState, now int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE launch_plans SET state = $1, updated_at = $2 WHERE id = $3`,
		int32(state), now, rowID); err != nil {
		return fmt.Errorf("set launch plan state: %w", err)
	}
	return nil
}

// LaunchPlanGetActive returns the active version of a launch plan name.
func (s *Store) LaunchPlanGetActive(ctx context.Context, p store.LaunchPlanGetActiveParams) (*store.Entity, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	_, e, err := decode.Entity(s.reader.QueryRowContext(ctx, `SELECT `+sqlshared.LaunchPlanColumns+` FROM launch_plans
WHERE project = $1 AND domain = $2 AND name = $3 AND state = 1`, p.ID.Project, p.ID.Domain, p.ID.Name), store.KindLaunchPlan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("active launch plan %s", p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("get active launch plan %s: %w", p.ID, err)
	}
	return e, nil
}

// LaunchPlanListActive returns one page of active launch plans.
func (s *Store) LaunchPlanListActive(ctx context.Context, p store.LaunchPlanListActiveParams) (*store.Page[*store.Entity], error) {
	q, err := store.PrepareLaunchPlanListActive(p)
	if err != nil {
		return nil, err
	}
	b := listsql.New(dialect)
	conds := sqlshared.ActiveLaunchPlanScope(b, p)
	return s.listEntities(ctx, store.KindLaunchPlan, q, b, conds)
}
