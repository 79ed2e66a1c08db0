package rhoai

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

// obj builds an object; conds are type, status, message triples.
func obj(apiVersion, kind, ns, name string, conds ...string) *unstructured.Unstructured {
	var list []any
	for i := 0; i+3 <= len(conds); i += 3 {
		list = append(list, map[string]any{"type": conds[i], "status": conds[i+1], "reason": "Test", "message": conds[i+2]})
	}
	return kubetest.Object(apiVersion, kind, ns, name, map[string]any{"status": map[string]any{"conditions": list}})
}

func waiter(objs ...runtime.Object) *readiness.Waiter {
	client := kubetest.ClientWith(map[schema.GroupVersionResource]string{OdhDashboardConfigs: "OdhDashboardConfigList"}, objs...)
	return kubetest.Waiter(client, kubetest.NewClock(), kubetest.Pacing(time.Second, 10*time.Second))
}

// Serving waits for KServe and odh-model-controller only; the DSC's own
// Ready (every Managed component) becomes a warning.
func TestDSCReady_warnsAboutOtherComponents(t *testing.T) {
	dsc := obj("datasciencecluster.opendatahub.io/v2", "DataScienceCluster", "", "default-dsc",
		"Ready", "False", "Some components are not ready: trainer", "KserveReady", "True", "", "ModelControllerReady", "True", "")
	w := waiter(dsc)
	var warnings []string
	w.Warn = func(msg string) { warnings = append(warnings, msg) }
	require.NoError(t, w.Wait(context.Background(), dscReady()))
	assert.Equal(t, []string{"rhoai: gate dscReady (C11): DataScienceCluster default-dsc: DataScienceCluster default-dsc Ready=False (Test): Some components are not ready: trainer; serving does not wait for these components"}, warnings)
}

func TestGates(t *testing.T) {
	dsci := obj("dscinitialization.opendatahub.io/v2", "DSCInitialization", "", "default-dsci")
	appsNS := obj("v1", "Namespace", "", "redhat-ods-applications")
	dashCRD := func(conds ...string) *unstructured.Unstructured {
		return obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "odhdashboardconfigs.opendatahub.io", conds...)
	}
	dashConfig := obj("opendatahub.io/v1alpha", "OdhDashboardConfig", "redhat-ods-applications", "odh-dashboard-config")
	dsc := func(conds ...string) *unstructured.Unstructured {
		return obj("datasciencecluster.opendatahub.io/v2", "DataScienceCluster", "", "default-dsc", conds...)
	}
	cases := []struct {
		name    string
		gate    readiness.Gate
		objs    []runtime.Object
		wantErr error
		want    string
	}{
		{"dsciExists passes once the operator made default-dsci", dsciExists(), []runtime.Object{dsci}, nil, ""},
		{"dsciExists times out naming what it waited for", dsciExists(), nil, readiness.ErrTimeout, "DSCInitialization default-dsci not created yet"},
		{"applicationsNamespaceExists passes on the namespace", applicationsNamespaceExists(), []runtime.Object{appsNS}, nil, ""},
		{"applicationsNamespaceExists times out without it", applicationsNamespaceExists(), nil, readiness.ErrTimeout, "Namespace redhat-ods-applications not created yet"},
		{"dashboardConfigExists passes on CRD and object", dashboardConfigExists(), []runtime.Object{dashCRD("Established", "True", ""), dashConfig}, nil, ""},
		{"dashboardConfigExists times out before the dashboard creates its config", dashboardConfigExists(), []runtime.Object{dashCRD("Established", "True", "")}, readiness.ErrTimeout, "OdhDashboardConfig redhat-ods-applications/odh-dashboard-config not created yet"},
		{"dashboardConfigExists fails at once on rejected CRD names", dashboardConfigExists(), []runtime.Object{dashCRD("NamesAccepted", "False", "name conflict")}, readiness.ErrTerminal, "name conflict"},
		{"dscReady passes with Ready, KserveReady and ModelControllerReady", dscReady(), []runtime.Object{dsc("Ready", "True", "", "KserveReady", "True", "", "ModelControllerReady", "True", "")}, nil, ""},
		{"dscReady times out with the operator's message", dscReady(), []runtime.Object{dsc("Ready", "True", "", "KserveReady", "False", "kserve-controller-manager not ready")}, readiness.ErrTimeout, "kserve-controller-manager not ready"},
		{"dscReady does not pass on Ready alone", dscReady(), []runtime.Object{dsc("Ready", "True", "", "KserveReady", "True", "")}, readiness.ErrTimeout, "ModelControllerReady not reported yet"},
		{"dscReady passes while another component keeps the DSC Not Ready", dscReady(), []runtime.Object{dsc("Ready", "False", "Some components are not ready: trainer", "KserveReady", "True", "", "ModelControllerReady", "True", "")}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := waiter(tc.objs...).Wait(context.Background(), tc.gate)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.wantErr), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "rhoai: gate "+tc.gate.Name)
		})
	}
}
