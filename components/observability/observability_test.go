package observability

import (
	"slices"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// retainSpy records RetainOnDelete, which the shared recorder does not keep.
type retainSpy struct {
	*pulumitest.Recorder
	mu     sync.Mutex
	retain map[string]bool
}

func (s *retainSpy) NewResource(a pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	s.mu.Lock()
	s.retain[a.Name] = a.RegisterRPC.GetRetainOnDelete()
	s.mu.Unlock()
	return s.Recorder.NewResource(a)
}

type deployed struct {
	rec    *pulumitest.Recorder
	obs    *Observability
	retain map[string]bool
}

// deploy runs the layer after an upstream operator (standing for args.After)
// and before a consumer that waits for TracingReady (standing for the DSCI).
func deploy(t *testing.T, args ObservabilityArgs, gatesOn bool) (deployed, error) {
	t.Helper()
	spy := &retainSpy{Recorder: pulumitest.NewRecorder(), retain: map[string]bool{}}
	var obs *Observability
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		gates := readiness.NewBinder(ctx, readiness.NewWaiter(nil), gatesOn)
		upstream, err := olm.NewOperator(ctx, "upstream", &olm.OperatorArgs{Package: "up", Catalog: olm.Catalog{Channel: "c"}, Namespace: "up-ns", Gates: gates})
		if err != nil {
			return err
		}
		a := args
		a.Gates, a.After = gates, upstream.Prerequisite()
		if obs, err = NewObservability(ctx, "observability", &a); err != nil {
			return err
		}
		_, err = olm.NewOperator(ctx, "consumer", &olm.OperatorArgs{Package: "rhods-operator", Catalog: olm.Catalog{Channel: "c"}, Namespace: "consumer-ns", Gates: gates, After: obs.TracingReady()})
		return err
	}, pulumi.WithMocks("rhoai", "test", spy))
	return deployed{rec: spy.Recorder, obs: obs, retain: spy.retain}, err
}

func TestObservability_operators(t *testing.T) {
	cases := []struct {
		name, ns, og, sub string
		spec              map[string]any
	}{
		{
			name: "Tempo in its own namespace, all namespaces",
			ns:   "openshift-tempo-operator", og: "tempo-operator", sub: "tempo-product",
			spec: map[string]any{"channel": "stable", "installPlanApproval": "Automatic", "name": "tempo-product", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "OpenTelemetry in its own namespace, all namespaces",
			ns:   "openshift-opentelemetry-operator", og: "opentelemetry-operator", sub: "opentelemetry-product",
			spec: map[string]any{"channel": "stable", "installPlanApproval": "Automatic", "name": "opentelemetry-product", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "COO pinned to 1.4.0 with Manual approval",
			ns:   "openshift-cluster-observability-operator", og: "cluster-observability-operator", sub: "openshift-cluster-observability-operator",
			spec: map[string]any{"channel": "stable", "installPlanApproval": "Manual", "name": "cluster-observability-operator", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace", "startingCSV": "cluster-observability-operator.v1.4.0"},
		},
	}
	d, err := deploy(t, ObservabilityArgs{}, true)
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := d.rec.Find("Namespace", "", tc.ns)
			require.Len(t, ns, 1)
			labels := ns[0].Object()["metadata"].(map[string]any)["labels"]
			assert.Equal(t, map[string]any{"openshift.io/cluster-monitoring": "true"}, labels)
			og := d.rec.Find("OperatorGroup", tc.ns, tc.og)
			require.Len(t, og, 1)
			assert.NotContains(t, og[0].Object()["spec"], "targetNamespaces", "AllNamespaces")
			sub := d.rec.Find("Subscription", tc.ns, tc.sub)
			require.Len(t, sub, 1)
			assert.Equal(t, tc.spec, sub[0].Object()["spec"])
			assert.True(t, d.rec.Reaches(sub[0].Name, "upstream"), "args.After reaches the Subscription")
		})
	}
	assert.Empty(t, d.rec.Find("Subscription", "openshift-operators", "grafana-operator"), "Grafana is off by default")
}

func TestObservability_grafanaIsOptional(t *testing.T) {
	d, err := deploy(t, ObservabilityArgs{Grafana: true}, true)
	require.NoError(t, err)
	sub := d.rec.Find("Subscription", "openshift-operators", "grafana-operator")
	require.Len(t, sub, 1)
	assert.Equal(t, map[string]any{"channel": "v5", "installPlanApproval": "Automatic", "name": "grafana-operator", "source": "community-operators", "sourceNamespace": "openshift-marketplace"}, sub[0].Object()["spec"])
	assert.Empty(t, d.rec.Find("OperatorGroup", "openshift-operators", ""), "global-operators already exists")
	assert.Empty(t, d.rec.Find("Namespace", "", "grafana-operator"))
}

func TestObservability_monitoringConfigIsMergedAndRetained(t *testing.T) {
	d, err := deploy(t, ObservabilityArgs{ExistingMonitoringConfig: "prometheusK8s:\n  retention: 15d\n"}, true)
	require.NoError(t, err)
	cms := d.rec.Find("ConfigMapPatch", "openshift-monitoring", "cluster-monitoring-config")
	require.Len(t, cms, 1)
	cm := cms[0]
	assert.Equal(t, "kubernetes:core/v1:ConfigMapPatch", cm.Type)
	assert.Equal(t, map[string]any{"config.yaml": "enableUserWorkload: true\nprometheusK8s:\n  retention: 15d\n"}, cm.Object()["data"])
	ann := cm.Object()["metadata"].(map[string]any)["annotations"].(map[string]any)
	assert.Equal(t, "true", ann["pulumi.com/patchForce"])
	assert.True(t, d.retain[cm.Name], "destroy must not relinquish config.yaml (it would delete the user's settings)")
	assert.True(t, d.rec.Reaches(cm.Name, "upstream"))
}

func TestObservability_uiPlugins(t *testing.T) {
	cases := []struct {
		name string
		spec map[string]any
	}{
		{"dashboards", map[string]any{"type": "Dashboards"}},
		{"monitoring", map[string]any{"type": "Monitoring", "monitoring": map[string]any{"perses": map[string]any{"enabled": true}}}},
	}
	d, err := deploy(t, ObservabilityArgs{}, true)
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run("UIPlugin "+tc.name+" waits for COO and for Available", func(t *testing.T) {
			rs := d.rec.Find("UIPlugin", "", tc.name)
			require.Len(t, rs, 1)
			r := rs[0]
			assert.Equal(t, "kubernetes:observability.openshift.io/v1alpha1:UIPlugin", r.Type)
			md := r.Object()["metadata"].(map[string]any)
			assert.NotContains(t, md, "namespace", "UIPlugins are cluster-scoped")
			assert.Equal(t, "condition=Available", md["annotations"].(map[string]any)["pulumi.com/waitFor"])
			assert.Equal(t, tc.spec, r.Object()["spec"])
			assert.True(t, d.rec.Reaches(r.Name, "observability-coo-subscription"), "C1: after the COO Subscription")
			for _, g := range d.obs.COO.Gates {
				assert.True(t, r.HasGate(g.HookName()), "missing %s", g.HookName())
			}
			assert.True(t, r.HasGate("gate-crdEstablished-CustomResourceDefinition-uiplugins-observability-openshift-io"))
		})
	}
}

func TestObservability_persesDashboard(t *testing.T) {
	d, err := deploy(t, ObservabilityArgs{}, true)
	require.NoError(t, err)
	rs := d.rec.Find("PersesDashboard", "openshift-cluster-observability-operator", "llm-d-intelligent-inference")
	require.Len(t, rs, 1)
	r := rs[0]
	assert.Equal(t, "kubernetes:perses.dev/v1alpha2:PersesDashboard", r.Type)
	assert.Equal(t, map[string]any{"app.kubernetes.io/part-of": "monitoring", "app": "llm-d", "app.opendatahub.io/dashboard": "true"},
		r.Object()["metadata"].(map[string]any)["labels"])
	config := r.Object()["spec"].(map[string]any)["config"].(map[string]any)
	for _, required := range []string{"duration", "layouts", "panels"} {
		assert.NotEmpty(t, config[required], "spec.config.%s is required by the CRD", required)
	}
	assert.Equal(t, "1h", config["duration"])
	assert.True(t, d.rec.Reaches(r.Name, "observability-uiplugin-monitoring"), "Perses is deployed by the monitoring plugin; destroy removes the dashboard first")
	assert.True(t, d.rec.Reaches(r.Name, "observability-coo-subscription"))
	assert.True(t, r.HasGate("gate-persesReady-UIPlugin-monitoring-and-CustomResourceDefinition-persesdashboards-perses-dev"), "hooks: %v", r.Hooks.BeforeCreate)
	assert.Equal(t, "UIPlugin monitoring and CustomResourceDefinition persesdashboards.perses.dev", d.obs.PersesGate.Object)
}

func TestObservability_tracingReadyCarriesC10(t *testing.T) {
	d, err := deploy(t, ObservabilityArgs{}, true)
	require.NoError(t, err)
	consumer, ok := d.rec.Get("consumer-subscription")
	require.True(t, ok)
	for _, op := range []string{"observability-tempo", "observability-opentelemetry", "observability-coo"} {
		assert.True(t, d.rec.Reaches("consumer-subscription", op+"-subscription"), "C10: after %s", op)
	}
	for _, crd := range []string{
		"tempostacks.tempo.grafana.com", "tempomonolithics.tempo.grafana.com",
		"opentelemetrycollectors.opentelemetry.io", "instrumentations.opentelemetry.io",
		"monitoringstacks.monitoring.rhobs",
	} {
		g := readiness.Gate{Name: olm.CRDEstablishedGate, Object: "CustomResourceDefinition " + crd}
		assert.True(t, consumer.HasGate(g.HookName()), "C10: %s Established", crd)
	}
	for _, sub := range []string{"openshift-tempo-operator/tempo-product", "openshift-opentelemetry-operator/opentelemetry-product", "openshift-cluster-observability-operator/openshift-cluster-observability-operator"} {
		g := readiness.Gate{Name: olm.CSVSucceededGate, Object: "Subscription " + sub}
		assert.True(t, consumer.HasGate(g.HookName()), "C10: CSV of %s", sub)
	}
}

func TestObservability_renderModeBindsNoGates(t *testing.T) {
	d, err := deploy(t, ObservabilityArgs{}, false)
	require.NoError(t, err)
	for _, r := range d.rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, d.rec.Reaches("observability-perses-dashboard", "observability-uiplugin-monitoring"), "edges stay in render mode")
	cm := d.rec.Find("ConfigMapPatch", "openshift-monitoring", "cluster-monitoring-config")
	require.Len(t, cm, 1)
	assert.Equal(t, map[string]any{"config.yaml": "enableUserWorkload: true\n"}, cm[0].Object()["data"])
}

func TestObservabilityArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args ObservabilityArgs
		want string
	}{
		{"rejects Automatic approval for COO", ObservabilityArgs{COO: olm.Catalog{Approval: olm.Automatic}}, `coo.approval: found "Automatic", expected "Manual"`},
		{"rejects a COO 1.5 pin", ObservabilityArgs{COO: olm.Catalog{StartingCSV: "cluster-observability-operator.v1.5.0"}}, `coo.startingCSV: found "cluster-observability-operator.v1.5.0", expected cluster-observability-operator.v1.4.x`},
		{"rejects a Tempo pin of another package", ObservabilityArgs{Tempo: olm.Catalog{StartingCSV: "nfd.v4.21.0"}}, `tempo.startingCSV: found "nfd.v4.21.0", expected a CSV of package tempo-product`},
		{"rejects a monitoring config that is not a mapping", ObservabilityArgs{ExistingMonitoringConfig: "- a\n"}, "expected a mapping"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := deploy(t, tc.args, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("rejects a missing gate binder", func(t *testing.T) {
		err := ObservabilityArgs{}.withDefaults().Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no gate binder")
	})
}

func TestObservability_partsCanBeTurnedOff(t *testing.T) {
	off := false
	cases := []struct {
		name               string
		args               ObservabilityArgs
		wantMonitoringCM   bool
		wantCOO            bool
		wantDSCIWaitsOnCOO bool
	}{
		{"everything by default", ObservabilityArgs{}, true, true, true},
		{"userWorkload off leaves the monitoring ConfigMap alone", ObservabilityArgs{UserWorkloadMonitoring: &off}, false, true, true},
		{"clusterObservability off installs no COO, plugin or dashboard", ObservabilityArgs{ClusterObservability: &off}, true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := deploy(t, tc.args, true)
			require.NoError(t, err)
			_, hasCM := d.rec.Get("observability-monitoring-config")
			assert.Equal(t, tc.wantMonitoringCM, hasCM)
			assert.Equal(t, tc.wantCOO, len(d.rec.Find("Subscription", COONamespace, COOSubscription)) == 1)
			assert.Equal(t, tc.wantCOO, len(d.rec.Find("UIPlugin", "", MonitoringPluginName)) == 1)
			assert.Equal(t, tc.wantCOO, len(d.rec.Find("PersesDashboard", COONamespace, PersesDashboardName)) == 1)
			assert.Len(t, d.rec.Find("Subscription", TempoNamespace, TempoOperator.Name), 1, "tracing stays (C10)")
			consumer, ok := d.rec.Get("consumer-subscription")
			require.True(t, ok)
			cooGate := readiness.Gate{Name: "csvSucceeded", Object: "Subscription " + COONamespace + "/" + COOSubscription}.HookName()
			assert.Equal(t, tc.wantDSCIWaitsOnCOO, slices.Contains(consumer.Hooks.BeforeCreate, cooGate))
		})
	}
}
