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

// newDashboardFlags sets the MaaS dashboard flags (step 7 of
// alpha-hack-program/llm-d-guide@1f391b7 docs/phases/06-maas.md) with a
// Patch under its own field manager owning only these flags; the rhoai layer
// owns the rest of OdhDashboardConfig and must not set these three.
func (m *MaaS) newDashboardFlags(ctx *pulumi.Context, name string, a MaaSArgs, enabled readiness.Prerequisite) error {
	key := a.ApplicationsNamespace + "/" + DashboardConfigName
	// C17: MaaS enabled (and Ready) first; the config object exists (rhoai layer).
	opts, err := a.Gates.Options(a.After, enabled, a.DashboardConfig)
	if err != nil {
		return fmt.Errorf("maas %q: binding prerequisites of the OdhDashboardConfig %s patch: %w", name, key, err)
	}
	flags := DashboardFlags{ModelAsService: true, MaaSAuthPolicies: true, VLLMDeploymentOnMaaS: true}
	if *a.GenAIStudio {
		flags.GenAIStudio = a.GenAIStudio
	}
	patch, err := apiextensions.NewCustomResourcePatch(ctx, name+"-dashboard-flags", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("opendatahub.io/v1alpha"),
		Kind:       pulumi.String("OdhDashboardConfig"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(DashboardConfigName), Namespace: pulumi.String(a.ApplicationsNamespace),
			Annotations: patchAnnotations(DashboardFieldManager, nil),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(DashboardFlagsPatch{DashboardConfig: flags})},
	}, append(opts, pulumi.Parent(m))...)
	if err != nil {
		return fmt.Errorf("maas %q: patching OdhDashboardConfig %s: %w", name, key, err)
	}
	m.DashboardFlags = patch
	return nil
}
