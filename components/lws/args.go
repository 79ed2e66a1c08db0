package lws

import (
	"errors"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// LeaderWorkerSetArgs comes from validated config (stacks/).
type LeaderWorkerSetArgs struct {
	// Channel is the OLM channel of leader-worker-set; default "stable-v1.0".
	Channel string

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's objects wait for
}

// DefaultChannel is the channel confirmations.md §1 names.
const DefaultChannel = "stable-v1.0"

func (a LeaderWorkerSetArgs) withDefaults() LeaderWorkerSetArgs {
	if a.Channel == "" {
		a.Channel = DefaultChannel
	}
	return a
}

// Validate reports every problem at once.
func (a LeaderWorkerSetArgs) Validate() error {
	var errs []error
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}
