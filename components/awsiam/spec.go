package awsiam

// Typed body of the cloudcredential.openshift.io/v1 CredentialsRequest
// (openshift/cloud-credential-operator@release-4.21
// pkg/apis/cloudcredential/v1 types_credentialsrequest.go and types_aws.go).

// Cluster object names (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/cert-manager-operator/templates/credentialsrequest.yaml).
const (
	CCONamespace                 = "openshift-cloud-credential-operator"
	CredentialsRequestName       = "cert-manager"
	CredentialsRequestAPIVersion = "cloudcredential.openshift.io/v1"
	CredentialsRequestKind       = "CredentialsRequest"
	AWSProviderSpecKind          = "AWSProviderSpec"
	DefaultNamespace             = "cert-manager" // cert-manager's operand namespace (hard-coded by the operator)
	DefaultServiceAccount        = "cert-manager"
	DefaultSecretName            = "aws-creds" // the operator's CLOUD_CREDENTIALS_SECRET_NAME
	AccessKeyIDKey               = "aws_access_key_id"
	SecretAccessKeyKey           = "aws_secret_access_key"
)

// CredentialsRequestSpec is CredentialsRequest.spec.
type CredentialsRequestSpec struct {
	ProviderSpec        AWSProviderSpec `json:"providerSpec"`
	SecretRef           ObjectReference `json:"secretRef"`
	ServiceAccountNames []string        `json:"serviceAccountNames"`
}

// AWSProviderSpec is the embedded AWS provider spec.
type AWSProviderSpec struct {
	APIVersion       string           `json:"apiVersion"`
	Kind             string           `json:"kind"`
	StatementEntries []StatementEntry `json:"statementEntries"`
}

// StatementEntry is CCO's policy statement: one resource per entry.
type StatementEntry struct {
	Effect          string    `json:"effect"`
	Action          []string  `json:"action"`
	Resource        string    `json:"resource"`
	PolicyCondition Condition `json:"policyCondition,omitempty"`
}

// ObjectReference names the Secret CCO writes.
type ObjectReference struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// statementEntries carries a policy's statements into CCO's form.
func statementEntries(d PolicyDocument) []StatementEntry {
	out := make([]StatementEntry, len(d.Statement))
	for i, s := range d.Statement {
		out[i] = StatementEntry{Effect: s.Effect, Action: s.Action, Resource: s.Resource, PolicyCondition: s.Condition}
	}
	return out
}
