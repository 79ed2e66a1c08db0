package rhoai

import "k8s.io/apimachinery/pkg/util/intstr"

// Typed bodies of the RHOAI CRs, json tags as in the opendatahub-operator
// v3.4.0 API types (opendatahub-io/opendatahub-operator@v3.4.0 api/).

// ManagementState is a component's or service's managementState.
type ManagementState string

const (
	Managed   ManagementState = "Managed"
	Removed   ManagementState = "Removed"
	Unmanaged ManagementState = "Unmanaged" // kueue only
)

// DSCInitializationSpec is dscinitialization.opendatahub.io/v2 DSCInitialization.spec
// (v2 has no serviceMesh; docs/decisions.md D1).
type DSCInitializationSpec struct {
	ApplicationsNamespace string           `json:"applicationsNamespace"`
	Monitoring            DSCIMonitoring   `json:"monitoring"`
	TrustedCABundle       *TrustedCABundle `json:"trustedCABundle,omitempty"`
}

// DSCIMonitoring is DSCInitialization.spec.monitoring.
type DSCIMonitoring struct {
	ManagementState ManagementState `json:"managementState"`
	Namespace       string          `json:"namespace,omitempty"`
	Alerting        *Alerting       `json:"alerting,omitempty"`
	Metrics         *Metrics        `json:"metrics,omitempty"`
	Traces          *Traces         `json:"traces,omitempty"`
}

// Alerting enables alerting when present (an empty object).
type Alerting struct{}

// Metrics configures the monitoring stack's metrics.
type Metrics struct {
	Replicas int32           `json:"replicas,omitempty"`
	Storage  *MetricsStorage `json:"storage,omitempty"`
}

// MetricsStorage sizes metric retention.
type MetricsStorage struct {
	Retention string `json:"retention,omitempty"`
	Size      string `json:"size,omitempty"`
}

// TracesBackend is spec.monitoring.traces.storage.backend.
type TracesBackend string

const (
	TracesPV  TracesBackend = "pv"
	TracesS3  TracesBackend = "s3"
	TracesGCS TracesBackend = "gcs"
)

// Traces configures tracing (needs the Tempo and OpenTelemetry CRDs, C10).
type Traces struct {
	SampleRatio string        `json:"sampleRatio,omitempty"`
	Storage     TracesStorage `json:"storage"`
}

// TracesStorage is where traces are kept.
type TracesStorage struct {
	Backend   TracesBackend `json:"backend"`
	Retention string        `json:"retention,omitempty"`
}

// TrustedCABundle is DSCInitialization.spec.trustedCABundle.
type TrustedCABundle struct {
	ManagementState ManagementState `json:"managementState"`
}

// DataScienceClusterSpec is datasciencecluster.opendatahub.io/v2 DataScienceCluster.spec.
type DataScienceClusterSpec struct {
	Components DSCComponents `json:"components"`
}

// DSCComponents is DataScienceCluster.spec.components.
type DSCComponents struct {
	Dashboard          ComponentState         `json:"dashboard"`
	Kserve             KserveComponent        `json:"kserve"`
	LlamaStackOperator ComponentState         `json:"llamastackoperator"`
	AIPipelines        AIPipelinesComponent   `json:"aipipelines"`
	Workbenches        WorkbenchesComponent   `json:"workbenches"`
	ModelRegistry      ModelRegistryComponent `json:"modelregistry"`
	MLflowOperator     ComponentState         `json:"mlflowoperator"`
	TrainingOperator   ComponentState         `json:"trainingoperator"`
	Kueue              ComponentState         `json:"kueue"`
	Ray                ComponentState         `json:"ray"`
	TrustyAI           ComponentState         `json:"trustyai"`
	FeastOperator      ComponentState         `json:"feastoperator"`
	Trainer            ComponentState         `json:"trainer"`
	SparkOperator      ComponentState         `json:"sparkoperator"`
}

// ComponentState is a component with only a managementState.
type ComponentState struct {
	ManagementState ManagementState `json:"managementState"`
}

// RawDeploymentServiceConfig is kserve.rawDeploymentServiceConfig (docs/decisions.md D2).
type RawDeploymentServiceConfig string

const (
	Headless RawDeploymentServiceConfig = "Headless"
	Headed   RawDeploymentServiceConfig = "Headed"
)

// KserveComponent is spec.components.kserve. It deliberately has no
// modelsAsService field: the MaaS layer owns kserve.modelsAsService with its
// own Patch (C12), and this layer's server-side apply must never touch it.
type KserveComponent struct {
	ManagementState            ManagementState            `json:"managementState"`
	RawDeploymentServiceConfig RawDeploymentServiceConfig `json:"rawDeploymentServiceConfig,omitempty"`
	NIM                        ComponentState             `json:"nim"`
	// ModelsAsService is set only in render mode (OpenShiftAIArgs.RenderMaaS),
	// where the rendered DataScienceCluster is one file and a second patch of
	// the same object would overwrite it.
	ModelsAsService *ComponentState `json:"modelsAsService,omitempty"`
}

// AIPipelinesComponent is spec.components.aipipelines.
type AIPipelinesComponent struct {
	ManagementState          ManagementState `json:"managementState"`
	ArgoWorkflowsControllers ComponentState  `json:"argoWorkflowsControllers"`
}

// WorkbenchesComponent is spec.components.workbenches.
type WorkbenchesComponent struct {
	ManagementState    ManagementState `json:"managementState"`
	WorkbenchNamespace string          `json:"workbenchNamespace,omitempty"`
}

// ModelRegistryComponent is spec.components.modelregistry.
type ModelRegistryComponent struct {
	ManagementState     ManagementState `json:"managementState"`
	RegistriesNamespace string          `json:"registriesNamespace,omitempty"`
}

// OdhDashboardConfigSpec is the part of opendatahub.io/v1alpha
// OdhDashboardConfig.spec this layer owns. The MaaS flags (modelAsService,
// maasAuthPolicies, vLLMDeploymentOnMaaS) belong to the MaaS layer's own patch
// (C17), and mlflow is rejected on the existing object: neither can be set here.
type OdhDashboardConfigSpec struct {
	DashboardConfig DashboardFlags `json:"dashboardConfig"`
	GroupsConfig    GroupsConfig   `json:"groupsConfig"`
}

// DashboardFlags is spec.dashboardConfig (this layer's flags only).
type DashboardFlags struct {
	DisableKueue           bool `json:"disableKueue"`
	GenAIStudio            bool `json:"genAiStudio"`
	ObservabilityDashboard bool `json:"observabilityDashboard"`
	// The MaaS flags, set here only in render mode (RenderMaaS), for the
	// same one-file reason as KserveComponent.ModelsAsService.
	ModelAsService       bool `json:"modelAsService,omitempty"`
	MaaSAuthPolicies     bool `json:"maasAuthPolicies,omitempty"`
	VLLMDeploymentOnMaaS bool `json:"vLLMDeploymentOnMaaS,omitempty"`
}

// GroupsConfig is spec.groupsConfig.
type GroupsConfig struct {
	AdminGroups   string `json:"adminGroups"`
	AllowedGroups string `json:"allowedGroups"`
}

// HardwareProfileSpec is infrastructure.opendatahub.io/v1 HardwareProfile.spec.
type HardwareProfileSpec struct {
	Identifiers []HardwareIdentifier `json:"identifiers"`
	Scheduling  *SchedulingSpec      `json:"scheduling,omitempty"`
}

// ResourceType is an identifier's resourceType.
type ResourceType string

const (
	CPUResource         ResourceType = "CPU"
	MemoryResource      ResourceType = "Memory"
	AcceleratorResource ResourceType = "Accelerator"
)

// HardwareIdentifier is one resource a profile offers (counts are int or string).
type HardwareIdentifier struct {
	DisplayName  string              `json:"displayName"`
	Identifier   string              `json:"identifier"`
	MinCount     intstr.IntOrString  `json:"minCount"`
	MaxCount     *intstr.IntOrString `json:"maxCount,omitempty"`
	DefaultCount intstr.IntOrString  `json:"defaultCount"`
	ResourceType ResourceType        `json:"resourceType,omitempty"`
}

// SchedulingType is scheduling.type; CEL: Node => node set and no kueue.
type SchedulingType string

const NodeScheduling SchedulingType = "Node"

// SchedulingSpec is HardwareProfile.spec.scheduling.
type SchedulingSpec struct {
	Type SchedulingType      `json:"type"`
	Node *NodeSchedulingSpec `json:"node,omitempty"`
}

// NodeSchedulingSpec places pods by node selector and tolerations.
type NodeSchedulingSpec struct {
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	Tolerations  []Toleration      `json:"tolerations,omitempty"`
}

// Toleration is a core/v1 Toleration.
type Toleration struct {
	Key      string `json:"key,omitempty"`
	Operator string `json:"operator,omitempty"`
	Value    string `json:"value,omitempty"`
	Effect   string `json:"effect,omitempty"`
}
