package ocpsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDrift(t *testing.T) {
	tests := []struct {
		name  string
		opts  []func(*Options)
		drift bool
	}{
		{"operators default and annotate what the program left out", nil, true},
		{"NoDrift leaves objects as written", []func(*Options){noDrift}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			f.install(opNFD)
			f.install(opGPU)
			f.create(gvrClusterPolicies, clusterPolicy())
			f.create(gvrNamespaces, namespace("llm-d-demo"))
			f.settle()
			cp := f.must(gvrClusterPolicies, "", "gpu-cluster-policy")
			assert.Equal(t, "ready", str(cp, "status", "state"))
			assert.Equal(t, tc.drift, str(cp, "spec", "toolkit", "installDir") == "/usr/local/nvidia")
			_, hasPolicy := mapAt(cp, "spec", "driver")["upgradePolicy"]
			assert.Equal(t, tc.drift, hasPolicy)
			// Never a field the program sets.
			assert.Equal(t, true, boolean(cp, "spec", "driver", "enabled"))
			assert.Equal(t, "single", str(cp, "spec", "mig", "strategy"))
			assert.Equal(t, "crio", str(cp, "spec", "operator", "defaultRuntime"))

			ns := f.must(gvrNamespaces, "", "llm-d-demo")
			_, scc := ns.GetAnnotations()["openshift.io/sa.scc.uid-range"]
			assert.Equal(t, tc.drift, scc)
			og := f.must(gvrOperatorGroups, opGPU.ns, opGPU.ns)
			assert.Equal(t, tc.drift, og.GetAnnotations()["olm.providedAPIs"] != "")
			assert.Contains(t, f.must(gvrSubscriptions, opGPU.ns, opGPU.pkg).GetLabels(), CSVLabel(opGPU.pkg, opGPU.ns), "OLM's label is behaviour, not optional drift")
		})
	}
}

// A relinquished server-side-apply patch can leave a null behind; the API
// server prunes it and applies the CRD default, and so must the simulator
// (it used to panic here during destroy).
func TestSetDefault_prunesNullsLikeTheAPIServer(t *testing.T) {
	path := []string{"spec", "components", "kserve", "modelsAsService", "managementState"}
	tests := []struct {
		name string
		obj  map[string]any
		want string
	}{
		{"absent", map[string]any{"spec": map[string]any{"components": map[string]any{"kserve": map[string]any{}}}}, "Removed"},
		{"null parent", map[string]any{"spec": map[string]any{"components": map[string]any{"kserve": map[string]any{"modelsAsService": nil}}}}, "Removed"},
		{"null leaf", map[string]any{"spec": map[string]any{"components": map[string]any{"kserve": map[string]any{"modelsAsService": map[string]any{"managementState": nil}}}}}, "Removed"},
		{"set by the user", map[string]any{"spec": map[string]any{"components": map[string]any{"kserve": map[string]any{"modelsAsService": map[string]any{"managementState": "Managed"}}}}}, "Managed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &unstructured.Unstructured{Object: tc.obj}
			assert.NotPanics(t, func() { dscDefaults(nil, nil, o) })
			assert.Equal(t, tc.want, str(o, path...))
		})
	}
}
