// Package serving is phase 5 of the rationale: the llm-d Gateway
// openshift-ingress/openshift-ai-inference (HTTPS 443, TLS from an existing
// secret or a cert-manager self-signed certificate) with its passthrough
// Route, and, per model, a Namespace (created once even when models share it),
// a URI connection Secret and an LLMInferenceService serving.kserve.io/v1alpha2
// that waits for Ready within a cold-load budget (30 min).
//
// Every LLMInferenceService waits for the DSC Ready (C11) and for allocatable
// GPUs (C6). A model published through MaaS is created routed to
// maas-default-gateway from the start (C15), so no second apply is needed;
// its prerequisite is the MaaS gateway being Programmed. The GatewayClasses are
// the connectivity layer's; this package never creates one.
package serving

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Serving is the llm-d gateway plus the models.
type Serving struct {
	pulumi.ResourceState

	GatewayConfig *corev1.ConfigMap             // the gateway Service's ClusterIP override
	Gateway       *apiextensions.CustomResource // Programmed
	Route         *apiextensions.CustomResource
	Issuer        *apiextensions.CustomResource // nil unless TLS.SelfSigned
	Certificate   *apiextensions.CustomResource // nil unless TLS.SelfSigned
	Namespaces    map[string]*corev1.Namespace  // one per distinct model namespace
	Models        []*Model                      // in the order of the args

	// GatewayURL is https://openshift-ai-inference-openshift-ingress.<apps domain>.
	GatewayURL string
	// SecretsToSupply: with SecretsSupplied, the connection Secrets the
	// GitOps side must create.
	SecretsToSupply []manifest.SecretToSupply
}

// Model is one deployed model and what the stack exports about it.
type Model struct {
	Name        string
	Namespace   string
	DisplayName string
	ServedName  string // spec.model.name: the "model" field of an OpenAI request
	Published   bool
	// Endpoint: https://maas.<apps>/<ns>/<name> when published, else
	// https://openshift-ai-inference-openshift-ingress.<apps>/<ns>/<name>.
	Endpoint string

	Secret  *corev1.Secret                // <name>-connection; nil with SecretsSupplied
	Service *apiextensions.CustomResource // the LLMInferenceService, Ready
}

// Prerequisite is what a MaaSModelRef of this model waits for (C15: the
// LLMInferenceService, already routed to maas-default-gateway, is Ready).
func (m *Model) Prerequisite() readiness.Prerequisite { return readiness.After(m.Service) }

// Prerequisite is what dependents of the whole layer wait for: the gateway
// Programmed and every LLMInferenceService Ready.
func (s *Serving) Prerequisite() readiness.Prerequisite {
	rs := []pulumi.Resource{s.Gateway}
	for _, m := range s.Models {
		rs = append(rs, m.Service)
	}
	return readiness.After(rs...)
}

// Published returns the models routed through MaaS.
func (s *Serving) Published() []*Model {
	var out []*Model
	for _, m := range s.Models {
		if m.Published {
			out = append(out, m)
		}
	}
	return out
}

// NewServing registers the gateway, its Route and the models as children of one component.
func NewServing(ctx *pulumi.Context, name string, args *ServingArgs, opts ...pulumi.ResourceOption) (*Serving, error) {
	if args == nil {
		return nil, fmt.Errorf("serving %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("serving %q: %w", name, err)
	}
	s := &Serving{Namespaces: map[string]*corev1.Namespace{}, GatewayURL: "https://" + gatewayHost(a.AppsDomain)}
	if err := ctx.RegisterComponentResource("rhoai:serving:Serving", name, s, opts...); err != nil {
		return nil, fmt.Errorf("serving %q: registering component: %w", name, err)
	}
	if err := s.newGateway(ctx, name, a); err != nil {
		return nil, err
	}
	for _, m := range a.Models {
		if err := s.newModel(ctx, name, a, m); err != nil {
			return nil, err
		}
	}
	endpoints := pulumi.StringMap{}
	for _, m := range s.Models {
		endpoints[m.Namespace+"/"+m.Name] = pulumi.String(m.Endpoint)
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{
		"gatewayURL": pulumi.String(s.GatewayURL),
		"endpoints":  endpoints,
	}); err != nil {
		return nil, fmt.Errorf("serving %q: registering outputs: %w", name, err)
	}
	return s, nil
}

func gatewayHost(appsDomain string) string {
	return GatewayName + "-" + IngressNamespace + "." + appsDomain
}
