package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/gpu"
	"github.com/rhoai-pulumi/installer/components/gpucapacity"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// gpuCapacity: one GPU MachineSet per zone (platform aws only), started
// first so EC2 boots while the operators install.
func (w *wiring) gpuCapacity(ctx *pulumi.Context, l *Layers) error {
	if w.cfg.Platform != AWS {
		return nil
	}
	aws, err := w.awsProvider(ctx)
	if err != nil {
		return err
	}
	l.Capacity, err = gpucapacity.NewGPUCapacity(ctx, "gpucapacity", &gpucapacity.GPUCapacityArgs{
		InfrastructureID: w.facts.InfrastructureID, Region: w.facts.Region, AMI: w.facts.AMI, Zones: w.facts.Zones,
		InstanceTypes: w.cfg.GPU.InstanceTypes, ReplicasPerZone: deref(w.cfg.GPU.ReplicasPerZone), VolumeSize: deref(w.cfg.GPU.VolumeSize),
		Gates: w.gates,
	}, w.k8s(), pulumi.Providers(w.provider, aws))
	return err
}

// gpu: NFD, the NVIDIA GPU operator and the GPU capacity gate (C5, C6).
func (w *wiring) gpu(ctx *pulumi.Context, l *Layers) error {
	var capacity readiness.Prerequisite
	if l.Capacity != nil {
		capacity = l.Capacity.Prerequisite()
	}
	nvidia := w.cfg.Catalog("gpu")
	nvidia.Channel = w.facts.GPUChannel // resolved once (facts.go)
	g, err := gpu.NewGPU(ctx, "gpu", &gpu.GPUArgs{
		NFD:         w.cfg.Catalog("nfd"),
		GPUOperator: nvidia,
		MinGPUs:     int64(deref(w.cfg.GPU.MinAllocatable)),
		Capacity:    capacity,
		Gates:       w.gates,
	}, w.k8s())
	l.GPU = g
	return err
}

// awsProvider is used only by the aws platform; the baremetal stack never
// constructs it (no AWS provider, call or credentials).
func (w *wiring) awsProvider(ctx *pulumi.Context) (*aws.Provider, error) {
	if w.aws != nil {
		return w.aws, nil
	}
	p, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String(w.facts.Region)})
	w.aws = p
	return p, err
}
