// Package gitops installs the OpenShift GitOps operator (phase 1;
// alpha-hack-program/llm-d-guide@1f391b7 gitops/operators/openshift-gitops/,
// docs/decisions.md "Operator subscriptions"): Namespace, AllNamespaces OperatorGroup and Subscription
// openshift-gitops-operator on channel latest. The operator then creates the
// ArgoCD instance openshift-gitops in namespace openshift-gitops by itself;
// this layer does not manage it. Dependents wait for the CSV and the argoproj
// CRDs (C1) through Prerequisite.
package gitops

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// GitOps is the OpenShift GitOps operator.
type GitOps struct {
	pulumi.ResourceState

	Operator     *olm.Operator
	InstalledCSV pulumi.StringOutput `pulumi:"installedCSV"`
}

// NewGitOps registers the operator under one component.
func NewGitOps(ctx *pulumi.Context, name string, args *GitOpsArgs, opts ...pulumi.ResourceOption) (*GitOps, error) {
	if args == nil {
		return nil, fmt.Errorf("gitops %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("gitops %q: %w", name, err)
	}
	g := &GitOps{}
	if err := ctx.RegisterComponentResource("rhoai:gitops:GitOps", name, g, opts...); err != nil {
		return nil, fmt.Errorf("gitops %q: registering component: %w", name, err)
	}
	op, err := olm.NewOperator(ctx, name+"-operator", a.operatorArgs(), pulumi.Parent(g))
	if err != nil {
		return nil, fmt.Errorf("gitops %q: installing operator %s: %w", name, Operator.Name, err)
	}
	g.Operator, g.InstalledCSV = op, op.InstalledCSV
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{"installedCSV": g.InstalledCSV}); err != nil {
		return nil, fmt.Errorf("gitops %q: registering outputs: %w", name, err)
	}
	return g, nil
}

// Prerequisite is what an ArgoCD CR (Application, ArgoCD) waits for: the
// Subscription edge, the CSV Succeeded and the argoproj CRDs Established (C1).
func (g *GitOps) Prerequisite() readiness.Prerequisite { return g.Operator.Prerequisite() }
