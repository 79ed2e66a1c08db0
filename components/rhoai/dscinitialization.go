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

// dsciSpec is alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/rhoai/templates/dsci.yaml as v2, without serviceMesh
// (docs/decisions.md D1), monitoring from args.
func dsciSpec(a OpenShiftAIArgs) DSCInitializationSpec {
	m := a.Monitoring
	mon := DSCIMonitoring{ManagementState: m.ManagementState, Namespace: m.Namespace}
	if m.ManagementState == Managed {
		if !m.DisableAlerting {
			mon.Alerting = &Alerting{}
		}
		mon.Metrics = &Metrics{Replicas: m.MetricsReplicas, Storage: &MetricsStorage{Retention: m.MetricsRetention, Size: m.MetricsStorageSize}}
		mon.Traces = &Traces{SampleRatio: m.TracesSampleRatio, Storage: TracesStorage{Backend: m.TracesBackend, Retention: m.TracesRetention}}
	}
	return DSCInitializationSpec{
		ApplicationsNamespace: ApplicationsNamespace,
		Monitoring:            mon,
		TrustedCABundle:       &TrustedCABundle{ManagementState: Managed},
	}
}

// newDSCInitPatch applies this layer's fields to the operator-created
// default-dsci, only after the dsciExists gate and (C10) the tracing operators.
func newDSCInitPatch(ctx *pulumi.Context, name string, a OpenShiftAIArgs, after readiness.Prerequisite, opts ...pulumi.ResourceOption) (*apiextensions.CustomResourcePatch, error) {
	gateOpts, err := a.Gates.Options(after)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: binding DSCInitialization prerequisites: %w", name, err)
	}
	spec, err := manifest.Untyped(dsciSpec(a))
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: DSCInitialization %s spec: %w", name, DSCIName, err)
	}
	p, err := apiextensions.NewCustomResourcePatch(ctx, name+"-dsci", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("dscinitialization.opendatahub.io/v2"),
		Kind:       pulumi.String("DSCInitialization"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(DSCIName),
			Annotations: manifest.StringMap(map[string]string{manifest.PatchForceAnnotation: "true"}),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(gateOpts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: creating DSCInitialization patch %s: %w", name, DSCIName, err)
	}
	return p, nil
}
