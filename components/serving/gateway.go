package serving

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

// newGateway registers the TLS source (a self-signed Issuer + Certificate, or
// nothing for an existing secret), the Gateway (waitFor Programmed) and the
// passthrough Route (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/llm-d/gateway/templates/gateway.yaml).
func (s *Serving) newGateway(ctx *pulumi.Context, name string, a ServingArgs) error {
	parent := pulumi.Parent(s)
	host := gatewayHost(a.AppsDomain)
	secretName := a.TLS.SecretName
	tlsReady := a.TLSSecret
	if a.TLS.SelfSigned {
		secretName = SelfSignedSecretName
		issuerOpts, err := a.Gates.Options(a.After, a.CertManager)
		if err != nil {
			return fmt.Errorf("serving %q: binding prerequisites of Issuer %s/%s: %w", name, IngressNamespace, IssuerName, err)
		}
		issuer, err := apiextensions.NewCustomResource(ctx, name+"-issuer", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("cert-manager.io/v1"),
			Kind:       pulumi.String("Issuer"),
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(IssuerName), Namespace: pulumi.String(IngressNamespace),
				Annotations: manifest.StringMap(manifest.WaitFor(CertificateTimeout, "condition=Ready")),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(IssuerSpec{})},
		}, append(issuerOpts, parent, manifest.Timeouts(CertificateTimeout))...)
		if err != nil {
			return fmt.Errorf("serving %q: creating Issuer %s/%s: %w", name, IngressNamespace, IssuerName, err)
		}
		svc := GatewayName + gatewayServiceSuffix
		cert, err := apiextensions.NewCustomResource(ctx, name+"-certificate", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("cert-manager.io/v1"),
			Kind:       pulumi.String("Certificate"),
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(CertificateName), Namespace: pulumi.String(IngressNamespace),
				Annotations: manifest.StringMap(manifest.WaitFor(CertificateTimeout, "condition=Ready")),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(CertificateSpec{
				DNSNames: []string{
					svc + "." + IngressNamespace + ".svc",
					svc + "." + IngressNamespace + ".svc.cluster.local",
					host,
				},
				IssuerRef:  IssuerRef{Name: IssuerName, Kind: "Issuer", Group: "cert-manager.io"},
				SecretName: SelfSignedSecretName,
			})},
		}, append(issuerOpts, parent, manifest.Timeouts(CertificateTimeout), pulumi.DependsOn([]pulumi.Resource{issuer}))...)
		if err != nil {
			return fmt.Errorf("serving %q: creating Certificate %s/%s: %w", name, IngressNamespace, CertificateName, err)
		}
		s.Issuer, s.Certificate = issuer, cert
		tlsReady = readiness.After(cert)
	}

	// The Route exposes the gateway, so its Service is ClusterIP: the
	// OpenShift gateway controller (istio) otherwise makes a LoadBalancer,
	// which never gets an address on bare metal (Programmed=False,
	// AddressNotAssigned: istio pilot/pkg/config/kube/gateway/conditions.go)
	// and is an unused cloud load balancer on AWS. As llm-d-guide's gateway
	// chart does with its Route (alpha-hack-program/llm-d-guide@1f391b7
	// gitops/instance/llm-d/gateway), minus the
	// serving-cert annotation: service-ca would overwrite the listener's
	// ingress-certs secret.
	cmOpts, err := a.Gates.Options(a.After)
	if err != nil {
		return fmt.Errorf("serving %q: binding prerequisites of ConfigMap %s/%s: %w", name, IngressNamespace, GatewayConfigMapName, err)
	}
	cm, err := corev1.NewConfigMap(ctx, name+"-gateway-config", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(GatewayConfigMapName), Namespace: pulumi.String(IngressNamespace)},
		Data:     pulumi.StringMap{"service": pulumi.String("spec:\n  type: ClusterIP\n")},
	}, append(cmOpts, parent)...)
	if err != nil {
		return fmt.Errorf("serving %q: creating ConfigMap %s/%s: %w", name, IngressNamespace, GatewayConfigMapName, err)
	}
	gwOpts, err := a.Gates.Options(a.After, a.GatewayClass, tlsReady, readiness.After(cm))
	if err != nil {
		return fmt.Errorf("serving %q: binding prerequisites of Gateway %s/%s: %w", name, IngressNamespace, GatewayName, err)
	}
	gw, err := apiextensions.NewCustomResource(ctx, name+"-gateway", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("gateway.networking.k8s.io/v1"),
		Kind:       pulumi.String("Gateway"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(GatewayName), Namespace: pulumi.String(IngressNamespace),
			Annotations: manifest.StringMap(manifest.Merge(map[string]string{"networking.istio.io/service-type": "ClusterIP"},
				manifest.WaitFor(GatewayTimeout, "condition=Programmed"))),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(gatewayapi.GatewaySpec{
			GatewayClassName: GatewayClassName,
			Infrastructure:   &gatewayapi.GatewayInfrastructure{ParametersRef: gatewayapi.LocalRef{Group: "", Kind: "ConfigMap", Name: GatewayConfigMapName}},
			Listeners: []gatewayapi.Listener{{
				Name: gatewayListenerName, Hostname: host, Port: gatewayListenerPort, Protocol: "HTTPS",
				TLS:           gatewayapi.ListenerTLS{Mode: "Terminate", CertificateRefs: []gatewayapi.CertificateRef{{Kind: "Secret", Name: secretName}}},
				AllowedRoutes: gatewayapi.AllowedRoutes{Namespaces: gatewayapi.RouteNamespaces{From: "All"}},
			}},
		})},
	}, append(gwOpts, parent, manifest.Timeouts(GatewayTimeout))...)
	if err != nil {
		return fmt.Errorf("serving %q: creating Gateway %s/%s: %w", name, IngressNamespace, GatewayName, err)
	}

	routeOpts, err := a.Gates.Options(a.After, readiness.After(gw))
	if err != nil {
		return fmt.Errorf("serving %q: binding prerequisites of Route %s/%s: %w", name, IngressNamespace, RouteName, err)
	}
	route, err := apiextensions.NewCustomResource(ctx, name+"-route", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("route.openshift.io/v1"),
		Kind:       pulumi.String("Route"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(RouteName), Namespace: pulumi.String(IngressNamespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(gatewayapi.RouteSpec{
			Host:           host,
			To:             gatewayapi.RouteTarget{Kind: "Service", Name: GatewayName + gatewayServiceSuffix, Weight: 100},
			Port:           gatewayapi.RoutePort{TargetPort: gatewayListenerName},
			TLS:            gatewayapi.RouteTLS{Termination: "passthrough", InsecureEdgeTerminationPolicy: "Redirect"},
			WildcardPolicy: "None",
		})},
	}, append(routeOpts, parent)...)
	if err != nil {
		return fmt.Errorf("serving %q: creating Route %s/%s: %w", name, IngressNamespace, RouteName, err)
	}
	s.GatewayConfig, s.Gateway, s.Route = cm, gw, route
	return nil
}
