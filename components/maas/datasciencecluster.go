package maas

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// newEnable switches MaaS on with a Patch of the DSC that owns only
// spec.components.kserve.modelsAsService, under its own field manager; the
// rhoai layer's DSC must leave that field unset (CRD default Removed), or
// the two would fight. Destroy relinquishes the field, which returns to
// Removed. The result carries the modelsAsServiceReady gate.
func (m *MaaS) newEnable(ctx *pulumi.Context, name string, a MaaSArgs, db, authorinoTLS readiness.Prerequisite) (readiness.Prerequisite, error) {
	// C12: the Gateway, maas-db-config and the database first. The operator
	// recovers from either missing (opendatahub-operator@v3.4.0
	// modelsasservice: the Secret is watched), but it does not watch the
	// Gateway and sees it again only on its error backoff (up to 1000 s).
	// Authorino TLS first too: maas-controller warns without it
	// (PrerequisitesWarning) and the EnvoyFilter needs it (C13).
	opts, err := a.Gates.Options(a.After, a.DSCReady, a.Gateway.Prerequisite(), db, authorinoTLS)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of the DataScienceCluster %s patch: %w", name, a.DSCName, err)
	}
	// Destroy: the Tenant is retired while maas-controller runs, the rest
	// removed once it is gone (teardown.go).
	cleanup, err := teardownHooks(a, name,
		func(ctx context.Context) error { return retireTenant(ctx, a.Gates.Waiter(), a.ApplicationsNamespace) },
		func(ctx context.Context) error {
			return removeTenantLeftovers(ctx, a.Gates.Waiter(), a.ApplicationsNamespace)
		})
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: %w", name, err)
	}
	patch, err := apiextensions.NewCustomResourcePatch(ctx, name+"-enable", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("datasciencecluster.opendatahub.io/v2"),
		Kind:       pulumi.String("DataScienceCluster"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(a.DSCName),
			Annotations: patchAnnotations(EnableFieldManager, nil),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(DSCModelsAsServicePatch{
			Components: DSCComponents{Kserve: DSCKserve{ModelsAsService: ManagementSpec{ManagementState: "Managed"}}},
		})},
	}, append(append(opts, pulumi.Parent(m)), cleanup...)...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: patching DataScienceCluster %s: %w", name, a.DSCName, err)
	}
	m.Enable = patch
	return readiness.Prerequisite{
		Resources: []pulumi.Resource{patch},
		Gates:     []readiness.Gate{modelsAsServiceReadyGate(a.DSCName, a.ApplicationsNamespace)},
	}, nil
}
