package observability

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

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func conditions(kv ...string) []any {
	var out []any
	for i := 0; i+3 <= len(kv); i += 3 {
		out = append(out, map[string]any{"type": kv[i], "status": kv[i+1], "message": kv[i+2]})
	}
	return out
}

// object is a cluster-scoped object with status.conditions.
func object(apiVersion, kind, name string, conds []any) *unstructured.Unstructured {
	return kubetest.Object(apiVersion, kind, "", name, map[string]any{"status": map[string]any{"conditions": conds}})
}

func waiter(objs ...runtime.Object) *readiness.Waiter {
	client := kubetest.ClientWith(map[schema.GroupVersionResource]string{UIPlugins: "UIPluginList"}, objs...)
	return kubetest.Waiter(client, kubetest.NewClock(), kubetest.Pacing(time.Second, 10*time.Second))
}

func TestPersesReady(t *testing.T) {
	pluginAvailable := object("observability.openshift.io/v1alpha1", "UIPlugin", "monitoring", conditions("Available", "True", "ok"))
	pluginDegraded := object("observability.openshift.io/v1alpha1", "UIPlugin", "monitoring", conditions("Available", "False", "perses statefulset not ready"))
	crd := func(conds ...string) *unstructured.Unstructured {
		return object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "persesdashboards.perses.dev", conditions(conds...))
	}
	cases := []struct {
		name    string
		objs    []runtime.Object
		wantErr error
		want    string
	}{
		{"passes when the plugin is Available and the CRD Established", []runtime.Object{pluginAvailable, crd("Established", "True", "")}, nil, ""},
		{"times out naming the plugin's own message", []runtime.Object{pluginDegraded, crd("Established", "True", "")}, readiness.ErrTimeout, "perses statefulset not ready"},
		{"times out while the CRD is not registered", []runtime.Object{pluginAvailable}, readiness.ErrTimeout, "CRD persesdashboards.perses.dev not registered yet"},
		{"fails at once when the CRD names are rejected", []runtime.Object{pluginAvailable, crd("NamesAccepted", "False", "kind PersesDashboard conflicts")}, readiness.ErrTerminal, "kind PersesDashboard conflicts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := waiter(tc.objs...).Wait(context.Background(), persesReady())
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.wantErr), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "observability: gate persesReady (C1)")
		})
	}
}
