// Package rhoai installs Red Hat OpenShift AI 3.4 (alpha-hack-program/llm-d-guide@1f391b7
// docs/phases/03-operators-rhoai.md, gitops/operators/rhoai/, gitops/instance/rhoai/): the
// rhods-operator through OLM after RHCL and LWS (C8, C9); the operator-created
// DSCInitialization default-dsci, patched once Tempo/OTel/COO are in (C10);
// the DataScienceCluster default-dsc, whose Ready is what serving waits for
// (C11); the dashboard's OdhDashboardConfig flags this layer owns; and the GPU
// HardwareProfiles. kserve.modelsAsService and the MaaS dashboard flags are
// left to the MaaS layer's own patches (C12, C17).
//
// Destroy runs in reverse: dashboard patch, DSC, DSCI patch and hardware
// profiles go before the Subscription, so the operator is alive to remove
// their finalizers.
package rhoai

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Cluster object names (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/rhoai/ and gitops/instance/rhoai/).
const (
	OperatorNamespace     = "redhat-ods-operator"
	OperatorGroupName     = "rhods-operator"
	SubscriptionName      = "rhods-operator" // keep: the operator's uninstall deletes this name (docs/decisions.md "Uninstalling RHOAI")
	ApplicationsNamespace = "redhat-ods-applications"
	DSCIName              = "default-dsci"
	DSCName               = "default-dsc"
	DashboardConfigName   = "odh-dashboard-config"
)

// CRDs the operator's CSV registers and this layer's CRs need (C1).
var OperatorCRDs = []string{
	"datascienceclusters.datasciencecluster.opendatahub.io",
	"dscinitializations.dscinitialization.opendatahub.io",
	"hardwareprofiles.infrastructure.opendatahub.io",
}

// OpenShiftAI is the layer's component.
type OpenShiftAI struct {
	pulumi.ResourceState

	Operator         *olm.Operator
	DSCInitPatch     *apiextensions.CustomResourcePatch
	DSC              *apiextensions.CustomResource
	DashboardPatch   *apiextensions.CustomResourcePatch
	HardwareProfiles []*apiextensions.CustomResource

	dsciGate, namespaceGate, dashboardGate, dscGate readiness.Gate

	InstalledCSV pulumi.StringOutput `pulumi:"installedCSV"`
}

// DSCReady is what C11 consumers (LLMInferenceService, HTTPRoutes) wait for:
// the DSC (its waitFor is condition=Ready) and the dscReady gate.
func (r *OpenShiftAI) DSCReady() readiness.Prerequisite {
	return readiness.Prerequisite{Resources: []pulumi.Resource{r.DSC}, Gates: []readiness.Gate{r.dscGate}}
}

// DashboardConfigExists lets the MaaS layer patch its own flags (C17) only
// once the dashboard has created odh-dashboard-config.
func (r *OpenShiftAI) DashboardConfigExists() readiness.Prerequisite {
	return readiness.Prerequisite{Resources: []pulumi.Resource{r.DSC}, Gates: []readiness.Gate{r.dashboardGate}}
}

// ApplicationsNamespaceReady is for objects placed in redhat-ods-applications
// (the MaaS database): the operator's CSV and the namespace it creates.
func (r *OpenShiftAI) ApplicationsNamespaceReady() readiness.Prerequisite {
	return readiness.Join(r.Operator.Prerequisite(), readiness.Prerequisite{Gates: []readiness.Gate{r.namespaceGate}})
}

// Prerequisite is the whole layer configured: DSC Ready, DSCI and dashboard
// patched, hardware profiles in place.
func (r *OpenShiftAI) Prerequisite() readiness.Prerequisite {
	p := readiness.Join(r.DSCReady(), readiness.After(r.DSCInitPatch, r.DashboardPatch))
	for _, hp := range r.HardwareProfiles {
		p.Resources = append(p.Resources, hp)
	}
	return p
}

// NewOpenShiftAI registers the layer.
func NewOpenShiftAI(ctx *pulumi.Context, name string, args *OpenShiftAIArgs, opts ...pulumi.ResourceOption) (*OpenShiftAI, error) {
	if args == nil {
		return nil, fmt.Errorf("rhoai %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("rhoai %q: %w", name, err)
	}
	r := &OpenShiftAI{
		dsciGate: dsciExists(), namespaceGate: applicationsNamespaceExists(),
		dashboardGate: dashboardConfigExists(), dscGate: dscReady(),
	}
	if err := ctx.RegisterComponentResource("rhoai:rhoai:OpenShiftAI", name, r, opts...); err != nil {
		return nil, fmt.Errorf("rhoai %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(r)

	// C8, C9: the operator starts only once RHCL (authpolicies CRD, Kuadrant
	// Ready) and LWS are in; its DSC reconciler crash-loops otherwise.
	op, err := olm.NewOperator(ctx, name+"-operator", &olm.OperatorArgs{
		Package: Operator.Name, Catalog: a.Catalog, Namespace: OperatorNamespace,
		SubscriptionName: SubscriptionName, OperatorGroupName: OperatorGroupName, Mode: olm.AllNamespaces,
		CRDs: OperatorCRDs, Layer: layer,
		Gates: a.Gates, After: readiness.Join(a.After, a.Connectivity, a.LeaderWorkerSet),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: installing rhods-operator: %w", name, err)
	}
	r.Operator = op
	// Namespace redhat-ods-applications is never created here: the operator
	// creates it when it reconciles default-dsci, and since pulumi-kubernetes
	// 4.29 creating an existing object fails (AlreadyExists), while creating
	// it first would race the operator and make destroy delete a namespace
	// the operator owns. Objects placed in it wait for the
	// applicationsNamespaceExists gate instead (ApplicationsNamespaceReady).

	if r.DSCInitPatch, err = newDSCInitPatch(ctx, name, a, readiness.Join(a.After, op.Prerequisite(), a.Tracing,
		readiness.Prerequisite{Gates: []readiness.Gate{r.dsciGate}}), parent); err != nil {
		return nil, err
	}
	// The DSC after the DSCI patch: monitoring is configured first, and
	// destroy removes the DSC before relinquishing the DSCI fields. C8/C9 are
	// repeated here because they bind the DSC as well as the operator.
	if r.DSC, err = newDataScienceCluster(ctx, name, a, readiness.Join(a.After, op.Prerequisite(), a.Connectivity, a.LeaderWorkerSet,
		readiness.After(r.DSCInitPatch)), parent); err != nil {
		return nil, err
	}
	if r.DashboardPatch, err = newDashboardConfigPatch(ctx, name, a, readiness.Join(a.After, op.Prerequisite(),
		r.DashboardConfigExists()), parent); err != nil {
		return nil, err
	}
	for _, hp := range a.HardwareProfiles {
		cr, err := newHardwareProfile(ctx, name, hp, readiness.Join(a.After, r.ApplicationsNamespaceReady()), a.Gates, parent)
		if err != nil {
			return nil, err
		}
		r.HardwareProfiles = append(r.HardwareProfiles, cr)
	}

	r.InstalledCSV = op.InstalledCSV
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"installedCSV": r.InstalledCSV}); err != nil {
		return nil, fmt.Errorf("rhoai %q: registering outputs: %w", name, err)
	}
	return r, nil
}
