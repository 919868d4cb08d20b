package authoring

import (
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Task types the compact format writes.
const (
	taskTypeRaw   = "raw"
	taskTypeEcho  = "echo"
	taskTypeSleep = "sleep"
)

// Where raw tasks find their inputs and leave their outputs inside a
// container; the local runner substitutes its own directories, which is why
// commands should name them through templates ({{.inputs.x}}, {{.outputs}}).
const (
	rawInputDir  = "/var/flyte/inputs"
	rawOutputDir = "/var/flyte/outputs"
)

var taskKeys = []string{
	"name", "description", "type", "image", "command", "script", "args", "inputs", "outputs",
	"retries", "timeout", "cache", "interruptible", "resources", "limits", "env", "secrets",
	"service_account", "iam_role", "duration", "config",
}

// parseTask decodes one entry of tasks: into a create request.
func (d *decoder) parseTask(s scope, u *unit, n *yaml.Node) {
	if name := peekName(n, "name"); name != "" {
		s = s.in("task %s", name)
	}
	o := s.object(n, "a task (a mapping with name, command, inputs, outputs, ...)", taskKeys...)
	if o == nil {
		return
	}
	name, ok := entityName(s, o)
	if !ok {
		return
	}
	ts := s
	id := u.id(corev1.ResourceType_RESOURCE_TYPE_TASK, name)
	tmpl := &corev1.TaskTemplate{Id: id, Metadata: &corev1.TaskMetadata{}, Interface: &corev1.TypedInterface{}}

	tmpl.Interface.Inputs = parseVariables(ts.in("inputs"), o.get("inputs"))
	tmpl.Interface.Outputs = parseVariables(ts.in("outputs"), o.get("outputs"))

	kind := taskTypeRaw
	if v := o.get("type"); v != nil {
		if t, ok := ts.in("type").text(v); ok {
			if t != taskTypeRaw && t != taskTypeEcho && t != taskTypeSleep {
				ts.in("type").errorf(v, "unknown task type %q (want raw, echo or sleep)", t)
			}
			kind = t
		}
	} else if o.get("command") == nil && o.get("script") == nil {
		ts.errorf(o.line(), "a task needs a command (or a script), or type: echo or type: sleep")
	}
	tmpl.Type = kind

	parseTaskMetadata(ts, o, tmpl.Metadata, tmpl.Interface.GetInputs())

	switch kind {
	case taskTypeRaw:
		tmpl.Target = &corev1.TaskTemplate_Container{Container: parseContainer(ts, o, tmpl.Interface)}
	default:
		for _, k := range []string{"image", "command", "script", "args", "resources", "limits", "env"} {
			if o.present(k) {
				ts.in("%s", k).errorf(o.vals[k].knode, "%s tasks run no container; remove %s", kind, k)
			}
		}
	}
	if v := o.get("config"); v != nil {
		_, m, _ := ts.in("config").textMap(v)
		tmpl.Config = m
	}
	if v := o.get("duration"); v != nil {
		if kind != taskTypeSleep {
			ts.in("duration").errorf(v, "only sleep tasks take a duration")
		} else if dur, ok := ts.in("duration").duration(v); ok {
			if tmpl.Config == nil {
				tmpl.Config = map[string]string{}
			}
			if _, set := tmpl.Config["duration"]; set {
				ts.in("duration").errorf(v, "duration is also set in config; keep one")
			}
			tmpl.Config["duration"] = dur.String()
		}
	} else if kind == taskTypeSleep && tmpl.Config["duration"] == "" {
		ts.errorf(o.line(), "sleep tasks need a duration (for example duration: 10s)")
	}
	tmpl.SecurityContext = parseSecurity(ts, o)

	req := &adminv1.TaskCreateRequest{
		Id:   proto.Clone(id).(*corev1.Identifier),
		Spec: &adminv1.TaskSpec{Template: tmpl, Description: parseDescription(ts, o)},
	}
	d.addTask(&taskDef{s: ts, at: o.line(), req: req})
}

// entityName reads and validates the name key of a task, workflow or launch plan.
func entityName(s scope, o *object) (string, bool) {
	v := o.get("name")
	if v == nil {
		s.errorf(o.line(), "name is missing")
		return "", false
	}
	name, ok := s.in("name").text(v)
	if !ok {
		return "", false
	}
	if err := checkName(name); err != nil {
		s.in("name").errorf(v, "%v", err)
		return "", false
	}
	return name, true
}

// parseDescription turns description: into a Description; the first line
// is the short description.
func parseDescription(s scope, o *object) *adminv1.Description {
	v := o.get("description")
	if v == nil {
		return nil
	}
	text, ok := s.in("description").text(v)
	if !ok {
		return nil
	}
	text = strings.TrimSpace(text)
	short, _, multi := strings.Cut(text, "\n")
	desc := &adminv1.Description{ShortDescription: strings.TrimSpace(short)}
	if multi {
		desc.LongDescription = text
	}
	return desc
}

// parseVariables reads an inputs: or outputs: mapping of NAME: TYPE or
// NAME: {type: T, description: D}. Defaults are not allowed here.
func parseVariables(s scope, n *yaml.Node) *corev1.VariableMap {
	vm := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	if n == nil {
		return vm
	}
	ps, ok := s.pairs(n, "a mapping of names to types")
	if !ok {
		return vm
	}
	for _, p := range ps {
		vs := s.in("%s", p.key)
		if !varNamePattern.MatchString(p.key) {
			s.errorf(p.knode, "name %q: want letters, digits and \"_\", not starting with a digit", p.key)
			continue
		}
		t, desc, _, ok := parseVarDecl(vs, p.val, false)
		if ok {
			vm.Variables[p.key] = &corev1.Variable{Type: t, Description: desc}
		}
	}
	return vm
}

// parseVarDecl reads TYPE or {type, description[, default]}; def is the
// default value node when allowed and written (possibly a null node).
func parseVarDecl(s scope, n *yaml.Node, allowDefault bool) (t *corev1.LiteralType, desc string, def *yaml.Node, ok bool) {
	if n.Kind == yaml.MappingNode {
		keys := []string{"type", "description"}
		if allowDefault {
			keys = append(keys, "default")
		}
		o := s.object(n, "a type or {type: T, description: D}", keys...)
		if o == nil {
			return nil, "", nil, false
		}
		if v := o.get("description"); v != nil {
			desc, _ = s.in("description").text(v)
		}
		if allowDefault && o.present("default") {
			def = o.vals["default"].val
		}
		tn := o.get("type")
		if tn == nil {
			s.errorf(o.line(), "type is missing")
			return nil, "", nil, false
		}
		n = tn
	}
	expr, good := s.text(n)
	if !good {
		return nil, "", nil, false
	}
	lt, err := ParseType(expr)
	if err != nil {
		s.errorf(n, "%v", err)
		return nil, "", nil, false
	}
	return lt, desc, def, true
}

// parseTaskMetadata reads retries, timeout, cache and interruptible.
func parseTaskMetadata(s scope, o *object, md *corev1.TaskMetadata, inputs *corev1.VariableMap) {
	if v := o.get("retries"); v != nil {
		if r, ok := s.in("retries").integer(v, 0, 1000); ok {
			md.Retries = &corev1.RetryStrategy{Retries: uint32(r)}
		}
	}
	if v := o.get("timeout"); v != nil {
		if t, ok := s.in("timeout").duration(v); ok {
			md.Timeout = durationpb.New(t)
		}
	}
	if v := o.get("interruptible"); v != nil {
		if b, ok := s.in("interruptible").boolean(v); ok {
			md.Interruptible = &b
		}
	}
	if v := o.get("cache"); v != nil {
		c := parseCache(s.in("cache"), v, true)
		md.Discoverable = c.enabled
		md.DiscoveryVersion = c.version
		md.CacheSerializable = c.serializable
		for _, name := range c.ignore {
			if _, ok := inputs.GetVariables()[name]; !ok {
				s.in("cache").errorf(c.ignoreAt, "ignore: %q is not an input of the task", name)
			}
		}
		md.CacheIgnoreInputVars = c.ignore
	}
}

type cacheSpec struct {
	enabled      bool
	version      string
	serializable bool
	ignore       []string
	ignoreAt     *yaml.Node
	set          map[string]bool // which keys were written (node overrides)
}

// parseCache reads cache: true|false or {version, serializable, ignore}.
// The task form defaults the version to "1".
func parseCache(s scope, n *yaml.Node, task bool) cacheSpec {
	c := cacheSpec{set: map[string]bool{}}
	if n.Kind == yaml.ScalarNode {
		b, ok := s.boolean(n)
		c.enabled = ok && b
		c.set["enabled"] = ok
		if c.enabled && task {
			c.version = "1"
		}
		return c
	}
	keys := []string{"version", "serializable"}
	if task {
		keys = append(keys, "ignore")
	}
	o := s.object(n, "true, false or {version, serializable, ignore}", keys...)
	if o == nil {
		return c
	}
	c.enabled, c.set["enabled"] = true, true
	if task {
		c.version = "1"
	}
	if v := o.get("version"); v != nil {
		if t, ok := s.in("version").text(v); ok {
			c.version, c.set["version"] = t, true
		}
	}
	if v := o.get("serializable"); v != nil {
		c.serializable, c.set["serializable"] = s.in("serializable").boolean(v)
	}
	if v := o.get("ignore"); v != nil {
		c.ignore, _ = s.in("ignore").textList(v, true)
		c.ignoreAt = v
	}
	return c
}

// templateRef finds {{.inputs.NAME}} and {{.outputs.NAME}} in commands.
var templateRef = regexp.MustCompile(`\{\{\s*\.(inputs|outputs)\.([^\s}]+)\s*\}\}`)

// outputFile finds {{.outputs}}/NAME: the file an output is read from.
var outputFile = regexp.MustCompile(`\{\{\s*\.outputs\s*\}\}/([A-Za-z0-9_]+)`)

// parseContainer reads the container of a raw task.
func parseContainer(s scope, o *object, iface *corev1.TypedInterface) *corev1.Container {
	c := &corev1.Container{
		DataConfig: &corev1.DataLoadingConfig{
			Enabled: true, InputPath: rawInputDir, OutputPath: rawOutputDir,
			Format: corev1.DataLoadingConfig_LITERAL_MAP_FORMAT_JSON,
		},
	}
	if v := o.get("image"); v != nil {
		c.Image, _ = s.in("image").text(v)
	}
	cmd, script := o.get("command"), o.get("script")
	switch {
	case cmd != nil && script != nil:
		s.errorf(script, "write either command or script, not both")
	case cmd != nil:
		c.Command, _ = s.in("command").textList(cmd, false)
		if len(c.Command) == 0 {
			s.in("command").errorf(cmd, "command is empty")
		}
	case script != nil:
		if text, ok := s.in("script").text(script); ok {
			c.Command = []string{"sh", "-ec", text}
		}
	}
	if v := o.get("args"); v != nil {
		c.Args, _ = s.in("args").textList(v, false)
	}
	cmdAt := cmd
	if cmdAt == nil {
		cmdAt = script
	}
	for _, part := range [][]string{c.Command, c.Args} {
		for _, arg := range part {
			for _, m := range templateRef.FindAllStringSubmatch(arg, -1) {
				vars := iface.GetInputs().GetVariables()
				if m[1] == "outputs" {
					vars = iface.GetOutputs().GetVariables()
				}
				if _, ok := vars[m[2]]; !ok {
					s.in("command").errorf(cmdAt, "{{.%s.%s}} names no %s of the task", m[1], m[2], strings.TrimSuffix(m[1], "s"))
				}
			}
			for _, m := range outputFile.FindAllStringSubmatch(arg, -1) {
				if _, ok := iface.GetOutputs().GetVariables()[m[1]]; !ok {
					s.in("command").errorf(cmdAt, "{{.outputs}}/%s is not an output of the task (outputs: %s)", m[1], sortedKeys(iface.GetOutputs().GetVariables()))
				}
			}
		}
	}
	if v := o.get("env"); v != nil {
		ps, m, _ := s.in("env").textMap(v)
		for _, p := range ps {
			c.Env = append(c.Env, &corev1.KeyValuePair{Key: p.key, Value: m[p.key]})
		}
	}
	res := &corev1.Resources{}
	if v := o.get("resources"); v != nil {
		res.Requests = parseResources(s.in("resources"), v)
	}
	if v := o.get("limits"); v != nil {
		res.Limits = parseResources(s.in("limits"), v)
	}
	if len(res.Requests)+len(res.Limits) > 0 {
		c.Resources = res
	}
	return c
}

var resourceNames = map[string]corev1.Resources_ResourceName{
	"cpu":               corev1.Resources_RESOURCE_NAME_CPU,
	"gpu":               corev1.Resources_RESOURCE_NAME_GPU,
	"memory":            corev1.Resources_RESOURCE_NAME_MEMORY,
	"storage":           corev1.Resources_RESOURCE_NAME_STORAGE,
	"ephemeral_storage": corev1.Resources_RESOURCE_NAME_EPHEMERAL_STORAGE,
}

// quantityPattern is a Kubernetes quantity: a decimal number with an optional
// decimal (m, k, M, G, T, P, E) or binary (Ki, Mi, ...) suffix.
var quantityPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// parseResources reads {cpu: 500m, memory: 256Mi, ...} in a fixed order.
func parseResources(s scope, n *yaml.Node) []*corev1.Resources_ResourceEntry {
	o := s.object(n, "a mapping of cpu, memory, gpu, storage, ephemeral_storage", "cpu", "gpu", "memory", "storage", "ephemeral_storage")
	if o == nil {
		return nil
	}
	var out []*corev1.Resources_ResourceEntry
	for _, p := range o.list {
		v, ok := s.in("%s", p.key).text(p.val)
		if !ok {
			continue
		}
		if !quantityPattern.MatchString(v) {
			s.in("%s", p.key).errorf(p.val, "want a quantity such as 500m, 2, 256Mi or 1Gi, found %q", v)
			continue
		}
		out = append(out, &corev1.Resources_ResourceEntry{Name: resourceNames[p.key], Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// parseSecurity reads secrets, service_account and iam_role.
func parseSecurity(s scope, o *object) *corev1.SecurityContext {
	sc := &corev1.SecurityContext{}
	if v := o.get("service_account"); v != nil || o.get("iam_role") != nil {
		sc.RunAs = &corev1.Identity{}
		if v != nil {
			sc.RunAs.K8SServiceAccount, _ = s.in("service_account").text(v)
		}
		if r := o.get("iam_role"); r != nil {
			sc.RunAs.IamRole, _ = s.in("iam_role").text(r)
		}
	}
	if v := o.get("secrets"); v != nil {
		ss := s.in("secrets")
		v = ss.resolve(v)
		if v == nil || v.Kind != yaml.SequenceNode {
			ss.errorf(v, "want a list of {group, key, mount, env_var}, found %s", kindName(v))
		} else {
			for i, item := range v.Content {
				if sec := parseSecret(ss.in("%d", i+1), item); sec != nil {
					sc.Secrets = append(sc.Secrets, sec)
				}
			}
		}
	}
	if sc.RunAs == nil && len(sc.Secrets) == 0 {
		return nil
	}
	return sc
}

func parseSecret(s scope, n *yaml.Node) *corev1.Secret {
	o := s.object(n, "a secret {group, key, group_version, mount, env_var}", "group", "key", "group_version", "mount", "env_var")
	if o == nil {
		return nil
	}
	sec := &corev1.Secret{}
	if v := o.get("group"); v != nil {
		sec.Group, _ = s.in("group").text(v)
	}
	if sec.Group == "" {
		s.errorf(o.line(), "group is missing")
		return nil
	}
	if v := o.get("key"); v != nil {
		sec.Key, _ = s.in("key").text(v)
	}
	if v := o.get("group_version"); v != nil {
		sec.GroupVersion, _ = s.in("group_version").text(v)
	}
	if v := o.get("mount"); v != nil {
		m, _ := s.in("mount").text(v)
		switch m {
		case "any":
		case "env":
			sec.MountRequirement = corev1.Secret_MOUNT_TYPE_ENV_VAR
		case "file":
			sec.MountRequirement = corev1.Secret_MOUNT_TYPE_FILE
		default:
			s.in("mount").errorf(v, "want env, file or any, found %q", m)
		}
	}
	if v := o.get("env_var"); v != nil {
		sec.EnvVar, _ = s.in("env_var").text(v)
		if sec.MountRequirement == corev1.Secret_MOUNT_TYPE_FILE {
			s.in("env_var").errorf(v, "env_var needs mount: env (or no mount)")
		}
		if sec.MountRequirement == corev1.Secret_MOUNT_TYPE_ANY {
			sec.MountRequirement = corev1.Secret_MOUNT_TYPE_ENV_VAR
		}
	}
	return sec
}
