package store

import (
	"strings"
	"time"
)

// MaxReservationHeartbeat bounds the heartbeat interval of a reservation; a
// longer one would keep a dead owner's claim for days.
const MaxReservationHeartbeat = 24 * time.Hour

// String names a dataset as "project/domain/name/version".
func (k DatasetKey) String() string {
	return k.Project + "/" + k.Domain + "/" + k.Name + "/" + k.Version
}

// validate reports the first missing or invalid field of a dataset key,
// named under parent (as in "dataset.project").
func (k DatasetKey) validate(parent string) error {
	for _, f := range []struct{ param, value string }{
		{"project", k.Project}, {"domain", k.Domain}, {"name", k.Name}, {"version", k.Version},
	} {
		if err := required(parent+"."+f.param, f.value); err != nil {
			return err
		}
	}
	return nil
}

// Validate reports the first missing or invalid field.
func (p *DatasetCreateParams) Validate() error {
	if err := required("uuid", p.UUID); err != nil {
		return err
	}
	if err := p.Key.validate("key"); err != nil {
		return err
	}
	seen := make(map[string]bool, len(p.PartitionKeys))
	for i, k := range p.PartitionKeys {
		param := "partition_keys[" + itoa(int64(i)) + "]"
		if err := required(param, k); err != nil {
			return err
		}
		if seen[k] {
			return &ParamError{Param: param, Problem: "partition key " + k + " appears twice"}
		}
		seen[k] = true
	}
	return requiredTime(p.Now)
}

// Validate reports a missing or invalid UUID or key.
func (p *DatasetGetParams) Validate() error {
	if p.UUID != "" {
		return validText("uuid", p.UUID)
	}
	if p.Key == (DatasetKey{}) {
		return &ParamError{Param: "uuid", Problem: "a dataset uuid or key is required"}
	}
	return p.Key.validate("key")
}

// PrepareDatasetList validates the params of DatasetList and returns its
// list query: sorted by created_at, ties broken by UUID.
func PrepareDatasetList(p DatasetListParams) (*ListQuery, error) {
	for _, f := range []struct{ param, value string }{
		{"key.project", p.Key.Project}, {"key.domain", p.Key.Domain}, {"key.name", p.Key.Name},
		{"key.version", p.Key.Version}, {"version_prefix", p.VersionPrefix},
	} {
		if err := validText(f.param, f.value); err != nil {
			return nil, err
		}
	}
	scope := catalogScope("datasets", p.Key.Project, p.Key.Domain, p.Key.Name, p.Key.Version, p.VersionPrefix)
	return prepareCatalogList(scope, "uuid", p.Asc, p.Limit, p.Token)
}

// Validate reports the first missing or invalid field.
func (p *ArtifactCreateParams) Validate() error {
	if err := p.Dataset.validate("dataset"); err != nil {
		return err
	}
	if err := required("id", p.ID); err != nil {
		return err
	}
	if err := validatePartitions(p.Partitions); err != nil {
		return err
	}
	seen := make(map[string]bool, len(p.Tags))
	for i, tag := range p.Tags {
		param := "tags[" + itoa(int64(i)) + "]"
		if err := required(param, tag); err != nil {
			return err
		}
		if seen[tag] {
			return &ParamError{Param: param, Problem: "tag " + tag + " appears twice"}
		}
		seen[tag] = true
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field: the dataset key and
// an artifact ID or tag name.
func (p *ArtifactGetParams) Validate() error {
	return validateArtifactRef(p.Dataset, p.ID, p.TagName)
}

// PrepareArtifactList validates the params of ArtifactList and returns its
// list query: sorted by created_at, ties broken by artifact ID.
func PrepareArtifactList(p ArtifactListParams) (*ListQuery, error) {
	if err := p.Dataset.validate("dataset"); err != nil {
		return nil, err
	}
	if err := validText("id", p.ID); err != nil {
		return nil, err
	}
	if err := validText("tag_name", p.TagName); err != nil {
		return nil, err
	}
	if err := validatePartitions(p.Partitions); err != nil {
		return nil, err
	}
	parts := []string{"artifacts", p.Dataset.Project, p.Dataset.Domain, p.Dataset.Name, p.Dataset.Version, p.ID, p.TagName}
	if !p.CreatedBefore.IsZero() {
		parts = append(parts, Timestamp(p.CreatedBefore).Format(time.RFC3339Nano))
	} else {
		parts = append(parts, "")
	}
	for _, pt := range p.Partitions {
		parts = append(parts, pt.Key, pt.Value)
	}
	return prepareCatalogList(catalogScope(parts...), "id", p.Asc, p.Limit, p.Token)
}

// Validate reports the first missing or invalid field: the dataset key, an
// artifact ID or tag name, and the time.
func (p *ArtifactUpdateParams) Validate() error {
	if err := validateArtifactRef(p.Dataset, p.ID, p.TagName); err != nil {
		return err
	}
	return requiredTime(p.Now)
}

// Validate reports a missing dataset key or invalid criteria.
func (p *ArtifactDeleteParams) Validate() error {
	if err := p.Dataset.validate("dataset"); err != nil {
		return err
	}
	if err := validText("id", p.ID); err != nil {
		return err
	}
	return validText("tag_name", p.TagName)
}

// Validate reports the first missing or invalid field.
func (p *TagAddParams) Validate() error {
	if err := p.Dataset.validate("dataset"); err != nil {
		return err
	}
	if err := required("name", p.Name); err != nil {
		return err
	}
	if err := required("artifact_id", p.ArtifactID); err != nil {
		return err
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field; the heartbeat
// interval must be positive and at most MaxReservationHeartbeat.
func (p *ReservationGetOrExtendParams) Validate() error {
	if err := p.Dataset.validate("dataset"); err != nil {
		return err
	}
	if err := required("tag_name", p.TagName); err != nil {
		return err
	}
	if err := required("owner_id", p.OwnerID); err != nil {
		return err
	}
	if p.HeartbeatInterval <= 0 || p.HeartbeatInterval > MaxReservationHeartbeat {
		return &ParamError{Param: "heartbeat_interval",
			Problem: "must be positive and at most " + MaxReservationHeartbeat.String() + ", got " + p.HeartbeatInterval.String()}
	}
	return requiredTime(p.Now)
}

// ExpiresAt is when a reservation taken or extended with these params
// expires: Now plus ReservationExpiryHeartbeats heartbeat intervals.
func (p *ReservationGetOrExtendParams) ExpiresAt() time.Time {
	return Timestamp(p.Now.Add(ReservationExpiryHeartbeats * p.HeartbeatInterval))
}

// Validate reports the first missing or invalid field.
func (p *ReservationReleaseParams) Validate() error {
	if err := p.Dataset.validate("dataset"); err != nil {
		return err
	}
	if err := required("tag_name", p.TagName); err != nil {
		return err
	}
	return required("owner_id", p.OwnerID)
}

func validateArtifactRef(ds DatasetKey, id, tag string) error {
	if err := ds.validate("dataset"); err != nil {
		return err
	}
	if id == "" && tag == "" {
		return &ParamError{Param: "id", Problem: "an artifact id or a tag name is required"}
	}
	if err := validText("id", id); err != nil {
		return err
	}
	return validText("tag_name", tag)
}

func validatePartitions(parts []Partition) error {
	seen := make(map[string]bool, len(parts))
	for i, pt := range parts {
		param := "partitions[" + itoa(int64(i)) + "]"
		if err := required(param+".key", pt.Key); err != nil {
			return err
		}
		if err := validText(param+".value", pt.Value); err != nil {
			return err
		}
		if seen[pt.Key] {
			return &ParamError{Param: param + ".key", Problem: "partition key " + pt.Key + " appears twice"}
		}
		seen[pt.Key] = true
	}
	return nil
}

// catalogScope joins the criteria of a catalog list into the scope a page
// token is bound to. Validated text holds no NUL byte, so the join is
// unambiguous.
func catalogScope(parts ...string) string {
	return strings.Join(parts, "\x00")
}

// catalogListSpec returns the spec of a catalog list: one sort, created_at,
// with the string key as tie-breaker.
func catalogListSpec(key string) ListSpec {
	return ListSpec{
		Fields:  map[string]FieldType{"created_at": TimeField},
		Sorts:   []string{"created_at"},
		Key:     key,
		KeyKind: ValueString,
	}
}

// prepareCatalogList validates the paging of a catalog list: newest first
// unless asc.
func prepareCatalogList(scope, key string, asc bool, limit int, token string) (*ListQuery, error) {
	return prepareList(scope, catalogListSpec(key), ListParams{Desc: !asc, Limit: limit, Token: token})
}
