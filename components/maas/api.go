package maas

import (
	"context"
	"fmt"

	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/internal/kube"
)

// CRDs that tell which models-as-a-service API the cluster serves. The
// Tenant arrived in models-as-a-service v0.1.1
// (deployment/base/maas-controller/crd/bases/maas.opendatahub.io_tenants.yaml);
// v0.1.0 has MaaSModelRef, MaaSSubscription and MaaSAuthPolicy without it,
// and opendatahub-operator@v3.4.0 get_all_manifests.sh pins v0.1.0
// (855933f3). This program configures the gateway and API keys through the
// Tenant and tears MaaS down through it, so it needs v0.1.1 or later.
const (
	TenantCRD   = "tenants.maas.opendatahub.io"
	ModelRefCRD = "maasmodelrefs.maas.opendatahub.io"
)

// TenantAPIMissing reports, when the cluster serves the MaaS API without
// the Tenant (MaaSModelRef's CRD is there, the Tenant's is not), what is
// wrong in words that name the versions; "" when the Tenant API is served
// or MaaS is not deployed yet (nothing to tell).
func TenantAPIMissing(ctx context.Context, c dynamic.Interface) (string, error) {
	modelRef, err := kube.Get(ctx, c, kube.CRDs, "", ModelRefCRD)
	if err != nil || modelRef == nil {
		return "", err
	}
	tenant, err := kube.Get(ctx, c, kube.CRDs, "", TenantCRD)
	if err != nil || tenant != nil {
		return "", err
	}
	return fmt.Sprintf("the cluster serves models-as-a-service without the Tenant API: CRD %s exists, %s does not. "+
		"That is models-as-a-service v0.1.0 (what opendatahub-operator v3.4.0 pins); the Tenant, through which this "+
		"program sets the MaaS gateway and API key expiry and removes MaaS, arrived in v0.1.1. Install an RHOAI 3.4 build "+
		"whose MaaS has the Tenant (oc get crd %s), or set rhoai:maas.enabled false", ModelRefCRD, TenantCRD, TenantCRD), nil
}
