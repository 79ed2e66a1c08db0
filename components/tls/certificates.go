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

// issuer is one Let's Encrypt endpoint.
type issuer struct{ name, server, keySecret string }

var issuers = []issuer{
	{StagingIssuer, StagingServer, StagingKeySecret},
	{ProductionIssuer, ProductionServer, ProductionKeySecret},
}

// route53 is the DNS-01 solver for the credentials mode: secret refs for the
// secret and static modes, none (ambient credentials) for sts.
func (a TLSArgs) route53(role string) *Route53Solver {
	s := &Route53Solver{Region: a.Region, HostedZoneID: a.HostedZoneID, Role: role}
	if a.ServiceAccountRef != "" {
		s.Auth = &Route53Auth{Kubernetes: Route53KubernetesAuth{ServiceAccountRef: ServiceAccountRef{Name: a.ServiceAccountRef, Audiences: a.TokenAudiences}}}
	}
	if a.CredentialsMode != CredentialsSTS {
		s.AccessKeyIDSecretRef = &SecretKeySelector{Name: a.CredentialsSecret, Key: a.AccessKeyIDKey}
		s.SecretAccessKeySecretRef = &SecretKeySelector{Name: a.CredentialsSecret, Key: a.SecretAccessKeyKey}
	}
	return s
}

// issue registers both ClusterIssuers, then the two Certificates from the chosen one.
func (t *TLS) issue(ctx *pulumi.Context, name string, a TLSArgs) error {
	parent := pulumi.Parent(t)
	// C2: cert-manager usable and the DNS-01 credentials in place before the issuers.
	creds := a.Credentials
	if t.CredentialsSecret != nil {
		creds = readiness.Join(creds, readiness.After(t.CredentialsSecret))
	}
	issuerOpts, err := a.Gates.Options(a.After, t.certManagerReady, creds)
	if err != nil {
		return fmt.Errorf("tls %q: binding prerequisites of the ClusterIssuers: %w", name, err)
	}
	for _, is := range issuers {
		issuerSpec := func(role string) (kubernetes.UntypedArgs, error) {
			return manifest.Untyped(ClusterIssuerSpec{ACME: ACMEIssuer{
				Server:              is.server,
				Email:               a.Email,
				PrivateKeySecretRef: LocalObjectReference{Name: is.keySecret},
				Solvers:             []ACMESolver{{DNS01: &ACMEDNS01{Route53: a.route53(role)}}},
			}})
		}
		var spec any
		if a.Role == nil {
			if spec, err = issuerSpec(""); err != nil {
				return fmt.Errorf("tls %q: ClusterIssuer %s spec: %w", name, is.name, err)
			}
		} else {
			// The role ARN may be an Output of the AWS layer: build the spec
			// inside ApplyT; the resource itself is registered outside it.
			spec = a.Role.ToStringOutput().ApplyT(func(role string) (map[string]any, error) {
				return issuerSpec(role)
			})
		}
		cr, err := apiextensions.NewCustomResource(ctx, name+"-issuer-"+is.name, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("cert-manager.io/v1"),
			Kind:       pulumi.String("ClusterIssuer"),
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(is.name),
				Annotations: manifest.StringMap(manifest.WaitFor(IssuerTimeout, "condition=Ready")),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, append(issuerOpts, parent, manifest.Timeouts(IssuerTimeout))...)
		if err != nil {
			return fmt.Errorf("tls %q: creating ClusterIssuer %s: %w", name, is.name, err)
		}
		t.Issuers[is.name] = cr
	}

	// C3: the chosen issuer Ready (its waitFor) before the Certificates.
	certOpts, err := a.Gates.Options(readiness.After(t.Issuers[a.Issuer]))
	if err != nil {
		return fmt.Errorf("tls %q: binding prerequisites of the Certificates: %w", name, err)
	}
	ref := IssuerRef{Name: a.Issuer, Kind: "ClusterIssuer", Group: "cert-manager.io"}
	certs := []struct {
		target     **apiextensions.CustomResource
		logical    string
		name, ns   string
		commonName string
		dnsNames   []string
		secretName string
	}{
		{&t.IngressCertificate, "ingress", IngressCertificateName, IngressNamespace, a.appsDomain(), []string{a.appsDomain(), "*." + a.appsDomain()}, IngressSecretName},
		{&t.APICertificate, "api", APICertificateName, APINamespace, a.apiHost(), []string{a.apiHost()}, APISecretName},
	}
	for _, c := range certs {
		spec, err := manifest.Untyped(CertificateSpec{
			IsCA: false, CommonName: c.commonName, DNSNames: c.dnsNames, IssuerRef: ref, SecretName: c.secretName,
		})
		if err != nil {
			return fmt.Errorf("tls %q: Certificate %s/%s spec: %w", name, c.ns, c.name, err)
		}
		cr, err := apiextensions.NewCustomResource(ctx, name+"-certificate-"+c.logical, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("cert-manager.io/v1"),
			Kind:       pulumi.String("Certificate"),
			// No waitFor: readiness is the certificateReady gate of the
			// dependents, which also fails at once on a failed order.
			Metadata: &metav1.ObjectMetaArgs{
				Name:      pulumi.String(c.name),
				Namespace: pulumi.String(c.ns),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, append(certOpts, parent)...)
		if err != nil {
			return fmt.Errorf("tls %q: creating Certificate %s/%s: %w", name, c.ns, c.name, err)
		}
		*c.target = cr
	}
	return nil
}
