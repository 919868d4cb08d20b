package compiler

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// ValidateTask checks a task template before it is registered: an identifier of resource type
// TASK (or unset), a task type, a well-formed interface, consistent cache settings (a version when
// cached, ignored inputs that exist), a non-negative timeout, and a target that makes sense
// (resources with known names, valid quantities and requests not above limits; unique
// environment variable names; a pod spec and primary container for pods; a statement for SQL;
// a group for every secret). It returns a *CompileError listing every problem.
func ValidateTask(t *corev1.TaskTemplate) error {
	var ps problems
	validateTask(&ps, t)
	return ps.err()
}

func validateTask(ps *problems, t *corev1.TaskTemplate) {
	if t == nil {
		ps.addf("", "", CodeInvalidTask, "task template is missing")
		return
	}
	switch {
	case t.GetId() == nil:
		ps.addf("", "id", CodeInvalidTask, "task id is missing")
	case t.GetId().GetResourceType() != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED &&
		t.GetId().GetResourceType() != corev1.ResourceType_RESOURCE_TYPE_TASK:
		ps.addf("", "id.resource_type", CodeInvalidTask, "task id has resource type %s, want TASK", t.GetId().GetResourceType())
	}
	if strings.TrimSpace(t.GetType()) == "" {
		ps.addf("", "type", CodeInvalidTask, "task type is empty")
	}
	validateInterface(ps, "", t.GetInterface())
	md := t.GetMetadata()
	if md.GetDiscoverable() && strings.TrimSpace(md.GetDiscoveryVersion()) == "" {
		ps.addf("", "metadata.discovery_version", CodeInvalidTask, "a cached (discoverable) task needs a cache version")
	}
	if md.GetCacheSerializable() && !md.GetDiscoverable() {
		ps.addf("", "metadata.cache_serializable", CodeInvalidTask, "cache_serializable needs the task to be cached (discoverable)")
	}
	inputs := t.GetInterface().GetInputs().GetVariables()
	for _, v := range md.GetCacheIgnoreInputVars() {
		if _, ok := inputs[v]; !ok {
			ps.addf("", "metadata.cache_ignore_input_vars", CodeInvalidTask, "ignored cache input %q is not an input of the task", v)
		}
	}
	if d := md.GetTimeout(); d != nil {
		if err := d.CheckValid(); err != nil || d.AsDuration() < 0 {
			ps.addf("", "metadata.timeout", CodeInvalidTask, "timeout %s must be a valid duration of zero or more", d.AsDuration())
		}
	}
	switch x := t.GetTarget().(type) {
	case *corev1.TaskTemplate_Container:
		validateContainer(ps, x.Container)
	case *corev1.TaskTemplate_K8SPod:
		if x.K8SPod.GetPodSpec() == nil {
			ps.addf("", "k8s_pod.pod_spec", CodeInvalidTask, "pod spec is missing")
		}
		if x.K8SPod.GetPrimaryContainerName() == "" {
			ps.addf("", "k8s_pod.primary_container_name", CodeInvalidTask, "primary container name is empty")
		}
	case *corev1.TaskTemplate_Sql:
		if strings.TrimSpace(x.Sql.GetStatement()) == "" {
			ps.addf("", "sql.statement", CodeInvalidTask, "SQL statement is empty")
		}
	}
	for i, s := range t.GetSecurityContext().GetSecrets() {
		if s.GetGroup() == "" {
			ps.addf("", fmt.Sprintf("security_context.secrets[%d].group", i), CodeInvalidTask, "secret group is empty")
		}
	}
}

func validateContainer(ps *problems, c *corev1.Container) {
	validateResources(ps, "", "container.resources", c.GetResources())
	seen := make(map[string]bool, len(c.GetEnv()))
	for i, kv := range c.GetEnv() {
		field := fmt.Sprintf("container.env[%d]", i)
		switch {
		case kv.GetKey() == "" || strings.ContainsAny(kv.GetKey(), "=\x00"):
			ps.addf("", field, CodeInvalidTask, "environment variable name %q is empty or contains '=' or NUL", kv.GetKey())
		case seen[kv.GetKey()]:
			ps.addf("", field, CodeInvalidTask, "environment variable %q is set twice", kv.GetKey())
		}
		seen[kv.GetKey()] = true
	}
}

// validateResources checks resource entries: known names, valid quantities, each name at most
// once per list, and requests not above limits.
func validateResources(ps *problems, node, field string, r *corev1.Resources) {
	if r == nil {
		return
	}
	check := func(list string, entries []*corev1.Resources_ResourceEntry) map[corev1.Resources_ResourceName]float64 {
		amounts := make(map[corev1.Resources_ResourceName]float64, len(entries))
		for i, e := range entries {
			f := fmt.Sprintf("%s.%s[%d]", field, list, i)
			if _, ok := corev1.Resources_ResourceName_name[int32(e.GetName())]; !ok || e.GetName() == corev1.Resources_RESOURCE_NAME_UNSPECIFIED {
				ps.addf(node, f, CodeInvalidTask, "resource name is unspecified or unknown (%d)", int32(e.GetName()))
				continue
			}
			if _, dup := amounts[e.GetName()]; dup {
				ps.addf(node, f, CodeInvalidTask, "resource %s is listed twice", e.GetName())
				continue
			}
			q, err := ParseQuantity(e.GetValue())
			if err != nil {
				ps.addf(node, f, CodeInvalidTask, "resource %s: %v", e.GetName(), err)
				continue
			}
			amounts[e.GetName()] = q
		}
		return amounts
	}
	req := check("requests", r.GetRequests())
	lim := check("limits", r.GetLimits())
	for _, name := range sortedResourceNames(req) {
		if l, ok := lim[name]; ok && req[name] > l {
			ps.addf(node, field+".requests", CodeInvalidTask, "request for %s is above its limit", name)
		}
	}
}

func sortedResourceNames(m map[corev1.Resources_ResourceName]float64) []corev1.Resources_ResourceName {
	var names []corev1.Resources_ResourceName
	for n := corev1.Resources_RESOURCE_NAME_CPU; n <= corev1.Resources_RESOURCE_NAME_EPHEMERAL_STORAGE; n++ {
		if _, ok := m[n]; ok {
			names = append(names, n)
		}
	}
	return names
}

var quantityRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?[0-9]+)?$`)

var quantitySuffix = map[string]float64{
	"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
}

// ParseQuantity parses a Kubernetes resource quantity ("500m", "2", "1.5Gi", "1e3") into its
// value in base units. Negative quantities are rejected.
func ParseQuantity(s string) (float64, error) {
	m := quantityRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("quantity %q is not a number with an optional suffix (m, k, Mi, Gi, ...)", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("quantity %q: %w", s, err)
	}
	suffix := m[2]
	if mult, ok := quantitySuffix[suffix]; ok {
		return n * mult, nil
	}
	exp, err := strconv.Atoi(suffix[1:])
	if err != nil {
		return 0, fmt.Errorf("quantity %q: exponent: %w", s, err)
	}
	v, err := strconv.ParseFloat(fmt.Sprintf("%se%d", m[1], exp), 64)
	if err != nil {
		return 0, fmt.Errorf("quantity %q: %w", s, err)
	}
	return v, nil
}

// validateInterface checks the variables of an interface: names and types.
func validateInterface(ps *problems, node string, iface *corev1.TypedInterface) {
	for _, side := range []struct {
		name string
		vars map[string]*corev1.Variable
	}{{"inputs", iface.GetInputs().GetVariables()}, {"outputs", iface.GetOutputs().GetVariables()}} {
		for _, name := range sortedKeys(side.vars) {
			field := side.name + "." + name
			if err := validVarName(name); err != nil {
				ps.addf(node, field, CodeInvalidInterface, "%v", err)
			}
			if err := ValidateType(side.vars[name].GetType()); err != nil {
				ps.addf(node, field, CodeInvalidInterface, "%v", err)
			}
		}
	}
}

// maxNameLen bounds node ids and variable names.
const maxNameLen = 255

// validVarName accepts any non-empty name of printable characters without spaces.
func validVarName(name string) error {
	if name == "" {
		return fmt.Errorf("variable name is empty")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("variable name is longer than %d bytes", maxNameLen)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("variable name %q contains a space or an unprintable character", name)
		}
	}
	return nil
}
