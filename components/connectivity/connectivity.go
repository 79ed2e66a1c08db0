// Package connectivity installs the Gateway API classes and Red Hat
// Connectivity Link (RHCL, Kuadrant) with its Kuadrant CR: rationale phase
// 3.1 (C7, C8). The classes come first so Kuadrant finds its Gateway API
// provider; the DSC waits for RHCL, its authpolicies CRD and Kuadrant Ready.
package connectivity

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// RHCL and Kuadrant (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/maas/connectivity-link/templates/kuadrant.yaml; the namespace
// and OperatorGroup: docs/decisions.md "Operator subscriptions").
const (
	KuadrantNamespace = "kuadrant-system"
	OperatorGroupName = "kuadrant" // {upgradeStrategy: Default}: all namespaces
	AuthPolicyCRD     = "authpolicies.kuadrant.io"
	KuadrantCRD       = "kuadrants.kuadrant.io"
	KuadrantName      = "kuadrant"
)

// Authorino, as the Kuadrant CR creates it in its own namespace: the MaaS
// layer patches these for TLS (step 4 of alpha-hack-program/llm-d-guide@1f391b7
// docs/phases/06-maas.md), after a gate proves they exist.
const (
	AuthorinoNamespace  = KuadrantNamespace
	AuthorinoName       = "authorino"                         // operator.authorino.kuadrant.io/v1beta1 Authorino
	AuthorinoService    = "authorino-authorino-authorization" // gets the serving-cert annotation
	AuthorinoDeployment = "authorino"
	AuthorinoContainer  = "authorino"
)

// KuadrantTimeout: Kuadrant deploys Authorino and Limitador.
const KuadrantTimeout = 10 * time.Minute

// Connectivity is the GatewayClasses, RHCL and the Kuadrant CR.
type Connectivity struct {
	pulumi.ResourceState

	GatewayClasses *GatewayClasses
	RHCL           *olm.Operator
	Kuadrant       *apiextensions.CustomResource // no waitFor: KuadrantGate reads (and handles) its reasons
	KuadrantReady  *pulumi.Stash                 // carries KuadrantGate
	KuadrantGate   readiness.Gate                // kuadrantReady (C8)
	Ready          pulumi.Resource               // KuadrantReady
	InstalledCSV   pulumi.StringOutput           `pulumi:"rhclInstalledCSV"`
}

// Prerequisite is what the RHOAI operator and the DSC wait for (C8): the RHCL
// Subscription, its CSV Succeeded, its CRDs (authpolicies.kuadrant.io among
// them) Established, and the Kuadrant CR Ready.
func (c *Connectivity) Prerequisite() readiness.Prerequisite {
	return readiness.Join(c.RHCL.Prerequisite(), readiness.Prerequisite{
		Resources: []pulumi.Resource{c.Kuadrant, c.KuadrantReady}, Gates: []readiness.Gate{c.KuadrantGate},
	})
}

// NewConnectivity registers the GatewayClasses, RHCL and Kuadrant.
func NewConnectivity(ctx *pulumi.Context, name string, args *ConnectivityArgs, opts ...pulumi.ResourceOption) (*Connectivity, error) {
	if args == nil {
		return nil, fmt.Errorf("connectivity %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("connectivity %q: %w", name, err)
	}
	c := &Connectivity{}
	if err := ctx.RegisterComponentResource("rhoai:connectivity:Connectivity", name, c, opts...); err != nil {
		return nil, fmt.Errorf("connectivity %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(c)

	classes, err := NewGatewayClasses(ctx, name+"-gatewayclasses", &GatewayClassesArgs{Gates: a.Gates, After: a.After}, parent)
	if err != nil {
		return nil, err
	}
	rhcl, err := olm.NewOperator(ctx, name+"-rhcl", &olm.OperatorArgs{
		Package: RHCLOperator.Name, Catalog: a.RHCL, Namespace: KuadrantNamespace, OperatorGroupName: OperatorGroupName,
		Mode:            olm.AllNamespaces,
		NamespaceLabels: map[string]string{}, // kuadrant-system has no labels (llm-d-guide's kuadrant.yaml)
		CRDs:            []string{AuthPolicyCRD, KuadrantCRD}, Layer: "connectivity", Gates: a.Gates,
		// C7: the Gateway API provider exists before Kuadrant looks for it.
		After: readiness.Join(a.After, classes.Prerequisite()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("connectivity %q: installing RHCL: %w", name, err)
	}
	// C1: the Kuadrant CR waits for the pinned CSV and the kuadrant.io CRDs.
	// Destroy runs this edge backwards: Kuadrant goes before the operator.
	kOpts, err := a.Gates.Options(a.After, rhcl.Prerequisite())
	if err != nil {
		return nil, fmt.Errorf("connectivity %q: binding Kuadrant prerequisites: %w", name, err)
	}
	kuadrant, err := apiextensions.NewCustomResource(ctx, name+"-kuadrant", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("kuadrant.io/v1beta1"),
		Kind:       pulumi.String("Kuadrant"),
		// No waitFor: condition=Ready would wait its whole budget on
		// MissingDependency, which never clears by itself (kuadrantReady).
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(KuadrantName),
			Namespace: pulumi.String(KuadrantNamespace),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(KuadrantSpec{
			Observability: KuadrantObservability{Enable: *a.Observability},
		})},
	}, append(kOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("connectivity %q: creating Kuadrant %s/%s: %w", name, KuadrantNamespace, KuadrantName, err)
	}
	c.KuadrantGate = kuadrantReadyGate(KuadrantNamespace)
	ready, err := a.Gates.Await(ctx, name+"-kuadrant-ready", pulumi.Map{"observability": pulumi.Bool(*a.Observability)},
		readiness.After(kuadrant), []readiness.Gate{c.KuadrantGate}, parent)
	if err != nil {
		return nil, fmt.Errorf("connectivity %q: %w", name, err)
	}

	c.GatewayClasses, c.RHCL, c.Kuadrant, c.KuadrantReady, c.Ready, c.InstalledCSV = classes, rhcl, kuadrant, ready, ready, rhcl.InstalledCSV
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"rhclInstalledCSV": c.InstalledCSV}); err != nil {
		return nil, fmt.Errorf("connectivity %q: registering outputs: %w", name, err)
	}
	return c, nil
}
