// Package awsiam gives cert-manager least-privilege Route53 access for
// DNS-01: changes only to TXT records named _acme-challenge.* in one hosted
// zone, plus the reads the route53 solver needs (narrower than the
// hostedzone/* of alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/cert-manager-operator/templates/credentialsrequest.yaml).
// Three modes share one policy document: a
// CredentialsRequest for the Cloud Credential Operator (cco), an IAM user
// and access key written as the aws-creds Secret (iam), or an IAM role
// trusted by the cluster's OIDC issuer for cert-manager's service account
// (sts). The ClusterIssuers wait for Prerequisite() (C2).
package awsiam

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Route53Access is cert-manager's Route53 credential, in one of three modes.
type Route53Access struct {
	pulumi.ResourceState

	Mode         Mode
	HostedZoneID string         // known at program time (given or looked up)
	Policy       PolicyDocument // the permissions, in every mode

	// cco
	CredentialsRequest *apiextensions.CustomResource
	Watch              *pulumi.Stash // carries the gate beside the waitFor
	// iam
	User       *iam.User
	UserPolicy *iam.UserPolicy
	AccessKey  *iam.AccessKey
	Secret     *corev1.Secret // cert-manager/aws-creds, both keys Pulumi secrets
	// sts
	Role       *iam.Role
	RolePolicy *iam.RolePolicy

	stringData pulumi.StringMap // iam: the Secret's keys, each a Pulumi secret

	Gates   []readiness.Gate    // cco: credentialsProvisioned
	RoleARN pulumi.StringOutput `pulumi:"roleArn"` // sts; "" otherwise
}

// Prerequisite is what the ClusterIssuers wait for (C2): the Secret (iam),
// the CredentialsRequest and its credentialsProvisioned gate (cco), or the
// role with its policy (sts).
func (r *Route53Access) Prerequisite() readiness.Prerequisite {
	var rs []pulumi.Resource
	switch {
	case r.CredentialsRequest != nil:
		rs = append(rs, r.CredentialsRequest, r.Watch)
	case r.Secret != nil:
		rs = append(rs, r.Secret)
	case r.RolePolicy != nil:
		rs = append(rs, r.Role, r.RolePolicy)
	}
	return readiness.Prerequisite{Resources: rs, Gates: r.Gates}
}

// NewRoute53Access resolves the hosted zone and registers the mode's
// resources. The AWS and Kubernetes providers come through opts.
func NewRoute53Access(ctx *pulumi.Context, name string, args *Route53AccessArgs, opts ...pulumi.ResourceOption) (*Route53Access, error) {
	if args == nil {
		return nil, fmt.Errorf("awsiam %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("awsiam %q: %w", name, err)
	}
	r := &Route53Access{Mode: a.Mode}
	if err := ctx.RegisterComponentResource("rhoai:awsiam:Route53Access", name, r, opts...); err != nil {
		return nil, fmt.Errorf("awsiam %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(r)

	zone, err := findHostedZoneID(ctx, a, parent)
	if err != nil {
		return nil, fmt.Errorf("awsiam %q: %w", name, err)
	}
	r.HostedZoneID = zone
	r.Policy = Route53Policy(a.Partition, zone)
	r.RoleARN = pulumi.String("").ToStringOutput()

	switch a.Mode {
	case ModeCCO:
		err = r.credentialsRequest(ctx, name, a, parent)
	case ModeIAM:
		err = r.iamUser(ctx, name, a, parent)
	case ModeSTS:
		err = r.stsRole(ctx, name, a, parent)
	}
	if err != nil {
		return nil, fmt.Errorf("awsiam %q: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"mode":         pulumi.String(string(a.Mode)),
		"hostedZoneId": pulumi.String(zone),
		"roleArn":      r.RoleARN,
	}); err != nil {
		return nil, fmt.Errorf("awsiam %q: registering outputs: %w", name, err)
	}
	return r, nil
}

// findHostedZoneID returns the given zone ID or looks up the public zone by
// domain (an invoke: it runs in preview too). Private zones cannot serve
// DNS-01 (Let's Encrypt does not support private DNS zones:
// https://docs.redhat.com/en/documentation/openshift_container_platform/4.12/html/security_and_compliance/cert-manager-operator-issuer-acme).
func findHostedZoneID(ctx *pulumi.Context, a Route53AccessArgs, opts ...pulumi.InvokeOption) (string, error) {
	if a.HostedZoneID != "" {
		return a.HostedZoneID, nil
	}
	z, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{Name: pulumi.StringRef(a.Domain), PrivateZone: pulumi.BoolRef(false)}, opts...)
	if err != nil {
		return "", fmt.Errorf("looking up the public Route53 hosted zone %s: %w; give the hosted zone ID instead", a.Domain, err)
	}
	if z.ZoneId == "" {
		return "", fmt.Errorf("looking up the public Route53 hosted zone %s: no zone ID returned", a.Domain)
	}
	return z.ZoneId, nil
}

// credentialsRequest: CCO mints (or passes through) the credential and
// writes aws-creds (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/cert-manager-operator/templates/credentialsrequest.yaml).
func (r *Route53Access) credentialsRequest(ctx *pulumi.Context, name string, a Route53AccessArgs, parent pulumi.ResourceOption) error {
	opts, err := a.Gates.Options(a.After)
	if err != nil {
		return fmt.Errorf("binding prerequisites: %w", err)
	}
	spec := CredentialsRequestSpec{
		ProviderSpec: AWSProviderSpec{
			APIVersion: CredentialsRequestAPIVersion, Kind: AWSProviderSpecKind,
			StatementEntries: statementEntries(r.Policy),
		},
		SecretRef:           ObjectReference{Name: a.SecretName, Namespace: a.Namespace},
		ServiceAccountNames: []string{a.ServiceAccount},
	}
	body, err := manifest.Untyped(spec)
	if err != nil {
		return fmt.Errorf("CredentialsRequest spec: %w", err)
	}
	r.CredentialsRequest, err = apiextensions.NewCustomResource(ctx, name+"-credentialsrequest", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(CredentialsRequestAPIVersion),
		Kind:       pulumi.String(CredentialsRequestKind),
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(CredentialsRequestName),
			Namespace: pulumi.String(CCONamespace),
			// status.provisioned is the ready field; there is no Ready condition
			// (openshift/cloud-credential-operator@release-4.21
			// pkg/apis/cloudcredential/v1/types_credentialsrequest.go).
			Annotations: manifest.StringMap(manifest.WaitFor(CredentialsTimeout, "jsonpath={.status.provisioned}=true")),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": body},
	}, append(opts, parent, manifest.Timeouts(CredentialsTimeout))...)
	if err != nil {
		return fmt.Errorf("creating CredentialsRequest %s/%s: %w", CCONamespace, CredentialsRequestName, err)
	}
	gate := credentialsProvisionedGate(a)
	r.Gates = []readiness.Gate{gate}
	// The waitFor cannot see InsufficientCloudCreds; the gate polls beside
	// it (no edge to the CredentialsRequest) and fails the run at once.
	watchOpts, err := a.Gates.Options(a.After, readiness.Prerequisite{Gates: r.Gates})
	if err != nil {
		return fmt.Errorf("binding the %s gate: %w", CredentialsProvisionedGate, err)
	}
	r.Watch, err = pulumi.NewStash(ctx, name+"-credentials-provisioned", &pulumi.StashArgs{Input: pulumi.String(CCONamespace + "/" + CredentialsRequestName)}, append(watchOpts, parent)...)
	if err != nil {
		return fmt.Errorf("registering the %s watch: %w", CredentialsProvisionedGate, err)
	}
	return nil
}

// iamUser: an IAM user with the inline policy and an access key, written
// as cert-manager/aws-creds. Both keys are Pulumi secrets from the start.
func (r *Route53Access) iamUser(ctx *pulumi.Context, name string, a Route53AccessArgs, parent pulumi.ResourceOption) error {
	var err error
	r.User, err = iam.NewUser(ctx, name+"-user", &iam.UserArgs{
		Name: pulumi.String(a.iamName()),
		Tags: pulumi.StringMap{"purpose": pulumi.String("cert-manager DNS-01 in hosted zone " + r.HostedZoneID)},
	}, parent)
	if err != nil {
		return fmt.Errorf("creating IAM user %s: %w", a.iamName(), err)
	}
	r.UserPolicy, err = iam.NewUserPolicy(ctx, name+"-user-policy", &iam.UserPolicyArgs{
		Name:   pulumi.String("route53-dns01"),
		User:   r.User.Name,
		Policy: pulumi.String(r.Policy.JSON()),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating IAM user policy %s/route53-dns01: %w", a.iamName(), err)
	}
	r.AccessKey, err = iam.NewAccessKey(ctx, name+"-access-key", &iam.AccessKeyArgs{User: r.User.Name},
		parent, pulumi.AdditionalSecretOutputs([]string{"secret"}))
	if err != nil {
		return fmt.Errorf("creating IAM access key for %s: %w", a.iamName(), err)
	}
	// C2: the ClusterIssuers take this Secret; it exists only once the policy is attached.
	opts, err := a.Gates.Options(a.After, readiness.After(r.UserPolicy))
	if err != nil {
		return fmt.Errorf("binding prerequisites: %w", err)
	}
	// Secret before it reaches any input, whatever the providers mark.
	r.stringData = pulumi.StringMap{
		AccessKeyIDKey:     pulumi.ToSecret(r.AccessKey.ID().ToStringOutput()).(pulumi.StringOutput),
		SecretAccessKeyKey: pulumi.ToSecret(r.AccessKey.Secret).(pulumi.StringOutput),
	}
	r.Secret, err = corev1.NewSecret(ctx, name+"-secret", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(a.SecretName), Namespace: pulumi.String(a.Namespace)},
		Type:       pulumi.String("Opaque"),
		StringData: r.stringData,
	}, append(opts, parent, pulumi.AdditionalSecretOutputs([]string{"data", "stringData"}))...)
	if err != nil {
		return fmt.Errorf("creating Secret %s/%s: %w", a.Namespace, a.SecretName, err)
	}
	return nil
}

// stsRole: a role cert-manager's service account assumes with its projected
// token; the ClusterIssuer names the role (route53.role) or cert-manager
// runs with ambient credentials.
func (r *Route53Access) stsRole(ctx *pulumi.Context, name string, a Route53AccessArgs, parent pulumi.ResourceOption) error {
	trust := WebIdentityTrustPolicy(a.OIDCProviderARN, a.OIDCIssuerURL, a.Namespace, a.ServiceAccount, a.Audience)
	var err error
	r.Role, err = iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Name:             pulumi.String(a.iamName()),
		Description:      pulumi.String(fmt.Sprintf("cert-manager DNS-01 in hosted zone %s, assumed by %s/%s", r.HostedZoneID, a.Namespace, a.ServiceAccount)),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating IAM role %s: %w", a.iamName(), err)
	}
	r.RolePolicy, err = iam.NewRolePolicy(ctx, name+"-role-policy", &iam.RolePolicyArgs{
		Name:   pulumi.String("route53-dns01"),
		Role:   r.Role.Name,
		Policy: pulumi.String(r.Policy.JSON()),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating IAM role policy %s/route53-dns01: %w", a.iamName(), err)
	}
	r.RoleARN = r.Role.Arn
	return nil
}
