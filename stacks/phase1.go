package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/rhoai-pulumi/installer/components/awsiam"
	"github.com/rhoai-pulumi/installer/components/gitops"
	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/tls"
)

// Phase 1: OpenShift GitOps, cert-manager with Route53 DNS-01 credentials,
// the Let's Encrypt issuers and the cluster certificates.
type phase1 struct {
	GitOps  *gitops.GitOps
	Route53 *awsiam.Route53Access // aws modes only
	TLS     *tls.TLS              // nil with tls.enabled false
}

func (w *wiring) phase1(ctx *pulumi.Context) (*phase1, error) {
	cfg := w.cfg
	g := cfg.Resolved("gitops")
	ops, err := gitops.NewGitOps(ctx, "gitops", &gitops.GitOpsArgs{
		Channel: g.Channel, Source: g.Source, Approval: olm.Approval(g.Approval), StartingCSV: g.StartingCSV, Gates: w.gates,
	}, w.k8s())
	if err != nil {
		return nil, err
	}
	p := &phase1{GitOps: ops}
	if !cfg.TLSEnabled() {
		return p, nil
	}
	// The operand namespace comes first: the AWS layer writes aws-creds into it.
	operandNS, err := tls.NewOperandNamespace(ctx, "tls", w.k8s())
	if err != nil {
		return nil, err
	}
	cm := cfg.Resolved("certManager")
	args := &tls.TLSArgs{
		BaseDomain: w.facts.BaseDomain, Region: w.route53Region(), HostedZoneID: cfg.TLS.Route53.HostedZoneID,
		Email: cfg.TLS.ACMEEmail, Issuer: cfg.TLS.Issuer,
		Channel: cm.Channel, Source: cm.Source, Approval: olm.Approval(cm.Approval), StartingCSV: cm.StartingCSV,
		RecursiveNameservers:   cfg.TLS.RecursiveNameservers,
		SkipIngressCertificate: !cfg.IngressCertificateEnabled(),
		APIServerCertificate:   cfg.TLS.APICertificate,
		OperandNamespace:       operandNS,
		Gates:                  w.gates,
	}
	switch mode := cfg.TLS.Route53.Mode; mode {
	case "cco", "iam", "sts":
		// C2: the solver credentials exist before the ClusterIssuers.
		access, err := awsiam.NewRoute53Access(ctx, "awsiam", &awsiam.Route53AccessArgs{
			Mode: awsiam.Mode(mode), HostedZoneID: cfg.TLS.Route53.HostedZoneID, Domain: cfg.TLS.Route53.Domain,
			NamePrefix: w.facts.InfrastructureID, OIDCIssuerURL: cfg.TLS.Route53.OIDCIssuer, OIDCProviderARN: cfg.TLS.Route53.OIDCProviderARN,
			Gates: w.gates, After: readiness.After(operandNS),
		}, w.k8s(), pulumi.Providers(w.aws))
		if err != nil {
			return nil, err
		}
		p.Route53 = access
		args.CloudCredentialsSecret = tls.DefaultCredentialsSecret
		args.CredentialsMode, args.Credentials = tls.CredentialsSecret, access.Prerequisite()
		if mode == "sts" {
			args.CredentialsMode, args.Role, args.ServiceAccountRef = tls.CredentialsSTS, access.RoleARN, "cert-manager"
		}
	case "static":
		if cfg.Secrets.HasRoute53Keys {
			args.CredentialsMode = tls.CredentialsStatic
			args.AccessKeyID = config.RequireSecret(ctx, KeyRoute53AccessKeyID)
			args.SecretAccessKey = config.RequireSecret(ctx, KeyRoute53SecretKey)
		} else {
			// Render mode (validation allows it nowhere else): the GitOps side
			// supplies cert-manager/aws-creds; no secret value is written.
			_ = ctx.Log.Warn("render: Secret cert-manager/aws-creds is not rendered (secret values never go to disk); supply it with your secret manager", nil)
			args.CredentialsMode, args.Credentials = tls.CredentialsSecret, readiness.After(operandNS)
		}
	}
	t, err := tls.NewTLS(ctx, "tls", args, w.k8s())
	if err != nil {
		return nil, err
	}
	p.TLS = t
	return p, nil
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

// newAWSProvider is used only by the aws platform; the baremetal stack never
// constructs it (no AWS provider, call or credentials).
func newAWSProvider(ctx *pulumi.Context, region string) (*aws.Provider, error) {
	return aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String(region)})
}
