package gitops

import (
	"errors"
	"fmt"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Cluster object names (manifests.md 1.1; confirmations.md §1).
const (
	Namespace         = "openshift-gitops-operator"
	OperatorGroupName = "openshift-gitops-operator"
	Package           = "openshift-gitops-operator"
	DefaultChannel    = "latest"
	DefaultSource     = "redhat-operators"
)

// CRDs the operator registers that dependents' CRs need (ArgoCD day-2
// Applications): checked Established after the CSV (C1).
var CRDs = []string{"argocds.argoproj.io", "applications.argoproj.io"}

// GitOpsArgs configures the OpenShift GitOps operator. Zero values take the
// defaults of manifests.md 1.1: channel latest, catalog redhat-operators,
// Automatic approval.
type GitOpsArgs struct {
	// Channel is the Subscription channel; "" means latest (gitops-1.x pins a minor).
	Channel string
	// Source is the CatalogSource; "" means redhat-operators.
	Source string
	// Approval is Automatic ("" too) or Manual; Manual needs StartingCSV.
	Approval olm.Approval
	// StartingCSV pins the CSV, e.g. openshift-gitops-operator.v1.19.0.
	StartingCSV string

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what the Subscription waits for
}

func (a GitOpsArgs) withDefaults() GitOpsArgs {
	if a.Channel == "" {
		a.Channel = DefaultChannel
	}
	if a.Source == "" {
		a.Source = DefaultSource
	}
	if a.Approval == "" {
		a.Approval = olm.Automatic
	}
	return a
}

// Validate reports every problem at once, naming the field.
func (a GitOpsArgs) Validate() error {
	var errs []error
	if a.Approval != olm.Automatic && a.Approval != olm.Manual {
		errs = append(errs, fmt.Errorf("approval: found %q, expected Automatic or Manual", a.Approval))
	}
	if a.StartingCSV != "" && !olm.CSVNamePattern().MatchString(a.StartingCSV) {
		errs = append(errs, fmt.Errorf("startingCSV: found %q, expected a CSV name such as %s.v1.19.0", a.StartingCSV, Package))
	}
	if a.Approval == olm.Manual && a.StartingCSV == "" {
		errs = append(errs, errors.New("startingCSV: empty with Manual approval; expected the CSV whose InstallPlan the program approves"))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("gates: no gate binder given"))
	}
	return errors.Join(errs...)
}

func (a GitOpsArgs) operatorArgs() *olm.OperatorArgs {
	return &olm.OperatorArgs{
		Package:           Package,
		Channel:           a.Channel,
		Source:            a.Source,
		Namespace:         Namespace,
		OperatorGroupName: OperatorGroupName,
		Mode:              olm.AllNamespaces,
		Approval:          a.Approval,
		StartingCSV:       a.StartingCSV,
		CRDs:              CRDs,
		Layer:             "gitops",
		Gates:             a.Gates,
		After:             a.After,
	}
}
