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

// csvNoRetry are the CSV phase-Failed reasons OLM never leaves without a
// change to RBAC, the bundle or a conflicting CSV: every other Failed CSV is
// re-evaluated on each sync and goes back to Pending or straight to
// Succeeded (operator-framework/operator-framework-olm@release-4.21
// staging/operator-lifecycle-manager/pkg/controller/operators/olm/operator.go
// transitionCSVState, case CSVPhaseFailed; only InstallComponentFailedNoRetry
// is skipped outright). A slow image pull (InstallCheckFailed "install
// timeout") therefore keeps the gate waiting, not failing.
//
// The OperatorGroup reasons are re-checked on every sync but clear only when
// the namespace's OperatorGroups change (a second one removed, the install
// mode fixed): the program created the group before the Subscription, so
// waiting cannot help.
var csvNoRetry = []string{"InstallComponentFailedNoRetry", "InvalidInstallStrategy", "InvalidInstallModes", "InvalidWebhookDescription", "OwnerConflict",
	"NoOperatorGroup", "TooManyOperatorGroups", "UnsupportedOperatorGroup", "NoTargetNamespaces", "InterOperatorGroupOwnerConflict", "CannotModifyStaticOperatorGroupProvidedAPIs"}

// CSVSucceeded follows Subscription.status.installedCSV to the CSV and waits
// for phase Succeeded (C1). With pinnedCSV set and Manual approval it first
// approves the one InstallPlan whose CSV list contains the pin, never another.
// Terminal, with OLM's own message: an InstallPlan in phase Failed (OLM does
// not retry it: "Complete and Failed are terminal phases", catalog
// operator.go syncInstallPlans; the Subscription then shows InstallPlanFailed),
// BundleUnpackFailed, and a Failed CSV with a reason OLM does not retry.
// ResolutionFailed and unhealthy catalogs are reported while waiting: OLM
// resolves again when a catalog, Subscription or OperatorGroup changes and
// every 15 min (catalog operator.go syncResolvingNamespace).
func CSVSucceeded(namespace, subscription, pinnedCSV string) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		sub, err := kube.Get(ctx, c, kube.Subscriptions, namespace, subscription)
		if err != nil || sub == nil {
			return NotYet("Subscription %s not found", key(namespace, subscription)), err
		}
		subKey := key(namespace, subscription)
		// The failed plan decides: once it is deleted (the retry lever) OLM
		// clears installPlanRef and resolves again (OLM
		// catalog/subscription/state.go InstallPlanNotFound), but the
		// Subscription keeps InstallPlanFailed until the new plan runs.
		planGone := false
		if plan := kube.String(sub, "status", "installPlanRef", "name"); plan != "" {
			ip, err := kube.Get(ctx, c, kube.InstallPlans, namespace, plan)
			if err != nil {
				return NotYet("reading InstallPlan %s", key(namespace, plan)), err
			}
			planGone = ip == nil
			if ip != nil && kube.String(ip, "status", "phase") == "Failed" {
				msg := kube.String(ip, "status", "message")
				if cond, ok := kube.FindCondition(ip, "Installed"); ok && cond.Message != "" {
					msg = cond.Message
				}
				return Failed("InstallPlan %s phase Failed: %s (OLM does not retry a failed plan: delete it, oc delete installplan %s -n %s, and it resolves again)", key(namespace, plan), msg, plan, namespace), nil
			}
		}
		if st, terminal := subscriptionFailed(sub, subKey); terminal {
			if planGone {
				return NotYet("Subscription %s: its failed InstallPlan was deleted, OLM resolves again (%s)", subKey, st.Message), nil
			}
			return st, nil
		}
		if pinnedCSV != "" && kube.String(sub, "spec", "installPlanApproval") == "Manual" {
			st, err := approvePinnedPlan(ctx, c, namespace, pinnedCSV)
			if err != nil || !st.Ready {
				return st, err
			}
		}
		csvName := kube.String(sub, "status", "installedCSV")
		if csvName == "" {
			return NotYet("Subscription %s has no installedCSV yet (state %q)%s", subKey, kube.String(sub, "status", "state"), subscriptionTrouble(sub)), nil
		}
		if pinnedCSV != "" && csvName != pinnedCSV && kube.String(sub, "spec", "installPlanApproval") == "Manual" {
			return Failed("Subscription %s installed %s, not the pinned %s", subKey, csvName, pinnedCSV), nil
		}
		csv, err := kube.Get(ctx, c, kube.CSVs, namespace, csvName)
		if err != nil || csv == nil {
			return NotYet("CSV %s not found yet", key(namespace, csvName)), err
		}
		phase, reason, msg := kube.String(csv, "status", "phase"), kube.String(csv, "status", "reason"), kube.String(csv, "status", "message")
		switch {
		case phase == "Succeeded":
			return Ready("CSV " + csvName + " Succeeded"), nil
		case phase == "Failed" && slices.Contains(csvNoRetry, reason):
			return Failed("CSV %s phase Failed (%s): %s (waiting cannot clear this reason)", key(namespace, csvName), reason, msg), nil
		case phase == "Failed":
			return NotYet("CSV %s phase Failed (%s): %s; OLM re-checks it", key(namespace, csvName), reason, msg), nil
		default:
			return NotYet("CSV %s phase %q (%s): %s", key(namespace, csvName), phase, reason, msg), nil
		}
	}
}

// subscriptionFailed: the Subscription conditions OLM does not clear by
// itself (operator-framework/api@v0.36.0 pkg/operators/v1alpha1/subscription_types.go;
// olm subscription/state.go CheckInstallPlanStatus, catalog operator.go).
func subscriptionFailed(sub *unstructured.Unstructured, subKey string) (Status, bool) {
	for _, t := range []string{"InstallPlanFailed", "BundleUnpackFailed"} {
		if cond, ok := kube.FindCondition(sub, t); ok && cond.Status == "True" {
			return Failed("Subscription %s %s (%s): %s", subKey, t, cond.Reason, cond.Message), true
		}
	}
	return Status{}, false
}

// subscriptionTrouble describes the conditions OLM is still working on.
func subscriptionTrouble(sub *unstructured.Unstructured) string {
	var parts []string
	for _, t := range []string{"ResolutionFailed", "CatalogSourcesUnhealthy", "InstallPlanPending", "BundleUnpacking"} {
		if cond, ok := kube.FindCondition(sub, t); ok && cond.Status == "True" {
			parts = append(parts, fmt.Sprintf("%s (%s): %s", t, cond.Reason, cond.Message))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
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

// Gone waits for an object to be deleted (its finalizers run by its
// controller); what holds it is reported.
func Gone(gvr schema.GroupVersionResource, kind, ns, name string) Check {
	return func(ctx context.Context, c dynamic.Interface) (Status, error) {
		obj, err := kube.Get(ctx, c, gvr, ns, name)
		switch {
		case err != nil:
			return NotYet("reading %s %s", kind, key(ns, name)), err
		case obj == nil:
			return Ready(kind + " " + key(ns, name) + " is gone"), nil
		case obj.GetDeletionTimestamp() != nil:
			return NotYet("%s %s is being deleted, finalizers %v", kind, key(ns, name), obj.GetFinalizers()), nil
		}
		return NotYet("%s %s still exists", kind, key(ns, name)), nil
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
