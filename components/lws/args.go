package lws

import (
	"errors"
	"fmt"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// LeaderWorkerSetArgs comes from validated config (stacks/).
type LeaderWorkerSetArgs struct {
	// Catalog overrides Operator.Default field by field.
	Catalog olm.Catalog

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's objects wait for
}

// Operator is the leader-worker-set package: stable-v1.0, redhat-operators
// (docs/decisions.md "Operator subscriptions").
var Operator = olm.Package{
	Name:    "leader-worker-set",
	Default: olm.Catalog{Channel: "stable-v1.0", Source: "redhat-operators", Approval: olm.Automatic},
}

func (a LeaderWorkerSetArgs) withDefaults() LeaderWorkerSetArgs {
	a.Catalog = Operator.Resolve(a.Catalog)
	return a
}

// Validate reports every problem at once.
func (a LeaderWorkerSetArgs) Validate() error {
	var errs []error
	for _, p := range Operator.Check(a.Catalog) {
		errs = append(errs, fmt.Errorf("operator %w", p))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}
