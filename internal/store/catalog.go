package store

import (
	"context"
	"time"
)

// CatalogStore persists the data catalog: datasets (one per cached task
// signature), artifacts (one set of cached outputs each), tags (cache keys
// naming artifacts) and reservations (so that concurrent runs with the same
// key compute once). It shares the database of the control plane (DESIGN §5).
//
// Artifact data and metadata are opaque bytes written by the data catalog
// service (marshalled protobuf); the store keeps their length as Size.
// Deleting an artifact deletes its tags and partitions in the same
// transaction; a dataset is never deleted by eviction.
type CatalogStore interface {
	// DatasetCreate stores a new dataset. ErrAlreadyExists when a dataset
	// with the same key exists (the stored row is not changed).
	DatasetCreate(ctx context.Context, params DatasetCreateParams) (*Dataset, error)
	// DatasetGet returns one dataset by key or by UUID (ErrNotFound).
	DatasetGet(ctx context.Context, params DatasetGetParams) (*Dataset, error)
	// DatasetList returns one page of datasets whose key fields equal the
	// non-empty fields of params.Key, newest first unless Asc.
	DatasetList(ctx context.Context, params DatasetListParams) (*Page[*Dataset], error)

	// ArtifactCreate stores a new artifact with its partitions and tags in
	// one transaction. ErrNotFound when the dataset does not exist;
	// ErrAlreadyExists when the artifact ID is taken or one of the tags
	// already names another artifact (nothing is stored then). The store
	// does not check partitions against the dataset's PartitionKeys.
	ArtifactCreate(ctx context.Context, params ArtifactCreateParams) (*Artifact, error)
	// ArtifactGet returns one artifact of a dataset by ID or by tag, with
	// its tags and partitions (ErrNotFound).
	ArtifactGet(ctx context.Context, params ArtifactGetParams) (*Artifact, error)
	// ArtifactList returns one page of a dataset's artifacts matching every
	// set criterion, newest first unless Asc. A dataset that does not exist
	// is ErrNotFound.
	ArtifactList(ctx context.Context, params ArtifactListParams) (*Page[*Artifact], error)
	// ArtifactUpdate replaces the data and metadata of the artifact named by
	// ID or tag and sets UpdatedAt (ErrNotFound).
	ArtifactUpdate(ctx context.Context, params ArtifactUpdateParams) (*Artifact, error)
	// ArtifactDelete deletes the artifacts of a dataset matching every set
	// criterion (all of the dataset's when none is set), with their tags and
	// partitions, and returns how many it deleted. A dataset that does not
	// exist is ErrNotFound.
	ArtifactDelete(ctx context.Context, params ArtifactDeleteParams) (int64, error)

	// TagAdd points a tag at an artifact. Adding the same tag to the same
	// artifact again succeeds; a tag naming another artifact is
	// ErrAlreadyExists; a missing dataset or artifact is ErrNotFound.
	TagAdd(ctx context.Context, params TagAddParams) error

	// ReservationGetOrExtend acquires the reservation of a tag for Owner
	// when nobody holds it or its holder's reservation has expired
	// (ExpiresAt <= Now), extends it when Owner already holds it (ExpiresAt
	// becomes Now + 3 × HeartbeatInterval in both cases), and otherwise
	// returns the other owner's reservation unchanged. Concurrent callers
	// never both acquire it. The dataset need not exist: the first run of a
	// task reserves its tag before it creates the dataset.
	ReservationGetOrExtend(ctx context.Context, params ReservationGetOrExtendParams) (*Reservation, error)
	// ReservationRelease deletes Owner's reservation of a tag. Releasing a
	// reservation that does not exist succeeds; one held by another owner
	// is ErrConflict and stays.
	ReservationRelease(ctx context.Context, params ReservationReleaseParams) error
}

// ReservationExpiryHeartbeats is how many missed heartbeats make a
// reservation expire.
const ReservationExpiryHeartbeats = 3

// DatasetKey names a dataset: for a cached task, its project and domain,
// "flyte_task-<task name>" and "<cache version>-<interface signature>".
type DatasetKey struct {
	Project, Domain, Name, Version string
}

// Dataset is a collection of artifacts.
type Dataset struct {
	// UUID is the server-assigned unique id.
	UUID string
	Key  DatasetKey
	// Metadata is opaque (a marshalled datacatalogv1.Metadata).
	Metadata []byte
	// PartitionKeys are the keys artifacts of the dataset are partitioned by.
	PartitionKeys []string
	CreatedAt     time.Time
}

// Partition is one partition key and value of an artifact.
type Partition struct {
	Key, Value string
}

// Artifact is one set of cached outputs.
type Artifact struct {
	// ID is unique in the store (the caller chooses it, usually a UUID).
	ID      string
	Dataset DatasetKey
	// Data is opaque (the marshalled outputs); Size is len(Data).
	Data []byte
	Size int64
	// Metadata is opaque (a marshalled datacatalogv1.Metadata).
	Metadata   []byte
	Partitions []Partition
	// Tags are the names pointing at the artifact, sorted.
	Tags      []string
	CreatedAt time.Time
	// UpdatedAt is when ArtifactUpdate last replaced the data (CreatedAt before).
	UpdatedAt time.Time
}

// Reservation is a time-limited claim on computing the outputs of a tag.
type Reservation struct {
	Dataset           DatasetKey
	TagName           string
	OwnerID           string
	HeartbeatInterval time.Duration
	ExpiresAt         time.Time
}

// DatasetCreateParams are the arguments of DatasetCreate.
type DatasetCreateParams struct {
	// UUID must be set and unique.
	UUID          string
	Key           DatasetKey
	Metadata      []byte
	PartitionKeys []string
	Now           time.Time
}

// DatasetGetParams name a dataset by UUID when set, else by Key.
type DatasetGetParams struct {
	UUID string
	Key  DatasetKey
}

// DatasetListParams select datasets: every non-empty field of Key must be
// equal; VersionPrefix, when set, must prefix the version.
type DatasetListParams struct {
	Key           DatasetKey
	VersionPrefix string
	// Asc lists oldest first.
	Asc   bool
	Limit int
	Token string
}

// ArtifactCreateParams are the arguments of ArtifactCreate.
type ArtifactCreateParams struct {
	Dataset    DatasetKey
	ID         string
	Data       []byte
	Metadata   []byte
	Partitions []Partition
	Tags       []string
	Now        time.Time
}

// ArtifactGetParams name an artifact of a dataset by ID when set, else by TagName.
type ArtifactGetParams struct {
	Dataset DatasetKey
	ID      string
	TagName string
}

// ArtifactListParams select artifacts of a dataset; every set criterion must hold.
type ArtifactListParams struct {
	Dataset DatasetKey
	ID      string
	TagName string
	// Partitions must all be present on the artifact.
	Partitions []Partition
	// CreatedBefore, when not zero, keeps artifacts created before it.
	CreatedBefore time.Time
	// Asc lists oldest first.
	Asc   bool
	Limit int
	Token string
}

// ArtifactUpdateParams replace the data of the artifact named by ID or TagName.
type ArtifactUpdateParams struct {
	Dataset  DatasetKey
	ID       string
	TagName  string
	Data     []byte
	Metadata []byte
	Now      time.Time
}

// ArtifactDeleteParams select artifacts of a dataset to delete; every set
// criterion must hold.
type ArtifactDeleteParams struct {
	Dataset       DatasetKey
	ID            string
	TagName       string
	CreatedBefore time.Time
}

// TagAddParams point tag Name at artifact ArtifactID of Dataset.
type TagAddParams struct {
	Dataset    DatasetKey
	Name       string
	ArtifactID string
	Now        time.Time
}

// ReservationGetOrExtendParams are the arguments of ReservationGetOrExtend.
type ReservationGetOrExtendParams struct {
	Dataset DatasetKey
	TagName string
	OwnerID string
	// HeartbeatInterval is positive and at most MaxReservationHeartbeat.
	HeartbeatInterval time.Duration
	Now               time.Time
}

// ReservationReleaseParams are the arguments of ReservationRelease.
type ReservationReleaseParams struct {
	Dataset DatasetKey
	TagName string
	OwnerID string
}
