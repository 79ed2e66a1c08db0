package connectivity

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// ConnectivityArgs comes from validated config (stacks/).
type ConnectivityArgs struct {
	// RHCL overrides RHCLOperator.Default field by field; the pin must stay
	// in 1.3.x with Manual approval.
	RHCL olm.Catalog
	// Observability is Kuadrant spec.observability.enable; nil means true.
	Observability *bool

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's objects wait for
}

// RHCLOperator is Red Hat Connectivity Link, pinned to 1.3.x with Manual
// approval: MaaS v0.1.x is validated on RHCL 1.3, and 1.4.0 answers
// AUTH_FAILURE (HTTP 500) on the MaaS management endpoints (Wasm shim bug,
// models-as-a-service PR #1248); with Automatic approval OLM would upgrade
// into it.
var RHCLOperator = olm.Package{
	Name:    "rhcl-operator",
	Default: olm.Catalog{Channel: "stable", Source: "redhat-operators", Approval: olm.Manual, StartingCSV: "rhcl-operator.v1.3.4"},
	Pin: &olm.Pin{
		Pattern: regexp.MustCompile(`^rhcl-operator\.v1\.3\.[0-9]+$`),
		Allowed: "rhcl-operator.v1.3.x",
		Why:     "RHOAI 3.4 MaaS is validated on RHCL 1.3; 1.4.0 returns 500 AUTH_FAILURE",
		Manual:  true,
	},
}

func (a ConnectivityArgs) withDefaults() ConnectivityArgs {
	a.RHCL = RHCLOperator.Resolve(a.RHCL)
	if a.Observability == nil {
		on := true
		a.Observability = &on
	}
	return a
}

// Validate reports every problem at once.
func (a ConnectivityArgs) Validate() error {
	var errs []error
	for _, p := range RHCLOperator.Check(a.RHCL) {
		errs = append(errs, fmt.Errorf("rhcl %w", p))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}

// GatewayClassesArgs comes from stacks/ or from NewConnectivity.
type GatewayClassesArgs struct {
	Gates *readiness.Binder
	After readiness.Prerequisite
}
