// Package olm installs one operator through OLM: Namespace (unless
// openshift-operators), OperatorGroup, Subscription, and the gates that prove
// the operator is usable (C1: CSV Succeeded and its CRDs Established before
// any CR). With Manual approval and a pinned CSV, only the InstallPlan listing
// the pin is approved. On destroy the CSV is removed after the Subscription,
// so the operator really goes away (OLM leaves it behind otherwise).
package olm

import (
	"context"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Budgets of the OLM operations: an install plan and its CSV take minutes,
// so 10 min is ample and a stuck install still fails the run.
const (
	CSVTimeout = 10 * time.Minute
	CRDTimeout = 5 * time.Minute
)

// Operator is an operator installed through OLM.
type Operator struct {
	pulumi.ResourceState

	Namespace     *corev1.Namespace             // nil in openshift-operators
	OperatorGroup *apiextensions.CustomResource // nil in openshift-operators
	Subscription  *apiextensions.CustomResource // no waitFor: the gates read what OLM writes
	Gates         []readiness.Gate              // csvSucceeded, then crdEstablished per CRD
	// Installed carries the gates after the Subscription, so a run waits
	// for the operator even when no CR of it does, and fails at once on a
	// state OLM does not leave (a failed InstallPlan, ...).
	Installed    *pulumi.Stash
	InstalledCSV pulumi.StringOutput `pulumi:"installedCSV"` // as the Subscription reported at its last read
	Ready        pulumi.Resource
	args         OperatorArgs
}

// Prerequisite is what a CR of this operator waits for (C1).
func (o *Operator) Prerequisite() readiness.Prerequisite {
	return readiness.Prerequisite{Resources: []pulumi.Resource{o.Subscription, o.Installed}, Gates: o.Gates}
}

// NewOperator registers the operator's objects as children of one component.
func NewOperator(ctx *pulumi.Context, name string, args *OperatorArgs, opts ...pulumi.ResourceOption) (*Operator, error) {
	if args == nil {
		return nil, fmt.Errorf("olm %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("olm %q: %w", name, err)
	}
	op := &Operator{args: a}
	if err := ctx.RegisterComponentResource("rhoai:olm:Operator", name, op, opts...); err != nil {
		return nil, fmt.Errorf("olm %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(op)

	var subscriptionDeps []pulumi.Resource
	if a.Namespace != GlobalOperatorsNamespace {
		ns, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(a.Namespace), Labels: manifest.StringMap(a.NamespaceLabels)},
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("olm %q: creating Namespace %s: %w", name, a.Namespace, err)
		}
		ogSpec := OperatorGroupSpec{UpgradeStrategy: "Default"}
		if a.Mode == OwnNamespace {
			ogSpec = OperatorGroupSpec{TargetNamespaces: []string{a.Namespace}}
		}
		og, err := apiextensions.NewCustomResource(ctx, name+"-operatorgroup", &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("operators.coreos.com/v1"),
			Kind:        pulumi.String("OperatorGroup"),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(a.OperatorGroupName), Namespace: pulumi.String(a.Namespace)},
			OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(ogSpec)},
		}, parent, pulumi.DependsOn([]pulumi.Resource{ns}))
		if err != nil {
			return nil, fmt.Errorf("olm %q: creating OperatorGroup %s/%s: %w", name, a.Namespace, a.OperatorGroupName, err)
		}
		op.Namespace, op.OperatorGroup = ns, og
		subscriptionDeps = append(subscriptionDeps, ns, og)
	}

	subOpts, err := a.Gates.Options(a.After, readiness.After(subscriptionDeps...))
	if err != nil {
		return nil, fmt.Errorf("olm %q: binding prerequisites: %w", name, err)
	}
	// Destroy: OLM leaves the CSV when the Subscription goes; remove it after.
	removeCSV, err := a.Gates.Action("olm-remove-csv-"+name, func(ctx context.Context) error {
		return removeCSVs(ctx, a.Gates.Waiter(), a.Namespace, a.Package)
	})
	if err != nil {
		return nil, fmt.Errorf("olm %q: %w", name, err)
	}
	if removeCSV != nil {
		subOpts = append(subOpts, pulumi.ResourceHooks(&pulumi.ResourceHookBinding{AfterDelete: []*pulumi.ResourceHook{removeCSV}}))
	}
	// No waitFor: a waitFor on status.installedCSV could not see a failed
	// InstallPlan or a resolution failure and would wait its whole budget
	// in silence; the gates below read what OLM writes and report it.
	spec := a.subscriptionSpec()
	sub, err := apiextensions.NewCustomResource(ctx, name+"-subscription", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("operators.coreos.com/v1alpha1"),
		Kind:       pulumi.String("Subscription"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(a.SubscriptionName),
			Namespace: pulumi.String(a.Namespace),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(spec)},
	}, append(subOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("olm %q: creating Subscription %s/%s: %w", name, a.Namespace, a.SubscriptionName, err)
	}
	op.Subscription = sub
	op.Gates = a.gates()
	// The Stash's input is the Subscription's spec: a new channel or pin
	// updates it, and the gates run again.
	installed, err := a.Gates.Await(ctx, name+"-installed", pulumi.ToMap(manifest.MustUntyped(spec)), readiness.After(sub), op.Gates, parent)
	if err != nil {
		return nil, fmt.Errorf("olm %q: %w", name, err)
	}
	op.Installed, op.Ready = installed, installed
	op.InstalledCSV = installedCSV(sub)
	if err := ctx.RegisterResourceOutputs(op, pulumi.Map{"installedCSV": op.InstalledCSV}); err != nil {
		return nil, fmt.Errorf("olm %q: registering outputs: %w", name, err)
	}
	return op, nil
}

// installedCSV reads status.installedCSV from the Subscription's outputs (empty
// in preview and render mode, where no status exists).
func installedCSV(sub *apiextensions.CustomResource) pulumi.StringOutput {
	return sub.OtherFields.ApplyT(func(m map[string]any) string {
		status, _ := m["status"].(map[string]any)
		csv, _ := status["installedCSV"].(string)
		return csv
	}).(pulumi.StringOutput)
}
