package compiler

import (
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// CompileLaunchPlan checks a launch plan's default and fixed inputs against the interface of
// its workflow: every name must be a workflow input, values must fit the input types, declared
// parameter types must fit too, and no input may be both fixed and defaulted. It returns the
// inputs the launch plan still expects (every workflow input not fixed, with the workflow's type
// and description: with the given default, required, or, for an optional type without default, a
// default of none) and the outputs it produces. A parameter with neither a default nor
// required=true counts as required unless its type is optional. Problems are returned as a *CompileError.
func CompileLaunchPlan(wf *corev1.TypedInterface, defaults *corev1.ParameterMap, fixed *corev1.LiteralMap) (expectedInputs *corev1.ParameterMap, expectedOutputs *corev1.VariableMap, err error) {
	var ps problems
	if wf == nil {
		ps.addf("", "", CodeInvalidInterface, "workflow interface is missing")
		return nil, nil, ps.err()
	}
	inputs := wf.GetInputs().GetVariables()
	params := defaults.GetParameters()
	fixedLits := fixed.GetLiterals()
	for _, name := range sortedKeys(params) {
		p := params[name]
		wv, ok := inputs[name]
		switch {
		case !ok:
			ps.addf("", name, CodeUnknownInput, "default input %q is not an input of the workflow (inputs: %s)", name, names(inputs))
			continue
		case p == nil:
			ps.addf("", name, CodeInvalidValue, "parameter is missing")
			continue
		}
		if _, both := fixedLits[name]; both {
			ps.addf("", name, CodeInvalidValue, "input is both fixed and given a default")
		}
		if pt := p.GetVar().GetType(); pt != nil && !AreTypesCastable(pt, wv.GetType()) {
			ps.addf("", name, CodeTypeMismatch, "parameter type %s does not fit the workflow input type %s", FormatType(pt), FormatType(wv.GetType()))
		}
		if d, ok := p.GetBehavior().(*corev1.Parameter_Default); ok {
			if err := CheckLiteral(d.Default, wv.GetType()); err != nil {
				ps.addf("", name, CodeInvalidValue, "default value: %v", err)
			}
		}
	}
	for _, name := range sortedKeys(fixedLits) {
		wv, ok := inputs[name]
		if !ok {
			ps.addf("", name, CodeUnknownInput, "fixed input %q is not an input of the workflow (inputs: %s)", name, names(inputs))
			continue
		}
		if err := CheckLiteral(fixedLits[name], wv.GetType()); err != nil {
			ps.addf("", name, CodeInvalidValue, "fixed value: %v", err)
		}
	}
	if err := ps.err(); err != nil {
		return nil, nil, err
	}
	expectedInputs = &corev1.ParameterMap{Parameters: make(map[string]*corev1.Parameter, len(inputs))}
	for name, v := range inputs {
		if _, ok := fixedLits[name]; ok {
			continue
		}
		p := &corev1.Parameter{Var: v}
		switch b := params[name].GetBehavior().(type) {
		case *corev1.Parameter_Default:
			p.Behavior = b
		case *corev1.Parameter_Required:
			if b.Required || !isOptional(v.GetType()) {
				p.Behavior = &corev1.Parameter_Required{Required: true}
			} else {
				p.Behavior = &corev1.Parameter_Default{Default: noneLiteral()}
			}
		default:
			if isOptional(v.GetType()) {
				p.Behavior = &corev1.Parameter_Default{Default: noneLiteral()}
			} else {
				p.Behavior = &corev1.Parameter_Required{Required: true}
			}
		}
		expectedInputs.Parameters[name] = p
	}
	expectedOutputs = &corev1.VariableMap{Variables: make(map[string]*corev1.Variable, len(wf.GetOutputs().GetVariables()))}
	for name, v := range wf.GetOutputs().GetVariables() {
		expectedOutputs.Variables[name] = v
	}
	return expectedInputs, expectedOutputs, nil
}

func noneLiteral() *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}}}
}
