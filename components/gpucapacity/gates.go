package gpucapacity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Gate names and budgets.
const (
	MachinesProvisionedGate = "machinesProvisioned"
	// MachineSetTimeout is the EC2 node budget: an instance takes 5–15 min
	// to boot and join (alpha-hack-program/llm-d-guide@1f391b7 RATIONALE.md
	// phase 2). Used by the MachineSet waitFor and by the gate.
	MachineSetTimeout = 20 * time.Minute
)

// capacityErrors are the EC2 RunInstances error codes that the AWS machine
// controller reports only in the Machine's MachineCreation condition (EC2
// answers them with a 5xx, so the Machine is retried, never Failed) and that
// do not clear by themselves within the gate's budget.
var capacityErrors = []string{
	"InsufficientInstanceCapacity",
	"InsufficientHostCapacity",
	"InsufficientReservedInstanceCapacity",
}

// machinesProvisionedGate proves that every GPU MachineSet has its Machines
// Running with a Node (C6), and fails at once with the Machine's own error.
func machinesProvisionedGate(infraID string, choices []ZoneChoice, replicas int) readiness.Gate {
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = c.MachineSet
	}
	return readiness.Gate{
		Name:       MachinesProvisionedGate,
		Constraint: "C6",
		Layer:      "gpucapacity",
		Object:     "Machines of " + strings.Join(names, " "),
		Expect:     fmt.Sprintf("%d Machine(s) per GPU MachineSet in phase Running with a nodeRef", replicas),
		Hint: fmt.Sprintf("check: oc get machines -n %s -l %s=%s -o wide; oc describe machine <name> -n %s",
			MachineAPINamespace, ClusterLabel, infraID, MachineAPINamespace),
		Timeout: MachineSetTimeout,
		Check:   machinesProvisioned(choices, replicas),
	}
}

// machinesProvisioned lists each MachineSet's Machines (by the
// cluster-api-machineset label). Terminal as soon as one Machine failed;
// ready when each MachineSet has at least `replicas` Machines, all Running
// with a nodeRef.
func machinesProvisioned(choices []ZoneChoice, replicas int) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		var pending []string
		for _, ch := range choices {
			selector := MachineSetLabel + "=" + ch.MachineSet
			list, err := c.Resource(kube.Machines).Namespace(MachineAPINamespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
			if err != nil {
				return readiness.NotYet("listing Machines with label %s", selector), err
			}
			running, live := 0, 0
			for i := range list.Items {
				m := &list.Items[i]
				if m.GetDeletionTimestamp() != nil {
					continue // being replaced; the MachineSet creates another
				}
				live++
				if why, failed := machineFailure(m); failed {
					return readiness.Failed("Machine %s/%s (MachineSet %s, zone %s, instance type %s) failed: %s; "+
						"EC2 cannot provide %s in %s now: run pulumi up again later, or put another type first in gpu.instanceTypes "+
						"(a fallback type is used only in zones that do not offer the types before it) or leave %s out of the zones, "+
						"then delete Machine %s so the MachineSet recreates it",
						MachineAPINamespace, m.GetName(), ch.MachineSet, ch.Zone, ch.InstanceType, why,
						ch.InstanceType, ch.Zone, ch.Zone, m.GetName()), nil
				}
				phase := kube.String(m, "status", "phase")
				node := kube.String(m, "status", "nodeRef", "name")
				if phase == "Running" && node != "" {
					running++
					continue
				}
				if phase == "" {
					phase = "unset"
				}
				pending = append(pending, fmt.Sprintf("Machine %s phase %s%s", m.GetName(), phase, nodeNote(node)))
			}
			if live < replicas {
				pending = append(pending, fmt.Sprintf("MachineSet %s has %d of %d Machines", ch.MachineSet, live, replicas))
			}
		}
		if len(pending) > 0 {
			return readiness.NotYet("%s", strings.Join(pending, "; ")), nil
		}
		return readiness.Ready(fmt.Sprintf("%d GPU MachineSet(s) with %d Running Machine(s) each", len(choices), replicas)), nil
	}
}

func nodeNote(node string) string {
	if node == "" {
		return " (no node yet)"
	}
	return " (node " + node + ")"
}

// machineFailure reports the Machine's own error: errorReason/errorMessage or
// phase Failed (the controller gave up, e.g. an unsupported instance type,
// EC2 4xx), or a capacity error in the AWS provider's MachineCreation
// condition (the controller retries, but fail-fast is the point).
func machineFailure(m *unstructured.Unstructured) (string, bool) {
	reason := kube.String(m, "status", "errorReason")
	msg := kube.String(m, "status", "errorMessage")
	phase := kube.String(m, "status", "phase")
	if reason != "" || msg != "" || phase == "Failed" {
		return strings.TrimSpace(fmt.Sprintf("phase %s %s %s", orUnset(phase), reason, msg)), true
	}
	conds, _, _ := unstructured.NestedSlice(m.Object, "status", "providerStatus", "conditions")
	for _, raw := range conds {
		cond, ok := raw.(map[string]any)
		if !ok || cond["type"] != "MachineCreation" || cond["status"] != "False" {
			continue
		}
		text, _ := cond["message"].(string)
		if slices.ContainsFunc(capacityErrors, func(code string) bool { return strings.Contains(text, code) }) {
			reason, _ := cond["reason"].(string)
			return fmt.Sprintf("MachineCreation=False (%s): %s", reason, text), true
		}
	}
	return "", false
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}
