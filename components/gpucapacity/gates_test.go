package gpucapacity

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

var gateChoices = []ZoneChoice{
	{Zone: "us-east-2a", InstanceType: "g5.2xlarge", MachineSet: "ocp-x7k2p-gpu-worker-us-east-2a"},
	{Zone: "us-east-2c", InstanceType: "g6.2xlarge", MachineSet: "ocp-x7k2p-gpu-worker-us-east-2c"},
}

// machine builds a Machine of a MachineSet with the given status.
func machine(name, machineSet string, status map[string]any) *unstructured.Unstructured {
	m := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "machine.openshift.io/v1beta1",
		"kind":       "Machine",
		"metadata": map[string]any{
			"name": name, "namespace": "openshift-machine-api",
			"labels": map[string]any{"machine.openshift.io/cluster-api-machineset": machineSet},
		},
	}}
	if status != nil {
		m.Object["status"] = status
	}
	return m
}

func running(node string) map[string]any {
	return map[string]any{"phase": "Running", "nodeRef": map[string]any{"kind": "Node", "name": node}}
}

const capacityMessage = "error creating EC2 instance: InsufficientInstanceCapacity: We currently do not have sufficient g5.2xlarge capacity in the Availability Zone you requested (us-east-2a)."

func TestMachinesProvisioned(t *testing.T) {
	cases := []struct {
		name      string
		objs      []runtime.Object
		ready     bool
		terminal  bool
		wantParts []string
	}{
		{
			name: "ready when every MachineSet's Machines run with a node",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", running("ip-10-0-1-1")),
				machine("ocp-x7k2p-gpu-worker-us-east-2c-fghij", "ocp-x7k2p-gpu-worker-us-east-2c", running("ip-10-0-3-1")),
			},
			ready: true,
		},
		{
			name: "not yet while a Machine is Provisioned without a node",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", running("ip-10-0-1-1")),
				machine("ocp-x7k2p-gpu-worker-us-east-2c-fghij", "ocp-x7k2p-gpu-worker-us-east-2c", map[string]any{"phase": "Provisioned"}),
			},
			wantParts: []string{"ocp-x7k2p-gpu-worker-us-east-2c-fghij phase Provisioned (no node yet)"},
		},
		{
			name: "not yet while a MachineSet has no Machine",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", running("ip-10-0-1-1")),
			},
			wantParts: []string{"MachineSet ocp-x7k2p-gpu-worker-us-east-2c has 0 of 1 Machines"},
		},
		{
			name: "a Machine being deleted does not count",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", running("ip-10-0-1-1")),
				deleting(machine("ocp-x7k2p-gpu-worker-us-east-2c-old", "ocp-x7k2p-gpu-worker-us-east-2c", map[string]any{"phase": "Failed", "errorMessage": "gone"})),
			},
			wantParts: []string{"MachineSet ocp-x7k2p-gpu-worker-us-east-2c has 0 of 1 Machines"},
		},
		{
			name: "a failing Machine of another MachineSet is not ours",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", running("ip-10-0-1-1")),
				machine("ocp-x7k2p-gpu-worker-us-east-2c-fghij", "ocp-x7k2p-gpu-worker-us-east-2c", running("ip-10-0-3-1")),
				machine("ocp-x7k2p-worker-us-east-2b-zzz", "ocp-x7k2p-worker-us-east-2b", map[string]any{"phase": "Failed", "errorMessage": "not ours"}),
			},
			ready: true,
		},
		{
			name: "terminal on InsufficientInstanceCapacity in the MachineCreation condition, naming Machine, zone and type",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", map[string]any{
					"phase": "Provisioning",
					"providerStatus": map[string]any{"conditions": []any{map[string]any{
						"type": "MachineCreation", "status": "False", "reason": "MachineCreationFailed", "message": capacityMessage,
					}}},
				}),
			},
			terminal: true,
			wantParts: []string{
				"Machine openshift-machine-api/ocp-x7k2p-gpu-worker-us-east-2a-abcde", "zone us-east-2a", "instance type g5.2xlarge",
				capacityMessage, "gpu.instanceTypes", "delete Machine ocp-x7k2p-gpu-worker-us-east-2a-abcde",
			},
		},
		{
			name: "a transient MachineCreation failure is not terminal",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2a-abcde", "ocp-x7k2p-gpu-worker-us-east-2a", map[string]any{
					"phase": "Provisioning",
					"providerStatus": map[string]any{"conditions": []any{map[string]any{
						"type": "MachineCreation", "status": "False", "reason": "MachineCreationFailed", "message": "error creating EC2 instance: RequestLimitExceeded",
					}}},
				}),
			},
			wantParts: []string{"phase Provisioning"},
		},
		{
			name: "terminal on phase Failed with the Machine's error",
			objs: []runtime.Object{
				machine("ocp-x7k2p-gpu-worker-us-east-2c-fghij", "ocp-x7k2p-gpu-worker-us-east-2c", map[string]any{
					"phase": "Failed", "errorMessage": "error launching instance: The requested configuration is currently not supported.",
				}),
			},
			terminal:  true,
			wantParts: []string{"zone us-east-2c", "instance type g6.2xlarge", "phase Failed", "currently not supported"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := machinesProvisioned(gateChoices, 1)(context.Background(), kubetest.Client(tc.objs...))
			require.NoError(t, err)
			assert.Equal(t, tc.ready, st.Ready, st.Message)
			assert.Equal(t, tc.terminal, st.Terminal, st.Message)
			for _, p := range tc.wantParts {
				assert.Contains(t, st.Message, p)
			}
		})
	}
}

func deleting(m *unstructured.Unstructured) *unstructured.Unstructured {
	_ = unstructured.SetNestedField(m.Object, "2026-01-01T00:00:00Z", "metadata", "deletionTimestamp")
	_ = unstructured.SetNestedStringSlice(m.Object, []string{"machine.machine.openshift.io"}, "metadata", "finalizers")
	return m
}

func waiter(c dynamic.Interface) *readiness.Waiter {
	return kubetest.Waiter(c, kubetest.NewClock(), kubetest.Pacing(5*time.Second, time.Minute))
}

func TestMachinesProvisionedGate_wait(t *testing.T) {
	gate := machinesProvisionedGate("ocp-x7k2p", gateChoices, 1)
	assert.Equal(t, MachinesProvisionedGate, gate.Name)
	assert.Equal(t, 20*time.Minute, gate.Timeout)

	t.Run("passes when the Machines run", func(t *testing.T) {
		w := waiter(kubetest.Client(
			machine("a", "ocp-x7k2p-gpu-worker-us-east-2a", running("n1")),
			machine("c", "ocp-x7k2p-gpu-worker-us-east-2c", running("n2")),
		))
		require.NoError(t, w.Wait(context.Background(), gate))
		assert.True(t, w.Passed(gate))
	})
	t.Run("fails at once with the Machine's capacity error", func(t *testing.T) {
		w := waiter(kubetest.Client(machine("a", "ocp-x7k2p-gpu-worker-us-east-2a", map[string]any{
			"phase": "Provisioning",
			"providerStatus": map[string]any{"conditions": []any{map[string]any{
				"type": "MachineCreation", "status": "False", "reason": "MachineCreationFailed", "message": capacityMessage,
			}}},
		})))
		err := w.Wait(context.Background(), gate)
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTerminal), err)
		assert.Contains(t, err.Error(), "gpucapacity: gate machinesProvisioned (C6)")
		assert.Contains(t, err.Error(), "InsufficientInstanceCapacity")
		assert.EqualValues(t, 1, w.Requests(), "terminal on the first read")
	})
	t.Run("times out after 20 minutes naming what it saw last", func(t *testing.T) {
		w := waiter(kubetest.Client(
			machine("a", "ocp-x7k2p-gpu-worker-us-east-2a", running("n1")),
			machine("c", "ocp-x7k2p-gpu-worker-us-east-2c", map[string]any{"phase": "Provisioning"}),
		))
		err := w.Wait(context.Background(), gate)
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTimeout), err)
		assert.Contains(t, err.Error(), "after 20m0s")
		assert.Contains(t, err.Error(), "Machine c phase Provisioning (no node yet)")
	})
}
