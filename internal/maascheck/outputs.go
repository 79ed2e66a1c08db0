package maascheck

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Outputs is the part of the stack outputs the check reads (the program's
// STACK OUTPUTS contract).
type Outputs struct {
	MaasURL       string         `json:"maasUrl"`    // https://maas.<apps-domain>
	MaasAPIURL    string         `json:"maasApiUrl"` // https://maas.<apps-domain>/maas-api
	DashboardURL  string         `json:"dashboardUrl"`
	Models        []Model        `json:"models"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// Model is one entry of the `models` output.
type Model struct {
	Name       string `json:"name"`       // LLMInferenceService / MaaSModelRef name
	Namespace  string `json:"namespace"`  // model namespace
	ServedName string `json:"servedName"` // LLMInferenceService spec.model.name
	Published  bool   `json:"published"`  // has a MaaSModelRef
	Endpoint   string `json:"endpoint"`   // https://maas.<apps>/<ns>/<name>
}

// Subscription is one entry of the `subscriptions` output.
type Subscription struct {
	Name     string              `json:"name"`
	Priority int                 `json:"priority"`
	Groups   []string            `json:"groups"`
	Models   []SubscriptionModel `json:"models"`
}

// SubscriptionModel is one model of a subscription with its token limit.
type SubscriptionModel struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Limit     int    `json:"limit"`
	Window    string `json:"window"`
}

// ParseOutputs reads the JSON of the stack outputs. It accepts the shape of
// `pulumi stack output --json` ({"maasUrl": "..."}) and the shape of the
// Automation API's OutputMap ({"maasUrl": {"value": "...", "secret": false}}).
func ParseOutputs(data []byte) (*Outputs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("stack outputs are not a JSON object: %w", err)
	}
	plain := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		var wrapped struct {
			Value  json.RawMessage `json:"value"`
			Secret *bool           `json:"secret"`
		}
		if json.Unmarshal(v, &wrapped) == nil && wrapped.Secret != nil && wrapped.Value != nil {
			v = wrapped.Value
		}
		plain[k] = v
	}
	buf, err := json.Marshal(plain)
	if err != nil {
		return nil, fmt.Errorf("re-encoding stack outputs: %w", err)
	}
	var o Outputs
	if err := json.Unmarshal(buf, &o); err != nil {
		return nil, fmt.Errorf("stack outputs do not match the contract (maasUrl, maasApiUrl, models, subscriptions): %w", err)
	}
	o.MaasURL = strings.TrimRight(o.MaasURL, "/")
	o.MaasAPIURL = strings.TrimRight(o.MaasAPIURL, "/")
	if o.MaasAPIURL == "" && o.MaasURL != "" {
		o.MaasAPIURL = o.MaasURL + "/maas-api"
	}
	if o.MaasURL == "" {
		return nil, fmt.Errorf("stack outputs have no maasUrl: is MaaS enabled in this stack?")
	}
	return &o, nil
}

// FindModel finds a model by name or served name.
func (o *Outputs) FindModel(name string) (Model, bool) {
	for _, m := range o.Models {
		if m.Name == name || (m.ServedName != "" && m.ServedName == name) {
			return m, true
		}
	}
	return Model{}, false
}

// FindSubscription finds a subscription by name.
func (o *Outputs) FindSubscription(name string) (Subscription, bool) {
	for _, s := range o.Subscriptions {
		if s.Name == name {
			return s, true
		}
	}
	return Subscription{}, false
}

// Published lists the models that have a MaaSModelRef.
func (o *Outputs) Published() []Model {
	var out []Model
	for _, m := range o.Models {
		if m.Published {
			out = append(out, m)
		}
	}
	return out
}

// Limit returns the subscription's token limit for the model.
func (s Subscription) Limit(m Model) (SubscriptionModel, bool) {
	for _, sm := range s.Models {
		if sm.Name == m.Name && (sm.Namespace == "" || m.Namespace == "" || sm.Namespace == m.Namespace) {
			return sm, true
		}
	}
	return SubscriptionModel{}, false
}

// RequestModel is the "model" field of a completion: the name vLLM serves.
func (m Model) RequestModel() string {
	if m.ServedName != "" {
		return m.ServedName
	}
	return m.Name
}

// ChatURL is the model's chat-completions URL on the MaaS gateway.
func (m Model) ChatURL(maasURL string) string {
	base := strings.TrimRight(m.Endpoint, "/")
	if base == "" {
		base = strings.TrimRight(maasURL, "/") + "/" + m.Namespace + "/" + m.Name
	}
	switch {
	case strings.HasSuffix(base, "/chat/completions"):
		return base
	case strings.HasSuffix(base, "/v1"):
		return base + "/chat/completions"
	default:
		return base + "/v1/chat/completions"
	}
}

// String names the model as namespace/name.
func (m Model) String() string {
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}

// Selection is what a run checks: the main subscription and model, and the
// low tier used for the 429 step (empty: none).
type Selection struct {
	Subscription string
	Model        Model
	HasModel     bool
	LowTier      string
	LowTierLimit SubscriptionModel
	LowTierWhy   string // why there is no low tier, when LowTier is empty
}

// Select applies the flag values (empty: defaults) to the outputs:
//   - subscription: the flag, else the highest-priority subscription that
//     includes the model (keys bind to the highest priority:
//     opendatahub-io/models-as-a-service@v0.1.1 deployment/base/maas-controller/crd/bases/maas.opendatahub.io_maassubscriptions.yaml);
//   - model: the flag, else the first published model of that subscription,
//     else the first published model;
//   - low tier: the flag, else the subscription with the smallest limit for the
//     model, when that is not the main subscription.
func Select(o *Outputs, subscription, lowTier, model string) (Selection, error) {
	var sel Selection
	if model != "" {
		m, ok := o.FindModel(model)
		if !ok {
			return sel, fmt.Errorf("model %q is not in the stack outputs (models: %s)", model, modelNames(o.Models))
		}
		sel.Model, sel.HasModel = m, true
	}
	if subscription != "" {
		if _, ok := o.FindSubscription(subscription); !ok && len(o.Subscriptions) > 0 {
			return sel, fmt.Errorf("subscription %q is not in the stack outputs (subscriptions: %s)",
				subscription, subscriptionNames(o.Subscriptions))
		}
		sel.Subscription = subscription
	}
	subs := append([]Subscription(nil), o.Subscriptions...)
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].Priority > subs[j].Priority })
	if sel.Subscription == "" {
		for _, s := range subs {
			if !sel.HasModel {
				sel.Subscription = s.Name
				break
			}
			if _, ok := s.Limit(sel.Model); ok {
				sel.Subscription = s.Name
				break
			}
		}
	}
	if !sel.HasModel {
		if s, ok := o.FindSubscription(sel.Subscription); ok {
			for _, sm := range s.Models {
				for _, m := range o.Published() {
					if m.Name == sm.Name && (sm.Namespace == "" || sm.Namespace == m.Namespace) && !sel.HasModel {
						sel.Model, sel.HasModel = m, true
					}
				}
			}
		}
		if pub := o.Published(); !sel.HasModel && len(pub) > 0 {
			sel.Model, sel.HasModel = pub[0], true
		}
	}
	if lowTier != "" {
		s, ok := o.FindSubscription(lowTier)
		if !ok {
			return sel, fmt.Errorf("low tier %q is not in the stack outputs (subscriptions: %s)",
				lowTier, subscriptionNames(o.Subscriptions))
		}
		sm, ok := s.Limit(sel.Model)
		if !ok || sm.Limit <= 0 {
			return sel, fmt.Errorf("low tier %q has no token limit for model %s", lowTier, sel.Model)
		}
		sel.LowTier, sel.LowTierLimit = lowTier, sm
		return sel, nil
	}
	best, bestLimit := "", SubscriptionModel{}
	for _, s := range o.Subscriptions {
		if sm, ok := s.Limit(sel.Model); ok && sm.Limit > 0 && (best == "" || sm.Limit < bestLimit.Limit) {
			best, bestLimit = s.Name, sm
		}
	}
	switch {
	case best == "":
		sel.LowTierWhy = "no subscription defines a token limit for the model; pass --low-tier"
	case best == sel.Subscription:
		sel.LowTierWhy = fmt.Sprintf("the smallest token limit is the main subscription's (%s); pass --low-tier to spend it", best)
	default:
		sel.LowTier, sel.LowTierLimit = best, bestLimit
	}
	return sel, nil
}

func modelNames(ms []Model) string {
	var n []string
	for _, m := range ms {
		n = append(n, m.String())
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

func subscriptionNames(ss []Subscription) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}
