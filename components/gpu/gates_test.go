package gpu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// node offers gpus nvidia.com/gpu ("" for a node without the resource).
func node(t *testing.T, name, gpus string) *unstructured.Unstructured {
	alloc := `{"cpu":"8"}`
	if gpus != "" {
		alloc = fmt.Sprintf(`{"cpu":"8","nvidia.com/gpu":%q}`, gpus)
	}
	return kubetest.FromJSON(t, fmt.Sprintf(`{"apiVersion":"v1","kind":"Node","metadata":{"name":%q},"status":{"allocatable":%s}}`, name, alloc))
}

// machine is a Machine as the GPU MachineSet template makes it:
// role label worker, node labels (gpu-worker role when gpu) in spec.metadata.
func machine(t *testing.T, name string, gpu bool, status string) *unstructured.Unstructured {
	nodeLabels := `{"node-role.kubernetes.io/worker":""}`
	if gpu {
		nodeLabels = `{"node-role.kubernetes.io/worker":"","node-role.kubernetes.io/gpu-worker":""}`
	}
	return kubetest.FromJSON(t, fmt.Sprintf(`{"apiVersion":"machine.openshift.io/v1beta1","kind":"Machine",
		"metadata":{"name":%q,"namespace":"openshift-machine-api","labels":{"machine.openshift.io/cluster-api-machine-role":"worker"}},
		"spec":{"metadata":{"labels":%s},"providerSpec":{"value":{"instanceType":"g5.2xlarge","placement":{"availabilityZone":"us-east-2a","region":"us-east-2"}}}},
		"status":%s}`, name, nodeLabels, status))
}

const capacityFailure = `{"phase":"Failed","errorReason":"InvalidConfiguration","errorMessage":"error launching instance: We currently do not have sufficient g5.2xlarge capacity in the Availability Zone you requested (us-east-2a). (InsufficientInstanceCapacity)"}`

func TestGPUCapacity(t *testing.T) {
	cases := []struct {
		name         string
		min          int64
		objs         func(t *testing.T) []runtime.Object
		wantReady    bool
		wantTerminal bool
		wantMsg      []string
	}{
		{
			name: "ready when one node offers the GPU", min: 1,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "worker-0", ""), node(t, "gpu-0", "1")}
			},
			wantReady: true, wantMsg: []string{"1 nvidia.com/gpu allocatable on gpu-0"},
		},
		{
			name: "ready when two nodes together offer the GPUs", min: 2,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "gpu-0", "1"), node(t, "gpu-1", "1")}
			},
			wantReady: true,
		},
		{
			name: "not yet while the GPU Machine provisions", min: 1,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "worker-0", ""), machine(t, "gpu-us-east-2a-x7k", true, `{"phase":"Provisioned"}`)}
			},
			wantMsg: []string{"0 of 1 nvidia.com/gpu allocatable", "gpu-us-east-2a-x7k (Provisioned)"},
		},
		{
			name: "not yet while one of two needed GPUs is allocatable", min: 2,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "gpu-0", "1"), machine(t, "gpu-b", true, `{"phase":"Running"}`)}
			},
			wantMsg: []string{"1 of 2 nvidia.com/gpu allocatable"},
		},
		{
			name: "not yet on bare metal with no GPU Machines", min: 1,
			objs:    func(t *testing.T) []runtime.Object { return []runtime.Object{node(t, "metal-0", "0")} },
			wantMsg: []string{"0 of 1 nvidia.com/gpu allocatable across 1 nodes"},
		},
		{
			name: "a failed Machine that is not a GPU Machine is not this gate's business", min: 1,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "worker-0", ""), machine(t, "worker-us-east-2a", false, capacityFailure)}
			},
			wantMsg: []string{"0 of 1 nvidia.com/gpu allocatable"},
		},
		{
			name: "terminal when a GPU Machine failed, naming it, its zone, its instance type and the cloud's message", min: 1,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "worker-0", ""), machine(t, "gpu-us-east-2a-x7k", true, capacityFailure), machine(t, "gpu-us-east-2b-q2w", true, `{"phase":"Provisioning"}`)}
			},
			wantTerminal: true,
			wantMsg: []string{"Machine openshift-machine-api/gpu-us-east-2a-x7k (zone us-east-2a, instance type g5.2xlarge) failed",
				"InvalidConfiguration", "InsufficientInstanceCapacity", "0 of 1 nvidia.com/gpu allocatable"},
		},
		{
			name: "terminal when a Machine labelled with the gpu-worker role failed", min: 1,
			objs: func(t *testing.T) []runtime.Object {
				m := machine(t, "gpu-c", false, `{"errorReason":"InsufficientInstanceCapacity","errorMessage":"no capacity"}`)
				m.SetLabels(map[string]string{"machine.openshift.io/cluster-api-machine-role": "gpu-worker"})
				return []runtime.Object{m}
			},
			wantTerminal: true, wantMsg: []string{"Machine openshift-machine-api/gpu-c", "InsufficientInstanceCapacity: no capacity"},
		},
		{
			name: "ready despite a failed GPU Machine when the other zones cover the need", min: 1,
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{node(t, "gpu-0", "1"), machine(t, "gpu-us-east-2a-x7k", true, capacityFailure)}
			},
			wantReady: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := gpuCapacity(tc.min)(context.Background(), kubetest.Client(tc.objs(t)...))
			require.NoError(t, err)
			assert.Equal(t, tc.wantReady, st.Ready, st.Message)
			assert.Equal(t, tc.wantTerminal, st.Terminal, st.Message)
			for _, m := range tc.wantMsg {
				assert.Contains(t, st.Message, m)
			}
		})
	}
}

func TestGPUCapacity_clusterWithoutMachineAPI(t *testing.T) {
	c := kubetest.Client(node(t, "metal-0", ""))
	c.PrependReactor("list", "machines", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "machine.openshift.io", Resource: "machines"}, "")
	})
	st, err := gpuCapacity(1)(context.Background(), c)
	require.NoError(t, err, "no Machine API is not an error")
	assert.False(t, st.Ready)
	assert.False(t, st.Terminal)
	assert.Contains(t, st.Message, "0 of 1 nvidia.com/gpu allocatable")
}

func TestGPUCapacity_readErrorIsTransient(t *testing.T) {
	c := kubetest.Client(node(t, "worker-0", ""))
	c.PrependReactor("list", "machines", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("apiserver restarting")
	})
	st, err := gpuCapacity(1)(context.Background(), c)
	require.Error(t, err)
	assert.False(t, st.Terminal)
}

func TestGPUAllocatableGate_waiting(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	t.Run("passes once the driver makes the GPU allocatable", func(t *testing.T) {
		c := kubetest.Client(node(t, "gpu-0", ""), machine(t, "gpu-a", true, `{"phase":"Running"}`))
		polls := 0
		clk := &kubetest.Clock{At: start, OnSleep: func() {
			if polls++; polls == 3 {
				_, err := c.Resource(kube.Nodes).Update(context.Background(), node(t, "gpu-0", "1"), metav1.UpdateOptions{})
				require.NoError(t, err)
			}
		}}
		require.NoError(t, kubetest.Waiter(c, clk).Wait(context.Background(), gpuAllocatableGate(1)))
		assert.Less(t, clk.Now().Sub(start), time.Minute)
	})

	t.Run("fails at once with the Machine's message when its zone has no capacity", func(t *testing.T) {
		c := kubetest.Client(machine(t, "gpu-us-east-2a-x7k", true, capacityFailure))
		clk := &kubetest.Clock{At: start}
		err := kubetest.Waiter(c, clk).Wait(context.Background(), gpuAllocatableGate(1))
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTerminal), err)
		for _, want := range []string{"gpu: gate gpuAllocatable (C6)", "gpu-us-east-2a-x7k", "zone us-east-2a", "g5.2xlarge", "InsufficientInstanceCapacity", "oc get machinesets,machines"} {
			assert.Contains(t, err.Error(), want)
		}
		assert.Equal(t, start, clk.Now(), "no waiting on a terminal state")
	})

	t.Run("times out after 30 minutes naming what it saw last", func(t *testing.T) {
		c := kubetest.Client(node(t, "worker-0", ""), machine(t, "gpu-a", true, `{"phase":"Provisioning"}`))
		clk := &kubetest.Clock{At: start}
		err := kubetest.Waiter(c, clk).Wait(context.Background(), gpuAllocatableGate(2))
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTimeout), err)
		assert.Equal(t, 30*time.Minute, clk.Now().Sub(start))
		assert.Contains(t, err.Error(), "0 of 2 nvidia.com/gpu allocatable")
		assert.Contains(t, err.Error(), "gpu-a (Provisioning)")
		assert.True(t, strings.Contains(err.Error(), "gpu-cluster-policy"), "the hint names the ClusterPolicy: %v", err)
	})
}
