// Package gpucapacity adds GPU worker capacity on AWS (rationale phase 2;
// alpha-hack-program/llm-d-guide@1f391b7 gitops/instance/machine-sets/gpu-worker/):
// one MachineSet per availability zone that offers a GPU
// instance type, the primary type where offered and a configured fallback
// elsewhere, looked up with pulumi-aws at program time. The MachineSets wait
// for their ready replicas (waitFor, 20 min) and the machinesProvisioned
// gate fails fast with a Machine's own error such as
// InsufficientInstanceCapacity (C6: GPU nodes before any LLMInferenceService).
package gpucapacity

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// GPUCapacity is the set of GPU MachineSets, one per zone.
type GPUCapacity struct {
	pulumi.ResourceState

	Choices     []ZoneChoice                    // zone, chosen type, MachineSet name, in zone order
	MachineSets []*apiextensions.CustomResource // one per chosen zone, same order
	// Watch carries the gate as a hook of its own, with no edge to the
	// MachineSets, so the gate polls while the MachineSets' waitFor runs
	// and a failed Machine fails the run at once instead of after 20 min.
	Watch *pulumi.Stash
	Gate  readiness.Gate // machinesProvisioned (C6)

	Zones           pulumi.StringMapOutput   `pulumi:"zones"`           // zone -> instance type
	MachineSetNames pulumi.StringArrayOutput `pulumi:"machineSetNames"` // in zone order
}

// Prerequisite is what GPU workloads (C6) wait for: the MachineSets and the
// watch (edges) and the machinesProvisioned gate.
func (g *GPUCapacity) Prerequisite() readiness.Prerequisite {
	rs := make([]pulumi.Resource, 0, len(g.MachineSets)+1)
	for _, ms := range g.MachineSets {
		rs = append(rs, ms)
	}
	if g.Watch != nil {
		rs = append(rs, g.Watch)
	}
	return readiness.Prerequisite{Resources: rs, Gates: []readiness.Gate{g.Gate}}
}

// NewGPUCapacity looks up the instance type offerings and registers one
// MachineSet per zone that offers one of the types. The AWS provider (for
// the lookup) and the Kubernetes provider come through opts.
func NewGPUCapacity(ctx *pulumi.Context, name string, args *GPUCapacityArgs, opts ...pulumi.ResourceOption) (*GPUCapacity, error) {
	if args == nil {
		return nil, fmt.Errorf("gpucapacity %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("gpucapacity %q: %w", name, err)
	}
	g := &GPUCapacity{}
	if err := ctx.RegisterComponentResource("rhoai:gpucapacity:GPUCapacity", name, g, opts...); err != nil {
		return nil, fmt.Errorf("gpucapacity %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(g)

	offered, err := findOfferingsByZone(ctx, a, parent)
	if err != nil {
		return nil, fmt.Errorf("gpucapacity %q: %w", name, err)
	}
	chosen, skipped := chooseTypes(a.InfrastructureID, a.Zones, a.InstanceTypes, offered)
	if len(chosen) == 0 {
		return nil, fmt.Errorf("gpucapacity %q: no candidate zone offers any of the instance types %s (zones %s in %s); "+
			"expected at least one zone offering one of them: add a type offered in %s to gpu.instanceTypes",
			name, strings.Join(a.InstanceTypes, ", "), strings.Join(a.Zones, ", "), a.Region, a.Region)
	}
	for _, zone := range skipped {
		msg := fmt.Sprintf("gpucapacity: zone %s offers none of %s; no GPU MachineSet there", zone, strings.Join(a.InstanceTypes, ", "))
		if err := ctx.Log.Warn(msg, &pulumi.LogArgs{Resource: g}); err != nil {
			return nil, fmt.Errorf("gpucapacity %q: logging: %w", name, err)
		}
	}
	g.Choices = chosen
	g.Gate = machinesProvisionedGate(a.InfrastructureID, chosen, a.ReplicasPerZone)

	after, err := a.Gates.Options(a.After)
	if err != nil {
		return nil, fmt.Errorf("gpucapacity %q: binding prerequisites: %w", name, err)
	}
	zones := pulumi.StringMap{}
	var names pulumi.StringArray
	for _, ch := range chosen {
		ms, err := apiextensions.NewCustomResource(ctx, name+"-machineset-"+ch.Zone, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(MachineSetAPIVersion),
			Kind:       pulumi.String(MachineSetKind),
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(ch.MachineSet),
				Namespace:   pulumi.String(MachineAPINamespace),
				Labels:      pulumi.StringMap{ClusterLabel: pulumi.String(a.InfrastructureID)},
				Annotations: manifest.StringMap(manifest.WaitFor(MachineSetTimeout, "jsonpath={.status.readyReplicas}="+strconv.Itoa(a.ReplicasPerZone))),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(a.machineSetSpec(ch))},
		}, append(after, parent, manifest.Timeouts(MachineSetTimeout))...)
		if err != nil {
			return nil, fmt.Errorf("gpucapacity %q: creating MachineSet %s/%s: %w", name, MachineAPINamespace, ch.MachineSet, err)
		}
		g.MachineSets = append(g.MachineSets, ms)
		zones[ch.Zone] = pulumi.String(ch.InstanceType)
		names = append(names, pulumi.String(ch.MachineSet))
	}

	// C6: the gate runs beside the MachineSets' waitFor (no edge to them),
	// so a Machine that cannot get EC2 capacity fails the run at once.
	watchOpts, err := a.Gates.Options(a.After, readiness.Prerequisite{Gates: []readiness.Gate{g.Gate}})
	if err != nil {
		return nil, fmt.Errorf("gpucapacity %q: binding the %s gate: %w", name, MachinesProvisionedGate, err)
	}
	g.Watch, err = pulumi.NewStash(ctx, name+"-machines-provisioned", &pulumi.StashArgs{Input: zones}, append(watchOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("gpucapacity %q: registering the %s watch: %w", name, MachinesProvisionedGate, err)
	}

	g.Zones = zones.ToStringMapOutput()
	g.MachineSetNames = names.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{"zones": g.Zones, "machineSetNames": g.MachineSetNames}); err != nil {
		return nil, fmt.Errorf("gpucapacity %q: registering outputs: %w", name, err)
	}
	return g, nil
}

// machineSetSpec is the guide's gpu-worker MachineSet for one zone.
func (a GPUCapacityArgs) machineSetSpec(ch ZoneChoice) MachineSetSpec {
	tagName := func(v string) AWSResourceReference {
		return AWSResourceReference{Filters: []Filter{{Name: "tag:Name", Values: []string{v}}}}
	}
	groups := make([]AWSResourceReference, len(a.SecurityGroupNames))
	for i, sg := range a.SecurityGroupNames {
		groups[i] = tagName(sg)
	}
	return MachineSetSpec{
		Replicas: int32(a.ReplicasPerZone),
		Selector: LabelSelector{MatchLabels: map[string]string{
			ClusterLabel:    a.InfrastructureID,
			MachineSetLabel: ch.MachineSet,
		}},
		Template: MachineTemplateSpec{
			Metadata: ObjectMeta{Labels: map[string]string{
				ClusterLabel:     a.InfrastructureID,
				MachineRoleLabel: "worker",
				MachineTypeLabel: "worker",
				MachineSetLabel:  ch.MachineSet,
			}},
			Spec: MachineSpec{
				Metadata: ObjectMeta{Labels: map[string]string{WorkerNodeLabel: "", GPUNodeLabel: ""}},
				Taints:   []Taint{{Key: GPUTaintKey, Effect: "NoSchedule"}},
				ProviderSpec: ProviderSpec{Value: AWSMachineProviderConfig{
					APIVersion:         ProviderAPIVersion,
					Kind:               ProviderKind,
					AMI:                AWSResourceReference{ID: a.AMI},
					InstanceType:       ch.InstanceType,
					BlockDevices:       []BlockDeviceMappingSpec{{EBS: EBSBlockDeviceSpec{VolumeSize: int64(a.VolumeSize), VolumeType: a.VolumeType}}},
					CredentialsSecret:  LocalObjectReference{Name: CredentialsSecret},
					IAMInstanceProfile: AWSResourceReference{ID: a.IAMInstanceProfile},
					Placement:          Placement{AvailabilityZone: ch.Zone, Region: a.Region},
					SecurityGroups:     groups,
					Subnet:             tagName(a.subnetName(ch.Zone)),
					Tags:               []TagSpecification{{Name: "kubernetes.io/cluster/" + a.InfrastructureID, Value: "owned"}},
					UserDataSecret:     LocalObjectReference{Name: UserDataSecret},
				}},
			},
		},
	}
}
