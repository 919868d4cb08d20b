package admin

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// maxDiffs bounds the differences named when a registration conflicts.
const maxDiffs = 5

// registration is one validated entity version, ready to store.
type registration struct {
	kind store.Kind
	id   store.EntityID
	// spec is what identifies the content (the digest covers it).
	spec proto.Message
	// body is the entity as stored and returned by Get.
	body proto.Message
	// Launch plans only: the workflow and the marshalled schedule.
	workflowName    string
	workflowVersion string
	schedule        []byte
	// now is the registration time, also recorded in body.
	now time.Time
	// specOf extracts the spec from a stored body of this kind, to explain
	// a conflict.
	specOf func(body []byte) (proto.Message, error)
}

// digest is the SHA-256 of the deterministic encoding of a spec.
func digest(spec proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("marshal spec: %w", err)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// register stores r. Registering identical content again succeeds without
// change; different content under the same id fails with AlreadyExists
// naming the fields that differ.
func (s *Service) register(ctx context.Context, r *registration) error {
	sum, err := digest(r.spec)
	if err != nil {
		return err
	}
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(r.body)
	if err != nil {
		return fmt.Errorf("marshal %s %s: %w", r.kind, r.id, err)
	}
	_, _, err = s.store.EntityCreate(ctx, store.EntityCreateParams{
		Kind:            r.kind,
		ID:              r.id,
		Digest:          sum,
		Body:            body,
		WorkflowName:    r.workflowName,
		WorkflowVersion: r.workflowVersion,
		Schedule:        r.schedule,
		Now:             r.now,
	})
	var exists *store.EntityExistsError
	if errors.As(err, &exists) {
		return s.conflict(r, exists.Existing)
	}
	if err != nil {
		return fmt.Errorf("create %s %s: %w", r.kind, r.id, err)
	}
	return nil
}

// conflict explains why r cannot be registered over the stored version.
func (s *Service) conflict(r *registration, existing *store.Entity) error {
	prefix := fmt.Sprintf("%s %s is already registered with different content", r.kind, formatID(r.id))
	old, err := r.specOf(existing.Body)
	if err != nil {
		return fmt.Errorf("%s; decode the registered version: %w", prefix, err)
	}
	diffs, total := diffMessages(old, r.spec, maxDiffs)
	if total == 0 {
		return alreadyExistsf("%s (registered with another encoding; no field differs)", prefix)
	}
	parts := make([]string, len(diffs))
	for i, d := range diffs {
		parts[i] = d.String()
	}
	msg := fmt.Sprintf("%s (registered != requested): %s", prefix, strings.Join(parts, "; "))
	if total > len(diffs) {
		msg += fmt.Sprintf("; and %d more", total-len(diffs))
	}
	return alreadyExistsf("%s; register a new version instead", msg)
}

// getEntity reads a registered version, with a NotFound error naming it.
func (s *Service) getEntity(ctx context.Context, kind store.Kind, id store.EntityID) (*store.Entity, error) {
	e, err := s.store.EntityGet(ctx, store.EntityGetParams{Kind: kind, ID: id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.notFound(ctx, id.Project, notFoundf("%s %s not found", kind, formatID(id)))
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", kind, formatID(id), err)
	}
	return e, nil
}

// unmarshalBody decodes a stored body into m; a body that does not decode
// is an internal error.
func unmarshalBody(e *store.Entity, m proto.Message) error {
	if err := proto.Unmarshal(e.Body, m); err != nil {
		return fmt.Errorf("decode stored %s %s: %w", e.Kind, e.ID, err)
	}
	return nil
}

// checkEmptyList reports a list in a project that does not exist. Only an
// empty page needs the check (a project that has rows exists), which keeps
// a query off the path of every other page.
func (s *Service) checkEmptyList(ctx context.Context, project string, items int) error {
	if items > 0 {
		return nil
	}
	_, err := s.requireProject(ctx, project, false)
	return err
}

// notFound returns err, or a NotFound error naming the project when the
// project itself does not exist, which is the more useful message.
func (s *Service) notFound(ctx context.Context, project string, err error) error {
	if _, perr := s.requireProject(ctx, project, false); perr != nil {
		return perr
	}
	return err
}

// getVersion reads one registered version of kind and decodes it.
func getVersion[T any](ctx context.Context, s *Service, kind store.Kind, id *corev1.Identifier, decode func(*store.Entity) (T, error)) (T, error) {
	var zero T
	eid, err := s.checkEntityID("id", kind, id)
	if err != nil {
		return zero, err
	}
	e, err := s.getEntity(ctx, kind, eid)
	if err != nil {
		return zero, err
	}
	return decode(e)
}

// decodeAll decodes the rows of a page, stopping at the first bad one.
func decodeAll[T any](rows []*store.Entity, decode func(*store.Entity) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for _, e := range rows {
		v, err := decode(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
