package rhoai

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

type installed struct {
	rec                          *pulumitest.Recorder
	ai                           *OpenShiftAI
	conn, lws, tracing, upstream *olm.Operator
}

// install runs the layer after stand-ins for its prerequisites (RHCL for C8,
// LWS for C9, Tempo for C10, plus args.After) and before two consumers: one
// waiting for DSCReady (C11), one for DashboardConfigExists (C17).
func install(t *testing.T, args OpenShiftAIArgs, gatesOn bool) (installed, error) {
	t.Helper()
	var in installed
	rec, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		gates := readiness.NewBinder(ctx, readiness.NewWaiter(nil), gatesOn)
		op := func(name, pkg, crd string) (*olm.Operator, error) {
			return olm.NewOperator(ctx, name, &olm.OperatorArgs{Package: pkg, Catalog: olm.Catalog{Channel: "stable", Source: "redhat-operators"}, Namespace: name + "-ns", CRDs: []string{crd}, Gates: gates})
		}
		var err error
		if in.conn, err = op("conn", "rhcl-operator", "authpolicies.kuadrant.io"); err != nil {
			return err
		}
		if in.lws, err = op("lws", "leader-worker-set", "leaderworkersetoperators.operator.openshift.io"); err != nil {
			return err
		}
		if in.tracing, err = op("tracing", "tempo-product", "tempostacks.tempo.grafana.com"); err != nil {
			return err
		}
		if in.upstream, err = op("upstream", "up", "ups.example.com"); err != nil {
			return err
		}
		a := args
		a.Gates, a.After = gates, in.upstream.Prerequisite()
		a.Connectivity, a.LeaderWorkerSet, a.Tracing = in.conn.Prerequisite(), in.lws.Prerequisite(), in.tracing.Prerequisite()
		if in.ai, err = NewOpenShiftAI(ctx, "rhoai", &a); err != nil {
			return err
		}
		if _, err = olm.NewOperator(ctx, "serving", &olm.OperatorArgs{Package: "s", Catalog: olm.Catalog{Channel: "c", Source: "redhat-operators"}, Namespace: "serving-ns", Gates: gates, After: in.ai.DSCReady()}); err != nil {
			return err
		}
		_, err = olm.NewOperator(ctx, "maas", &olm.OperatorArgs{Package: "m", Catalog: olm.Catalog{Channel: "c", Source: "redhat-operators"}, Namespace: "maas-ns", Gates: gates, After: in.ai.DashboardConfigExists()})
		return err
	}, nil, false, nil)
	in.rec = rec
	return in, err
}

func hook(name, object string) string {
	return readiness.Gate{Name: name, Object: object}.HookName()
}

func one(t *testing.T, rec *pulumitest.Recorder, kind, ns, name string) pulumitest.Resource {
	t.Helper()
	rs := rec.Find(kind, ns, name)
	require.Len(t, rs, 1, "%s %s/%s in %v", kind, ns, name, pulumitest.Names(rec.Custom()))
	return rs[0]
}

func annotations(r pulumitest.Resource) map[string]any {
	ann, _ := r.Object()["metadata"].(map[string]any)["annotations"].(map[string]any)
	return ann
}

func TestOpenShiftAI_operator(t *testing.T) {
	in, err := install(t, OpenShiftAIArgs{}, true)
	require.NoError(t, err)
	ns := one(t, in.rec, "Namespace", "", "redhat-ods-operator")
	assert.Equal(t, map[string]any{"openshift.io/cluster-monitoring": "true"}, ns.Object()["metadata"].(map[string]any)["labels"])
	og := one(t, in.rec, "OperatorGroup", "redhat-ods-operator", "rhods-operator")
	assert.NotContains(t, og.Object()["spec"], "targetNamespaces", "AllNamespaces")
	sub := one(t, in.rec, "Subscription", "redhat-ods-operator", "rhods-operator")
	assert.Equal(t, map[string]any{
		"channel": "stable-3.x", "installPlanApproval": "Automatic", "name": "rhods-operator", "source": "redhat-operators",
		"sourceNamespace": "openshift-marketplace", "startingCSV": "rhods-operator.3.4.0",
	}, sub.Object()["spec"])
	assert.Empty(t, in.rec.Find("Namespace", "", "redhat-ods-applications"), "the operator creates redhat-ods-applications; never created here")
	dsci := one(t, in.rec, "DSCInitializationPatch", "", "default-dsci")
	for _, crd := range []string{"datascienceclusters.datasciencecluster.opendatahub.io", "dscinitializations.dscinitialization.opendatahub.io", "hardwareprofiles.infrastructure.opendatahub.io"} {
		assert.True(t, dsci.HasGate(hook("crdEstablished", "CustomResourceDefinition "+crd)), "C1: %s Established before the layer's CRs", crd)
	}
	assert.True(t, dsci.HasGate(hook("csvSucceeded", "Subscription redhat-ods-operator/rhods-operator")))
}

func TestOpenShiftAI_prerequisiteEdges(t *testing.T) {
	in, err := install(t, OpenShiftAIArgs{}, true)
	require.NoError(t, err)
	cases := []struct {
		name      string
		dependent string
		upstream  *olm.Operator
		upName    string
	}{
		{"C8: the RHOAI Subscription waits for RHCL", "rhoai-operator-subscription", in.conn, "conn"},
		{"C9: the RHOAI Subscription waits for LWS", "rhoai-operator-subscription", in.lws, "lws"},
		{"C8: the DSC waits for RHCL", "rhoai-dsc", in.conn, "conn"},
		{"C9: the DSC waits for LWS", "rhoai-dsc", in.lws, "lws"},
		{"C10: the DSCI patch waits for the tracing operators", "rhoai-dsci", in.tracing, "tracing"},
		{"args.After reaches the Subscription", "rhoai-operator-subscription", in.upstream, "upstream"},
		{"args.After reaches the hardware profiles", "rhoai-hardwareprofile-gpu-profile", in.upstream, "upstream"},
		{"args.After reaches the dashboard patch", "rhoai-dashboard-config", in.upstream, "upstream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, in.rec.Reaches(tc.dependent, tc.upName), "edge %s -> %s", tc.dependent, tc.upName)
			r, ok := in.rec.Get(tc.dependent)
			require.True(t, ok)
			require.NotEmpty(t, tc.upstream.Gates)
			for _, g := range tc.upstream.Gates {
				assert.True(t, r.HasGate(g.HookName()), "%s lacks %s", tc.dependent, g.HookName())
			}
		})
	}
}

func TestOpenShiftAI_dsciPatch(t *testing.T) {
	cases := []struct {
		name       string
		monitoring MonitoringArgs
		want       map[string]any
	}{
		{
			name: "defaults are llm-d-guide's dsci.yaml without serviceMesh",
			want: map[string]any{
				"applicationsNamespace": "redhat-ods-applications",
				"monitoring": map[string]any{
					"managementState": "Managed", "namespace": "redhat-ods-monitoring", "alerting": map[string]any{},
					"metrics": map[string]any{"replicas": float64(1), "storage": map[string]any{"retention": "90d", "size": "5Gi"}},
					"traces":  map[string]any{"sampleRatio": "0.1", "storage": map[string]any{"backend": "pv", "retention": "2160h"}},
				},
				"trustedCABundle": map[string]any{"managementState": "Managed"},
			},
		},
		{
			name:       "monitoring fields come from args",
			monitoring: MonitoringArgs{DisableAlerting: true, MetricsReplicas: 2, MetricsRetention: "30d", MetricsStorageSize: "50Gi", TracesSampleRatio: "1", TracesBackend: TracesS3, TracesRetention: "720h"},
			want: map[string]any{
				"applicationsNamespace": "redhat-ods-applications",
				"monitoring": map[string]any{
					"managementState": "Managed", "namespace": "redhat-ods-monitoring",
					"metrics": map[string]any{"replicas": float64(2), "storage": map[string]any{"retention": "30d", "size": "50Gi"}},
					"traces":  map[string]any{"sampleRatio": "1", "storage": map[string]any{"backend": "s3", "retention": "720h"}},
				},
				"trustedCABundle": map[string]any{"managementState": "Managed"},
			},
		},
		{
			name:       "Removed monitoring sends no metrics or traces",
			monitoring: MonitoringArgs{ManagementState: Removed},
			want: map[string]any{
				"applicationsNamespace": "redhat-ods-applications",
				"monitoring":            map[string]any{"managementState": "Removed", "namespace": "redhat-ods-monitoring"},
				"trustedCABundle":       map[string]any{"managementState": "Managed"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := install(t, OpenShiftAIArgs{Monitoring: tc.monitoring}, true)
			require.NoError(t, err)
			p := one(t, in.rec, "DSCInitializationPatch", "", "default-dsci")
			assert.Equal(t, "kubernetes:dscinitialization.opendatahub.io/v2:DSCInitializationPatch", p.Type)
			assert.Equal(t, tc.want, p.Object()["spec"])
			assert.Equal(t, "true", annotations(p)["pulumi.com/patchForce"])
			assert.True(t, p.HasGate(hook("dsciExists", "DSCInitialization default-dsci")), "a Patch on a missing default-dsci would create it")
		})
	}
}

// dscComponents is llm-d-guide's gitops/instance/rhoai/templates/dsc.yaml
// with llamastackoperator Removed and no
// kserve.modelsAsService.
func dscComponents() map[string]any {
	state := func(s string) map[string]any { return map[string]any{"managementState": s} }
	return map[string]any{
		"dashboard":          state("Managed"),
		"kserve":             map[string]any{"managementState": "Managed", "rawDeploymentServiceConfig": "Headless", "nim": state("Managed")},
		"llamastackoperator": state("Removed"),
		"aipipelines":        map[string]any{"managementState": "Managed", "argoWorkflowsControllers": state("Managed")},
		"workbenches":        map[string]any{"managementState": "Managed", "workbenchNamespace": "rhods-notebooks"},
		"modelregistry":      map[string]any{"managementState": "Managed", "registriesNamespace": "rhoai-model-registries"},
		"mlflowoperator":     state("Managed"),
		"trainingoperator":   state("Managed"),
		"kueue":              state("Removed"),
		"ray":                state("Removed"),
		"trustyai":           state("Removed"),
		"trainer":            state("Removed"), // needs the JobSet operator, not installed here
		"sparkoperator":      state("Removed"),
		"feastoperator":      state("Removed"),
	}
}

func TestOpenShiftAI_dataScienceCluster(t *testing.T) {
	cases := []struct {
		name string
		args OpenShiftAIArgs
		edit func(c map[string]any)
	}{
		{name: "defaults are llm-d-guide's dsc.yaml with llamastack Removed", edit: func(map[string]any) {}},
		{
			name: "llamastack, Kueue and the service config are configurable",
			args: OpenShiftAIArgs{Components: ComponentStates{LlamaStackOperator: Managed, Kueue: Unmanaged, Ray: Managed}, RawDeploymentServiceConfig: Headed},
			edit: func(c map[string]any) {
				c["llamastackoperator"] = map[string]any{"managementState": "Managed"}
				c["kueue"] = map[string]any{"managementState": "Unmanaged"}
				c["ray"] = map[string]any{"managementState": "Managed"}
				c["kserve"].(map[string]any)["rawDeploymentServiceConfig"] = "Headed"
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := install(t, tc.args, true)
			require.NoError(t, err)
			dsc := one(t, in.rec, "DataScienceCluster", "", "default-dsc")
			assert.Equal(t, "kubernetes:datasciencecluster.opendatahub.io/v2:DataScienceCluster", dsc.Type)
			want := dscComponents()
			tc.edit(want)
			components := dsc.Object()["spec"].(map[string]any)["components"].(map[string]any)
			assert.Equal(t, want, components)
			assert.NotContains(t, components["kserve"], "modelsAsService", "the MaaS layer owns kserve.modelsAsService")
			assert.NotContains(t, annotations(dsc), "pulumi.com/waitFor", "Ready covers every component; dependents gate on dscReady")
		})
	}
}

func TestOpenShiftAI_dashboardConfigPatch(t *testing.T) {
	in, err := install(t, OpenShiftAIArgs{}, true)
	require.NoError(t, err)
	p := one(t, in.rec, "OdhDashboardConfigPatch", "redhat-ods-applications", "odh-dashboard-config")
	assert.Equal(t, "kubernetes:opendatahub.io/v1alpha:OdhDashboardConfigPatch", p.Type)
	spec := p.Object()["spec"].(map[string]any)
	assert.Equal(t, map[string]any{
		"dashboardConfig": map[string]any{"disableKueue": true, "genAiStudio": true, "observabilityDashboard": true},
		"groupsConfig":    map[string]any{"adminGroups": "rhods-admins", "allowedGroups": "system:authenticated"},
	}, spec)
	for _, forbidden := range []string{"modelAsService", "maasAuthPolicies", "vLLMDeploymentOnMaaS", "mlflow"} {
		assert.NotContains(t, spec["dashboardConfig"], forbidden)
	}
	assert.Equal(t, "true", annotations(p)["pulumi.com/patchForce"])
	assert.True(t, p.HasGate(hook("dashboardConfigExists", "OdhDashboardConfig redhat-ods-applications/odh-dashboard-config")))
	assert.True(t, in.rec.Reaches(p.Name, "rhoai-dsc"), "the dashboard creates its config after the DSC")
}

func TestOpenShiftAI_hardwareProfiles(t *testing.T) {
	identifiers := []any{
		map[string]any{"displayName": "CPU", "identifier": "cpu", "minCount": float64(1), "maxCount": "8", "defaultCount": "1", "resourceType": "CPU"},
		map[string]any{"displayName": "Memory", "identifier": "memory", "minCount": "1Gi", "maxCount": "32Gi", "defaultCount": "12Gi", "resourceType": "Memory"},
		map[string]any{"displayName": "GPU", "identifier": "nvidia.com/gpu", "minCount": float64(1), "maxCount": float64(4), "defaultCount": float64(1), "resourceType": "Accelerator"},
	}
	tolerations := []any{map[string]any{"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}}
	cases := []struct {
		name string
		node map[string]any
	}{
		{"gpu-profile", map[string]any{"tolerations": tolerations}},
		{"nvidia-a10g-profile", map[string]any{"tolerations": tolerations, "nodeSelector": map[string]any{"nvidia.com/gpu.product": "NVIDIA-A10G"}}},
	}
	in, err := install(t, OpenShiftAIArgs{}, true)
	require.NoError(t, err)
	assert.Len(t, in.ai.HardwareProfiles, 2)
	for _, tc := range cases {
		t.Run(tc.name+" is llm-d-guide's hardware profile", func(t *testing.T) {
			r := one(t, in.rec, "HardwareProfile", "redhat-ods-applications", tc.name)
			assert.Equal(t, "kubernetes:infrastructure.opendatahub.io/v1:HardwareProfile", r.Type)
			md := r.Object()["metadata"].(map[string]any)
			assert.Equal(t, map[string]any{"app.kubernetes.io/part-of": "hardwareprofile", "app.opendatahub.io/hardwareprofile": "true"}, md["labels"])
			assert.Equal(t, map[string]any{"opendatahub.io/display-name": tc.name, "opendatahub.io/disabled": "false", "opendatahub.io/dashboard-feature-visibility": "[]"}, md["annotations"])
			assert.Equal(t, map[string]any{
				"identifiers": identifiers,
				"scheduling":  map[string]any{"type": "Node", "node": tc.node},
			}, r.Object()["spec"])
			assert.True(t, r.HasGate(hook("applicationsNamespaceExists", "Namespace redhat-ods-applications")))
			assert.True(t, r.HasGate(hook("crdEstablished", "CustomResourceDefinition hardwareprofiles.infrastructure.opendatahub.io")))
		})
	}
	t.Run("an empty list creates no profile", func(t *testing.T) {
		in, err := install(t, OpenShiftAIArgs{HardwareProfiles: []HardwareProfile{}}, true)
		require.NoError(t, err)
		for _, r := range in.rec.Custom() {
			assert.NotEqual(t, "HardwareProfile", r.Kind(), r.Name)
		}
	})
}

func TestOpenShiftAI_destroyOrder(t *testing.T) {
	in, err := install(t, OpenShiftAIArgs{}, true)
	require.NoError(t, err)
	cases := []struct{ name, first, then string }{
		{"DSC before the DSCI patch", "rhoai-dsc", "rhoai-dsci"},
		{"DSCI patch before the Subscription", "rhoai-dsci", "rhoai-operator-subscription"},
		{"DSC before the Subscription", "rhoai-dsc", "rhoai-operator-subscription"},
		{"gpu-profile before the Subscription", "rhoai-hardwareprofile-gpu-profile", "rhoai-operator-subscription"},
		{"nvidia-a10g-profile before the Subscription", "rhoai-hardwareprofile-nvidia-a10g-profile", "rhoai-operator-subscription"},
		{"dashboard patch before the DSC", "rhoai-dashboard-config", "rhoai-dsc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Destroy is the reverse of creation: `first` depends on `then`.
			assert.True(t, in.rec.Reaches(tc.first, tc.then))
		})
	}
}

func TestOpenShiftAI_consumersCarryTheGates(t *testing.T) {
	in, err := install(t, OpenShiftAIArgs{}, true)
	require.NoError(t, err)
	serving, ok := in.rec.Get("serving-subscription")
	require.True(t, ok)
	assert.True(t, serving.HasGate(hook("dscReady", "DataScienceCluster default-dsc")), "C11")
	assert.True(t, in.rec.Reaches("serving-subscription", "rhoai-dsc"), "C11")
	maas, ok := in.rec.Get("maas-subscription")
	require.True(t, ok)
	assert.True(t, maas.HasGate(hook("dashboardConfigExists", "OdhDashboardConfig redhat-ods-applications/odh-dashboard-config")), "C17")
}

func TestOpenShiftAI_renderModeBindsNoGates(t *testing.T) {
	in, err := install(t, OpenShiftAIArgs{}, false)
	require.NoError(t, err)
	for _, r := range in.rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, in.rec.Reaches("rhoai-dsc", "rhoai-dsci"), "edges stay in render mode")
	assert.True(t, in.rec.Reaches("rhoai-dsci", "tracing"), "C10 edge stays in render mode")
}

func TestOpenShiftAIArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args OpenShiftAIArgs
		want string
	}{
		{"rejects a CSV with a v", OpenShiftAIArgs{Catalog: olm.Catalog{StartingCSV: "rhods-operator.v3.4.0"}}, `startingCSV: found "rhods-operator.v3.4.0", expected rhods-operator.3.4.x`},
		{"rejects RHOAI 3.5", OpenShiftAIArgs{Catalog: olm.Catalog{StartingCSV: "rhods-operator.3.5.0"}}, "this program installs RHOAI 3.4"},
		{"rejects an unknown service config", OpenShiftAIArgs{RawDeploymentServiceConfig: "Headful"}, `rawDeploymentServiceConfig "Headful"; expected Headless or Headed`},
		{"rejects Unmanaged for a component other than kueue", OpenShiftAIArgs{Components: ComponentStates{Ray: Unmanaged}}, `components.ray "Unmanaged"; expected one of Managed, Removed`},
		{"rejects Kueue Managed", OpenShiftAIArgs{Components: ComponentStates{Kueue: Managed}}, `components.kueue "Managed"; expected one of Removed, Unmanaged (RHOAI 3.x rejects Managed`},
		{"rejects KServe Removed", OpenShiftAIArgs{Components: ComponentStates{Kserve: Removed}}, `components.kserve "Removed"; expected one of Managed`},
		{"rejects the dashboard Removed", OpenShiftAIArgs{Components: ComponentStates{Dashboard: Removed}}, `components.dashboard "Removed"`},
		{"rejects an unknown traces backend", OpenShiftAIArgs{Monitoring: MonitoringArgs{TracesBackend: "nfs"}}, `monitoring.tracesBackend "nfs"; expected pv, s3 or gcs`},
		{"rejects a sample ratio above 1", OpenShiftAIArgs{Monitoring: MonitoringArgs{TracesSampleRatio: "2"}}, `monitoring.tracesSampleRatio "2"`},
		{"rejects a bad metrics size", OpenShiftAIArgs{Monitoring: MonitoringArgs{MetricsStorageSize: "five"}}, `monitoring.metricsStorageSize "five"`},
		{"rejects a Node profile without node", OpenShiftAIArgs{HardwareProfiles: []HardwareProfile{{Name: "p", Spec: HardwareProfileSpec{
			Identifiers: DefaultHardwareProfiles()[0].Spec.Identifiers, Scheduling: &SchedulingSpec{Type: NodeScheduling},
		}}}}, "scheduling type Node needs scheduling.node"},
		{"rejects duplicate profile names", OpenShiftAIArgs{HardwareProfiles: []HardwareProfile{DefaultHardwareProfiles()[0], DefaultHardwareProfiles()[0]}}, `"gpu-profile" is used twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := install(t, tc.args, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
