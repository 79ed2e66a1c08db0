package maas

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// newBootstrap adds security.opendatahub.io/authorino-tls-bootstrap to the
// gateway as a patch of its own. C13: only once Authorino TLS is on and rolled
// out; odh-model-controller reacts to the annotation appearing, reads
// Authorino's listener TLS and generates the EnvoyFilter (or skips for good
// when TLS is off). The annotation thus first appears with TLS on, so the
// rationale's remove/re-add is never needed. The result carries the
// envoyFilterGenerated gate.
func (m *MaaS) newBootstrap(ctx *pulumi.Context, name string, a MaaSArgs, authorinoTLS readiness.Prerequisite) (readiness.Prerequisite, error) {
	opts, err := a.Gates.Options(a.After, a.Gateway.Prerequisite(), authorinoTLS)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of the Gateway %s/%s annotation: %w", name, IngressNamespace, GatewayName, err)
	}
	patch, err := apiextensions.NewCustomResourcePatch(ctx, name+"-gateway-bootstrap", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("gateway.networking.k8s.io/v1"),
		Kind:       pulumi.String("Gateway"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(GatewayName), Namespace: pulumi.String(IngressNamespace),
			// skipAwait: without it the provider awaits the Gateway's own
			// pulumi.com/waitFor (condition=Programmed) through a watch that
			// drops only older generations, so a cached pre-patch copy (same
			// generation: annotations do not bump it) can satisfy the
			// condition and be recorded as this patch's outputs, and the next
			// preview proposes to add the annotation again.
			Annotations: patchAnnotations(BootstrapFieldManager, map[string]string{
				BootstrapAnnotation: "true", manifest.SkipAwaitAnnotation: "true",
			}),
		},
	}, append(opts, pulumi.Parent(m))...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: annotating Gateway %s/%s: %w", name, IngressNamespace, GatewayName, err)
	}
	m.GatewayBootstrap = patch
	return readiness.Prerequisite{Resources: []pulumi.Resource{patch}, Gates: []readiness.Gate{envoyFilterGate()}}, nil
}

// newTenant upserts default-tenant, which maas-controller creates with its
// namespace (docs/decisions.md D5): a Patch behind gates proving both exist. C14: after the
// bootstrap annotation (EnvoyFilter generated) and MaaS enabled (Ready).
func (m *MaaS) newTenant(ctx *pulumi.Context, name string, a MaaSArgs, enabled, bootstrap readiness.Prerequisite) (readiness.Prerequisite, error) {
	// tenantExists first: it tells a MaaS without the Tenant API at once.
	nsExists, tenantExists := tenantGates()
	opts, err := a.Gates.Options(a.After, enabled, bootstrap, readiness.Prerequisite{Gates: []readiness.Gate{tenantExists, nsExists}})
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of the Tenant %s/%s patch: %w", name, TenantNamespace, TenantName, err)
	}
	patch, err := apiextensions.NewCustomResourcePatch(ctx, name+"-tenant", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("maas.opendatahub.io/v1alpha1"),
		Kind:       pulumi.String("Tenant"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(TenantName), Namespace: pulumi.String(TenantNamespace),
			Annotations: patchAnnotations(TenantFieldManager, nil),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(TenantPatch{
			GatewayRef: ObjectRef{Name: GatewayName, Namespace: IngressNamespace},
			APIKeys:    TenantAPIKeys{MaxExpirationDays: a.APIKeyMaxExpirationDays},
		})},
	}, append(opts, pulumi.Parent(m))...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: patching Tenant %s/%s: %w", name, TenantNamespace, TenantName, err)
	}
	m.Tenant = patch
	return readiness.After(patch), nil
}
