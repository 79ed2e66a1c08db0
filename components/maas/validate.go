package maas

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
	"k8s.io/apimachinery/pkg/api/resource"
)

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	dnsName      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$`)
	imageRef     = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
	// WindowPattern is the MaaSSubscription CRD's tokenRateLimits[].window pattern.
	WindowPattern = regexp.MustCompile(`^[1-9]\d{0,3}(s|m|h)$`)
)

// MaxTokenLimit is the MaaSSubscription CRD's tokenRateLimits[].limit maximum.
const MaxTokenLimit = 1_000_000_000

// The rules below are this layer's; stacks/ reports them under config keys
// before anything is registered (each returns problems by field name).

// Problems of the database fields (image, storageSize, storageClass).
func (d DatabaseArgs) Problems() []manifest.Problem {
	var out []manifest.Problem
	if d.ExternalURL != nil {
		return nil // only maas-db-config is made
	}
	if !imageRef.MatchString(d.Image) {
		out = append(out, manifest.Problem{Field: "image", Found: manifest.Quoted(d.Image), Expected: "an image reference such as " + DefaultDBImage})
	}
	if q, err := resource.ParseQuantity(d.StorageSize); err != nil || q.Sign() <= 0 {
		out = append(out, manifest.Problem{Field: "storageSize", Found: manifest.Quoted(d.StorageSize), Expected: "a storage size such as 10Gi"})
	}
	if d.StorageClass != "" && !dnsSubdomain.MatchString(d.StorageClass) {
		out = append(out, manifest.Problem{Field: "storageClass", Found: manifest.Quoted(d.StorageClass), Expected: "a StorageClass name"})
	}
	return out
}

// Problems of one token budget (limit, window), as the CRD bounds them.
func (l TokenRateLimit) Problems() []manifest.Problem {
	var out []manifest.Problem
	if l.Limit < 1 || l.Limit > MaxTokenLimit {
		out = append(out, manifest.Problem{Field: "limit", Found: fmt.Sprint(l.Limit), Expected: fmt.Sprintf("a token limit from 1 to %d", MaxTokenLimit)})
	}
	if !WindowPattern.MatchString(l.Window) {
		out = append(out, manifest.Problem{Field: "window", Found: manifest.Quoted(l.Window), Expected: fmt.Sprintf("a window matching %s such as 24h or 30m", WindowPattern)})
	}
	return out
}

// NameProblems: a subscription or auth policy name is a Kubernetes name.
func NameProblems(name string) []manifest.Problem {
	if dnsLabel.MatchString(name) && len(name) <= 63 {
		return nil
	}
	return []manifest.Problem{{Field: "name", Found: manifest.Quoted(name), Expected: "a DNS label of at most 63 characters such as premium"}}
}

// SubjectProblems: each group or user (field "groups" or "users") is a
// name, not blank.
func SubjectProblems(field string, subjects []string) []manifest.Problem {
	var out []manifest.Problem
	for i, s := range subjects {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\n,") {
			out = append(out, manifest.Problem{Field: fmt.Sprintf("%s[%d]", field, i), Found: fmt.Sprintf("%q", s), Expected: "a " + strings.TrimSuffix(field, "s") + " name without spaces or commas"})
		}
	}
	return out
}

// SecretNameProblems: the MaaS listener's TLS Secret name.
func SecretNameProblems(name string) []manifest.Problem {
	if dnsSubdomain.MatchString(name) && len(name) <= 253 {
		return nil
	}
	return []manifest.Problem{{Field: "tlsSecretName", Found: manifest.Quoted(name), Expected: "a Secret name such as ingress-certs"}}
}

func asErrors(prefix string, ps []manifest.Problem) []error {
	var out []error
	for _, p := range ps {
		if prefix != "" {
			p.Field = prefix + "." + p.Field
		}
		out = append(out, p)
	}
	return out
}

func isEmpty(p readiness.Prerequisite) bool { return len(p.Resources) == 0 && len(p.Gates) == 0 }

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
	errs = append(errs, asErrors("", SecretNameProblems(a.TLSSecretName))...)
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	if isEmpty(a.GatewayClass) {
		errs = append(errs, fmt.Errorf("the GatewayClass prerequisite is empty; the connectivity layer creates GatewayClass %s", GatewayClassName))
	}
	return errors.Join(errs...)
}

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
	errs = append(errs, asErrors("database", a.Database.Problems())...)
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
				errs = append(errs, asErrors(fmt.Sprintf("%s.limits[%d]", mat, k), l.Problems())...)
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
	errs := asErrors(at, NameProblems(name))
	if names[name] {
		errs = append(errs, fmt.Errorf("%s.name %q repeats another %s", at, name, r.kind))
	}
	names[name] = true
	if len(groups)+len(users) == 0 {
		errs = append(errs, fmt.Errorf("%s %q has no %s", at, name, r.noSubject))
	}
	errs = append(errs, asErrors(at, SubjectProblems("groups", groups))...)
	errs = append(errs, asErrors(at, SubjectProblems("users", users))...)
	if models == 0 {
		errs = append(errs, fmt.Errorf("%s %q has no model%s", at, name, r.noModel))
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
