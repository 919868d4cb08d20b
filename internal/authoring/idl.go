package authoring

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// The IDL format is the create requests themselves, as protojson in JSON or
// YAML:
//
//	format: idl/v1
//	tasks: [TaskCreateRequest, ...]
//	workflows: [WorkflowCreateRequest, ...]
//	launchPlans: [LaunchPlanCreateRequest, ...]
//
// Fields take their protojson (lowerCamel) or proto (snake_case) names.
// What the file says is registered as written, with two completions: empty
// project, domain and version of identifiers come from the options, and
// references inside an entity default to the entity's own project, domain
// and version. No default launch plans are added.

// parseIDL decodes a document of the IDL format.
func (d *decoder) parseIDL(s scope, root *yaml.Node) {
	o := s.object(root, "a mapping with format, tasks, workflows and launchPlans",
		"format", "tasks", "workflows", "launchPlans", "launch_plans")
	if o == nil {
		return
	}
	if o.get("launchPlans") != nil && o.get("launch_plans") != nil {
		s.errorf(o.get("launch_plans"), "write launchPlans or launch_plans, not both")
		return
	}
	lpKey := "launchPlans"
	if o.get("launch_plans") != nil {
		lpKey = "launch_plans"
	}
	if o.get("tasks") == nil && o.get("workflows") == nil && o.get(lpKey) == nil {
		s.errorf(root, "the document defines nothing (want tasks, workflows or launchPlans)")
		return
	}
	opts := &unit{project: d.opts.Project, domain: d.opts.Domain, version: d.opts.Version}
	items := func(key string, each func(scope, *yaml.Node)) {
		v := o.get(key)
		if v == nil {
			return
		}
		if v.Kind != yaml.SequenceNode {
			s.in("%s", key).errorf(v, "want a list, found %s", kindName(v))
			return
		}
		for i, item := range v.Content {
			if item = s.resolve(item); item != nil {
				each(s.in("%s[%d]", key, i), item)
			}
		}
	}
	items("tasks", func(is scope, n *yaml.Node) {
		req := &adminv1.TaskCreateRequest{}
		if !is.unmarshalIDL(n, req) {
			return
		}
		is = is.in("task %s", nameOf(req.GetId(), req.GetSpec().GetTemplate().GetId()))
		tmpl := req.GetSpec().GetTemplate()
		if tmpl == nil {
			is.errorf(n, "spec.template is missing")
			return
		}
		if !d.settleIDs(is, n, &req.Id, &tmpl.Id, corev1.ResourceType_RESOURCE_TYPE_TASK, opts) {
			return
		}
		d.addTask(&taskDef{s: is, at: n, req: req})
	})
	items("workflows", func(is scope, n *yaml.Node) {
		req := &adminv1.WorkflowCreateRequest{}
		if !is.unmarshalIDL(n, req) {
			return
		}
		is = is.in("workflow %s", nameOf(req.GetId(), req.GetSpec().GetTemplate().GetId()))
		tmpl := req.GetSpec().GetTemplate()
		if tmpl == nil {
			is.errorf(n, "spec.template is missing")
			return
		}
		if !d.settleIDs(is, n, &req.Id, &tmpl.Id, corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, opts) {
			return
		}
		own := &unit{project: req.Id.GetProject(), domain: req.Id.GetDomain(), version: req.Id.GetVersion()}
		fillTemplateRefs(is, n, tmpl, own)
		for _, sub := range req.GetSpec().GetSubWorkflows() {
			if sub.Id == nil {
				is.errorf(n, "a sub-workflow has no id")
				continue
			}
			fillID(is.in("sub-workflow %s", sub.Id.GetName()), n, sub.Id, corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, own, false, Options{})
			fillTemplateRefs(is, n, sub, own)
		}
		d.addWorkflow(&wfDef{s: is, at: n, id: req.Id, idlReq: req})
	})
	items(lpKey, func(is scope, n *yaml.Node) {
		req := &adminv1.LaunchPlanCreateRequest{}
		if !is.unmarshalIDL(n, req) {
			return
		}
		is = is.in("launch plan %s", req.GetId().GetName())
		if req.Id == nil {
			is.errorf(n, "id is missing")
			return
		}
		fillID(is, n, req.Id, corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, opts, true, d.opts)
		if req.Spec == nil || req.Spec.WorkflowId == nil {
			is.errorf(n, "spec.workflowId is missing")
			return
		}
		own := &unit{project: req.Id.GetProject(), domain: req.Id.GetDomain(), version: req.Id.GetVersion()}
		fillID(is.in("spec.workflowId"), n, req.Spec.WorkflowId, corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, own, false, Options{})
		d.addLaunchPlan(&lpDef{s: is, at: n, id: req.Id, idlReq: req})
	})
}

func nameOf(ids ...*corev1.Identifier) string {
	for _, id := range ids {
		if id.GetName() != "" {
			return id.GetName()
		}
	}
	return "(no name)"
}

// settleIDs makes the request id and the template id one complete
// identifier: either may be left out, both written must agree.
func (d *decoder) settleIDs(s scope, at *yaml.Node, reqID, tmplID **corev1.Identifier, kind corev1.ResourceType, opts *unit) bool {
	if *reqID == nil && *tmplID == nil {
		s.errorf(at, "id is missing")
		return false
	}
	if *reqID == nil {
		*reqID = proto.Clone(*tmplID).(*corev1.Identifier)
	}
	before := len(d.p.list)
	fillID(s, at, *reqID, kind, opts, true, d.opts)
	if *tmplID == nil {
		*tmplID = proto.Clone(*reqID).(*corev1.Identifier)
	} else {
		own := &unit{project: (*reqID).GetProject(), domain: (*reqID).GetDomain(), version: (*reqID).GetVersion()}
		fillID(s.in("spec.template.id"), at, *tmplID, kind, own, false, Options{})
		if !proto.Equal(*reqID, *tmplID) {
			s.errorf(at, "spec.template.id %s differs from id %s", idString(*tmplID), idString(*reqID))
		}
	}
	return len(d.p.list) == before
}

// fillTemplateRefs completes the identifiers a workflow template's nodes
// reference with the workflow's own project, domain and version.
func fillTemplateRefs(s scope, at *yaml.Node, tmpl *corev1.WorkflowTemplate, own *unit) {
	var visit func(n *corev1.Node)
	fill := func(id *corev1.Identifier, kind corev1.ResourceType, what string) {
		if id != nil {
			fillID(s.in("%s", what), at, id, kind, own, false, Options{})
		}
	}
	visit = func(n *corev1.Node) {
		if n == nil {
			return
		}
		ns := "node " + n.GetId()
		fill(n.GetTaskNode().GetReferenceId(), corev1.ResourceType_RESOURCE_TYPE_TASK, ns)
		fill(n.GetWorkflowNode().GetSubWorkflowRef(), corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, ns)
		fill(n.GetWorkflowNode().GetLaunchplanRef(), corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, ns)
		if ie := n.GetBranchNode().GetIfElse(); ie != nil {
			visit(ie.GetCase().GetThenNode())
			for _, o := range ie.GetOther() {
				visit(o.GetThenNode())
			}
			visit(ie.GetElseNode())
		}
		visit(n.GetArrayNode().GetNode())
	}
	for _, n := range tmpl.GetNodes() {
		visit(n)
	}
	visit(tmpl.GetFailureNode())
}

// protojsonPosition matches the "proto:" prefix and the "(line 1:23)" protojson puts in messages, which
// points into the converted JSON rather than the file.
var protojsonPosition = regexp.MustCompile(`^proto: *|\(line \d+:\d+\): *`)

// unmarshalIDL checks the shape of a YAML value against the message (so
// unknown fields are reported with their line), then decodes it with protojson.
func (s scope) unmarshalIDL(n *yaml.Node, m proto.Message) bool {
	before := len(s.p.list)
	s.checkShape(n, m.ProtoReflect().Descriptor())
	if len(s.p.list) != before {
		return false
	}
	v, err := s.jsonValue(n)
	if err != nil {
		s.report(err, n)
		return false
	}
	data, jerr := json.Marshal(v)
	if jerr != nil {
		s.errorf(n, "convert to JSON: %v", jerr)
		return false
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(data, m); err != nil {
		// protojson varies the spaces of its messages (U+00A0 or not) on purpose.
		msg := protojsonPosition.ReplaceAllString(strings.ReplaceAll(err.Error(), "\u00a0", " "), "")
		s.errorf(n, "%s", msg)
		return false
	}
	return true
}

// checkShape walks a value along a message descriptor and reports unknown
// fields, values of the wrong kind and unknown enum names at their lines.
func (s scope) checkShape(n *yaml.Node, md protoreflect.MessageDescriptor) {
	n = s.resolve(n)
	if isNull(n) || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return // well-known types have their own JSON forms; protojson checks them
	}
	if n.Kind != yaml.MappingNode {
		s.errorf(n, "want an object (%s), found %s", md.Name(), kindName(n))
		return
	}
	ps, ok := s.pairs(n, "an object")
	if !ok {
		return
	}
	fields := md.Fields()
	for _, p := range ps {
		fd := fields.ByJSONName(p.key)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(p.key))
		}
		if fd == nil {
			names := make([]string, fields.Len())
			for i := range fields.Len() {
				names[i] = fields.Get(i).JSONName()
			}
			s.errorf(p.knode, "unknown field %q of %s (fields: %s)", p.key, md.Name(), strings.Join(names, ", "))
			continue
		}
		fs := s.in("%s", fd.JSONName())
		switch {
		case isNull(p.val):
		case fd.IsList():
			if p.val.Kind != yaml.SequenceNode {
				fs.errorf(p.val, "want a list, found %s", kindName(p.val))
				continue
			}
			for _, item := range p.val.Content {
				fs.checkValue(item, fd)
			}
		case fd.IsMap():
			if p.val.Kind != yaml.MappingNode {
				fs.errorf(p.val, "want an object, found %s", kindName(p.val))
				continue
			}
			if vps, ok := fs.pairs(p.val, "an object"); ok {
				for _, vp := range vps {
					fs.in("%s", vp.key).checkValue(vp.val, fd.MapValue())
				}
			}
		default:
			fs.checkValue(p.val, fd)
		}
	}
}

func (s scope) checkValue(n *yaml.Node, fd protoreflect.FieldDescriptor) {
	n = s.resolve(n)
	if isNull(n) {
		return
	}
	if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind && n.Kind != yaml.ScalarNode {
		s.errorf(n, "want a single value, found %s", kindName(n))
		return
	}
	tag := n.ShortTag()
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		s.checkShape(n, fd.Message())
	case protoreflect.StringKind, protoreflect.BytesKind:
		if tag != "!!str" && tag != "!!timestamp" && tag != "!!binary" {
			s.errorf(n, "want a string, found %s (quote it)", kindName(n))
		}
	case protoreflect.BoolKind:
		if tag != "!!bool" {
			s.errorf(n, "want true or false, found %s", kindName(n))
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if tag == "!!str" {
			if _, err := strconv.ParseFloat(n.Value, 64); err != nil && n.Value != "NaN" && n.Value != "Infinity" && n.Value != "-Infinity" {
				s.errorf(n, "want a number, found %s", kindName(n))
			}
		} else if tag != "!!int" && tag != "!!float" {
			s.errorf(n, "want a number, found %s", kindName(n))
		}
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		if tag == "!!str" {
			// protojson accepts 64-bit integers as strings.
			if _, err := strconv.ParseInt(n.Value, 10, 64); err != nil {
				if _, err := strconv.ParseUint(n.Value, 10, 64); err != nil {
					s.errorf(n, "want an integer, found %s", kindName(n))
				}
			}
		} else if tag != "!!int" {
			s.errorf(n, "want an integer, found %s", kindName(n))
		}
	case protoreflect.EnumKind:
		ed := fd.Enum()
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!int" || ed.FullName() == "google.protobuf.NullValue" {
			return
		}
		if ed.Values().ByName(protoreflect.Name(n.Value)) == nil {
			names := make([]string, ed.Values().Len())
			for i := range ed.Values().Len() {
				names[i] = string(ed.Values().Get(i).Name())
			}
			s.errorf(n, "unknown value %q of %s (want one of %s)", n.Value, ed.Name(), strings.Join(names, ", "))
		}
	}
}

// jsonValue converts a YAML value to the value encoding/json writes as the
// equivalent JSON, keeping integers exact.
func (s scope) jsonValue(n *yaml.Node) (any, *nodeError) {
	n = s.resolve(n)
	if n == nil {
		return nil, errReported
	}
	switch n.Kind {
	case yaml.MappingNode:
		ps, err := s.entries(n)
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			v, err := s.jsonValue(p.val)
			if err != nil {
				return nil, err
			}
			m[p.key] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := s.jsonValue(item)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, nil
			}
		case "!!int":
			var i int64
			if n.Decode(&i) == nil {
				return json.Number(strconv.FormatInt(i, 10)), nil
			}
			var u uint64
			if n.Decode(&u) == nil {
				return json.Number(strconv.FormatUint(u, 10)), nil
			}
			return nil, errAt(n, "integer %s is out of range", n.Value)
		case "!!float":
			var f float64
			if n.Decode(&f) == nil {
				return rawvalue.JSONFloat(f), nil
			}
		}
		return n.Value, nil
	}
	return nil, errAt(n, "cannot convert %s to JSON", kindName(n))
}
