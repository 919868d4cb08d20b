package datacatalog_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
)

func TestReservations(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		ds := dsID("flyte_task-add", "1-abc")
		rid := &datacatalogv1.ReservationID{DatasetId: ds, TagName: "key-1"}
		get := func(owner string, hb *durationpb.Duration) *datacatalogv1.Reservation {
			t.Helper()
			res, err := e.client.GetOrExtendReservation(ctx, connect.NewRequest(&datacatalogv1.GetOrExtendReservationRequest{
				ReservationId: rid, OwnerId: owner, HeartbeatInterval: hb,
			}))
			require.NoError(t, err)
			return res.Msg.GetReservation()
		}
		release := func(owner string) error {
			_, err := e.client.ReleaseReservation(ctx, connect.NewRequest(&datacatalogv1.ReleaseReservationRequest{ReservationId: rid, OwnerId: owner}))
			return err
		}
		want := func(owner string, hb time.Duration) *datacatalogv1.Reservation {
			return &datacatalogv1.Reservation{
				ReservationId:     &datacatalogv1.ReservationID{DatasetId: dsID("flyte_task-add", "1-abc"), TagName: "key-1"},
				OwnerId:           owner,
				HeartbeatInterval: durationpb.New(hb),
				ExpiresAt:         timestamppb.New(e.clock.Now().Add(3 * hb)),
				Metadata:          &datacatalogv1.Metadata{},
			}
		}

		// A takes it, before the dataset even exists, with a short heartbeat.
		requireProto(t, want("A", 2*time.Second), get("A", durationpb.New(2*time.Second)))
		// B sees A's reservation, unchanged.
		e.clock.advance(time.Second)
		held := get("B", durationpb.New(time.Second))
		require.Equal(t, "A", held.GetOwnerId())
		require.Equal(t, e.clock.Now().Add(5*time.Second), held.GetExpiresAt().AsTime())
		// A extends it; a long interval is capped at 10s, none asked is 10s.
		requireProto(t, want("A", 10*time.Second), get("A", durationpb.New(time.Hour)))
		requireProto(t, want("A", 10*time.Second), get("A", nil))
		requireProto(t, want("A", 10*time.Second), get("A", durationpb.New(0)))

		// A stops heartbeating: 3 heartbeats later B takes over.
		e.clock.advance(29 * time.Second)
		require.Equal(t, "A", get("B", nil).GetOwnerId())
		e.clock.advance(time.Second)
		requireProto(t, want("B", 10*time.Second), get("B", nil))

		// A may not release B's reservation; releasing something not held succeeds.
		requireCode(t, release("A"), connect.CodeFailedPrecondition, `the reservation of tag "key-1"`, "held by another owner")
		require.Equal(t, "B", get("C", nil).GetOwnerId())
		require.NoError(t, release("B"))
		require.NoError(t, release("B"))
		requireProto(t, want("C", 10*time.Second), get("C", nil))
	})
}

func TestReservationsRejectBadRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	ctx := t.Context()
	ds := dsID("flyte_task-add", "1-abc")
	tests := []struct {
		name string
		req  *datacatalogv1.GetOrExtendReservationRequest
		msgs []string
	}{
		{"empty", &datacatalogv1.GetOrExtendReservationRequest{}, []string{"reservation_id: required", "owner_id: required"}},
		{"no dataset or tag", &datacatalogv1.GetOrExtendReservationRequest{ReservationId: &datacatalogv1.ReservationID{}, OwnerId: "A"},
			[]string{"reservation_id.dataset_id: required", "reservation_id.tag_name: required"}},
		{"negative heartbeat", &datacatalogv1.GetOrExtendReservationRequest{
			ReservationId: &datacatalogv1.ReservationID{DatasetId: ds, TagName: "k"}, OwnerId: "A", HeartbeatInterval: durationpb.New(-time.Second),
		}, []string{"heartbeat_interval: must not be negative, got -1s"}},
		{"invalid heartbeat", &datacatalogv1.GetOrExtendReservationRequest{
			ReservationId: &datacatalogv1.ReservationID{DatasetId: ds, TagName: "k"}, OwnerId: "A", HeartbeatInterval: &durationpb.Duration{Seconds: 1, Nanos: -1},
		}, []string{"heartbeat_interval:"}},
	}
	for _, tt := range tests {
		_, err := e.client.GetOrExtendReservation(ctx, connect.NewRequest(tt.req))
		requireCode(t, err, connect.CodeInvalidArgument, tt.msgs...)
	}
	_, err := e.client.ReleaseReservation(ctx, connect.NewRequest(&datacatalogv1.ReleaseReservationRequest{
		ReservationId: &datacatalogv1.ReservationID{DatasetId: &datacatalogv1.DatasetID{Name: "n"}},
	}))
	requireCode(t, err, connect.CodeInvalidArgument, "reservation_id.dataset_id.project: required", "reservation_id.tag_name: required", "owner_id: required")
	_, err = e.client.ReleaseReservation(ctx, connect.NewRequest(&datacatalogv1.ReleaseReservationRequest{
		ReservationId: &datacatalogv1.ReservationID{DatasetId: &datacatalogv1.DatasetID{Uuid: "no-such"}, TagName: "k"}, OwnerId: "A",
	}))
	requireCode(t, err, connect.CodeNotFound)
}
