package stacks_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic/fake"

	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

func gpuSubscriptionChannel(t *testing.T, rec *pulumitest.Recorder) string {
	t.Helper()
	sub, err := testkit.MustFind(rec, "Subscription", "nvidia-gpu-operator", "gpu-operator-certified")
	require.NoError(t, err)
	return sub.Object()["spec"].(map[string]any)["channel"].(string)
}

// The GPU operator channel is resolved once: the same config gives the same
// Subscription tomorrow, whatever the catalog's default becomes.
func TestGPUChannel_resolvedOnce(t *testing.T) {
	catalog := func(c *fake.FakeDynamicClient, def string, channels ...string) {
		var list []any
		for _, ch := range channels {
			list = append(list, map[string]any{"name": ch})
		}
		pm := kubetest.Object("packages.operators.coreos.com/v1", "PackageManifest", "openshift-marketplace", "gpu-operator-certified",
			map[string]any{"status": map[string]any{"defaultChannel": def, "channels": list}})
		_, err := c.Resource(kube.PackageManifests).Namespace("openshift-marketplace").Update(context.Background(), pm, metav1.UpdateOptions{})
		require.NoError(t, err)
	}
	installed := func(c *fake.FakeDynamicClient, channel string) {
		sub := kubetest.Object("operators.coreos.com/v1alpha1", "Subscription", "nvidia-gpu-operator", "gpu-operator-certified",
			map[string]any{"spec": map[string]any{"channel": channel, "name": "gpu-operator-certified"}})
		_, err := c.Resource(kube.Subscriptions).Namespace("nvidia-gpu-operator").Create(context.Background(), sub, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	t.Run("a first install takes the catalog's default channel", func(t *testing.T) {
		c := testkit.OpenShift("BareMetal")
		catalog(c, "v26.3", "v25.10", "v26.3")
		rec, err := testkit.Run(testkit.Config().Build(), c, false)
		require.NoError(t, err)
		assert.Equal(t, "v26.3", gpuSubscriptionChannel(t, rec))
	})
	t.Run("a newer catalog default does not move an installed operator", func(t *testing.T) {
		c := testkit.OpenShift("BareMetal")
		catalog(c, "v26.9", "v26.3", "v26.9")
		installed(c, "v26.3")
		rec, err := testkit.Run(testkit.Config().Build(), c, false)
		require.NoError(t, err)
		assert.Equal(t, "v26.3", gpuSubscriptionChannel(t, rec))
	})
	t.Run("config moves it", func(t *testing.T) {
		c := testkit.OpenShift("BareMetal")
		catalog(c, "v26.9", "v26.3", "v26.9")
		installed(c, "v26.3")
		rec, err := testkit.Run(testkit.Config().Set("operators", map[string]any{"gpu": map[string]any{"channel": "v26.9"}}).Build(), c, false)
		require.NoError(t, err)
		assert.Equal(t, "v26.9", gpuSubscriptionChannel(t, rec))
	})
	t.Run("a channel the catalog does not offer fails before anything is registered", func(t *testing.T) {
		c := testkit.OpenShift("BareMetal")
		catalog(c, "v26.9", "v26.3", "v26.9")
		rec, err := testkit.Run(testkit.Config().Set("operators", map[string]any{"gpu": map[string]any{"channel": "v24.9"}}).Build(), c, false)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `config rhoai:operators.gpu.channel: found "v24.9"`)
		assert.Contains(t, err.Error(), "expected one of the catalog's channels v26.3, v26.9")
		assert.Empty(t, rec.All(), "nothing is registered")
	})
}

// A cluster whose MaaS has no Tenant API (models-as-a-service v0.1.0) is
// refused before anything is registered, naming the versions; with the
// Tenant API, or before MaaS is deployed, the run goes on.
func TestMaaSAPI_withoutTheTenantRefusedBeforeAnythingChanges(t *testing.T) {
	crd := func(c *fake.FakeDynamicClient, name string) {
		_, err := c.Resource(kube.CRDs).Create(context.Background(), kubetest.Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name, nil), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	cases := []struct {
		name    string
		crds    []string
		maasOff bool
		wantErr string
	}{
		{"fresh cluster: nothing to tell yet", nil, false, ""},
		{"MaaS v0.1.1 or later: Tenant served", []string{"maasmodelrefs.maas.opendatahub.io", "tenants.maas.opendatahub.io"}, false, ""},
		{"MaaS v0.1.0: refused", []string{"maasmodelrefs.maas.opendatahub.io"}, false,
			"rhoai:maas: the cluster serves models-as-a-service without the Tenant API: CRD maasmodelrefs.maas.opendatahub.io exists, tenants.maas.opendatahub.io does not. That is models-as-a-service v0.1.0"},
		{"MaaS v0.1.0 with MaaS off: not this program's concern", []string{"maasmodelrefs.maas.opendatahub.io"}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testkit.OpenShift("BareMetal")
			for _, n := range tc.crds {
				crd(c, n)
			}
			cfg := testkit.Config()
			if tc.maasOff {
				cfg = cfg.Set("maas", map[string]any{"enabled": false})
			}
			rec, err := testkit.Run(cfg.Build(), c, false)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Empty(t, rec.All(), "nothing is registered")
		})
	}
}
