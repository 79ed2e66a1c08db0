package awsiam

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Mode is how cert-manager gets its Route53 credentials.
type Mode string

const (
	// ModeCCO asks the Cloud Credential Operator (mint or passthrough) for
	// the aws-creds Secret through a CredentialsRequest.
	ModeCCO Mode = "cco"
	// ModeIAM creates an IAM user and access key and writes aws-creds.
	ModeIAM Mode = "iam"
	// ModeSTS creates a role trusted by the cluster's OIDC issuer for the
	// cert-manager service account (clusters in CCO manual/STS mode).
	ModeSTS Mode = "sts"
)

// Defaults.
const (
	DefaultPartition = "aws"
	// DefaultAudience is the audience of the projected service-account token
	// cert-manager presents to STS (its route53 serviceAccountRef default and
	// the OpenShift pod identity webhook's); the OIDC provider must list it
	// as a client ID (ccoctl registers sts.amazonaws.com and openshift).
	DefaultAudience = "sts.amazonaws.com"
)

// Route53AccessArgs comes from validated config and cluster discovery (stacks/).
type Route53AccessArgs struct {
	Mode Mode
	// HostedZoneID (Z..., "/hostedzone/" prefix allowed) wins; otherwise the
	// public zone named Domain is looked up.
	HostedZoneID string
	Domain       string
	Partition    string // default aws
	// NamePrefix makes the IAM user/role name unique per cluster (iam, sts):
	// <prefix>-cert-manager-route53; use the infrastructure ID.
	NamePrefix string

	// sts only.
	OIDCIssuerURL   string // host/path of the cluster's service-account issuer; a https:// prefix is dropped
	OIDCProviderARN string // or AccountID, to build arn:<partition>:iam::<account>:oidc-provider/<issuer>
	AccountID       string
	Audience        string // default sts.amazonaws.com

	Namespace      string // cert-manager's namespace, default cert-manager
	ServiceAccount string // default cert-manager
	SecretName     string // default aws-creds

	Gates *readiness.Binder
	After readiness.Prerequisite // cco, iam: the cert-manager namespace exists
}

var (
	zoneID    = regexp.MustCompile(`^Z[A-Z0-9]{1,32}$`)
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	dnsLabel  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	iamName   = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]+$`)
)

func (a Route53AccessArgs) withDefaults() Route53AccessArgs {
	a.HostedZoneID = strings.TrimPrefix(a.HostedZoneID, "/hostedzone/")
	a.Domain = strings.TrimSuffix(a.Domain, ".")
	a.OIDCIssuerURL = strings.TrimSuffix(strings.TrimPrefix(a.OIDCIssuerURL, "https://"), "/")
	if a.Partition == "" {
		a.Partition = DefaultPartition
	}
	if a.Audience == "" {
		a.Audience = DefaultAudience
	}
	if a.Namespace == "" {
		a.Namespace = DefaultNamespace
	}
	if a.ServiceAccount == "" {
		a.ServiceAccount = DefaultServiceAccount
	}
	if a.SecretName == "" {
		a.SecretName = DefaultSecretName
	}
	if a.Mode == ModeSTS && a.OIDCProviderARN == "" && accountID.MatchString(a.AccountID) && a.OIDCIssuerURL != "" {
		a.OIDCProviderARN = fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", a.Partition, a.AccountID, a.OIDCIssuerURL)
	}
	return a
}

// iamName is the IAM user or role name.
func (a Route53AccessArgs) iamName() string { return a.NamePrefix + "-cert-manager-route53" }

// Validate reports every problem at once.
func (a Route53AccessArgs) Validate() error {
	var errs []error
	switch a.Mode {
	case ModeCCO, ModeIAM, ModeSTS:
	default:
		errs = append(errs, fmt.Errorf("mode %q; expected cco, iam or sts", a.Mode))
	}
	switch {
	case a.HostedZoneID != "" && !zoneID.MatchString(a.HostedZoneID):
		errs = append(errs, fmt.Errorf("hosted zone ID %q is not a Route53 zone ID such as Z0123456789ABCDEFGHIJ", a.HostedZoneID))
	case a.HostedZoneID == "" && a.Domain == "":
		errs = append(errs, errors.New("neither hosted zone ID nor domain given; expected the public zone's ID or its domain (the cluster's base domain)"))
	}
	if a.Mode == ModeIAM || a.Mode == ModeSTS {
		if a.NamePrefix == "" {
			errs = append(errs, fmt.Errorf("mode %s needs a name prefix for the IAM %s; expected the infrastructure ID", a.Mode, map[Mode]string{ModeIAM: "user", ModeSTS: "role"}[a.Mode]))
		} else if !iamName.MatchString(a.iamName()) || len(a.iamName()) > 64 {
			errs = append(errs, fmt.Errorf("IAM name %q: expected at most 64 of A-Za-z0-9+=,.@_-", a.iamName()))
		}
	}
	if a.Mode == ModeSTS {
		if a.OIDCIssuerURL == "" || strings.Contains(a.OIDCIssuerURL, "://") {
			errs = append(errs, fmt.Errorf("mode sts: OIDC issuer %q; expected host/path of the cluster's service-account issuer (authentication.config/cluster .spec.serviceAccountIssuer without https://)", a.OIDCIssuerURL))
		}
		switch {
		case a.OIDCProviderARN == "" && a.AccountID == "":
			errs = append(errs, errors.New("mode sts: neither OIDC provider ARN nor account ID given; expected one"))
		case a.OIDCProviderARN == "" && !accountID.MatchString(a.AccountID):
			errs = append(errs, fmt.Errorf("mode sts: account ID %q; expected 12 digits", a.AccountID))
		case a.OIDCProviderARN != "" && !strings.HasPrefix(a.OIDCProviderARN, "arn:"+a.Partition+":iam::"):
			errs = append(errs, fmt.Errorf("mode sts: OIDC provider ARN %q; expected arn:%s:iam::<account>:oidc-provider/<issuer>", a.OIDCProviderARN, a.Partition))
		}
	}
	for _, f := range [][2]string{{"namespace", a.Namespace}, {"service account", a.ServiceAccount}, {"secret name", a.SecretName}} {
		if !dnsLabel.MatchString(f[1]) {
			errs = append(errs, fmt.Errorf("%s %q is not a DNS label", f[0], f[1]))
		}
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}
