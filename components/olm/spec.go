package olm

// Typed bodies of the OLM objects (operators.coreos.com), json tags as in the CRDs.

// Approval is Subscription.spec.installPlanApproval.
type Approval string

const (
	Automatic Approval = "Automatic"
	Manual    Approval = "Manual"
)

// InstallMode decides the OperatorGroup's target namespaces: each operator
// supports only some (docs/decisions.md "Operator subscriptions").
type InstallMode string

const (
	OwnNamespace  InstallMode = "OwnNamespace"
	AllNamespaces InstallMode = "AllNamespaces"
)

// GlobalOperatorsNamespace already holds OperatorGroup global-operators; never
// create another there (openshift/operator-framework-olm@release-4.21
// manifests/0000_50_olm_13-operatorgroup-default.yaml).
const GlobalOperatorsNamespace = "openshift-operators"

// MarketplaceNamespace holds the catalog sources.
const MarketplaceNamespace = "openshift-marketplace"

// OperatorGroupSpec is operators.coreos.com/v1 OperatorGroup.spec.
type OperatorGroupSpec struct {
	TargetNamespaces []string `json:"targetNamespaces,omitempty"`
	UpgradeStrategy  string   `json:"upgradeStrategy,omitempty"`
}

// EnvVar is one Subscription.spec.config.env entry.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SubscriptionConfig is Subscription.spec.config: how OLM configures the
// operator's Deployment (never patch an OLM-owned Deployment).
type SubscriptionConfig struct {
	Env []EnvVar `json:"env,omitempty"`
}

// SubscriptionSpec is operators.coreos.com/v1alpha1 Subscription.spec.
type SubscriptionSpec struct {
	Channel             string              `json:"channel"`
	InstallPlanApproval Approval            `json:"installPlanApproval"`
	Name                string              `json:"name"`
	Source              string              `json:"source"`
	SourceNamespace     string              `json:"sourceNamespace"`
	StartingCSV         string              `json:"startingCSV,omitempty"`
	Config              *SubscriptionConfig `json:"config,omitempty"`
}
