package gpu

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// capacityGate stands for the AWS MachineSets layer's own gate.
var capacityGate = readiness.Gate{Name: "machineSetsReady", Object: "MachineSets openshift-machine-api/gpu", Layer: "awsgpu"}

// install runs NewGPU under mocks with an upstream resource (args.After), a
// capacity layer stand-in (args.Capacity) and a dependent standing for an
// LLMInferenceService that takes the layer's Prerequisite (C6).
func install(t *testing.T, args GPUArgs, gatesOn bool) (*pulumitest.Recorder, *GPU, error) {
	t.Helper()
	return pulumitest.RunLayer(gatesOn, "llmisvc", func(ctx *pulumi.Context, gates *readiness.Binder, after readiness.Prerequisite) (*GPU, error) {
		capacity, err := pulumitest.StandIn(ctx, "capacity")
		if err != nil {
			return nil, err
		}
		a := args
		a.Gates, a.After = gates, after
		a.Capacity = readiness.Prerequisite{Resources: []pulumi.Resource{capacity}, Gates: []readiness.Gate{capacityGate}}
		return NewGPU(ctx, "gpu", &a)
	})
}

func okArgs() GPUArgs { return GPUArgs{GPUOperator: olm.Catalog{Channel: "v26.9"}} }

func TestGPU_objects(t *testing.T) {
	rec, _, err := install(t, okArgs(), true)
	require.NoError(t, err)
	cases := []struct {
		name, kind, namespace, objName, typ string
		clusterScoped                       bool
		wantSpec                            map[string]any
		wantLabels                          map[string]any
	}{
		{
			name: "NFD gets its own namespace, monitored", kind: "Namespace", objName: "openshift-nfd",
			typ: "kubernetes:core/v1:Namespace", clusterScoped: true,
			wantLabels: map[string]any{"openshift.io/cluster-monitoring": "true"},
		},
		{
			name: "NFD's OperatorGroup targets only its namespace", kind: "OperatorGroup", namespace: "openshift-nfd", objName: "openshift-nfd",
			typ:      "kubernetes:operators.coreos.com/v1:OperatorGroup",
			wantSpec: map[string]any{"targetNamespaces": []any{"openshift-nfd"}},
		},
		{
			name: "NFD subscribes to nfd on stable", kind: "Subscription", namespace: "openshift-nfd", objName: "nfd",
			typ:      "kubernetes:operators.coreos.com/v1alpha1:Subscription",
			wantSpec: map[string]any{"channel": "stable", "installPlanApproval": "Automatic", "name": "nfd", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "NodeFeatureDiscovery pulls Always and does not pin the operand image", kind: "NodeFeatureDiscovery", namespace: "openshift-nfd", objName: "nfd-instance",
			typ: "kubernetes:nfd.openshift.io/v1:NodeFeatureDiscovery",
			wantSpec: map[string]any{
				"operand": map[string]any{"imagePullPolicy": "Always"},
				"workerConfig": map[string]any{"configData": "core: {sleepInterval: 60s}\n" +
					`sources: {pci: {deviceClassWhitelist: ["0200","03","12"], deviceLabelFields: [vendor]}}` + "\n"},
			},
		},
		{
			name: "the GPU operator gets its own namespace, monitored", kind: "Namespace", objName: "nvidia-gpu-operator",
			typ: "kubernetes:core/v1:Namespace", clusterScoped: true,
			wantLabels: map[string]any{"openshift.io/cluster-monitoring": "true"},
		},
		{
			name: "the GPU operator's OperatorGroup targets only its namespace", kind: "OperatorGroup", namespace: "nvidia-gpu-operator", objName: "nvidia-gpu-operator",
			typ:      "kubernetes:operators.coreos.com/v1:OperatorGroup",
			wantSpec: map[string]any{"targetNamespaces": []any{"nvidia-gpu-operator"}},
		},
		{
			name: "the GPU operator comes from certified-operators on the given channel", kind: "Subscription", namespace: "nvidia-gpu-operator", objName: "gpu-operator-certified",
			typ:      "kubernetes:operators.coreos.com/v1alpha1:Subscription",
			wantSpec: map[string]any{"channel": "v26.9", "installPlanApproval": "Automatic", "name": "gpu-operator-certified", "source": "certified-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "ClusterPolicy is cluster-scoped with exactly the reference spec and an empty validator", kind: "ClusterPolicy", objName: "gpu-cluster-policy",
			typ: "kubernetes:nvidia.com/v1:ClusterPolicy", clusterScoped: true,
			wantSpec: map[string]any{
				"operator":           map[string]any{"defaultRuntime": "crio", "use_ocp_driver_toolkit": true},
				"daemonsets":         map[string]any{},
				"driver":             map[string]any{"enabled": true},
				"toolkit":            map[string]any{"enabled": true},
				"devicePlugin":       map[string]any{"enabled": true},
				"dcgm":               map[string]any{"enabled": true},
				"dcgmExporter":       map[string]any{"enabled": true},
				"gfd":                map[string]any{"enabled": true},
				"nodeStatusExporter": map[string]any{"enabled": true},
				"mig":                map[string]any{"strategy": "single"},
				"validator":          map[string]any{},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found := rec.Find(tc.kind, tc.namespace, tc.objName)
			require.Len(t, found, 1, "%s %s/%s", tc.kind, tc.namespace, tc.objName)
			r := found[0]
			assert.Equal(t, tc.typ, r.Type)
			md := r.Object()["metadata"].(map[string]any)
			if tc.clusterScoped {
				assert.NotContains(t, md, "namespace")
			}
			if tc.wantSpec != nil {
				assert.Equal(t, tc.wantSpec, r.Object()["spec"])
			}
			if tc.wantLabels != nil {
				assert.Equal(t, tc.wantLabels, md["labels"])
			}
		})
	}
}

func TestGPU_nfdWorkerConfigMeansWhatTheReferenceSays(t *testing.T) {
	rec, _, err := install(t, okArgs(), true)
	require.NoError(t, err)
	spec := rec.Find("NodeFeatureDiscovery", "openshift-nfd", "nfd-instance")[0].Object()["spec"].(map[string]any)
	assert.NotContains(t, spec["operand"], "image", "an operand image pins NFD (OCPBUGS-85506)")
	var cfg struct {
		Core    struct{ SleepInterval string } `json:"core"`
		Sources struct {
			PCI struct {
				DeviceClassWhitelist []string `json:"deviceClassWhitelist"`
				DeviceLabelFields    []string `json:"deviceLabelFields"`
			} `json:"pci"`
		} `json:"sources"`
	}
	raw := spec["workerConfig"].(map[string]any)["configData"].(string)
	require.NoError(t, yaml.UnmarshalStrict([]byte(raw), &cfg))
	assert.Equal(t, "60s", cfg.Core.SleepInterval)
	assert.Equal(t, []string{"0200", "03", "12"}, cfg.Sources.PCI.DeviceClassWhitelist, "class codes stay strings")
	assert.Equal(t, []string{"vendor"}, cfg.Sources.PCI.DeviceLabelFields)
}

func TestGPU_crsWaitForTheirOwnReadiness(t *testing.T) {
	rec, _, err := install(t, okArgs(), true)
	require.NoError(t, err)
	cases := []struct {
		name, kind, namespace, objName, waitFor, timeout string
	}{
		{"NodeFeatureDiscovery waits for Available for 10 minutes", "NodeFeatureDiscovery", "openshift-nfd", "nfd-instance", "condition=Available", "600"},
		{"ClusterPolicy waits for state ready for 20 minutes", "ClusterPolicy", "", "gpu-cluster-policy", "jsonpath={.status.state}=ready", "1200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rec.Find(tc.kind, tc.namespace, tc.objName)[0]
			ann := r.Object()["metadata"].(map[string]any)["annotations"].(map[string]any)
			assert.Equal(t, tc.waitFor, ann["pulumi.com/waitFor"])
			assert.Equal(t, tc.timeout, ann["pulumi.com/timeoutSeconds"])
		})
	}
}

func hook(name, object string) string { return readiness.Gate{Name: name, Object: object}.HookName() }

func TestGPU_edges(t *testing.T) {
	rec, _, err := install(t, okArgs(), true)
	require.NoError(t, err)
	cases := []struct {
		name, after, before string
		gates               []string
	}{
		{"C1: NodeFeatureDiscovery waits for the NFD CSV and CRD", "gpu-nfd-instance", "gpu-nfd-subscription",
			[]string{hook("csvSucceeded", "Subscription openshift-nfd/nfd"), hook("crdEstablished", "CustomResourceDefinition nodefeaturediscoveries.nfd.openshift.io")}},
		{"C1: ClusterPolicy waits for the GPU operator CSV and CRD", "gpu-cluster-policy", "gpu-nvidia-subscription",
			[]string{hook("csvSucceeded", "Subscription nvidia-gpu-operator/gpu-operator-certified"), hook("crdEstablished", "CustomResourceDefinition clusterpolicies.nvidia.com")}},
		{"C5: ClusterPolicy waits for NodeFeatureDiscovery Available", "gpu-cluster-policy", "gpu-nfd-instance", nil},
		{"the layer's objects wait for what the layer waits for", "gpu-nfd-subscription", "upstream", nil},
		{"the GPU operator waits for what the layer waits for too", "gpu-nvidia-subscription", "upstream", nil},
		{"C6: an LLMInferenceService waits for the ClusterPolicy and the GPU allocatable gate", "llmisvc", "gpu-cluster-policy",
			[]string{hook("gpuAllocatable", "Nodes allocatable 1 nvidia.com/gpu")}},
		{"C6: an LLMInferenceService waits for the GPU capacity layer", "llmisvc", "capacity", []string{capacityGate.HookName()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, rec.Reaches(tc.after, tc.before), "%s should depend on %s", tc.after, tc.before)
			r, ok := rec.Get(tc.after)
			require.True(t, ok)
			for _, g := range tc.gates {
				assert.True(t, r.HasGate(g), "missing gate %s on %s: %v", g, tc.after, r.Hooks)
			}
		})
	}
	// The operators install while the machines boot: only consumers wait for capacity.
	assert.False(t, rec.Reaches("gpu-cluster-policy", "capacity"), "ClusterPolicy must not wait for the GPU machines")
	assert.False(t, rec.Reaches("gpu-nfd-instance", "gpu-nvidia-subscription"), "NFD and the GPU operator install side by side")
}

func TestGPU_destroyRemovesCRsBeforeTheirOperators(t *testing.T) {
	// Destroy runs the dependency graph backwards: a CR that depends on its
	// Subscription is deleted first, while its operator can still clear the
	// CR's finalizers.
	rec, _, err := install(t, okArgs(), true)
	require.NoError(t, err)
	assert.True(t, rec.Reaches("gpu-cluster-policy", "gpu-nvidia-subscription"))
	assert.True(t, rec.Reaches("gpu-nfd-instance", "gpu-nfd-subscription"))
	assert.False(t, rec.Reaches("gpu-nvidia-subscription", "gpu-cluster-policy"))
}

func TestGPU_allocatableGate(t *testing.T) {
	cases := []struct {
		name    string
		minGPUs int64
		expect  string
	}{
		{"defaults to one GPU", 0, "at least 1 nvidia.com/gpu"},
		{"asks for the GPUs the models need", 4, "at least 4 nvidia.com/gpu"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := okArgs()
			a.MinGPUs = tc.minGPUs
			_, g, err := install(t, a, true)
			require.NoError(t, err)
			assert.Equal(t, "gpuAllocatable", g.Allocatable.Name)
			assert.Equal(t, "C6", g.Allocatable.Constraint)
			assert.Equal(t, 30*time.Minute, g.Allocatable.Timeout)
			assert.Contains(t, g.Allocatable.Expect, tc.expect)
			assert.Contains(t, g.Allocatable.Hint, "machines")
			assert.Contains(t, g.Allocatable.Hint, "gpu-cluster-policy")
		})
	}
}

func TestGPU_renderModeBindsNoHooks(t *testing.T) {
	rec, _, err := install(t, okArgs(), false)
	require.NoError(t, err)
	for _, r := range rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, rec.Reaches("gpu-cluster-policy", "gpu-nfd-instance"), "edges stay in render mode")
	assert.True(t, rec.Reaches("llmisvc", "gpu-cluster-policy"), "edges stay in render mode")
}

func TestGPUArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args GPUArgs
		want string
	}{
		{"rejects a malformed GPU operator channel", GPUArgs{GPUOperator: olm.Catalog{Channel: "V26 3"}}, `gpuOperator channel: found "V26 3"`},
		{"rejects a pin of another package for NFD", GPUArgs{NFD: olm.Catalog{StartingCSV: "gpu-operator-certified.v26.3.3"}}, "nfd startingCSV"},
		{"rejects a negative GPU count", GPUArgs{MinGPUs: -1}, "minimum GPUs -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := install(t, tc.args, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.ErrorContains(t, GPUArgs{MinGPUs: 1}.withDefaults().Validate(), "no gate binder")
}
