package connectivity

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// ConnectivityArgs comes from validated config (stacks/).
type ConnectivityArgs struct {
	// Channel is the OLM channel of rhcl-operator; default "stable".
	Channel string
	// StartingCSV pins RHCL (Manual approval); default rhcl-operator.v1.3.4.
	// MaaS v0.1.x needs RHCL 1.3; 1.4.0 breaks MaaS auth (Wasm shim bug).
	StartingCSV string
	// Observability is Kuadrant spec.observability.enable; nil means true.
	Observability *bool

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's objects wait for
}

// Defaults.
const (
	DefaultChannel     = "stable"
	DefaultStartingCSV = "rhcl-operator.v1.3.4"
)

// brokenCSV answers AUTH_FAILURE (HTTP 500) on the MaaS management
// endpoints (confirmations.md §1; models-as-a-service PR #1248).
const brokenCSV = "rhcl-operator.v1.4.0"

func (a ConnectivityArgs) withDefaults() ConnectivityArgs {
	if a.Channel == "" {
		a.Channel = DefaultChannel
	}
	if a.StartingCSV == "" {
		a.StartingCSV = DefaultStartingCSV
	}
	if a.Observability == nil {
		on := true
		a.Observability = &on
	}
	return a
}

// Validate reports every problem at once (olm validates the CSV's shape).
func (a ConnectivityArgs) Validate() error {
	var errs []error
	if a.StartingCSV != "" && !strings.HasPrefix(a.StartingCSV, RHCLPackage+".") {
		errs = append(errs, fmt.Errorf("startingCSV %q is not an %s CSV; expected e.g. %s", a.StartingCSV, RHCLPackage, DefaultStartingCSV))
	}
	if a.StartingCSV == brokenCSV {
		errs = append(errs, fmt.Errorf("startingCSV %s has the Wasm shim bug that fails MaaS auth with AUTH_FAILURE; expected 1.3.x (MaaS v0.1.x needs RHCL 1.3) or >= 1.4.1", brokenCSV))
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
