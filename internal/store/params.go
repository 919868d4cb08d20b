package store

import (
	"strconv"
	"strings"
	"time"
)

// Timestamp normalises a time the way every driver stores it: UTC, truncated
// to the microsecond.
func Timestamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// ProjectCreateParams are the inputs of ProjectCreate.
type ProjectCreateParams struct {
	ID          string
	Name        string
	Description string
	Labels      map[string]string
	State       ProjectState
	Now         time.Time
}

// Validate reports the first missing or invalid field.
func (p *ProjectCreateParams) Validate() error {
	return validateProject(p.ID, p.Name, p.Description, p.Labels, p.State, p.Now)
}

// ProjectGetParams are the inputs of ProjectGet.
type ProjectGetParams struct {
	ID string
}

// Validate reports a missing ID.
func (p *ProjectGetParams) Validate() error {
	return required("id", p.ID)
}

// ProjectUpdateParams are the inputs of ProjectUpdate; every mutable field is
// replaced by the given value.
type ProjectUpdateParams struct {
	ID          string
	Name        string
	Description string
	Labels      map[string]string
	State       ProjectState
	Now         time.Time
}

// Validate reports the first missing or invalid field.
func (p *ProjectUpdateParams) Validate() error {
	return validateProject(p.ID, p.Name, p.Description, p.Labels, p.State, p.Now)
}

func validateProject(id, name, description string, labels map[string]string, state ProjectState, now time.Time) error {
	if err := required("id", id); err != nil {
		return err
	}
	if err := validText("name", name); err != nil {
		return err
	}
	if err := validText("description", description); err != nil {
		return err
	}
	for k, v := range labels {
		if k == "" {
			return &ParamError{Param: "labels", Problem: "label key must not be empty"}
		}
		if err := validText("labels", k+v); err != nil {
			return err
		}
	}
	if !validEnum(ProjectStateNames, int32(state)) {
		return &ParamError{Param: "state", Problem: "unknown project state " + itoa(int64(state))}
	}
	return requiredTime(now)
}

// EntityCreateParams are the inputs of EntityCreate.
type EntityCreateParams struct {
	Kind Kind
	ID   EntityID
	// Digest identifies the content (required); see Store.EntityCreate.
	Digest []byte
	// Body is the marshalled entity, stored as given.
	Body []byte
	// WorkflowName and WorkflowVersion are required for launch plans and
	// must be empty for other kinds.
	WorkflowName    string
	WorkflowVersion string
	// Schedule is the marshalled schedule of a launch plan (nil for none);
	// must be empty for other kinds.
	Schedule []byte
	Now      time.Time
}

// Validate reports the first missing or invalid field.
func (p *EntityCreateParams) Validate() error {
	if err := validateKind(p.Kind); err != nil {
		return err
	}
	if err := validateEntityID(p.ID); err != nil {
		return err
	}
	if len(p.Digest) == 0 {
		return &ParamError{Param: "digest", Problem: "required"}
	}
	if p.Kind == KindLaunchPlan {
		if err := required("workflow_name", p.WorkflowName); err != nil {
			return err
		}
		if err := required("workflow_version", p.WorkflowVersion); err != nil {
			return err
		}
	} else {
		if p.WorkflowName != "" || p.WorkflowVersion != "" {
			return &ParamError{Param: "workflow_name", Problem: "only launch plans name a workflow, not a " + p.Kind.String()}
		}
		if len(p.Schedule) != 0 {
			return &ParamError{Param: "schedule", Problem: "only launch plans have a schedule, not a " + p.Kind.String()}
		}
	}
	return requiredTime(p.Now)
}

// EntityGetParams are the inputs of EntityGet.
type EntityGetParams struct {
	Kind Kind
	ID   EntityID
}

// Validate reports the first missing or invalid field.
func (p *EntityGetParams) Validate() error {
	if err := validateKind(p.Kind); err != nil {
		return err
	}
	return validateEntityID(p.ID)
}

// EntityListParams are the inputs of EntityList and EntityListIDs. Project
// and Domain are required; Name optionally narrows EntityList to one name
// (EntityListIDs rejects it).
type EntityListParams struct {
	Kind Kind
	ListParams
}

// LaunchPlanSetStateParams are the inputs of LaunchPlanSetState.
type LaunchPlanSetStateParams struct {
	ID    EntityID
	State LaunchPlanState
	Now   time.Time
}

// Validate reports the first missing or invalid field.
func (p *LaunchPlanSetStateParams) Validate() error {
	if err := validateEntityID(p.ID); err != nil {
		return err
	}
	if !validEnum(LaunchPlanStateNames, int32(p.State)) {
		return &ParamError{Param: "state", Problem: "unknown launch plan state " + itoa(int64(p.State))}
	}
	return requiredTime(p.Now)
}

// LaunchPlanGetActiveParams are the inputs of LaunchPlanGetActive.
type LaunchPlanGetActiveParams struct {
	ID NamedEntityID
}

// Validate reports the first missing field.
func (p *LaunchPlanGetActiveParams) Validate() error {
	return validateNamedEntityID(p.ID)
}

// LaunchPlanListActiveParams are the inputs of LaunchPlanListActive. Unlike
// other lists, Project, Domain and Name are all optional, so the scheduler
// can walk every active launch plan.
type LaunchPlanListActiveParams struct {
	ListParams
	// ScheduledOnly keeps only launch plans that have a schedule.
	ScheduledOnly bool
}

// NamedEntityGetParams are the inputs of NamedEntityGet.
type NamedEntityGetParams struct {
	Kind Kind
	ID   NamedEntityID
}

// Validate reports the first missing or invalid field.
func (p *NamedEntityGetParams) Validate() error {
	if err := validateKind(p.Kind); err != nil {
		return err
	}
	return validateNamedEntityID(p.ID)
}

// NamedEntityUpsertParams are the inputs of NamedEntityUpsert.
type NamedEntityUpsertParams struct {
	Kind        Kind
	ID          NamedEntityID
	Description string
	State       NamedEntityState
	Now         time.Time
}

// Validate reports the first missing or invalid field.
func (p *NamedEntityUpsertParams) Validate() error {
	if err := validateKind(p.Kind); err != nil {
		return err
	}
	if err := validateNamedEntityID(p.ID); err != nil {
		return err
	}
	if err := validText("description", p.Description); err != nil {
		return err
	}
	if !validEnum(NamedEntityStateNames, int32(p.State)) {
		return &ParamError{Param: "state", Problem: "unknown named entity state " + itoa(int64(p.State))}
	}
	return requiredTime(p.Now)
}

// NamedEntityListParams are the inputs of NamedEntityList; Project and
// Domain are required, Name must be empty.
type NamedEntityListParams struct {
	Kind Kind
	ListParams
}

// AttributesUpsertParams are the inputs of AttributesUpsert.
type AttributesUpsertParams struct {
	Key  AttributesKey
	Body []byte
	Now  time.Time
}

// Validate reports the first missing or invalid field.
func (p *AttributesUpsertParams) Validate() error {
	if err := p.Key.Validate(); err != nil {
		return err
	}
	return requiredTime(p.Now)
}

// AttributesGetParams are the inputs of AttributesGet.
type AttributesGetParams struct {
	Key AttributesKey
}

// AttributesDeleteParams are the inputs of AttributesDelete.
type AttributesDeleteParams struct {
	Key AttributesKey
}

// AttributesListParams are the inputs of AttributesList.
type AttributesListParams struct {
	ResourceType int32
	// Project and Domain, when set, keep only rows with exactly that value.
	Project string
	Domain  string
}

// Validate checks that a key names a level attributes can be set at: a
// domain, a project, a project and domain, or a workflow or launch plan
// within a project and domain.
func (k AttributesKey) Validate() error {
	if k.ResourceType < 0 {
		return &ParamError{Param: "resource_type", Problem: "must not be negative, got " + itoa(int64(k.ResourceType))}
	}
	for _, l := range []struct{ param, value string }{
		{"project", k.Project}, {"domain", k.Domain}, {"workflow", k.Workflow}, {"launch_plan", k.LaunchPlan},
	} {
		if err := validText(l.param, l.value); err != nil {
			return err
		}
	}
	if k.Project == "" && k.Domain == "" {
		return &ParamError{Param: "project", Problem: "a project or a domain is required"}
	}
	if k.Workflow != "" || k.LaunchPlan != "" {
		if err := required("project", k.Project); err != nil {
			return err
		}
		if err := required("domain", k.Domain); err != nil {
			return err
		}
	}
	return nil
}

func validateKind(k Kind) error {
	if !k.Valid() {
		return &ParamError{Param: "kind", Problem: "unknown entity kind " + itoa(int64(k))}
	}
	return nil
}

func validateEntityID(id EntityID) error {
	if err := validateNamedEntityID(id.NamedEntityID()); err != nil {
		return err
	}
	return required("id.version", id.Version)
}

func validateNamedEntityID(id NamedEntityID) error {
	if err := required("id.project", id.Project); err != nil {
		return err
	}
	if err := required("id.domain", id.Domain); err != nil {
		return err
	}
	return required("id.name", id.Name)
}

func required(param, value string) error {
	if value == "" {
		return &ParamError{Param: param, Problem: "required"}
	}
	return validText(param, value)
}

// validText rejects NUL bytes, which PostgreSQL cannot store in text, so
// every driver refuses the same input.
func validText(param, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return &ParamError{Param: param, Problem: "must not contain a NUL byte"}
	}
	return nil
}

func requiredTime(now time.Time) error {
	if now.IsZero() {
		return &ParamError{Param: "now", Problem: "required (the caller passes the current time)"}
	}
	return nil
}

func validEnum(names map[string]int32, v int32) bool {
	for _, n := range names {
		if n == v {
			return true
		}
	}
	return false
}

// Validate reports an invalid key.
func (p *AttributesGetParams) Validate() error { return p.Key.Validate() }

// Validate reports an invalid key.
func (p *AttributesDeleteParams) Validate() error { return p.Key.Validate() }

// Validate reports a negative resource type.
func (p *AttributesListParams) Validate() error {
	if p.ResourceType < 0 {
		return &ParamError{Param: "resource_type", Problem: "must not be negative, got " + itoa(int64(p.ResourceType))}
	}
	return nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
