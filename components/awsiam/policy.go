package awsiam

import (
	"encoding/json"
	"fmt"
)

// IAM policy documents as typed structs: one builder serves every mode (the
// CredentialsRequest's statementEntries, the IAM user's inline policy and the
// STS role's inline policy carry the same statements).

// PolicyVersion is the IAM policy language version.
const PolicyVersion = "2012-10-17"

// Route53 condition keys (AWS Route 53 Developer Guide, "Using IAM policy
// conditions for fine-grained access control": specifying-rrset-conditions).
const (
	KeyRecordTypes           = "route53:ChangeResourceRecordSetsRecordTypes"
	KeyNormalizedRecordNames = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
	// ACMEChallengeNames matches the DNS-01 TXT names cert-manager writes
	// (_acme-challenge.<domain>); normalized names are lower case, no trailing dot.
	ACMEChallengeNames = "_acme-challenge.*"
)

// PolicyDocument is an IAM policy.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement. Resource is omitted in trust policies.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    []string   `json:"Action"`
	Resource  string     `json:"Resource,omitempty"`
	Condition Condition  `json:"Condition,omitempty"`
}

// Principal of a trust policy statement.
type Principal struct {
	Federated string `json:"Federated"`
}

// Condition is operator -> condition key -> values, e.g.
// {"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}.
type Condition map[string]map[string][]string

// JSON renders the document; a PolicyDocument always marshals.
func (d PolicyDocument) JSON() string {
	raw, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("awsiam: encoding a policy document: %v", err))
	}
	return string(raw)
}

// HostedZoneARN is the ARN of a Route53 hosted zone (route53 ARNs carry no
// region or account).
func HostedZoneARN(partition, zoneID string) string {
	return fmt.Sprintf("arn:%s:route53:::hostedzone/%s", partition, zoneID)
}

// Route53Policy is the least privilege cert-manager's route53 DNS-01 solver
// needs: changes in one zone, only TXT records named _acme-challenge.*; the
// zone's record list; the change status; the zone lookup by name
// (cert-manager/cert-manager PR 2011).
func Route53Policy(partition, zoneID string) PolicyDocument {
	zone := HostedZoneARN(partition, zoneID)
	return PolicyDocument{Version: PolicyVersion, Statement: []Statement{
		{
			Sid: "ChangeACMEChallengeTXTRecords", Effect: "Allow",
			Action:   []string{"route53:ChangeResourceRecordSets"},
			Resource: zone,
			Condition: Condition{
				"ForAllValues:StringEquals": {KeyRecordTypes: {"TXT"}},
				"ForAllValues:StringLike":   {KeyNormalizedRecordNames: {ACMEChallengeNames}},
			},
		},
		{Sid: "ListZoneRecords", Effect: "Allow", Action: []string{"route53:ListResourceRecordSets"}, Resource: zone},
		{Sid: "GetChangeStatus", Effect: "Allow", Action: []string{"route53:GetChange"}, Resource: fmt.Sprintf("arn:%s:route53:::change/*", partition)},
		{Sid: "FindZoneByName", Effect: "Allow", Action: []string{"route53:ListHostedZonesByName"}, Resource: "*"},
	}}
}

// WebIdentityTrustPolicy lets one service account assume the role through
// the cluster's OIDC provider. issuer is the OIDC issuer host/path (no
// scheme), as IAM spells condition keys: "<issuer>:sub", "<issuer>:aud".
func WebIdentityTrustPolicy(providerARN, issuer, namespace, serviceAccount, audience string) PolicyDocument {
	return PolicyDocument{Version: PolicyVersion, Statement: []Statement{{
		Effect:    "Allow",
		Principal: &Principal{Federated: providerARN},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: Condition{"StringEquals": {
			issuer + ":sub": {"system:serviceaccount:" + namespace + ":" + serviceAccount},
			issuer + ":aud": {audience},
		}},
	}}}
}
