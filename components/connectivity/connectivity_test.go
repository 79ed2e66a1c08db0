package connectivity

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// install runs NewConnectivity under mocks after an upstream resource
// (args.After), with a dependent standing for the DSC (C8).
func install(t *testing.T, args ConnectivityArgs, gatesOn bool) (*pulumitest.Recorder, *Connectivity, error) {
	t.Helper()
	return pulumitest.RunLayer(gatesOn, "dsc", func(ctx *pulumi.Context, gates *readiness.Binder, after readiness.Prerequisite) (*Connectivity, error) {
		a := args
		a.Gates, a.After = gates, after
		return NewConnectivity(ctx, "connectivity", &a)
	})
}

func TestConnectivity_objects(t *testing.T) {
	rec, _, err := install(t, ConnectivityArgs{}, true)
	require.NoError(t, err)
	cases := []struct {
		name, kind, namespace, objName, typ string
		clusterScoped                       bool
		wantSpec                            map[string]any
		wantWaitFor, wantTimeout            string
	}{
		{
			name: "GatewayClass openshift-ai-inference-class uses the OpenShift gateway controller", kind: "GatewayClass", objName: "openshift-ai-inference-class",
			typ: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass", clusterScoped: true,
			wantSpec:    map[string]any{"controllerName": "openshift.io/gateway-controller/v1"},
			wantWaitFor: "condition=Accepted", wantTimeout: "600",
		},
		{
			name: "GatewayClass openshift-default uses the OpenShift gateway controller", kind: "GatewayClass", objName: "openshift-default",
			typ: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass", clusterScoped: true,
			wantSpec:    map[string]any{"controllerName": "openshift.io/gateway-controller/v1"},
			wantWaitFor: "condition=Accepted", wantTimeout: "600",
		},
		{
			name: "namespace kuadrant-system", kind: "Namespace", objName: "kuadrant-system",
			typ: "kubernetes:core/v1:Namespace", clusterScoped: true,
		},
		{
			name: "OperatorGroup kuadrant serves all namespaces", kind: "OperatorGroup", namespace: "kuadrant-system", objName: "kuadrant",
			typ:      "kubernetes:operators.coreos.com/v1:OperatorGroup",
			wantSpec: map[string]any{"upgradeStrategy": "Default"},
		},
		{
			name: "RHCL is pinned to 1.3.4 with Manual approval", kind: "Subscription", namespace: "kuadrant-system", objName: "rhcl-operator",
			typ: "kubernetes:operators.coreos.com/v1alpha1:Subscription",
			wantSpec: map[string]any{"channel": "stable", "installPlanApproval": "Manual", "name": "rhcl-operator", "source": "redhat-operators",
				"sourceNamespace": "openshift-marketplace", "startingCSV": "rhcl-operator.v1.3.4"},
		},
		{
			name: "Kuadrant kuadrant turns observability on (the kuadrantReady gate waits, not a waitFor)", kind: "Kuadrant", namespace: "kuadrant-system", objName: "kuadrant",
			typ:      "kubernetes:kuadrant.io/v1beta1:Kuadrant",
			wantSpec: map[string]any{"observability": map[string]any{"enable": true}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found := rec.Find(tc.kind, tc.namespace, tc.objName)
			require.Len(t, found, 1)
			r := found[0]
			assert.Equal(t, tc.typ, r.Type)
			md := r.Object()["metadata"].(map[string]any)
			if tc.clusterScoped {
				assert.NotContains(t, md, "namespace")
			}
			if tc.wantSpec != nil {
				assert.Equal(t, tc.wantSpec, r.Object()["spec"])
			}
			if tc.wantWaitFor != "" {
				ann := md["annotations"].(map[string]any)
				assert.Equal(t, tc.wantWaitFor, ann["pulumi.com/waitFor"])
				assert.Equal(t, tc.wantTimeout, ann["pulumi.com/timeoutSeconds"])
			}
		})
	}
	ns := rec.Find("Namespace", "", "kuadrant-system")[0].Object()["metadata"].(map[string]any)
	assert.NotContains(t, ns, "labels", "llm-d-guide's kuadrant.yaml gives kuadrant-system no labels")
	// RHCL is not installed in openshift-operators, where llm-d-guide puts it
	// (docs/decisions.md "Operator subscriptions").
	assert.Empty(t, rec.Find("Subscription", "openshift-operators", "rhcl-operator"))
}

func TestConnectivity_args(t *testing.T) {
	off := false
	cases := []struct {
		name       string
		args       ConnectivityArgs
		wantCSV    string
		wantChan   string
		wantEnable bool
	}{
		{"observability can be turned off", ConnectivityArgs{Observability: &off}, "rhcl-operator.v1.3.4", "stable", false},
		{"another 1.3.x pin and channel pass through", ConnectivityArgs{RHCL: olm.Catalog{StartingCSV: "rhcl-operator.v1.3.5", Channel: "stable-v1.3"}}, "rhcl-operator.v1.3.5", "stable-v1.3", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, err := install(t, tc.args, true)
			require.NoError(t, err)
			sub := rec.Find("Subscription", "kuadrant-system", "rhcl-operator")[0].Object()["spec"].(map[string]any)
			assert.Equal(t, tc.wantCSV, sub["startingCSV"])
			assert.Equal(t, tc.wantChan, sub["channel"])
			k := rec.Find("Kuadrant", "kuadrant-system", "kuadrant")[0].Object()["spec"].(map[string]any)
			assert.Equal(t, map[string]any{"enable": tc.wantEnable}, k["observability"])
		})
	}
}

func hook(name, object string) string { return readiness.Gate{Name: name, Object: object}.HookName() }

func TestConnectivity_edges(t *testing.T) {
	rec, _, err := install(t, ConnectivityArgs{}, true)
	require.NoError(t, err)
	csv := hook("csvSucceeded", "Subscription kuadrant-system/rhcl-operator")
	authCRD := hook("crdEstablished", "CustomResourceDefinition authpolicies.kuadrant.io")
	kuadrantCRD := hook("crdEstablished", "CustomResourceDefinition kuadrants.kuadrant.io")
	cases := []struct {
		name, after, before string
		gates               []string
	}{
		{"C7: the RHCL Subscription waits for both GatewayClasses Accepted", "connectivity-rhcl-subscription", "connectivity-gatewayclasses", nil},
		{"C7: the Kuadrant CR comes after the GatewayClasses", "connectivity-kuadrant", "connectivity-gatewayclasses", nil},
		{"C1: the Kuadrant CR waits for the pinned CSV and the kuadrant.io CRDs", "connectivity-kuadrant", "connectivity-rhcl-subscription", []string{csv, authCRD, kuadrantCRD}},
		{"the GatewayClasses wait for what the layer waits for", "connectivity-gatewayclasses", "upstream", nil},
		{"C8: the DSC waits for the RHCL Subscription, its CSV and the authpolicies CRD", "dsc", "connectivity-rhcl-subscription", []string{csv, authCRD}},
		{"C8: the DSC waits for the Kuadrant CR Ready", "dsc", "connectivity-kuadrant", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, rec.Reaches(tc.after, tc.before), "%s should depend on %s", tc.after, tc.before)
			r, ok := rec.Get(tc.after)
			require.True(t, ok)
			for _, g := range tc.gates {
				assert.True(t, r.HasGate(g), "missing gate %s on %s: %v", g, tc.after, r.Hooks)
			}
		})
	}
}

func TestConnectivity_destroyRemovesKuadrantBeforeRHCL(t *testing.T) {
	// Destroy walks the graph backwards: what depends on the Subscription
	// goes first, and nothing the Subscription depends on may need Kuadrant.
	rec, _, err := install(t, ConnectivityArgs{}, true)
	require.NoError(t, err)
	assert.True(t, rec.Reaches("connectivity-kuadrant", "connectivity-rhcl-subscription"), "Kuadrant is deleted before the RHCL Subscription")
	assert.False(t, rec.Reaches("connectivity-rhcl-subscription", "connectivity-kuadrant"), "no cycle: the Subscription never waits for Kuadrant")
	sub, _ := rec.Get("connectivity-rhcl-subscription")
	assert.Equal(t, []string{"olm-remove-csv-connectivity-rhcl"}, sub.Hooks.AfterDelete, "the RHCL CSV goes after its Subscription")
}

func TestConnectivity_exposesTheClassesAndAuthorino(t *testing.T) {
	_, c, err := install(t, ConnectivityArgs{}, true)
	require.NoError(t, err)
	require.NotNil(t, c.GatewayClasses.Inference)
	require.NotNil(t, c.GatewayClasses.Default)
	assert.Equal(t, "openshift-ai-inference-class", InferenceGatewayClass)
	assert.Equal(t, "openshift-default", DefaultGatewayClass)
	assert.Len(t, c.GatewayClasses.Prerequisite().Resources, 2)
	// Authorino lives where the Kuadrant CR lives (step 4 of llm-d-guide's
	// docs/phases/06-maas.md patches it in kuadrant-system).
	assert.Equal(t, "kuadrant-system", AuthorinoNamespace)
	assert.Equal(t, "authorino", AuthorinoName)
	assert.Equal(t, "authorino-authorino-authorization", AuthorinoService)
	assert.Equal(t, "authorino", AuthorinoDeployment)
}

func TestConnectivity_renderModeBindsNoHooks(t *testing.T) {
	rec, _, err := install(t, ConnectivityArgs{}, false)
	require.NoError(t, err)
	for _, r := range rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, rec.Reaches("connectivity-rhcl-subscription", "connectivity-gatewayclasses"), "edges stay in render mode")
}

func TestConnectivityArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args ConnectivityArgs
		want string
	}{
		{"rejects RHCL 1.4.0 and its Wasm shim bug", ConnectivityArgs{RHCL: olm.Catalog{StartingCSV: "rhcl-operator.v1.4.0"}}, "AUTH_FAILURE"},
		{"rejects RHCL 1.4.1: MaaS v0.1.x is validated on 1.3", ConnectivityArgs{RHCL: olm.Catalog{StartingCSV: "rhcl-operator.v1.4.1"}}, "rhcl-operator.v1.3.x"},
		{"rejects a CSV of another package", ConnectivityArgs{RHCL: olm.Catalog{StartingCSV: "authorino-operator.v0.22.0"}}, "a CSV of package rhcl-operator"},
		{"rejects a malformed pin", ConnectivityArgs{RHCL: olm.Catalog{StartingCSV: "rhcl-operator.1.3"}}, `startingCSV: found "rhcl-operator.1.3"`},
		{"rejects Automatic approval, which would upgrade past the pin", ConnectivityArgs{RHCL: olm.Catalog{Approval: olm.Automatic}}, `approval: found "Automatic", expected "Manual"`},
		{"rejects a source that is not a CatalogSource name", ConnectivityArgs{RHCL: olm.Catalog{Source: "Mirror Catalog"}}, `source: found "Mirror Catalog"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := install(t, tc.args, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.ErrorContains(t, ConnectivityArgs{}.withDefaults().Validate(), "no gate binder")
}
