package admin

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/robfig/cron/v3"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

// cronParser accepts standard five-field expressions (minute hour
// day-of-month month day-of-week) and the descriptors @yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly and @every <duration>.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// isoDuration is an ISO 8601 duration such as P1D, PT5M or P1DT2H30M.
var isoDuration = regexp.MustCompile(`^-?P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`)

// checkCron validates a cron expression of a schedule. Schedules run in
// UTC, so time zone prefixes are refused.
func checkCron(expr string) error {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return fmt.Errorf("is empty; use five fields (minute hour day-of-month month day-of-week) or a descriptor such as @hourly")
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return fmt.Errorf("%q: time zones are not supported; schedules run in UTC", truncate(expr))
	}
	if _, err := cronParser.Parse(expr); err != nil {
		return fmt.Errorf("%q is not a valid cron expression (five fields minute hour day-of-month month day-of-week, or a descriptor such as @hourly): %w", truncate(expr), err)
	}
	return nil
}

// checkISODuration validates the offset of a cron schedule.
func checkISODuration(s string) error {
	if s == "P" || s == "-P" || strings.HasSuffix(s, "T") || !isoDuration.MatchString(s) {
		return fmt.Errorf("%q is not an ISO 8601 duration such as PT5M or P1D", truncate(s))
	}
	return nil
}

// checkSchedule validates a launch plan's schedule against the inputs the
// launch plan expects: a scheduled run passes no inputs except the kickoff
// time, so every other required input needs a default.
func checkSchedule(field string, s *adminv1.Schedule, expected *corev1.ParameterMap) error {
	var ps problems
	switch e := s.GetScheduleExpression().(type) {
	case *adminv1.Schedule_CronSchedule:
		if err := checkCron(e.CronSchedule.GetSchedule()); err != nil {
			ps.addf(field+".cron_schedule.schedule", "%s", err)
		}
		if off := e.CronSchedule.GetOffset(); off != "" {
			if err := checkISODuration(off); err != nil {
				ps.addf(field+".cron_schedule.offset", "%s", err)
			}
		}
	case *adminv1.Schedule_Rate:
		if e.Rate.GetValue() == 0 {
			ps.addf(field+".rate.value", "must be at least 1")
		}
		switch e.Rate.GetUnit() {
		case adminv1.FixedRateUnit_FIXED_RATE_UNIT_MINUTE, adminv1.FixedRateUnit_FIXED_RATE_UNIT_HOUR, adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY:
		default:
			ps.addf(field+".rate.unit", "must be MINUTE, HOUR or DAY, got %s", e.Rate.GetUnit())
		}
	default:
		ps.addf(field, "needs a cron_schedule or a rate")
	}
	kickoff := s.GetKickoffTimeInputArg()
	if kickoff != "" {
		p, ok := expected.GetParameters()[kickoff]
		switch {
		case !ok:
			ps.addf(field+".kickoff_time_input_arg", "%q is not an input the launch plan takes (fixed inputs cannot receive the kickoff time)", truncate(kickoff))
		case !isDatetime(p.GetVar().GetType()):
			ps.addf(field+".kickoff_time_input_arg", "input %q must be a datetime to receive the kickoff time, it is %s", kickoff, typeName(p.GetVar().GetType()))
		}
	}
	for _, name := range sortedKeys(expected.GetParameters()) {
		p := expected.GetParameters()[name]
		if name != kickoff && p.GetRequired() && p.GetDefault() == nil {
			ps.addf(field, "input %q is required and has no default, so a scheduled run cannot start; give it a default or a fixed value", name)
		}
	}
	return ps.err()
}

// checkLaunchPlanSpec validates the parts of a launch plan spec that do not
// depend on its workflow.
func checkLaunchPlanSpec(spec *adminv1.LaunchPlanSpec) error {
	var ps problems
	for i, n := range spec.GetEntityMetadata().GetNotifications() {
		checkNotification(&ps, fmt.Sprintf("spec.entity_metadata.notifications[%d]", i), n)
	}
	if spec.GetMaxParallelism() < 0 {
		ps.addf("spec.max_parallelism", "must not be negative, got %d", spec.GetMaxParallelism())
	}
	if cp := spec.GetConcurrencyPolicy(); cp != nil && cp.GetMax() > 0 && cp.GetBehavior() == adminv1.ConcurrencyLimitBehavior_CONCURRENCY_LIMIT_BEHAVIOR_UNSPECIFIED {
		ps.addf("spec.concurrency_policy.behavior", "required when max is set (use %s)", adminv1.ConcurrencyLimitBehavior_CONCURRENCY_LIMIT_BEHAVIOR_SKIP)
	}
	for _, k := range sortedKeys(spec.GetLabels().GetValues()) {
		if k == "" {
			ps.addf("spec.labels", "keys must not be empty")
		}
	}
	for _, k := range sortedKeys(spec.GetAnnotations().GetValues()) {
		if k == "" {
			ps.addf("spec.annotations", "keys must not be empty")
		}
	}
	return ps.err()
}

// terminalPhases are the execution phases a notification may fire on.
var terminalPhases = map[corev1.WorkflowExecution_Phase]bool{
	corev1.WorkflowExecution_PHASE_SUCCEEDED: true,
	corev1.WorkflowExecution_PHASE_FAILED:    true,
	corev1.WorkflowExecution_PHASE_ABORTED:   true,
	corev1.WorkflowExecution_PHASE_TIMED_OUT: true,
}

func checkNotification(ps *problems, field string, n *adminv1.Notification) {
	if len(n.GetPhases()) == 0 {
		ps.addf(field+".phases", "at least one phase is required")
	}
	for j, ph := range n.GetPhases() {
		if !terminalPhases[ph] {
			ps.addf(fmt.Sprintf("%s.phases[%d]", field, j), "%s is not a terminal phase (use SUCCEEDED, FAILED, ABORTED or TIMED_OUT)", ph)
		}
	}
	checkRecipients := func(kind string, recipients []string) {
		if len(recipients) == 0 {
			ps.addf(field+"."+kind+".recipients_email", "at least one recipient is required")
		}
		for j, r := range recipients {
			if at := strings.IndexByte(r, '@'); at <= 0 || at == len(r)-1 || strings.ContainsAny(r, " \t\r\n") {
				ps.addf(fmt.Sprintf("%s.%s.recipients_email[%d]", field, kind, j), "%q is not an email address", truncate(r))
			}
		}
	}
	switch t := n.GetType().(type) {
	case *adminv1.Notification_Email:
		checkRecipients("email", t.Email.GetRecipientsEmail())
	case *adminv1.Notification_PagerDuty:
		checkRecipients("pager_duty", t.PagerDuty.GetRecipientsEmail())
	case *adminv1.Notification_Slack:
		checkRecipients("slack", t.Slack.GetRecipientsEmail())
	case *adminv1.Notification_Webhook:
		u, err := url.Parse(t.Webhook.GetUrl())
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.addf(field+".webhook.url", "%q is not an http or https URL", truncate(t.Webhook.GetUrl()))
		}
	default:
		ps.addf(field, "needs email, pager_duty, slack or webhook")
	}
}

func isDatetime(t *corev1.LiteralType) bool {
	s, ok := t.GetType().(*corev1.LiteralType_Simple)
	return ok && s.Simple == corev1.SimpleType_SIMPLE_TYPE_DATETIME
}

// typeName names a type for a message.
func typeName(t *corev1.LiteralType) string {
	if t == nil {
		return "untyped"
	}
	return compiler.FormatType(t)
}
