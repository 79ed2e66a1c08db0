package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/gpu"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Phase 2: NFD, the NVIDIA GPU operator and the GPU capacity gate. On AWS the
// MachineSets (capacity) start first, so EC2 boots while operators install.
type phase2 struct {
	GPU      *gpu.GPU
	Capacity readiness.Prerequisite
}

func (w *wiring) phase2(ctx *pulumi.Context, capacity readiness.Prerequisite) (*phase2, error) {
	cfg := w.cfg
	g, err := gpu.NewGPU(ctx, "gpu", &gpu.GPUArgs{
		NFDChannel:         cfg.Resolved("nfd").Channel,
		GPUOperatorChannel: w.facts.GPUChannel,
		MinGPUs:            int64(cfg.GPU.MinAllocatable),
		Capacity:           capacity,
		Gates:              w.gates,
	}, w.k8s())
	if err != nil {
		return nil, err
	}
	return &phase2{GPU: g, Capacity: capacity}, nil
}
