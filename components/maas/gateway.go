package maas

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/gatewayapi"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Gateway is maas-default-gateway (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/maas/gateway/templates/): its Service override
// ConfigMap, the Gateway (waitFor Programmed) and the passthrough Route with
// host maas.<apps domain>. It is a component of its own because the serving
// layer's published models route to it (C15) before the rest of MaaS exists.
type Gateway struct {
	pulumi.ResourceState

	ConfigMap *corev1.ConfigMap
	Gateway   *apiextensions.CustomResource // Programmed
	Route     *apiextensions.CustomResource

	Host              string   // maas.<apps domain>
	URL               string   // https://maas.<apps domain>
	AllowedNamespaces []string // allowedRoutes, in order
	appsDomain        string
}

// Prerequisite is what routes to this gateway wait for: the Gateway Programmed.
func (g *Gateway) Prerequisite() readiness.Prerequisite { return readiness.After(g.Gateway) }

// NewGateway registers maas-default-gateway. The authorino-tls-bootstrap
// annotation is NOT set here: NewMaaS adds it as a separate patch once
// Authorino TLS is on (C13), so odh-model-controller sees it appear.
func NewGateway(ctx *pulumi.Context, name string, args *GatewayArgs, opts ...pulumi.ResourceOption) (*Gateway, error) {
	if args == nil {
		return nil, fmt.Errorf("maas %q: gateway args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("maas %q: %w", name, err)
	}
	host := "maas." + a.AppsDomain
	g := &Gateway{Host: host, URL: "https://" + host, AllowedNamespaces: a.allowedNamespaces(), appsDomain: a.AppsDomain}
	if err := ctx.RegisterComponentResource("rhoai:maas:Gateway", name, g, opts...); err != nil {
		return nil, fmt.Errorf("maas %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(g)

	cmOpts, err := a.Gates.Options(a.After)
	if err != nil {
		return nil, fmt.Errorf("maas %q: binding prerequisites of ConfigMap %s/%s: %w", name, IngressNamespace, GatewayConfigMapName, err)
	}
	cm, err := corev1.NewConfigMap(ctx, name+"-override-config", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(GatewayConfigMapName), Namespace: pulumi.String(IngressNamespace)},
		// The gateway Service is ClusterIP behind the Route; no serving-cert
		// annotation (docs/decisions.md D3: service-ca would overwrite ingress-certs).
		Data: pulumi.StringMap{"service": pulumi.String("spec:\n  type: ClusterIP\n")},
	}, append(cmOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("maas %q: creating ConfigMap %s/%s: %w", name, IngressNamespace, GatewayConfigMapName, err)
	}

	gwOpts, err := a.Gates.Options(a.After, a.GatewayClass, a.TLSSecret, readiness.After(cm))
	if err != nil {
		return nil, fmt.Errorf("maas %q: binding prerequisites of Gateway %s/%s: %w", name, IngressNamespace, GatewayName, err)
	}
	gw, err := apiextensions.NewCustomResource(ctx, name+"-gateway", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("gateway.networking.k8s.io/v1"),
		Kind:       pulumi.String("Gateway"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(GatewayName), Namespace: pulumi.String(IngressNamespace),
			Annotations: manifest.StringMap(manifest.Merge(map[string]string{
				"opendatahub.io/managed":           "false", // else odh-model-controller adds a competing AuthPolicy
				"networking.istio.io/service-type": "ClusterIP",
			}, renderBootstrap(a.Render), manifest.WaitFor(GatewayTimeout, "condition=Programmed"))),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(gatewayapi.GatewaySpec{
			GatewayClassName: GatewayClassName,
			Infrastructure:   &gatewayapi.GatewayInfrastructure{ParametersRef: gatewayapi.LocalRef{Group: "", Kind: "ConfigMap", Name: GatewayConfigMapName}},
			Listeners: []gatewayapi.Listener{{
				Name: "https", Hostname: host, Port: 443, Protocol: "HTTPS",
				TLS: gatewayapi.ListenerTLS{Mode: "Terminate", CertificateRefs: []gatewayapi.CertificateRef{{Group: gatewayapi.CoreGroup(), Kind: "Secret", Name: a.TLSSecretName}}},
				AllowedRoutes: gatewayapi.AllowedRoutes{Namespaces: gatewayapi.RouteNamespaces{From: "Selector", Selector: &gatewayapi.LabelSelector{
					MatchExpressions: []gatewayapi.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: "In", Values: g.AllowedNamespaces}},
				}}},
			}},
		})},
	}, append(gwOpts, parent, manifest.Timeouts(GatewayTimeout))...)
	if err != nil {
		return nil, fmt.Errorf("maas %q: creating Gateway %s/%s: %w", name, IngressNamespace, GatewayName, err)
	}

	routeOpts, err := a.Gates.Options(a.After, readiness.After(gw))
	if err != nil {
		return nil, fmt.Errorf("maas %q: binding prerequisites of Route %s/%s: %w", name, IngressNamespace, RouteName, err)
	}
	route, err := apiextensions.NewCustomResource(ctx, name+"-route", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("route.openshift.io/v1"),
		Kind:       pulumi.String("Route"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(RouteName), Namespace: pulumi.String(IngressNamespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(gatewayapi.RouteSpec{
			Host:           host, // exactly maas.<apps domain>: the maas-ui sidecar calls it
			To:             gatewayapi.RouteTarget{Kind: "Service", Name: GatewayName + "-" + GatewayClassName, Weight: 100},
			Port:           gatewayapi.RoutePort{TargetPort: "https"},
			TLS:            gatewayapi.RouteTLS{Termination: "passthrough", InsecureEdgeTerminationPolicy: "Redirect"},
			WildcardPolicy: "None",
		})},
	}, append(routeOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("maas %q: creating Route %s/%s: %w", name, IngressNamespace, RouteName, err)
	}
	g.ConfigMap, g.Gateway, g.Route = cm, gw, route
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{"url": pulumi.String(g.URL)}); err != nil {
		return nil, fmt.Errorf("maas %q: registering outputs: %w", name, err)
	}
	return g, nil
}

// renderBootstrap: in render mode the bootstrap annotation is part of the
// Gateway's one rendered file (a separate patch would overwrite it).
func renderBootstrap(render bool) map[string]string {
	if !render {
		return nil
	}
	return map[string]string{BootstrapAnnotation: "true"}
}
