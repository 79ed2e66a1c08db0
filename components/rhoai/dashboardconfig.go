package rhoai

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// dashboardConfigSpec is alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/rhoai/templates/odh-dashboard-config.yaml minus the MaaS flags (the MaaS
// layer's patch, C17) and never mlflow (rejected on the existing object).
func dashboardConfigSpec(a OpenShiftAIArgs) OdhDashboardConfigSpec {
	flags := DashboardFlags{DisableKueue: true, GenAIStudio: true, ObservabilityDashboard: true}
	if a.RenderMaaS {
		flags.ModelAsService, flags.MaaSAuthPolicies, flags.VLLMDeploymentOnMaaS = true, true, true
	}
	return OdhDashboardConfigSpec{
		DashboardConfig: flags,
		GroupsConfig:    GroupsConfig{AdminGroups: a.AdminGroups, AllowedGroups: a.AllowedGroups},
	}
}

// newDashboardConfigPatch patches odh-dashboard-config once the dashboard has
// created it (dashboardConfigExists). The guide restarts rhods-dashboard
// after changing flags (docs/phases/06-maas.md, step 7); this layer does not (the Deployment is
// operator-owned), and whether the running dashboard picks the flags up
// without a restart is UNCONFIRMED.
func newDashboardConfigPatch(ctx *pulumi.Context, name string, a OpenShiftAIArgs, after readiness.Prerequisite, opts ...pulumi.ResourceOption) (*apiextensions.CustomResourcePatch, error) {
	gateOpts, err := a.Gates.Options(after)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: binding OdhDashboardConfig prerequisites: %w", name, err)
	}
	spec, err := manifest.Untyped(dashboardConfigSpec(a))
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: OdhDashboardConfig %s spec: %w", name, DashboardConfigName, err)
	}
	p, err := apiextensions.NewCustomResourcePatch(ctx, name+"-dashboard-config", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("opendatahub.io/v1alpha"),
		Kind:       pulumi.String("OdhDashboardConfig"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(DashboardConfigName),
			Namespace:   pulumi.String(ApplicationsNamespace),
			Annotations: manifest.StringMap(map[string]string{manifest.PatchForceAnnotation: "true"}),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(gateOpts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: creating OdhDashboardConfig patch %s/%s: %w", name, ApplicationsNamespace, DashboardConfigName, err)
	}
	return p, nil
}
