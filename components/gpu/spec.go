package gpu

// Typed bodies of the NFD and NVIDIA CRs, json tags as in their CRDs
// (nfd.openshift.io/v1, nvidia.com/v1). Values: alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/nfd/nodefeaturediscovery.yaml and gitops/instance/nvidia/clusterpolicy.yaml.

// NodeFeatureDiscoverySpec is nfd.openshift.io/v1 NodeFeatureDiscovery.spec.
type NodeFeatureDiscoverySpec struct {
	Operand      NFDOperand      `json:"operand"`
	WorkerConfig NFDWorkerConfig `json:"workerConfig"`
}

// NFDOperand deliberately has no Image field: setting spec.operand.image pins
// the operand, which is then never upgraded (OperandImagePinned, OCPBUGS-85506).
type NFDOperand struct {
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`
}

// NFDWorkerConfig is spec.workerConfig; ConfigData is nfd-worker's YAML.
type NFDWorkerConfig struct {
	ConfigData string `json:"configData"`
}

// NFDWorkerConfigData labels network (0200), display (03) and accelerator
// (12) PCI classes by vendor, e.g. feature.node.kubernetes.io/pci-10de.present.
// The class codes are quoted: unquoted, YAML reads 0200 as a number.
const NFDWorkerConfigData = `core: {sleepInterval: 60s}
sources: {pci: {deviceClassWhitelist: ["0200","03","12"], deviceLabelFields: [vendor]}}
`

func nodeFeatureDiscoverySpec() NodeFeatureDiscoverySpec {
	return NodeFeatureDiscoverySpec{
		Operand:      NFDOperand{ImagePullPolicy: "Always"},
		WorkerConfig: NFDWorkerConfig{ConfigData: NFDWorkerConfigData},
	}
}

// ClusterPolicySpec is nvidia.com/v1 ClusterPolicy.spec; the keys upstream
// requires are operator, daemonsets, driver, toolkit, devicePlugin,
// dcgmExporter, dcgm, nodeStatusExporter and gfd.
type ClusterPolicySpec struct {
	Operator           ClusterPolicyOperator `json:"operator"`
	Daemonsets         DaemonsetsSpec        `json:"daemonsets"`
	Driver             ComponentSwitch       `json:"driver"`
	Toolkit            ComponentSwitch       `json:"toolkit"`
	DevicePlugin       ComponentSwitch       `json:"devicePlugin"`
	DCGM               ComponentSwitch       `json:"dcgm"`
	DCGMExporter       ComponentSwitch       `json:"dcgmExporter"`
	GFD                ComponentSwitch       `json:"gfd"`
	NodeStatusExporter ComponentSwitch       `json:"nodeStatusExporter"`
	MIG                MIGSpec               `json:"mig"`
	Validator          ValidatorSpec         `json:"validator"`
}

// ClusterPolicyOperator is spec.operator.
type ClusterPolicyOperator struct {
	DefaultRuntime      string `json:"defaultRuntime"`
	UseOCPDriverToolkit bool   `json:"use_ocp_driver_toolkit"`
}

// DaemonsetsSpec is spec.daemonsets, left to the operator's defaults ({}).
type DaemonsetsSpec struct{}

// ComponentSwitch is the {enabled: bool} of an operand.
type ComponentSwitch struct {
	Enabled bool `json:"enabled"`
}

// MIGSpec is spec.mig.
type MIGSpec struct {
	Strategy string `json:"strategy"`
}

// ValidatorSpec is spec.validator, always {}: upstream ValidatorSpec has no
// `enabled`, and the strict CRD rejects it (docs/decisions.md D8).
type ValidatorSpec struct{}

func clusterPolicySpec() ClusterPolicySpec {
	on := ComponentSwitch{Enabled: true}
	return ClusterPolicySpec{
		Operator: ClusterPolicyOperator{DefaultRuntime: "crio", UseOCPDriverToolkit: true},
		Driver:   on, Toolkit: on, DevicePlugin: on, DCGM: on, DCGMExporter: on, GFD: on, NodeStatusExporter: on,
		MIG: MIGSpec{Strategy: "single"},
	}
}
