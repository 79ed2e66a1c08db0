package lws

// ManagementState is an openshift/api operator's spec.managementState.
type ManagementState string

// LogLevel is an openshift/api operator's spec.logLevel / operatorLogLevel.
type LogLevel string

const (
	Managed ManagementState = "Managed"
	Normal  LogLevel        = "Normal"
)

// LeaderWorkerSetOperatorSpec is operator.openshift.io/v1
// LeaderWorkerSetOperator.spec (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/leader-worker-set/leader-worker-set-operator.yaml).
type LeaderWorkerSetOperatorSpec struct {
	ManagementState  ManagementState `json:"managementState"`
	LogLevel         LogLevel        `json:"logLevel"`
	OperatorLogLevel LogLevel        `json:"operatorLogLevel"`
}

func leaderWorkerSetOperatorSpec() LeaderWorkerSetOperatorSpec {
	return LeaderWorkerSetOperatorSpec{ManagementState: Managed, LogLevel: Normal, OperatorLogLevel: Normal}
}
