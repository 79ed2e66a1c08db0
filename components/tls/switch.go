package tls

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// switchCertificates patches the platform singletons to serve the new
// certificates. Each Patch DependsOn its Certificate, so destroy relinquishes
// the field (the router and the API server fall back to their own
// certificates) before the Certificate and its Secret are deleted: never
// point the router or the API server at a missing secret.
func (t *TLS) switchCertificates(ctx *pulumi.Context, name string, a TLSArgs) error {
	parent := pulumi.Parent(t)
	if !a.SkipIngressCertificate {
		// C4: never point the router at a missing secret.
		opts, err := a.Gates.Options(a.After, t.IngressCertificateReady(), readiness.Prerequisite{Gates: []readiness.Gate{
			platformObjectGate(IngressControllerExistsGate, "IngressController", IngressControllerNamespace, IngressControllerName, IngressControllers),
		}})
		if err != nil {
			return fmt.Errorf("tls %q: binding prerequisites of IngressController %s/%s: %w", name, IngressControllerNamespace, IngressControllerName, err)
		}
		spec, err := manifest.Untyped(IngressControllerSpec{DefaultCertificate: LocalObjectReference{Name: IngressSecretName}})
		if err != nil {
			return fmt.Errorf("tls %q: IngressController spec: %w", name, err)
		}
		t.IngressController, err = apiextensions.NewCustomResourcePatch(ctx, name+"-ingresscontroller-default", &apiextensions.CustomResourcePatchArgs{
			ApiVersion: pulumi.String("operator.openshift.io/v1"),
			Kind:       pulumi.String("IngressController"),
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(IngressControllerName), Namespace: pulumi.String(IngressControllerNamespace), Annotations: patchForce(),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, append(opts, parent)...)
		if err != nil {
			return fmt.Errorf("tls %q: patching IngressController %s/%s: %w", name, IngressControllerNamespace, IngressControllerName, err)
		}
	}
	return nil
}

// SwitchAPIServerCertificate patches APIServer cluster to serve ocp-api, when
// args.APIServerCertificate is on (a no-op otherwise). stacks/ calls it after
// registering every other layer and passes them all as after (C18): the
// switch breaks every kubeconfig whose CA data lacks ISRG Root X1/X2
// (see the package doc), so nothing may follow it.
func (t *TLS) SwitchAPIServerCertificate(ctx *pulumi.Context, after readiness.Prerequisite) error {
	a, name := t.args, t.name
	if !a.APIServerCertificate {
		return nil
	}
	if len(after.Resources) == 0 && len(after.Gates) == 0 {
		return fmt.Errorf("tls %q: the API certificate switch needs what goes before it (C18: everything else)", name)
	}
	parent := pulumi.Parent(t)
	// C4: the API certificate Ready; C18: after everything else.
	opts, err := a.Gates.Options(a.After, after, t.apiCertificateReady(), readiness.Prerequisite{Gates: []readiness.Gate{
		platformObjectGate(APIServerExistsGate, "APIServer", "", APIServerName, APIServers),
	}})
	if err != nil {
		return fmt.Errorf("tls %q: binding prerequisites of APIServer %s: %w", name, APIServerName, err)
	}
	// namedCertificates is an atomic list: this Patch owns all of it, so any
	// named certificate set by hand is replaced (and restored to none on destroy).
	spec, err := manifest.Untyped(APIServerSpec{ServingCerts: APIServerServingCerts{NamedCertificates: []APIServerNamedServingCert{{
		Names: []string{a.apiHost()}, ServingCertificate: LocalObjectReference{Name: APISecretName},
	}}}})
	if err != nil {
		return fmt.Errorf("tls %q: APIServer spec: %w", name, err)
	}
	t.APIServer, err = apiextensions.NewCustomResourcePatch(ctx, name+"-apiserver-cluster", &apiextensions.CustomResourcePatchArgs{
		ApiVersion:  pulumi.String("config.openshift.io/v1"),
		Kind:        pulumi.String("APIServer"),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(APIServerName), Annotations: patchForce()},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(opts, parent)...)
	if err != nil {
		return fmt.Errorf("tls %q: patching APIServer %s: %w", name, APIServerName, err)
	}
	t.apiServed = readiness.Prerequisite{
		Resources: []pulumi.Resource{t.APIServer},
		Gates:     []readiness.Gate{apiCertificateServedGate(a.apiHost())},
	}
	return nil
}
