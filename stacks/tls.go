package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/rhoai-pulumi/installer/components/awsiam"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/tls"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// tls: cert-manager with Route53 DNS-01 credentials, the Let's Encrypt
// issuers and the cluster certificates (rationale phase 1).
func (w *wiring) tls(ctx *pulumi.Context, l *Layers) error {
	cfg := w.cfg
	if !cfg.TLSEnabled() {
		return nil
	}
	// The operand namespace comes first: the AWS layer writes aws-creds into it.
	operandNS, err := tls.NewOperandNamespace(ctx, "tls", w.k8s())
	if err != nil {
		return err
	}
	args := &tls.TLSArgs{
		BaseDomain: w.facts.BaseDomain, Region: w.route53Region(), HostedZoneID: cfg.TLS.Route53.HostedZoneID,
		Email: cfg.TLS.ACMEEmail, Issuer: cfg.TLS.Issuer, Catalog: cfg.Catalog("certManager"),
		RecursiveNameservers:   cfg.TLS.RecursiveNameservers,
		SkipIngressCertificate: !cfg.IngressCertificateEnabled(),
		APIServerCertificate:   cfg.TLS.APICertificate,
		OperandNamespace:       operandNS,
		Gates:                  w.gates,
	}
	switch mode := cfg.TLS.Route53.Mode; mode {
	case "cco", "iam", "sts": // tls.cloud aws
		aws, err := w.awsProvider(ctx)
		if err != nil {
			return err
		}
		// C2: the solver credentials exist before the ClusterIssuers.
		access, err := awsiam.NewRoute53Access(ctx, "awsiam", &awsiam.Route53AccessArgs{
			Mode: awsiam.Mode(mode), HostedZoneID: cfg.TLS.Route53.HostedZoneID, Domain: w.route53Domain(),
			NamePrefix: w.facts.InfrastructureID, OIDCIssuerURL: cfg.TLS.Route53.OIDCIssuer, OIDCProviderARN: cfg.TLS.Route53.OIDCProviderARN,
			Gates: w.gates, After: readiness.After(operandNS),
		}, w.k8s(), pulumi.Providers(aws))
		if err != nil {
			return err
		}
		l.Route53 = access
		args.CloudCredentialsSecret = tls.DefaultCredentialsSecret
		args.CredentialsMode, args.Credentials = tls.CredentialsSecret, access.Prerequisite()
		if mode == "sts" {
			args.CredentialsMode, args.Role, args.ServiceAccountRef = tls.CredentialsSTS, access.RoleARN, "cert-manager"
		}
	case "static": // tls.cloud none
		if cfg.Secrets.HasRoute53Keys && cfg.Mode == Live {
			args.CredentialsMode = tls.CredentialsStatic
			args.AccessKeyID = config.RequireSecret(ctx, KeyRoute53AccessKeyID)
			args.SecretAccessKey = config.RequireSecret(ctx, KeyRoute53SecretKey)
		} else {
			// Render mode writes no secret value: the GitOps side supplies
			// cert-manager/aws-creds (<renderDir>/SECRETS.md lists it).
			args.CredentialsMode, args.Credentials = tls.CredentialsSecret, readiness.After(operandNS)
			l.SecretsToSupply = append(l.SecretsToSupply, manifest.SecretToSupply{
				Namespace: tls.OperandNamespace, Name: tls.DefaultCredentialsSecret, UsedBy: "the Route53 DNS-01 solver of ClusterIssuers letsencrypt and letsencrypt-staging",
				Keys: []manifest.SecretKey{
					{Name: tls.DefaultAccessKeyIDKey, Holds: "an AWS access key id allowed to change _acme-challenge TXT records of the base domain's hosted zone"},
					{Name: tls.DefaultSecretAccessKeyKey, Holds: "its secret access key"},
				},
			})
		}
	}
	l.TLS, err = tls.NewTLS(ctx, "tls", args, w.k8s())
	return err
}

// route53Domain is the hosted zone looked up by name: configured, else the
// cluster's base domain as discovered (or configured).
func (w *wiring) route53Domain() string {
	if d := w.cfg.TLS.Route53.Domain; d != "" {
		return d
	}
	return w.facts.BaseDomain
}

// route53Region is the solver's region: configured, else the cluster's, else
// Route53's home region (Route53 is global; the SDK needs one).
func (w *wiring) route53Region() string {
	switch {
	case w.cfg.TLS.Route53.Region != "":
		return w.cfg.TLS.Route53.Region
	case w.facts.Region != "":
		return w.facts.Region
	}
	return "us-east-1"
}
