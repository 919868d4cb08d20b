package datacatalog

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/rpcerror"
	"github.com/flyte-go/flyte/internal/store"
)

// GetOrExtendReservation acquires the reservation of a cache key for the
// owner when nobody holds it or its holder let it expire, extends it when
// the owner already holds it, and otherwise returns the other owner's
// reservation unchanged (the caller compares owner_id). The heartbeat
// interval is capped by Options.MaxReservationHeartbeat, which is also the
// interval when none is asked for; a reservation expires after
// store.ReservationExpiryHeartbeats intervals without a heartbeat.
func (s *Service) GetOrExtendReservation(ctx context.Context, req *connect.Request[datacatalogv1.GetOrExtendReservationRequest]) (*connect.Response[datacatalogv1.GetOrExtendReservationResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.GetOrExtendReservationRequest) (*datacatalogv1.GetOrExtendReservationResponse, error) {
		var p problems
		ref, tag := p.reservationID(r.GetReservationId())
		p.text("owner_id", r.GetOwnerId())
		interval := s.maxHB
		if hb := r.GetHeartbeatInterval(); hb != nil {
			switch d := hb.AsDuration(); {
			case hb.CheckValid() != nil:
				p.addf("heartbeat_interval", "%v", hb.CheckValid())
			case d < 0:
				p.addf("heartbeat_interval", "must not be negative, got %s", d)
			case d > 0 && d < interval:
				interval = d
			}
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		res, err := s.store.ReservationGetOrExtend(ctx, store.ReservationGetOrExtendParams{
			Dataset: key, TagName: tag, OwnerID: r.GetOwnerId(), HeartbeatInterval: interval, Now: s.now(),
		})
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.GetOrExtendReservationResponse{Reservation: reservationProto(res)}, nil
	})
}

// ReleaseReservation releases the owner's reservation of a cache key.
// Releasing a reservation nobody holds succeeds; one another owner holds
// fails with FailedPrecondition and stays.
func (s *Service) ReleaseReservation(ctx context.Context, req *connect.Request[datacatalogv1.ReleaseReservationRequest]) (*connect.Response[datacatalogv1.ReleaseReservationResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.ReleaseReservationRequest) (*datacatalogv1.ReleaseReservationResponse, error) {
		var p problems
		ref, tag := p.reservationID(r.GetReservationId())
		p.text("owner_id", r.GetOwnerId())
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		err = s.store.ReservationRelease(ctx, store.ReservationReleaseParams{Dataset: key, TagName: tag, OwnerID: r.GetOwnerId()})
		if errors.Is(err, store.ErrConflict) {
			return nil, rpcerror.Errorf(connect.CodeFailedPrecondition,
				"the reservation of tag %q in dataset %s is held by another owner, not %q", tag, key, r.GetOwnerId())
		}
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.ReleaseReservationResponse{}, nil
	})
}

// reservationID checks a reservation id: a dataset and a tag name.
func (p *problems) reservationID(id *datacatalogv1.ReservationID) (store.DatasetGetParams, string) {
	if id == nil {
		p.addf("reservation_id", "required")
		return store.DatasetGetParams{}, ""
	}
	ref := p.datasetRef("reservation_id.dataset_id", id.GetDatasetId())
	p.text("reservation_id.tag_name", id.GetTagName())
	return ref, id.GetTagName()
}
