package authoring

import (
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

var launchPlanKeys = []string{
	"name", "workflow", "defaults", "fixed", "schedule", "notifications", "labels", "annotations",
	"max_parallelism", "interruptible", "overwrite_cache", "env", "service_account", "iam_role",
	"raw_output_prefix", "concurrency",
}

// lpDoc is a parsed compact launch plan. Everything but the inputs is
// decoded into spec right away; inputs wait for the workflow's interface.
type lpDoc struct {
	ref       *refDoc
	defaults  []pair
	fixed     []pair
	spec      *adminv1.LaunchPlanSpec
	kickoff   string
	kickoffAt *yaml.Node
}

// parseLaunchPlan decodes one entry of launch_plans:.
func (d *decoder) parseLaunchPlan(s scope, u *unit, n *yaml.Node) {
	if name := peekName(n, "name"); name != "" {
		s = s.in("launch plan %s", name)
	}
	o := s.object(n, "a launch plan (a mapping with name, workflow, defaults, fixed, schedule, ...)", launchPlanKeys...)
	if o == nil {
		return
	}
	name, ok := entityName(s, o)
	if !ok {
		return
	}
	ls := s
	doc := &lpDoc{spec: &adminv1.LaunchPlanSpec{}}
	if v := o.get("workflow"); v == nil {
		ls.errorf(o.line(), "workflow is missing")
	} else {
		doc.ref = parseRef(ls.in("workflow"), u, v, corev1.ResourceType_RESOURCE_TYPE_WORKFLOW)
	}
	for _, k := range []struct {
		key string
		dst *[]pair
	}{{"defaults", &doc.defaults}, {"fixed", &doc.fixed}} {
		if v := o.get(k.key); v != nil {
			*k.dst, _ = ls.in("%s", k.key).pairs(v, "a mapping of input names to values")
		}
	}
	spec := doc.spec
	md := &adminv1.LaunchPlanMetadata{}
	if v := o.get("schedule"); v != nil {
		md.Schedule, doc.kickoff, doc.kickoffAt = parseSchedule(ls.in("schedule"), v)
	}
	if v := o.get("notifications"); v != nil {
		md.Notifications = parseNotifications(ls.in("notifications"), v)
	}
	if md.Schedule != nil || len(md.Notifications) > 0 {
		spec.EntityMetadata = md
	}
	if v := o.get("labels"); v != nil {
		_, m, _ := ls.in("labels").textMap(v)
		spec.Labels = &adminv1.Labels{Values: m}
	}
	if v := o.get("annotations"); v != nil {
		_, m, _ := ls.in("annotations").textMap(v)
		spec.Annotations = &adminv1.Annotations{Values: m}
	}
	if v := o.get("max_parallelism"); v != nil {
		if p, ok := ls.in("max_parallelism").integer(v, 0, 1<<31-1); ok {
			spec.MaxParallelism = int32(p)
		}
	}
	if v := o.get("interruptible"); v != nil {
		if b, ok := ls.in("interruptible").boolean(v); ok {
			spec.Interruptible = &b
		}
	}
	if v := o.get("overwrite_cache"); v != nil {
		spec.OverwriteCache, _ = ls.in("overwrite_cache").boolean(v)
	}
	if v := o.get("env"); v != nil {
		ps, m, _ := ls.in("env").textMap(v)
		envs := &adminv1.Envs{}
		for _, p := range ps {
			envs.Values = append(envs.Values, &corev1.KeyValuePair{Key: p.key, Value: m[p.key]})
		}
		spec.Envs = envs
	}
	spec.SecurityContext = parseSecurity(ls, o)
	if v := o.get("raw_output_prefix"); v != nil {
		if p, ok := ls.in("raw_output_prefix").text(v); ok {
			if u, err := url.Parse(p); err != nil || u.Scheme == "" {
				ls.in("raw_output_prefix").errorf(v, "want a URI such as s3://bucket/raw, found %q", p)
			}
			spec.RawOutputDataConfig = &adminv1.RawOutputDataConfig{OutputLocationPrefix: p}
		}
	}
	if v := o.get("concurrency"); v != nil {
		spec.ConcurrencyPolicy = parseConcurrency(ls.in("concurrency"), v)
	}
	d.addLaunchPlan(&lpDef{s: ls, at: o.line(), id: u.id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, name), doc: doc})
}

var cronAliases = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

// parseSchedule reads {cron: EXPR, offset: ISO8601} or {rate: DURATION},
// with kickoff_input and max_catch_up_runs.
func parseSchedule(s scope, n *yaml.Node) (*adminv1.Schedule, string, *yaml.Node) {
	o := s.object(n, "{cron: EXPRESSION} or {rate: DURATION}", "cron", "offset", "rate", "kickoff_input", "max_catch_up_runs")
	if o == nil {
		return nil, "", nil
	}
	sch := &adminv1.Schedule{}
	cron, rate := o.get("cron"), o.get("rate")
	switch {
	case cron != nil && rate != nil:
		s.errorf(rate, "write cron or rate, not both")
		return nil, "", nil
	case cron != nil:
		expr, ok := s.in("cron").text(cron)
		if !ok {
			return nil, "", nil
		}
		fields := strings.Fields(expr)
		if strings.HasPrefix(expr, "@") {
			if !contains(cronAliases, expr) {
				s.in("cron").errorf(cron, "unknown alias %q (want one of %s)", expr, strings.Join(cronAliases, ", "))
			}
		} else if len(fields) != 5 {
			s.in("cron").errorf(cron, "want five fields (minute hour day-of-month month day-of-week) or an alias such as @daily, found %q", expr)
		}
		cs := &adminv1.CronSchedule{Schedule: expr}
		if v := o.get("offset"); v != nil {
			cs.Offset, _ = s.in("offset").text(v)
			if !strings.HasPrefix(cs.Offset, "P") {
				s.in("offset").errorf(v, "want an ISO 8601 duration such as PT5M, found %q", cs.Offset)
			}
		}
		sch.ScheduleExpression = &adminv1.Schedule_CronSchedule{CronSchedule: cs}
	case rate != nil:
		if o.present("offset") {
			s.in("offset").errorf(o.vals["offset"].knode, "offset applies to cron schedules")
		}
		d, ok := s.in("rate").duration(rate)
		if !ok {
			return nil, "", nil
		}
		fr, err := fixedRate(d)
		if err != nil {
			s.in("rate").errorf(rate, "%v", err)
			return nil, "", nil
		}
		sch.ScheduleExpression = &adminv1.Schedule_Rate{Rate: fr}
	default:
		s.errorf(o.line(), "want cron or rate")
		return nil, "", nil
	}
	if v := o.get("max_catch_up_runs"); v != nil {
		if m, ok := s.in("max_catch_up_runs").integer(v, 0, 1<<31-1); ok {
			mv := uint32(m)
			sch.MaxCatchUpRuns = &mv
		}
	}
	var kickoff string
	var kickoffAt *yaml.Node
	if v := o.get("kickoff_input"); v != nil {
		kickoff, _ = s.in("kickoff_input").text(v)
		kickoffAt = v
		sch.KickoffTimeInputArg = kickoff
	}
	return sch, kickoff, kickoffAt
}

// fixedRate expresses a duration in the largest whole unit of days, hours
// or minutes.
func fixedRate(d time.Duration) (*adminv1.FixedRate, error) {
	for _, u := range []struct {
		dur  time.Duration
		unit adminv1.FixedRateUnit
	}{
		{24 * time.Hour, adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY},
		{time.Hour, adminv1.FixedRateUnit_FIXED_RATE_UNIT_HOUR},
		{time.Minute, adminv1.FixedRateUnit_FIXED_RATE_UNIT_MINUTE},
	} {
		if d%u.dur == 0 && d/u.dur <= 1<<31 {
			return &adminv1.FixedRate{Value: uint32(d / u.dur), Unit: u.unit}, nil
		}
	}
	return nil, errAt(nil, "want a whole number of minutes, hours or days (such as 10m, 2h or 1d), found %s", d)
}

var phaseNames = map[string]corev1.WorkflowExecution_Phase{
	"succeeded": corev1.WorkflowExecution_PHASE_SUCCEEDED,
	"failed":    corev1.WorkflowExecution_PHASE_FAILED,
	"timed_out": corev1.WorkflowExecution_PHASE_TIMED_OUT,
	"aborted":   corev1.WorkflowExecution_PHASE_ABORTED,
}

// parseNotifications reads [{on: [failed, ...], email|slack|pager_duty: [ADDRESS, ...] | webhook: {url, headers}}].
func parseNotifications(s scope, n *yaml.Node) []*adminv1.Notification {
	if n.Kind != yaml.SequenceNode {
		s.errorf(n, "want a list of notifications, found %s", kindName(n))
		return nil
	}
	var out []*adminv1.Notification
	for i, item := range n.Content {
		ns := s.in("%d", i+1)
		o := ns.object(item, "{on: [PHASES], email|slack|pager_duty|webhook: ...}", "on", "email", "slack", "pager_duty", "webhook")
		if o == nil {
			continue
		}
		nt := &adminv1.Notification{}
		if v := o.get("on"); v == nil {
			ns.errorf(o.line(), "on is missing (the phases that notify: succeeded, failed, timed_out, aborted)")
		} else if phases, ok := ns.in("on").textList(v, true); ok {
			for _, p := range phases {
				ph, known := phaseNames[p]
				if !known {
					ns.in("on").errorf(v, "unknown phase %q (want succeeded, failed, timed_out or aborted)", p)
					continue
				}
				nt.Phases = append(nt.Phases, ph)
			}
		}
		channels := 0
		for _, k := range []string{"email", "slack", "pager_duty", "webhook"} {
			if o.get(k) != nil {
				channels++
			}
		}
		if channels != 1 {
			ns.errorf(o.line(), "a notification goes to one of email, slack, pager_duty or webhook")
			continue
		}
		addresses := func(key string) []string {
			list, _ := ns.in("%s", key).textList(o.get(key), true)
			for _, a := range list {
				if !strings.Contains(a, "@") {
					ns.in("%s", key).errorf(o.get(key), "%q is not an email address", a)
				}
			}
			return list
		}
		switch {
		case o.get("email") != nil:
			nt.Type = &adminv1.Notification_Email{Email: &adminv1.EmailNotification{RecipientsEmail: addresses("email")}}
		case o.get("slack") != nil:
			nt.Type = &adminv1.Notification_Slack{Slack: &adminv1.SlackNotification{RecipientsEmail: addresses("slack")}}
		case o.get("pager_duty") != nil:
			nt.Type = &adminv1.Notification_PagerDuty{PagerDuty: &adminv1.PagerDutyNotification{RecipientsEmail: addresses("pager_duty")}}
		default:
			ws := ns.in("webhook")
			wo := ws.object(o.get("webhook"), "{url, headers}", "url", "headers")
			if wo == nil {
				continue
			}
			wh := &adminv1.WebhookNotification{}
			if v := wo.get("url"); v == nil {
				ws.errorf(wo.line(), "url is missing")
			} else if raw, ok := ws.in("url").text(v); ok {
				if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					ws.in("url").errorf(v, "want an http or https URL, found %q", raw)
				}
				wh.Url = raw
			}
			if v := wo.get("headers"); v != nil {
				_, wh.Headers, _ = ws.in("headers").textMap(v)
			}
			nt.Type = &adminv1.Notification_Webhook{Webhook: wh}
		}
		out = append(out, nt)
	}
	return out
}

// parseConcurrency reads {max: N, behavior: skip}.
func parseConcurrency(s scope, n *yaml.Node) *adminv1.ConcurrencyPolicy {
	o := s.object(n, "{max: N, behavior: skip}", "max", "behavior")
	if o == nil {
		return nil
	}
	cp := &adminv1.ConcurrencyPolicy{Behavior: adminv1.ConcurrencyLimitBehavior_CONCURRENCY_LIMIT_BEHAVIOR_SKIP}
	if v := o.get("max"); v == nil {
		s.errorf(o.line(), "max is missing")
	} else if m, ok := s.in("max").integer(v, 1, 1<<31-1); ok {
		cp.Max = uint32(m)
	}
	if v := o.get("behavior"); v != nil {
		if b, _ := s.in("behavior").text(v); b != "skip" {
			s.in("behavior").errorf(v, "want skip, found %q", b)
		}
	}
	return cp
}
