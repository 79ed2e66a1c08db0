package gpu

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// GPUAllocatableGate proves the nodes offer the GPUs the models request (C6).
const GPUAllocatableGate = "gpuAllocatable"

// Budgets: the NFD operand rolls out in minutes; the ClusterPolicy builds the
// driver on each GPU node; a new EC2 GPU node boots, joins and gets its driver.
const (
	NFDTimeout            = 10 * time.Minute
	ClusterPolicyTimeout  = 20 * time.Minute
	GPUAllocatableTimeout = 30 * time.Minute
)

// Machine API facts the capacity check reads (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/machine-sets/gpu-worker/templates/machineset.yaml).
const (
	MachineAPINamespace = "openshift-machine-api"
	// GPUNodeRoleLabel is set on GPU nodes through the MachineSet template's
	// spec.metadata.labels, so a GPU Machine carries it in spec.metadata.labels.
	GPUNodeRoleLabel = "node-role.kubernetes.io/gpu-worker"
	// MachineRoleLabel is the Machine's own role label; "gpu-worker" also
	// marks a GPU Machine (the guide's MachineSet sets it to worker).
	MachineRoleLabel = "machine.openshift.io/cluster-api-machine-role"
	GPUMachineRole   = "gpu-worker"
)

func gpuAllocatableGate(min int64) readiness.Gate {
	return readiness.Gate{
		Name: GPUAllocatableGate, Constraint: "C6", Layer: "gpu",
		Object:  fmt.Sprintf("Nodes allocatable %d %s", min, GPUResource), // the threshold is part of the fact
		Expect:  fmt.Sprintf("at least %d %s allocatable across the nodes", min, GPUResource),
		Hint:    "check: oc get machinesets,machines -n " + MachineAPINamespace + " -o wide; oc get clusterpolicy " + ClusterPolicyName + " -o jsonpath='{.status.state}'; oc get pods -n " + GPUOperatorNamespace,
		Timeout: GPUAllocatableTimeout,
		Check:   gpuCapacity(min),
	}
}

// gpuCapacity is ready once the nodes together offer min nvidia.com/gpu
// (ClusterPolicy reports ready even with no GPU node). It fails at once when
// a GPU Machine failed (e.g. the zone has no capacity for the instance type):
// the machine API does not retry a failed Machine, so its GPUs never come.
func gpuCapacity(min int64) readiness.Check {
	nodes := readiness.NodesAllocatable(GPUResource, min)
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		st, err := nodes(ctx, c)
		if err != nil || st.Ready {
			return st, err
		}
		machines, err := findGPUMachines(ctx, c)
		if err != nil {
			return st, err
		}
		var failed, pending []string
		for _, m := range machines {
			if msg, ok := machineFailure(m); ok {
				failed = append(failed, msg)
				continue
			}
			phase := kube.String(m, "status", "phase")
			if phase == "" {
				phase = "no phase yet"
			}
			pending = append(pending, fmt.Sprintf("%s (%s)", m.GetName(), phase))
		}
		if len(failed) > 0 {
			return readiness.Failed("%s; %s", strings.Join(failed, "; "), st.Message), nil
		}
		if len(pending) > 0 {
			return readiness.NotYet("%s; GPU Machines: %s", st.Message, strings.Join(pending, ", ")), nil
		}
		return st, nil
	}
}

// findGPUMachines lists the Machines that become GPU nodes, by name. A
// cluster without the Machine API (bare metal UPI) has none.
func findGPUMachines(ctx context.Context, c dynamic.Interface) ([]*unstructured.Unstructured, error) {
	list, err := c.Resource(kube.Machines).Namespace(MachineAPINamespace).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing Machines in %s: %w", MachineAPINamespace, err)
	}
	var out []*unstructured.Unstructured
	for i := range list.Items {
		if isGPUMachine(&list.Items[i]) {
			out = append(out, &list.Items[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out, nil
}

func isGPUMachine(m *unstructured.Unstructured) bool {
	if m.GetLabels()[MachineRoleLabel] == GPUMachineRole {
		return true
	}
	nodeLabels, _, _ := unstructured.NestedStringMap(m.Object, "spec", "metadata", "labels")
	_, ok := nodeLabels[GPUNodeRoleLabel]
	return ok
}

// machineFailure describes a failed Machine in the machine API's words,
// with the zone and instance type to change.
func machineFailure(m *unstructured.Unstructured) (string, bool) {
	reason := kube.String(m, "status", "errorReason")
	msg := kube.String(m, "status", "errorMessage")
	phase := kube.String(m, "status", "phase")
	if reason == "" && msg == "" && phase != "Failed" {
		return "", false
	}
	var where []string
	if zone := kube.String(m, "spec", "providerSpec", "value", "placement", "availabilityZone"); zone != "" {
		where = append(where, "zone "+zone)
	}
	if it := kube.String(m, "spec", "providerSpec", "value", "instanceType"); it != "" {
		where = append(where, "instance type "+it)
	}
	desc := "Machine " + m.GetNamespace() + "/" + m.GetName()
	if len(where) > 0 {
		desc += " (" + strings.Join(where, ", ") + ")"
	}
	detail := strings.Join(nonEmpty(reason, msg), ": ")
	if detail == "" {
		detail = "phase Failed"
	}
	return desc + " failed: " + detail, true
}

func nonEmpty(in ...string) []string {
	var out []string
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
