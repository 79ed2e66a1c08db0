package preflight

import (
	"context"
	"errors"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Objects Discover reads.
const (
	machineAPINamespace  = "openshift-machine-api"
	machineRoleLabel     = "machine.openshift.io/cluster-api-machine-role"
	workerRole           = "worker"
	gpuNodeRoleLabel     = "node-role.kubernetes.io/gpu-worker"
	gpuTaintKey          = "nvidia.com/gpu"
	marketplaceNamespace = "openshift-marketplace"
	gpuOperatorPackage   = "gpu-operator-certified"
	monitoringNamespace  = "openshift-monitoring"
	monitoringConfigMap  = "cluster-monitoring-config"
	monitoringConfigKey  = "config.yaml"
)

// Facts are what the program reads from the live cluster at preview and up;
// config may override each (stacks/ decides). An absent optional object
// leaves its field empty.
type Facts struct {
	// BaseDomain is dnses.config.openshift.io/cluster spec.baseDomain
	// (<base> of the certificates api.<base> and *.apps.<base>).
	BaseDomain string
	// AppsDomain is ingresses.config.openshift.io/cluster spec.domain
	// (the host suffix of the gateways' Routes).
	AppsDomain string
	// PlatformType is infrastructures/cluster status.platformStatus.type
	// (AWS, BareMetal, None, ...).
	PlatformType string
	// AWSRegion is status.platformStatus.aws.region; "" off AWS.
	AWSRegion string
	// InfrastructureName is status.infrastructureName, the infra ID that
	// prefixes MachineSet, subnet and security-group names.
	InfrastructureName string
	// Version is the running OpenShift version (ClusterVersion version: the
	// newest Completed history entry, else status.desired.version).
	Version string
	// WorkerMachineSets are the MachineSets in openshift-machine-api whose
	// machines have role worker, sorted by name (the GPU MachineSets copy the
	// AMI, zones and filters from them, as the guide's
	// gitops/instance/machine-sets/gpu-worker/values.yaml says to).
	WorkerMachineSets []MachineSet
	// GPUChannel is packagemanifest openshift-marketplace/gpu-operator-certified
	// status.defaultChannel (NVIDIA's install docs take the channel from it);
	// "" when the package is absent.
	GPUChannel string
	// GPUChannels are that packagemanifest's status.channels[].name.
	GPUChannels []string
	// ExistingMonitoringConfig is ConfigMap
	// openshift-monitoring/cluster-monitoring-config data["config.yaml"]
	// (Phase 4 merges into it, never clobbers it); "" when absent.
	ExistingMonitoringConfig string
}

// MachineSet is what a GPU MachineSet copies from a live worker MachineSet
// (spec.template.spec.providerSpec.value of an AWSMachineProviderConfig).
// Off AWS, only Name is set.
type MachineSet struct {
	Name               string
	Zone               string // placement.availabilityZone, e.g. us-east-2a
	Region             string // placement.region
	AMI                string // ami.id
	InstanceType       string // instanceType
	IAMInstanceProfile AWSResourceReference
	Subnet             AWSResourceReference   // kept as found: filters or id
	SecurityGroups     []AWSResourceReference // kept as found, in order
	// GPU marks a MachineSet whose machines are GPU workers (node label
	// node-role.kubernetes.io/gpu-worker or taint nvidia.com/gpu), such as
	// those this program created on an earlier run.
	GPU bool
}

// AWSResourceReference is machine.openshift.io/v1beta1 AWSResourceReference:
// an id, an ARN, or filters. JSON tags as in the API, so a GPU MachineSet's
// typed spec can embed it unchanged.
type AWSResourceReference struct {
	ID      string      `json:"id,omitempty"`
	ARN     string      `json:"arn,omitempty"`
	Filters []AWSFilter `json:"filters,omitempty"`
}

// AWSFilter is one EC2 filter, e.g. {tag:Name, [<infraID>-node]}.
type AWSFilter struct {
	Name   string   `json:"name"`
	Values []string `json:"values,omitempty"`
}

// Discover reads the Facts. Absent objects (no MachineSets off AWS, no GPU
// package, no monitoring config) are not errors; a failing API call is, and
// every failure is returned, joined, with whatever was read.
func Discover(ctx context.Context, c dynamic.Interface) (Facts, error) {
	var f Facts
	var errs []error
	fail := func(what string, err error) {
		errs = append(errs, fmt.Errorf("preflight: reading %s: %w", what, err))
	}

	if dns, err := kube.Get(ctx, c, kube.DNSes, "", clusterConfigName); err != nil {
		fail("DNS "+clusterConfigName, err)
	} else if dns != nil {
		f.BaseDomain = kube.String(dns, "spec", "baseDomain")
	}
	if ing, err := kube.Get(ctx, c, kube.IngressConfigs, "", clusterConfigName); err != nil {
		fail("Ingress "+clusterConfigName+" (config.openshift.io)", err)
	} else if ing != nil {
		f.AppsDomain = kube.String(ing, "spec", "domain")
	}
	if infra, err := kube.Get(ctx, c, kube.Infrastructures, "", clusterConfigName); err != nil {
		fail("Infrastructure "+clusterConfigName, err)
	} else if infra != nil {
		f.PlatformType = platformType(infra)
		f.AWSRegion = kube.String(infra, "status", "platformStatus", "aws", "region")
		f.InfrastructureName = kube.String(infra, "status", "infrastructureName")
	}
	if cv, err := kube.Get(ctx, c, kube.ClusterVersions, "", clusterVersionName); err != nil {
		fail("ClusterVersion "+clusterVersionName, err)
	} else if cv != nil {
		f.Version = clusterVersion(cv)
	}

	// The Machine API is an optional capability: NotFound means not served.
	if items, err := list(ctx, c, kube.MachineSets, machineAPINamespace); err != nil && !apierrors.IsNotFound(err) {
		fail("MachineSets in "+machineAPINamespace, err)
	} else {
		for i := range items {
			ms := &items[i]
			if kube.String(ms, "spec", "template", "metadata", "labels", machineRoleLabel) != workerRole {
				continue
			}
			m, err := workerMachineSet(ms)
			if err != nil {
				fail("MachineSet "+key(ms.GetNamespace(), ms.GetName()), err)
				continue
			}
			f.WorkerMachineSets = append(f.WorkerMachineSets, m)
		}
		sort.Slice(f.WorkerMachineSets, func(i, j int) bool { return f.WorkerMachineSets[i].Name < f.WorkerMachineSets[j].Name })
	}

	if pm, err := kube.Get(ctx, c, kube.PackageManifests, marketplaceNamespace, gpuOperatorPackage); err != nil {
		fail("PackageManifest "+key(marketplaceNamespace, gpuOperatorPackage), err)
	} else if pm != nil {
		f.GPUChannel = kube.String(pm, "status", "defaultChannel")
		channels, _, _ := unstructured.NestedSlice(pm.Object, "status", "channels")
		for _, ch := range channels {
			if m, ok := ch.(map[string]any); ok {
				if name, _ := m["name"].(string); name != "" {
					f.GPUChannels = append(f.GPUChannels, name)
				}
			}
		}
	}
	if cm, err := kube.Get(ctx, c, kube.ConfigMaps, monitoringNamespace, monitoringConfigMap); err != nil {
		fail("ConfigMap "+key(monitoringNamespace, monitoringConfigMap), err)
	} else if cm != nil {
		f.ExistingMonitoringConfig = kube.String(cm, "data", monitoringConfigKey)
	}
	return f, errors.Join(errs...)
}

// workerMachineSet reads the AWS provider fields of one worker MachineSet.
func workerMachineSet(ms *unstructured.Unstructured) (MachineSet, error) {
	m := MachineSet{Name: ms.GetName()}
	value, _, _ := unstructured.NestedMap(ms.Object, "spec", "template", "spec", "providerSpec", "value")
	if value != nil {
		p := &unstructured.Unstructured{Object: value}
		m.Zone = kube.String(p, "placement", "availabilityZone")
		m.Region = kube.String(p, "placement", "region")
		m.AMI = kube.String(p, "ami", "id")
		m.InstanceType = kube.String(p, "instanceType")
		var err error
		if m.IAMInstanceProfile, err = decodeRef(value["iamInstanceProfile"]); err != nil {
			return m, fmt.Errorf("decoding providerSpec.value.iamInstanceProfile: %w", err)
		}
		if m.Subnet, err = decodeRef(value["subnet"]); err != nil {
			return m, fmt.Errorf("decoding providerSpec.value.subnet: %w", err)
		}
		groups, _ := value["securityGroups"].([]any)
		for i, g := range groups {
			ref, err := decodeRef(g)
			if err != nil {
				return m, fmt.Errorf("decoding providerSpec.value.securityGroups[%d]: %w", i, err)
			}
			m.SecurityGroups = append(m.SecurityGroups, ref)
		}
	}
	nodeLabels, _, _ := unstructured.NestedStringMap(ms.Object, "spec", "template", "spec", "metadata", "labels")
	_, m.GPU = nodeLabels[gpuNodeRoleLabel]
	taints, _, _ := unstructured.NestedSlice(ms.Object, "spec", "template", "spec", "taints")
	for _, t := range taints {
		if tm, ok := t.(map[string]any); ok && tm["key"] == gpuTaintKey {
			m.GPU = true
		}
	}
	return m, nil
}

// decodeRef converts one AWSResourceReference as found; absent is zero.
func decodeRef(v any) (AWSResourceReference, error) {
	var ref AWSResourceReference
	m, ok := v.(map[string]any)
	if v == nil {
		return ref, nil
	}
	if !ok {
		return ref, fmt.Errorf("found %T, expected an object", v)
	}
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ref)
	return ref, err
}

// SubscriptionChannel is spec.channel of an existing Subscription; "" when
// it does not exist. A channel resolved from the catalog at the first install
// is then kept: the same config gives the same desired state on every run.
func SubscriptionChannel(ctx context.Context, c dynamic.Interface, namespace, name string) (string, error) {
	sub, err := kube.Get(ctx, c, kube.Subscriptions, namespace, name)
	if err != nil {
		return "", fmt.Errorf("preflight: reading Subscription %s: %w", key(namespace, name), err)
	}
	if sub == nil {
		return "", nil
	}
	return kube.String(sub, "spec", "channel"), nil
}
