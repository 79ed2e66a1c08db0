package ocpsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rhoai-pulumi/installer/components/connectivity"
	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

func gatewayClass(name string) *unstructured.Unstructured {
	return obj("gateway.networking.k8s.io/v1", "GatewayClass", "", name, map[string]any{"controllerName": gatewayController})
}

func kuadrantCR() *unstructured.Unstructured {
	return obj("kuadrant.io/v1beta1", "Kuadrant", "kuadrant-system", "kuadrant", map[string]any{"observability": map[string]any{"enable": true}})
}

// kuadrantReady installs RHCL the way the program does (C7: GatewayClasses
// first) and creates the Kuadrant CR.
func kuadrantReady(t *testing.T, f *fixture) {
	t.Helper()
	f.create(gvrGatewayClasses, gatewayClass("openshift-default"))
	f.create(gvrGatewayClasses, gatewayClass("openshift-ai-inference-class"))
	f.settle()
	require.True(t, waitForHolds(f.must(gvrGatewayClasses, "", "openshift-default"), "condition=Accepted"))
	f.install(opRHCL)
	f.create(gvrKuadrants, kuadrantCR())
	f.settle()
}

func TestKuadrant(t *testing.T) {
	tests := []struct {
		name          string
		classesFirst  bool
		wantReady     bool
		wantCondition string
	}{
		{"Ready with the Gateway API provider installed first", true, true, "Kuadrant is ready"},
		{"C7: not Ready when RHCL started before any GatewayClass", false, false, missingProvider},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.classesFirst {
				kuadrantReady(t, f)
			} else {
				f.install(opRHCL)
				f.create(gvrGatewayClasses, gatewayClass("openshift-default"))
				f.create(gvrKuadrants, kuadrantCR())
				f.settle()
			}
			k := f.must(gvrKuadrants, "kuadrant-system", "kuadrant")
			assert.Equal(t, tc.wantReady, waitForHolds(k, "condition=Ready"))
			c, _ := condition(k, "Ready")
			assert.Equal(t, tc.wantCondition, c.Message)
			// Either way the Kuadrant CR made Authorino and its objects (C13 gates).
			svc, cr, dep := authorinoGates()
			for _, g := range []readiness.Check{svc, cr, dep} {
				st := f.check(g)
				assert.True(t, st.Ready, st.Message)
			}
			a := f.must(gvrAuthorinos, "kuadrant-system", "authorino")
			assert.Equal(t, "Kuadrant", a.GetOwnerReferences()[0].Kind)
			assert.False(t, boolean(a, "spec", "listener", "tls", "enabled"))
		})
	}
}

// C7 as kuadrant-operator@v1.3.1 has it: MissingDependency stays while the
// operator pod lives, however the cluster changes, and clears once a
// restarted pod finds the provider, which is what the program's
// kuadrantReady gate does (components/connectivity).
func TestKuadrant_missingDependencyClearsOnlyOnRestart(t *testing.T) {
	f := newFixture(t)
	f.install(opRHCL)
	f.create(gvrKuadrants, kuadrantCR())
	f.settle()
	f.create(gvrGatewayClasses, gatewayClass("openshift-default"))
	f.settle()
	gate := connectivity.KuadrantReady("kuadrant-system")
	k := f.must(gvrKuadrants, "kuadrant-system", "kuadrant")
	c, _ := condition(k, "Ready")
	require.Equal(t, "MissingDependency", c.Reason, "the provider arrived after the operator started")
	st := f.check(gate) // restarts the operator pod: its dependencies are there now
	assert.False(t, st.Ready)
	assert.Contains(t, st.Message, "the operator pod was restarted as the message asks")
	f.settle()
	st = f.check(gate)
	assert.True(t, st.Ready, st.Message)
}

func authorinoGates() (svc, cr, dep readiness.Check) {
	return readiness.Exists(gvrServices, "Service", "kuadrant-system", maas.AuthorinoServiceName),
		readiness.Exists(gvrAuthorinos, "Authorino", "kuadrant-system", maas.AuthorinoName),
		readiness.Exists(gvrDeployments, "Deployment", "kuadrant-system", maas.AuthorinoDeploymentName)
}

// C13 steps (a)-(c) as the program patches them, checked with its gates.
func TestAuthorinoTLS(t *testing.T) {
	f := newFixture(t)
	kuadrantReady(t, f)
	rolledOut := maas.AuthorinoRolledOut("kuadrant-system", "authorino")
	assert.False(t, f.check(rolledOut).Ready)

	// (a) the serving-cert annotation: service-ca issues authorino-server-cert.
	f.edit(gvrServices, "kuadrant-system", maas.AuthorinoServiceName, func(o *unstructured.Unstructured) {
		o.SetAnnotations(map[string]string{maas.ServingCertAnnotation: maas.AuthorinoCertSecret})
	})
	f.settle()
	assert.True(t, f.check(readiness.Exists(gvrSecrets, "Secret", "kuadrant-system", maas.AuthorinoCertSecret)).Ready)

	// (b) TLS on the listener and the service CA volume on the CR.
	f.edit(gvrAuthorinos, "kuadrant-system", "authorino", func(o *unstructured.Unstructured) {
		set(o, map[string]any{"tls": map[string]any{"enabled": true, "certSecretRef": map[string]any{"name": maas.AuthorinoCertSecret}}}, "spec", "listener")
		set(o, map[string]any{"items": []any{map[string]any{"name": maas.ServiceCAVolume, "mountPath": maas.ServiceCAMountPath,
			"configMaps": []any{maas.ServiceCAConfigMap}, "items": []any{map[string]any{"key": "service-ca.crt", "path": "service-ca-bundle.crt"}}}}}, "spec", "volumes")
	})
	f.settle()
	st := f.check(rolledOut)
	assert.False(t, st.Ready)
	assert.Contains(t, st.Message, "env SSL_CERT_FILE", "volumes are the operator's; the env is the program's patch")

	// (c) the env patch on the Deployment survives the operator's reconcile.
	f.edit(gvrDeployments, "kuadrant-system", "authorino", func(o *unstructured.Unstructured) {
		containers := slice(o, "spec", "template", "spec", "containers")
		c := mapOf(containers[0])
		c["env"] = []any{
			map[string]any{"name": "SSL_CERT_FILE", "value": maas.ServiceCABundle},
			map[string]any{"name": "REQUESTS_CA_BUNDLE", "value": maas.ServiceCABundle},
		}
		containers[0] = c
		set(o, containers, "spec", "template", "spec", "containers")
	})
	f.settle()
	st = f.check(rolledOut)
	assert.True(t, st.Ready, st.Message)
	assert.True(t, isTrue(f.must(gvrAuthorinos, "kuadrant-system", "authorino"), "Ready"))
}
