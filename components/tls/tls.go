// Package tls is phase 1 of the install (alpha-hack-program/llm-d-guide@1f391b7
// docs/phases/01-tls-cert-automation.md and gitops/operators/cert-manager-*): the cert-manager
// Operator for Red Hat OpenShift, its CertManager cluster configuration, the
// Let's Encrypt ClusterIssuers (DNS-01 on Route53), the cluster Certificates
// ocp-ingress and ocp-api, and the switch of the router's default certificate
// and (opt-in) of the API server's named certificate.
//
// Order (README.md, Architecture): C1 the CSV and CRDs before CertManager and the
// issuers; C2 cert-manager usable (Deployments Available, webhook CA injected,
// controller rolled out with the override args) and the DNS-01 credentials
// before the ClusterIssuers; C3 the chosen issuer Ready before the
// Certificates; C4 each Certificate Ready before its switch; C18 the API
// switch after everything else. Destroy runs the reverse, so both switches are
// relinquished before the Certificates, their Secrets and the issuers go
// (--enable-certificate-owner-ref deletes a Certificate's Secret with it:
// https://cert-manager.io/docs/installation/reinstall/).
//
// The API certificate switch breaks existing kubeconfigs: client-go trusts
// only certificate-authority-data when it is set (kubernetes/client-go@v0.34.4
// transport/transport.go, rootCertPool), and
// once api.<base> serves the Let's Encrypt certificate a kubeconfig holding
// only the cluster CA fails with "x509: certificate signed by unknown
// authority". Before turning APIServerCertificate on, append ISRG Root X1 and
// ISRG Root X2 (https://letsencrypt.org/certificates/) to the
// certificate-authority-data of every kubeconfig in use, including the one
// this program and its Kubernetes provider use, or drop that field to trust
// the system roots. With the staging issuer the certificate chains to the
// untrusted staging roots instead, so keep the API switch off with staging.
package tls

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// TLS is cert-manager plus the cluster certificates.
type TLS struct {
	pulumi.ResourceState

	Operator          *olm.Operator
	OperandNamespace  *corev1.Namespace                  // cert-manager
	CertManager       *apiextensions.CustomResourcePatch // CertManager cluster
	CredentialsSecret *corev1.Secret                     // static credentials only
	// Issuers by cluster name (letsencrypt, letsencrypt-staging).
	Issuers            map[string]*apiextensions.CustomResource
	IngressCertificate *apiextensions.CustomResource      // openshift-ingress/ocp-ingress
	APICertificate     *apiextensions.CustomResource      // openshift-config/ocp-api
	IngressController  *apiextensions.CustomResourcePatch // nil with SkipIngressCertificate
	APIServer          *apiextensions.CustomResourcePatch // nil unless APIServerCertificate

	IssuerName        pulumi.StringOutput `pulumi:"issuerName"`
	IngressSecretName pulumi.StringOutput `pulumi:"ingressSecretName"`
	APISecretName     pulumi.StringOutput `pulumi:"apiSecretName"`
	InstalledCSV      pulumi.StringOutput `pulumi:"installedCSV"`

	certManagerReady readiness.Prerequisite
	apiServed        readiness.Prerequisite
	args             TLSArgs
	name             string
}

// NewTLS registers phase 1 under one component.
func NewTLS(ctx *pulumi.Context, name string, args *TLSArgs, opts ...pulumi.ResourceOption) (*TLS, error) {
	if args == nil {
		return nil, fmt.Errorf("tls %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("tls %q: %w", name, err)
	}
	t := &TLS{Issuers: map[string]*apiextensions.CustomResource{}, args: a, name: name}
	if err := ctx.RegisterComponentResource("rhoai:tls:TLS", name, t, opts...); err != nil {
		return nil, fmt.Errorf("tls %q: registering component: %w", name, err)
	}
	if err := t.installCertManager(ctx, name, a); err != nil {
		return nil, err
	}
	if err := t.issue(ctx, name, a); err != nil {
		return nil, err
	}
	if err := t.switchCertificates(ctx, name, a); err != nil {
		return nil, err
	}
	t.IssuerName = pulumi.String(a.Issuer).ToStringOutput()
	t.IngressSecretName = pulumi.String(IngressSecretName).ToStringOutput()
	t.APISecretName = pulumi.String(APISecretName).ToStringOutput()
	t.InstalledCSV = t.Operator.InstalledCSV
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{
		"issuerName":        t.IssuerName,
		"ingressSecretName": t.IngressSecretName,
		"apiSecretName":     t.APISecretName,
		"installedCSV":      t.InstalledCSV,
	}); err != nil {
		return nil, fmt.Errorf("tls %q: registering outputs: %w", name, err)
	}
	return t, nil
}

// CertManagerReady is what any cert-manager Issuer, ClusterIssuer or
// Certificate waits for (e.g. the llm-d gateway's self-signed issuer): the
// CertManager configuration applied, the CSV and cert-manager CRDs (C1), the
// operand Deployments Available with the webhook CA injected, and the
// controller rolled out with the override args.
func (t *TLS) CertManagerReady() readiness.Prerequisite { return t.certManagerReady }

// Prerequisite is what dependents of this layer wait for: cert-manager usable
// (CertManagerReady). Layers that use the ingress certificate's Secret wait
// for IngressCertificateReady as well.
func (t *TLS) Prerequisite() readiness.Prerequisite { return t.CertManagerReady() }

// IngressCertificateReady is the Certificate openshift-ingress/ocp-ingress
// and its certificateReady gate: Secret ingress-certs holds the signed
// certificate, e.g. for the MaaS gateway's listener (docs/decisions.md D3).
func (t *TLS) IngressCertificateReady() readiness.Prerequisite {
	return readiness.Prerequisite{
		Resources: []pulumi.Resource{t.IngressCertificate},
		Gates:     []readiness.Gate{certificateReadyGate(IngressNamespace, IngressCertificateName)},
	}
}

// apiCertificateReady is the Certificate openshift-config/ocp-api and its
// certificateReady gate.
func (t *TLS) apiCertificateReady() readiness.Prerequisite {
	return readiness.Prerequisite{
		Resources: []pulumi.Resource{t.APICertificate},
		Gates:     []readiness.Gate{certificateReadyGate(APINamespace, APICertificateName)},
	}
}

// APICertificateServed is the APIServer switch plus the gate that every
// control-plane node serves the named certificate (empty unless
// APIServerCertificate). Nothing in the stack needs it (C18: the switch comes
// last); a smoke test can bind it.
func (t *TLS) APICertificateServed() readiness.Prerequisite { return t.apiServed }
