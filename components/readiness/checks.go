package readiness

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/internal/kube"
)

func key(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// CSVSucceeded follows Subscription.status.installedCSV to the CSV and waits
// for phase Succeeded; phase Failed is terminal with the CSV's own message (C1).
// With pinnedCSV set and Manual approval, it first approves the one
// InstallPlan whose CSV list contains the pin, never any other plan.
func CSVSucceeded(namespace, subscription, pinnedCSV string) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		sub, err := kube.Get(ctx, c, kube.Subscriptions, namespace, subscription)
		if err != nil || sub == nil {
			return NotYet("Subscription %s not found", key(namespace, subscription)), err
		}
		if pinnedCSV != "" && kube.String(sub, "spec", "installPlanApproval") == "Manual" {
			st, err := approvePinnedPlan(ctx, c, namespace, pinnedCSV)
			if err != nil || !st.Ready {
				return st, err
			}
		}
		csvName := kube.String(sub, "status", "installedCSV")
		if csvName == "" {
			if cond, ok := kube.FindCondition(sub, "ResolutionFailed"); ok && cond.Status == "True" {
				return NotYet("Subscription %s: resolution failed: %s", key(namespace, subscription), cond.Message), nil
			}
			return NotYet("Subscription %s has no installedCSV yet (state %q)", key(namespace, subscription), kube.String(sub, "status", "state")), nil
		}
		if pinnedCSV != "" && csvName != pinnedCSV && kube.String(sub, "spec", "installPlanApproval") == "Manual" {
			return Failed("Subscription %s installed %s, not the pinned %s", key(namespace, subscription), csvName, pinnedCSV), nil
		}
		csv, err := kube.Get(ctx, c, kube.CSVs, namespace, csvName)
		if err != nil || csv == nil {
			return NotYet("CSV %s not found yet", key(namespace, csvName)), err
		}
		phase := kube.String(csv, "status", "phase")
		msg := kube.String(csv, "status", "message")
		switch phase {
		case "Succeeded":
			return Ready("CSV " + csvName + " Succeeded"), nil
		case "Failed":
			return Failed("CSV %s phase Failed (%s): %s", key(namespace, csvName), kube.String(csv, "status", "reason"), msg), nil
		default:
			return NotYet("CSV %s phase %q: %s", key(namespace, csvName), phase, msg), nil
		}
	}
}

// approvePinnedPlan approves only the InstallPlan listing the pinned CSV.
func approvePinnedPlan(ctx context.Context, c dynamic.Interface, namespace, pinnedCSV string) (Status, error) {
	plans, err := c.Resource(kube.InstallPlans).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return NotYet("listing InstallPlans in %s", namespace), err
	}
	var others []string
	for _, p := range plans.Items {
		names, _, _ := unstructured.NestedStringSlice(p.Object, "spec", "clusterServiceVersionNames")
		if !slices.Contains(names, pinnedCSV) {
			others = append(others, fmt.Sprintf("%s %v", p.GetName(), names))
			continue
		}
		if approved, _, _ := unstructured.NestedBool(p.Object, "spec", "approved"); approved {
			return Ready("InstallPlan " + p.GetName() + " approved"), nil
		}
		patch := []byte(`{"spec":{"approved":true}}`)
		if _, err := c.Resource(kube.InstallPlans).Namespace(namespace).Patch(ctx, p.GetName(), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return NotYet("approving InstallPlan %s", key(namespace, p.GetName())), err
		}
		return Ready("approved InstallPlan " + p.GetName() + " for " + pinnedCSV), nil
	}
	if len(others) > 0 {
		return NotYet("no InstallPlan in %s lists %s (left unapproved: %s)", namespace, pinnedCSV, strings.Join(others, ", ")), nil
	}
	return NotYet("no InstallPlan in %s yet", namespace), nil
}

// CRDEstablished waits for a CRD (often registered by OLM, never by us) to be
// Established; NamesAccepted=False is terminal.
func CRDEstablished(name string) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		crd, err := kube.Get(ctx, c, kube.CRDs, "", name)
		if err != nil || crd == nil {
			return NotYet("CRD %s not registered yet", name), err
		}
		if cond, ok := kube.FindCondition(crd, "NamesAccepted"); ok && cond.Status == "False" {
			return Failed("CRD %s NamesAccepted=False (%s): %s", name, cond.Reason, cond.Message), nil
		}
		if cond, ok := kube.FindCondition(crd, "Established"); ok && cond.Status == "True" {
			return Ready("CRD " + name + " Established"), nil
		}
		return NotYet("CRD %s not Established yet", name), nil
	}
}

// Exists waits for an object that an operator creates (never point a Patch
// at an object that may not exist yet: the Patch would create it).
func Exists(gvr schema.GroupVersionResource, kind, ns, name string) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		obj, err := kube.Get(ctx, c, gvr, ns, name)
		if err != nil || obj == nil {
			return NotYet("%s %s not created yet", kind, key(ns, name)), err
		}
		return Ready(kind + " " + key(ns, name) + " exists"), nil
	}
}

// ConditionTrue waits for status.conditions[type].status == True. When
// failReason is non-empty, a False condition with one of those reasons is
// terminal; otherwise False means not yet.
func ConditionTrue(gvr schema.GroupVersionResource, kind, ns, name, condType string, failReasons ...string) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		obj, err := kube.Get(ctx, c, gvr, ns, name)
		if err != nil || obj == nil {
			return NotYet("%s %s not found", kind, key(ns, name)), err
		}
		cond, ok := kube.FindCondition(obj, condType)
		if !ok {
			return NotYet("%s %s has no %s condition yet", kind, key(ns, name), condType), nil
		}
		if cond.Status == "True" {
			return Ready(fmt.Sprintf("%s %s %s=True", kind, key(ns, name), condType)), nil
		}
		if cond.Status == "False" && slices.Contains(failReasons, cond.Reason) {
			return Failed("%s %s %s=False (%s): %s", kind, key(ns, name), condType, cond.Reason, cond.Message), nil
		}
		return NotYet("%s %s %s=%s (%s): %s", kind, key(ns, name), condType, cond.Status, cond.Reason, cond.Message), nil
	}
}

// DeploymentAvailable waits for an operator-created Deployment to be Available.
func DeploymentAvailable(ns, name string) Check {
	return ConditionTrue(kube.Deployments, "Deployment", ns, name, "Available")
}

// All passes when every check passes, reporting the first that does not.
func All(checks ...Check) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		var msgs []string
		for _, chk := range checks {
			st, err := chk(ctx, c)
			if err != nil || !st.Ready {
				return st, err
			}
			msgs = append(msgs, st.Message)
		}
		return Ready(strings.Join(msgs, "; ")), nil
	}
}

// NodesAllocatable waits until the nodes together offer at least min of an
// extended resource (C6: nvidia.com/gpu; ClusterPolicy reports ready even with
// no GPU node, so only allocatable capacity proves it).
func NodesAllocatable(resourceName string, min int64) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		nodes, err := c.Resource(kube.Nodes).List(ctx, metav1.ListOptions{})
		if err != nil {
			return NotYet("listing nodes"), err
		}
		var total int64
		var with []string
		for _, n := range nodes.Items {
			v, _, _ := unstructured.NestedString(n.Object, "status", "allocatable", resourceName)
			if v == "" {
				continue
			}
			q, err := resource.ParseQuantity(v)
			if err != nil || q.IsZero() {
				continue
			}
			total += q.Value()
			with = append(with, n.GetName())
		}
		if total >= min {
			return Ready(fmt.Sprintf("%d %s allocatable on %s", total, resourceName, strings.Join(with, ", "))), nil
		}
		return NotYet("%d of %d %s allocatable across %d nodes", total, min, resourceName, len(nodes.Items)), nil
	}
}
