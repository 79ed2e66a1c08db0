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

// dscSpec is alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/rhoai/templates/dsc.yaml with the configured states, without
// kserve.modelsAsService (owned by the MaaS layer's Patch, C12).
func dscSpec(a OpenShiftAIArgs) DataScienceClusterSpec {
	c := a.Components
	state := func(s ManagementState) ComponentState { return ComponentState{ManagementState: s} }
	var maas *ComponentState
	if a.RenderMaaS {
		maas = &ComponentState{ManagementState: Managed}
	}
	return DataScienceClusterSpec{Components: DSCComponents{
		Dashboard: state(c.Dashboard),
		Kserve: KserveComponent{
			ManagementState: c.Kserve, RawDeploymentServiceConfig: a.RawDeploymentServiceConfig, NIM: state(c.KserveNIM),
			ModelsAsService: maas,
		},
		LlamaStackOperator: state(c.LlamaStackOperator),
		AIPipelines:        AIPipelinesComponent{ManagementState: c.AIPipelines, ArgoWorkflowsControllers: state(c.ArgoWorkflowsControllers)},
		Workbenches:        WorkbenchesComponent{ManagementState: c.Workbenches, WorkbenchNamespace: a.WorkbenchNamespace},
		ModelRegistry:      ModelRegistryComponent{ManagementState: c.ModelRegistry, RegistriesNamespace: a.RegistriesNamespace},
		MLflowOperator:     state(c.MLflowOperator),
		TrainingOperator:   state(c.TrainingOperator),
		Kueue:              state(c.Kueue),
		Ray:                state(c.Ray),
		TrustyAI:           state(c.TrustyAI),
		FeastOperator:      state(c.FeastOperator),
		Trainer:            state(c.Trainer),
		SparkOperator:      state(c.SparkOperator),
	}}
}

// newDataScienceCluster creates default-dsc. It has no waitFor: its Ready
// covers every Managed component, so a dependent waits only for what it
// needs through a gate (dscReady: KServe and odh-model-controller).
func newDataScienceCluster(ctx *pulumi.Context, name string, a OpenShiftAIArgs, after readiness.Prerequisite, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	gateOpts, err := a.Gates.Options(after)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: binding DataScienceCluster prerequisites: %w", name, err)
	}
	spec, err := manifest.Untyped(dscSpec(a))
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: DataScienceCluster %s spec: %w", name, DSCName, err)
	}
	dsc, err := apiextensions.NewCustomResource(ctx, name+"-dsc", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("datasciencecluster.opendatahub.io/v2"),
		Kind:       pulumi.String("DataScienceCluster"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(DSCName),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(gateOpts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("rhoai %q: creating DataScienceCluster %s: %w", name, DSCName, err)
	}
	return dsc, nil
}
