package maas

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// GatewayArgs configures maas-default-gateway (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/maas/gateway/).
type GatewayArgs struct {
	AppsDomain string
	// ModelNamespaces are the published models' namespaces. allowedRoutes
	// lists exactly these plus redhat-ods-applications (maas-api's route) and
	// models-as-a-service.
	ModelNamespaces []string
	TLSSecretName   string // default ingress-certs (docs/decisions.md D3)
	// Render writes the authorino-tls-bootstrap annotation at creation (render
	// mode only; live runs add it with its own patch once TLS is on, C13).
	Render                bool
	ApplicationsNamespace string // default redhat-ods-applications

	Gates        *readiness.Binder
	After        readiness.Prerequisite // applied to every object
	GatewayClass readiness.Prerequisite // GatewayClass openshift-default exists (connectivity)
	TLSSecret    readiness.Prerequisite // the listener's secret exists (tls layer)
}

func (a GatewayArgs) withDefaults() GatewayArgs {
	if a.TLSSecretName == "" {
		a.TLSSecretName = DefaultTLSSecretName
	}
	if a.ApplicationsNamespace == "" {
		a.ApplicationsNamespace = ApplicationsNamespace
	}
	return a
}

// allowedNamespaces: the model namespaces in first-seen order, then the
// applications namespace and models-as-a-service, each once.
func (a GatewayArgs) allowedNamespaces() []string {
	var out []string
	for _, ns := range append(append([]string{}, a.ModelNamespaces...), a.ApplicationsNamespace, TenantNamespace) {
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}

// Defaults of the database and the Tenant.
const (
	// DefaultDBImage is pinned to a RHEL 9.7 stream tag, not :latest, so the
	// same config renders the same Deployment tomorrow.
	DefaultDBImage          = "registry.redhat.io/rhel9/postgresql-16:9.7"
	DefaultDBStorage        = "10Gi"
	DefaultAPIKeyExpiryDays = 90
)

// DatabaseArgs configures the maas-api database. With ExternalURL, only the
// Secret maas-db-config is made (no PostgreSQL objects); otherwise PostgreSQL
// runs in the applications namespace on a PersistentVolumeClaim, so API keys
// survive restarts.
type DatabaseArgs struct {
	Password    pulumi.StringInput // optional; made secret; default a random.RandomPassword
	ExternalURL pulumi.StringInput // optional postgres:// URL, given as a secret
	// SecretSupplied: maas-db-config (password, DB_CONNECTION_URL) comes from
	// outside the program, e.g. a secret manager after a render-mode hand-off;
	// no password is generated and no secret value is written.
	SecretSupplied bool
	Image          string // default registry.redhat.io/rhel9/postgresql-16:latest
	StorageSize    string // default 10Gi
	StorageClass   string // optional; default the cluster's default StorageClass
}

// PublishedModel is a model served by the serving layer and routed to
// maas-default-gateway; After is its LLMInferenceService (C15).
type PublishedModel struct {
	Name      string
	Namespace string
	After     readiness.Prerequisite
}

// Subscription is one MaaSSubscription (a tier): owners and token limits per model.
type Subscription struct {
	Name     string
	Groups   []string // owner groups (items carry only name, docs/decisions.md D6)
	Users    []string
	Priority int // keys bind to the highest priority
	Models   []ModelLimits
}

// ModelLimits are one model's token budgets within a subscription.
type ModelLimits struct {
	Model     string           // a published model's name
	Namespace string           // optional when the name is unambiguous
	Limits    []TokenRateLimit // at least one
}

// AuthPolicy is one MaaSAuthPolicy: who may call which models.
type AuthPolicy struct {
	Name   string
	Models []ModelRef
	Groups []string
	Users  []string
}

// ModelRef names a published model; Namespace is optional when unambiguous.
type ModelRef struct {
	Name      string
	Namespace string
}

// Default tier of the rationale.
const (
	DefaultSubscriptionName = "default-subscription"
	DefaultAuthPolicyName   = "default-auth-policy"
	AuthenticatedGroup      = "system:authenticated"
)

// DefaultSubscriptions is the rationale's single tier: system:authenticated,
// 1000 tokens per 24 h on every published model.
func DefaultSubscriptions(models []PublishedModel) []Subscription {
	if len(models) == 0 {
		return nil
	}
	s := Subscription{Name: DefaultSubscriptionName, Groups: []string{AuthenticatedGroup}}
	for _, m := range models {
		s.Models = append(s.Models, ModelLimits{Model: m.Name, Namespace: m.Namespace, Limits: []TokenRateLimit{{Limit: 1000, Window: "24h"}}})
	}
	return []Subscription{s}
}

// DefaultAuthPolicies lets the same group call every published model.
func DefaultAuthPolicies(models []PublishedModel) []AuthPolicy {
	if len(models) == 0 {
		return nil
	}
	p := AuthPolicy{Name: DefaultAuthPolicyName, Groups: []string{AuthenticatedGroup}}
	for _, m := range models {
		p.Models = append(p.Models, ModelRef{Name: m.Name, Namespace: m.Namespace})
	}
	return []AuthPolicy{p}
}

// MaaSArgs is what stacks/ derives from validated config. Prerequisites come
// from the layers below: DSCReady and DashboardConfig (rhoai), Authorino
// (connectivity: Kuadrant Ready, so the Authorino CR, Service and Deployment
// are being created), Models (serving: each LLMInferenceService).
type MaaSArgs struct {
	Gateway                 *Gateway // from NewGateway; required (C12, C13)
	AppsDomain              string   // default the gateway's
	ApplicationsNamespace   string   // default redhat-ods-applications
	DSCName                 string   // default default-dsc (datasciencecluster.opendatahub.io/v2)
	Database                DatabaseArgs
	APIKeyMaxExpirationDays int              // Tenant spec.apiKeys.maxExpirationDays, default 90
	Models                  []PublishedModel // the published models (C15)
	Subscriptions           []Subscription   // nil: DefaultSubscriptions(Models); empty: none
	AuthPolicies            []AuthPolicy     // nil: DefaultAuthPolicies(Models); empty: none
	GenAIStudio             *bool            // dashboard genAiStudio flag, default true; false leaves it to the rhoai layer
	// Render: in render mode a rendered object is one file, so the three
	// late-field patches (DSC modelsAsService, the gateway's bootstrap
	// annotation, the dashboard flags) are folded into their objects by the
	// rhoai layer (RenderMaaS) and GatewayArgs.Render; this layer skips them.
	Render bool

	Gates           *readiness.Binder
	After           readiness.Prerequisite // applied to every object
	DSCReady        readiness.Prerequisite // the DSC exists and is Ready (C12)
	Authorino       readiness.Prerequisite // Kuadrant Ready (connectivity)
	DashboardConfig readiness.Prerequisite // OdhDashboardConfig exists (C17)
}

func (a MaaSArgs) withDefaults() MaaSArgs {
	if a.AppsDomain == "" && a.Gateway != nil {
		a.AppsDomain = a.Gateway.appsDomain
	}
	if a.ApplicationsNamespace == "" {
		a.ApplicationsNamespace = ApplicationsNamespace
	}
	if a.DSCName == "" {
		a.DSCName = DSCName
	}
	if a.Database.Image == "" {
		a.Database.Image = DefaultDBImage
	}
	if a.Database.StorageSize == "" {
		a.Database.StorageSize = DefaultDBStorage
	}
	if a.APIKeyMaxExpirationDays == 0 {
		a.APIKeyMaxExpirationDays = DefaultAPIKeyExpiryDays
	}
	if a.Subscriptions == nil {
		a.Subscriptions = DefaultSubscriptions(a.Models)
	}
	if a.AuthPolicies == nil {
		a.AuthPolicies = DefaultAuthPolicies(a.Models)
	}
	if a.GenAIStudio == nil {
		on := true
		a.GenAIStudio = &on
	}
	// Resolve model namespaces, so specs and outputs are explicit.
	subs := make([]Subscription, len(a.Subscriptions))
	for i, s := range a.Subscriptions {
		s.Models = append([]ModelLimits(nil), s.Models...)
		for j, m := range s.Models {
			if ns, ok := a.resolve(m.Model, m.Namespace); ok {
				s.Models[j].Namespace = ns
			}
		}
		subs[i] = s
	}
	a.Subscriptions = subs
	pols := make([]AuthPolicy, len(a.AuthPolicies))
	for i, p := range a.AuthPolicies {
		p.Models = append([]ModelRef(nil), p.Models...)
		for j, m := range p.Models {
			if ns, ok := a.resolve(m.Name, m.Namespace); ok {
				p.Models[j].Namespace = ns
			}
		}
		pols[i] = p
	}
	a.AuthPolicies = pols
	return a
}

// resolve finds the namespace of a published model by name (and namespace,
// when given); ambiguous or unknown names do not resolve.
func (a MaaSArgs) resolve(name, ns string) (string, bool) {
	var found []string
	for _, m := range a.Models {
		if m.Name == name && (ns == "" || m.Namespace == ns) {
			found = append(found, m.Namespace)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}
