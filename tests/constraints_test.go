package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// constraint is one row of the constraint table (C1–C18, README.md,
// Architecture): `after` must depend,
// transitively, on every `before` (so up creates it later and destroy removes
// it first), and carry the named gate hooks (live checks of C-signals that
// live outside the objects we own).
type constraint struct {
	id     string
	after  string
	before []string
	gates  []string // gate names (hook name prefixes gate-<name>-)
	// when, if set, says on which stacks the row applies (nil: every stack).
	when func(stackFacts) bool
}

// Logical names are the program's stable resource names (docs/components.md).
var constraints = []constraint{
	{"C1", "connectivity-kuadrant", []string{"connectivity-rhcl-subscription"}, []string{"csvSucceeded", "crdEstablished"}, nil},
	{"C1", "gpu-cluster-policy", []string{"gpu-nvidia-subscription"}, []string{"csvSucceeded"}, nil},
	{"C1", "gpu-nfd-instance", []string{"gpu-nfd-subscription"}, []string{"csvSucceeded"}, nil},
	{"C1", "tls-certmanager", []string{"tls-cert-manager-subscription"}, []string{"csvSucceeded", "crdEstablished", "certManagerExists"}, nil},
	{"C1", "lws-operand", []string{"lws-operator-subscription"}, []string{"csvSucceeded", "crdEstablished"}, nil},
	{"C1", "rhoai-dsc", []string{"rhoai-operator-subscription"}, []string{"csvSucceeded", "crdEstablished"}, nil},
	{"C1", "observability-uiplugin-monitoring", []string{"observability-coo-subscription"}, []string{"csvSucceeded"}, nil},
	{"C2", "tls-issuer-letsencrypt", []string{"tls-certmanager", "tls-cert-manager-subscription"}, []string{"certManagerAvailable", "certManagerConfigured"}, nil},
	{"C3", "tls-certificate-ingress", []string{"tls-issuer-letsencrypt"}, nil, nil},
	{"C3", "tls-certificate-api", []string{"tls-issuer-letsencrypt"}, nil, nil},
	{"C4", "tls-ingresscontroller-default", []string{"tls-certificate-ingress"}, []string{"ingressControllerExists"}, nil},
	{"C4", "tls-apiserver-cluster", []string{"tls-certificate-api"}, []string{"apiServerExists"}, apiSwitch},
	{"C5", "gpu-cluster-policy", []string{"gpu-nfd-instance"}, nil, nil},
	{"C6", "serving-qwen3-8b-llmisvc", []string{"gpu-cluster-policy"}, []string{"gpuAllocatable"}, nil},
	{"C7", "connectivity-rhcl-subscription", []string{"connectivity-gatewayclasses-inference", "connectivity-gatewayclasses-default"}, nil, nil},
	{"C8", "rhoai-operator-subscription", []string{"connectivity-rhcl-subscription", "connectivity-kuadrant"}, []string{"csvSucceeded-Subscription-kuadrant-system-rhcl-operator", "crdEstablished-CustomResourceDefinition-authpolicies-kuadrant-io"}, nil},
	{"C8", "rhoai-dsc", []string{"connectivity-kuadrant"}, []string{"crdEstablished-CustomResourceDefinition-authpolicies-kuadrant-io"}, nil},
	{"C9", "rhoai-operator-subscription", []string{"lws-operand", "lws-operator-subscription"}, []string{"lwsReady"}, nil},
	{"C9", "rhoai-dsc", []string{"lws-operand"}, []string{"lwsReady"}, nil},
	{"C10", "rhoai-dsci", []string{"observability-tempo-subscription", "observability-opentelemetry-subscription", "observability-coo-subscription"}, []string{"csvSucceeded-Subscription-openshift-tempo-operator", "csvSucceeded-Subscription-openshift-opentelemetry-operator"}, nil},
	{"C11", "serving-qwen3-8b-llmisvc", []string{"rhoai-dsc"}, []string{"dscReady"}, nil},
	{"C12", "maas-enable", []string{"maas-gateway-gateway", "maas-db-config", "maas-db", "maas-db-service", "rhoai-dsc"}, []string{"dscReady"}, live},
	{"C13", "maas-gateway-bootstrap", []string{"maas-authorino-service", "maas-authorino", "maas-authorino-deployment"}, []string{"authorinoRolledOut"}, live},
	{"C14", "maas-tenant", []string{"maas-gateway-bootstrap", "maas-enable"}, []string{"envoyFilterGenerated", "modelsAsServiceReady", "tenantExists"}, live},
	{"C15", "maas-modelref-llm-d-demo-qwen3-8b", []string{"serving-qwen3-8b-llmisvc"}, nil, nil},
	{"C15", "serving-qwen3-8b-llmisvc", []string{"maas-gateway-gateway"}, nil, nil},
	{"C16", "maas-subscription-default-subscription", []string{"maas-modelref-llm-d-demo-qwen3-8b"}, nil, nil},
	{"C16", "maas-authpolicy-default-auth-policy", []string{"maas-modelref-llm-d-demo-qwen3-8b"}, nil, nil},
	{"C17", "maas-dashboard-flags", []string{"maas-enable", "rhoai-dsc"}, []string{"modelsAsServiceReady", "dashboardConfigExists"}, live},
	{"C18", "tls-apiserver-cluster", []string{
		"gitops-operator-subscription", "gpu-cluster-policy", "connectivity-kuadrant", "lws-operand", "observability-perses-dashboard",
		"rhoai-dsc", "rhoai-hardwareprofile-gpu-profile", "serving-qwen3-8b-llmisvc", "maas-tenant",
		"maas-authpolicy-default-auth-policy", "maas-subscription-default-subscription", "tls-ingresscontroller-default",
	}, nil, apiSwitch},
}

// live: render mode folds the late MaaS fields (enable, bootstrap
// annotation, dashboard flags) into the objects they patch, since a rendered
// object is one file; those patch resources and their rows exist only live.
func live(s stackFacts) bool { return s.mode == "live" }

func onAWS(s stackFacts) bool          { return s.platform == "aws" }
func awsCredentials(s stackFacts) bool { return s.tls && s.cloud == "aws" }
func apiSwitch(s stackFacts) bool      { return s.tls && s.apiSwitch }

// staticKeys: the program writes the Route53 key Secret itself (live runs
// with tls.cloud none; render mode leaves the Secret to the GitOps side).
func staticKeys(s stackFacts) bool { return s.tls && s.cloud == "none" && s.mode == "live" }

// conditional rows hold only where their layer exists.
var conditional = []constraint{
	{"C2", "tls-issuer-letsencrypt", []string{"awsiam-credentialsrequest"}, []string{"credentialsProvisioned"}, awsCredentials},
	{"C6", "serving-qwen3-8b-llmisvc", []string{"gpucapacity-machineset-us-east-2a", "gpucapacity-machineset-us-east-2c"}, []string{"machinesProvisioned"}, onAWS},
	{"C18", "tls-apiserver-cluster", []string{"gpucapacity-machineset-us-east-2b"}, nil, func(s stackFacts) bool { return onAWS(s) && apiSwitch(s) }},
	{"C2", "tls-issuer-letsencrypt", []string{"tls-dns01-credentials"}, nil, staticKeys},
	{"C18", "tls-apiserver-cluster", []string{"maas-dashboard-flags", "maas-gateway-bootstrap", "maas-enable"}, nil, func(s stackFacts) bool { return live(s) && apiSwitch(s) }},
}

// stacksUnderTest are the shipped stack files, as shipped and with every
// documented opt-in on.
func stacksUnderTest(t *testing.T) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, st := range loadShippedStacks(t) {
		out[st.name] = st.config
		out[st.name+"+opt-ins"] = withOptIns(st.config)
	}
	return out
}

func hasGate(r pulumitest.Resource, gate string) bool {
	for _, h := range r.Hooks.BeforeCreate {
		if strings.HasPrefix(h, "gate-"+gate) && contains(r.Hooks.BeforeUpdate, h) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestConstraints(t *testing.T) {
	checked := map[string]bool{}
	for stack, cfg := range stacksUnderTest(t) {
		f := factsOf(cfg)
		rec, err := testkit.Run(cfg, f.cluster(), false)
		require.NoError(t, err, stack)
		for _, c := range append(append([]constraint{}, constraints...), conditional...) {
			if c.when != nil && !c.when(f) {
				continue
			}
			checked[c.id] = true
			t.Run(stack+"/"+c.id+"/"+c.after, func(t *testing.T) {
				after, ok := rec.Get(c.after)
				require.True(t, ok, "%s is registered", c.after)
				for _, b := range c.before {
					_, ok := rec.Get(b)
					require.True(t, ok, "%s is registered", b)
					assert.True(t, rec.Reaches(c.after, b), "%s: %s must come after %s", c.id, c.after, b)
				}
				if f.mode == "render" {
					assert.Empty(t, after.Hooks.BeforeCreate, "render mode runs no gate")
					return
				}
				for _, g := range c.gates {
					assert.True(t, hasGate(after, g), "%s: %s must carry gate %s before create and update; has %v", c.id, c.after, g, after.Hooks.BeforeCreate)
				}
			})
		}
	}
	for i := 1; i <= 18; i++ {
		assert.True(t, checked[fmt.Sprintf("C%d", i)], "no shipped stack checks C%d", i)
	}
}

// The graph must stay acyclic and the API switch must be last: nothing
// depends on it (C18).
func TestConstraints_apiSwitchIsLast(t *testing.T) {
	for stack, cfg := range stacksUnderTest(t) {
		f := factsOf(cfg)
		if !apiSwitch(f) {
			continue
		}
		rec, err := testkit.Run(cfg, f.cluster(), false)
		require.NoError(t, err)
		_, ok := rec.Get("tls-apiserver-cluster")
		require.True(t, ok, stack)
		for _, r := range rec.Custom() {
			if r.Name == "tls-apiserver-cluster" {
				continue
			}
			assert.False(t, rec.Reaches(r.Name, "tls-apiserver-cluster"), "%s: %s depends on the API certificate switch", stack, r.Name)
		}
	}
}

// C15 is also a field: a published model is created routed to the MaaS
// gateway, so the HTTPRoute's parent is right on the first apply.
func TestConstraints_C15PublishedModelsRouteToTheMaaSGateway(t *testing.T) {
	rec, err := testkit.Run(testkit.Config().Build(), testkit.OpenShift("BareMetal"), false)
	require.NoError(t, err)
	svc, err := testkit.MustFind(rec, "LLMInferenceService", "llm-d-demo", "qwen3-8b")
	require.NoError(t, err)
	router := svc.Object()["spec"].(map[string]any)["router"].(map[string]any)
	refs := router["gateway"].(map[string]any)["refs"].([]any)
	assert.Equal(t, []any{map[string]any{"name": "maas-default-gateway", "namespace": "openshift-ingress"}}, refs)
}
