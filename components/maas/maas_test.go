package maas

import (
	"context"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

const (
	apps        = "apps.test.example.com"
	generatedPW = "Gen3ratedPassw0rd"
)

func stubGate(name string) readiness.Gate {
	return readiness.Gate{Name: name, Object: "Stub " + name, Check: func(context.Context, dynamic.Interface) (readiness.Status, error) {
		return readiness.Ready("stub"), nil
	}}
}

// stub stands for a lower layer: a ConfigMap (the edge) and a gate (the hook).
func stub(ctx *pulumi.Context, name string) (readiness.Prerequisite, error) {
	cm, err := corev1.NewConfigMap(ctx, name, &corev1.ConfigMapArgs{Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String("stubs")}})
	if err != nil {
		return readiness.Prerequisite{}, err
	}
	return readiness.Prerequisite{Resources: []pulumi.Resource{cm}, Gates: []readiness.Gate{stubGate(name)}}, nil
}

// setup is what a test varies; the program stubs every lower layer.
type setup struct {
	models     []PublishedModel // After filled with a stub per model when empty
	namespaces []string         // gateway allowedRoutes model namespaces; default the models'
	edit       func(*MaaSArgs)
	gatesOff   bool
}

type result struct {
	rec *pulumitest.Recorder
	gw  *Gateway
	m   *MaaS
	// password as the component output it: value and secretness.
	pw       string
	pwSecret bool
}

func recorder() *pulumitest.Recorder {
	rec := pulumitest.NewRecorder()
	rec.Outputs = func(r pulumitest.Resource) resource.PropertyMap {
		if r.Type == "random:index/randomPassword:RandomPassword" {
			return resource.PropertyMap{"result": resource.NewStringProperty(generatedPW)}
		}
		return nil
	}
	return rec
}

func install(t *testing.T, s setup) (result, error) {
	t.Helper()
	var out result
	rec, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		binder := readiness.NewBinder(ctx, readiness.NewWaiter(nil), !s.gatesOff)
		stubs := map[string]readiness.Prerequisite{}
		for _, n := range []string{"stub-gatewayclass", "stub-ingress-cert", "stub-dsc", "stub-kuadrant", "stub-dashboard-config"} {
			p, err := stub(ctx, n)
			if err != nil {
				return err
			}
			stubs[n] = p
		}
		models := append([]PublishedModel(nil), s.models...)
		var nss []string
		for i, m := range models {
			if isEmpty(m.After) {
				p, err := stub(ctx, "stub-llmisvc-"+m.Namespace+"-"+m.Name)
				if err != nil {
					return err
				}
				models[i].After = p
			}
			nss = append(nss, m.Namespace)
		}
		if s.namespaces != nil {
			nss = s.namespaces
		}
		gw, err := NewGateway(ctx, "maas-gateway", &GatewayArgs{
			AppsDomain: apps, ModelNamespaces: nss, Gates: binder,
			GatewayClass: stubs["stub-gatewayclass"], TLSSecret: stubs["stub-ingress-cert"],
		})
		if err != nil {
			return err
		}
		out.gw = gw
		a := MaaSArgs{
			Gateway: gw, Models: models, Gates: binder,
			DSCReady: stubs["stub-dsc"], Authorino: stubs["stub-kuadrant"], DashboardConfig: stubs["stub-dashboard-config"],
		}
		if s.edit != nil {
			s.edit(&a)
		}
		m, err := NewMaaS(ctx, "maas", &a)
		if err != nil {
			return err
		}
		out.m = m
		got, err := internals.UnsafeAwaitOutput(ctx.Context(), m.DBPassword)
		if err != nil {
			return err
		}
		out.pw, _ = got.Value.(string)
		out.pwSecret = got.Secret
		return nil
	}, nil, false, recorder())
	out.rec = rec
	return out, err
}

// The three-model configuration: qwen3-8b and granite-8b are published (two
// namespaces); the third model is not published, so MaaS never hears of it.
var published = []PublishedModel{{Name: "qwen3-8b", Namespace: "llm-d-demo"}, {Name: "granite-8b", Namespace: "team-a"}}

// Two tiers and two auth policies whose subjects match the owners.
func twoTiers(a *MaaSArgs) {
	a.Subscriptions = []Subscription{
		{Name: "free", Groups: []string{"system:authenticated"}, Models: []ModelLimits{
			{Model: "qwen3-8b", Limits: []TokenRateLimit{{Limit: 1000, Window: "24h"}}},
			{Model: "granite-8b", Namespace: "team-a", Limits: []TokenRateLimit{{Limit: 500, Window: "1h"}}},
		}},
		{Name: "premium", Groups: []string{"premium-users"}, Users: []string{"alice"}, Priority: 10, Models: []ModelLimits{
			{Model: "qwen3-8b", Limits: []TokenRateLimit{{Limit: 100000, Window: "24h"}, {Limit: 5000, Window: "1m"}}},
		}},
	}
	a.AuthPolicies = []AuthPolicy{
		{Name: "everyone", Groups: []string{"system:authenticated"}, Models: []ModelRef{{Name: "qwen3-8b"}, {Name: "granite-8b"}}},
		{Name: "premium-qwen", Groups: []string{"premium-users"}, Users: []string{"alice"}, Models: []ModelRef{{Name: "qwen3-8b", Namespace: "llm-d-demo"}}},
	}
}

func one(t *testing.T, rec *pulumitest.Recorder, kind, ns, name string) pulumitest.Resource {
	t.Helper()
	found := rec.Find(kind, ns, name)
	require.Len(t, found, 1, "%s %s/%s among %v", kind, ns, name, pulumitest.Names(rec.Custom()))
	return found[0]
}

func getRes(t *testing.T, rec *pulumitest.Recorder, name string) pulumitest.Resource {
	t.Helper()
	r, ok := rec.Get(name)
	require.True(t, ok, "no resource %s among %v", name, pulumitest.Names(rec.All()))
	return r
}

func meta(r pulumitest.Resource) map[string]any { return r.Object()["metadata"].(map[string]any) }
func spec(r pulumitest.Resource) map[string]any { return r.Object()["spec"].(map[string]any) }
func annotations(r pulumitest.Resource) map[string]any {
	a, _ := meta(r)["annotations"].(map[string]any)
	return a
}

func TestGateway_objects(t *testing.T) {
	res, err := install(t, setup{models: published, edit: twoTiers})
	require.NoError(t, err)
	rec := res.rec
	host := "maas." + apps

	cm := one(t, rec, "ConfigMap", "openshift-ingress", "maas-default-gateway-override-config")
	assert.Equal(t, map[string]any{"service": "spec:\n  type: ClusterIP\n"}, cm.Object()["data"])

	gw := one(t, rec, "Gateway", "openshift-ingress", "maas-default-gateway")
	assert.Equal(t, "kubernetes:gateway.networking.k8s.io/v1:Gateway", gw.Type)
	assert.Equal(t, map[string]any{
		"opendatahub.io/managed":           "false",
		"networking.istio.io/service-type": "ClusterIP",
		"pulumi.com/waitFor":               "condition=Programmed",
		"pulumi.com/timeoutSeconds":        "600",
	}, annotations(gw), "no authorino-tls-bootstrap annotation at creation (C13)")
	assert.Equal(t, map[string]any{
		"gatewayClassName": "openshift-default",
		"infrastructure":   map[string]any{"parametersRef": map[string]any{"group": "", "kind": "ConfigMap", "name": "maas-default-gateway-override-config"}},
		"listeners": []any{map[string]any{
			"name": "https", "hostname": host, "port": float64(443), "protocol": "HTTPS",
			"tls": map[string]any{"mode": "Terminate", "certificateRefs": []any{map[string]any{"group": "", "kind": "Secret", "name": "ingress-certs"}}},
			"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "Selector", "selector": map[string]any{
				"matchExpressions": []any{map[string]any{"key": "kubernetes.io/metadata.name", "operator": "In",
					"values": []any{"llm-d-demo", "team-a", "redhat-ods-applications", "models-as-a-service"}}},
			}}},
		}},
	}, spec(gw))

	route := one(t, rec, "Route", "openshift-ingress", "maas-default-gateway")
	assert.Equal(t, map[string]any{
		"host":           host,
		"to":             map[string]any{"kind": "Service", "name": "maas-default-gateway-openshift-default", "weight": float64(100)},
		"port":           map[string]any{"targetPort": "https"},
		"tls":            map[string]any{"termination": "passthrough", "insecureEdgeTerminationPolicy": "Redirect"},
		"wildcardPolicy": "None",
	}, spec(route))

	assert.True(t, rec.Reaches("maas-gateway-gateway", "stub-gatewayclass"))
	assert.True(t, rec.Reaches("maas-gateway-gateway", "stub-ingress-cert"))
	assert.True(t, rec.Reaches("maas-gateway-gateway", "maas-gateway-override-config"))
	assert.True(t, rec.Reaches("maas-gateway-route", "maas-gateway-gateway"))
	assert.True(t, getRes(t, rec, "maas-gateway-gateway").HasGate(stubGate("stub-gatewayclass").HookName()))
	assert.Equal(t, "https://maas.apps.test.example.com", res.gw.URL)
}

func TestGateway_allowedRoutesListExactlyThePublishedNamespaces(t *testing.T) {
	cases := []struct {
		name       string
		namespaces []string
		want       []any
	}{
		{"no published model leaves the two platform namespaces", nil, []any{"redhat-ods-applications", "models-as-a-service"}},
		{"models sharing a namespace list it once", []string{"llm-d-demo", "llm-d-demo"}, []any{"llm-d-demo", "redhat-ods-applications", "models-as-a-service"}},
		{"two namespaces in the order given", []string{"team-b", "team-a"}, []any{"team-b", "team-a", "redhat-ods-applications", "models-as-a-service"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := install(t, setup{namespaces: tc.namespaces})
			require.NoError(t, err)
			gw := one(t, res.rec, "Gateway", "openshift-ingress", "maas-default-gateway")
			ls := spec(gw)["listeners"].([]any)[0].(map[string]any)
			sel := ls["allowedRoutes"].(map[string]any)["namespaces"].(map[string]any)["selector"].(map[string]any)
			assert.Equal(t, tc.want, sel["matchExpressions"].([]any)[0].(map[string]any)["values"])
			assert.NotContains(t, tc.want, "openshift-ingress", "only published and platform namespaces, not the gateway's own (llm-d-guide's chart adds it)")
		})
	}
}

func TestMaaS_inventoryOfTwoPublishedModelsAndTwoTiers(t *testing.T) {
	res, err := install(t, setup{models: published, edit: twoTiers})
	require.NoError(t, err)
	rec := res.rec
	want := []struct{ kind, ns, name string }{
		{"RandomPassword", "", ""},
		{"Secret", "redhat-ods-applications", "maas-db-config"},
		{"PersistentVolumeClaim", "redhat-ods-applications", "maas-db"},
		{"Deployment", "redhat-ods-applications", "maas-db"},
		{"Service", "redhat-ods-applications", "maas-db"},
		{"ServicePatch", "kuadrant-system", "authorino-authorino-authorization"},
		{"AuthorinoPatch", "kuadrant-system", "authorino"},
		{"DeploymentPatch", "kuadrant-system", "authorino"},
		{"DataScienceClusterPatch", "", "default-dsc"},
		{"GatewayPatch", "openshift-ingress", "maas-default-gateway"},
		{"TenantPatch", "models-as-a-service", "default-tenant"},
		{"MaaSModelRef", "llm-d-demo", "qwen3-8b"},
		{"MaaSModelRef", "team-a", "granite-8b"},
		{"MaaSSubscription", "models-as-a-service", "free"},
		{"MaaSSubscription", "models-as-a-service", "premium"},
		{"MaaSAuthPolicy", "models-as-a-service", "everyone"},
		{"MaaSAuthPolicy", "models-as-a-service", "premium-qwen"},
		{"OdhDashboardConfigPatch", "redhat-ods-applications", "odh-dashboard-config"},
	}
	// Each published object has a Stash whose create waits on the
	// controller's verdict, so a dependent waits on that, not on a waitFor.
	wantStashes := map[string]string{
		"maas-modelref-llm-d-demo-qwen3-8b-ready": "gate-maasModelRefReady-MaaSModelRef-llm-d-demo-qwen3-8b",
		"maas-modelref-team-a-granite-8b-ready":   "gate-maasModelRefReady-MaaSModelRef-team-a-granite-8b",
		"maas-subscription-free-active":           "gate-maasSubscriptionActive-MaaSSubscription-models-as-a-service-free",
		"maas-subscription-premium-active":        "gate-maasSubscriptionActive-MaaSSubscription-models-as-a-service-premium",
		"maas-authpolicy-everyone-active":         "gate-maasAuthPolicyActive-MaaSAuthPolicy-models-as-a-service-everyone",
		"maas-authpolicy-premium-qwen-active":     "gate-maasAuthPolicyActive-MaaSAuthPolicy-models-as-a-service-premium-qwen",
	}
	var children []pulumitest.Resource
	stashes := map[string]string{}
	for _, r := range rec.Custom() {
		switch {
		case r.Parent != "maas":
		case r.Type == "pulumi:index:Stash":
			stashes[r.Name] = strings.Join(r.Hooks.BeforeCreate, ",")
		default:
			children = append(children, r)
		}
	}
	assert.Len(t, children, len(want), "children: %v", pulumitest.Names(children))
	assert.Equal(t, wantStashes, stashes)
	for _, w := range want {
		if w.kind == "RandomPassword" {
			assert.Equal(t, "random:index/randomPassword:RandomPassword", getRes(t, rec, "maas-db-password").Type)
			continue
		}
		r := one(t, rec, w.kind, w.ns, w.name)
		assert.Equal(t, "maas", r.Parent)
	}
	assert.Empty(t, res.m.Warnings(), "subjects match owners in this configuration")
	assert.Equal(t, "https://maas.apps.test.example.com", res.m.URL)
	assert.Equal(t, "https://maas.apps.test.example.com/maas-api", res.m.APIURL)
	require.Len(t, res.m.Tiers, 2)
	assert.Equal(t, Subscription{Name: "premium", Groups: []string{"premium-users"}, Users: []string{"alice"}, Priority: 10, Models: []ModelLimits{
		{Model: "qwen3-8b", Namespace: "llm-d-demo", Limits: []TokenRateLimit{{Limit: 100000, Window: "24h"}, {Limit: 5000, Window: "1m"}}},
	}}, res.m.Tiers[1], "tiers are exported with their namespaces resolved")
}

func TestMaaS_patchesOwnOnlyTheirFields(t *testing.T) {
	res, err := install(t, setup{models: published, edit: twoTiers})
	require.NoError(t, err)
	rec := res.rec
	cases := []struct {
		name, kind, ns, obj, manager string
		wantSpec                     map[string]any
		wantAnnotations              map[string]any
		apiVersion                   string
	}{
		{
			name: "DSC patch owns kserve.modelsAsService only (C12)", kind: "DataScienceClusterPatch", obj: "default-dsc", manager: "rhoai-maas-enable",
			apiVersion: "kubernetes:datasciencecluster.opendatahub.io/v2:DataScienceClusterPatch",
			wantSpec:   map[string]any{"components": map[string]any{"kserve": map[string]any{"modelsAsService": map[string]any{"managementState": "Managed"}}}},
		},
		{
			name: "Authorino listener TLS and the service CA volume", kind: "AuthorinoPatch", ns: "kuadrant-system", obj: "authorino", manager: "rhoai-maas-authorino",
			apiVersion: "kubernetes:operator.authorino.kuadrant.io/v1beta1:AuthorinoPatch",
			wantSpec: map[string]any{
				"listener": map[string]any{"tls": map[string]any{"enabled": true, "certSecretRef": map[string]any{"name": "authorino-server-cert"}}},
				"volumes": map[string]any{"items": []any{map[string]any{
					"name": "openshift-service-ca", "mountPath": "/etc/ssl/certs/openshift-service-ca",
					"configMaps": []any{"openshift-service-ca.crt"},
					"items":      []any{map[string]any{"key": "service-ca.crt", "path": "service-ca-bundle.crt"}},
				}}},
			},
		},
		{
			name: "Tenant gatewayRef and API key expiry (C14)", kind: "TenantPatch", ns: "models-as-a-service", obj: "default-tenant", manager: "rhoai-maas-tenant",
			apiVersion: "kubernetes:maas.opendatahub.io/v1alpha1:TenantPatch",
			wantSpec: map[string]any{
				"gatewayRef": map[string]any{"name": "maas-default-gateway", "namespace": "openshift-ingress"},
				"apiKeys":    map[string]any{"maxExpirationDays": float64(90)},
			},
		},
		{
			name: "dashboard flags only (C17)", kind: "OdhDashboardConfigPatch", ns: "redhat-ods-applications", obj: "odh-dashboard-config", manager: "rhoai-maas-dashboard",
			apiVersion: "kubernetes:opendatahub.io/v1alpha:OdhDashboardConfigPatch",
			wantSpec: map[string]any{"dashboardConfig": map[string]any{
				"genAiStudio": true, "modelAsService": true, "maasAuthPolicies": true, "vLLMDeploymentOnMaaS": true,
			}},
		},
		{
			name: "gateway bootstrap annotation alone (C13)", kind: "GatewayPatch", ns: "openshift-ingress", obj: "maas-default-gateway", manager: "rhoai-maas-authorino-bootstrap",
			apiVersion:      "kubernetes:gateway.networking.k8s.io/v1:GatewayPatch",
			wantAnnotations: map[string]any{"security.opendatahub.io/authorino-tls-bootstrap": "true", "pulumi.com/skipAwait": "true"},
		},
		{
			name: "Authorino Service serving-cert annotation", kind: "ServicePatch", ns: "kuadrant-system", obj: "authorino-authorino-authorization", manager: "rhoai-maas-authorino",
			apiVersion:      "kubernetes:core/v1:ServicePatch",
			wantAnnotations: map[string]any{"service.beta.openshift.io/serving-cert-secret-name": "authorino-server-cert"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := one(t, rec, tc.kind, tc.ns, tc.obj)
			assert.Equal(t, tc.apiVersion, r.Type)
			want := map[string]any{"pulumi.com/patchForce": "true", "pulumi.com/patchFieldManager": tc.manager}
			for k, v := range tc.wantAnnotations {
				want[k] = v
			}
			assert.Equal(t, want, annotations(r))
			if tc.wantSpec != nil {
				assert.Equal(t, tc.wantSpec, spec(r))
			} else {
				assert.NotContains(t, r.Object(), "spec")
			}
		})
	}

	dep := one(t, rec, "DeploymentPatch", "kuadrant-system", "authorino")
	bundle := "/etc/ssl/certs/openshift-service-ca/service-ca-bundle.crt"
	assert.Equal(t, []any{map[string]any{"name": "authorino", "env": []any{
		map[string]any{"name": "SSL_CERT_FILE", "value": bundle},
		map[string]any{"name": "REQUESTS_CA_BUNDLE", "value": bundle},
	}}}, spec(dep)["template"].(map[string]any)["spec"].(map[string]any)["containers"])
	assert.Equal(t, map[string]any{"pulumi.com/patchForce": "true", "pulumi.com/patchFieldManager": "rhoai-maas-authorino"}, annotations(dep))
}

func TestMaaS_publicationBodies(t *testing.T) {
	res, err := install(t, setup{models: published, edit: twoTiers})
	require.NoError(t, err)
	rec := res.rec
	for _, m := range published {
		ref := one(t, rec, "MaaSModelRef", m.Namespace, m.Name)
		assert.Equal(t, "kubernetes:maas.opendatahub.io/v1alpha1:MaaSModelRef", ref.Type)
		assert.Equal(t, map[string]any{"modelRef": map[string]any{"kind": "LLMInferenceService", "name": m.Name}}, spec(ref))
		// No waitFor: it could not tell a Failed phase that needs a change
		// from one maas-controller heals; the Stash's gate does (phaseGate).
		assert.Empty(t, annotations(ref))
		ready := getRes(t, rec, ref.Name+"-ready")
		assert.Equal(t, spec(ref), ready.Object()["input"], "the Stash re-runs its gate when the spec changes")
		assert.Contains(t, ready.Deps, ref.Name)
	}
	free := one(t, rec, "MaaSSubscription", "models-as-a-service", "free")
	assert.Equal(t, map[string]any{
		"owner": map[string]any{"groups": []any{map[string]any{"name": "system:authenticated"}}},
		"modelRefs": []any{
			map[string]any{"name": "qwen3-8b", "namespace": "llm-d-demo", "tokenRateLimits": []any{map[string]any{"limit": float64(1000), "window": "24h"}}},
			map[string]any{"name": "granite-8b", "namespace": "team-a", "tokenRateLimits": []any{map[string]any{"limit": float64(500), "window": "1h"}}},
		},
		"priority": float64(0),
	}, spec(free))
	assert.Empty(t, annotations(free))
	assert.Subset(t, one(t, rec, "MaaSSubscription", "models-as-a-service", "free").Deps,
		[]string{"maas-modelref-llm-d-demo-qwen3-8b-ready", "maas-modelref-team-a-granite-8b-ready"}, "a subscription waits for its models to be Ready")
	premium := one(t, rec, "MaaSSubscription", "models-as-a-service", "premium")
	assert.Equal(t, map[string]any{
		"owner": map[string]any{"groups": []any{map[string]any{"name": "premium-users"}}, "users": []any{"alice"}},
		"modelRefs": []any{map[string]any{"name": "qwen3-8b", "namespace": "llm-d-demo", "tokenRateLimits": []any{
			map[string]any{"limit": float64(100000), "window": "24h"}, map[string]any{"limit": float64(5000), "window": "1m"},
		}}},
		"priority": float64(10),
	}, spec(premium))
	everyone := one(t, rec, "MaaSAuthPolicy", "models-as-a-service", "everyone")
	assert.Equal(t, map[string]any{
		"modelRefs": []any{map[string]any{"name": "qwen3-8b", "namespace": "llm-d-demo"}, map[string]any{"name": "granite-8b", "namespace": "team-a"}},
		"subjects":  map[string]any{"groups": []any{map[string]any{"name": "system:authenticated"}}},
	}, spec(everyone))
	assert.Empty(t, annotations(everyone))
}

func TestMaaS_defaultsReproduceTheRationale(t *testing.T) {
	res, err := install(t, setup{models: published[:1]})
	require.NoError(t, err)
	sub := one(t, res.rec, "MaaSSubscription", "models-as-a-service", "default-subscription")
	assert.Equal(t, map[string]any{
		"owner":     map[string]any{"groups": []any{map[string]any{"name": "system:authenticated"}}},
		"modelRefs": []any{map[string]any{"name": "qwen3-8b", "namespace": "llm-d-demo", "tokenRateLimits": []any{map[string]any{"limit": float64(1000), "window": "24h"}}}},
		"priority":  float64(0),
	}, spec(sub))
	pol := one(t, res.rec, "MaaSAuthPolicy", "models-as-a-service", "default-auth-policy")
	assert.Equal(t, map[string]any{
		"modelRefs": []any{map[string]any{"name": "qwen3-8b", "namespace": "llm-d-demo"}},
		"subjects":  map[string]any{"groups": []any{map[string]any{"name": "system:authenticated"}}},
	}, spec(pol))
	db := one(t, res.rec, "PersistentVolumeClaim", "redhat-ods-applications", "maas-db")
	assert.Equal(t, map[string]any{"accessModes": []any{"ReadWriteOnce"}, "resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}}, spec(db))
}

func TestMaaS_databasePasswordIsSecretEverywhere(t *testing.T) {
	const url = "postgres://maas:%s@maas-db.redhat-ods-applications.svc:5432/maas?sslmode=disable"
	cases := []struct {
		name       string
		edit       func(*MaaSArgs)
		wantPW     string
		wantRandom bool
	}{
		{"a generated password", nil, generatedPW, true},
		{"a password given in plain text is made secret", func(a *MaaSArgs) { a.Database.Password = pulumi.String("given-pw") }, "given-pw", false},
		{"a password with URL characters is escaped in the URL only", func(a *MaaSArgs) {
			a.Database.Password = pulumi.ToSecret(pulumi.String("p@ss/w:rd")).(pulumi.StringOutput)
		}, "p@ss/w:rd", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := install(t, setup{models: published, edit: tc.edit})
			require.NoError(t, err)
			_, hasRandom := res.rec.Get("maas-db-password")
			assert.Equal(t, tc.wantRandom, hasRandom)

			secret := one(t, res.rec, "Secret", "redhat-ods-applications", "maas-db-config")
			data := secret.Inputs["stringData"]
			require.True(t, data.IsSecret(), "stringData (password, DB_CONNECTION_URL) is secret in the inputs")
			values := data.SecretValue().Element.ObjectValue()
			assert.Equal(t, tc.wantPW, plain(values["password"]))
			wantURL := strings.Replace(url, "%s", strings.NewReplacer("@", "%40", "/", "%2F", ":", "%3A").Replace(tc.wantPW), 1)
			assert.Equal(t, wantURL, plain(values["DB_CONNECTION_URL"]))
			assert.NotContains(t, secret.Object()["metadata"], "annotations", "nothing about the password outside stringData")

			assert.True(t, res.pwSecret, "the component output dbPassword is secret")
			assert.Equal(t, tc.wantPW, res.pw)

			dep := one(t, res.rec, "Deployment", "redhat-ods-applications", "maas-db")
			pod := spec(dep)["template"].(map[string]any)["spec"].(map[string]any)
			c := pod["containers"].([]any)[0].(map[string]any)
			assert.Equal(t, "registry.redhat.io/rhel9/postgresql-16:9.7", c["image"], "a pinned tag, not :latest")
			assert.Contains(t, c["env"], map[string]any{"name": "POSTGRESQL_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "maas-db-config", "key": "password"}}})
			assert.Contains(t, c["env"], map[string]any{"name": "POSTGRESQL_USER", "value": "maas"})
			assert.Contains(t, c["env"], map[string]any{"name": "POSTGRESQL_DATABASE", "value": "maas"})
			for _, e := range c["env"].([]any) { // the password is never inlined in the pod spec
				if v, ok := e.(map[string]any)["value"]; ok {
					assert.NotEqual(t, tc.wantPW, v)
				}
			}
			probe := c["readinessProbe"].(map[string]any)["exec"].(map[string]any)["command"].([]any)
			assert.Contains(t, probe[len(probe)-1], "pg_isready")
			assert.Equal(t, []any{map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "maas-db"}}}, pod["volumes"])
			assert.Equal(t, map[string]any{"type": "Recreate"}, spec(dep)["strategy"])
			svc := one(t, res.rec, "Service", "redhat-ods-applications", "maas-db")
			assert.Equal(t, []any{map[string]any{"name": "postgresql", "port": float64(5432), "targetPort": float64(5432)}}, spec(svc)["ports"])
		})
	}
}

func TestMaaS_externalDatabaseMakesNoPostgreSQL(t *testing.T) {
	ext := "postgresql://maas:s3cret@db.example.com:5432/maas?sslmode=require"
	res, err := install(t, setup{models: published, edit: func(a *MaaSArgs) {
		a.Database.ExternalURL = pulumi.ToSecret(pulumi.String(ext)).(pulumi.StringOutput)
	}})
	require.NoError(t, err)
	for _, kind := range []string{"PersistentVolumeClaim", "Deployment", "Service", "StatefulSet"} {
		assert.Empty(t, res.rec.Find(kind, "redhat-ods-applications", "maas-db"), kind)
	}
	_, hasRandom := res.rec.Get("maas-db-password")
	assert.False(t, hasRandom)
	assert.Nil(t, res.m.Database)
	secret := one(t, res.rec, "Secret", "redhat-ods-applications", "maas-db-config")
	require.True(t, secret.Inputs["stringData"].IsSecret())
	values := secret.Inputs["stringData"].SecretValue().Element.ObjectValue()
	assert.Len(t, values, 1)
	assert.Equal(t, ext, plain(values["DB_CONNECTION_URL"]))
	assert.True(t, res.pwSecret)
	assert.True(t, res.rec.Reaches("maas-enable", "maas-db-config"), "C12 holds with only the Secret")
}

func TestMaaS_constraints(t *testing.T) {
	res, err := install(t, setup{models: published, edit: twoTiers})
	require.NoError(t, err)
	rec := res.rec
	edges := []struct {
		id, after, before string
		want              bool
	}{
		{"C12 gateway Programmed before enabling", "maas-enable", "maas-gateway-gateway", true},
		{"C12 maas-db-config before enabling", "maas-enable", "maas-db-config", true},
		{"C12 database ready before enabling", "maas-enable", "maas-db", true},
		{"C12 database Service before enabling", "maas-enable", "maas-db-service", true},
		{"C12 the DSC before its patch", "maas-enable", "stub-dsc", true},
		{"Authorino TLS before enabling (blocking in newer operators)", "maas-enable", "maas-authorino", true},
		{"C13 Service annotated before the bootstrap", "maas-gateway-bootstrap", "maas-authorino-service", true},
		{"C13 Authorino TLS before the bootstrap", "maas-gateway-bootstrap", "maas-authorino", true},
		{"C13 CA env before the bootstrap", "maas-gateway-bootstrap", "maas-authorino-deployment", true},
		{"C13 the bootstrap patches our Gateway", "maas-gateway-bootstrap", "maas-gateway-gateway", true},
		{"the bootstrap does not wait for MaaS", "maas-gateway-bootstrap", "maas-enable", false},
		{"Authorino CR after the Service annotation", "maas-authorino", "maas-authorino-service", true},
		{"Authorino patches after Kuadrant", "maas-authorino-service", "stub-kuadrant", true},
		{"C14 bootstrap annotation before the Tenant", "maas-tenant", "maas-gateway-bootstrap", true},
		{"C14 MaaS enabled before the Tenant", "maas-tenant", "maas-enable", true},
		{"C15 qwen3-8b LLMInferenceService before its MaaSModelRef", "maas-modelref-llm-d-demo-qwen3-8b", "stub-llmisvc-llm-d-demo-qwen3-8b", true},
		{"C15 granite LLMInferenceService before its MaaSModelRef", "maas-modelref-team-a-granite-8b", "stub-llmisvc-team-a-granite-8b", true},
		{"C15 a model ref waits only for its own model", "maas-modelref-team-a-granite-8b", "stub-llmisvc-llm-d-demo-qwen3-8b", false},
		{"the Tenant before the model refs", "maas-modelref-llm-d-demo-qwen3-8b", "maas-tenant", true},
		{"C16 free tier after both model refs", "maas-subscription-free", "maas-modelref-team-a-granite-8b", true},
		{"C16 premium tier after qwen's model ref", "maas-subscription-premium", "maas-modelref-llm-d-demo-qwen3-8b", true},
		{"C16 premium tier does not wait for granite", "maas-subscription-premium", "maas-modelref-team-a-granite-8b", false},
		{"C16 auth policy after its model refs", "maas-authpolicy-premium-qwen", "maas-modelref-llm-d-demo-qwen3-8b", true},
		{"C17 MaaS enabled before the dashboard flags", "maas-dashboard-flags", "maas-enable", true},
		{"C17 the dashboard config exists first", "maas-dashboard-flags", "stub-dashboard-config", true},
		{"destroy: auth policies before subscriptions", "maas-authpolicy-everyone", "maas-subscription-premium", true},
		{"destroy: subscriptions before model refs", "maas-subscription-free", "maas-modelref-llm-d-demo-qwen3-8b", true},
		{"destroy: model refs before the Tenant patch", "maas-modelref-team-a-granite-8b", "maas-tenant", true},
		{"destroy: Tenant patch before the enable patch", "maas-tenant", "maas-enable", true},
		{"destroy: user CRs before the operators (DSC)", "maas-authpolicy-everyone", "stub-dsc", true},
		{"destroy: user CRs before Kuadrant", "maas-subscription-free", "stub-kuadrant", true},
	}
	for _, e := range edges {
		t.Run(e.id, func(t *testing.T) {
			assert.Equal(t, e.want, rec.Reaches(e.after, e.before), "%s reaches %s", e.after, e.before)
		})
	}

	svcExists, crExists, depExists := authorinoExistsGates()
	nsExists, tenantExists := tenantGates()
	hooks := []struct {
		resource string
		gate     readiness.Gate
	}{
		{"maas-enable", stubGate("stub-dsc")},
		{"maas-enable", authorinoRolledOutGate()},
		{"maas-authorino-service", svcExists},
		{"maas-authorino-service", stubGate("stub-kuadrant")},
		{"maas-authorino", crExists},
		{"maas-authorino", authorinoCertGate()},
		{"maas-authorino-deployment", depExists},
		{"maas-gateway-bootstrap", authorinoRolledOutGate()},
		{"maas-tenant", modelsAsServiceReadyGate("default-dsc", "redhat-ods-applications")},
		{"maas-tenant", envoyFilterGate()},
		{"maas-tenant", nsExists},
		{"maas-tenant", tenantExists},
		{"maas-dashboard-flags", modelsAsServiceReadyGate("default-dsc", "redhat-ods-applications")},
		{"maas-dashboard-flags", stubGate("stub-dashboard-config")},
	}
	for _, h := range hooks {
		t.Run("gate "+h.gate.Name+" on "+h.resource, func(t *testing.T) {
			r := getRes(t, rec, h.resource)
			assert.True(t, r.HasGate(h.gate.HookName()), "%s lacks %s: %v", h.resource, h.gate.HookName(), r.Hooks.BeforeCreate)
		})
	}
	assert.False(t, getRes(t, rec, "maas-gateway-bootstrap").HasGate(envoyFilterGate().HookName()), "the EnvoyFilter gate follows the annotation")
	// Teardown hangs on the enable patch: the Tenant is retired before it
	// goes (a failure keeps it for the next destroy), the rest after.
	assert.Empty(t, getRes(t, rec, "maas-tenant").Hooks.AfterDelete)
	assert.Equal(t, []string{"maas-retire-tenant-maas"}, getRes(t, rec, "maas-enable").Hooks.BeforeDelete)
	assert.Equal(t, []string{"maas-remove-tenant-leftovers-maas"}, getRes(t, rec, "maas-enable").Hooks.AfterDelete)
}

func TestMaaS_renderModeKeepsEdgesWithoutHooks(t *testing.T) {
	res, err := install(t, setup{models: published, gatesOff: true})
	require.NoError(t, err)
	for _, r := range res.rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
		assert.Empty(t, r.Hooks.AfterDelete, r.Name)
	}
	assert.True(t, res.rec.Reaches("maas-tenant", "maas-enable"))
}

func TestMaaSArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		s    setup
		want string
	}{
		{"rejects a subscription naming an unpublished model", setup{models: published, edit: func(a *MaaSArgs) {
			a.Subscriptions = []Subscription{{Name: "s", Groups: []string{"g"}, Models: []ModelLimits{{Model: "tiny", Limits: []TokenRateLimit{{Limit: 1, Window: "1m"}}}}}}
		}}, `subscriptions[0].models[0] "/tiny": not a published model; published: llm-d-demo/qwen3-8b, team-a/granite-8b`},
		{"rejects an auth policy naming an unpublished model", setup{models: published, edit: func(a *MaaSArgs) {
			a.AuthPolicies = []AuthPolicy{{Name: "p", Groups: []string{"g"}, Models: []ModelRef{{Name: "qwen3-8b", Namespace: "team-a"}}}}
		}}, `authPolicies[0].models[0] "team-a/qwen3-8b"`},
		{"rejects a window outside the CRD pattern", setup{models: published, edit: func(a *MaaSArgs) {
			a.Subscriptions = []Subscription{{Name: "s", Groups: []string{"g"}, Models: []ModelLimits{{Model: "qwen3-8b", Limits: []TokenRateLimit{{Limit: 1, Window: "1d"}}}}}}
		}}, `window: found "1d"`},
		{"rejects a zero token limit", setup{models: published, edit: func(a *MaaSArgs) {
			a.Subscriptions = []Subscription{{Name: "s", Groups: []string{"g"}, Models: []ModelLimits{{Model: "qwen3-8b", Limits: []TokenRateLimit{{Limit: 0, Window: "1m"}}}}}}
		}}, "limits[0].limit: found 0"},
		{"rejects a model without limits", setup{models: published, edit: func(a *MaaSArgs) {
			a.Subscriptions = []Subscription{{Name: "s", Groups: []string{"g"}, Models: []ModelLimits{{Model: "qwen3-8b"}}}}
		}}, "tokenRateLimits is required"},
		{"rejects a subscription without owners", setup{models: published, edit: func(a *MaaSArgs) {
			a.Subscriptions = []Subscription{{Name: "s", Models: []ModelLimits{{Model: "qwen3-8b", Limits: []TokenRateLimit{{Limit: 1, Window: "1m"}}}}}}
		}}, "no owner group or user"},
		{"rejects an auth policy without subjects", setup{models: published, edit: func(a *MaaSArgs) {
			a.AuthPolicies = []AuthPolicy{{Name: "p", Models: []ModelRef{{Name: "qwen3-8b"}}}}
		}}, "no subject"},
		{"rejects an ambiguous model name", setup{models: []PublishedModel{{Name: "m", Namespace: "a"}, {Name: "m", Namespace: "b"}}, edit: func(a *MaaSArgs) {
			a.AuthPolicies = []AuthPolicy{{Name: "p", Groups: []string{"g"}, Models: []ModelRef{{Name: "m"}}}}
		}}, "published in several namespaces (a, b)"},
		{"rejects a published namespace missing from allowedRoutes", setup{models: published, namespaces: []string{"llm-d-demo"}}, "namespace team-a is not in the allowedRoutes"},
		{"rejects a password with an external URL", setup{models: published, edit: func(a *MaaSArgs) {
			a.Database.Password = pulumi.String("x")
			a.Database.ExternalURL = pulumi.String("postgres://x")
		}}, "exclusive"},
		{"rejects a bad storage size", setup{models: published, edit: func(a *MaaSArgs) { a.Database.StorageSize = "ten" }}, `storageSize: found "ten"`},
		{"rejects a missing DSC prerequisite", setup{models: published, edit: func(a *MaaSArgs) { a.DSCReady = readiness.Prerequisite{} }}, "C12"},
		{"rejects a missing Authorino prerequisite", setup{models: published, edit: func(a *MaaSArgs) { a.Authorino = readiness.Prerequisite{} }}, "Kuadrant Ready"},
		{"rejects a missing gateway", setup{models: published, edit: func(a *MaaSArgs) { a.Gateway = nil }}, "maas.NewGateway"},
		{"rejects duplicate subscription names", setup{models: published, edit: func(a *MaaSArgs) {
			twoTiers(a)
			a.Subscriptions[1].Name = "free"
		}}, `subscriptions[1].name "free" repeats`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := install(t, tc.s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, r := range res.rec.Custom() {
				assert.NotEqual(t, "maas", r.Parent, "nothing is created on invalid args")
			}
		})
	}
}

func TestMaaSArgs_Warnings(t *testing.T) {
	models := []PublishedModel{{Name: "qwen3-8b", Namespace: "llm-d-demo"}, {Name: "granite-8b", Namespace: "team-a"}}
	limits := []TokenRateLimit{{Limit: 10, Window: "1m"}}
	cases := []struct {
		name string
		args MaaSArgs
		want []string
	}{
		{"defaults match", MaaSArgs{Models: models}, nil},
		{"an owner group without an auth policy subject", MaaSArgs{Models: models[:1],
			Subscriptions: []Subscription{{Name: "gold", Groups: []string{"gold-users", "system:authenticated"}, Models: []ModelLimits{{Model: "qwen3-8b", Limits: limits}}}},
			AuthPolicies:  []AuthPolicy{{Name: "p", Groups: []string{"system:authenticated"}, Models: []ModelRef{{Name: "qwen3-8b"}}}},
		}, []string{`model llm-d-demo/qwen3-8b: group "gold-users" owns MaaSSubscription gold but no MaaSAuthPolicy for the model names it; the model silently disappears from /v1/models for it`}},
		{"an auth policy user without a subscription", MaaSArgs{Models: models[:1],
			Subscriptions: []Subscription{{Name: "s", Groups: []string{"g"}, Models: []ModelLimits{{Model: "qwen3-8b", Limits: limits}}}},
			AuthPolicies:  []AuthPolicy{{Name: "p", Groups: []string{"g"}, Users: []string{"bob"}, Models: []ModelRef{{Name: "qwen3-8b"}}}},
		}, []string{`model llm-d-demo/qwen3-8b: user "bob" is a subject of MaaSAuthPolicy p but owns no MaaSSubscription for the model`}},
		{"a published model nobody may call", MaaSArgs{Models: models, AuthPolicies: []AuthPolicy{{Name: "p", Groups: []string{"system:authenticated"}, Models: []ModelRef{{Name: "qwen3-8b"}}}}},
			[]string{"model team-a/granite-8b is published but no MaaSAuthPolicy covers it"}},
		{"a published model without a subscription", MaaSArgs{Models: models[:1], Subscriptions: []Subscription{}},
			[]string{"model llm-d-demo/qwen3-8b is published but no MaaSSubscription covers it"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.args.Warnings()
			require.Len(t, got, len(tc.want), "%v", got)
			for i, w := range tc.want {
				assert.Contains(t, got[i], w)
			}
		})
	}
}

func TestMaaS_warningsReachTheComponent(t *testing.T) {
	res, err := install(t, setup{models: published[:1], edit: func(a *MaaSArgs) {
		a.AuthPolicies = []AuthPolicy{{Name: "p", Groups: []string{"other"}, Models: []ModelRef{{Name: "qwen3-8b"}}}}
	}})
	require.NoError(t, err, "warnings do not fail the run")
	assert.Len(t, res.m.Warnings(), 2)
}

// plain unwraps a value that may be nested in a secret.
func plain(v resource.PropertyValue) string {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v.StringValue()
}

func TestConnectionURL(t *testing.T) {
	assert.Equal(t, "postgres://maas:abc123@maas-db.redhat-ods-applications.svc:5432/maas?sslmode=disable", ConnectionURL("abc123", "redhat-ods-applications"))
}
