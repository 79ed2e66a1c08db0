package ocpsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/rhoai"
)

// dscSpec is the program's DataScienceCluster (components/rhoai).
func dsc() *unstructured.Unstructured {
	state := func(s string) map[string]any { return map[string]any{"managementState": s} }
	return obj("datasciencecluster.opendatahub.io/v2", "DataScienceCluster", "", "default-dsc", map[string]any{"components": map[string]any{
		"dashboard":          state("Managed"),
		"kserve":             map[string]any{"managementState": "Managed", "rawDeploymentServiceConfig": "Headless", "nim": state("Managed")},
		"llamastackoperator": state("Removed"), "aipipelines": state("Managed"), "workbenches": state("Managed"),
		"modelregistry": state("Managed"), "mlflowoperator": state("Managed"), "trainingoperator": state("Managed"),
		"kueue": state("Removed"), "ray": state("Removed"), "trustyai": state("Removed"), "feastoperator": state("Removed"),
	}})
}

// rhoaiPrerequisites installs what the program puts before RHOAI: RHCL and
// Kuadrant (C7, C8), LWS and its operand (C9), Tempo, OTel and COO (C10).
func rhoaiPrerequisites(t *testing.T, f *fixture) {
	t.Helper()
	kuadrantReady(t, f)
	f.install(opLWS)
	f.create(gvrLWSOperators, obj("operator.openshift.io/v1", "LeaderWorkerSetOperator", "", "cluster",
		map[string]any{"managementState": "Managed", "logLevel": "Normal", "operatorLogLevel": "Normal"}))
	f.install(opTempo)
	f.install(opOTel)
	f.install(opCOO)
	f.settle()
	require.True(t, f.check(readiness.CRDEstablished(lwsCRD)).Ready)
}

// rhoaiReady runs the RHOAI layer as the program does: operator, DSCI,
// DSC Ready.
func rhoaiReady(t *testing.T, f *fixture) {
	t.Helper()
	rhoaiPrerequisites(t, f)
	f.install(opRHOAI)
	f.settle()
	f.create(gvrDSCs, dsc())
	f.settle()
	st := f.check(dscReadyGate())
	require.True(t, st.Ready, st.Message)
}

func dscReadyGate() readiness.Check {
	c := func(cond string) readiness.Check {
		return readiness.ConditionTrue(gvrDSCs, "DataScienceCluster", "", "default-dsc", cond)
	}
	return readiness.All(c("Ready"), c("KserveReady"), c("ModelControllerReady"))
}

func TestRHOAI_operatorCreatesItsObjects(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.DSCInitialization = 30 * time.Second })
	rhoaiPrerequisites(t, f)
	f.install(opRHOAI)
	assert.False(t, f.check(readiness.Exists(gvrDSCIs, "DSCInitialization", "", rhoai.DSCIName)).Ready)
	f.clock.advance(30 * time.Second)
	f.settle()
	for _, chk := range []readiness.Check{
		readiness.Exists(gvrDSCIs, "DSCInitialization", "", rhoai.DSCIName),
		readiness.Exists(gvrNamespaces, "Namespace", "", rhoai.ApplicationsNamespace),
	} {
		st := f.check(chk)
		assert.True(t, st.Ready, st.Message)
	}
	dsci := f.must(gvrDSCIs, "", "default-dsci")
	assert.Equal(t, "Ready", str(dsci, "status", "phase"), "C10: Tempo, OTel and COO CRDs are there")

	f.create(gvrDSCs, dsc())
	f.settle()
	assert.True(t, f.check(dscReadyGate()).Ready)
	assert.True(t, waitForHolds(f.must(gvrDSCs, "", "default-dsc"), "condition=Ready"), "the program's DSC waitFor")
	st := f.check(readiness.All(readiness.CRDEstablished(rhoai.OdhDashboardConfigCRD),
		readiness.Exists(rhoai.OdhDashboardConfigs, "OdhDashboardConfig", rhoai.ApplicationsNamespace, rhoai.DashboardConfigName)))
	assert.True(t, st.Ready, st.Message)
	assert.True(t, f.check(readiness.CRDEstablished("llminferenceservices.serving.kserve.io")).Ready)
}

// On OpenShift neither a missing AuthPolicy CRD nor a missing
// LeaderWorkerSet API keeps the DSC from Ready (opendatahub-operator@v3.4.0
// checks LWS on vanilla Kubernetes only; odh-model-controller skips the
// AuthPolicy watch). C8 and C9 are the program's install order; without LWS
// the DSC only notes that Wide Expert Parallelism cannot be used.
func TestRHOAI_upstreamDoesNotBlockOnC8C9(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		note  string
	}{
		{"C8: a DSC created before authpolicies.kuadrant.io", func(t *testing.T, f *fixture) { f.install(opLWS); f.install(opRHOAI) }, ""},
		{"C9: a DSC without the LeaderWorkerSet operator", func(t *testing.T, f *fixture) { kuadrantReady(t, f); f.install(opRHOAI) },
			"Warning: leader-worker-set not installed, Wide Expert Parallelism with LLMInferenceService cannot be used"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(t, f)
			f.settle()
			f.create(gvrDSCs, dsc())
			f.settle()
			st := f.check(dscReadyGate())
			assert.True(t, st.Ready, st.Message)
			c, _ := condition(f.must(gvrDSCs, "", "default-dsc"), "KserveLLMInferenceServiceWideEPDependencies")
			if tc.note != "" {
				assert.Equal(t, tc.note, c.Message)
			} else {
				assert.Equal(t, "True", c.Status)
			}
		})
	}
}

// maasPrerequisites creates the MaaS gateway and the database Secret.
func maasPrerequisites(t *testing.T, f *fixture, gateway, secret bool) {
	t.Helper()
	if gateway {
		f.create(gvrSecrets, obj("v1", "Secret", "openshift-ingress", "ingress-certs", nil))
		f.create(gvrGateways, maasGateway(false))
	}
	if secret {
		sec := obj("v1", "Secret", "redhat-ods-applications", "maas-db-config", nil)
		sec.Object["stringData"] = map[string]any{"DB_CONNECTION_URL": "postgres://maas@maas-db:5432/maas"}
		f.create(gvrSecrets, sec)
	}
	f.settle()
}

func maasGateway(bootstrap bool) *unstructured.Unstructured {
	gw := obj("gateway.networking.k8s.io/v1", "Gateway", "openshift-ingress", "maas-default-gateway", map[string]any{
		"gatewayClassName": "openshift-default",
		"listeners": []any{map[string]any{
			"name": "https", "hostname": "maas.apps.ocp.example.com", "port": int64(443), "protocol": "HTTPS",
			"tls": map[string]any{"mode": "Terminate", "certificateRefs": []any{map[string]any{"group": "", "kind": "Secret", "name": "ingress-certs"}}},
			"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "Selector", "selector": map[string]any{"matchExpressions": []any{
				map[string]any{"key": "kubernetes.io/metadata.name", "operator": "In", "values": []any{"openshift-ingress", "redhat-ods-applications", "models-as-a-service", "llm-d-demo"}}}}}},
		}},
	})
	ann := map[string]string{"opendatahub.io/managed": "false", "networking.istio.io/service-type": "ClusterIP"}
	if bootstrap {
		ann[bootstrapAnnotation] = "true"
	}
	gw.SetAnnotations(ann)
	return gw
}

func enableMaaS(f *fixture, state string) {
	f.edit(gvrDSCs, "", "default-dsc", func(o *unstructured.Unstructured) {
		set(o, state, "spec", "components", "kserve", "modelsAsService", "managementState")
	})
	f.settle()
}

// Upstream (opendatahub-operator@v3.4.0 modelsasservice): a missing Secret
// or Gateway fails Ready with reason Error and the operator's message, and
// recovers by itself once it exists: the Secret at once (watched), the
// Gateway on the error requeue's backoff.
func TestModelsAsService(t *testing.T) {
	tests := []struct {
		name            string
		gateway, secret bool
		wantReady       bool
		wantMessage     string
		recovery        time.Duration // fake time the fix needs to be seen
	}{
		{"enabled after its gateway and database Secret: Ready, namespace and Tenant created", true, true, true, "", 0},
		{"enabled before maas-db-config: blocked, recovers when the Secret appears", true, false, false,
			"ModelsAsServiceReady=False (Error): blocking prerequisites missing: database Secret 'maas-db-config' not found in namespace 'redhat-ods-applications'", 0},
		{"enabled before the gateway: fails, recovers on the requeue after it appears", false, true, false,
			"ModelsAsServiceReady=False (Error): gateway openshift-ingress/maas-default-gateway not found: the specified Gateway must exist before enabling ModelsAsService", 20 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rhoaiReady(t, f)
			maasPrerequisites(t, f, tc.gateway, tc.secret)
			enableMaaS(f, "Managed")
			gate := maas.ModelsAsServiceReady("default-dsc")
			st := f.check(gate)
			assert.Equal(t, tc.wantReady, st.Ready, st.Message)
			assert.False(t, st.Terminal, "upstream retries: %s", st.Message)
			assert.Contains(t, st.Message, tc.wantMessage)
			dsc := f.must(gvrDSCs, "", "default-dsc")
			if tc.wantReady {
				assert.Equal(t, "true", f.must(gvrNamespaces, "", "models-as-a-service").GetLabels()[generatedNSLabel])
				assert.Equal(t, dsc.GetGeneration(), num(dsc, "status", "observedGeneration"))
				return
			}
			assert.Nil(t, f.get(gvrTenants, "models-as-a-service", "default-tenant"))
			assert.Less(t, num(dsc, "status", "observedGeneration"), dsc.GetGeneration(), "observedGeneration is written only when Ready")
			cr := f.must(gvrModelsAsServices, "", "default-modelsasservice")
			if !tc.secret {
				c, _ := condition(cr, "MaaSPrerequisitesAvailable")
				assert.Equal(t, cond{Type: "MaaSPrerequisitesAvailable", Status: "False", Reason: "PrerequisitesMissing", Message: c.Message}, c)
			}
			// Fixing the cause is enough: no Removed/Managed toggle.
			maasPrerequisites(t, f, !tc.gateway, !tc.secret)
			if tc.recovery > 0 {
				assert.False(t, f.check(gate).Ready, "the Gateway is not watched: seen only on the requeue")
				for step := time.Second; step <= tc.recovery && !f.check(gate).Ready; step *= 2 {
					f.clock.advance(step)
					f.settle()
				}
			}
			st = f.check(gate)
			assert.True(t, st.Ready, st.Message)
		})
	}
}

func TestMaaSController_recreatesTenant(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.TenantRecreate = 30 * time.Second })
	rhoaiReady(t, f)
	maasPrerequisites(t, f, true, true)
	enableMaaS(f, "Managed")
	f.must(gvrTenants, "models-as-a-service", "default-tenant")

	f.delete(gvrTenants, "models-as-a-service", "default-tenant")
	f.settle()
	assert.Nil(t, f.get(gvrTenants, "models-as-a-service", "default-tenant"), "finalizer removed while maas-controller runs")
	f.clock.advance(30 * time.Second)
	f.settle()
	tenant := f.must(gvrTenants, "models-as-a-service", "default-tenant")
	assert.Equal(t, "Active", str(tenant, "status", "phase"))

	// modelsAsService Removed: maas-controller goes, the Tenant stays with
	// its finalizer (docs/decisions.md "MaaS teardown").
	enableMaaS(f, "Removed")
	assert.Nil(t, f.get(gvrDeployments, "redhat-ods-applications", "maas-controller"))
	f.delete(gvrTenants, "models-as-a-service", "default-tenant")
	f.settle()
	tenant = f.must(gvrTenants, "models-as-a-service", "default-tenant")
	assert.NotNil(t, tenant.GetDeletionTimestamp())
	assert.Contains(t, tenant.GetFinalizers(), tenantFinalizer)
}

// trackedChildren lists what the simulated cluster holds with the Tenant's
// tracking labels, as "Kind ns/name".
func trackedChildren(t *testing.T, f *fixture) []string {
	t.Helper()
	var out []string
	for _, c := range tenantChildren() {
		if o := f.get(c.gvr, c.ns, c.name); o != nil && o.GetLabels()[tenantNameLabel] == tenantName && o.GetDeletionTimestamp() == nil {
			out = append(out, c.kind+" "+key(c.ns, c.name))
		}
	}
	return out
}

// The Tenant's phases and its platform as models-as-a-service@v0.1.1
// maas-controller reconciles them (tenant_reconcile.go).
func TestTenant_phasesAndPlatform(t *testing.T) {
	f := newFixture(t)
	rhoaiReady(t, f)
	maasPrerequisites(t, f, true, true)
	enableMaaS(f, "Managed")
	tenant := f.must(gvrTenants, "models-as-a-service", "default-tenant")
	assert.Empty(t, tenant.GetAnnotations(), "created with the gatewayRef defaults only")
	assert.Equal(t, map[string]any{"gatewayRef": map[string]any{"name": "maas-default-gateway", "namespace": "openshift-ingress"}}, mapAt(tenant, "spec"))
	assert.Equal(t, "Active", str(tenant, "status", "phase"))
	assert.Contains(t, tenant.GetFinalizers(), tenantFinalizer, "added on the first Managed reconcile")
	assert.Len(t, trackedChildren(t, f), len(tenantChildren()), "the platform, label-tracked in three namespaces and cluster-wide")

	phase := func() (string, string) {
		t.Helper()
		tenant := f.must(gvrTenants, "models-as-a-service", "default-tenant")
		c, _ := condition(tenant, "Ready")
		return str(tenant, "status", "phase"), c.Reason
	}
	f.delete(gvrSecrets, "redhat-ods-applications", "maas-db-config")
	f.settle()
	p, r := phase()
	assert.Equal(t, []string{"Failed", "PrerequisitesNotMet"}, []string{p, r})
	maasPrerequisites(t, f, false, true)
	f.delete(gvrGateways, "openshift-ingress", "maas-default-gateway")
	f.settle()
	p, r = phase()
	assert.Equal(t, []string{"Pending", "GatewayNotReady"}, []string{p, r})
	f.create(gvrGateways, maasGateway(false))
	f.settle()
	p, r = phase()
	assert.Equal(t, []string{"Active", "Reconciled"}, []string{p, r}, "nothing sticks")
}

// management-state Removed: maas-controller removes what its cleanup
// lists cover (CronJob and TokenRateLimitPolicy are not), drops its
// finalizer and leaves the Tenant idle, and does not re-create it.
func TestTenant_removedAnnotationRetiresIt(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.TenantRecreate = 30 * time.Second })
	rhoaiReady(t, f)
	maasPrerequisites(t, f, true, true)
	enableMaaS(f, "Managed")
	f.edit(gvrTenants, "models-as-a-service", "default-tenant", func(o *unstructured.Unstructured) {
		o.SetAnnotations(map[string]string{managementStateAnn: "Removed"})
	})
	f.settle()
	f.clock.advance(time.Minute)
	f.settle()
	tenant := f.must(gvrTenants, "models-as-a-service", "default-tenant")
	assert.NotContains(t, tenant.GetFinalizers(), tenantFinalizer)
	c, _ := condition(tenant, "Ready")
	assert.Equal(t, "ManagementStateIdle", c.Reason)
	assert.Equal(t, []string{"CronJob redhat-ods-applications/maas-api-key-cleanup", "TokenRateLimitPolicy openshift-ingress/gateway-default-deny"},
		trackedChildren(t, f), "upstream's cleanup gap")
}

// Deleting a Tenant without the annotation: its finalizer tears the
// platform down, the ensure loop re-creates the Tenant within 30 s and the
// platform comes back.
func TestTenant_deletedIsRecreatedWithItsPlatform(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.TenantRecreate = 30 * time.Second })
	rhoaiReady(t, f)
	maasPrerequisites(t, f, true, true)
	enableMaaS(f, "Managed")
	f.delete(gvrTenants, "models-as-a-service", "default-tenant")
	f.settle()
	assert.Nil(t, f.get(gvrTenants, "models-as-a-service", "default-tenant"))
	assert.Equal(t, []string{"CronJob redhat-ods-applications/maas-api-key-cleanup", "TokenRateLimitPolicy openshift-ingress/gateway-default-deny"}, trackedChildren(t, f))
	f.clock.advance(30 * time.Second)
	f.settle()
	f.clock.advance(time.Minute) // maas-api's pods
	f.settle()
	assert.Equal(t, "Active", str(f.must(gvrTenants, "models-as-a-service", "default-tenant"), "status", "phase"))
	assert.Len(t, trackedChildren(t, f), len(tenantChildren()))
}
