package connectivity

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// GatewayClasses (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/llm-d/gateway/templates/gateway.yaml and
// gitops/instance/maas/gateway/templates/gatewayclass.yaml), created in phase 3 so the Gateway
// API provider exists before RHCL (C7).
const (
	// InferenceGatewayClass backs Gateway openshift-ingress/openshift-ai-inference,
	// the RHOAI default llm-d gateway.
	InferenceGatewayClass = "openshift-ai-inference-class"
	// DefaultGatewayClass backs the MaaS gateway maas-default-gateway.
	DefaultGatewayClass = "openshift-default"
	// GatewayControllerName is the OpenShift Ingress Operator's Gateway API
	// controller: the first class naming it makes the operator install OSSM 3.
	GatewayControllerName = "openshift.io/gateway-controller/v1"
)

// GatewayClassTimeout covers the OSSM 3 install the first class triggers.
const GatewayClassTimeout = 10 * time.Minute

// GatewayClasses are the two classes the serving and MaaS gateways use.
type GatewayClasses struct {
	pulumi.ResourceState

	Inference *apiextensions.CustomResource // openshift-ai-inference-class, waits for Accepted
	Default   *apiextensions.CustomResource // openshift-default, waits for Accepted

	// Class names read from the objects: a Gateway that takes one as its
	// gatewayClassName also depends on the class.
	InferenceName pulumi.StringOutput `pulumi:"inferenceGatewayClassName"`
	DefaultName   pulumi.StringOutput `pulumi:"defaultGatewayClassName"`
}

// Prerequisite is what RHCL and the gateways wait for (C7): both classes Accepted.
func (g *GatewayClasses) Prerequisite() readiness.Prerequisite {
	return readiness.After(g.Inference, g.Default)
}

// NewGatewayClasses registers both GatewayClasses.
func NewGatewayClasses(ctx *pulumi.Context, name string, args *GatewayClassesArgs, opts ...pulumi.ResourceOption) (*GatewayClasses, error) {
	if args == nil {
		return nil, fmt.Errorf("connectivity %q: args are nil", name)
	}
	g := &GatewayClasses{}
	if err := ctx.RegisterComponentResource("rhoai:connectivity:GatewayClasses", name, g, opts...); err != nil {
		return nil, fmt.Errorf("connectivity %q: registering component: %w", name, err)
	}
	childOpts, err := args.Gates.Options(args.After)
	if err != nil {
		return nil, fmt.Errorf("connectivity %q: binding GatewayClass prerequisites: %w", name, err)
	}
	childOpts = append(childOpts, pulumi.Parent(g), manifest.Timeouts(GatewayClassTimeout))
	newClass := func(suffix, className string) (*apiextensions.CustomResource, error) {
		gc, err := apiextensions.NewCustomResource(ctx, name+"-"+suffix, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("gateway.networking.k8s.io/v1"),
			Kind:       pulumi.String("GatewayClass"),
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(className),
				Annotations: manifest.StringMap(manifest.WaitFor(GatewayClassTimeout, "condition=Accepted")),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(GatewayClassSpec{ControllerName: GatewayControllerName})},
		}, childOpts...)
		if err != nil {
			return nil, fmt.Errorf("connectivity %q: creating GatewayClass %s: %w", name, className, err)
		}
		return gc, nil
	}
	if g.Inference, err = newClass("inference", InferenceGatewayClass); err != nil {
		return nil, err
	}
	if g.Default, err = newClass("default", DefaultGatewayClass); err != nil {
		return nil, err
	}
	g.InferenceName = g.Inference.Metadata.Name().Elem()
	g.DefaultName = g.Default.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{
		"inferenceGatewayClassName": g.InferenceName,
		"defaultGatewayClassName":   g.DefaultName,
	}); err != nil {
		return nil, fmt.Errorf("connectivity %q: registering outputs: %w", name, err)
	}
	return g, nil
}
