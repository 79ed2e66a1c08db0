package connectivity

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// The messages kuadrant-operator@v1.3.1 writes (internal/kuadrant/errors.go,
// internal/controller/kuadrant_status_updater.go).
const missingProvider = "[Gateway API provider (istio / envoy gateway)] is not installed, please restart Kuadrant Operator pod once dependency has been installed"

func kuadrant(status, reason, msg string) *unstructured.Unstructured {
	return kubetest.Object("kuadrant.io/v1beta1", "Kuadrant", "kuadrant-system", "kuadrant", map[string]any{
		"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": status, "reason": reason, "message": msg}}}})
}

func crd(name string) *unstructured.Unstructured {
	return kubetest.Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name, nil)
}

func operatorPod() *unstructured.Unstructured {
	p := kubetest.Object("v1", "Pod", "kuadrant-system", "kuadrant-operator-controller-manager-6d9f8-abcde", nil)
	p.SetLabels(map[string]string{"app": "kuadrant", "control-plane": "controller-manager"})
	return p
}

var istioCRDs = []runtime.Object{crd("wasmplugins.extensions.istio.io"), crd("envoyfilters.networking.istio.io"), crd("peerauthentications.security.istio.io")}

func deletedPods(c interface{ Actions() []k8stesting.Action }) int {
	n := 0
	for _, a := range c.Actions() {
		if a.GetVerb() == "delete-collection" && a.GetResource().Resource == "pods" {
			n++
		}
	}
	return n
}

func TestKuadrantReady(t *testing.T) {
	cases := []struct {
		name        string
		objs        []runtime.Object
		wantErr     error
		want        []string
		wantRestart int
	}{
		{name: "passes when Ready", objs: []runtime.Object{kuadrant("True", "Ready", "Kuadrant is ready")}},
		{name: "waits while Authorino is not ready (it clears by itself)", objs: []runtime.Object{kuadrant("False", "AuthorinoNotReady", "Ready condition not found")},
			wantErr: readiness.ErrTimeout, want: []string{"Ready=False (AuthorinoNotReady): Ready condition not found"}},
		{name: "waits, naming it, while the Gateway API provider is really absent", objs: []runtime.Object{kuadrant("False", "MissingDependency", missingProvider), operatorPod()},
			wantErr: readiness.ErrTimeout, want: []string{"MissingDependency", "still absent: Gateway API provider (istio / envoy gateway)"}},
		{name: "restarts the operator pod once when the dependency is there now", objs: append([]runtime.Object{kuadrant("False", "MissingDependency", missingProvider), operatorPod()}, istioCRDs...),
			wantErr: readiness.ErrTimeout, want: []string{"the operator pod was restarted at"}, wantRestart: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := kubetest.Client(tc.objs...)
			err := kubetest.Waiter(c, &kubetest.Clock{At: time.Unix(0, 0)}).Wait(context.Background(), kuadrantReadyGate("kuadrant-system"))
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
				for _, w := range tc.want {
					assert.Contains(t, err.Error(), w)
				}
			}
			assert.Equal(t, tc.wantRestart, deletedPods(c), "operator pod restarts")
		})
	}
}

// After the restart the new pod probes again and reports Ready: the gate
// passes in the same run.
func TestKuadrantReady_restartClearsMissingDependency(t *testing.T) {
	c := kubetest.Client(append([]runtime.Object{kuadrant("False", "MissingDependency", missingProvider), operatorPod()}, istioCRDs...)...)
	clock := &kubetest.Clock{At: time.Unix(0, 0)}
	clock.OnSleep = func() {
		if deletedPods(c) == 1 {
			require.NoError(t, c.Tracker().Update(kube.Kuadrants, kuadrant("True", "Ready", "Kuadrant is ready"), "kuadrant-system"))
		}
	}
	require.NoError(t, kubetest.Waiter(c, clock).Wait(context.Background(), kuadrantReadyGate("kuadrant-system")))
	assert.Equal(t, 1, deletedPods(c))
}
