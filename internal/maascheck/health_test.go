package maascheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// obj builds an unstructured object; status may be nil.
func obj(apiVersion, kind, ns, name string, status map[string]any) *unstructured.Unstructured {
	var fields map[string]any
	if status != nil {
		fields = map[string]any{"status": status}
	}
	return kubetest.Object(apiVersion, kind, ns, name, fields)
}

func conds(c ...map[string]any) map[string]any {
	list := make([]any, 0, len(c))
	for _, x := range c {
		list = append(list, x)
	}
	return map[string]any{"conditions": list}
}

func cond(t, status, reason, msg string) map[string]any {
	return map[string]any{"type": t, "status": status, "reason": reason, "message": msg}
}

// healthyCluster is every object of the health table in its ready state,
// keyed by "Kind ns/name" so a test can replace or drop one.
func healthyCluster() map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	add := func(u *unstructured.Unstructured) { m[u.GetKind()+" "+u.GetNamespace()+"/"+u.GetName()] = u }
	for _, ns := range OperatorNamespaces {
		csv := ns + ".v1.0.0"
		add(obj("operators.coreos.com/v1alpha1", "Subscription", ns, "op-"+ns,
			map[string]any{"state": "AtLatestKnown", "installedCSV": csv, "currentCSV": csv}))
		add(obj("operators.coreos.com/v1alpha1", "ClusterServiceVersion", ns, csv, map[string]any{"phase": "Succeeded"}))
	}
	// conditions[0] is Issuing: the report must read Ready by type.
	add(obj("cert-manager.io/v1", "Certificate", "openshift-ingress", "ocp-ingress",
		conds(cond("Issuing", "False", "Issued", ""), cond("Ready", "True", "Ready", "Certificate is up to date"))))
	add(obj("cert-manager.io/v1", "Certificate", "openshift-config", "ocp-api",
		conds(cond("Ready", "True", "Ready", ""))))
	gpuNode := obj("v1", "Node", "", "gpu-1", map[string]any{"allocatable": map[string]any{"nvidia.com/gpu": "1", "cpu": "8"}})
	add(gpuNode)
	add(obj("v1", "Node", "", "worker-1", map[string]any{"allocatable": map[string]any{"cpu": "4"}}))
	add(obj("nvidia.com/v1", "ClusterPolicy", "", "gpu-cluster-policy", map[string]any{"state": "ready"}))
	add(obj("datasciencecluster.opendatahub.io/v2", "DataScienceCluster", "", "default-dsc", conds(
		cond("ModelsAsServiceReady", "True", "", ""), cond("Ready", "True", "", ""),
		cond("KserveReady", "True", "", ""), cond("ModelControllerReady", "True", "", ""))))
	for _, gw := range []string{"openshift-ai-inference", "maas-default-gateway"} {
		add(obj("gateway.networking.k8s.io/v1", "Gateway", "openshift-ingress", gw,
			conds(cond("Accepted", "True", "", ""), cond("Programmed", "True", "Programmed", ""))))
	}
	add(obj("networking.istio.io/v1alpha3", "EnvoyFilter", "openshift-ingress", "maas-default-gateway-authn-ssl", nil))
	add(obj("serving.kserve.io/v1alpha2", "LLMInferenceService", "llm-d-demo", "qwen3-8b",
		conds(cond("WorkloadsReady", "True", "", ""), cond("Ready", "True", "", ""))))
	add(obj("maas.opendatahub.io/v1alpha1", "MaaSModelRef", "llm-d-demo", "qwen3-8b", map[string]any{"phase": "Ready"}))
	add(obj("maas.opendatahub.io/v1alpha1", "MaaSSubscription", maasNamespace, "premium", map[string]any{"phase": "Active"}))
	add(obj("maas.opendatahub.io/v1alpha1", "MaaSAuthPolicy", maasNamespace, "premium", map[string]any{"phase": "Active"}))
	add(obj("maas.opendatahub.io/v1alpha1", "Tenant", maasNamespace, "default-tenant",
		map[string]any{"phase": "Active", "conditions": []any{cond("Ready", "True", "", "")}}))
	return m
}

var testModels = []Model{{Name: "qwen3-8b", Namespace: "llm-d-demo", ServedName: "alibaba/qwen3-8b", Published: true}}

// fakeHealthClient is a fake cluster holding objs.
func fakeHealthClient(t *testing.T, objs map[string]*unstructured.Unstructured) dynamic.Interface {
	t.Helper()
	c := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), HealthResources)
	// Objects go in through Create with the real resource name: the tracker's
	// own guess from the Kind turns Gateway into "gatewaies".
	gvrOf := map[string]schema.GroupVersionResource{}
	for gvr, listKind := range HealthResources {
		gvrOf[strings.TrimSuffix(listKind, "List")] = gvr
	}
	for _, o := range objs {
		gvr, ok := gvrOf[o.GetKind()]
		require.True(t, ok, "kind %s is in HealthResources", o.GetKind())
		require.NoError(t, c.Tracker().Create(gvr, o, o.GetNamespace()))
	}
	return c
}

func runHealthOn(t *testing.T, objs map[string]*unstructured.Unstructured, models []Model) (HealthReport, string) {
	t.Helper()
	var buf bytes.Buffer
	rep := Health(context.Background(), fakeHealthClient(t, objs), Targets(models), &buf)
	return rep, buf.String()
}

func TestHealthAllReady(t *testing.T) {
	rep, out := runHealthOn(t, healthyCluster(), testModels)
	assert.Zero(t, rep.Wait+rep.Fail, out)
	assert.Equal(t, 0, rep.ExitCode())
	for _, want := range []string{
		"OK   operators Subscription redhat-ods-operator/op-redhat-ods-operator: redhat-ods-operator.v1.0.0 Succeeded",
		"OK   certificates Certificate openshift-ingress/ocp-ingress: Ready=True",
		"OK   gpu Nodes: 1 nvidia.com/gpu allocatable on 1 node(s)",
		"OK   gpu ClusterPolicy gpu-cluster-policy: state ready",
		"OK   rhoai DataScienceCluster default-dsc ModelsAsServiceReady: ModelsAsServiceReady=True",
		"OK   gateways Gateway openshift-ingress/maas-default-gateway: Programmed=True",
		"OK   gateways EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl: present",
		"OK   models LLMInferenceService llm-d-demo/qwen3-8b: Ready=True",
		"OK   maas MaaSModelRef llm-d-demo/qwen3-8b: phase Ready",
		"OK   maas MaaSSubscription models-as-a-service/premium: phase Active",
		"OK   maas Tenant models-as-a-service/default-tenant: Ready=True",
	} {
		assert.Contains(t, out, want)
	}
	// 10 operators, 2 certs, nodes, policy, 4 DSC conditions, 2 gateways,
	// envoyfilter, llmisvc, modelref, subscription, authpolicy, tenant.
	assert.Equal(t, 10+2+1+1+4+2+1+1+1+1+1+1, rep.OK)
	assert.True(t, strings.HasSuffix(out, "26 ok, 0 waiting, 0 failed\n"), out)
}

func TestHealthReportsTheFailingGate(t *testing.T) {
	tests := []struct {
		name   string
		change func(m map[string]*unstructured.Unstructured)
		models []Model
		want   string // the line (prefix) reported
	}{
		{
			name: "a failed CSV is FAIL with the CSV's message",
			change: func(m map[string]*unstructured.Unstructured) {
				m["ClusterServiceVersion kuadrant-system/kuadrant-system.v1.0.0"].Object["status"] = map[string]any{
					"phase": "Failed", "reason": "InstallComponentFailed", "message": "install strategy failed: deployment not ready"}
			},
			want: "FAIL operators Subscription kuadrant-system/op-kuadrant-system: kuadrant-system.v1.0.0 Failed — InstallComponentFailed: install strategy failed: deployment not ready",
		},
		{
			name: "a Subscription waiting for InstallPlan approval is WAIT",
			change: func(m map[string]*unstructured.Unstructured) {
				m["Subscription openshift-cluster-observability-operator/op-openshift-cluster-observability-operator"].Object["status"] =
					map[string]any{"state": "UpgradePending", "currentCSV": "cluster-observability-operator.v1.4.0"}
			},
			want: "WAIT operators Subscription openshift-cluster-observability-operator/op-openshift-cluster-observability-operator: state UpgradePending — no installed CSV yet; currentCSV cluster-observability-operator.v1.4.0",
		},
		{
			name: "a namespace without a Subscription is FAIL",
			change: func(m map[string]*unstructured.Unstructured) {
				delete(m, "Subscription openshift-nfd/op-openshift-nfd")
			},
			want: "FAIL operators Subscription openshift-nfd/*: missing — no Subscription: the operator is not installed",
		},
		{
			name: "a certificate not yet issued is WAIT with cert-manager's message, read by type",
			change: func(m map[string]*unstructured.Unstructured) {
				m["Certificate openshift-config/ocp-api"].Object["status"] = conds(
					cond("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not exist"),
					cond("Ready", "False", "DoesNotExist", "Secret api-certs does not exist"))
			},
			want: "WAIT certificates Certificate openshift-config/ocp-api: Ready=False (DoesNotExist) — Secret api-certs does not exist",
		},
		{
			name: "no allocatable GPU is WAIT",
			change: func(m map[string]*unstructured.Unstructured) {
				m["Node /gpu-1"].Object["status"] = map[string]any{"allocatable": map[string]any{"nvidia.com/gpu": "0"}}
			},
			want: "WAIT gpu Nodes: 0 nvidia.com/gpu allocatable — no node of 2 reports nvidia.com/gpu",
		},
		{
			name: "a ClusterPolicy not ready is WAIT with the Ready condition's message",
			change: func(m map[string]*unstructured.Unstructured) {
				m["ClusterPolicy /gpu-cluster-policy"].Object["status"] = map[string]any{"state": "notReady",
					"conditions": []any{cond("Ready", "False", "OperandNotReady", "ClusterPolicy is not ready, states not ready: [state-driver]")}}
			},
			want: "WAIT gpu ClusterPolicy gpu-cluster-policy: state notReady — ClusterPolicy is not ready, states not ready: [state-driver]",
		},
		{
			name: "a DSC condition that failed is FAIL with its message",
			change: func(m map[string]*unstructured.Unstructured) {
				m["DataScienceCluster /default-dsc"].Object["status"] = conds(
					cond("Ready", "True", "", ""), cond("KserveReady", "True", "", ""), cond("ModelControllerReady", "True", "", ""),
					cond("ModelsAsServiceReady", "False", "PrerequisitesFailed", "maas-db-config secret missing"))
			},
			want: "FAIL rhoai DataScienceCluster default-dsc ModelsAsServiceReady: ModelsAsServiceReady=False (PrerequisitesFailed) — maas-db-config secret missing",
		},
		{
			name: "a Gateway not programmed is WAIT",
			change: func(m map[string]*unstructured.Unstructured) {
				m["Gateway openshift-ingress/maas-default-gateway"].Object["status"] = conds(
					cond("Programmed", "False", "Pending", "Waiting for controller"))
			},
			want: "WAIT gateways Gateway openshift-ingress/maas-default-gateway: Programmed=False (Pending) — Waiting for controller",
		},
		{
			name: "a missing Authorino TLS EnvoyFilter is FAIL with how to get it",
			change: func(m map[string]*unstructured.Unstructured) {
				delete(m, "EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl")
			},
			want: "FAIL gateways EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl: missing — not found: without it POST /maas-api/v1/api-keys returns 500",
		},
		{
			name: "a model not Ready is WAIT with its message",
			change: func(m map[string]*unstructured.Unstructured) {
				m["LLMInferenceService llm-d-demo/qwen3-8b"].Object["status"] = conds(
					cond("Ready", "False", "MinimumReplicasUnavailable", "0/2 replicas available"))
			},
			want: "WAIT models LLMInferenceService llm-d-demo/qwen3-8b: Ready=False (MinimumReplicasUnavailable) — 0/2 replicas available",
		},
		{
			name:   "a model of the outputs missing from the cluster is FAIL",
			change: func(m map[string]*unstructured.Unstructured) { delete(m, "LLMInferenceService llm-d-demo/qwen3-8b") },
			want:   "FAIL models LLMInferenceService llm-d-demo/qwen3-8b: missing — not found",
		},
		{
			name: "a failed MaaSSubscription is FAIL with its failing condition",
			change: func(m map[string]*unstructured.Unstructured) {
				m["MaaSSubscription models-as-a-service/premium"].Object["status"] = map[string]any{"phase": "Failed",
					"conditions": []any{cond("Ready", "False", "ModelRefNotReady", "MaaSModelRef llm-d-demo/qwen3-8b is not Ready")}}
			},
			want: "FAIL maas MaaSSubscription models-as-a-service/premium: phase Failed — MaaSModelRef llm-d-demo/qwen3-8b is not Ready",
		},
		{
			name: "a pending MaaSModelRef is WAIT",
			change: func(m map[string]*unstructured.Unstructured) {
				m["MaaSModelRef llm-d-demo/qwen3-8b"].Object["status"] = map[string]any{"phase": "Pending",
					"conditions": []any{cond("Ready", "False", "HTTPRouteNotFound", "HTTPRoute does not reference gateway")}}
			},
			want: "WAIT maas MaaSModelRef llm-d-demo/qwen3-8b: phase Pending — HTTPRoute does not reference gateway",
		},
		{
			name: "without outputs every model in the cluster is read",
			change: func(m map[string]*unstructured.Unstructured) {
				m["LLMInferenceService other/granite"] = obj("serving.kserve.io/v1alpha2", "LLMInferenceService", "other", "granite",
					conds(cond("Ready", "False", "", "pulling image")))
			},
			models: []Model{},
			want:   "WAIT models LLMInferenceService other/granite: Ready=False — pulling image",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := healthyCluster()
			tc.change(m)
			models := testModels
			if tc.models != nil {
				models = tc.models
			}
			rep, out := runHealthOn(t, m, models)
			assert.Contains(t, out, tc.want)
			assert.Equal(t, 1, rep.Wait+rep.Fail, "only the changed gate is not OK:\n"+out)
			assert.Equal(t, 1, rep.ExitCode())
		})
	}
}

func TestHealthTableNamesEveryLayer(t *testing.T) {
	layers := map[string]bool{}
	for _, tg := range Targets(testModels) {
		layers[tg.Layer] = true
		_, known := HealthResources[tg.GVR]
		require.True(t, known, "%s %s: its resource is registered for fake clients", tg.Layer, tg.Kind)
		require.True(t, tg.Eval != nil || tg.Aggregate != nil, "%s %s has an evaluator", tg.Layer, tg.Kind)
	}
	assert.Equal(t, map[string]bool{"operators": true, "certificates": true, "gpu": true, "rhoai": true,
		"gateways": true, "models": true, "maas": true}, layers)
}

// TestGoldenHealth saves a health report with two failing gates for the
// README (-update rewrites it).
func TestGoldenHealth(t *testing.T) {
	m := healthyCluster()
	delete(m, "EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl")
	m["MaaSSubscription models-as-a-service/premium"].Object["status"] = map[string]any{"phase": "Failed",
		"conditions": []any{cond("Ready", "False", "ModelRefNotReady", "MaaSModelRef llm-d-demo/qwen3-8b is not Ready")}}
	_, got := runHealthOn(t, m, testModels)
	// What the report must say, whatever the saved text (which only keeps
	// the README current).
	assert.Contains(t, got, "FAIL gateways EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl: missing")
	assert.Contains(t, got, "FAIL maas MaaSSubscription models-as-a-service/premium: phase Failed — MaaSModelRef llm-d-demo/qwen3-8b is not Ready")
	assert.Contains(t, got, "24 ok, 0 waiting, 2 failed")
	path := filepath.Join("testdata", "health-fail.txt")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), got)
}
