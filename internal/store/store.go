// Package store defines the persistence contract of the control plane: the
// Store interface that the SQLite (sqlitestore) and PostgreSQL (pgstore)
// drivers implement, the records they keep, the list grammar (filters, sorts
// and keyset page tokens) and the errors that callers map to API codes.
//
// The store never interprets protobuf. Registered entities are kept as opaque
// bytes (a marshalled message written by the admin layer) next to the few
// columns that must be indexed, filtered or compared. Every method that writes
// takes the current time in its params so that tests control the clock; times
// are stored in UTC with microsecond precision by every driver.
//
// Schema changes are embedded, numbered migrations applied explicitly with
// MigrateUp: opening a store never migrates it.
package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Store is the repository every control-plane component reads and writes
// through. Methods are named noun first and take one params struct; a method
// that rejects its input returns an error matching ErrInvalidArgument and
// changes nothing stored.
type Store interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the connections; the store is unusable afterwards.
	Close() error

	// MigrateUp applies every pending migration, each in its own transaction.
	MigrateUp(ctx context.Context) error
	// MigrateDown reverts the last steps applied migrations, newest first.
	MigrateDown(ctx context.Context, steps int) error
	// MigrateStatus lists every migration this binary knows and whether it is applied.
	MigrateStatus(ctx context.Context) ([]MigrationStatus, error)

	// ProjectCreate inserts a project; an existing ID yields ErrAlreadyExists.
	ProjectCreate(ctx context.Context, params ProjectCreateParams) (*Project, error)
	// ProjectGet returns one project or ErrNotFound.
	ProjectGet(ctx context.Context, params ProjectGetParams) (*Project, error)
	// ProjectUpdate replaces the mutable fields of a project or returns ErrNotFound.
	ProjectUpdate(ctx context.Context, params ProjectUpdateParams) (*Project, error)
	// ProjectList returns one page of projects (see ProjectListSpec).
	ProjectList(ctx context.Context, params ListParams) (*Page[*Project], error)

	// EntityCreate registers one version of a task, workflow or launch plan.
	// Registering an existing ID with the same digest succeeds and returns the
	// stored row with created=false; with another digest it returns an
	// *EntityExistsError (matching ErrAlreadyExists) that carries the stored row.
	EntityCreate(ctx context.Context, params EntityCreateParams) (entity *Entity, created bool, err error)
	// EntityGet returns one registered version or ErrNotFound.
	EntityGet(ctx context.Context, params EntityGetParams) (*Entity, error)
	// EntityList returns one page of versions in a project and domain,
	// optionally of one name (see EntityListSpec).
	EntityList(ctx context.Context, params EntityListParams) (*Page[*Entity], error)
	// EntityListIDs returns one page of the distinct names registered in a
	// project and domain (see EntityIDListSpec).
	EntityListIDs(ctx context.Context, params EntityListParams) (*Page[NamedEntityID], error)

	// LaunchPlanSetState activates or deactivates one launch plan version.
	// Activating a version deactivates every other version of the same name in
	// the same transaction, so at most one version per name is ever active.
	LaunchPlanSetState(ctx context.Context, params LaunchPlanSetStateParams) (*LaunchPlanSetStateResult, error)
	// LaunchPlanGetActive returns the active version of a launch plan name or ErrNotFound.
	LaunchPlanGetActive(ctx context.Context, params LaunchPlanGetActiveParams) (*Entity, error)
	// LaunchPlanListActive returns one page of active launch plans.
	LaunchPlanListActive(ctx context.Context, params LaunchPlanListActiveParams) (*Page[*Entity], error)

	// NamedEntityGet returns the metadata of a registered name; a name without
	// metadata reads as active with an empty description. A name with no
	// registered version is ErrNotFound.
	NamedEntityGet(ctx context.Context, params NamedEntityGetParams) (*NamedEntity, error)
	// NamedEntityUpsert sets the metadata of a registered name (ErrNotFound if
	// no version of it is registered).
	NamedEntityUpsert(ctx context.Context, params NamedEntityUpsertParams) (*NamedEntity, error)
	// NamedEntityList returns one page of registered names with their metadata
	// (see NamedEntityListSpec).
	NamedEntityList(ctx context.Context, params NamedEntityListParams) (*Page[*NamedEntity], error)

	// AttributesUpsert creates or replaces the matchable attributes at a key.
	AttributesUpsert(ctx context.Context, params AttributesUpsertParams) (*Attributes, error)
	// AttributesGet returns the attributes stored at exactly this key or ErrNotFound.
	AttributesGet(ctx context.Context, params AttributesGetParams) (*Attributes, error)
	// AttributesDelete removes the attributes at a key or returns ErrNotFound.
	AttributesDelete(ctx context.Context, params AttributesDeleteParams) error
	// AttributesList returns every attribute row of one resource type,
	// optionally narrowed to a project and domain, ordered by key.
	AttributesList(ctx context.Context, params AttributesListParams) ([]*Attributes, error)
}

// MigrationStatus describes one migration known to the binary, or found
// applied in the database without being known to it.
type MigrationStatus struct {
	// Version is the migration number, from 1.
	Version int
	// Name is the descriptive part of the file name.
	Name string
	// Applied reports whether the database has it.
	Applied bool
	// AppliedAt is when it was applied (zero when not applied).
	AppliedAt time.Time
}

// Page is one page of a list; NextToken is empty on the last page.
type Page[T any] struct {
	// Items holds at most the requested limit of rows, in the requested order.
	Items []T
	// NextToken continues the list after the last item; empty when nothing follows.
	NextToken string
}

// Kind is the kind of a registered entity. Its numbers match the
// ResourceType enum of the API (TASK=1, WORKFLOW=2, LAUNCH_PLAN=3).
type Kind int32

// Kinds of registered entities.
const (
	KindTask       Kind = 1
	KindWorkflow   Kind = 2
	KindLaunchPlan Kind = 3
)

// Kinds lists every kind of registered entity.
var Kinds = []Kind{KindTask, KindWorkflow, KindLaunchPlan}

// String returns the kind as written in messages ("task", "workflow", "launch plan").
func (k Kind) String() string {
	switch k {
	case KindTask:
		return "task"
	case KindWorkflow:
		return "workflow"
	case KindLaunchPlan:
		return "launch plan"
	default:
		return "unknown kind"
	}
}

// Valid reports whether k is one of the registered entity kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindTask, KindWorkflow, KindLaunchPlan:
		return true
	default:
		return false
	}
}

// EntityID identifies one registered version.
type EntityID struct {
	Project string
	Domain  string
	Name    string
	Version string
}

// String formats the ID as project/domain/name/version.
func (id EntityID) String() string {
	return id.Project + "/" + id.Domain + "/" + id.Name + "/" + id.Version
}

// NamedEntityID returns the version-less ID of the same name.
func (id EntityID) NamedEntityID() NamedEntityID {
	return NamedEntityID{Project: id.Project, Domain: id.Domain, Name: id.Name}
}

// NamedEntityID identifies every version of one name.
type NamedEntityID struct {
	Project string
	Domain  string
	Name    string
}

// String formats the ID as project/domain/name.
func (id NamedEntityID) String() string {
	return id.Project + "/" + id.Domain + "/" + id.Name
}

// ProjectState is the lifecycle state of a project (numbers match the API).
type ProjectState int32

// Project states.
const (
	ProjectStateActive          ProjectState = 0
	ProjectStateArchived        ProjectState = 1
	ProjectStateSystemGenerated ProjectState = 2
	ProjectStateSystemArchived  ProjectState = 3
)

// ProjectStateNames maps the filterable names of project states to their numbers.
var ProjectStateNames = map[string]int32{
	"ACTIVE":           int32(ProjectStateActive),
	"ARCHIVED":         int32(ProjectStateArchived),
	"SYSTEM_GENERATED": int32(ProjectStateSystemGenerated),
	"SYSTEM_ARCHIVED":  int32(ProjectStateSystemArchived),
}

// Project is a tenant that owns registered entities in every domain.
type Project struct {
	// ID is the stable identifier chosen at registration.
	ID string
	// Name is the display name.
	Name        string
	Description string
	Labels      map[string]string
	State       ProjectState
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// LaunchPlanState tells whether a launch plan version is the active one.
type LaunchPlanState int32

// Launch plan states; new versions are created inactive.
const (
	LaunchPlanStateInactive LaunchPlanState = 0
	LaunchPlanStateActive   LaunchPlanState = 1
)

// LaunchPlanStateNames maps the filterable names of launch plan states to their numbers.
var LaunchPlanStateNames = map[string]int32{
	"INACTIVE": int32(LaunchPlanStateInactive),
	"ACTIVE":   int32(LaunchPlanStateActive),
}

// Entity is one registered version of a task, workflow or launch plan.
type Entity struct {
	Kind Kind
	ID   EntityID
	// Digest identifies the content; equal digests mean identical registrations.
	Digest []byte
	// Body is the marshalled entity exactly as the caller stored it.
	Body      []byte
	CreatedAt time.Time
	// UpdatedAt is the last state change of a launch plan; for tasks and
	// workflows, which never change, it equals CreatedAt.
	UpdatedAt time.Time

	// WorkflowName and WorkflowVersion name the workflow a launch plan
	// launches (launch plans only).
	WorkflowName    string
	WorkflowVersion string
	// Schedule is the marshalled schedule of a launch plan, nil when it has none.
	Schedule []byte
	// State is the launch plan state (always inactive for other kinds).
	State LaunchPlanState
}

// LaunchPlanSetStateResult reports what LaunchPlanSetState changed.
type LaunchPlanSetStateResult struct {
	// LaunchPlan is the version after the change.
	LaunchPlan *Entity
	// Deactivated is the version that was active before an activation, nil
	// when no other version was active.
	Deactivated *Entity
}

// NamedEntityState is the state of a name's metadata (numbers match the API).
type NamedEntityState int32

// Named entity states.
const (
	NamedEntityStateActive          NamedEntityState = 0
	NamedEntityStateArchived        NamedEntityState = 1
	NamedEntityStateSystemGenerated NamedEntityState = 2
)

// NamedEntityStateNames maps the filterable names of named entity states to their numbers.
var NamedEntityStateNames = map[string]int32{
	"ACTIVE":           int32(NamedEntityStateActive),
	"ARCHIVED":         int32(NamedEntityStateArchived),
	"SYSTEM_GENERATED": int32(NamedEntityStateSystemGenerated),
}

// NamedEntity is the metadata of every version of one name.
type NamedEntity struct {
	Kind        Kind
	ID          NamedEntityID
	Description string
	State       NamedEntityState
	// UpdatedAt is when the metadata was last set; zero when it never was.
	UpdatedAt time.Time
}

// AttributesKey identifies one set of matchable attributes. Empty strings
// mean "not at this level": a key with only Domain set is global for that
// domain, Project alone is project-wide, and so on down to a launch plan.
type AttributesKey struct {
	// ResourceType is the MatchableResource enum number of the API.
	ResourceType int32
	Project      string
	Domain       string
	Workflow     string
	LaunchPlan   string
}

// String formats the key with only the levels it sets, as in
// "resource type 0, project p, domain d".
func (k AttributesKey) String() string {
	parts := []string{"resource type " + strconv.Itoa(int(k.ResourceType))}
	for _, l := range []struct{ name, value string }{
		{"project", k.Project}, {"domain", k.Domain}, {"workflow", k.Workflow}, {"launch plan", k.LaunchPlan},
	} {
		if l.value != "" {
			parts = append(parts, l.name+" "+l.value)
		}
	}
	return strings.Join(parts, ", ")
}

// Attributes is one stored set of matchable attributes.
type Attributes struct {
	Key AttributesKey
	// Body is the marshalled attributes exactly as the caller stored them.
	Body      []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}
