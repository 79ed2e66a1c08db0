package awsiam

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

const (
	getZoneToken = "aws:route53/getZone:getZone"
	sampleZone   = "Z0123456789ABCDEFGHIJ"
	sampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// wantStatements is the policy every mode must carry, written out by hand
// from the AWS Route 53 condition-key documentation and cert-manager's needs.
func wantStatements(zone string) []map[string]any {
	zoneARN := "arn:aws:route53:::hostedzone/" + zone
	return []map[string]any{
		{
			"Effect": "Allow", "Action": []any{"route53:ChangeResourceRecordSets"}, "Resource": zoneARN,
			"Condition": map[string]any{
				"ForAllValues:StringEquals": map[string]any{"route53:ChangeResourceRecordSetsRecordTypes": []any{"TXT"}},
				"ForAllValues:StringLike":   map[string]any{"route53:ChangeResourceRecordSetsNormalizedRecordNames": []any{"_acme-challenge.*"}},
			},
		},
		{"Effect": "Allow", "Action": []any{"route53:ListResourceRecordSets"}, "Resource": zoneARN},
		{"Effect": "Allow", "Action": []any{"route53:GetChange"}, "Resource": "arn:aws:route53:::change/*"},
		{"Effect": "Allow", "Action": []any{"route53:ListHostedZonesByName"}, "Resource": "*"},
	}
}

// statementsOf parses an IAM policy JSON and drops the Sids (names, not permissions).
func statementsOf(t *testing.T, policy string) []map[string]any {
	t.Helper()
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(policy), &doc), policy)
	assert.Equal(t, "2012-10-17", doc.Version)
	for _, s := range doc.Statement {
		require.Regexp(t, `^[A-Za-z0-9]+$`, s["Sid"], "IAM Sids are alphanumeric")
		delete(s, "Sid")
	}
	return doc.Statement
}

// ccoStatements maps CCO's statementEntries to IAM's spelling for comparison.
func ccoStatements(t *testing.T, entries []any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range entries {
		m := e.(map[string]any)
		s := map[string]any{"Effect": m["effect"], "Action": m["action"], "Resource": m["resource"]}
		if c, ok := m["policyCondition"]; ok {
			s["Condition"] = c
		}
		for k := range m {
			require.Contains(t, []string{"effect", "action", "resource", "policyCondition"}, k, "CCO StatementEntry has no field %s", k)
		}
		out = append(out, s)
	}
	return out
}

type run struct {
	secretKeys   map[string]bool // iam: key -> the value passed to the Secret is a Pulumi secret
	rec          *pulumitest.Recorder
	access       *Route53Access
	zoneRequests []resource.PropertyMap
	err          error
}

func deploy(t *testing.T, args Route53AccessArgs) run {
	t.Helper()
	var r run
	rec := pulumitest.NewRecorder()
	rec.Calls = map[string]func(resource.PropertyMap) (resource.PropertyMap, error){
		getZoneToken: func(a resource.PropertyMap) (resource.PropertyMap, error) {
			r.zoneRequests = append(r.zoneRequests, a)
			if a["name"].StringValue() != "example.com" {
				return nil, fmt.Errorf("no matching Route53Zone found")
			}
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": "ZLOOKEDUP0000000001", "zoneId": "ZLOOKEDUP0000000001", "name": "example.com",
				"arn": "arn:aws:route53:::hostedzone/ZLOOKEDUP0000000001", "privateZone": false,
			}), nil
		},
	}
	rec.Outputs = func(res pulumitest.Resource) resource.PropertyMap {
		switch res.Type {
		case "aws:iam/accessKey:AccessKey":
			return resource.PropertyMap{"secret": resource.NewStringProperty(sampleSecret)}
		case "aws:iam/role:Role":
			return resource.PropertyMap{"arn": resource.NewStringProperty("arn:aws:iam::123456789012:role/" + res.Inputs["name"].StringValue())}
		}
		return nil
	}
	r.rec, r.err = pulumitest.Run(func(ctx *pulumi.Context) error {
		a := args
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		access, err := NewRoute53Access(ctx, "route53", &a)
		if err != nil {
			return err
		}
		r.access = access
		if access.stringData != nil {
			r.secretKeys = map[string]bool{}
			for k, v := range access.stringData {
				r.secretKeys[k] = pulumi.IsSecret(v.ToStringOutput())
			}
		}
		// A ClusterIssuer takes the prerequisite (C2).
		opts, err := a.Gates.Options(access.Prerequisite())
		if err != nil {
			return err
		}
		_, err = pulumi.NewStash(ctx, "clusterissuer", &pulumi.StashArgs{Input: access.RoleARN}, opts...)
		return err
	}, nil, false, rec)
	return r
}

func TestRoute53Policy_document(t *testing.T) {
	doc := Route53Policy("aws", sampleZone)
	assert.Equal(t, wantStatements(sampleZone), statementsOf(t, doc.JSON()))

	gov := statementsOf(t, Route53Policy("aws-us-gov", sampleZone).JSON())
	assert.Equal(t, "arn:aws-us-gov:route53:::hostedzone/"+sampleZone, gov[0]["Resource"])
	assert.Equal(t, "arn:aws-us-gov:route53:::change/*", gov[2]["Resource"])
}

func TestRoute53Access_everyModeCarriesTheSamePolicy(t *testing.T) {
	cases := []struct {
		name   string
		args   Route53AccessArgs
		policy func(t *testing.T, rec *pulumitest.Recorder) []map[string]any
	}{
		{
			name: "cco puts the statements in the CredentialsRequest",
			args: Route53AccessArgs{Mode: ModeCCO, HostedZoneID: sampleZone},
			policy: func(t *testing.T, rec *pulumitest.Recorder) []map[string]any {
				crs := rec.Find("CredentialsRequest", "openshift-cloud-credential-operator", "cert-manager")
				require.Len(t, crs, 1)
				ps := crs[0].Object()["spec"].(map[string]any)["providerSpec"].(map[string]any)
				assert.Equal(t, "cloudcredential.openshift.io/v1", ps["apiVersion"])
				assert.Equal(t, "AWSProviderSpec", ps["kind"])
				return ccoStatements(t, ps["statementEntries"].([]any))
			},
		},
		{
			name: "iam attaches the document to the user",
			args: Route53AccessArgs{Mode: ModeIAM, HostedZoneID: sampleZone, NamePrefix: "ocp-x7k2p"},
			policy: func(t *testing.T, rec *pulumitest.Recorder) []map[string]any {
				p, ok := rec.Get("route53-user-policy")
				require.True(t, ok)
				assert.Equal(t, "aws:iam/userPolicy:UserPolicy", p.Type)
				assert.Equal(t, "ocp-x7k2p-cert-manager-route53", p.Object()["user"])
				return statementsOf(t, p.Object()["policy"].(string))
			},
		},
		{
			name: "sts attaches the document to the role",
			args: Route53AccessArgs{Mode: ModeSTS, HostedZoneID: "/hostedzone/" + sampleZone, NamePrefix: "ocp-x7k2p", OIDCIssuerURL: "oidc.example.s3.us-east-2.amazonaws.com", AccountID: "123456789012"},
			policy: func(t *testing.T, rec *pulumitest.Recorder) []map[string]any {
				p, ok := rec.Get("route53-role-policy")
				require.True(t, ok)
				assert.Equal(t, "aws:iam/rolePolicy:RolePolicy", p.Type)
				assert.Equal(t, "ocp-x7k2p-cert-manager-route53", p.Object()["role"])
				return statementsOf(t, p.Object()["policy"].(string))
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := deploy(t, tc.args)
			require.NoError(t, r.err)
			assert.Equal(t, wantStatements(sampleZone), tc.policy(t, r.rec))
			assert.Equal(t, sampleZone, r.access.HostedZoneID)
			assert.Empty(t, r.zoneRequests, "a given zone ID needs no lookup")
			for _, res := range r.rec.All() {
				if res.Parent == "" && res.Name != "route53" && res.Name != "clusterissuer" {
					t.Errorf("%s has no parent", res.Name)
				}
			}
		})
	}
}

func TestRoute53Access_looksUpThePublicZoneByDomain(t *testing.T) {
	r := deploy(t, Route53AccessArgs{Mode: ModeIAM, Domain: "example.com.", NamePrefix: "ocp-x7k2p"})
	require.NoError(t, r.err)
	require.Len(t, r.zoneRequests, 1)
	assert.Equal(t, "example.com", r.zoneRequests[0]["name"].StringValue())
	assert.False(t, r.zoneRequests[0]["privateZone"].BoolValue(), "DNS-01 needs the public zone")
	assert.Equal(t, "ZLOOKEDUP0000000001", r.access.HostedZoneID)
	p, _ := r.rec.Get("route53-user-policy")
	assert.Equal(t, wantStatements("ZLOOKEDUP0000000001"), statementsOf(t, p.Object()["policy"].(string)))
}

func TestRoute53Access_zoneLookupFailureNamesTheDomain(t *testing.T) {
	r := deploy(t, Route53AccessArgs{Mode: ModeCCO, Domain: "missing.example.org"})
	require.Error(t, r.err)
	assert.Contains(t, r.err.Error(), "missing.example.org")
	assert.Contains(t, r.err.Error(), "give the hosted zone ID instead")
	for _, res := range r.rec.Custom() {
		assert.NotEqual(t, "CredentialsRequest", res.Kind())
	}
}

func TestRoute53Access_cco(t *testing.T) {
	r := deploy(t, Route53AccessArgs{Mode: ModeCCO, HostedZoneID: sampleZone})
	require.NoError(t, r.err)
	cr := r.rec.Find("CredentialsRequest", "openshift-cloud-credential-operator", "cert-manager")[0]
	assert.Equal(t, "kubernetes:cloudcredential.openshift.io/v1:CredentialsRequest", cr.Type)
	spec := cr.Object()["spec"].(map[string]any)
	assert.Equal(t, map[string]any{"name": "aws-creds", "namespace": "cert-manager"}, spec["secretRef"])
	assert.Equal(t, []any{"cert-manager"}, spec["serviceAccountNames"])
	ann := cr.Object()["metadata"].(map[string]any)["annotations"].(map[string]any)
	assert.Equal(t, "jsonpath={.status.provisioned}=true", ann["pulumi.com/waitFor"])
	assert.Equal(t, "600", ann["pulumi.com/timeoutSeconds"])

	require.Len(t, r.access.Gates, 1)
	hook := r.access.Gates[0].HookName()
	assert.Equal(t, "C2", r.access.Gates[0].Constraint)
	issuer, _ := r.rec.Get("clusterissuer")
	assert.True(t, issuer.HasGate(hook), "C2: the ClusterIssuer carries credentialsProvisioned")
	assert.True(t, r.rec.Reaches("clusterissuer", "route53-credentialsrequest"))
	watch, ok := r.rec.Get("route53-credentials-provisioned")
	require.True(t, ok)
	assert.True(t, watch.HasGate(hook), "the gate polls beside the waitFor")
	assert.NotContains(t, watch.Deps, "route53-credentialsrequest")
	for _, res := range r.rec.Custom() {
		assert.False(t, strings.HasPrefix(res.Type, "aws:"), "cco creates no AWS resource: %s", res.Type)
	}
}

// unwrap removes a secret marker.
func unwrap(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() {
		return v.SecretValue().Element
	}
	return v
}

// secretAt reports whether the value at path, or a map on the way, is a Pulumi secret.
func secretAt(v resource.PropertyValue, path ...string) bool {
	for _, p := range path {
		if v.IsSecret() {
			return true
		}
		if !v.IsObject() {
			return false
		}
		v = v.ObjectValue()[resource.PropertyKey(p)]
	}
	return v.IsSecret()
}

func TestRoute53Access_iamKeysAreSecrets(t *testing.T) {
	r := deploy(t, Route53AccessArgs{Mode: ModeIAM, HostedZoneID: sampleZone, NamePrefix: "ocp-x7k2p"})
	require.NoError(t, r.err)
	user, ok := r.rec.Get("route53-user")
	require.True(t, ok)
	assert.Equal(t, "aws:iam/user:User", user.Type)
	assert.Equal(t, "ocp-x7k2p-cert-manager-route53", user.Object()["name"])
	key, ok := r.rec.Get("route53-access-key")
	require.True(t, ok)
	assert.Equal(t, "ocp-x7k2p-cert-manager-route53", key.Object()["user"])

	secrets := r.rec.Find("Secret", "cert-manager", "aws-creds")
	require.Len(t, secrets, 1)
	s := secrets[0]
	obj := s.Object()
	assert.Equal(t, "Opaque", obj["type"])
	root := resource.NewObjectProperty(s.Inputs)
	assert.Equal(t, map[string]any{
		"aws_access_key_id":     "route53-access-key-id", // the mock's id for the key
		"aws_secret_access_key": sampleSecret,
	}, unwrap(root.ObjectValue()["stringData"]).Mappable())
	assert.True(t, secretAt(root, "stringData", "aws_access_key_id"), "access key id must be a Pulumi secret")
	assert.True(t, secretAt(root, "stringData", "aws_secret_access_key"), "secret access key must be a Pulumi secret")
	// pulumi-kubernetes marks all of stringData secret; the values must be
	// secrets before that too (state of the component, logs of applies).
	assert.Equal(t, map[string]bool{"aws_access_key_id": true, "aws_secret_access_key": true}, r.secretKeys)
	assert.True(t, r.rec.Reaches("route53-secret", "route53-user-policy"), "the Secret appears only once the policy is attached")
	assert.True(t, r.rec.Reaches("clusterissuer", "route53-secret"), "C2")

	// Nowhere else does the secret value appear in plain text.
	for _, res := range r.rec.All() {
		if res.Name == "route53-secret" {
			continue
		}
		raw, _ := json.Marshal(res.Object())
		assert.NotContains(t, string(raw), sampleSecret, res.Name)
	}
}

func TestRoute53Access_stsTrustPolicy(t *testing.T) {
	cases := []struct {
		name    string
		args    Route53AccessArgs
		wantARN string
	}{
		{
			name:    "builds the OIDC provider ARN from the account and drops the issuer's scheme",
			args:    Route53AccessArgs{Mode: ModeSTS, HostedZoneID: sampleZone, NamePrefix: "ocp-x7k2p", OIDCIssuerURL: "https://oidc.example.s3.us-east-2.amazonaws.com/", AccountID: "123456789012"},
			wantARN: "arn:aws:iam::123456789012:oidc-provider/oidc.example.s3.us-east-2.amazonaws.com",
		},
		{
			name:    "takes a given OIDC provider ARN",
			args:    Route53AccessArgs{Mode: ModeSTS, HostedZoneID: sampleZone, NamePrefix: "ocp-x7k2p", OIDCIssuerURL: "oidc.example.s3.us-east-2.amazonaws.com", OIDCProviderARN: "arn:aws:iam::210987654321:oidc-provider/oidc.example.s3.us-east-2.amazonaws.com"},
			wantARN: "arn:aws:iam::210987654321:oidc-provider/oidc.example.s3.us-east-2.amazonaws.com",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := deploy(t, tc.args)
			require.NoError(t, r.err)
			role, ok := r.rec.Get("route53-role")
			require.True(t, ok)
			assert.Equal(t, "aws:iam/role:Role", role.Type)
			assert.Equal(t, "ocp-x7k2p-cert-manager-route53", role.Object()["name"])
			var trust map[string]any
			require.NoError(t, json.Unmarshal([]byte(role.Object()["assumeRolePolicy"].(string)), &trust))
			assert.Equal(t, map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect":    "Allow",
					"Principal": map[string]any{"Federated": tc.wantARN},
					"Action":    []any{"sts:AssumeRoleWithWebIdentity"},
					"Condition": map[string]any{"StringEquals": map[string]any{
						"oidc.example.s3.us-east-2.amazonaws.com:sub": []any{"system:serviceaccount:cert-manager:cert-manager"},
						"oidc.example.s3.us-east-2.amazonaws.com:aud": []any{"sts.amazonaws.com"},
					}},
				}},
			}, trust)
			issuer, _ := r.rec.Get("clusterissuer")
			assert.Equal(t, "arn:aws:iam::123456789012:role/ocp-x7k2p-cert-manager-route53", issuer.Object()["input"], "the role ARN flows out")
			assert.True(t, r.rec.Reaches("clusterissuer", "route53-role-policy"), "C2")
			assert.Empty(t, r.rec.Find("Secret", "cert-manager", "aws-creds"), "sts writes no key")
		})
	}
}

func TestRoute53AccessArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args Route53AccessArgs
		want string
	}{
		{"rejects an unknown mode", Route53AccessArgs{Mode: "keys", HostedZoneID: sampleZone}, `mode "keys"; expected cco, iam or sts`},
		{"rejects neither zone nor domain", Route53AccessArgs{Mode: ModeCCO}, "neither hosted zone ID nor domain"},
		{"rejects a malformed zone ID", Route53AccessArgs{Mode: ModeCCO, HostedZoneID: "example.com"}, `hosted zone ID "example.com"`},
		{"rejects iam without a name prefix", Route53AccessArgs{Mode: ModeIAM, HostedZoneID: sampleZone}, "needs a name prefix for the IAM user"},
		{"rejects sts without an issuer", Route53AccessArgs{Mode: ModeSTS, HostedZoneID: sampleZone, NamePrefix: "p", AccountID: "123456789012"}, "OIDC issuer"},
		{"rejects sts without provider or account", Route53AccessArgs{Mode: ModeSTS, HostedZoneID: sampleZone, NamePrefix: "p", OIDCIssuerURL: "oidc.example.com"}, "neither OIDC provider ARN nor account ID"},
		{"rejects a malformed account ID", Route53AccessArgs{Mode: ModeSTS, HostedZoneID: sampleZone, NamePrefix: "p", OIDCIssuerURL: "oidc.example.com", AccountID: "1234"}, `account ID "1234"`},
		{"rejects an IAM name over 64 characters", Route53AccessArgs{Mode: ModeIAM, HostedZoneID: sampleZone, NamePrefix: strings.Repeat("x", 50)}, "at most 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := deploy(t, tc.args)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tc.want)
			assert.Empty(t, r.zoneRequests, "no AWS call on invalid args")
		})
	}
}

func TestRoute53Access_usesTheAWSProviderGivenInOpts(t *testing.T) {
	rec := pulumitest.NewRecorder()
	rec.Outputs = func(res pulumitest.Resource) resource.PropertyMap {
		if res.Type == "aws:iam/accessKey:AccessKey" {
			return resource.PropertyMap{"secret": resource.NewStringProperty(sampleSecret)}
		}
		return nil
	}
	_, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "aws-dev", &aws.ProviderArgs{Region: pulumi.String("us-east-2")})
		if err != nil {
			return err
		}
		_, err = NewRoute53Access(ctx, "route53", &Route53AccessArgs{
			Mode: ModeIAM, HostedZoneID: sampleZone, NamePrefix: "ocp-x7k2p",
			Gates: readiness.NewBinder(ctx, readiness.NewWaiter(nil), true),
		}, pulumi.Providers(p))
		return err
	}, nil, false, rec)
	require.NoError(t, err)
	for _, name := range []string{"route53-user", "route53-user-policy", "route53-access-key"} {
		res, ok := rec.Get(name)
		require.True(t, ok, name)
		assert.Contains(t, res.Provider, "::aws-dev::", name)
	}
}
