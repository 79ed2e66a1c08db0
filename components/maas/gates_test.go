package maas

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func newFake(objs ...runtime.Object) *fake.FakeDynamicClient {
	return kubetest.ClientWith(map[schema.GroupVersionResource]string{
		Services: "ServiceList", kube.Authorinos: "AuthorinoList", kube.Tenants: "TenantList",
		kube.ModelsAsServices: "ModelsAsServiceList", kube.CronJobs: "CronJobList", kube.TokenRateLimitPolicies: "TokenRateLimitPolicyList",
	}, objs...)
}

func waiter(c dynamic.Interface) (*readiness.Waiter, *kubetest.Clock) {
	clock := kubetest.NewClock()
	return kubetest.Waiter(c, clock), clock
}

func dsc(generation, observed int64, conds ...map[string]any) *unstructured.Unstructured {
	list := []any{map[string]any{"type": "Ready", "status": "True"}}
	for _, c := range conds {
		list = append(list, c)
	}
	u := kubetest.Object("datasciencecluster.opendatahub.io/v2", "DataScienceCluster", "", "default-dsc", map[string]any{
		"status": map[string]any{"observedGeneration": observed, "conditions": list},
	})
	u.SetGeneration(generation)
	return u
}

func cond(status, reason, msg string) map[string]any {
	return map[string]any{"type": "ModelsAsServiceReady", "status": status, "reason": reason, "message": msg}
}

// tenant builds the Tenant as maas-controller reports it.
func tenant(phase, status, reason, msg string) *unstructured.Unstructured {
	return kubetest.Object("maas.opendatahub.io/v1alpha1", "Tenant", TenantNamespace, TenantName, map[string]any{
		"status": map[string]any{"phase": phase, "conditions": []any{
			map[string]any{"type": "Ready", "status": status, "reason": reason, "message": msg},
		}},
	})
}

// modelsAsService builds the component CR with one condition.
func modelsAsService(condType, status, reason, msg string) *unstructured.Unstructured {
	return kubetest.Object("components.platform.opendatahub.io/v1alpha1", "ModelsAsService", "", ModelsAsServiceCR, map[string]any{
		"status": map[string]any{"conditions": []any{
			map[string]any{"type": condType, "status": status, "reason": reason, "message": msg},
		}},
	})
}

// The cases are the states opendatahub-operator@v3.4.0 and
// models-as-a-service@v0.1.1 write (see ModelsAsServiceReady).
func TestModelsAsServiceReady(t *testing.T) {
	const blocked = "blocking prerequisites missing: database Secret 'maas-db-config' not found in namespace 'redhat-ods-applications'"
	cases := []struct {
		name     string
		objs     []runtime.Object
		wantErr  error // nil: ready
		wantText string
	}{
		{"ready when the condition is True", []runtime.Object{dsc(3, 3, cond("True", "Ready", ""))}, nil, ""},
		{"ready though observedGeneration lags (written only when happy)", []runtime.Object{dsc(4, 3, cond("True", "Ready", ""))}, nil, ""},
		{"waits with the operator's message while a prerequisite is missing (it watches maas-db-config)",
			[]runtime.Object{dsc(3, 3, cond("False", "Error", blocked)), modelsAsService("MaaSPrerequisitesAvailable", "False", "PrerequisitesMissing", "database Secret 'maas-db-config' not found")},
			readiness.ErrTimeout, "ModelsAsServiceReady=False (Error): " + blocked + "; ModelsAsService default-modelsasservice MaaSPrerequisitesAvailable=False (PrerequisitesMissing)"},
		{"terminal when KServe is not Managed", []runtime.Object{dsc(3, 3, cond("False", "KServeDisabled", "KServe must be Managed"))},
			readiness.ErrTerminal, "ModelsAsServiceReady=False (KServeDisabled): KServe must be Managed"},
		{"terminal on a Tenant reason only a Tenant change clears", []runtime.Object{dsc(3, 3, cond("False", "Error", "tenant not ready")), tenant("Failed", "False", "InvalidGateway", "gatewayRef needs both name and namespace")},
			readiness.ErrTerminal, "Tenant models-as-a-service/default-tenant phase Failed, Ready=False (InvalidGateway): gatewayRef needs both name and namespace"},
		{"waits on a Tenant reason maas-controller retries", []runtime.Object{dsc(3, 3, cond("False", "Error", "tenant not ready")), tenant("Pending", "False", "PrerequisitesNotMet", "Authorino TLS is not enabled")},
			readiness.ErrTimeout, "Ready=False (PrerequisitesNotMet): Authorino TLS is not enabled"},
		{"not yet while still Removed from before the patch", []runtime.Object{dsc(3, 3, cond("False", "Removed", "Component ManagementState is set to Removed"))},
			readiness.ErrTimeout, "ModelsAsServiceReady=False (Removed)"},
		{"not yet without the condition", []runtime.Object{dsc(3, 3)}, readiness.ErrTimeout, "no ModelsAsServiceReady condition"},
		{"not yet without the DSC", nil, readiness.ErrTimeout, "DataScienceCluster default-dsc not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, clock := waiter(newFake(tc.objs...))
			start := clock.Now()
			err := w.Wait(context.Background(), modelsAsServiceReadyGate("default-dsc", "redhat-ods-applications"))
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.wantErr), "%v", err)
			assert.Contains(t, err.Error(), tc.wantText)
			assert.Contains(t, err.Error(), "gate modelsAsServiceReady (C12)")
			if errors.Is(err, readiness.ErrTimeout) {
				assert.Equal(t, MaaSReadyTimeout, clock.Now().Sub(start), "waited the whole budget")
			} else {
				assert.Equal(t, start, clock.Now(), "terminal fails at once")
			}
		})
	}
}

func TestModelsAsServiceReady_becomesReadyWhileWaiting(t *testing.T) {
	c := newFake(dsc(4, 3, cond("False", "Removed", "")))
	w, clock := waiter(c)
	reads := 0
	c.PrependReactor("get", "datascienceclusters", func(k8stesting.Action) (bool, runtime.Object, error) {
		reads++
		if reads < 3 {
			return false, nil, nil
		}
		return true, dsc(4, 4, cond("True", "Ready", "")), nil
	})
	require.NoError(t, w.Wait(context.Background(), modelsAsServiceReadyGate("default-dsc", "redhat-ods-applications")))
	assert.Equal(t, 3, reads)
	assert.Less(t, clock.Now().Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), time.Minute)
}

// authorino builds the Deployment as authorino-operator renders it; opts edit it.
func authorino(edit func(spec, status map[string]any)) *unstructured.Unstructured {
	bundle := ServiceCABundle
	spec := map[string]any{
		"replicas": int64(1),
		"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "authorino", "env": []any{
				map[string]any{"name": "SSL_CERT_FILE", "value": bundle},
				map[string]any{"name": "REQUESTS_CA_BUNDLE", "value": bundle},
			}}},
			"volumes": []any{map[string]any{"name": "tls-cert"}, map[string]any{"name": "openshift-service-ca"}},
		}},
	}
	status := map[string]any{
		"observedGeneration": int64(5), "replicas": int64(1), "updatedReplicas": int64(1), "availableReplicas": int64(1),
		"conditions": []any{
			map[string]any{"type": "Available", "status": "True"},
			map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
		},
	}
	if edit != nil {
		edit(spec, status)
	}
	u := kubetest.Object("apps/v1", "Deployment", KuadrantNamespace, AuthorinoDeploymentName, map[string]any{"spec": spec, "status": status})
	u.SetGeneration(5)
	return u
}

func TestAuthorinoRolledOut(t *testing.T) {
	cases := []struct {
		name     string
		objs     []runtime.Object
		wantErr  error
		wantText string
	}{
		{"ready when the TLS template is rolled out", []runtime.Object{authorino(nil)}, nil, ""},
		{"not yet while the operator has not added the TLS volume", []runtime.Object{authorino(func(spec, _ map[string]any) {
			spec["template"].(map[string]any)["spec"].(map[string]any)["volumes"] = []any{map[string]any{"name": "openshift-service-ca"}}
		})}, readiness.ErrTimeout, "pod template has no volume tls-cert yet"},
		{"not yet without the CA env (or if an operator reverted it)", []runtime.Object{authorino(func(spec, _ map[string]any) {
			spec["template"].(map[string]any)["spec"].(map[string]any)["containers"] = []any{map[string]any{"name": "authorino"}}
		})}, readiness.ErrTimeout, "env SSL_CERT_FILE, env REQUESTS_CA_BUNDLE"},
		{"not yet while old replicas remain", []runtime.Object{authorino(func(_, status map[string]any) { status["replicas"] = int64(2) })},
			readiness.ErrTimeout, "1 of 1 updated, 1 available, 2 in total"},
		{"not yet before the controller observed the generation", []runtime.Object{authorino(func(_, status map[string]any) { status["observedGeneration"] = int64(4) })},
			readiness.ErrTimeout, "generation 5 not observed yet"},
		{"terminal when the rollout exceeded its deadline", []runtime.Object{authorino(func(_, status map[string]any) {
			status["updatedReplicas"] = int64(0)
			status["conditions"] = []any{map[string]any{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
				"message": `ReplicaSet "authorino-6f7" has timed out progressing.`}}
		})}, readiness.ErrTerminal, `ReplicaSet "authorino-6f7" has timed out progressing.`},
		{"not yet without the Deployment", nil, readiness.ErrTimeout, "Deployment kuadrant-system/authorino not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, clock := waiter(newFake(tc.objs...))
			start := clock.Now()
			err := w.Wait(context.Background(), authorinoRolledOutGate())
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.wantErr), "%v", err)
			assert.Contains(t, err.Error(), tc.wantText)
			if errors.Is(err, readiness.ErrTimeout) {
				assert.Equal(t, AuthorinoTimeout, clock.Now().Sub(start))
			}
		})
	}
}

// authorinoCR is the Authorino as authorino-operator@v0.22.0 reports a
// missing listener Secret (controllers/authorino_controller.go
// installationPreflightCheck).
func authorinoCR(reason, msg string) *unstructured.Unstructured {
	return kubetest.Object("operator.authorino.kuadrant.io/v1beta1", "Authorino", KuadrantNamespace, AuthorinoName, map[string]any{
		"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "False", "reason": reason, "message": msg}}},
	})
}

func noTLSVolume(spec, _ map[string]any) {
	spec["template"].(map[string]any)["spec"].(map[string]any)["volumes"] = []any{map[string]any{"name": "openshift-service-ca"}}
}

// While the TLS volume is not rendered the gate reports the Authorino's own
// reason; when the Secret exists but the operator still reports it missing
// (it retries on backoff and watches no Secret), it asks for a reconcile
// once and keeps waiting.
func TestAuthorinoRolledOut_reportsAndNudgesTheAuthorino(t *testing.T) {
	const notFound = `listener secret name authorino-server-cert not found, err: secrets "authorino-server-cert" not found`
	secret := kubetest.Object("v1", "Secret", KuadrantNamespace, AuthorinoCertSecret, nil)
	cases := []struct {
		name      string
		objs      []runtime.Object
		wantText  string
		wantNudge bool
	}{
		{"Secret absent: waits, naming the operator's reason", []runtime.Object{authorino(noTLSVolume), authorinoCR("TlsSecretNotProvided", notFound)},
			"Authorino kuadrant-system/authorino Ready=False (TlsSecretNotProvided): " + notFound, false},
		{"Secret present, operator behind: one reconcile request", []runtime.Object{authorino(noTLSVolume), authorinoCR("TlsSecretNotProvided", notFound), secret},
			"Secret authorino-server-cert exists, the Authorino was asked to reconcile at", true},
		{"another reason: reported, no request", []runtime.Object{authorino(noTLSVolume), authorinoCR("DeploymentNotReady", "Authorino Deployment resource not ready"), secret},
			"Ready=False (DeploymentNotReady): Authorino Deployment resource not ready", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newFake(tc.objs...)
			patches := 0
			c.PrependReactor("patch", "authorinos", func(k8stesting.Action) (bool, runtime.Object, error) {
				patches++
				return false, nil, nil
			})
			w, _ := waiter(c)
			err := w.Wait(context.Background(), authorinoRolledOutGate())
			require.ErrorIs(t, err, readiness.ErrTimeout)
			assert.Contains(t, err.Error(), tc.wantText)
			if !tc.wantNudge {
				assert.Zero(t, patches)
				return
			}
			assert.Equal(t, 1, patches, "once per run, however long the wait")
			cr, err := c.Resource(kube.Authorinos).Namespace(KuadrantNamespace).Get(context.Background(), AuthorinoName, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Contains(t, cr.GetAnnotations(), ReconcileRequestedAnnotation)
		})
	}
}

// Existence gates have no terminal state: the object appears or the budget
// runs out naming what was awaited and the next thing to check.
func TestExistenceGates(t *testing.T) {
	svc, cr, dep := authorinoExistsGates()
	ns, tenant := tenantGates()
	cases := []struct {
		gate    readiness.Gate
		present runtime.Object
		budget  time.Duration
		hint    string
	}{
		{envoyFilterGate(), kubetest.Object("networking.istio.io/v1alpha3", "EnvoyFilter", IngressNamespace, EnvoyFilterName, nil), EnvoyFilterTimeout, "oc rollout restart deployment/odh-model-controller"},
		{authorinoCertGate(), kubetest.Object("v1", "Secret", KuadrantNamespace, AuthorinoCertSecret, nil), ExistsTimeout, "openshift-service-ca"},
		{svc, kubetest.Object("v1", "Service", KuadrantNamespace, AuthorinoServiceName, nil), ExistsTimeout, "Kuadrant creates"},
		{cr, kubetest.Object("operator.authorino.kuadrant.io/v1beta1", "Authorino", KuadrantNamespace, AuthorinoName, nil), ExistsTimeout, "Kuadrant creates"},
		{dep, kubetest.Object("apps/v1", "Deployment", KuadrantNamespace, AuthorinoDeploymentName, nil), ExistsTimeout, "Kuadrant creates"},
		{ns, kubetest.Object("v1", "Namespace", "", TenantNamespace, nil), ExistsTimeout, "maas-controller creates"},
		{tenant, kubetest.Object("maas.opendatahub.io/v1alpha1", "Tenant", TenantNamespace, TenantName, nil), ExistsTimeout, "maas-controller creates"},
	}
	for _, tc := range cases {
		t.Run(tc.gate.Name+" ready", func(t *testing.T) {
			w, _ := waiter(newFake(tc.present))
			require.NoError(t, w.Wait(context.Background(), tc.gate))
		})
		t.Run(tc.gate.Name+" times out naming the object", func(t *testing.T) {
			w, clock := waiter(newFake())
			start := clock.Now()
			err := w.Wait(context.Background(), tc.gate)
			require.ErrorIs(t, err, readiness.ErrTimeout)
			assert.Contains(t, err.Error(), "not created yet")
			assert.Contains(t, err.Error(), tc.hint)
			assert.Equal(t, tc.budget, clock.Now().Sub(start))
		})
	}
}

// The Tenant never appears on a MaaS without the Tenant API: the gate says
// so at once instead of waiting out its budget.
func TestTenantExists_failsAtOnceOnAMaaSWithoutTheTenantAPI(t *testing.T) {
	crd := func(name string) runtime.Object {
		return kubetest.Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name, nil)
	}
	_, tenant := tenantGates()
	t.Run("v0.1.0: terminal, naming the versions", func(t *testing.T) {
		w, clock := waiter(newFake(crd(ModelRefCRD)))
		start := clock.Now()
		err := w.Wait(context.Background(), tenant)
		require.ErrorIs(t, err, readiness.ErrTerminal)
		assert.Contains(t, err.Error(), "models-as-a-service v0.1.0")
		assert.Contains(t, err.Error(), "arrived in v0.1.1")
		assert.Equal(t, start, clock.Now())
	})
	t.Run("v0.1.1: waits for maas-controller", func(t *testing.T) {
		w, _ := waiter(newFake(crd(ModelRefCRD), crd(TenantCRD)))
		require.ErrorIs(t, w.Wait(context.Background(), tenant), readiness.ErrTimeout)
	})
}
