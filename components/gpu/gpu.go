// Package gpu installs phase 2 of the rationale past the machines: the Node
// Feature Discovery operator and its NodeFeatureDiscovery, the NVIDIA GPU
// operator and its ClusterPolicy (C1, C5), and the gate that proves the nodes
// offer the GPUs the models request (C6). GPU MachineSets live in their own
// layer, which hands its readiness in as GPUArgs.Capacity.
package gpu

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Cluster objects (alpha-hack-program/llm-d-guide@1f391b7 gitops/operators/nfd/,
// gitops/operators/nvidia/, gitops/instance/{nfd,nvidia}/; docs/decisions.md
// "Operator subscriptions").
const (
	NFDNamespace             = "openshift-nfd"
	NFDCRD                   = "nodefeaturediscoveries.nfd.openshift.io"
	NodeFeatureDiscoveryName = "nfd-instance"

	GPUOperatorNamespace = "nvidia-gpu-operator"
	ClusterPolicyCRD     = "clusterpolicies.nvidia.com"
	ClusterPolicyName    = "gpu-cluster-policy"

	// GPUResource is the extended resource the device plugin advertises.
	GPUResource = "nvidia.com/gpu"
)

// NFDOperator is the Node Feature Discovery package: stable, redhat-operators.
var NFDOperator = olm.Package{
	Name:    "nfd",
	Default: olm.Catalog{Channel: "stable", Source: "redhat-operators", Approval: olm.Automatic},
}

// NVIDIAOperator is the NVIDIA GPU operator package from the certified
// catalog. Its default channel is used only where no cluster can be asked
// (render mode): v26.3, the line whose CRDs this program is checked against.
var NVIDIAOperator = olm.Package{
	Name:    "gpu-operator-certified",
	Default: olm.Catalog{Channel: "v26.3", Source: "certified-operators", Approval: olm.Automatic},
}

// GPU is NFD + the NVIDIA GPU operator and their CRs.
type GPU struct {
	pulumi.ResourceState

	NFD                  *olm.Operator
	NodeFeatureDiscovery *apiextensions.CustomResource // waits for Available
	GPUOperator          *olm.Operator
	ClusterPolicy        *apiextensions.CustomResource // waits for state ready
	Allocatable          readiness.Gate                // gpuAllocatable (C6)
	Ready                pulumi.Resource               // the ClusterPolicy

	NFDInstalledCSV         pulumi.StringOutput `pulumi:"nfdInstalledCSV"`
	GPUOperatorInstalledCSV pulumi.StringOutput `pulumi:"gpuOperatorInstalledCSV"`

	capacity readiness.Prerequisite
}

// Prerequisite is what an LLMInferenceService waits for (C6): the GPU
// capacity layer's prerequisite, the ClusterPolicy ready, and enough
// allocatable nvidia.com/gpu.
func (g *GPU) Prerequisite() readiness.Prerequisite {
	return readiness.Join(g.capacity, readiness.Prerequisite{
		Resources: []pulumi.Resource{g.ClusterPolicy},
		Gates:     []readiness.Gate{g.Allocatable},
	})
}

// NewGPU registers the operators, their CRs and the capacity gate.
func NewGPU(ctx *pulumi.Context, name string, args *GPUArgs, opts ...pulumi.ResourceOption) (*GPU, error) {
	if args == nil {
		return nil, fmt.Errorf("gpu %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("gpu %q: %w", name, err)
	}
	g := &GPU{capacity: a.Capacity}
	if err := ctx.RegisterComponentResource("rhoai:gpu:GPU", name, g, opts...); err != nil {
		return nil, fmt.Errorf("gpu %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(g)

	nfd, err := olm.NewOperator(ctx, name+"-nfd", &olm.OperatorArgs{
		Package: NFDOperator.Name, Catalog: a.NFD, Namespace: NFDNamespace, Mode: olm.OwnNamespace,
		CRDs: []string{NFDCRD}, Layer: "gpu", Gates: a.Gates, After: a.After,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("gpu %q: installing the NFD operator: %w", name, err)
	}
	// C1: the NodeFeatureDiscovery waits for the NFD CSV and its CRD.
	nfdOpts, err := a.Gates.Options(a.After, nfd.Prerequisite())
	if err != nil {
		return nil, fmt.Errorf("gpu %q: binding NodeFeatureDiscovery prerequisites: %w", name, err)
	}
	nfdCR, err := apiextensions.NewCustomResource(ctx, name+"-nfd-instance", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("nfd.openshift.io/v1"),
		Kind:       pulumi.String("NodeFeatureDiscovery"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(NodeFeatureDiscoveryName),
			Namespace:   pulumi.String(NFDNamespace),
			Annotations: manifest.StringMap(manifest.WaitFor(NFDTimeout, "condition=Available")),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(nodeFeatureDiscoverySpec())},
	}, append(nfdOpts, parent, manifest.Timeouts(NFDTimeout))...)
	if err != nil {
		return nil, fmt.Errorf("gpu %q: creating NodeFeatureDiscovery %s/%s: %w", name, NFDNamespace, NodeFeatureDiscoveryName, err)
	}

	gpuOp, err := olm.NewOperator(ctx, name+"-nvidia", &olm.OperatorArgs{
		Package: NVIDIAOperator.Name, Catalog: a.GPUOperator, Namespace: GPUOperatorNamespace, Mode: olm.OwnNamespace,
		CRDs: []string{ClusterPolicyCRD}, Layer: "gpu", Gates: a.Gates, After: a.After,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("gpu %q: installing the NVIDIA GPU operator: %w", name, err)
	}
	// C1: the GPU operator's CSV and CRD; C5: NFD Available before the
	// ClusterPolicy (nodes are selected by NFD labels; the webhook may reject early).
	cpOpts, err := a.Gates.Options(a.After, gpuOp.Prerequisite(), readiness.After(nfdCR))
	if err != nil {
		return nil, fmt.Errorf("gpu %q: binding ClusterPolicy prerequisites: %w", name, err)
	}
	cp, err := apiextensions.NewCustomResource(ctx, name+"-cluster-policy", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("nvidia.com/v1"),
		Kind:       pulumi.String("ClusterPolicy"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(ClusterPolicyName),
			Annotations: manifest.StringMap(manifest.WaitFor(ClusterPolicyTimeout, "jsonpath={.status.state}=ready")),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(clusterPolicySpec())},
	}, append(cpOpts, parent, manifest.Timeouts(ClusterPolicyTimeout))...)
	if err != nil {
		return nil, fmt.Errorf("gpu %q: creating ClusterPolicy %s: %w", name, ClusterPolicyName, err)
	}

	g.NFD, g.NodeFeatureDiscovery, g.GPUOperator, g.ClusterPolicy, g.Ready = nfd, nfdCR, gpuOp, cp, cp
	g.Allocatable = gpuAllocatableGate(a.MinGPUs)
	g.NFDInstalledCSV, g.GPUOperatorInstalledCSV = nfd.InstalledCSV, gpuOp.InstalledCSV
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{
		"nfdInstalledCSV":         g.NFDInstalledCSV,
		"gpuOperatorInstalledCSV": g.GPUOperatorInstalledCSV,
	}); err != nil {
		return nil, fmt.Errorf("gpu %q: registering outputs: %w", name, err)
	}
	return g, nil
}
