package authoring

import (
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// buildLaunchPlans builds the create request of every launch plan. Its
// parameters start from the workflow's inputs (defaults, required, optional
// as none); defaults: overrides or adds defaults; fixed: removes inputs from
// the parameters and fixes their values.
func (d *decoder) buildLaunchPlans() {
	for _, l := range d.lpList {
		if l.idlReq != nil {
			l.req = l.idlReq
			continue
		}
		spec := &adminv1.LaunchPlanSpec{}
		if l.doc != nil {
			spec = l.doc.spec
		}
		spec.WorkflowId = proto.Clone(l.wfID).(*corev1.Identifier)
		spec.DefaultInputs = d.launchPlanInputs(l, spec)
		l.req = &adminv1.LaunchPlanCreateRequest{Id: proto.Clone(l.id).(*corev1.Identifier), Spec: spec}
	}
}

// launchPlanInputs returns the parameters of a launch plan and fills its fixed inputs.
func (d *decoder) launchPlanInputs(l *lpDef, spec *adminv1.LaunchPlanSpec) *corev1.ParameterMap {
	params := &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{}}
	var inputs map[string]*corev1.Variable
	if l.wf != nil {
		for k, p := range d.wfParams(l.wf).GetParameters() {
			params.Parameters[k] = proto.Clone(p).(*corev1.Parameter)
		}
		inputs = d.wfIface(l.wf).GetInputs().GetVariables()
	}
	if l.doc == nil {
		return params
	}
	typeOf := func(s scope, p pair) (*corev1.LiteralType, bool) {
		if inputs == nil {
			return nil, true // the workflow is registered elsewhere: infer
		}
		v, ok := inputs[p.key]
		if !ok {
			s.errorf(p.knode, "workflow %s has no input %q (inputs: %s)", l.wfID.GetName(), p.key, sortedKeys(inputs))
			return nil, false
		}
		return v.GetType(), true
	}
	fixed := map[string]bool{}
	for _, p := range l.doc.fixed {
		s := l.s.in("fixed").in("%s", p.key)
		t, ok := typeOf(s, p)
		if !ok {
			continue
		}
		lit, err := s.literal(p.val, t)
		if err != nil {
			s.report(err, p.val)
			continue
		}
		if spec.FixedInputs == nil {
			spec.FixedInputs = &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
		}
		spec.FixedInputs.Literals[p.key] = lit
		delete(params.Parameters, p.key)
		fixed[p.key] = true
	}
	for _, p := range l.doc.defaults {
		s := l.s.in("defaults").in("%s", p.key)
		if fixed[p.key] {
			s.errorf(p.knode, "input %q is both fixed and given a default; keep one", p.key)
			continue
		}
		t, ok := typeOf(s, p)
		if !ok {
			continue
		}
		lit, err := s.literal(p.val, t)
		if err != nil {
			s.report(err, p.val)
			continue
		}
		v := &corev1.Variable{Type: t}
		if t == nil {
			vt, why := inferredType(lit)
			if vt == nil {
				s.errorf(p.val, "cannot tell the type of this default: %s", why)
				continue
			}
			v.Type = vt
		} else if inputs[p.key] != nil {
			v.Description = inputs[p.key].GetDescription()
		}
		params.Parameters[p.key] = &corev1.Parameter{Var: v, Behavior: &corev1.Parameter_Default{Default: lit}}
	}
	if l.doc.kickoff != "" && inputs != nil {
		s := l.s.in("schedule").in("kickoff_input")
		v, ok := inputs[l.doc.kickoff]
		switch {
		case !ok:
			s.errorf(l.doc.kickoffAt, "workflow %s has no input %q (inputs: %s)", l.wfID.GetName(), l.doc.kickoff, sortedKeys(inputs))
		case v.GetType().GetSimple() != corev1.SimpleType_SIMPLE_TYPE_DATETIME:
			s.errorf(l.doc.kickoffAt, "input %q is %s; the kickoff time input must be datetime", l.doc.kickoff, FormatType(v.GetType()))
		case fixed[l.doc.kickoff]:
			s.errorf(l.doc.kickoffAt, "input %q is fixed; the scheduler sets the kickoff time input", l.doc.kickoff)
		}
	}
	return params
}

// inferredType is the type of a literal inferred from its YAML spelling.
func inferredType(l *corev1.Literal) (*corev1.LiteralType, string) {
	switch {
	case l.GetCollection() != nil:
		ls := l.GetCollection().GetLiterals()
		if len(ls) == 0 {
			return nil, "the list is empty"
		}
		t, why := inferredType(ls[0])
		if t == nil {
			return nil, why
		}
		return listType(t), ""
	case l.GetMap() != nil:
		for _, v := range l.GetMap().GetLiterals() {
			t, why := inferredType(v)
			if t == nil {
				return nil, why
			}
			return mapType(t), ""
		}
		return nil, "the mapping is empty"
	}
	return simpleType(simpleTypeOf(l)), ""
}
