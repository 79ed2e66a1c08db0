// Package maas is phase 6 of the rationale, Models-as-a-Service, with every
// manual step of the rationale turned into a dependency:
//
//   - NewGateway: maas-default-gateway (override ConfigMap, Gateway Programmed,
//     Route maas.<apps domain>); allowedRoutes lists exactly the published
//     models' namespaces, redhat-ods-applications and models-as-a-service.
//   - NewMaaS, after the gateway:
//     the database (Secret maas-db-config from a Pulumi secret password,
//     PostgreSQL on a PersistentVolumeClaim, or an external URL);
//     Authorino TLS (Service annotation, serving secret, Authorino listener TLS
//     and CA volume, CA env, rollout);
//     the DSC patch owning only kserve.modelsAsService (C12) and the gate
//     modelsAsServiceReady;
//     the gateway's authorino-tls-bootstrap annotation as its own patch once
//     TLS is on, and the gate envoyFilterGenerated (C13);
//     the Tenant default-tenant patch (C14);
//     a MaaSModelRef per published model (C15), MaaSSubscriptions and
//     MaaSAuthPolicies after the model refs (C16);
//     the dashboard flags (C17).
//
// Destroy runs the edges backwards: MaaSAuthPolicy, MaaSSubscription,
// MaaSModelRef, Tenant patch, enable patch, all before the operators.
package maas

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// MaaS is everything of phase 6 after the gateway.
type MaaS struct {
	pulumi.ResourceState

	DatabasePassword *random.RandomPassword        // nil when a password or an external URL is given
	DatabaseSecret   *corev1.Secret                // maas-db-config
	DatabaseClaim    *corev1.PersistentVolumeClaim // nil with an external URL
	Database         *appsv1.Deployment            // nil with an external URL
	DatabaseService  *corev1.Service               // nil with an external URL

	AuthorinoService    *corev1.ServicePatch
	Authorino           *apiextensions.CustomResourcePatch
	AuthorinoDeployment *appsv1.DeploymentPatch
	Enable              *apiextensions.CustomResourcePatch       // DSC kserve.modelsAsService: Managed (C12)
	GatewayBootstrap    *apiextensions.CustomResourcePatch       // authorino-tls-bootstrap (C13)
	Tenant              *apiextensions.CustomResourcePatch       // default-tenant (C14)
	ModelRefs           map[string]*apiextensions.CustomResource // by "<namespace>/<name>" (C15)
	ModelRefsReady      map[string]*pulumi.Stash                 // maasModelRefReady, by "<namespace>/<name>"
	Active              []*pulumi.Stash                          // maasSubscriptionActive, maasAuthPolicyActive
	Subscriptions       map[string]*apiextensions.CustomResource // by name (C16)
	AuthPolicies        map[string]*apiextensions.CustomResource // by name (C16)
	DashboardFlags      *apiextensions.CustomResourcePatch       // C17

	URL    string // https://maas.<apps domain>
	APIURL string // https://maas.<apps domain>/maas-api
	// Tiers are the subscriptions as applied (defaults filled, namespaces resolved).
	Tiers      []Subscription
	DBPassword pulumi.StringOutput `pulumi:"dbPassword"` // secret; "" with an external URL
	// SecretsToSupply: with Database.SecretSupplied (render mode), the
	// Secret the GitOps side must create.
	SecretsToSupply []manifest.SecretToSupply

	enabled  readiness.Prerequisite
	warnings []string
}

// Warnings are the configuration warnings of MaaSArgs.Warnings, also logged.
func (m *MaaS) Warnings() []string { return append([]string(nil), m.warnings...) }

// Enabled is MaaS switched on and ModelsAsServiceReady (for C17-like dependents).
func (m *MaaS) Enabled() readiness.Prerequisite { return m.enabled }

// Prerequisite is the whole layer applied: model refs Ready, subscriptions and
// auth policies Active, dashboard flags set.
func (m *MaaS) Prerequisite() readiness.Prerequisite {
	rs := []pulumi.Resource{m.Tenant}
	if m.DashboardFlags != nil {
		rs = append(rs, m.DashboardFlags)
	}
	for _, byKey := range []map[string]*apiextensions.CustomResource{m.ModelRefs, m.Subscriptions, m.AuthPolicies} {
		for _, k := range slices.Sorted(maps.Keys(byKey)) {
			rs = append(rs, byKey[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.ModelRefsReady)) {
		rs = append(rs, m.ModelRefsReady[k])
	}
	for _, st := range m.Active {
		rs = append(rs, st)
	}
	return readiness.Join(m.enabled, readiness.After(rs...))
}

// NewMaaS registers phase 6 after the gateway as children of one component.
func NewMaaS(ctx *pulumi.Context, name string, args *MaaSArgs, opts ...pulumi.ResourceOption) (*MaaS, error) {
	if args == nil {
		return nil, fmt.Errorf("maas %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("maas %q: %w", name, err)
	}
	m := &MaaS{
		URL: a.Gateway.URL, APIURL: a.Gateway.URL + "/maas-api", Tiers: a.Subscriptions, warnings: a.Warnings(),
		ModelRefs: map[string]*apiextensions.CustomResource{}, ModelRefsReady: map[string]*pulumi.Stash{}, Subscriptions: map[string]*apiextensions.CustomResource{},
		AuthPolicies: map[string]*apiextensions.CustomResource{},
	}
	if err := ctx.RegisterComponentResource("rhoai:maas:MaaS", name, m, opts...); err != nil {
		return nil, fmt.Errorf("maas %q: registering component: %w", name, err)
	}
	for _, w := range m.warnings {
		_ = ctx.Log.Warn(fmt.Sprintf("maas %q: %s", name, w), &pulumi.LogArgs{Resource: m})
	}
	db, err := m.newDatabase(ctx, name, a)
	if err != nil {
		return nil, err
	}
	tls, err := m.newAuthorinoTLS(ctx, name, a)
	if err != nil {
		return nil, err
	}
	var bootstrap readiness.Prerequisite
	if a.Render {
		// Folded into the DSC, the Gateway and the dashboard config (Render).
		m.enabled = readiness.Join(a.DSCReady, a.Gateway.Prerequisite(), db, tls)
		bootstrap = m.enabled
	} else {
		if m.enabled, err = m.newEnable(ctx, name, a, db, tls); err != nil {
			return nil, err
		}
		if bootstrap, err = m.newBootstrap(ctx, name, a, tls); err != nil {
			return nil, err
		}
	}
	tenant, err := m.newTenant(ctx, name, a, m.enabled, bootstrap)
	if err != nil {
		return nil, err
	}
	if err := m.newPublication(ctx, name, a, tenant); err != nil {
		return nil, err
	}
	if !a.Render {
		if err := m.newDashboardFlags(ctx, name, a, m.enabled); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"url":           pulumi.String(m.URL),
		"apiUrl":        pulumi.String(m.APIURL),
		"dbPassword":    m.DBPassword,
		"subscriptions": tiersOutput(m.Tiers),
	}); err != nil {
		return nil, fmt.Errorf("maas %q: registering outputs: %w", name, err)
	}
	return m, nil
}

func tiersOutput(tiers []Subscription) pulumi.Array {
	out := pulumi.Array{}
	for _, s := range tiers {
		models := pulumi.Array{}
		for _, ml := range s.Models {
			limits := pulumi.Array{}
			for _, l := range ml.Limits {
				limits = append(limits, pulumi.Map{"limit": pulumi.Int(int(l.Limit)), "window": pulumi.String(l.Window)})
			}
			models = append(models, pulumi.Map{"name": pulumi.String(ml.Model), "namespace": pulumi.String(ml.Namespace), "limits": limits})
		}
		out = append(out, pulumi.Map{"name": pulumi.String(s.Name), "priority": pulumi.Int(s.Priority), "models": models})
	}
	return out
}

// patchAnnotations: force (these objects have other managers) under our own
// field manager, so destroy relinquishes exactly our fields.
func patchAnnotations(fieldManager string, extra map[string]string) pulumi.StringMap {
	return manifest.StringMap(manifest.Merge(extra, map[string]string{
		manifest.PatchForceAnnotation:   "true",
		manifest.FieldManagerAnnotation: fieldManager,
	}))
}

// Teardown hook names (the suffix is the component's name).
const (
	RetireTenantHook    = "maas-retire-tenant-"
	RemoveLeftoversHook = "maas-remove-tenant-leftovers-"
)

// teardownHooks binds the destroy actions of the enable patch: before runs
// before it is deleted (a failure keeps it, so the next destroy retries),
// after once it is (none when gates are disabled).
func teardownHooks(a MaaSArgs, name string, before, after func(context.Context) error) ([]pulumi.ResourceOption, error) {
	b, err := a.Gates.Action(RetireTenantHook+name, before)
	if err != nil || b == nil {
		return nil, err
	}
	d, err := a.Gates.Action(RemoveLeftoversHook+name, after)
	if err != nil {
		return nil, err
	}
	return []pulumi.ResourceOption{pulumi.ResourceHooks(&pulumi.ResourceHookBinding{
		BeforeDelete: []*pulumi.ResourceHook{b}, AfterDelete: []*pulumi.ResourceHook{d},
	})}, nil
}
