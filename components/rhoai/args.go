package rhoai

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Defaults (manifests.md 3.4–3.8, confirmations.md §1).
const (
	DefaultAdminGroups         = "rhods-admins"
	DefaultAllowedGroups       = "system:authenticated"
	DefaultWorkbenchNamespace  = "rhods-notebooks"
	DefaultRegistriesNamespace = "rhoai-model-registries"
	DefaultMonitoringNamespace = "redhat-ods-monitoring"
)

// Operator is the RHOAI operator package: stable-3.x, redhat-operators,
// Automatic, starting at rhods-operator.3.4.0 (RHOAI CSVs have no "v");
// a pin must stay in 3.4.x, the release this program installs.
var Operator = olm.Package{
	Name:    "rhods-operator",
	Default: olm.Catalog{Channel: "stable-3.x", Source: "redhat-operators", Approval: olm.Automatic, StartingCSV: "rhods-operator.3.4.0"},
	Pin: &olm.Pin{
		Pattern: regexp.MustCompile(`^rhods-operator\.3\.4\.[0-9]+$`),
		Allowed: "rhods-operator.3.4.x",
		Why:     "this program installs RHOAI 3.4",
	},
}

// OpenShiftAIArgs comes from validated config (stacks/).
type OpenShiftAIArgs struct {
	Catalog olm.Catalog // overrides Operator.Default field by field

	Monitoring MonitoringArgs  // DSCI spec.monitoring (manifests.md 3.5)
	Components ComponentStates // DSC managementStates (manifests.md 3.6; kueue and llamastack Removed)
	// RawDeploymentServiceConfig is kserve.rawDeploymentServiceConfig: Headless (default) or Headed (D2).
	RawDeploymentServiceConfig RawDeploymentServiceConfig
	WorkbenchNamespace         string // rhods-notebooks
	RegistriesNamespace        string // rhoai-model-registries

	AdminGroups   string // OdhDashboardConfig groupsConfig.adminGroups: rhods-admins
	AllowedGroups string // groupsConfig.allowedGroups: system:authenticated

	// HardwareProfiles: nil gives gpu-profile and nvidia-a10g-profile
	// (DefaultHardwareProfiles); an empty non-nil list creates none.
	HardwareProfiles []HardwareProfile

	// RenderMaaS (render mode with MaaS on) writes the MaaS fields into this
	// layer's DataScienceCluster and OdhDashboardConfig, because a rendered
	// object is one file: the MaaS layer's separate patches of the same
	// objects would overwrite it. Live runs keep them apart (C12, C17).
	RenderMaaS bool

	Connectivity    readiness.Prerequisite // C8: RHCL CSV + authpolicies CRD + Kuadrant Ready
	LeaderWorkerSet readiness.Prerequisite // C9: LWS operator + LeaderWorkerSetOperator
	Tracing         readiness.Prerequisite // C10: Tempo + OTel (+ COO) CSVs and CRDs

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what every object of this layer waits for
}

// MonitoringArgs is DSCInitialization spec.monitoring.
type MonitoringArgs struct {
	ManagementState    ManagementState `json:"managementState,omitempty"`    // Managed
	Namespace          string          `json:"namespace,omitempty"`          // redhat-ods-monitoring
	DisableAlerting    bool            `json:"disableAlerting,omitempty"`    // alerting: {} unless set
	MetricsReplicas    int32           `json:"metricsReplicas,omitempty"`    // 1
	MetricsRetention   string          `json:"metricsRetention,omitempty"`   // 90d
	MetricsStorageSize string          `json:"metricsStorageSize,omitempty"` // 5Gi
	TracesSampleRatio  string          `json:"tracesSampleRatio,omitempty"`  // "0.1"
	TracesBackend      TracesBackend   `json:"tracesBackend,omitempty"`      // pv
	TracesRetention    string          `json:"tracesRetention,omitempty"`    // 2160h
}

// ComponentStates are the DSC components' managementStates; empty fields take
// the manifests.md 3.6 defaults, except llamastackoperator (Removed by
// default, as the rationale says) and kserve.modelsAsService (not here: the
// MaaS layer owns it).
type ComponentStates struct {
	Dashboard                ManagementState `json:"dashboard,omitempty"`                // Managed (required)
	Kserve                   ManagementState `json:"kserve,omitempty"`                   // Managed (required)
	KserveNIM                ManagementState `json:"kserveNim,omitempty"`                // Managed
	LlamaStackOperator       ManagementState `json:"llamastackoperator,omitempty"`       // Removed
	AIPipelines              ManagementState `json:"aipipelines,omitempty"`              // Managed
	ArgoWorkflowsControllers ManagementState `json:"argoWorkflowsControllers,omitempty"` // Managed
	Workbenches              ManagementState `json:"workbenches,omitempty"`              // Managed
	ModelRegistry            ManagementState `json:"modelregistry,omitempty"`            // Managed
	MLflowOperator           ManagementState `json:"mlflowoperator,omitempty"`           // Managed
	TrainingOperator         ManagementState `json:"trainingoperator,omitempty"`         // Managed
	Kueue                    ManagementState `json:"kueue,omitempty"`                    // Removed
	Ray                      ManagementState `json:"ray,omitempty"`                      // Removed
	TrustyAI                 ManagementState `json:"trustyai,omitempty"`                 // Removed
	FeastOperator            ManagementState `json:"feastoperator,omitempty"`            // Removed
}

// HardwareProfile is one HardwareProfile in redhat-ods-applications.
type HardwareProfile struct {
	Name        string // metadata.name and, unless DisplayName is set, the display name
	DisplayName string
	Spec        HardwareProfileSpec
}

// DefaultHardwareProfiles are manifests.md 3.7: gpu-profile, and
// nvidia-a10g-profile pinned to A10G nodes.
func DefaultHardwareProfiles() []HardwareProfile {
	gpu := func(nodeSelector map[string]string) HardwareProfileSpec {
		eight, four := intstr.FromString("8"), intstr.FromInt32(4)
		memMax := intstr.FromString("32Gi")
		return HardwareProfileSpec{
			Identifiers: []HardwareIdentifier{
				{DisplayName: "CPU", Identifier: "cpu", MinCount: intstr.FromInt32(1), MaxCount: &eight, DefaultCount: intstr.FromString("1"), ResourceType: CPUResource},
				{DisplayName: "Memory", Identifier: "memory", MinCount: intstr.FromString("1Gi"), MaxCount: &memMax, DefaultCount: intstr.FromString("12Gi"), ResourceType: MemoryResource},
				{DisplayName: "GPU", Identifier: "nvidia.com/gpu", MinCount: intstr.FromInt32(1), MaxCount: &four, DefaultCount: intstr.FromInt32(1), ResourceType: AcceleratorResource},
			},
			Scheduling: &SchedulingSpec{Type: NodeScheduling, Node: &NodeSchedulingSpec{
				NodeSelector: nodeSelector,
				Tolerations:  []Toleration{{Effect: "NoSchedule", Key: "nvidia.com/gpu", Operator: "Exists"}},
			}},
		}
	}
	return []HardwareProfile{
		{Name: "gpu-profile", Spec: gpu(nil)},
		{Name: "nvidia-a10g-profile", Spec: gpu(map[string]string{"nvidia.com/gpu.product": "NVIDIA-A10G"})},
	}
}

func orDefault[T ~string](v, d T) T {
	if v == "" {
		return d
	}
	return v
}

func (a OpenShiftAIArgs) withDefaults() OpenShiftAIArgs {
	a.Catalog = Operator.Resolve(a.Catalog)
	a.RawDeploymentServiceConfig = orDefault(a.RawDeploymentServiceConfig, Headless)
	a.WorkbenchNamespace = orDefault(a.WorkbenchNamespace, DefaultWorkbenchNamespace)
	a.RegistriesNamespace = orDefault(a.RegistriesNamespace, DefaultRegistriesNamespace)
	a.AdminGroups = orDefault(a.AdminGroups, DefaultAdminGroups)
	a.AllowedGroups = orDefault(a.AllowedGroups, DefaultAllowedGroups)
	if a.HardwareProfiles == nil {
		a.HardwareProfiles = DefaultHardwareProfiles()
	}
	m := &a.Monitoring
	m.ManagementState = orDefault(m.ManagementState, Managed)
	m.Namespace = orDefault(m.Namespace, DefaultMonitoringNamespace)
	if m.MetricsReplicas == 0 {
		m.MetricsReplicas = 1
	}
	m.MetricsRetention = orDefault(m.MetricsRetention, "90d")
	m.MetricsStorageSize = orDefault(m.MetricsStorageSize, "5Gi")
	m.TracesSampleRatio = orDefault(m.TracesSampleRatio, "0.1")
	m.TracesBackend = orDefault(m.TracesBackend, TracesPV)
	m.TracesRetention = orDefault(m.TracesRetention, "2160h")
	c := &a.Components
	for _, f := range []struct {
		v *ManagementState
		d ManagementState
	}{
		{&c.Dashboard, Managed}, {&c.Kserve, Managed}, {&c.KserveNIM, Managed}, {&c.LlamaStackOperator, Removed},
		{&c.AIPipelines, Managed}, {&c.ArgoWorkflowsControllers, Managed}, {&c.Workbenches, Managed},
		{&c.ModelRegistry, Managed}, {&c.MLflowOperator, Managed}, {&c.TrainingOperator, Managed},
		{&c.Kueue, Removed}, {&c.Ray, Removed}, {&c.TrustyAI, Removed}, {&c.FeastOperator, Removed},
	} {
		*f.v = orDefault(*f.v, f.d)
	}
	return a
}

var (
	dnsLabel        = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	promRetention   = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d|w|y)$`)
	managedOrRemove = []ManagementState{Managed, Removed}
)

// Validate reports every problem at once (after defaults).
func (a OpenShiftAIArgs) Validate() error {
	var errs []error
	add := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	if a.Gates == nil {
		add("no gate binder given")
	}
	for _, p := range Operator.Check(a.Catalog) {
		errs = append(errs, fmt.Errorf("operator %w", p))
	}
	if a.RawDeploymentServiceConfig != Headless && a.RawDeploymentServiceConfig != Headed {
		add("rawDeploymentServiceConfig %q; expected Headless or Headed", a.RawDeploymentServiceConfig)
	}
	for field, ns := range map[string]string{"workbenchNamespace": a.WorkbenchNamespace, "registriesNamespace": a.RegistriesNamespace, "monitoring.namespace": a.Monitoring.Namespace} {
		if !dnsLabel.MatchString(ns) {
			add("%s %q is not a DNS label", field, ns)
		}
	}
	errs = append(errs, a.Components.validate()...)
	errs = append(errs, a.Monitoring.validate()...)
	seen := map[string]bool{}
	for i, hp := range a.HardwareProfiles {
		if !dnsLabel.MatchString(hp.Name) {
			add("hardwareProfiles[%d].name %q is not a DNS label", i, hp.Name)
		}
		if seen[hp.Name] {
			add("hardwareProfiles[%d].name %q is used twice", i, hp.Name)
		}
		seen[hp.Name] = true
		if len(hp.Spec.Identifiers) == 0 {
			add("hardwareProfiles[%d] (%s) has no identifiers; expected at least cpu and memory", i, hp.Name)
		}
		if s := hp.Spec.Scheduling; s != nil && s.Type == NodeScheduling && s.Node == nil {
			add("hardwareProfiles[%d] (%s): scheduling type Node needs scheduling.node (CRD CEL rule)", i, hp.Name)
		}
	}
	if a.AdminGroups == "" || a.AllowedGroups == "" {
		add("adminGroups and allowedGroups must not be empty")
	}
	return errors.Join(errs...)
}

func (c ComponentStates) validate() []error {
	var errs []error
	check := func(field string, v ManagementState, allowed ...ManagementState) {
		for _, ok := range allowed {
			if v == ok {
				return
			}
		}
		errs = append(errs, fmt.Errorf("components.%s %q; expected one of %s", field, v, join(allowed)))
	}
	// The dashboard creates OdhDashboardConfig and serves the hardware
	// profiles; KServe runs llm-d's LLMInferenceService: this layer needs both.
	check("dashboard", c.Dashboard, Managed)
	check("kserve", c.Kserve, Managed)
	check("kserveNim", c.KserveNIM, managedOrRemove...)
	check("llamastackoperator", c.LlamaStackOperator, managedOrRemove...)
	check("aipipelines", c.AIPipelines, managedOrRemove...)
	check("argoWorkflowsControllers", c.ArgoWorkflowsControllers, managedOrRemove...)
	check("workbenches", c.Workbenches, managedOrRemove...)
	check("modelregistry", c.ModelRegistry, managedOrRemove...)
	check("mlflowoperator", c.MLflowOperator, managedOrRemove...)
	check("trainingoperator", c.TrainingOperator, managedOrRemove...)
	check("kueue", c.Kueue, Managed, Unmanaged, Removed)
	check("ray", c.Ray, managedOrRemove...)
	check("trustyai", c.TrustyAI, managedOrRemove...)
	check("feastoperator", c.FeastOperator, managedOrRemove...)
	return errs
}

func (m MonitoringArgs) validate() []error {
	var errs []error
	if m.ManagementState != Managed && m.ManagementState != Removed {
		errs = append(errs, fmt.Errorf("monitoring.managementState %q; expected Managed or Removed", m.ManagementState))
	}
	if m.MetricsReplicas < 1 {
		errs = append(errs, fmt.Errorf("monitoring.metricsReplicas %d; expected an integer >= 1", m.MetricsReplicas))
	}
	if !promRetention.MatchString(m.MetricsRetention) {
		errs = append(errs, fmt.Errorf("monitoring.metricsRetention %q; expected a duration such as 90d", m.MetricsRetention))
	}
	if _, err := resource.ParseQuantity(m.MetricsStorageSize); err != nil {
		errs = append(errs, fmt.Errorf("monitoring.metricsStorageSize %q; expected a quantity such as 5Gi", m.MetricsStorageSize))
	}
	if r, err := strconv.ParseFloat(m.TracesSampleRatio, 64); err != nil || r < 0 || r > 1 {
		errs = append(errs, fmt.Errorf("monitoring.tracesSampleRatio %q; expected a decimal between 0 and 1 such as \"0.1\"", m.TracesSampleRatio))
	}
	switch m.TracesBackend {
	case TracesPV, TracesS3, TracesGCS:
	default:
		errs = append(errs, fmt.Errorf("monitoring.tracesBackend %q; expected pv, s3 or gcs", m.TracesBackend))
	}
	if _, err := time.ParseDuration(m.TracesRetention); err != nil {
		errs = append(errs, fmt.Errorf("monitoring.tracesRetention %q; expected a duration such as 2160h", m.TracesRetention))
	}
	return errs
}

func join(states []ManagementState) string {
	s := make([]string, len(states))
	for i, v := range states {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
