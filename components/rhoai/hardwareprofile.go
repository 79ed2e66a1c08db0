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

// HardwareProfileLabels make the dashboard list a profile
// (alpha-hack-program/llm-d-guide@1f391b7 gitops/instance/rhoai/templates/hardware-profiles.yaml).
var HardwareProfileLabels = map[string]string{
	"app.kubernetes.io/part-of":          "hardwareprofile",
	"app.opendatahub.io/hardwareprofile": "true",
}

func hardwareProfileAnnotations(hp HardwareProfile) map[string]string {
	display := hp.DisplayName
	if display == "" {
		display = hp.Name
	}
	return map[string]string{
		"opendatahub.io/display-name":                 display,
		"opendatahub.io/disabled":                     "false",
		"opendatahub.io/dashboard-feature-visibility": "[]",
	}
}

// newHardwareProfile creates one profile after the CSV, the HardwareProfile
// CRD and the applications namespace; its edge to the Subscription makes
// destroy remove it while the operator's webhook still serves.
func newHardwareProfile(ctx *pulumi.Context, name string, hp HardwareProfile, after readiness.Prerequisite, gates *readiness.Binder, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	gateOpts, err := gates.Options(after)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: binding HardwareProfile %s prerequisites: %w", name, hp.Name, err)
	}
	spec, err := manifest.Untyped(hp.Spec)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: HardwareProfile %s spec: %w", name, hp.Name, err)
	}
	cr, err := apiextensions.NewCustomResource(ctx, name+"-hardwareprofile-"+hp.Name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("infrastructure.opendatahub.io/v1"),
		Kind:       pulumi.String("HardwareProfile"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(hp.Name),
			Namespace:   pulumi.String(ApplicationsNamespace),
			Labels:      manifest.StringMap(HardwareProfileLabels),
			Annotations: manifest.StringMap(hardwareProfileAnnotations(hp)),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(gateOpts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: creating HardwareProfile %s/%s: %w", name, ApplicationsNamespace, hp.Name, err)
	}
	return cr, nil
}
