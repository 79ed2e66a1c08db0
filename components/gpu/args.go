package gpu

import (
	"errors"
	"fmt"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// GPUArgs comes from validated config (stacks/).
type GPUArgs struct {
	// NFDChannel is the OLM channel of package nfd; default "stable".
	NFDChannel string
	// GPUOperatorChannel is the OLM channel of gpu-operator-certified. No
	// default: NVIDIA documents the packagemanifest's .status.defaultChannel
	// (confirmations.md §1), which stacks/ reads from the cluster (e.g. v26.3).
	GPUOperatorChannel string
	// MinGPUs is the total nvidia.com/gpu the models need (C6); default 1.
	MinGPUs int64
	// Capacity is what the GPU capacity layer (AWS MachineSets) offers its
	// dependents; empty on bare metal. Only Prerequisite() carries it: NFD and
	// the GPU operator install while the machines boot.
	Capacity readiness.Prerequisite

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's objects wait for
}

// Defaults.
const (
	DefaultNFDChannel = "stable"
	DefaultMinGPUs    = 1
)

func (a GPUArgs) withDefaults() GPUArgs {
	if a.NFDChannel == "" {
		a.NFDChannel = DefaultNFDChannel
	}
	if a.MinGPUs == 0 {
		a.MinGPUs = DefaultMinGPUs
	}
	return a
}

// Validate reports every problem at once.
func (a GPUArgs) Validate() error {
	var errs []error
	if a.GPUOperatorChannel == "" {
		errs = append(errs, fmt.Errorf("GPU operator channel is empty; expected the packagemanifest %s .status.defaultChannel, e.g. v26.3", GPUOperatorPackage))
	}
	if a.MinGPUs < 1 {
		errs = append(errs, fmt.Errorf("minimum GPUs %d; expected an integer >= 1 (the total nvidia.com/gpu the models request)", a.MinGPUs))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}
