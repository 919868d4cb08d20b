package flyte

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"time"

	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// LaunchPlan is a workflow with default and fixed inputs, a schedule,
// notifications and execution settings. Every workflow has a default launch
// plan of its own name (Workflow.LaunchPlan); NewLaunchPlan makes more.
// A workflow node can start a launch plan as a child execution with Call.
type LaunchPlan[I, O any] struct{ def *launchPlanDef }

// launchPlanDef is the untyped core of a LaunchPlan.
type launchPlanDef struct {
	name     string
	wf       *workflowDef
	s        *settings
	defaults *corev1.LiteralMap
	fixed    *corev1.LiteralMap
	err      error
}

// NewLaunchPlan makes a launch plan named name for wf.
//
// Options: Defaults, Fixed, Cron or FixedRate (with KickoffInput), Notify,
// Labels, Annotations, MaxParallelism, Interruptible.
func NewLaunchPlan[I, O any](name string, wf *Workflow[I, O], opts ...Option) *LaunchPlan[I, O] {
	d := &launchPlanDef{name: name, wf: wf.def}
	var errs []error
	if err := checkEntityName(name); err != nil {
		errs = append(errs, err)
	}
	s, err := collect("a launch plan", lpOptions, opts)
	if err != nil {
		errs = append(errs, err)
	}
	d.s = s
	if wf.def.err == nil {
		errs = append(errs, d.resolve()...)
	}
	if len(errs) > 0 {
		d.err = fmt.Errorf("launch plan %s: %w", name, errors.Join(errs...))
	}
	return &LaunchPlan[I, O]{def: d}
}

// LaunchPlan returns the workflow's default launch plan: its own name, the
// workflow's inputs with the defaults of the Defaults option.
func (w *Workflow[I, O]) LaunchPlan() *LaunchPlan[I, O] {
	return &LaunchPlan[I, O]{def: w.def.defaultLaunchPlan()}
}

func (d *workflowDef) defaultLaunchPlan() *launchPlanDef {
	d.lpOnce.Do(func() {
		lp := &launchPlanDef{name: d.name, wf: d, s: &settings{defaults: d.s.defaults}}
		if d.err == nil {
			if errs := lp.resolve(); len(errs) > 0 {
				lp.err = fmt.Errorf("default launch plan of workflow %s: %w", d.name, errors.Join(errs...))
			}
		}
		d.lp = lp
	})
	return d.lp
}

// Name returns the launch plan's name.
func (l *LaunchPlan[I, O]) Name() string { return l.def.name }

// Err reports what is wrong with the launch plan, or nil.
func (l *LaunchPlan[I, O]) Err() error {
	if l.def.err != nil {
		return l.def.err
	}
	return l.def.wf.err
}

// resolve evaluates the Defaults and Fixed options and checks the
// schedule against the workflow's inputs.
func (d *launchPlanDef) resolve() []error {
	var errs []error
	var err error
	if d.defaults, err = d.values("Defaults", d.s.defaults); err != nil {
		errs = append(errs, err)
	}
	if d.fixed, err = d.values("Fixed", d.s.fixed); err != nil {
		errs = append(errs, err)
	}
	for k := range d.fixed.GetLiterals() {
		if _, ok := d.defaults.GetLiterals()[k]; ok {
			errs = append(errs, fmt.Errorf("input %s is both a default and fixed", k))
		}
	}
	if k := d.s.kickoff; k != "" {
		i, ok := d.wf.in.byName(k)
		switch {
		case d.s.schedule == nil:
			errs = append(errs, fmt.Errorf("KickoffInput %s needs a schedule (Cron or FixedRate)", k))
		case !ok:
			errs = append(errs, fmt.Errorf("KickoffInput: workflow %s has no input %s (inputs: %s)", d.wf.name, k, d.wf.in.names()))
		case d.wf.in.fields[i].typ != typeTime:
			errs = append(errs, fmt.Errorf("KickoffInput: input %s is %s, want time.Time", k, d.wf.in.fields[i].typ))
		}
	}
	return errs
}

// values evaluates Defaults or Fixed options into a literal map; only
// constants may be bound.
func (d *launchPlanDef) values(what string, vs []lpValues) (*corev1.LiteralMap, error) {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	var errs []error
	for _, v := range vs {
		if v.in != d.wf.in.t {
			errs = append(errs, fmt.Errorf("%s binds fields of %s, but the workflow's inputs are %s", what, v.in, d.wf.in.t))
			continue
		}
		ptr := reflect.New(v.in).Interface()
		rs, rerrs := resolve(nil, what, d.wf.in, ptr, v.bind(ptr))
		errs = append(errs, rerrs...)
		for _, r := range rs {
			name := d.wf.in.fields[r.field].name
			switch {
			case r.b.v.lit == nil:
				errs = append(errs, fmt.Errorf("%s: %s: only constants (Const) can be bound here, not %s", what, name, r.b.v.desc))
			case r.b.each:
				errs = append(errs, fmt.Errorf("%s: %s: use Bind, not Each", what, name))
			default:
				m.Literals[name] = r.b.v.lit
			}
		}
	}
	return m, errors.Join(errs...)
}

// fixedAndDefaults returns the names of fixed inputs and of inputs with a
// default.
func (d *launchPlanDef) fixedAndDefaults() (fixed, defaults map[string]bool) {
	fixed, defaults = map[string]bool{}, map[string]bool{}
	for k := range d.fixed.GetLiterals() {
		fixed[k] = true
	}
	for k := range d.defaults.GetLiterals() {
		defaults[k] = true
	}
	return fixed, defaults
}

// spec is the launch plan's LaunchPlanSpec for workflow id wfID.
func (d *launchPlanDef) spec(wfID *corev1.Identifier) *adminv1.LaunchPlanSpec {
	params := &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{}}
	for i, f := range d.wf.in.fields {
		if _, ok := d.fixed.GetLiterals()[f.name]; ok {
			continue
		}
		p := &corev1.Parameter{Var: &corev1.Variable{Type: d.wf.in.codecs[i].lt}}
		switch l, ok := d.defaults.GetLiterals()[f.name]; {
		case ok:
			p.Behavior = &corev1.Parameter_Default{Default: l}
		case f.typ.Kind() == reflect.Pointer:
			p.Behavior = &corev1.Parameter_Default{Default: noneLit()}
		default:
			p.Behavior = &corev1.Parameter_Required{Required: true}
		}
		params.Parameters[f.name] = p
	}
	s := &adminv1.LaunchPlanSpec{
		WorkflowId:     wfID,
		DefaultInputs:  params,
		FixedInputs:    &corev1.LiteralMap{Literals: maps.Clone(d.fixed.GetLiterals())},
		MaxParallelism: d.s.maxParallelism,
		Interruptible:  d.s.interruptible,
	}
	if d.s.schedule != nil || len(d.s.notifications) > 0 {
		md := &adminv1.LaunchPlanMetadata{}
		if d.s.schedule != nil {
			md.Schedule = proto.Clone(d.s.schedule).(*adminv1.Schedule)
			md.Schedule.KickoffTimeInputArg = d.s.kickoff
		}
		for _, n := range d.s.notifications {
			md.Notifications = append(md.Notifications, proto.Clone(n).(*adminv1.Notification))
		}
		s.EntityMetadata = md
	}
	if len(d.s.labels) > 0 {
		s.Labels = &adminv1.Labels{Values: d.s.labels}
	}
	if len(d.s.annotations) > 0 {
		s.Annotations = &adminv1.Annotations{Values: d.s.annotations}
	}
	return proto.Clone(s).(*adminv1.LaunchPlanSpec)
}

// Defaults sets default inputs of a launch plan (or, on NewWorkflow, of
// the workflow's default launch plan): bind binds fields of the workflow's
// input struct to constants. Launch plans and workflows.
func Defaults[I any](bind func(in *I) []Binding) Option {
	v := lpValues{in: reflect.TypeFor[I](), bind: func(p any) []Binding { return bind(p.(*I)) }}
	return Option{"Defaults", func(s *settings) { s.defaults = append(s.defaults, v) }}
}

// Fixed sets inputs of a launch plan that a launch cannot change. Launch
// plans.
func Fixed[I any](bind func(in *I) []Binding) Option {
	v := lpValues{in: reflect.TypeFor[I](), bind: func(p any) []Binding { return bind(p.(*I)) }}
	return Option{"Fixed", func(s *settings) { s.fixed = append(s.fixed, v) }}
}

// Cron schedules a launch plan on a cron expression: five fields in UTC,
// or @hourly, @daily, @weekly, @monthly, @yearly. The schedule runs while
// the launch plan version is active (register --activate). Launch plans.
func Cron(expr string) Option {
	return Option{"Cron", func(s *settings) {
		s.schedule = &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_CronSchedule{CronSchedule: &adminv1.CronSchedule{Schedule: expr}}}
	}}
}

// FixedRate schedules a launch plan every d, which must be a whole number
// of minutes. Launch plans.
func FixedRate(d time.Duration) Option {
	return Option{"FixedRate", func(s *settings) {
		r := &adminv1.FixedRate{Value: uint32(d / time.Minute), Unit: adminv1.FixedRateUnit_FIXED_RATE_UNIT_MINUTE}
		switch {
		case d > 0 && d%(24*time.Hour) == 0:
			r = &adminv1.FixedRate{Value: uint32(d / (24 * time.Hour)), Unit: adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY}
		case d > 0 && d%time.Hour == 0:
			r = &adminv1.FixedRate{Value: uint32(d / time.Hour), Unit: adminv1.FixedRateUnit_FIXED_RATE_UNIT_HOUR}
		case d < time.Minute || d%time.Minute != 0:
			r.Unit = adminv1.FixedRateUnit_FIXED_RATE_UNIT_UNSPECIFIED // rejected by the admin with its message
		}
		s.schedule = &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_Rate{Rate: r}}
	}}
}

// KickoffInput names the time.Time input that receives the scheduled time
// of each scheduled run. Launch plans with a schedule.
func KickoffInput(name string) Option {
	return Option{"KickoffInput", func(s *settings) { s.kickoff = name }}
}

// Phase is a final phase of an execution, for notifications.
type Phase int

// Final phases of executions.
const (
	Succeeded Phase = iota + 1
	Failed
	TimedOut
	Aborted
)

func (p Phase) proto() corev1.WorkflowExecution_Phase {
	switch p {
	case Succeeded:
		return corev1.WorkflowExecution_PHASE_SUCCEEDED
	case Failed:
		return corev1.WorkflowExecution_PHASE_FAILED
	case TimedOut:
		return corev1.WorkflowExecution_PHASE_TIMED_OUT
	case Aborted:
		return corev1.WorkflowExecution_PHASE_ABORTED
	}
	return corev1.WorkflowExecution_PHASE_UNDEFINED
}

// Channel is where a notification goes: Email, Slack, PagerDuty, Webhook.
type Channel struct{ n *adminv1.Notification }

// Email sends notifications to email addresses.
func Email(addresses ...string) Channel {
	return Channel{&adminv1.Notification{Type: &adminv1.Notification_Email{Email: &adminv1.EmailNotification{RecipientsEmail: addresses}}}}
}

// Slack posts notifications through Slack's email integration addresses.
func Slack(addresses ...string) Channel {
	return Channel{&adminv1.Notification{Type: &adminv1.Notification_Slack{Slack: &adminv1.SlackNotification{RecipientsEmail: addresses}}}}
}

// PagerDuty raises alerts through PagerDuty's email integration addresses.
func PagerDuty(addresses ...string) Channel {
	return Channel{&adminv1.Notification{Type: &adminv1.Notification_PagerDuty{PagerDuty: &adminv1.PagerDutyNotification{RecipientsEmail: addresses}}}}
}

// Webhook posts the outcome as JSON to url with headers (stored with the
// launch plan: no credentials there).
func Webhook(url string, headers map[string]string) Channel {
	return Channel{&adminv1.Notification{Type: &adminv1.Notification_Webhook{Webhook: &adminv1.WebhookNotification{Url: url, Headers: headers}}}}
}

// Notify sends a notification to ch when an execution of the launch plan
// ends in one of the phases. Launch plans.
func Notify(ch Channel, on ...Phase) Option {
	return Option{"Notify", func(s *settings) {
		if ch.n == nil {
			return
		}
		n := &adminv1.Notification{Type: ch.n.GetType()}
		for _, p := range on {
			n.Phases = append(n.Phases, p.proto())
		}
		s.notifications = append(s.notifications, n)
	}}
}

// Labels are attached to every execution of a launch plan. Launch plans.
func Labels(kv map[string]string) Option {
	return Option{"Labels", func(s *settings) { s.labels = kv }}
}

// Annotations are attached to every execution of a launch plan. Launch
// plans.
func Annotations(kv map[string]string) Option {
	return Option{"Annotations", func(s *settings) { s.annotations = kv }}
}

// MaxParallelism limits the nodes running at once in an execution. Launch
// plans.
func MaxParallelism(n int32) Option {
	return Option{"MaxParallelism", func(s *settings) { s.maxParallelism = n }}
}
