package tls

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Cluster object names and fixed values (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/cert-manager-operator/ and gitops/operators/cert-manager-route53/).
const (
	OperatorNamespace = "cert-manager-operator"
	OperatorGroupName = "openshift-cert-manager-operator"
	// OperandNamespace is hard-coded by the operator; the DNS-01 credentials
	// Secret lands here.
	OperandNamespace = "cert-manager"
	CertManagerName  = "cluster"
	// CloudCredentialsEnv names the Secret (in OperandNamespace) the operator
	// mounts into cert-manager as ambient AWS credentials.
	CloudCredentialsEnv = "CLOUD_CREDENTIALS_SECRET_NAME"

	ProductionIssuer    = "letsencrypt"
	ProductionServer    = "https://acme-v02.api.letsencrypt.org/directory"
	ProductionKeySecret = "letsencrypt-key"
	StagingIssuer       = "letsencrypt-staging"
	StagingServer       = "https://acme-staging-v02.api.letsencrypt.org/directory"
	StagingKeySecret    = "letsencrypt-staging-key"

	IngressCertificateName = "ocp-ingress"
	IngressNamespace       = "openshift-ingress"
	IngressSecretName      = "ingress-certs" // also the MaaS gateway's TLS secret (docs/decisions.md D3)
	APICertificateName     = "ocp-api"
	APINamespace           = "openshift-config"
	APISecretName          = "api-certs"

	IngressControllerName      = "default"
	IngressControllerNamespace = "openshift-ingress-operator"
	APIServerName              = "cluster"

	DefaultCredentialsSecret  = "aws-creds"
	DefaultAccessKeyIDKey     = "aws_access_key_id"
	DefaultSecretAccessKeyKey = "aws_secret_access_key"
)

// Operator is the cert-manager operator package (also the Subscription
// name) and its default catalog entry: stable-v1, redhat-operators, Automatic.
var Operator = olm.Package{
	Name:    "openshift-cert-manager-operator",
	Default: olm.Catalog{Channel: "stable-v1", Source: "redhat-operators", Approval: olm.Automatic},
}

// DefaultNameservers are the recursive resolvers of the DNS-01 self-check
// (public resolvers: the cluster's private hosted zone may shadow the public one).
var DefaultNameservers = []string{"8.8.8.8:53", "1.1.1.1:53"}

// CredentialsMode says where the Route53 solver gets its AWS credentials.
type CredentialsMode string

const (
	// CredentialsSecret: the AWS layer creates Secret cert-manager/<CredentialsSecret>
	// (CredentialsRequest minted by CCO, or an IAM user's key); the issuers
	// reference its keys and wait for Args.Credentials (C2).
	CredentialsSecret CredentialsMode = "secret"
	// CredentialsSTS: no secret reference in the issuers. Either cert-manager
	// requests a token for ServiceAccountRef and assumes Role with it
	// (AssumeRoleWithWebIdentity; the awsiam sts role trusts
	// system:serviceaccount:cert-manager:cert-manager), or it uses ambient
	// credentials: the Secret the operator mounts (CloudCredentialsSecret,
	// e.g. the role_arn secret ccoctl made), optionally assuming Role.
	CredentialsSTS CredentialsMode = "sts"
	// CredentialsStatic: this layer creates Secret cert-manager/<CredentialsSecret>
	// from AccessKeyID and SecretAccessKey (bare metal, no AWS layer).
	CredentialsStatic CredentialsMode = "static"
)

// TLSArgs configures phase 1 (cert-manager, Let's Encrypt, certificate switch).
// Start from DefaultTLSArgs(); zero values of the string fields take the same
// defaults, except CloudCredentialsSecret (empty: no Subscription env).
type TLSArgs struct {
	// BaseDomain is dns.config/cluster spec.baseDomain (not the apps domain).
	// Required. Certificates: apps.<base>, *.apps.<base>, api.<base>.
	BaseDomain string
	// Region of the Route53 API client (infrastructure/cluster
	// status.platformStatus.aws.region on AWS). Required.
	Region string
	// HostedZoneID pins the public hosted zone; empty lets cert-manager find it.
	HostedZoneID string
	// Email registers the ACME account with a contact; empty sets none (as the
	// guide's gitops/operators/cert-manager-route53 ClusterIssuers).
	Email string
	// Issuer signs the Certificates: letsencrypt (default) or letsencrypt-staging.
	// Both ClusterIssuers are always created.
	Issuer string

	// Catalog overrides Operator.Default field by field.
	Catalog olm.Catalog
	// CloudCredentialsSecret sets the Subscription env CLOUD_CREDENTIALS_SECRET_NAME
	// (AWS only; DefaultTLSArgs: aws-creds). Empty: no env (bare metal).
	CloudCredentialsSecret string
	// RecursiveNameservers (host:port) for --dns01-recursive-nameservers;
	// default 8.8.8.8:53, 1.1.1.1:53.
	RecursiveNameservers []string

	// CredentialsMode: secret (default), sts or static.
	CredentialsMode CredentialsMode
	// Credentials is what the issuers wait for besides cert-manager (C2): the
	// AWS layer's Secret or CredentialsRequest with its gate. Required in
	// secret mode.
	Credentials readiness.Prerequisite
	// CredentialsSecret is the Secret in cert-manager holding the keys; default aws-creds.
	CredentialsSecret string
	// AccessKeyIDKey and SecretAccessKeyKey are its keys; default
	// aws_access_key_id and aws_secret_access_key.
	AccessKeyIDKey     string
	SecretAccessKeyKey string
	// Role is an IAM role ARN the solver assumes (route53.role); optional,
	// required with ServiceAccountRef. May be an Output (awsiam's RoleARN).
	Role pulumi.StringInput
	// ServiceAccountRef (sts mode) is the ServiceAccount in cert-manager whose
	// bound token the solver exchanges for Role (route53.auth.kubernetes);
	// the operator lets cert-manager request tokens for "cert-manager".
	// TokenAudiences defaults (in cert-manager) to sts.amazonaws.com.
	ServiceAccountRef string
	TokenAudiences    []string
	// AccessKeyID and SecretAccessKey (static mode only) fill the Secret this
	// layer creates; pass Pulumi secrets (config --secret). They are stored as
	// secrets either way.
	AccessKeyID     pulumi.StringInput
	SecretAccessKey pulumi.StringInput

	// SkipIngressCertificate keeps the router's default certificate (the
	// IngressController switch is on by default).
	SkipIngressCertificate bool
	// APIServerCertificate switches the API server's serving certificate for
	// api.<base> (opt-in). C18: afterwards a kubeconfig whose
	// certificate-authority-data holds only the cluster CA fails with x509
	// (kubernetes/client-go@v0.34.4 transport/transport.go trusts only that
	// data when it is set): add ISRG Root X1 and X2 to that CA data first.
	APIServerCertificate bool

	// OperandNamespace, when set, is Namespace cert-manager created earlier
	// with NewOperandNamespace (so the AWS layer can put its Secret there
	// before this layer exists); nil: this layer creates it.
	OperandNamespace *corev1.Namespace

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what this layer's first objects wait for
}

// DefaultTLSArgs returns the values of the guide's phase 1 charts
// (alpha-hack-program/llm-d-guide@1f391b7 gitops/operators/cert-manager-*: AWS, Route53 DNS-01,
// the aws-creds secret, production issuer, ingress switch on, API switch off).
// The caller fills BaseDomain, Region, Credentials, Gates and After.
func DefaultTLSArgs() TLSArgs {
	return TLSArgs{
		Issuer:                 ProductionIssuer,
		Catalog:                Operator.Default,
		CloudCredentialsSecret: DefaultCredentialsSecret,
		RecursiveNameservers:   append([]string(nil), DefaultNameservers...),
		CredentialsMode:        CredentialsSecret,
		CredentialsSecret:      DefaultCredentialsSecret,
		AccessKeyIDKey:         DefaultAccessKeyIDKey,
		SecretAccessKeyKey:     DefaultSecretAccessKeyKey,
	}
}

func (a TLSArgs) withDefaults() TLSArgs {
	d := DefaultTLSArgs()
	set := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	set(&a.Issuer, d.Issuer)
	a.Catalog = Operator.Resolve(a.Catalog)
	set(&a.CredentialsSecret, d.CredentialsSecret)
	set(&a.AccessKeyIDKey, d.AccessKeyIDKey)
	set(&a.SecretAccessKeyKey, d.SecretAccessKeyKey)
	if a.CredentialsMode == "" {
		a.CredentialsMode = d.CredentialsMode
	}
	if len(a.RecursiveNameservers) == 0 {
		a.RecursiveNameservers = d.RecursiveNameservers
	}
	a.BaseDomain = strings.TrimSuffix(a.BaseDomain, ".")
	return a
}

var (
	dnsName      = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	awsRegion    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	hostedZoneID = regexp.MustCompile(`^(/hostedzone/)?[A-Z0-9]{1,32}$`)
	roleARN      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
	secretKey    = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	subdomain    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// ValidRegion: an AWS region name such as us-east-1.
func ValidRegion(s string) bool { return awsRegion.MatchString(s) }

// Validate reports every problem at once, each naming its field.
func (a TLSArgs) Validate() error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	switch {
	case a.BaseDomain == "":
		bad("baseDomain: empty; expected dns.config/cluster spec.baseDomain, e.g. mycluster.example.com")
	case !dnsName.MatchString(a.BaseDomain):
		bad("baseDomain: found %q, expected a lowercase DNS name such as mycluster.example.com", a.BaseDomain)
	case strings.HasPrefix(a.BaseDomain, "apps."):
		bad("baseDomain: found %q, expected the base domain (dns.config/cluster spec.baseDomain), not the apps domain", a.BaseDomain)
	}
	if !ValidRegion(a.Region) {
		bad("region: found %q, expected an AWS region such as us-east-1 (Route53's API client needs one)", a.Region)
	}
	if a.HostedZoneID != "" && !hostedZoneID.MatchString(a.HostedZoneID) {
		bad("hostedZoneID: found %q, expected a Route53 zone id such as Z0123456789ABCDEFGHIJ", a.HostedZoneID)
	}
	if a.Email != "" && (!strings.Contains(a.Email, "@") || strings.ContainsAny(a.Email, " \t")) {
		bad("email: found %q, expected an e-mail address or nothing", a.Email)
	}
	if a.Issuer != ProductionIssuer && a.Issuer != StagingIssuer {
		bad("issuer: found %q, expected %s or %s", a.Issuer, ProductionIssuer, StagingIssuer)
	}
	for _, p := range Operator.Check(a.Catalog) {
		errs = append(errs, p)
	}
	if a.CloudCredentialsSecret != "" && !secretName(a.CloudCredentialsSecret) {
		bad("cloudCredentialsSecret: found %q, expected a Secret name", a.CloudCredentialsSecret)
	}
	for i, ns := range a.RecursiveNameservers {
		host, port, err := net.SplitHostPort(ns)
		if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p < 1 || p > 65535 {
			bad("recursiveNameservers[%d]: found %q, expected host:port such as 8.8.8.8:53", i, ns)
		}
	}
	errs = append(errs, a.validateCredentials()...)
	if a.Gates == nil {
		bad("gates: no gate binder given")
	}
	return errors.Join(errs...)
}

func (a TLSArgs) validateCredentials() []error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	switch a.CredentialsMode {
	case CredentialsSecret:
		if len(a.Credentials.Resources) == 0 && len(a.Credentials.Gates) == 0 {
			bad("credentials: no prerequisite with credentialsMode secret; expected the AWS layer's Secret or CredentialsRequest (C2)")
		}
	case CredentialsSTS:
		if a.CloudCredentialsSecret == "" && a.ServiceAccountRef == "" {
			bad("cloudCredentialsSecret: empty with credentialsMode sts and no serviceAccountRef; expected the Secret the operator mounts as cert-manager's ambient AWS credentials (e.g. %s), or serviceAccountRef and role", DefaultCredentialsSecret)
		}
		if a.ServiceAccountRef != "" && a.Role == nil {
			bad("role: empty with serviceAccountRef %q; expected the IAM role ARN the service account's token is exchanged for", a.ServiceAccountRef)
		}
	case CredentialsStatic:
		if a.AccessKeyID == nil {
			bad("accessKeyID: empty with credentialsMode static; expected a Pulumi secret")
		}
		if a.SecretAccessKey == nil {
			bad("secretAccessKey: empty with credentialsMode static; expected a Pulumi secret")
		}
	default:
		bad("credentialsMode: found %q, expected secret, sts or static", a.CredentialsMode)
	}
	if a.CredentialsMode != CredentialsStatic && (a.AccessKeyID != nil || a.SecretAccessKey != nil) {
		bad("accessKeyID/secretAccessKey: given with credentialsMode %q, where they would be ignored; expected credentialsMode static", a.CredentialsMode)
	}
	if a.CredentialsMode != CredentialsSTS {
		if !secretName(a.CredentialsSecret) {
			bad("credentialsSecret: found %q, expected a Secret name such as %s", a.CredentialsSecret, DefaultCredentialsSecret)
		}
		for field, k := range map[string]string{"accessKeyIDKey": a.AccessKeyIDKey, "secretAccessKeyKey": a.SecretAccessKeyKey} {
			if !secretKey.MatchString(k) {
				bad("%s: found %q, expected a Secret key such as %s", field, k, DefaultAccessKeyIDKey)
			}
		}
	}
	if role, known := a.Role.(pulumi.String); known && !roleARN.MatchString(string(role)) {
		bad("role: found %q, expected an IAM role ARN such as arn:aws:iam::123456789012:role/cert-manager", role)
	}
	if a.ServiceAccountRef != "" {
		if a.CredentialsMode != CredentialsSTS {
			bad("serviceAccountRef: given with credentialsMode %q; expected credentialsMode sts", a.CredentialsMode)
		}
		if !secretName(a.ServiceAccountRef) {
			bad("serviceAccountRef: found %q, expected a ServiceAccount name such as cert-manager", a.ServiceAccountRef)
		}
	}
	return errs
}

func secretName(s string) bool { return len(s) <= 253 && subdomain.MatchString(s) }

// host names of the certificates.
func (a TLSArgs) appsDomain() string { return "apps." + a.BaseDomain }
func (a TLSArgs) apiHost() string    { return "api." + a.BaseDomain }

// overrideArgs are CertManager spec.controllerConfig.overrideArgs
// (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/cert-manager-operator/templates/certmanager-cluster.yaml).
func (a TLSArgs) overrideArgs() []string {
	return []string{
		"--dns01-recursive-nameservers-only",
		"--dns01-recursive-nameservers=" + strings.Join(a.RecursiveNameservers, ","),
		"--enable-certificate-owner-ref",
	}
}

func (a TLSArgs) operatorArgs(after readiness.Prerequisite) *olm.OperatorArgs {
	o := &olm.OperatorArgs{
		Package:           Operator.Name,
		Catalog:           a.Catalog,
		Namespace:         OperatorNamespace,
		OperatorGroupName: OperatorGroupName,
		Mode:              olm.AllNamespaces,
		CRDs:              CRDs,
		Layer:             Layer,
		Gates:             a.Gates,
		After:             after,
	}
	if a.CloudCredentialsSecret != "" {
		o.Env = []olm.EnvVar{{Name: CloudCredentialsEnv, Value: a.CloudCredentialsSecret}}
	}
	return o
}
