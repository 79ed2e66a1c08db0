package tls

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func client(objs ...runtime.Object) dynamic.Interface {
	return kubetest.ClientWith(map[schema.GroupVersionResource]string{
		CertManagers: "CertManagerList", KubeAPIServers: "KubeAPIServerList", ClusterOperators: "ClusterOperatorList",
		ValidatingWebhooks: "ValidatingWebhookConfigurationList", Certificates: "CertificateList",
	}, objs...)
}

func wait(t *testing.T, g readiness.Gate, c dynamic.Interface) error {
	t.Helper()
	return kubetest.Waiter(c, kubetest.NewClock(), kubetest.Pacing(time.Second, 10*time.Second)).Wait(context.Background(), g)
}

func conditions(pairs ...string) map[string]any {
	var out []any
	for i := 0; i+2 < len(pairs)+1; i += 3 {
		out = append(out, map[string]any{"type": pairs[i], "status": pairs[i+1], "message": pairs[i+2]})
	}
	return map[string]any{"conditions": out}
}

var wantArgs = []string{"--dns01-recursive-nameservers-only", "--dns01-recursive-nameservers=8.8.8.8:53,1.1.1.1:53", "--enable-certificate-owner-ref"}

func controller(args []string, generation, observed, updated, total, available int64) *unstructured.Unstructured {
	d := kubetest.Object("apps/v1", "Deployment", "cert-manager", "cert-manager", map[string]any{
		"spec": map[string]any{"replicas": int64(1), "template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "cert-manager-controller", "args": toAny(args)},
		}}}},
		"status": map[string]any{"observedGeneration": observed, "updatedReplicas": updated, "replicas": total, "availableReplicas": available},
	})
	d.SetGeneration(generation)
	return d
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func certManager(conds ...string) *unstructured.Unstructured {
	return kubetest.Object("operator.openshift.io/v1alpha1", "CertManager", "", "cluster", map[string]any{"status": conditions(conds...)})
}

func TestControllerConfigured(t *testing.T) {
	sorted := append([]string{"--v=2", "--cluster-resource-namespace=$(POD_NAMESPACE)"}, wantArgs...)
	cases := []struct {
		name      string
		objs      []runtime.Object
		ready     bool
		terminal  bool
		wantInMsg string
	}{
		{"ready once the controller runs every override arg", []runtime.Object{certManager(), controller(sorted, 2, 2, 1, 1, 1)}, true, false, ""},
		{"not yet while the operator has not merged the args", []runtime.Object{certManager(), controller([]string{"--v=2"}, 1, 1, 1, 1, 1)}, false, false, "lacks args --dns01-recursive-nameservers-only"},
		{"not yet while the old pod is still running", []runtime.Object{certManager(), controller(sorted, 2, 2, 1, 2, 1)}, false, false, "rolling out"},
		{"not yet while the new generation is unobserved", []runtime.Object{certManager(), controller(sorted, 3, 2, 1, 1, 1)}, false, false, "generation 3 observed 2"},
		{"not yet with no Deployment, naming a transient degradation", []runtime.Object{certManager("cert-manager-controller-deploymentDegraded", "True", "pods pending")}, false, false, "pods pending"},
		{"terminal when the operator rejects an override arg", []runtime.Object{
			certManager("cert-manager-controller-deploymentDegraded", "True", `validation failed due to unsupported arg "--enable-certificate-owner-ref"=""`),
			controller([]string{"--v=2"}, 1, 1, 1, 1, 1)}, false, true, "unsupported arg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ControllerConfigured(wantArgs)(context.Background(), client(tc.objs...))
			require.NoError(t, err)
			assert.Equal(t, tc.ready, st.Ready, st.Message)
			assert.Equal(t, tc.terminal, st.Terminal, st.Message)
			assert.Contains(t, st.Message, tc.wantInMsg)
		})
	}
}

func TestCertManagerConfiguredGate_waitsThenFailsWithTheOperatorsMessage(t *testing.T) {
	g := certManagerConfiguredGate(wantArgs)

	err := wait(t, g, client(certManager(), controller([]string{"--v=2"}, 1, 1, 1, 1, 1)))
	require.ErrorIs(t, err, readiness.ErrTimeout)
	assert.Contains(t, err.Error(), "lacks args", "the timeout says what it saw last")
	assert.Contains(t, err.Error(), "certManagerConfigured (C2)")

	err = wait(t, g, client(certManager("cert-manager-controller-deploymentDegraded", "True", "validation failed due to unsupported arg"), controller(nil, 1, 1, 1, 1, 1)))
	require.ErrorIs(t, err, readiness.ErrTerminal)
	assert.Contains(t, err.Error(), "validation failed due to unsupported arg")

	require.NoError(t, wait(t, g, client(certManager(), controller(wantArgs, 1, 1, 1, 1, 1))))
}

func available(ns, name, status string) *unstructured.Unstructured {
	return kubetest.Object("apps/v1", "Deployment", ns, name, map[string]any{"status": conditions("Available", status, "")})
}

func webhookConfig(caBundle string) *unstructured.Unstructured {
	return kubetest.Object("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", "cert-manager-webhook", map[string]any{
		"webhooks": []any{map[string]any{"name": "webhook.cert-manager.io", "clientConfig": map[string]any{"caBundle": caBundle}}},
	})
}

func TestCertManagerAvailableGate(t *testing.T) {
	all := func(cainjector, ca string) []runtime.Object {
		return []runtime.Object{
			available("cert-manager", "cert-manager", "True"), available("cert-manager", "cert-manager-webhook", "True"),
			available("cert-manager", "cert-manager-cainjector", cainjector), webhookConfig(ca),
		}
	}
	cases := []struct {
		name      string
		objs      []runtime.Object
		wantErr   error
		wantInMsg string
	}{
		{"passes with three Available Deployments and an injected CA", all("True", "LS0tLS1CRUdJTg=="), nil, ""},
		{"times out naming the cainjector that is not Available", all("False", "LS0tLS1CRUdJTg=="), readiness.ErrTimeout, "cert-manager-cainjector Available=False"},
		{"times out while the webhook has no caBundle", all("True", ""), readiness.ErrTimeout, "has no caBundle yet"},
		{"times out before the operand exists", nil, readiness.ErrTimeout, "Deployment cert-manager/cert-manager not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := wait(t, certManagerAvailableGate(), client(tc.objs...))
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.Contains(t, err.Error(), tc.wantInMsg)
		})
	}
}

const host = "api." + base

func kubeAPIServer(observedNames []string, latest int64, nodeRevisions ...int64) *unstructured.Unstructured {
	var nodes []any
	for i, r := range nodeRevisions {
		nodes = append(nodes, map[string]any{"nodeName": []string{"master-0", "master-1", "master-2"}[i], "currentRevision": r})
	}
	named := []any{map[string]any{"certFile": "/etc/kubernetes/static-pod-certs/secrets/localhost-serving-cert-certkey/tls.crt"}}
	if observedNames != nil {
		named = append(named, map[string]any{"names": toAny(observedNames), "certFile": "/etc/kubernetes/static-pod-certs/secrets/user-serving-cert-000/tls.crt"})
	}
	return kubetest.Object("operator.openshift.io/v1", "KubeAPIServer", "", "cluster", map[string]any{
		"spec":   map[string]any{"observedConfig": map[string]any{"servingInfo": map[string]any{"namedCertificates": named}}},
		"status": map[string]any{"latestAvailableRevision": latest, "nodeStatuses": nodes},
	})
}

func revisionConfig(rev string, names string) *unstructured.Unstructured {
	cfg := `{"apiVersion":"kubecontrolplane.config.openshift.io/v1","kind":"KubeAPIServerConfig","servingInfo":{"namedCertificates":[{"certFile":"/x/tls.crt"}` + names + `]}}`
	return kubetest.Object("v1", "ConfigMap", "openshift-kube-apiserver", "config-"+rev, map[string]any{"data": map[string]any{"config.yaml": cfg}})
}

const servedEntry = `,{"names":["api.mycluster.example.com"],"certFile":"/etc/kubernetes/static-pod-certs/secrets/user-serving-cert-000/tls.crt"}`

func kubeAPIServerOperator(progressing string) *unstructured.Unstructured {
	return kubetest.Object("config.openshift.io/v1", "ClusterOperator", "", "kube-apiserver", map[string]any{
		"status": conditions("Available", "True", "", "Progressing", progressing, "NodeInstallerProgressing: 1 node is at revision 7", "Degraded", "False", ""),
	})
}

func TestNamedCertificateServed(t *testing.T) {
	cases := []struct {
		name      string
		objs      []runtime.Object
		ready     bool
		wantInMsg string
	}{
		{"ready when every node runs a revision serving the name", []runtime.Object{
			kubeAPIServer([]string{host}, 8, 8, 8, 8), revisionConfig("8", servedEntry), kubeAPIServerOperator("False")}, true, "revision 8 serves"},
		{"not yet before the operator observed the APIServer change", []runtime.Object{
			kubeAPIServer(nil, 7, 7, 7, 7), revisionConfig("7", ""), kubeAPIServerOperator("False")}, false, "has not observed"},
		{"not yet while the latest revision predates the change", []runtime.Object{
			kubeAPIServer([]string{host}, 7, 7, 7, 7), revisionConfig("7", ""), kubeAPIServerOperator("False")}, false, "revision 7 does not serve"},
		{"not yet while a node runs an older revision", []runtime.Object{
			kubeAPIServer([]string{host}, 8, 8, 7, 8), revisionConfig("8", servedEntry), kubeAPIServerOperator("True")}, false, "node master-1 on kube-apiserver revision 7 of 8"},
		{"not yet while the ClusterOperator is Progressing", []runtime.Object{
			kubeAPIServer([]string{host}, 8, 8, 8, 8), revisionConfig("8", servedEntry), kubeAPIServerOperator("True")}, false, "Progressing=True"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := NamedCertificateServed(host)(context.Background(), client(tc.objs...))
			require.NoError(t, err)
			assert.Equal(t, tc.ready, st.Ready, st.Message)
			assert.False(t, st.Terminal)
			assert.Contains(t, st.Message, tc.wantInMsg)
		})
	}

	t.Run("times out naming the node still behind", func(t *testing.T) {
		err := wait(t, apiCertificateServedGate(host), client(kubeAPIServer([]string{host}, 8, 8, 8, 7), revisionConfig("8", servedEntry), kubeAPIServerOperator("True")))
		require.ErrorIs(t, err, readiness.ErrTimeout)
		assert.Contains(t, err.Error(), "master-2")
		assert.Contains(t, err.Error(), "40m0s")
	})
}

func TestPlatformObjectGates(t *testing.T) {
	ic := kubetest.Object("operator.openshift.io/v1", "IngressController", "openshift-ingress-operator", "default", nil)
	g := platformObjectGate(IngressControllerExistsGate, "IngressController", "openshift-ingress-operator", "default", IngressControllers)
	require.NoError(t, wait(t, g, client(ic)))
	err := wait(t, g, client())
	require.True(t, errors.Is(err, readiness.ErrTimeout))
	assert.Contains(t, err.Error(), "IngressController openshift-ingress-operator/default not created yet")

	cm := certManagerExistsGate()
	require.NoError(t, wait(t, cm, client(certManager())))
	require.ErrorIs(t, wait(t, cm, client()), readiness.ErrTimeout)
}

func certificate(conds ...map[string]any) *unstructured.Unstructured {
	var list []any
	for _, c := range conds {
		list = append(list, c)
	}
	return kubetest.Object("cert-manager.io/v1", "Certificate", "openshift-ingress", "ocp-ingress", map[string]any{"status": map[string]any{"conditions": list}})
}

func TestCertificateReadyGate(t *testing.T) {
	g := certificateReadyGate("openshift-ingress", "ocp-ingress")
	issuing := map[string]any{"type": "Issuing", "status": "True", "reason": "DoesNotExist", "message": "Issuing certificate as Secret does not exist"}
	notReady := map[string]any{"type": "Ready", "status": "False", "reason": "DoesNotExist", "message": "Issuing certificate as Secret does not exist"}
	const failure = "The certificate request has failed to complete and will be retried: 403 urn:ietf:params:acme:error:unauthorized: Incorrect TXT record"

	err := wait(t, g, client(certificate(notReady, issuing)))
	require.ErrorIs(t, err, readiness.ErrTimeout)
	assert.Contains(t, err.Error(), "Issuing certificate as Secret does not exist", "the timeout says what it saw last")
	assert.Contains(t, err.Error(), "certificateReady (C4)")

	failed := map[string]any{"type": "Issuing", "status": "False", "reason": "Failed", "message": failure}
	err = wait(t, g, client(certificate(notReady, failed)))
	require.ErrorIs(t, err, readiness.ErrTerminal, "cert-manager gave up on this request: no point waiting")
	assert.Contains(t, err.Error(), failure)
	assert.Contains(t, err.Error(), "cmctl renew", "the hint says how to retry now")

	require.NoError(t, wait(t, g, client(certificate(map[string]any{"type": "Ready", "status": "True", "reason": "Ready", "message": "Certificate is up to date and has not expired"}))))
	require.ErrorIs(t, wait(t, g, client()), readiness.ErrTimeout, "not created yet")
}
