package serving

import (
	"context"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

const apps = "apps.test.example.com"

// Prerequisite stand-ins: one ConfigMap per lower layer, plus a gate each, so
// tests can see both the edge and the hook.
func stubGate(name string) readiness.Gate {
	return readiness.Gate{Name: name, Object: "Stub " + name, Check: func(context.Context, dynamic.Interface) (readiness.Status, error) {
		return readiness.Ready("stub"), nil
	}}
}

func stub(ctx *pulumi.Context, name string) (readiness.Prerequisite, error) {
	cm, err := corev1.NewConfigMap(ctx, name, &corev1.ConfigMapArgs{Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String("stubs")}})
	if err != nil {
		return readiness.Prerequisite{}, err
	}
	return readiness.Prerequisite{Resources: []pulumi.Resource{cm}, Gates: []readiness.Gate{stubGate(name)}}, nil
}

// deploy runs NewServing with every prerequisite stubbed; edit adjusts the args.
func deploy(t *testing.T, gatesOn bool, edit func(*ServingArgs)) (*pulumitest.Recorder, *Serving, error) {
	t.Helper()
	var s *Serving
	rec, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		a := ServingArgs{AppsDomain: apps, Gates: readiness.NewBinder(ctx, readiness.NewWaiter(nil), gatesOn)}
		for name, p := range map[string]*readiness.Prerequisite{
			"stub-gatewayclass": &a.GatewayClass, "stub-certmanager": &a.CertManager, "stub-ingress-cert": &a.TLSSecret,
			"stub-dsc": &a.DSCReady, "stub-gpu": &a.GPU, "stub-maas-gateway": &a.MaaSGateway,
		} {
			var err error
			if *p, err = stub(ctx, name); err != nil {
				return err
			}
		}
		if edit != nil {
			edit(&a)
		}
		var err error
		s, err = NewServing(ctx, "serving", &a)
		return err
	}, nil, false, nil)
	return rec, s, err
}

// threeModels: two published (two namespaces), one not, sharing llm-d-demo.
func threeModels(a *ServingArgs) {
	a.Models = []ModelArgs{
		DefaultModel(),
		{Name: "granite-8b", Namespace: "team-a", URI: "oci://quay.io/example/granite:1", DisplayName: "IBM Granite 8B", ServedName: "ibm/granite-8b", Publish: true},
		{Name: "tiny", Namespace: "llm-d-demo", URI: "hf://example/tiny", Replicas: 1, GPUs: 2, CPU: "2", Memory: "8Gi"},
	}
}

func one(t *testing.T, rec *pulumitest.Recorder, kind, ns, name string) pulumitest.Resource {
	t.Helper()
	found := rec.Find(kind, ns, name)
	require.Len(t, found, 1, "%s %s/%s among %v", kind, ns, name, pulumitest.Names(rec.Custom()))
	return found[0]
}

func meta(r pulumitest.Resource) map[string]any { return r.Object()["metadata"].(map[string]any) }
func spec(r pulumitest.Resource) map[string]any { return r.Object()["spec"].(map[string]any) }

func TestServing_inventoryOfThreeModels(t *testing.T) {
	rec, s, err := deploy(t, true, threeModels)
	require.NoError(t, err)

	want := map[string]int{"Namespace": 2, "Secret": 3, "LLMInferenceService": 3, "Gateway": 1, "Route": 1, "Issuer": 0, "Certificate": 0}
	got := map[string]int{}
	for _, r := range rec.Custom() {
		if r.Parent == "serving" {
			got[r.Kind()]++
		}
	}
	for kind, n := range want {
		assert.Equal(t, n, got[kind], kind)
	}
	for _, ns := range []string{"llm-d-demo", "team-a"} {
		r := one(t, rec, "Namespace", "", ns)
		assert.Equal(t, map[string]any{"modelmesh-enabled": "false", "opendatahub.io/dashboard": "true"}, meta(r)["labels"])
	}
	for _, m := range []struct{ ns, name string }{{"llm-d-demo", "qwen3-8b"}, {"team-a", "granite-8b"}, {"llm-d-demo", "tiny"}} {
		one(t, rec, "Secret", m.ns, m.name+"-connection")
		one(t, rec, "LLMInferenceService", m.ns, m.name)
	}

	require.Len(t, s.Models, 3)
	type out struct {
		Name, Namespace string
		Published       bool
		Endpoint        string
	}
	var outs []out
	for _, m := range s.Models {
		outs = append(outs, out{m.Name, m.Namespace, m.Published, m.Endpoint})
	}
	assert.Equal(t, []out{
		{"qwen3-8b", "llm-d-demo", true, "https://maas.apps.test.example.com/llm-d-demo/qwen3-8b"},
		{"granite-8b", "team-a", true, "https://maas.apps.test.example.com/team-a/granite-8b"},
		{"tiny", "llm-d-demo", false, "https://openshift-ai-inference-openshift-ingress.apps.test.example.com/llm-d-demo/tiny"},
	}, outs)
	assert.Len(t, s.Published(), 2)
	granite := spec(one(t, rec, "LLMInferenceService", "team-a", "granite-8b"))
	assert.Equal(t, "ibm/granite-8b", granite["model"].(map[string]any)["name"], "spec.model.name is the served name")
	assert.Equal(t, "ibm/granite-8b", s.Models[1].ServedName)
	assert.Equal(t, "https://openshift-ai-inference-openshift-ingress.apps.test.example.com", s.GatewayURL)
}

func TestServing_defaultModelMatchesTheRationale(t *testing.T) {
	rec, _, err := deploy(t, true, nil)
	require.NoError(t, err)

	secret := one(t, rec, "Secret", "llm-d-demo", "qwen3-8b-connection")
	sm := meta(secret)
	assert.Equal(t, map[string]any{"opendatahub.io/dashboard": "true"}, sm["labels"])
	assert.Equal(t, map[string]any{
		"opendatahub.io/connection-type-protocol": "uri",
		"opendatahub.io/connection-type-ref":      "uri-v1",
		"openshift.io/display-name":               "qwen3-8b-connection",
	}, sm["annotations"])
	assert.Equal(t, "Opaque", secret.Object()["type"])
	data := secret.Inputs["stringData"]
	require.True(t, data.IsSecret(), "the SDK marks stringData secret")
	assert.Equal(t, map[string]any{"URI": "oci://registry.redhat.io/rhelai1/modelcar-qwen3-8b-fp8-dynamic:1.5"}, data.SecretValue().Element.Mappable())

	svc := one(t, rec, "LLMInferenceService", "llm-d-demo", "qwen3-8b")
	assert.Equal(t, "kubernetes:serving.kserve.io/v1alpha2:LLMInferenceService", svc.Type)
	assert.Equal(t, map[string]any{
		"security.opendatahub.io/enable-auth":       "true",
		"opendatahub.io/hardware-profile-name":      "gpu-profile",
		"opendatahub.io/hardware-profile-namespace": "redhat-ods-applications",
		"opendatahub.io/connections":                "qwen3-8b-connection",
		"opendatahub.io/model-type":                 "generative",
		"opendatahub.io/runtime-version":            "v0.18.0",
		"openshift.io/display-name":                 "alibaba/qwen3-8b",
		"pulumi.com/waitFor":                        "condition=Ready",
		"pulumi.com/timeoutSeconds":                 "1800",
	}, meta(svc)["annotations"])
	assert.Equal(t, map[string]any{
		"networking.kserve.io/visibility":  "exposed",
		"opendatahub.io/dashboard":         "true",
		"opendatahub.io/genai-asset":       "true",
		"monitoring.opendatahub.io/scrape": "true",
		"llm-d.ai/well-lit-path":           "intelligent-inference",
	}, meta(svc)["labels"])
	gpu := map[string]any{"cpu": "6", "memory": "24Gi", "nvidia.com/gpu": "1"}
	assert.Equal(t, map[string]any{
		"replicas": float64(2),
		"model":    map[string]any{"uri": "oci://registry.redhat.io/rhelai1/modelcar-qwen3-8b-fp8-dynamic:1.5", "name": "alibaba/qwen3-8b"},
		"router": map[string]any{
			"gateway":   map[string]any{"refs": []any{map[string]any{"name": "maas-default-gateway", "namespace": "openshift-ingress"}}},
			"route":     map[string]any{},
			"scheduler": map[string]any{},
		},
		"template": map[string]any{
			"tolerations": []any{map[string]any{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}},
			"containers": []any{map[string]any{
				"name": "main",
				"env": []any{map[string]any{"name": "VLLM_ADDITIONAL_ARGS",
					"value": "--enable-prefix-caching --disable-uvicorn-access-log --enable-auto-tool-choice --tool-call-parser=hermes"}},
				"resources":     map[string]any{"limits": gpu, "requests": gpu},
				"livenessProbe": map[string]any{"initialDelaySeconds": float64(10)},
				"startupProbe": map[string]any{
					"httpGet":             map[string]any{"path": "/health", "port": float64(8000), "scheme": "HTTPS"},
					"initialDelaySeconds": float64(15), "timeoutSeconds": float64(10), "periodSeconds": float64(10), "failureThreshold": float64(60),
				},
			}},
		},
	}, spec(svc))
}

func TestServing_unpublishedModelUsesTheLlmdGatewayAndOptionalFields(t *testing.T) {
	off := false
	rec, _, err := deploy(t, true, func(a *ServingArgs) {
		a.Models = []ModelArgs{{Name: "tiny", URI: "hf://example/tiny", Image: "quay.io/example/vllm:1", StartupProbe: &off, DisableAuth: true}}
		a.MaaSGateway = readiness.Prerequisite{}
	})
	require.NoError(t, err)
	svc := one(t, rec, "LLMInferenceService", "llm-d-demo", "tiny")
	sp := spec(svc)
	assert.Equal(t, map[string]any{}, sp["router"].(map[string]any)["gateway"], "gateway {} binds to openshift-ingress/openshift-ai-inference")
	c := sp["template"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	assert.Equal(t, "quay.io/example/vllm:1", c["image"])
	assert.Equal(t, []any{map[string]any{"name": "VLLM_ADDITIONAL_ARGS", "value": "--enable-prefix-caching --disable-uvicorn-access-log"}}, c["env"],
		"a model that is not the default Qwen3 ModelCar gets the generic flags, not Qwen's tool calling")
	assert.NotContains(t, c, "startupProbe")
	assert.Equal(t, map[string]any{"httpGet": map[string]any{"path": "/health", "port": float64(8000), "scheme": "HTTPS"}, "initialDelaySeconds": float64(120)}, c["livenessProbe"])
	assert.Equal(t, "false", meta(svc)["annotations"].(map[string]any)["security.opendatahub.io/enable-auth"])
	assert.Equal(t, "tiny", sp["model"].(map[string]any)["name"], "the served name defaults to the display name, which defaults to the model name")
}

func TestServing_gatewayAndRoute(t *testing.T) {
	host := "openshift-ai-inference-openshift-ingress." + apps
	cases := []struct {
		name       string
		tls        GatewayTLS
		wantSecret string
		wantCert   bool
	}{
		{"an existing secret defaults to ingress-certs", GatewayTLS{}, "ingress-certs", false},
		{"another existing secret is referenced as is", GatewayTLS{SecretName: "router-certs-default"}, "router-certs-default", false},
		{"self-signed issues openshift-ai-inference through cert-manager", GatewayTLS{SelfSigned: true}, "openshift-ai-inference", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, s, err := deploy(t, true, func(a *ServingArgs) { a.TLS = tc.tls })
			require.NoError(t, err)
			gw := one(t, rec, "Gateway", "openshift-ingress", "openshift-ai-inference")
			assert.Equal(t, "kubernetes:gateway.networking.k8s.io/v1:Gateway", gw.Type)
			assert.Equal(t, map[string]any{"pulumi.com/waitFor": "condition=Programmed", "pulumi.com/timeoutSeconds": "600",
				"networking.istio.io/service-type": "ClusterIP"}, meta(gw)["annotations"])
			assert.Equal(t, map[string]any{
				"gatewayClassName": "openshift-ai-inference-class",
				"infrastructure":   map[string]any{"parametersRef": map[string]any{"group": "", "kind": "ConfigMap", "name": "openshift-ai-inference-override-config"}},
				"listeners": []any{map[string]any{
					"name": "https", "hostname": host, "port": float64(443), "protocol": "HTTPS",
					"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}},
					"tls":           map[string]any{"mode": "Terminate", "certificateRefs": []any{map[string]any{"kind": "Secret", "name": tc.wantSecret}}},
				}},
			}, spec(gw))
			route := one(t, rec, "Route", "openshift-ingress", "openshift-ai-inference")
			assert.Equal(t, map[string]any{
				"host":           host,
				"to":             map[string]any{"kind": "Service", "name": "openshift-ai-inference-openshift-ai-inference-class", "weight": float64(100)},
				"port":           map[string]any{"targetPort": "https"},
				"tls":            map[string]any{"termination": "passthrough", "insecureEdgeTerminationPolicy": "Redirect"},
				"wildcardPolicy": "None",
			}, spec(route))
			assert.True(t, rec.Reaches("serving-route", "serving-gateway"))
			assert.True(t, rec.Reaches("serving-gateway", "stub-gatewayclass"), "the connectivity layer's GatewayClass first")
			assert.Equal(t, !tc.wantCert, rec.Reaches("serving-gateway", "stub-ingress-cert"), "the existing secret's prerequisite")
			if !tc.wantCert {
				assert.Empty(t, rec.Find("Issuer", "", IssuerName))
				assert.Nil(t, s.Certificate)
				return
			}
			issuer := one(t, rec, "Issuer", "openshift-ingress", "openshift-ai-inference-selfsigned-issuer")
			assert.Equal(t, map[string]any{"selfSigned": map[string]any{}}, spec(issuer))
			cert := one(t, rec, "Certificate", "openshift-ingress", "openshift-ai-inference-serving-cert")
			assert.Equal(t, map[string]any{
				"dnsNames": []any{
					"openshift-ai-inference-openshift-ai-inference-class.openshift-ingress.svc",
					"openshift-ai-inference-openshift-ai-inference-class.openshift-ingress.svc.cluster.local",
					host,
				},
				"issuerRef":  map[string]any{"name": "openshift-ai-inference-selfsigned-issuer", "kind": "Issuer", "group": "cert-manager.io"},
				"secretName": "openshift-ai-inference",
			}, spec(cert))
			assert.Equal(t, "condition=Ready", meta(cert)["annotations"].(map[string]any)["pulumi.com/waitFor"])
			assert.True(t, rec.Reaches("serving-gateway", "serving-certificate"))
			assert.True(t, rec.Reaches("serving-certificate", "serving-issuer"))
			assert.True(t, rec.Reaches("serving-issuer", "stub-certmanager"))
			issuerRes, _ := rec.Get("serving-issuer")
			assert.True(t, issuerRes.HasGate(stubGate("stub-certmanager").HookName()))
		})
	}
}

func TestServing_modelEdgesAndGates(t *testing.T) {
	rec, _, err := deploy(t, true, threeModels)
	require.NoError(t, err)
	cases := []struct {
		name          string
		llmisvc       string
		routedThrough string
		notThrough    string
	}{
		{"a published model waits for the MaaS gateway (C15)", "serving-qwen3-8b-llmisvc", "stub-maas-gateway", "serving-gateway"},
		{"another published model too", "serving-granite-8b-llmisvc", "stub-maas-gateway", "serving-gateway"},
		{"an unpublished model waits for the llm-d gateway", "serving-tiny-llmisvc", "serving-gateway", "stub-maas-gateway"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := rec.Get(tc.llmisvc)
			require.True(t, ok)
			assert.True(t, rec.Reaches(tc.llmisvc, "stub-dsc"), "C11: DSC Ready first")
			assert.True(t, rec.Reaches(tc.llmisvc, "stub-gpu"), "C6: GPU capacity first")
			assert.True(t, r.HasGate(stubGate("stub-dsc").HookName()), "C11 gate on %v", r.Hooks)
			assert.True(t, r.HasGate(stubGate("stub-gpu").HookName()), "C6 gate on %v", r.Hooks)
			assert.True(t, rec.Reaches(tc.llmisvc, tc.routedThrough))
			assert.False(t, rec.Reaches(tc.llmisvc, tc.notThrough))
			assert.Equal(t, "serving", r.Parent)
		})
	}
	assert.True(t, rec.Reaches("serving-tiny-llmisvc", "serving-ns-llm-d-demo"))
	assert.True(t, rec.Reaches("serving-tiny-llmisvc", "serving-tiny-connection"))
	assert.True(t, rec.Reaches("serving-granite-8b-connection", "serving-ns-team-a"))
	assert.False(t, rec.Reaches("serving-ns-llm-d-demo", "stub-dsc"), "namespaces do not wait for the DSC")
}

func TestServing_renderModeKeepsEdgesWithoutHooks(t *testing.T) {
	rec, _, err := deploy(t, false, nil)
	require.NoError(t, err)
	for _, r := range rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, rec.Reaches("serving-qwen3-8b-llmisvc", "stub-dsc"))
}

func TestServingArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*ServingArgs)
		want string
	}{
		{"rejects a missing apps domain", func(a *ServingArgs) { a.AppsDomain = "" }, "appsDomain"},
		{"rejects a model without a URI", func(a *ServingArgs) { a.Models = []ModelArgs{{Name: "m"}} }, "models[0].uri: found nothing, expected a model URI"},
		{"rejects zero replicas after defaults", func(a *ServingArgs) { a.Models = []ModelArgs{{Name: "m", URI: "hf://x/y", Replicas: -1}} }, "models[0].replicas: found -1"},
		{"rejects a bad memory quantity", func(a *ServingArgs) { a.Models = []ModelArgs{{Name: "m", URI: "hf://x/y", Memory: "lots"}} }, `models[0].memory: found "lots", expected a positive Kubernetes quantity`},
		{"rejects duplicate model names across namespaces", func(a *ServingArgs) {
			a.Models = []ModelArgs{{Name: "m", URI: "hf://x/y"}, {Name: "m", Namespace: "other", URI: "hf://x/y"}}
		}, `models[1].name "m" repeats models[0]`},
		{"rejects a platform namespace", func(a *ServingArgs) {
			a.Models = []ModelArgs{{Name: "m", Namespace: "redhat-ods-applications", URI: "hf://x/y"}}
		}, "not a platform one"},
		{"rejects a published model without auth", func(a *ServingArgs) {
			a.Models = []ModelArgs{{Name: "m", URI: "hf://x/y", Publish: true, DisableAuth: true}}
		}, "enable-auth"},
		{"rejects published models without the MaaS gateway prerequisite", func(a *ServingArgs) { a.MaaSGateway = readiness.Prerequisite{} }, "MaaSGateway prerequisite"},
		{"rejects models without the DSC prerequisite", func(a *ServingArgs) { a.DSCReady = readiness.Prerequisite{} }, "C11"},
		{"rejects models without the GPU prerequisite", func(a *ServingArgs) { a.GPU = readiness.Prerequisite{} }, "C6"},
		{"rejects self-signed without cert-manager", func(a *ServingArgs) { a.TLS.SelfSigned = true; a.CertManager = readiness.Prerequisite{} }, "CertManager prerequisite"},
		{"rejects self-signed with a secret name", func(a *ServingArgs) { a.TLS = GatewayTLS{SelfSigned: true, SecretName: "x"} }, "exclusive"},
		{"rejects VLLM args that repeat the variable", func(a *ServingArgs) {
			m := DefaultModel()
			m.VLLMArgs = "VLLM_ADDITIONAL_ARGS=--x"
			a.Models = []ModelArgs{m}
		}, "models[0].vllmArgs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, err := deploy(t, true, tc.edit)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, r := range rec.Custom() {
				assert.NotEqual(t, "serving", r.Parent, "nothing is created on invalid args")
			}
		})
	}
}

func TestServingArgs_noModelsStillMakesTheGateway(t *testing.T) {
	rec, s, err := deploy(t, true, func(a *ServingArgs) {
		a.Models = []ModelArgs{}
		a.DSCReady, a.GPU, a.MaaSGateway = readiness.Prerequisite{}, readiness.Prerequisite{}, readiness.Prerequisite{}
	})
	require.NoError(t, err)
	assert.Empty(t, s.Models)
	one(t, rec, "Gateway", "openshift-ingress", "openshift-ai-inference")
	assert.Empty(t, rec.Find("LLMInferenceService", "", "qwen3-8b"))
}

func TestPublishedNamespaces(t *testing.T) {
	cases := []struct {
		name   string
		models []ModelArgs
		want   []string
	}{
		{"the default model is published in llm-d-demo", nil, []string{"llm-d-demo"}},
		{"no model, no namespace", []ModelArgs{}, nil},
		{"published only, once each, defaults applied", []ModelArgs{
			{Name: "a", Publish: true}, {Name: "b", Namespace: "team-a", Publish: true},
			{Name: "c", Namespace: "sandbox"}, {Name: "d", Namespace: "llm-d-demo", Publish: true},
		}, []string{"llm-d-demo", "team-a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, PublishedNamespaces(tc.models))
		})
	}
}

// The Route exposes the llm-d gateway, so its Service is ClusterIP on every
// platform: a LoadBalancer never gets an address on bare metal (the Gateway
// would never be Programmed) and is an unused cloud LB on AWS.
func TestServing_clusterIPGateway(t *testing.T) {
	rec, _, err := deploy(t, true, nil)
	require.NoError(t, err)
	gw := one(t, rec, "Gateway", "openshift-ingress", "openshift-ai-inference")
	assert.Equal(t, "ClusterIP", meta(gw)["annotations"].(map[string]any)["networking.istio.io/service-type"])
	assert.Equal(t, map[string]any{"parametersRef": map[string]any{"group": "", "kind": "ConfigMap", "name": "openshift-ai-inference-override-config"}},
		spec(gw)["infrastructure"])
	cm := one(t, rec, "ConfigMap", "openshift-ingress", "openshift-ai-inference-override-config")
	assert.Equal(t, map[string]any{"service": "spec:\n  type: ClusterIP\n"}, cm.Object()["data"])
	assert.NotContains(t, meta(cm), "annotations", "no serving-cert annotation: service-ca would overwrite ingress-certs")
	gwRes, _ := rec.Get("serving-gateway")
	assert.Contains(t, gwRes.Deps, "serving-gateway-config", "the Gateway is created after its parameters")
}
