package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/gpucapacity"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// wiring carries what every phase needs.
type wiring struct {
	cfg      Config
	facts    Facts
	gates    *readiness.Binder
	provider *kubernetes.Provider
	aws      *aws.Provider // nil on baremetal
}

// k8s is the explicit provider for every component (children inherit it).
func (w *wiring) k8s() pulumi.ResourceOption { return pulumi.Providers(w.provider) }

// Layers is everything deploy registered, for outputs and tests.
type Layers struct {
	*phase1
	Capacity *gpucapacity.GPUCapacity // aws only
	*phase2
	*phase3
	*phase56
}

// deploy registers the layers in the order of the graph. Each edge between
// layers is stated once, where the dependent layer is built, with its
// constraint id; independent layers (GPU capacity, phase 1, phase 3
// operators) have no edge between them and converge in parallel.
func deploy(ctx *pulumi.Context, w *wiring) (*Layers, error) {
	l := &Layers{}
	var err error
	if w.cfg.Platform == AWS {
		if w.aws, err = newAWSProvider(ctx, w.facts.Region); err != nil {
			return nil, err
		}
		// Start EC2 first: nodes take 5–15 minutes (rationale, phase 2).
		if l.Capacity, err = w.capacity(ctx); err != nil {
			return nil, err
		}
	}
	if l.phase1, err = w.phase1(ctx); err != nil {
		return nil, err
	}
	var capacity readiness.Prerequisite
	if l.Capacity != nil {
		capacity = l.Capacity.Prerequisite()
	}
	if l.phase2, err = w.phase2(ctx, capacity); err != nil {
		return nil, err
	}
	if l.phase3, err = w.phase3(ctx); err != nil {
		return nil, err
	}
	if l.phase56, err = w.phase56(ctx, l); err != nil {
		return nil, err
	}
	// C18: the API serving-certificate switch goes after everything else.
	if l.TLS != nil {
		if err := l.TLS.SwitchAPIServerCertificate(ctx, l.everythingElse()); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (w *wiring) capacity(ctx *pulumi.Context) (*gpucapacity.GPUCapacity, error) {
	return gpucapacity.NewGPUCapacity(ctx, "gpucapacity", &gpucapacity.GPUCapacityArgs{
		InfrastructureID: w.facts.InfrastructureID, Region: w.facts.Region, AMI: w.facts.AMI, Zones: w.facts.Zones,
		InstanceTypes: w.cfg.GPU.InstanceTypes, ReplicasPerZone: w.cfg.GPU.ReplicasPerZone, VolumeSize: w.cfg.GPU.VolumeSize,
		Gates: w.gates,
	}, w.k8s(), pulumi.Providers(w.provider, w.aws))
}

// everythingElse is what the API certificate switch follows (C18): the last
// object of every layer.
func (l *Layers) everythingElse() readiness.Prerequisite {
	rs := []pulumi.Resource{l.GitOps, l.GPU, l.Connectivity, l.LWS, l.Observability, l.OpenShiftAI, l.Serving}
	if l.MaaS != nil {
		rs = append(rs, l.MaaS)
	}
	if l.Capacity != nil {
		rs = append(rs, l.Capacity)
	}
	if l.TLS != nil && l.TLS.IngressController != nil {
		rs = append(rs, l.TLS.IngressController)
	}
	if l.Route53 != nil {
		rs = append(rs, l.Route53)
	}
	return readiness.After(rs...)
}
