package tests

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/stacks"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// object is one expected cluster object: the exact apiVersion, kind, name
// and namespace of alpha-hack-program/llm-d-guide@1f391b7's charts, or of
// docs/decisions.md where the program departs from them.
type object struct{ apiVersion, kind, namespace, name string }

// token is the Pulumi type token; the core group is spelled core/v1 there.
func (o object) token() string {
	apiVersion := o.apiVersion
	if apiVersion == "v1" {
		apiVersion = "core/v1"
	}
	return "kubernetes:" + apiVersion + ":" + o.kind
}

// Phases 1–6 on every stack (comments number the steps phase.step, in
// install order).
var common = []object{
	// 1.1 GitOps
	{"v1", "Namespace", "", "openshift-gitops-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "openshift-gitops-operator", "openshift-gitops-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "openshift-gitops-operator", "openshift-gitops-operator"},
	// 1.2 cert-manager
	{"v1", "Namespace", "", "cert-manager-operator"},
	{"v1", "Namespace", "", "cert-manager"},
	{"operators.coreos.com/v1", "OperatorGroup", "cert-manager-operator", "openshift-cert-manager-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "cert-manager-operator", "openshift-cert-manager-operator"},
	{"operator.openshift.io/v1alpha1", "CertManagerPatch", "", "cluster"},
	// 1.3 issuers and certificates
	{"cert-manager.io/v1", "ClusterIssuer", "", "letsencrypt"},
	{"cert-manager.io/v1", "ClusterIssuer", "", "letsencrypt-staging"},
	{"cert-manager.io/v1", "Certificate", "openshift-ingress", "ocp-ingress"},
	{"cert-manager.io/v1", "Certificate", "openshift-config", "ocp-api"},
	// 1.4 switch (API switch is opt-in)
	{"operator.openshift.io/v1", "IngressControllerPatch", "openshift-ingress-operator", "default"},
	// 2.2 NFD
	{"v1", "Namespace", "", "openshift-nfd"},
	{"operators.coreos.com/v1", "OperatorGroup", "openshift-nfd", "openshift-nfd"},
	{"operators.coreos.com/v1alpha1", "Subscription", "openshift-nfd", "nfd"},
	{"nfd.openshift.io/v1", "NodeFeatureDiscovery", "openshift-nfd", "nfd-instance"},
	// 2.3 NVIDIA
	{"v1", "Namespace", "", "nvidia-gpu-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "nvidia-gpu-operator", "nvidia-gpu-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "nvidia-gpu-operator", "gpu-operator-certified"},
	{"nvidia.com/v1", "ClusterPolicy", "", "gpu-cluster-policy"},
	// 3.1 RHCL (kuadrant-system, OperatorGroup kuadrant: docs/decisions.md "Operator subscriptions")
	{"gateway.networking.k8s.io/v1", "GatewayClass", "", "openshift-ai-inference-class"},
	{"gateway.networking.k8s.io/v1", "GatewayClass", "", "openshift-default"},
	{"v1", "Namespace", "", "kuadrant-system"},
	{"operators.coreos.com/v1", "OperatorGroup", "kuadrant-system", "kuadrant"},
	{"operators.coreos.com/v1alpha1", "Subscription", "kuadrant-system", "rhcl-operator"},
	{"kuadrant.io/v1beta1", "Kuadrant", "kuadrant-system", "kuadrant"},
	// 3.2 LWS
	{"v1", "Namespace", "", "openshift-lws-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "openshift-lws-operator", "leader-worker-set"},
	{"operators.coreos.com/v1alpha1", "Subscription", "openshift-lws-operator", "leader-worker-set"},
	{"operator.openshift.io/v1", "LeaderWorkerSetOperator", "", "cluster"},
	// 3.3 Tempo + OTel
	{"v1", "Namespace", "", "openshift-tempo-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "openshift-tempo-operator", "tempo-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "openshift-tempo-operator", "tempo-product"},
	{"v1", "Namespace", "", "openshift-opentelemetry-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "openshift-opentelemetry-operator", "opentelemetry-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "openshift-opentelemetry-operator", "opentelemetry-product"},
	// 3.4–3.8 RHOAI
	{"v1", "Namespace", "", "redhat-ods-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "redhat-ods-operator", "rhods-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "redhat-ods-operator", "rhods-operator"},
	{"dscinitialization.opendatahub.io/v2", "DSCInitializationPatch", "", "default-dsci"},
	{"datasciencecluster.opendatahub.io/v2", "DataScienceCluster", "", "default-dsc"},
	{"opendatahub.io/v1alpha", "OdhDashboardConfigPatch", "redhat-ods-applications", "odh-dashboard-config"},
	{"infrastructure.opendatahub.io/v1", "HardwareProfile", "redhat-ods-applications", "gpu-profile"},
	{"infrastructure.opendatahub.io/v1", "HardwareProfile", "redhat-ods-applications", "nvidia-a10g-profile"},
	// 4 UWM, COO, Perses
	{"v1", "ConfigMapPatch", "openshift-monitoring", "cluster-monitoring-config"},
	{"v1", "Namespace", "", "openshift-cluster-observability-operator"},
	{"operators.coreos.com/v1", "OperatorGroup", "openshift-cluster-observability-operator", "cluster-observability-operator"},
	{"operators.coreos.com/v1alpha1", "Subscription", "openshift-cluster-observability-operator", "openshift-cluster-observability-operator"},
	{"observability.openshift.io/v1alpha1", "UIPlugin", "", "dashboards"},
	{"observability.openshift.io/v1alpha1", "UIPlugin", "", "monitoring"},
	{"perses.dev/v1alpha2", "PersesDashboard", "openshift-cluster-observability-operator", "llm-d-intelligent-inference"},
	// 5.1–5.2 llm-d gateway and the default model
	{"gateway.networking.k8s.io/v1", "Gateway", "openshift-ingress", "openshift-ai-inference"},
	{"route.openshift.io/v1", "Route", "openshift-ingress", "openshift-ai-inference"},
	{"v1", "Namespace", "", "llm-d-demo"},
	{"v1", "Secret", "llm-d-demo", "qwen3-8b-connection"},
	{"serving.kserve.io/v1alpha2", "LLMInferenceService", "llm-d-demo", "qwen3-8b"},
	// 6.1 MaaS gateway
	{"v1", "ConfigMap", "openshift-ingress", "maas-default-gateway-override-config"},
	{"gateway.networking.k8s.io/v1", "Gateway", "openshift-ingress", "maas-default-gateway"},
	{"route.openshift.io/v1", "Route", "openshift-ingress", "maas-default-gateway"},
	// 6.2 database (persistent)
	{"v1", "Secret", "redhat-ods-applications", "maas-db-config"},
	{"v1", "PersistentVolumeClaim", "redhat-ods-applications", "maas-db"},
	{"apps/v1", "Deployment", "redhat-ods-applications", "maas-db"},
	{"v1", "Service", "redhat-ods-applications", "maas-db"},
	// 6.3 enable, 6.4 Authorino TLS, 6.5 Tenant, 6.6–6.7 publication, 6.8 flags
	{"datasciencecluster.opendatahub.io/v2", "DataScienceClusterPatch", "", "default-dsc"},
	{"v1", "ServicePatch", "kuadrant-system", "authorino-authorino-authorization"},
	{"operator.authorino.kuadrant.io/v1beta1", "AuthorinoPatch", "kuadrant-system", "authorino"},
	{"apps/v1", "DeploymentPatch", "kuadrant-system", "authorino"},
	{"gateway.networking.k8s.io/v1", "GatewayPatch", "openshift-ingress", "maas-default-gateway"},
	{"maas.opendatahub.io/v1alpha1", "TenantPatch", "models-as-a-service", "default-tenant"},
	{"maas.opendatahub.io/v1alpha1", "MaaSModelRef", "llm-d-demo", "qwen3-8b"},
	{"maas.opendatahub.io/v1alpha1", "MaaSSubscription", "models-as-a-service", "default-subscription"},
	{"maas.opendatahub.io/v1alpha1", "MaaSAuthPolicy", "models-as-a-service", "default-auth-policy"},
	{"opendatahub.io/v1alpha", "OdhDashboardConfigPatch", "redhat-ods-applications", "odh-dashboard-config"},
}

var awsObjects = []object{
	{"cloudcredential.openshift.io/v1", "CredentialsRequest", "openshift-cloud-credential-operator", "cert-manager"},
	{"machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", testkit.InfraID + "-gpu-worker-us-east-2a"},
	{"machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", testkit.InfraID + "-gpu-worker-us-east-2b"},
	{"machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", testkit.InfraID + "-gpu-worker-us-east-2c"},
}

var baremetalObjects = []object{
	{"v1", "Secret", "cert-manager", "aws-creds"},
}

func find(rec *pulumitest.Recorder, o object) []pulumitest.Resource {
	var out []pulumitest.Resource
	for _, r := range rec.Find(o.kind, o.namespace, o.name) {
		md, _ := r.Object()["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		if r.Type == o.token() && ns == o.namespace {
			out = append(out, r)
		}
	}
	return out
}

func TestInventory(t *testing.T) {
	cases := []struct {
		stack    string
		cfg      map[string]any
		platform string
		extra    []object
	}{
		{"aws-dev", testkit.Config().AWS().Build(), "AWS", awsObjects},
		{"baremetal", testkit.Config().Build(), "BareMetal", baremetalObjects},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			rec, err := testkit.Run(tc.cfg, testkit.OpenShift(tc.platform), false)
			require.NoError(t, err)
			want := append(append([]object{}, common...), tc.extra...)
			for _, o := range want {
				// The dashboard config has two patches with different field managers.
				n := 1
				if o.kind == "OdhDashboardConfigPatch" {
					n = 2
				}
				assert.Len(t, find(rec, o), n, "%s %s %s/%s", o.apiVersion, o.kind, o.namespace, o.name)
			}
			t.Logf("%s registers %d resources (%d custom)", tc.stack, len(rec.All()), len(rec.Custom()))
		})
	}
}

// The operators the program never installs: the rationale's exclusions.
func TestInventory_exclusions(t *testing.T) {
	rec, err := testkit.Run(testkit.Config().AWS().Build(), testkit.OpenShift("AWS"), false)
	require.NoError(t, err)
	for _, r := range rec.Custom() {
		if r.Kind() != "Subscription" {
			continue
		}
		pkg := r.Object()["spec"].(map[string]any)["name"].(string)
		for _, excluded := range []string{"kueue", "servicemesh", "serverless", "metallb", "opendatahub", "grafana"} {
			assert.NotContains(t, pkg, excluded, "Subscription %s", r.Name)
		}
	}
	dsc, err := testkit.MustFind(rec, "DataScienceCluster", "", "default-dsc")
	require.NoError(t, err)
	comps := dsc.Object()["spec"].(map[string]any)["components"].(map[string]any)
	assert.Equal(t, "Removed", comps["kueue"].(map[string]any)["managementState"])
	assert.NotContains(t, comps["kserve"].(map[string]any), "modelsAsService", "the MaaS layer owns that field (C12)")
}

// Three models (two published, in two namespaces) and two tiers.
func TestInventory_threeModelsTwoTiers(t *testing.T) {
	rec, err := testkit.Run(testkit.Config().WithModels(3).Build(), testkit.OpenShift("BareMetal"), false)
	require.NoError(t, err)
	for _, o := range []object{
		{"serving.kserve.io/v1alpha2", "LLMInferenceService", "team-a", "model-1"},
		{"serving.kserve.io/v1alpha2", "LLMInferenceService", "team-b", "model-2"},
		{"serving.kserve.io/v1alpha2", "LLMInferenceService", "team-a", "model-3"},
		{"maas.opendatahub.io/v1alpha1", "MaaSModelRef", "team-a", "model-1"},
		{"maas.opendatahub.io/v1alpha1", "MaaSModelRef", "team-b", "model-2"},
		{"maas.opendatahub.io/v1alpha1", "MaaSSubscription", "models-as-a-service", "free"},
		{"maas.opendatahub.io/v1alpha1", "MaaSSubscription", "models-as-a-service", "premium"},
		{"maas.opendatahub.io/v1alpha1", "MaaSAuthPolicy", "models-as-a-service", "everyone"},
		{"maas.opendatahub.io/v1alpha1", "MaaSAuthPolicy", "models-as-a-service", "premium"},
		{"v1", "Namespace", "", "team-a"},
		{"v1", "Namespace", "", "team-b"},
	} {
		assert.Len(t, find(rec, o), 1, "%s %s/%s", o.kind, o.namespace, o.name)
	}
	assert.Empty(t, rec.Find("MaaSModelRef", "team-a", "model-3"), "an unpublished model gets no MaaSModelRef")

	gw, err := testkit.MustFind(rec, "Gateway", "openshift-ingress", "maas-default-gateway")
	require.NoError(t, err)
	listener := gw.Object()["spec"].(map[string]any)["listeners"].([]any)[0].(map[string]any)
	expr := listener["allowedRoutes"].(map[string]any)["namespaces"].(map[string]any)["selector"].(map[string]any)["matchExpressions"].([]any)[0].(map[string]any)
	var values []string
	for _, v := range expr["values"].([]any) {
		values = append(values, v.(string))
	}
	sort.Strings(values)
	assert.Equal(t, []string{"models-as-a-service", "redhat-ods-applications", "team-a", "team-b"}, values,
		"exactly the published models' namespaces plus redhat-ods-applications and models-as-a-service")

	premium, err := testkit.MustFind(rec, "MaaSSubscription", "models-as-a-service", "premium")
	require.NoError(t, err)
	spec := premium.Object()["spec"].(map[string]any)
	assert.EqualValues(t, 10, spec["priority"])
	refs := spec["modelRefs"].([]any)
	require.Len(t, refs, 2)
	assert.Equal(t, []any{map[string]any{"limit": float64(100000), "window": "24h"}}, refs[0].(map[string]any)["tokenRateLimits"])
}

// The baremetal stack registers no AWS resource, makes no AWS call and so
// needs no AWS credentials.
func TestBaremetal_noAWS(t *testing.T) {
	rec := pulumitest.NewRecorder()
	calls := 0
	rec.Calls = map[string]func(resource.PropertyMap) (resource.PropertyMap, error){}
	for token, f := range testkit.AWSCalls() {
		f := f
		rec.Calls[token] = func(a resource.PropertyMap) (resource.PropertyMap, error) { calls++; return f(a) }
	}
	rec, err := testkit.RunWith(rec, testkit.Config().Build(), testkit.OpenShift("BareMetal"))
	require.NoError(t, err)
	for _, r := range rec.All() {
		assert.False(t, strings.HasPrefix(r.Type, "aws:") || r.Type == "pulumi:providers:aws", "baremetal registered %s (%s)", r.Name, r.Type)
	}
	assert.Zero(t, calls, "baremetal made an AWS call")
	// And the aws stack does use it, so the test above can fail.
	awsRec, err := testkit.Run(testkit.Config().AWS().Build(), testkit.OpenShift("AWS"), false)
	require.NoError(t, err)
	_, ok := awsRec.Get("aws")
	assert.True(t, ok)
}

// Secrets stay secrets: the database password and DNS-01 keys are secret in
// every input that carries them and in no input plain. (Mocks see no stack
// outputs: tests/engine checks the outputs and the state file.)
func TestSecretsAreSecret(t *testing.T) {
	rec, err := testkit.Run(testkit.Config().Build(), testkit.OpenShift("BareMetal"), false)
	require.NoError(t, err)
	db, err := testkit.MustFind(rec, "Secret", "redhat-ods-applications", "maas-db-config")
	require.NoError(t, err)
	for _, key := range []resource.PropertyKey{"password", "DB_CONNECTION_URL"} {
		v := db.Inputs["stringData"]
		require.True(t, v.ContainsSecrets(), "stringData carries a secret")
		obj := v
		if obj.IsSecret() {
			obj = obj.SecretValue().Element
		}
		assert.True(t, obj.ObjectValue()[key].IsSecret() || v.IsSecret(), "maas-db-config %s is secret", key)
	}
	creds, err := testkit.MustFind(rec, "Secret", "cert-manager", "aws-creds")
	require.NoError(t, err)
	assert.True(t, creds.Inputs["stringData"].ContainsSecrets())
	for _, r := range rec.All() {
		for _, secret := range []string{"db-secret-value", "route53-secret-value"} {
			for k, v := range r.Inputs {
				if !v.ContainsSecrets() {
					assert.NotContains(t, v.String(), secret, "%s.%s holds a secret in plain text", r.Name, k)
				}
			}
		}
	}
}

// In render mode every object is one file named after apiVersion, kind,
// namespace and name: two resources for the same object would overwrite
// each other, so the render stack registers each object once, with the MaaS
// fields folded in.
func TestRender_eachObjectOnce(t *testing.T) {
	rec, err := testkit.Run(testkit.Config().Render().Build(), nil, false)
	require.NoError(t, err)
	seen := map[string]string{}
	for _, r := range rec.Custom() {
		if strings.HasPrefix(r.Type, "pulumi:") {
			continue
		}
		md, _ := r.Object()["metadata"].(map[string]any)
		kind := strings.TrimSuffix(r.Kind(), "Patch")
		apiVersion := strings.TrimSuffix(strings.TrimPrefix(r.Type, "kubernetes:"), ":"+r.Kind())
		key := apiVersion + " " + kind + " " + fmtNS(md["namespace"]) + "/" + md["name"].(string)
		assert.Empty(t, seen[key], "%s is rendered by both %s and %s", key, seen[key], r.Name)
		seen[key] = r.Name
	}
	dsc, err := testkit.MustFind(rec, "DataScienceCluster", "", "default-dsc")
	require.NoError(t, err)
	kserve := dsc.Object()["spec"].(map[string]any)["components"].(map[string]any)["kserve"].(map[string]any)
	assert.Equal(t, map[string]any{"managementState": "Managed"}, kserve["modelsAsService"], "the rendered DSC enables MaaS")
	gw, err := testkit.MustFind(rec, "Gateway", "openshift-ingress", "maas-default-gateway")
	require.NoError(t, err)
	ann := gw.Object()["metadata"].(map[string]any)["annotations"].(map[string]any)
	assert.Equal(t, "true", ann["security.opendatahub.io/authorino-tls-bootstrap"])
	assert.Empty(t, rec.Find("Secret", "redhat-ods-applications", "maas-db-config"), "maas-db-config is supplied outside render mode")
	assert.Empty(t, rec.Find("Secret", "cert-manager", "aws-creds"), "aws-creds is supplied outside render mode")
}

func fmtNS(v any) string {
	s, _ := v.(string)
	return s
}

// Render mode writes no secret value, whatever is configured: no Secret is
// registered, no input holds a configured secret, and SECRETS.md names each
// Secret to supply with its keys (the engine test greps the real files).
func TestRender_writesNoSecretValue(t *testing.T) {
	secrets := map[string]string{
		stacks.KeyDatabasePassword:   "render-db-password-3b1",
		stacks.KeyDatabaseURL:        "postgresql://maas:render-url-secret-77@db.example.com:5432/maas",
		stacks.KeyRoute53AccessKeyID: "AKIARENDERTEST00001",
		stacks.KeyRoute53SecretKey:   "render-route53-secret-5a",
	}
	cfg := testkit.Config().Render().Build()
	for k, v := range secrets {
		cfg[k] = v
	}
	rec, err := testkit.Run(cfg, nil, false)
	require.NoError(t, err)
	for _, r := range rec.Custom() {
		assert.NotEqual(t, "kubernetes:core/v1:Secret", r.Type, "render registers Secret %s", r.Name)
		raw, _ := json.Marshal(r.Inputs.Mappable())
		for key, v := range secrets {
			assert.NotContains(t, string(raw), v, "%s holds the value of %s", r.Name, key)
		}
	}
	files := rec.Files()
	require.Len(t, files, 1)
	for path, content := range files {
		assert.Equal(t, stacks.SecretsFile, filepath.Base(path))
		for key, v := range secrets {
			assert.NotContains(t, string(content), v, "%s holds the value of %s", path, key)
		}
		for _, want := range []string{"## redhat-ods-applications/maas-db-config", "| `password` |", "| `DB_CONNECTION_URL` |",
			"## cert-manager/aws-creds", "| `aws_access_key_id` |", "## llm-d-demo/qwen3-8b-connection", "| `URI` |"} {
			assert.Contains(t, string(content), want)
		}
	}
	preview, err := testkit.Run(cfg, nil, true)
	require.NoError(t, err)
	assert.Empty(t, preview.Files(), "preview writes nothing")
}
