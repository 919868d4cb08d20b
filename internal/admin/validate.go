package admin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// Limits on identifiers and project fields.
const (
	// MaxNameLength is the longest task, workflow or launch plan name and
	// the longest version.
	MaxNameLength = 255
	// MaxProjectIDLength keeps "<project>-<domain>" a valid Kubernetes
	// namespace name with room for the domain.
	MaxProjectIDLength = 63
	// MaxProjectNameLength is the longest project display name.
	MaxProjectNameLength = 64
	// MaxProjectDescriptionLength is the longest project description.
	MaxProjectDescriptionLength = 300
	// MaxProjectLabels is the most labels a project may have.
	MaxProjectLabels = 16
	// MaxDescriptionLength is the longest named entity description.
	MaxDescriptionLength = 2048
)

var (
	// projectIDPattern is a DNS-1123 label: projects name namespaces.
	projectIDPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	// namePattern is the set of characters of entity names (as the
	// authoring format accepts them).
	namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	// labelKeyPattern and labelValuePattern follow Kubernetes labels.
	labelNamePattern   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$`)
	labelPrefixPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)
)

// checkProjectID reports a project id that is missing or malformed.
func checkProjectID(field, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%s: required", field)
	case len(id) > MaxProjectIDLength:
		return fmt.Errorf("%s: %q is longer than %d characters", field, truncate(id), MaxProjectIDLength)
	case !projectIDPattern.MatchString(id):
		return fmt.Errorf("%s: %q may only hold lowercase letters, digits and \"-\", and must start and end with a letter or digit", field, truncate(id))
	}
	return nil
}

// checkName reports an entity name that is missing or malformed.
func checkName(field, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s: required", field)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%s: %q is longer than %d characters", field, truncate(name), MaxNameLength)
	case !namePattern.MatchString(name):
		return fmt.Errorf("%s: %q may only hold letters, digits, \"_\", \"-\" and \".\"", field, truncate(name))
	}
	return nil
}

// checkVersion reports a version that is missing or malformed: versions
// are free text without "/", white space or control characters.
func checkVersion(field, version string) error {
	switch {
	case version == "":
		return fmt.Errorf("%s: required", field)
	case len(version) > MaxNameLength:
		return fmt.Errorf("%s: %q is longer than %d characters", field, truncate(version), MaxNameLength)
	case !utf8.ValidString(version):
		return fmt.Errorf("%s: is not valid UTF-8", field)
	case strings.Contains(version, "/"):
		return fmt.Errorf("%s: %q must not contain \"/\"", field, truncate(version))
	case strings.IndexFunc(version, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("%s: %q must not contain white space or control characters", field, truncate(version))
	}
	return nil
}

// checkDomain reports a domain that is missing or not configured.
func (s *Service) checkDomain(field, domain string) error {
	switch {
	case domain == "":
		return fmt.Errorf("%s: required", field)
	case !s.hasDomain(domain):
		return fmt.Errorf("%s: unknown domain %q (valid domains: %s)", field, truncate(domain), s.domainList())
	}
	return nil
}

// checkText reports a free-text field that is too long or not UTF-8.
func checkText(field, value string, limit int) error {
	switch {
	case !utf8.ValidString(value):
		return fmt.Errorf("%s: is not valid UTF-8", field)
	case strings.IndexByte(value, 0) >= 0:
		return fmt.Errorf("%s: must not contain a NUL character", field)
	case utf8.RuneCountInString(value) > limit:
		return fmt.Errorf("%s: is longer than %d characters", field, limit)
	}
	return nil
}

// checkLabels reports labels that are not valid Kubernetes labels.
func checkLabels(field string, labels map[string]string, limit int) []error {
	var errs []error
	if len(labels) > limit {
		errs = append(errs, fmt.Errorf("%s: at most %d labels are allowed, got %d", field, limit, len(labels)))
	}
	for _, k := range sortedKeys(labels) {
		if err := checkLabelKey(k); err != nil {
			errs = append(errs, fmt.Errorf("%s[%q]: %w", field, truncate(k), err))
		}
		if v := labels[k]; v != "" && (len(v) > 63 || !labelNamePattern.MatchString(v)) {
			errs = append(errs, fmt.Errorf("%s[%q]: value %q must be at most 63 letters, digits, \"-\", \"_\" or \".\", starting and ending with a letter or digit", field, truncate(k), truncate(v)))
		}
	}
	return errs
}

func checkLabelKey(k string) error {
	name := k
	if i := strings.LastIndexByte(k, '/'); i >= 0 {
		prefix := k[:i]
		name = k[i+1:]
		if len(prefix) > 253 || !labelPrefixPattern.MatchString(prefix) {
			return fmt.Errorf("key prefix %q must be a DNS subdomain", truncate(prefix))
		}
	}
	if name == "" || len(name) > 63 || !labelNamePattern.MatchString(name) {
		return errors.New("key must be at most 63 letters, digits, \"-\", \"_\" or \".\", starting and ending with a letter or digit (optionally after a DNS prefix and \"/\")")
	}
	return nil
}

// truncate shortens a user value quoted in a message.
func truncate(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// checkEntityID validates a versioned identifier of the given kind and
// converts it. field names the identifier in messages ("id").
func (s *Service) checkEntityID(field string, kind store.Kind, id *corev1.Identifier) (store.EntityID, error) {
	var ps problems
	if id == nil {
		ps.addf(field, "required")
		return store.EntityID{}, ps.err()
	}
	if rt := id.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != resourceTypeOf(kind) {
		ps.addf(field+".resource_type", "must be %s for a %s, got %s", resourceTypeOf(kind), kind, rt)
	}
	ps.add(checkProjectID(field+".project", id.GetProject()))
	ps.add(s.checkDomain(field+".domain", id.GetDomain()))
	ps.add(checkName(field+".name", id.GetName()))
	ps.add(checkVersion(field+".version", id.GetVersion()))
	if err := ps.err(); err != nil {
		return store.EntityID{}, err
	}
	return store.EntityID{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName(), Version: id.GetVersion()}, nil
}

// checkNamedEntityID validates a version-less identifier and converts it.
func (s *Service) checkNamedEntityID(field string, id *corev1.NamedEntityIdentifier) (store.NamedEntityID, error) {
	var ps problems
	if id == nil {
		ps.addf(field, "required")
		return store.NamedEntityID{}, ps.err()
	}
	ps.add(checkProjectID(field+".project", id.GetProject()))
	ps.add(s.checkDomain(field+".domain", id.GetDomain()))
	ps.add(checkName(field+".name", id.GetName()))
	if err := ps.err(); err != nil {
		return store.NamedEntityID{}, err
	}
	return store.NamedEntityID{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName()}, nil
}

// checkScope validates the project and domain of a list.
func (s *Service) checkScope(projectField, project, domainField, domain string) error {
	var ps problems
	ps.add(checkProjectID(projectField, project))
	ps.add(s.checkDomain(domainField, domain))
	return ps.err()
}

// requireProject returns the project with id or NotFound. With forWrite it
// also rejects an archived project with FailedPrecondition.
func (s *Service) requireProject(ctx context.Context, id string, forWrite bool) (*store.Project, error) {
	p, err := s.store.ProjectGet(ctx, store.ProjectGetParams{ID: id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundf("project %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get project %s: %w", id, err)
	}
	if forWrite && (p.State == store.ProjectStateArchived || p.State == store.ProjectStateSystemArchived) {
		return nil, failedPreconditionf("project %q is archived; activate it before registering or activating anything in it", id)
	}
	return p, nil
}

// resourceTypeOf is the API resource type of a kind.
func resourceTypeOf(k store.Kind) corev1.ResourceType {
	return corev1.ResourceType(k)
}

// kindOf converts an API resource type to a kind of registered entity.
func kindOf(field string, rt corev1.ResourceType) (store.Kind, error) {
	switch rt {
	case corev1.ResourceType_RESOURCE_TYPE_TASK:
		return store.KindTask, nil
	case corev1.ResourceType_RESOURCE_TYPE_WORKFLOW:
		return store.KindWorkflow, nil
	case corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN:
		return store.KindLaunchPlan, nil
	default:
		return 0, invalidArgf("%s: must be RESOURCE_TYPE_TASK, RESOURCE_TYPE_WORKFLOW or RESOURCE_TYPE_LAUNCH_PLAN, got %s", field, rt)
	}
}

// identifierOf converts a stored identifier back to the API.
func identifierOf(kind store.Kind, id store.EntityID) *corev1.Identifier {
	return &corev1.Identifier{
		ResourceType: resourceTypeOf(kind),
		Project:      id.Project,
		Domain:       id.Domain,
		Name:         id.Name,
		Version:      id.Version,
	}
}

// formatID renders an identifier for messages as project/domain/name@version.
func formatID(id store.EntityID) string {
	return id.Project + "/" + id.Domain + "/" + id.Name + "@" + id.Version
}
