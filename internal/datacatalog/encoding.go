package datacatalog

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// The store keeps artifact data and metadata as opaque bytes. Their
// encoding, defined here and nowhere else:
//
//   - artifact data: a datacatalogv1.Artifact holding only its data field
//     (the list of named output literals), marshalled deterministically, so
//     that the same outputs always have the same bytes and size;
//   - dataset and artifact metadata: a marshalled datacatalogv1.Metadata,
//     or no bytes when there is no metadata.
//
// The size an artifact reports (size_bytes) is the length of its encoded
// data: what the catalog holds, not the files the literals refer to.

var deterministic = proto.MarshalOptions{Deterministic: true}

// encodeData encodes the data of an artifact.
func encodeData(data []*datacatalogv1.ArtifactData) ([]byte, error) {
	b, err := deterministic.Marshal(&datacatalogv1.Artifact{Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode artifact data: %w", err)
	}
	return b, nil
}

// decodeData decodes what encodeData wrote.
func decodeData(b []byte) ([]*datacatalogv1.ArtifactData, error) {
	var a datacatalogv1.Artifact
	if err := proto.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode artifact data: %w", err)
	}
	return a.GetData(), nil
}

// encodeMetadata encodes metadata; empty metadata is no bytes.
func encodeMetadata(m *datacatalogv1.Metadata) ([]byte, error) {
	if len(m.GetKeyMap()) == 0 {
		return nil, nil
	}
	b, err := deterministic.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	return b, nil
}

// decodeMetadata decodes what encodeMetadata wrote; no bytes is empty
// metadata.
func decodeMetadata(b []byte) (*datacatalogv1.Metadata, error) {
	m := &datacatalogv1.Metadata{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	return m, nil
}

// datasetID converts a store key to the API identifier.
func datasetID(k store.DatasetKey, uuid string) *datacatalogv1.DatasetID {
	return &datacatalogv1.DatasetID{Project: k.Project, Domain: k.Domain, Name: k.Name, Version: k.Version, Uuid: uuid}
}

// datasetProto converts a stored dataset to the API message.
func datasetProto(d *store.Dataset) (*datacatalogv1.Dataset, error) {
	md, err := decodeMetadata(d.Metadata)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", d.Key, err)
	}
	return &datacatalogv1.Dataset{
		Id:            datasetID(d.Key, d.UUID),
		Metadata:      md,
		PartitionKeys: d.PartitionKeys,
	}, nil
}

// artifactProto converts a stored artifact to the API message.
func artifactProto(a *store.Artifact) (*datacatalogv1.Artifact, error) {
	data, err := decodeData(a.Data)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", a.ID, err)
	}
	md, err := decodeMetadata(a.Metadata)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", a.ID, err)
	}
	ds := datasetID(a.Dataset, "")
	out := &datacatalogv1.Artifact{
		Id:        a.ID,
		Dataset:   ds,
		Data:      data,
		Metadata:  md,
		CreatedAt: timestamppb.New(a.CreatedAt),
		UpdatedAt: timestamppb.New(a.UpdatedAt),
		SizeBytes: a.Size,
	}
	for _, p := range a.Partitions {
		out.Partitions = append(out.Partitions, &datacatalogv1.Partition{Key: p.Key, Value: p.Value})
	}
	for _, t := range a.Tags {
		out.Tags = append(out.Tags, &datacatalogv1.Tag{Name: t, ArtifactId: a.ID, Dataset: datasetID(a.Dataset, "")})
	}
	return out, nil
}

// reservationProto converts a stored reservation to the API message.
func reservationProto(r *store.Reservation) *datacatalogv1.Reservation {
	return &datacatalogv1.Reservation{
		ReservationId: &datacatalogv1.ReservationID{
			DatasetId: datasetID(r.Dataset, ""),
			TagName:   r.TagName,
		},
		OwnerId:           r.OwnerID,
		HeartbeatInterval: durationpb.New(r.HeartbeatInterval),
		ExpiresAt:         timestamppb.New(r.ExpiresAt),
		Metadata:          &datacatalogv1.Metadata{},
	}
}
