package gitops

import (
	"errors"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Cluster object names (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/openshift-gitops/values.yaml).
const (
	Namespace         = "openshift-gitops-operator"
	OperatorGroupName = "openshift-gitops-operator"
)

// Operator is the package and its default catalog entry: channel latest
// (gitops-1.x pins a minor), redhat-operators, Automatic approval.
var Operator = olm.Package{
	Name:    "openshift-gitops-operator",
	Default: olm.Catalog{Channel: "latest", Source: "redhat-operators", Approval: olm.Automatic},
}

// CRDs the operator registers that dependents' CRs need (ArgoCD day-2
// Applications): checked Established after the CSV (C1).
var CRDs = []string{"argocds.argoproj.io", "applications.argoproj.io"}

// GitOpsArgs configures the OpenShift GitOps operator.
type GitOpsArgs struct {
	// Catalog overrides Operator.Default field by field; Manual approval
	// needs StartingCSV.
	Catalog olm.Catalog

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what the Subscription waits for
}

func (a GitOpsArgs) withDefaults() GitOpsArgs {
	a.Catalog = Operator.Resolve(a.Catalog)
	return a
}

// Validate reports every problem at once, naming the field.
func (a GitOpsArgs) Validate() error {
	var errs []error
	for _, p := range Operator.Check(a.Catalog) {
		errs = append(errs, p)
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("gates: no gate binder given"))
	}
	return errors.Join(errs...)
}

func (a GitOpsArgs) operatorArgs() *olm.OperatorArgs {
	return &olm.OperatorArgs{
		Package:           Operator.Name,
		Catalog:           a.Catalog,
		Namespace:         Namespace,
		OperatorGroupName: OperatorGroupName,
		Mode:              olm.AllNamespaces,
		CRDs:              CRDs,
		Layer:             "gitops",
		Gates:             a.Gates,
		After:             a.After,
	}
}
