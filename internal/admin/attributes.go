package admin

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

// attrLevel is where a matchable setting applies: a project, a domain of a
// project, or a workflow name in a project and domain.
type attrLevel struct {
	project, domain, workflow string
}

// String names the level for messages.
func (l attrLevel) String() string {
	switch {
	case l.workflow != "":
		return fmt.Sprintf("workflow %s/%s/%s", l.project, l.domain, l.workflow)
	case l.domain != "":
		return fmt.Sprintf("project %q domain %q", l.project, l.domain)
	default:
		return fmt.Sprintf("project %q", l.project)
	}
}

func (l attrLevel) key(rt adminv1.MatchableResource) store.AttributesKey {
	return store.AttributesKey{ResourceType: int32(rt), Project: l.project, Domain: l.domain, Workflow: l.workflow}
}

// checkLevel validates the fields of a level that the request sets (a
// project level has no domain, and so on) and that the project exists.
func (s *Service) checkLevel(ctx context.Context, field string, l attrLevel, hasDomain, hasWorkflow bool) error {
	if err := s.checkLevelSyntax(field, l, hasDomain, hasWorkflow); err != nil {
		return err
	}
	_, err := s.requireProject(ctx, l.project, false)
	return err
}

// checkResourceType validates the kind of setting a Get or Delete names.
func checkResourceType(rt adminv1.MatchableResource) error {
	if rt == adminv1.MatchableResource_MATCHABLE_RESOURCE_UNSPECIFIED {
		return invalidArgf("resource_type: required (the kind of setting, such as MATCHABLE_RESOURCE_TASK_RESOURCE)")
	}
	if _, ok := adminv1.MatchableResource_name[int32(rt)]; !ok {
		return invalidArgf("resource_type: unknown kind of setting %d", rt)
	}
	return nil
}

// resourceTypeOfAttributes is the kind of setting a value holds, checking
// the value on the way.
func resourceTypeOfAttributes(field string, a *adminv1.MatchingAttributes) (adminv1.MatchableResource, error) {
	var ps problems
	var rt adminv1.MatchableResource
	switch t := a.GetTarget().(type) {
	case *adminv1.MatchingAttributes_TaskResourceAttributes:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_TASK_RESOURCE
		for _, part := range []struct {
			name string
			spec *adminv1.TaskResourceSpec
		}{{"defaults", t.TaskResourceAttributes.GetDefaults()}, {"limits", t.TaskResourceAttributes.GetLimits()}} {
			for _, q := range []struct{ name, value string }{
				{"cpu", part.spec.GetCpu()}, {"gpu", part.spec.GetGpu()}, {"memory", part.spec.GetMemory()},
				{"storage", part.spec.GetStorage()}, {"ephemeral_storage", part.spec.GetEphemeralStorage()},
			} {
				if q.value == "" {
					continue
				}
				if _, err := compiler.ParseQuantity(q.value); err != nil {
					ps.addf(field+".task_resource_attributes."+part.name+"."+q.name, "%q is not a resource quantity (like 500m, 2 or 1Gi)", truncate(q.value))
				}
			}
		}
	case *adminv1.MatchingAttributes_ClusterResourceAttributes:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_CLUSTER_RESOURCE
		for _, k := range sortedKeys(t.ClusterResourceAttributes.GetAttributes()) {
			if k == "" {
				ps.addf(field+".cluster_resource_attributes.attributes", "keys must not be empty")
			}
		}
	case *adminv1.MatchingAttributes_ExecutionQueueAttributes:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_EXECUTION_QUEUE
	case *adminv1.MatchingAttributes_ExecutionClusterLabel:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_EXECUTION_CLUSTER_LABEL
	case *adminv1.MatchingAttributes_QualityOfService:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_QUALITY_OF_SERVICE_SPECIFICATION
	case *adminv1.MatchingAttributes_PluginOverrides:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_PLUGIN_OVERRIDE
		for i, o := range t.PluginOverrides.GetOverrides() {
			if o.GetTaskType() == "" {
				ps.addf(fmt.Sprintf("%s.plugin_overrides.overrides[%d].task_type", field, i), "required")
			}
		}
	case *adminv1.MatchingAttributes_WorkflowExecutionConfig:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_WORKFLOW_EXECUTION_CONFIG
		if mp := t.WorkflowExecutionConfig.GetMaxParallelism(); mp < 0 {
			ps.addf(field+".workflow_execution_config.max_parallelism", "must not be negative, got %d", mp)
		}
	case *adminv1.MatchingAttributes_ClusterAssignment:
		rt = adminv1.MatchableResource_MATCHABLE_RESOURCE_CLUSTER_ASSIGNMENT
	default:
		return 0, invalidArgf("%s: required (set one kind of setting, such as task_resource_attributes)", field)
	}
	return rt, ps.err()
}

// updateAttributes validates and stores a setting at a level.
func (s *Service) updateAttributes(ctx context.Context, l attrLevel, hasDomain, hasWorkflow bool, a *adminv1.MatchingAttributes) error {
	if err := s.checkLevelSyntax("attributes.", l, hasDomain, hasWorkflow); err != nil {
		return err
	}
	rt, err := resourceTypeOfAttributes("attributes.matching_attributes", a)
	if err != nil {
		return err
	}
	if _, err := s.requireProject(ctx, l.project, false); err != nil {
		return err
	}
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(a)
	if err != nil {
		return fmt.Errorf("marshal attributes: %w", err)
	}
	if _, err := s.store.AttributesUpsert(ctx, store.AttributesUpsertParams{Key: l.key(rt), Body: body, Now: s.now()}); err != nil {
		return fmt.Errorf("store %s attributes of %s: %w", rt, l, err)
	}
	return nil
}

func (s *Service) checkLevelSyntax(field string, l attrLevel, hasDomain, hasWorkflow bool) error {
	var ps problems
	ps.add(checkProjectID(field+"project", l.project))
	if hasDomain {
		ps.add(s.checkDomain(field+"domain", l.domain))
	}
	if hasWorkflow {
		ps.add(checkName(field+"workflow", l.workflow))
	}
	return ps.err()
}

// getAttributes reads the setting of one kind at exactly this level.
func (s *Service) getAttributes(ctx context.Context, l attrLevel, hasDomain, hasWorkflow bool, rt adminv1.MatchableResource) (*adminv1.MatchingAttributes, error) {
	if err := s.checkLevel(ctx, "", l, hasDomain, hasWorkflow); err != nil {
		return nil, err
	}
	if err := checkResourceType(rt); err != nil {
		return nil, err
	}
	a, err := s.store.AttributesGet(ctx, store.AttributesGetParams{Key: l.key(rt)})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundf("no %s attributes are set for %s", rt, l)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s attributes of %s: %w", rt, l, err)
	}
	return decodeAttributes(a)
}

// deleteAttributes removes the setting of one kind at exactly this level.
func (s *Service) deleteAttributes(ctx context.Context, l attrLevel, hasDomain, hasWorkflow bool, rt adminv1.MatchableResource) error {
	if err := s.checkLevel(ctx, "", l, hasDomain, hasWorkflow); err != nil {
		return err
	}
	if err := checkResourceType(rt); err != nil {
		return err
	}
	err := s.store.AttributesDelete(ctx, store.AttributesDeleteParams{Key: l.key(rt)})
	if errors.Is(err, store.ErrNotFound) {
		return notFoundf("no %s attributes are set for %s", rt, l)
	}
	if err != nil {
		return fmt.Errorf("delete %s attributes of %s: %w", rt, l, err)
	}
	return nil
}

func decodeAttributes(a *store.Attributes) (*adminv1.MatchingAttributes, error) {
	m := &adminv1.MatchingAttributes{}
	if err := proto.Unmarshal(a.Body, m); err != nil {
		return nil, fmt.Errorf("decode stored attributes %s: %w", a.Key, err)
	}
	return m, nil
}

// ListMatchableAttributes lists every stored setting of one kind, at every level.
func (s *Service) ListMatchableAttributes(ctx context.Context, req *connect.Request[adminv1.ListMatchableAttributesRequest]) (*connect.Response[adminv1.ListMatchableAttributesResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ListMatchableAttributesRequest) (*adminv1.ListMatchableAttributesResponse, error) {
		if err := checkResourceType(req.GetResourceType()); err != nil {
			return nil, err
		}
		rows, err := s.store.AttributesList(ctx, store.AttributesListParams{ResourceType: int32(req.GetResourceType())})
		if err != nil {
			return nil, fmt.Errorf("list %s attributes: %w", req.GetResourceType(), err)
		}
		out := &adminv1.ListMatchableAttributesResponse{}
		for _, row := range rows {
			m, err := decodeAttributes(row)
			if err != nil {
				return nil, err
			}
			out.Configurations = append(out.Configurations, &adminv1.MatchableAttributesConfiguration{
				Attributes: m,
				Project:    row.Key.Project,
				Domain:     row.Key.Domain,
				Workflow:   row.Key.Workflow,
				LaunchPlan: row.Key.LaunchPlan,
			})
		}
		return out, nil
	})
}
