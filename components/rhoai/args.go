package rhoai

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Defaults (alpha-hack-program/llm-d-guide@1f391b7 gitops/operators/rhoai/ and
// gitops/instance/rhoai/; docs/decisions.md "Operator subscriptions").
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

	Monitoring MonitoringArgs  // DSCI spec.monitoring (the guide's gitops/instance/rhoai/templates/dsci.yaml)
	Components ComponentStates // DSC managementStates (the guide's dsc.yaml; kueue and llamastack Removed)
	// RawDeploymentServiceConfig is kserve.rawDeploymentServiceConfig: Headless (default) or Headed (docs/decisions.md D2).
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
// the states of alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/rhoai/templates/dsc.yaml, except llamastackoperator (Removed by
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
	Trainer                  ManagementState `json:"trainer,omitempty"`                  // Removed
	SparkOperator            ManagementState `json:"sparkoperator,omitempty"`            // Removed
}

// componentRule is one DataScienceCluster component: its default and the
// states this program accepts. Every component is set explicitly in the DSC
// (the v2 API has no top-level default: opendatahub-operator@v3.4.0
// api/datasciencecluster/v2/datasciencecluster_types.go), so no hidden
// default decides whether the DSC becomes Ready.
type componentRule struct {
	name    string // json key
	def     ManagementState
	allowed []ManagementState
	why     string // why only these
	field   func(*ComponentStates) *ManagementState
}

var componentRules = []componentRule{
	{"dashboard", Managed, []ManagementState{Managed}, "the MaaS dashboard and the hardware profiles need it", func(c *ComponentStates) *ManagementState { return &c.Dashboard }},
	{"kserve", Managed, []ManagementState{Managed}, "llm-d serving runs on KServe's LLMInferenceService", func(c *ComponentStates) *ManagementState { return &c.Kserve }},
	{"kserveNim", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.KserveNIM }},
	{"llamastackoperator", Removed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.LlamaStackOperator }},
	{"aipipelines", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.AIPipelines }},
	{"argoWorkflowsControllers", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.ArgoWorkflowsControllers }},
	{"workbenches", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.Workbenches }},
	{"modelregistry", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.ModelRegistry }},
	{"mlflowoperator", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.MLflowOperator }},
	{"trainingoperator", Managed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.TrainingOperator }},
	{"kueue", Removed, []ManagementState{Removed, Unmanaged}, "RHOAI 3.x rejects Managed; its namespace labels hide hardware profiles", func(c *ComponentStates) *ManagementState { return &c.Kueue }},
	{"ray", Removed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.Ray }},
	{"trustyai", Removed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.TrustyAI }},
	{"feastoperator", Removed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.FeastOperator }},
	// Trainer needs the JobSet operator, which this program does not
	// install: Managed without it never becomes Ready ("JobSet operator not
	// installed, please install it first", opendatahub-operator@v3.4.0
	// internal/controller/components/trainer/trainer_controller_actions.go).
	{"trainer", Removed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.Trainer }},
	{"sparkoperator", Removed, managedOrRemove, "", func(c *ComponentStates) *ManagementState { return &c.SparkOperator }},
}

// ComponentNames are the components config may set (rhoai.components.<name>).
func ComponentNames() []string {
	out := make([]string, len(componentRules))
	for i, r := range componentRules {
		out[i] = r.name
	}
	return out
}

// DefaultComponentState is what the program sets for a component left unset.
func DefaultComponentState(name string) ManagementState {
	for _, r := range componentRules {
		if r.name == name {
			return r.def
		}
	}
	return ""
}

// CheckComponent says whether state is accepted for the named component,
// and if not, what is (in words).
func CheckComponent(name string, state ManagementState) (ok, known bool, expected string) {
	for _, r := range componentRules {
		if r.name != name {
			continue
		}
		if slices.Contains(r.allowed, state) {
			return true, true, ""
		}
		expected = "one of " + join(r.allowed)
		if r.why != "" {
			expected += " (" + r.why + ")"
		}
		return false, true, expected
	}
	return false, false, ""
}

// ComponentWarnings are accepted states that need something this program
// does not install.
func (c ComponentStates) Warnings() []string {
	if c.Trainer == Managed {
		return []string{"rhoai.components.trainer Managed needs the JobSet operator and a JobSetOperator named cluster, which this program does not install; until they exist the DataScienceCluster is not Ready (opendatahub-operator@v3.4.0 trainer_controller_actions.go: JobSet operator not installed, please install it first)"}
	}
	return nil
}

// HardwareProfile is one HardwareProfile in redhat-ods-applications.
type HardwareProfile struct {
	Name        string // metadata.name and, unless DisplayName is set, the display name
	DisplayName string
	Spec        HardwareProfileSpec
}

// DefaultHardwareProfiles are those of alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/rhoai/templates/hardware-profiles.yaml: gpu-profile, and
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
	for _, r := range componentRules {
		f := r.field(&a.Components)
		*f = orDefault(*f, r.def)
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
	for _, r := range componentRules {
		v := *r.field(&c)
		if ok, _, expected := CheckComponent(r.name, v); !ok {
			errs = append(errs, fmt.Errorf("components.%s %q; expected %s", r.name, v, expected))
		}
	}
	return errs
}

// ValidRetention: a Prometheus retention such as 90d (DSCI metrics).
func ValidRetention(s string) bool { return promRetention.MatchString(s) }

// ValidSampleRatio: a trace sample ratio, a decimal from 0 to 1.
func ValidSampleRatio(s string) bool {
	r, err := strconv.ParseFloat(s, 64)
	return err == nil && r >= 0 && r <= 1
}

func (m MonitoringArgs) validate() []error {
	var errs []error
	if m.ManagementState != Managed && m.ManagementState != Removed {
		errs = append(errs, fmt.Errorf("monitoring.managementState %q; expected Managed or Removed", m.ManagementState))
	}
	if m.MetricsReplicas < 1 {
		errs = append(errs, fmt.Errorf("monitoring.metricsReplicas %d; expected an integer >= 1", m.MetricsReplicas))
	}
	if !ValidRetention(m.MetricsRetention) {
		errs = append(errs, fmt.Errorf("monitoring.metricsRetention %q; expected a duration such as 90d", m.MetricsRetention))
	}
	if _, err := resource.ParseQuantity(m.MetricsStorageSize); err != nil {
		errs = append(errs, fmt.Errorf("monitoring.metricsStorageSize %q; expected a quantity such as 5Gi", m.MetricsStorageSize))
	}
	if !ValidSampleRatio(m.TracesSampleRatio) {
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
