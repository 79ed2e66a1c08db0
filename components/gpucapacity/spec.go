package gpucapacity

// Typed bodies of the machine.openshift.io/v1beta1 objects
// (alpha-hack-program/llm-d-guide@1f391b7 gitops/instance/machine-sets/gpu-worker/templates/machineset.yaml),
// json tags as in openshift/api machine/v1beta1 (MachineSet, AWSMachineProviderConfig).

// Cluster object names and fixed values (the same machineset.yaml).
const (
	MachineAPINamespace  = "openshift-machine-api"
	MachineSetAPIVersion = "machine.openshift.io/v1beta1"
	MachineSetKind       = "MachineSet"
	ProviderAPIVersion   = "awsproviderconfig.openshift.io/v1beta1"
	ProviderKind         = "AWSMachineProviderConfig"
	CredentialsSecret    = "aws-cloud-credentials"
	UserDataSecret       = "worker-user-data"
	GPUTaintKey          = "nvidia.com/gpu"

	ClusterLabel     = "machine.openshift.io/cluster-api-cluster"
	MachineSetLabel  = "machine.openshift.io/cluster-api-machineset"
	MachineRoleLabel = "machine.openshift.io/cluster-api-machine-role"
	MachineTypeLabel = "machine.openshift.io/cluster-api-machine-type"
	WorkerNodeLabel  = "node-role.kubernetes.io/worker"
	GPUNodeLabel     = "node-role.kubernetes.io/gpu-worker"
)

// MachineSetSpec is MachineSet.spec.
type MachineSetSpec struct {
	Replicas int32               `json:"replicas"`
	Selector LabelSelector       `json:"selector"`
	Template MachineTemplateSpec `json:"template"`
}

// LabelSelector selects the MachineSet's Machines.
type LabelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// ObjectMeta is the subset of metadata a Machine template sets.
type ObjectMeta struct {
	Labels map[string]string `json:"labels,omitempty"`
}

// MachineTemplateSpec is MachineSet.spec.template.
type MachineTemplateSpec struct {
	Metadata ObjectMeta  `json:"metadata"`
	Spec     MachineSpec `json:"spec"`
}

// MachineSpec is Machine.spec: metadata and taints go to the Node.
type MachineSpec struct {
	Metadata     ObjectMeta   `json:"metadata"`
	Taints       []Taint      `json:"taints,omitempty"`
	ProviderSpec ProviderSpec `json:"providerSpec"`
}

// Taint is a Node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// ProviderSpec wraps the cloud-specific configuration.
type ProviderSpec struct {
	Value AWSMachineProviderConfig `json:"value"`
}

// AWSMachineProviderConfig is the AWS provider configuration of a Machine.
type AWSMachineProviderConfig struct {
	APIVersion         string                   `json:"apiVersion"`
	Kind               string                   `json:"kind"`
	AMI                AWSResourceReference     `json:"ami"`
	InstanceType       string                   `json:"instanceType"`
	BlockDevices       []BlockDeviceMappingSpec `json:"blockDevices"`
	CredentialsSecret  LocalObjectReference     `json:"credentialsSecret"`
	DeviceIndex        int64                    `json:"deviceIndex"`
	IAMInstanceProfile AWSResourceReference     `json:"iamInstanceProfile"`
	Placement          Placement                `json:"placement"`
	SecurityGroups     []AWSResourceReference   `json:"securityGroups"`
	Subnet             AWSResourceReference     `json:"subnet"`
	Tags               []TagSpecification       `json:"tags"`
	UserDataSecret     LocalObjectReference     `json:"userDataSecret"`
}

// AWSResourceReference names an AWS resource by id or by filters.
type AWSResourceReference struct {
	ID      string   `json:"id,omitempty"`
	Filters []Filter `json:"filters,omitempty"`
}

// Filter is an EC2 describe filter.
type Filter struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// BlockDeviceMappingSpec is one block device; without a device name it is the root volume.
type BlockDeviceMappingSpec struct {
	EBS EBSBlockDeviceSpec `json:"ebs"`
}

// EBSBlockDeviceSpec is the EBS volume of a block device (iops 0: unset, as the installer writes it).
type EBSBlockDeviceSpec struct {
	Iops       int64  `json:"iops"`
	VolumeSize int64  `json:"volumeSize"`
	VolumeType string `json:"volumeType"`
}

// LocalObjectReference names a Secret in openshift-machine-api.
type LocalObjectReference struct {
	Name string `json:"name"`
}

// Placement is the region and availability zone of the instance.
type Placement struct {
	AvailabilityZone string `json:"availabilityZone"`
	Region           string `json:"region"`
}

// TagSpecification is an EC2 tag.
type TagSpecification struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
