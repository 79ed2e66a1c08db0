package ocpsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// gpuMachineSet is a GPU MachineSet as components/gpucapacity builds it.
func gpuMachineSet(zone string, replicas int64) *unstructured.Unstructured {
	name := "ocp-x7k2p-gpu-worker-" + zone
	ms := obj("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", name, map[string]any{
		"replicas": replicas,
		"selector": map[string]any{"matchLabels": map[string]any{clusterLabel: "ocp-x7k2p", machineSetLabel: name}},
		"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{clusterLabel: "ocp-x7k2p", machineRoleLabel: "worker", machineTypeLabel: "worker", machineSetLabel: name}},
			"spec": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{workerRole: "", gpuWorkerRole: ""}},
				"taints":   []any{map[string]any{"key": "nvidia.com/gpu", "effect": "NoSchedule"}},
				"providerSpec": map[string]any{"value": map[string]any{
					"apiVersion": awsProviderAPI, "kind": "AWSMachineProviderConfig", "instanceType": "g5.2xlarge",
					"placement": map[string]any{"availabilityZone": zone, "region": "us-east-2"},
				}},
			},
		},
	})
	ms.SetLabels(map[string]string{clusterLabel: "ocp-x7k2p"})
	return ms
}

func machinesOf(t *testing.T, f *fixture, machineSet string) []*unstructured.Unstructured {
	t.Helper()
	all, err := f.sim.store.list(f.ctx, gvrMachines)
	require.NoError(t, err)
	var out []*unstructured.Unstructured
	for _, m := range all {
		if m.GetLabels()[machineSetLabel] == machineSet {
			out = append(out, m)
		}
	}
	return out
}

func onlyMachine(t *testing.T, f *fixture, machineSet string) *unstructured.Unstructured {
	t.Helper()
	ms := machinesOf(t, f, machineSet)
	require.Len(t, ms, 1)
	return ms[0]
}

func clusterPolicy() *unstructured.Unstructured {
	on := map[string]any{"enabled": true}
	return obj("nvidia.com/v1", "ClusterPolicy", "", "gpu-cluster-policy", map[string]any{
		"operator": map[string]any{"defaultRuntime": "crio", "use_ocp_driver_toolkit": true}, "daemonsets": map[string]any{},
		"driver": on, "toolkit": on, "devicePlugin": on, "dcgm": on, "dcgmExporter": on, "gfd": on, "nodeStatusExporter": on,
		"mig": map[string]any{"strategy": "single"}, "validator": map[string]any{},
	})
}

func nfdInstance() *unstructured.Unstructured {
	return obj("nfd.openshift.io/v1", "NodeFeatureDiscovery", "openshift-nfd", "nfd-instance", map[string]any{
		"operand": map[string]any{"imagePullPolicy": "Always"}, "workerConfig": map[string]any{"configData": "core: {sleepInterval: 60s}\n"},
	})
}

func TestGPU_bareMetal(t *testing.T) {
	tests := []struct {
		name      string
		nfd       bool
		policy    bool
		gpuNodes  int
		wantGPUs  int64
		wantReady bool // ClusterPolicy state ready
	}{
		{"NFD and ClusterPolicy make the GPUs allocatable", true, true, 2, 4, true},
		{"C5: without NFD labels the ClusterPolicy is ready but no GPU is allocatable", false, true, 2, 0, true},
		{"C6: a ready ClusterPolicy with no GPU node offers nothing", true, true, -1, 0, true},
		{"without a ClusterPolicy no driver runs", true, false, 2, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.GPUNodes = tc.gpuNodes })
			f.install(opNFD)
			f.install(opGPU)
			if tc.nfd {
				f.create(gvrNFDs, nfdInstance())
			}
			if tc.policy {
				f.create(gvrClusterPolicies, clusterPolicy())
			}
			f.settle()
			if tc.nfd {
				assert.True(t, waitForHolds(f.must(gvrNFDs, "openshift-nfd", "nfd-instance"), "condition=Available"))
			}
			if tc.policy {
				assert.Equal(t, tc.wantReady, waitForHolds(f.must(gvrClusterPolicies, "", "gpu-cluster-policy"), "jsonpath={.status.state}=ready"))
			}
			st := f.check(readiness.NodesAllocatable("nvidia.com/gpu", 4))
			assert.Equal(t, tc.wantGPUs >= 4, st.Ready, st.Message)
			if tc.wantGPUs > 0 {
				n := f.must(gvrNodes, "", "gpu-worker-0")
				assert.Equal(t, "true", n.GetLabels()[pciNVIDIALabel])
				assert.Equal(t, "NVIDIA-A10G", n.GetLabels()[gpuProductLabel])
			}
		})
	}
}

func TestGPU_driverDelay(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.Driver = 6 * time.Minute })
	f.install(opNFD)
	f.install(opGPU)
	f.create(gvrNFDs, nfdInstance())
	f.create(gvrClusterPolicies, clusterPolicy())
	f.settle()
	assert.False(t, f.check(readiness.NodesAllocatable("nvidia.com/gpu", 1)).Ready)
	f.clock.advance(6 * time.Minute)
	f.settle()
	assert.True(t, f.check(readiness.NodesAllocatable("nvidia.com/gpu", 4)).Ready)

	f.delete(gvrClusterPolicies, "", "gpu-cluster-policy")
	f.settle()
	assert.False(t, f.check(readiness.NodesAllocatable("nvidia.com/gpu", 1)).Ready, "no device plugin without the ClusterPolicy")
}

func TestGPU_awsMachineSets(t *testing.T) {
	f := newFixture(t, onAWS, func(o *Options) { o.Delays.MachineProvision = 8 * time.Minute })
	f.install(opNFD)
	f.install(opGPU)
	f.create(gvrNFDs, nfdInstance())
	f.create(gvrClusterPolicies, clusterPolicy())
	for _, z := range []string{"us-east-2a", "us-east-2b"} {
		f.create(gvrMachineSets, gpuMachineSet(z, 2))
	}
	f.settle()
	ms := f.must(gvrMachineSets, "openshift-machine-api", "ocp-x7k2p-gpu-worker-us-east-2a")
	assert.False(t, waitForHolds(ms, "jsonpath={.status.readyReplicas}=2"))
	for _, m := range machinesOf(t, f, ms.GetName()) {
		assert.Equal(t, "Provisioning", str(m, "status", "phase"))
		assert.Contains(t, m.GetFinalizers(), machineFinalizer)
	}

	f.clock.advance(8 * time.Minute)
	f.settle()
	ms = f.must(gvrMachineSets, "openshift-machine-api", "ocp-x7k2p-gpu-worker-us-east-2a")
	assert.True(t, waitForHolds(ms, "jsonpath={.status.readyReplicas}=2"), "the program's MachineSet waitFor")
	machines := machinesOf(t, f, ms.GetName())
	require.Len(t, machines, 2)
	for _, m := range machines {
		assert.Equal(t, "Running", str(m, "status", "phase"))
		node := f.must(gvrNodes, "", str(m, "status", "nodeRef", "name"))
		assert.Contains(t, node.GetLabels(), gpuWorkerRole)
		assert.Equal(t, "g5.2xlarge", node.GetLabels()["node.kubernetes.io/instance-type"])
		assert.Equal(t, "nvidia.com/gpu", mapOf(slice(node, "spec", "taints")[0])["key"])
	}
	st := f.check(readiness.NodesAllocatable("nvidia.com/gpu", 4))
	assert.True(t, st.Ready, st.Message)

	// Scale down: the Machine goes, its Node first.
	f.edit(gvrMachineSets, "openshift-machine-api", ms.GetName(), func(o *unstructured.Unstructured) { set(o, int64(1), "spec", "replicas") })
	f.settle()
	assert.Len(t, machinesOf(t, f, ms.GetName()), 1)
	assert.False(t, f.check(readiness.NodesAllocatable("nvidia.com/gpu", 4)).Ready)
	assert.Equal(t, "1", f.must(gvrMachineSets, "openshift-machine-api", ms.GetName()).GetAnnotations()["machine.openshift.io/GPU"], "drift: capacity annotations")
}
