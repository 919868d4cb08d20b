package store

import "time"

// maxClaimLimit bounds one ExecutionClaim.
const maxClaimLimit = 10000

// Validate reports the first missing or invalid field.
func (p *ExecutionCreateParams) Validate() error {
	if err := validateExecutionID("id", p.ID); err != nil {
		return err
	}
	if err := validateEntityID(p.LaunchPlan); err != nil {
		return prefixParam("launch_plan", err)
	}
	if err := validateEntityID(p.Workflow); err != nil {
		return prefixParam("workflow", err)
	}
	if !validEnum(ExecutionModeNames, p.Mode) {
		return &ParamError{Param: "mode", Problem: "unknown execution mode " + itoa(int64(p.Mode))}
	}
	for _, f := range []struct{ param, value string }{
		{"principal", p.Principal}, {"parent_node_execution", p.ParentNodeExecution}, {"inputs_uri", p.InputsURI},
	} {
		if err := validText(f.param, f.value); err != nil {
			return err
		}
	}
	if p.ReferenceExecution != nil {
		if err := validateExecutionID("reference_execution", *p.ReferenceExecution); err != nil {
			return err
		}
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field.
func (p *ExecutionGetParams) Validate() error {
	return validateExecutionID("id", p.ID)
}

// Validate reports the first missing or invalid field.
func (p *ExecutionRequestAbortParams) Validate() error {
	if err := validateExecutionID("id", p.ID); err != nil {
		return err
	}
	if err := validText("cause", p.Cause); err != nil {
		return err
	}
	if err := validText("principal", p.Principal); err != nil {
		return err
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field.
func (p *ExecutionSetStateParams) Validate() error {
	if err := validateExecutionID("id", p.ID); err != nil {
		return err
	}
	if !validEnum(ExecutionStateNames, int32(p.State)) {
		return &ParamError{Param: "state", Problem: "unknown execution state " + itoa(int64(p.State))}
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field.
func (p *ExecutionClaimParams) Validate() error {
	if err := required("owner", p.Owner); err != nil {
		return err
	}
	if p.LeaseFor <= 0 {
		return &ParamError{Param: "lease_for", Problem: "must be positive, got " + p.LeaseFor.String()}
	}
	if p.Limit < 1 || p.Limit > maxClaimLimit {
		return &ParamError{Param: "limit", Problem: "must be between 1 and " + itoa(maxClaimLimit) + ", got " + itoa(int64(p.Limit))}
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field. LeaseFor is only
// required by ExecutionLeaseRenew (see ValidateRenew).
func (p *ExecutionLeaseParams) Validate() error {
	if err := required("owner", p.Owner); err != nil {
		return err
	}
	for _, id := range p.IDs {
		if err := requiredRowID("ids", id); err != nil {
			return err
		}
	}
	return requiredTime(p.Now)
}

// ValidateRenew is Validate plus a positive LeaseFor.
func (p *ExecutionLeaseParams) ValidateRenew() error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.LeaseFor <= 0 {
		return &ParamError{Param: "lease_for", Problem: "must be positive, got " + p.LeaseFor.String()}
	}
	return nil
}

// Validate reports the first missing or invalid field, including those of
// every node, task and event, which must belong to the execution RowID.
func (p *ExecutionRoundCommitParams) Validate() error {
	if err := requiredRowID("row_id", p.RowID); err != nil {
		return err
	}
	if err := required("owner", p.Owner); err != nil {
		return err
	}
	if p.ExpectedVersion < 0 {
		return &ParamError{Param: "expected_version", Problem: "must not be negative"}
	}
	seenNodes := make(map[string]bool, len(p.Nodes))
	for i, n := range p.Nodes {
		param := "nodes[" + itoa(int64(i)) + "]"
		if n == nil {
			return &ParamError{Param: param, Problem: "must not be nil"}
		}
		if n.ExecutionRowID != p.RowID {
			return &ParamError{Param: param + ".execution_row_id", Problem: "must be the committed execution " + itoa(p.RowID) + ", got " + itoa(n.ExecutionRowID)}
		}
		if err := required(param+".node_id", n.NodeID); err != nil {
			return err
		}
		if seenNodes[n.NodeID] {
			return &ParamError{Param: param + ".node_id", Problem: "node " + n.NodeID + " appears twice in one round"}
		}
		seenNodes[n.NodeID] = true
		for _, f := range []struct{ param, value string }{
			{".parent_node_id", n.ParentNodeID}, {".spec_node_id", n.SpecNodeID}, {".input_uri", n.InputURI}, {".output_uri", n.OutputURI},
		} {
			if err := validText(param+f.param, f.value); err != nil {
				return err
			}
		}
	}
	type taskKey struct {
		node    string
		attempt int32
	}
	seenTasks := make(map[taskKey]bool, len(p.Tasks))
	for i, t := range p.Tasks {
		param := "tasks[" + itoa(int64(i)) + "]"
		if t == nil {
			return &ParamError{Param: param, Problem: "must not be nil"}
		}
		if t.ExecutionRowID != p.RowID {
			return &ParamError{Param: param + ".execution_row_id", Problem: "must be the committed execution " + itoa(p.RowID) + ", got " + itoa(t.ExecutionRowID)}
		}
		if err := required(param+".node_id", t.NodeID); err != nil {
			return err
		}
		if t.RetryAttempt < 0 {
			return &ParamError{Param: param + ".retry_attempt", Problem: "must not be negative"}
		}
		k := taskKey{t.NodeID, t.RetryAttempt}
		if seenTasks[k] {
			return &ParamError{Param: param, Problem: "attempt " + itoa(int64(t.RetryAttempt)) + " of node " + t.NodeID + " appears twice in one round"}
		}
		seenTasks[k] = true
		for _, f := range []struct{ param, value string }{
			{".task.project", t.Task.Project}, {".task.domain", t.Task.Domain}, {".task.name", t.Task.Name}, {".task.version", t.Task.Version},
		} {
			if err := validText(param+f.param, f.value); err != nil {
				return err
			}
		}
	}
	for i, ev := range p.Events {
		param := "events[" + itoa(int64(i)) + "]"
		if ev == nil {
			return &ParamError{Param: param, Problem: "must not be nil"}
		}
		if ev.ExecutionRowID != p.RowID {
			return &ParamError{Param: param + ".execution_row_id", Problem: "must be the committed execution " + itoa(p.RowID) + ", got " + itoa(ev.ExecutionRowID)}
		}
		switch ev.Kind {
		case EventKindExecution, EventKindNode, EventKindTask:
		default:
			return &ParamError{Param: param + ".kind", Problem: "unknown event kind " + itoa(int64(ev.Kind))}
		}
		if err := validText(param+".node_id", ev.NodeID); err != nil {
			return err
		}
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field.
func (p *NodeExecutionGetParams) Validate() error {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return err
	}
	return required("node_id", p.NodeID)
}

// Validate reports the first missing or invalid field.
func (p *TaskExecutionListParams) Validate() error {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return err
	}
	return required("node_id", p.NodeID)
}

// Validate reports the first missing or invalid field.
func (p *TaskExecutionGetParams) Validate() error {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return err
	}
	if p.RetryAttempt < 0 {
		return &ParamError{Param: "retry_attempt", Problem: "must not be negative"}
	}
	return required("node_id", p.NodeID)
}

// Validate reports the first missing or invalid field. A Limit of 0 returns
// every event after AfterSeq.
func (p *EventListParams) Validate() error {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return err
	}
	if p.AfterSeq < 0 {
		return &ParamError{Param: "after_seq", Problem: "must not be negative"}
	}
	if p.Limit < 0 || p.Limit > MaxLimit {
		return &ParamError{Param: "limit", Problem: "must be between 0 and " + itoa(MaxLimit) + ", got " + itoa(int64(p.Limit))}
	}
	return nil
}

// Validate reports the first missing or invalid field.
func (p *SignalGetOrCreateParams) Validate() error {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return err
	}
	if err := required("signal_id", p.SignalID); err != nil {
		return err
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field.
func (p *SignalSetParams) Validate() error {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return err
	}
	if err := required("signal_id", p.SignalID); err != nil {
		return err
	}
	if p.Value == nil {
		return &ParamError{Param: "value", Problem: "required"}
	}
	if err := validText("set_by", p.SetBy); err != nil {
		return err
	}
	return requiredTime(p.Now)
}

// Validate reports the first missing or invalid field.
func (p *SignalListParams) Validate() error {
	return requiredRowID("execution_row_id", p.ExecutionRowID)
}

func validateExecutionID(param string, id ExecutionID) error {
	if err := required(param+".project", id.Project); err != nil {
		return err
	}
	if err := required(param+".domain", id.Domain); err != nil {
		return err
	}
	return required(param+".name", id.Name)
}

func requiredRowID(param string, id int64) error {
	if id <= 0 {
		return &ParamError{Param: param, Problem: "must be a positive row id, got " + itoa(id)}
	}
	return nil
}

// prefixParam qualifies the parameter of a ParamError with its parent field.
func prefixParam(parent string, err error) error {
	if pe, ok := err.(*ParamError); ok {
		return &ParamError{Param: parent + "." + stripID(pe.Param), Problem: pe.Problem}
	}
	return err
}

// stripID turns "id.project" into "project" for nested entity ids.
func stripID(param string) string {
	if len(param) > 3 && param[:3] == "id." {
		return param[3:]
	}
	return param
}

// ExecutionDue reports whether an execution with wakeAt is due at now.
func ExecutionDue(wakeAt *time.Time, now time.Time) bool {
	return wakeAt != nil && !wakeAt.After(now)
}
