package gpu

import (
	"errors"
	"fmt"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// GPUArgs comes from validated config (stacks/).
type GPUArgs struct {
	// NFD overrides NFDOperator.Default field by field.
	NFD olm.Catalog
	// GPUOperator overrides NVIDIAOperator.Default field by field. NVIDIA
	// documents the packagemanifest's .status.defaultChannel as the channel;
	// stacks/ resolves it once (the installed Subscription's channel, else
	// the catalog's default) so the desired state does not move by itself.
	GPUOperator olm.Catalog
	// MinGPUs is the total nvidia.com/gpu the models need (C6); default 1.
	MinGPUs int64
	// Capacity is what the GPU capacity layer (AWS MachineSets) offers its
	// dependents; empty on bare metal. Only Prerequisite() carries it: NFD and
	// the GPU operator install while the machines boot.
	Capacity readiness.Prerequisite

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's objects wait for
}

// DefaultMinGPUs is what the C6 gate asks for when the caller names nothing.
const DefaultMinGPUs = 1

func (a GPUArgs) withDefaults() GPUArgs {
	a.NFD = NFDOperator.Resolve(a.NFD)
	a.GPUOperator = NVIDIAOperator.Resolve(a.GPUOperator)
	if a.MinGPUs == 0 {
		a.MinGPUs = DefaultMinGPUs
	}
	return a
}

// Validate reports every problem at once.
func (a GPUArgs) Validate() error {
	var errs []error
	for _, p := range NFDOperator.Check(a.NFD) {
		errs = append(errs, fmt.Errorf("nfd %w", p))
	}
	for _, p := range NVIDIAOperator.Check(a.GPUOperator) {
		errs = append(errs, fmt.Errorf("gpuOperator %w", p))
	}
	if a.MinGPUs < 1 {
		errs = append(errs, fmt.Errorf("minimum GPUs %d; expected an integer >= 1 (the total nvidia.com/gpu the models request)", a.MinGPUs))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}
