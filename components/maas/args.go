package maas

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Cluster object names (manifests.md phase 6, confirmations.md §4).
const (
	IngressNamespace      = "openshift-ingress"
	GatewayName           = "maas-default-gateway"
	GatewayClassName      = "openshift-default" // created by the connectivity layer
	GatewayConfigMapName  = "maas-default-gateway-override-config"
	RouteName             = "maas-default-gateway"
	DefaultTLSSecretName  = "ingress-certs" // D3: not router-certs-default, no serving-cert annotation
	ApplicationsNamespace = "redhat-ods-applications"
	TenantNamespace       = "models-as-a-service" // created by maas-controller
	TenantName            = "default-tenant"      // created by maas-controller; CEL pins the name
	DSCName               = "default-dsc"
	DBSecretName          = "maas-db-config"
	DBName                = "maas-db" // Deployment, Service and PersistentVolumeClaim
	DBUser                = "maas"
	DBDatabase            = "maas"
	DBPort                = 5432
	DefaultDBImage        = "registry.redhat.io/rhel9/postgresql-16:latest"
	DefaultDBStorage      = "10Gi"

	KuadrantNamespace       = "kuadrant-system"
	AuthorinoName           = "authorino"                         // CR, created by Kuadrant
	AuthorinoServiceName    = "authorino-authorino-authorization" // created by authorino-operator
	AuthorinoDeploymentName = "authorino"                         // created by authorino-operator
	AuthorinoContainer      = "authorino"
	AuthorinoCertSecret     = "authorino-server-cert" // issued by service-ca
	ServiceCAVolume         = "openshift-service-ca"
	ServiceCAConfigMap      = "openshift-service-ca.crt"
	ServiceCAMountPath      = "/etc/ssl/certs/openshift-service-ca"
	ServiceCABundle         = ServiceCAMountPath + "/service-ca-bundle.crt" // D10, confirmations §4
	EnvoyFilterName         = GatewayName + "-authn-ssl"                    // odh-model-controller (D4)
	ModelControllerName     = "odh-model-controller"
	MaaSControllerName      = "maas-controller"
	DashboardConfigName     = "odh-dashboard-config"

	BootstrapAnnotation     = "security.opendatahub.io/authorino-tls-bootstrap"
	ServingCertAnnotation   = "service.beta.openshift.io/serving-cert-secret-name"
	DefaultAPIKeyExpiryDays = 90
)

// Field managers of the Patch resources: each owns only its fields, and
// destroy relinquishes exactly those.
const (
	EnableFieldManager    = "rhoai-maas-enable"
	AuthorinoFieldManager = "rhoai-maas-authorino"
	BootstrapFieldManager = "rhoai-maas-authorino-bootstrap"
	TenantFieldManager    = "rhoai-maas-tenant"
	DashboardFieldManager = "rhoai-maas-dashboard"
)

// Budgets.
const (
	GatewayTimeout      = 10 * time.Minute
	ModelRefTimeout     = 10 * time.Minute
	PolicyTimeout       = 10 * time.Minute
	DatabaseTimeout     = 10 * time.Minute
	MaaSReadyTimeout    = 15 * time.Minute
	EnvoyFilterTimeout  = 5 * time.Minute
	AuthorinoTimeout    = 10 * time.Minute
	ExistsTimeout       = 10 * time.Minute
	TenantRemoveTimeout = 5 * time.Minute
)

// GatewayArgs configures maas-default-gateway (manifests.md 6.1).
type GatewayArgs struct {
	AppsDomain string
	// ModelNamespaces are the published models' namespaces. allowedRoutes
	// lists exactly these plus redhat-ods-applications (maas-api's route) and
	// models-as-a-service.
	ModelNamespaces []string
	TLSSecretName   string // default ingress-certs (D3)
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

// Validate reports every problem at once.
func (a GatewayArgs) Validate() error {
	var errs []error
	if !dnsName.MatchString(a.AppsDomain) {
		errs = append(errs, fmt.Errorf("appsDomain %q is not a DNS name such as apps.cluster.example.com", a.AppsDomain))
	}
	for i, ns := range a.ModelNamespaces {
		if !dnsLabel.MatchString(ns) {
			errs = append(errs, fmt.Errorf("modelNamespaces[%d] %q is not a namespace name", i, ns))
		}
	}
	if !dnsSubdomain.MatchString(a.TLSSecretName) {
		errs = append(errs, fmt.Errorf("tlsSecretName %q is not a Secret name", a.TLSSecretName))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	if isEmpty(a.GatewayClass) {
		errs = append(errs, fmt.Errorf("the GatewayClass prerequisite is empty; the connectivity layer creates GatewayClass %s", GatewayClassName))
	}
	return errors.Join(errs...)
}

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
	Groups   []string // owner groups (items carry only name, D6)
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

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	dnsName      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$`)
	quantity     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$`)
	// WindowPattern is the MaaSSubscription CRD's tokenRateLimits[].window pattern.
	WindowPattern = regexp.MustCompile(`^[1-9]\d{0,3}(s|m|h)$`)
)

func isEmpty(p readiness.Prerequisite) bool { return len(p.Resources) == 0 && len(p.Gates) == 0 }

// Validate reports every problem at once; it runs on the defaulted args.
func (a MaaSArgs) Validate() error {
	var errs []error
	add := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	if a.Gateway == nil {
		add("no Gateway given: create it with maas.NewGateway before the serving layer (published models route to it, C15) and pass it here (C12, C13)")
	}
	if a.Gates == nil {
		add("no gate binder given")
	}
	if isEmpty(a.DSCReady) {
		add("the DSCReady prerequisite is empty; C12 needs the rhoai layer's DSC Ready before enabling MaaS")
	}
	if isEmpty(a.Authorino) {
		add("the Authorino prerequisite is empty; the connectivity layer's Kuadrant Ready creates Authorino %s/%s", KuadrantNamespace, AuthorinoName)
	}
	if isEmpty(a.DashboardConfig) {
		add("the DashboardConfig prerequisite is empty; C17 patches OdhDashboardConfig %s/%s, which the rhoai layer waits for", a.ApplicationsNamespace, DashboardConfigName)
	}
	if a.Database.Password != nil && a.Database.ExternalURL != nil {
		add("database: password and externalURL are exclusive; an external database brings its own credentials in the URL")
	}
	if a.Database.ExternalURL == nil {
		if !quantity.MatchString(a.Database.StorageSize) {
			add("database.storageSize %q is not a storage quantity such as 10Gi", a.Database.StorageSize)
		}
		if strings.TrimSpace(a.Database.Image) == "" || strings.ContainsAny(a.Database.Image, " \n") {
			add("database.image %q is not an image reference", a.Database.Image)
		}
		if a.Database.StorageClass != "" && !dnsSubdomain.MatchString(a.Database.StorageClass) {
			add("database.storageClass %q is not a StorageClass name", a.Database.StorageClass)
		}
	}
	if a.APIKeyMaxExpirationDays < 1 {
		add("apiKeyMaxExpirationDays: found %d, expected an integer >= 1", a.APIKeyMaxExpirationDays)
	}

	seen := map[string]bool{}
	for i, m := range a.Models {
		key := m.Namespace + "/" + m.Name
		if !dnsLabel.MatchString(m.Name) || !dnsLabel.MatchString(m.Namespace) {
			add("models[%d] %q: name and namespace must be DNS labels", i, key)
		}
		if seen[key] {
			add("models[%d] %q is listed twice", i, key)
		}
		seen[key] = true
		if isEmpty(m.After) {
			add("models[%d] %q has no prerequisite; C15 needs its LLMInferenceService (serving Model.Prerequisite())", i, key)
		}
		if a.Gateway != nil && !slices.Contains(a.Gateway.AllowedNamespaces, m.Namespace) {
			add("models[%d] %q: namespace %s is not in the allowedRoutes of %s (%s); add it to GatewayArgs.ModelNamespaces, or its HTTPRoute is NotAllowedByListeners",
				i, key, m.Namespace, GatewayName, strings.Join(a.Gateway.AllowedNamespaces, ", "))
		}
	}

	names := map[string]bool{}
	for i, s := range a.Subscriptions {
		at := fmt.Sprintf("subscriptions[%d]", i)
		errs = append(errs, subscriptionEntry.check(at, s.Name, names, s.Groups, s.Users, len(s.Models))...)
		for j, m := range s.Models {
			mat := fmt.Sprintf("%s.models[%d]", at, j)
			if _, ok := a.resolve(m.Model, m.Namespace); !ok {
				add("%s %q: %s", mat, m.Namespace+"/"+m.Model, a.unresolved(m.Model, m.Namespace))
			}
			if len(m.Limits) == 0 {
				add("%s %q has no token limit; tokenRateLimits is required", mat, m.Model)
			}
			for k, l := range m.Limits {
				if l.Limit < 1 {
					add("%s.limits[%d].limit: found %d, expected an integer >= 1", mat, k, l.Limit)
				}
				if !WindowPattern.MatchString(l.Window) {
					add("%s.limits[%d].window %q; expected a window matching %s such as 1m, 24h", mat, k, l.Window, WindowPattern)
				}
			}
		}
	}
	names = map[string]bool{}
	for i, p := range a.AuthPolicies {
		at := fmt.Sprintf("authPolicies[%d]", i)
		errs = append(errs, authPolicyEntry.check(at, p.Name, names, p.Groups, p.Users, len(p.Models))...)
		for j, m := range p.Models {
			if _, ok := a.resolve(m.Name, m.Namespace); !ok {
				add("%s.models[%d] %q: %s", at, j, m.Namespace+"/"+m.Name, a.unresolved(m.Name, m.Namespace))
			}
		}
	}
	return errors.Join(errs...)
}

// entryRules word the checks that subscriptions and auth policies share.
type entryRules struct {
	kind      string // what a repeated name repeats: "subscription"
	noSubject string // ends "<entry> has no " when it names no group or user
	noModel   string // ends "<entry> has no model" when it lists none
}

var (
	subscriptionEntry = entryRules{kind: "subscription",
		noSubject: "owner group or user; expected at least one",
		noModel:   "; expected at least one published model with token limits"}
	authPolicyEntry = entryRules{kind: "auth policy",
		noSubject: "subject; the CRD requires at least one group or user"}
)

// check validates the part of a list entry at `at` that subscriptions and
// auth policies share, in this order: its name is a DNS label not already in
// names (which it joins), it has a group or user and no blank one, and it
// has at least one model.
func (r entryRules) check(at, name string, names map[string]bool, groups, users []string, models int) []error {
	var errs []error
	if !dnsLabel.MatchString(name) {
		errs = append(errs, fmt.Errorf("%s.name %q is not a DNS label", at, name))
	}
	if names[name] {
		errs = append(errs, fmt.Errorf("%s.name %q repeats another %s", at, name, r.kind))
	}
	names[name] = true
	if len(groups)+len(users) == 0 {
		errs = append(errs, fmt.Errorf("%s %q has no %s", at, name, r.noSubject))
	}
	errs = append(errs, blank(at+".groups", groups)...)
	errs = append(errs, blank(at+".users", users)...)
	if models == 0 {
		errs = append(errs, fmt.Errorf("%s %q has no model%s", at, name, r.noModel))
	}
	return errs
}

func blank(at string, list []string) []error {
	var errs []error
	for i, v := range list {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("%s[%d] is empty", at, i))
		}
	}
	return errs
}

func (a MaaSArgs) unresolved(name, ns string) string {
	var published, same []string
	for _, m := range a.Models {
		published = append(published, m.Namespace+"/"+m.Name)
		if m.Name == name {
			same = append(same, m.Namespace)
		}
	}
	if ns == "" && len(same) > 1 {
		return fmt.Sprintf("model %s is published in several namespaces (%s); give the namespace", name, strings.Join(same, ", "))
	}
	if len(published) == 0 {
		return "no model is published through MaaS; set publish on the model"
	}
	return fmt.Sprintf("not a published model; published: %s", strings.Join(published, ", "))
}

// Warnings are configurations that apply but do not work as one expects: a
// subscription owner group without a matching auth policy subject (or the
// reverse) makes the model silently disappear from /v1/models for that group
// ([G] maas-troubleshooting); a published model without a subscription or an
// auth policy is reachable by nobody.
func (a MaaSArgs) Warnings() []string {
	a = a.withDefaults()
	var out []string
	type who struct{ groups, users map[string][]string } // subject -> policies naming it
	for _, m := range a.Models {
		key := m.Namespace + "/" + m.Name
		subs := who{map[string][]string{}, map[string][]string{}}
		pols := who{map[string][]string{}, map[string][]string{}}
		for _, s := range a.Subscriptions {
			for _, ml := range s.Models {
				if ml.Model == m.Name && ml.Namespace == m.Namespace {
					for _, g := range s.Groups {
						subs.groups[g] = append(subs.groups[g], s.Name)
					}
					for _, u := range s.Users {
						subs.users[u] = append(subs.users[u], s.Name)
					}
				}
			}
		}
		for _, p := range a.AuthPolicies {
			for _, r := range p.Models {
				if r.Name == m.Name && r.Namespace == m.Namespace {
					for _, g := range p.Groups {
						pols.groups[g] = append(pols.groups[g], p.Name)
					}
					for _, u := range p.Users {
						pols.users[u] = append(pols.users[u], p.Name)
					}
				}
			}
		}
		if len(subs.groups)+len(subs.users) == 0 {
			out = append(out, fmt.Sprintf("model %s is published but no MaaSSubscription covers it: no API key gets tokens for it", key))
		}
		if len(pols.groups)+len(pols.users) == 0 {
			out = append(out, fmt.Sprintf("model %s is published but no MaaSAuthPolicy covers it: nobody may call it", key))
		}
		if len(subs.groups)+len(subs.users) == 0 || len(pols.groups)+len(pols.users) == 0 {
			continue
		}
		out = append(out, mismatch(key, "group", subs.groups, pols.groups)...)
		out = append(out, mismatch(key, "user", subs.users, pols.users)...)
	}
	return out
}

func mismatch(model, kind string, subs, pols map[string][]string) []string {
	var out []string
	for _, s := range sortedKeys(subs) {
		if _, ok := pols[s]; !ok {
			out = append(out, fmt.Sprintf("model %s: %s %q owns MaaSSubscription %s but no MaaSAuthPolicy for the model names it; the model silently disappears from /v1/models for it (subjects must match the owner %ss)",
				model, kind, s, strings.Join(subs[s], ", "), kind))
		}
	}
	for _, p := range sortedKeys(pols) {
		if _, ok := subs[p]; !ok {
			out = append(out, fmt.Sprintf("model %s: %s %q is a subject of MaaSAuthPolicy %s but owns no MaaSSubscription for the model; its requests get no token budget (subjects must match the owner %ss)",
				model, kind, p, strings.Join(pols[p], ", "), kind))
		}
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
