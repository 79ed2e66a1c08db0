// Package lws installs the LeaderWorkerSet operator and its operand
// (rationale phase 3.2), a hard dependency of the llm-d controller in RHOAI
// (C9).
package lws

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Cluster objects (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/leader-worker-set/; OwnNamespace: docs/decisions.md
// "Operator subscriptions").
const (
	Namespace            = "openshift-lws-operator"
	OperatorGroupName    = "leader-worker-set"
	OperatorCRD          = "leaderworkersetoperators.operator.openshift.io" // OLM registers it
	OperatorName         = "cluster"                                        // cluster-scoped singleton
	OperandCRD           = "leaderworkersets.leaderworkerset.x-k8s.io"      // the operand registers it
	ControllerDeployment = "lws-controller-manager"
)

// LeaderWorkerSet is the operator plus its LeaderWorkerSetOperator CR.
type LeaderWorkerSet struct {
	pulumi.ResourceState

	Operator     *olm.Operator
	Operand      *apiextensions.CustomResource // LeaderWorkerSetOperator cluster
	Gate         readiness.Gate                // lwsReady
	Ready        pulumi.Resource               // the operand CR
	InstalledCSV pulumi.StringOutput           `pulumi:"installedCSV"`
}

// Prerequisite is what the RHOAI operator and the DSC wait for (C9): the
// operator, its LeaderWorkerSetOperator, and the LeaderWorkerSet API served.
func (l *LeaderWorkerSet) Prerequisite() readiness.Prerequisite {
	return readiness.Join(l.Operator.Prerequisite(), readiness.Prerequisite{
		Resources: []pulumi.Resource{l.Operand},
		Gates:     []readiness.Gate{l.Gate},
	})
}

// NewLeaderWorkerSet registers the operator and its operand CR.
func NewLeaderWorkerSet(ctx *pulumi.Context, name string, args *LeaderWorkerSetArgs, opts ...pulumi.ResourceOption) (*LeaderWorkerSet, error) {
	if args == nil {
		return nil, fmt.Errorf("lws %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("lws %q: %w", name, err)
	}
	l := &LeaderWorkerSet{}
	if err := ctx.RegisterComponentResource("rhoai:lws:LeaderWorkerSet", name, l, opts...); err != nil {
		return nil, fmt.Errorf("lws %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(l)

	op, err := olm.NewOperator(ctx, name+"-operator", &olm.OperatorArgs{
		Package: Operator.Name, Catalog: a.Catalog, Namespace: Namespace, OperatorGroupName: OperatorGroupName,
		Mode: olm.OwnNamespace, CRDs: []string{OperatorCRD}, Layer: "lws", Gates: a.Gates, After: a.After,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("lws %q: installing the operator: %w", name, err)
	}
	// C1: the LeaderWorkerSetOperator waits for the CSV and its CRD.
	crOpts, err := a.Gates.Options(a.After, op.Prerequisite())
	if err != nil {
		return nil, fmt.Errorf("lws %q: binding LeaderWorkerSetOperator prerequisites: %w", name, err)
	}
	cr, err := apiextensions.NewCustomResource(ctx, name+"-operand", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("operator.openshift.io/v1"),
		Kind:        pulumi.String("LeaderWorkerSetOperator"),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(OperatorName)},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(leaderWorkerSetOperatorSpec())},
	}, append(crOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("lws %q: creating LeaderWorkerSetOperator %s: %w", name, OperatorName, err)
	}

	l.Operator, l.Operand, l.Ready, l.Gate, l.InstalledCSV = op, cr, cr, lwsReadyGate(), op.InstalledCSV
	if err := ctx.RegisterResourceOutputs(l, pulumi.Map{"installedCSV": l.InstalledCSV}); err != nil {
		return nil, fmt.Errorf("lws %q: registering outputs: %w", name, err)
	}
	return l, nil
}
