package maas

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Teardown of what maas-controller made (docs/decisions.md "MaaS teardown"),
// the way models-as-a-service@v0.1.1 maas-controller offers, with no
// finalizer ever removed by this program:
//
//  1. Before the MaaS enable patch is relinquished (maas-controller still
//     runs), the Tenant is annotated component.opendatahub.io/management-state:
//     Removed. maas-controller then deletes the platform it applied, tracked
//     by labels in the applications and gateway namespaces and cluster-wide
//     (tenant_finalize.go), drops its finalizer and leaves the Tenant idle,
//     which its 30 s ensure loop does not re-create: it re-creates only a
//     missing Tenant (tenant_reconcile.go handleIdleManagementState,
//     cmd/manager/main.go ensureDefaultTenantRunnable). Deleting the Tenant
//     instead would have it re-created and the platform re-applied.
//  2. Two children carry the tracking labels but are missing from its
//     cleanup lists (tenant_finalize.go): CronJob maas-api-key-cleanup and
//     TokenRateLimitPolicy gateway-default-deny. They are deleted by label.
//  3. After the patch is relinquished, opendatahub-operator removes
//     maas-controller; then the idle Tenant and the namespace maas-controller
//     created for it (it re-creates it every 30 s while it runs) are deleted.
//
// Step 1 and 2 are a BeforeDelete hook: if they fail, the patch stays in the
// state and the next destroy runs them again. Step 3 is an AfterDelete hook.
// Both run on `pulumi destroy --run-program` (or through the Automation API).

// Names of the upstream contract the teardown relies on.
const (
	ManagementStateAnnotation = "component.opendatahub.io/management-state"
	TenantFinalizer           = "maas.opendatahub.io/tenant-finalizer"
	TenantNameLabel           = "maas.opendatahub.io/tenant-name"
	TenantNamespaceLabel      = "maas.opendatahub.io/tenant-namespace"
	idleReason                = "ManagementStateIdle"
	managedByLabel            = "app.kubernetes.io/managed-by"
)

// Gate names of the teardown waits.
const (
	TenantRetiredGate      = "tenantRetired"
	MaaSControllerGoneGate = "maasControllerGone"
	TenantGoneGate         = "tenantGone"
	TenantNamespaceGone    = "tenantNamespaceGone"
)

// TrackedBy selects the children maas-controller applied for default-tenant.
var TrackedBy = TenantNameLabel + "=" + TenantName + "," + TenantNamespaceLabel + "=" + TenantNamespace

// orphanedChild is a tracked kind maas-controller's cleanup skips, in the
// namespace it lives in.
type orphanedChild struct {
	gvr      schema.GroupVersionResource
	kind, ns string
	upstream string // the object upstream's manifests create
}

func orphanedChildren(appsNS string) []orphanedChild {
	return []orphanedChild{
		{kube.CronJobs, "CronJob", appsNS, "maas-api-key-cleanup"},
		{kube.TokenRateLimitPolicies, "TokenRateLimitPolicy", IngressNamespace, "gateway-default-deny"},
	}
}

// retireTenant is step 1 and 2.
func retireTenant(ctx context.Context, w *readiness.Waiter, appsNS string) error {
	c, err := w.Client()
	if err != nil {
		return fmt.Errorf("maas: connecting to retire Tenant %s/%s: %w", TenantNamespace, TenantName, err)
	}
	controller, err := kube.Get(ctx, c, kube.Deployments, appsNS, MaaSControllerName)
	if err != nil {
		return fmt.Errorf("maas: reading Deployment %s/%s: %w", appsNS, MaaSControllerName, err)
	}
	tenant, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
	if err != nil {
		return fmt.Errorf("maas: reading Tenant %s/%s: %w", TenantNamespace, TenantName, err)
	}
	if tenant == nil && controller == nil {
		return deleteOrphanedChildren(ctx, c, appsNS) // nothing runs that could apply or clean up
	}
	if tenant == nil {
		// maas-controller re-creates a missing Tenant within 30 s and applies
		// the platform for it: annotate that one.
		if err := w.Wait(ctx, existsGate(TenantExistsGate, "C14", kube.Tenants, "Tenant", TenantNamespace, TenantName,
			"maas-controller re-creates it every 30 s while it runs")); err != nil {
			return fmt.Errorf("maas: teardown: %w", err)
		}
	}
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"Removed"}}}`, ManagementStateAnnotation)
	if _, err := c.Resource(kube.Tenants).Namespace(TenantNamespace).Patch(ctx, TenantName, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("maas: annotating Tenant %s/%s %s=Removed: %w", TenantNamespace, TenantName, ManagementStateAnnotation, err)
	}
	if err := w.Wait(ctx, tenantRetiredGate(appsNS)); err != nil {
		return fmt.Errorf("maas: teardown: %w", err)
	}
	return deleteOrphanedChildren(ctx, c, appsNS)
}

func tenantRetiredGate(appsNS string) readiness.Gate {
	return readiness.Gate{
		Name: TenantRetiredGate, Constraint: "teardown", Layer: layer,
		Object:  "Tenant " + TenantNamespace + "/" + TenantName,
		Expect:  "maas-controller to remove the platform it applied and its finalizer (management-state Removed)",
		Hint:    fmt.Sprintf("check: oc get tenant %s -n %s -o jsonpath='{.status}'; oc logs -n %s deploy/%s; oc get all -A -l %s", TenantName, TenantNamespace, appsNS, MaaSControllerName, TrackedBy),
		Timeout: TenantRemoveTimeout,
		Check:   TenantRetired,
	}
}

// TenantRetired is ready once maas-controller has processed the Removed
// annotation: Ready=False reason ManagementStateIdle and its finalizer gone
// (it requeues every 5 s while children are still terminating).
func TenantRetired(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
	t, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
	if err != nil || t == nil {
		return readiness.NotYet("Tenant %s/%s not found", TenantNamespace, TenantName), err
	}
	cond, _ := kube.FindCondition(t, "Ready")
	if cond.Reason == idleReason && !slices.Contains(t.GetFinalizers(), TenantFinalizer) {
		return readiness.Ready(fmt.Sprintf("Tenant %s/%s idle, its platform removed", TenantNamespace, TenantName)), nil
	}
	return readiness.NotYet("Tenant %s/%s Ready=%s (%s): %s; finalizers %v", TenantNamespace, TenantName, cond.Status, cond.Reason, cond.Message, t.GetFinalizers()), nil
}

// deleteOrphanedChildren is step 2. A kind whose API is not served (no
// Kuadrant) has nothing to delete.
func deleteOrphanedChildren(ctx context.Context, c dynamic.Interface, appsNS string) error {
	for _, o := range orphanedChildren(appsNS) {
		r := c.Resource(o.gvr).Namespace(o.ns)
		list, err := r.List(ctx, metav1.ListOptions{LabelSelector: TrackedBy})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("maas: listing the %ss maas-controller leaves behind (%s) in %s by %s: %w", o.kind, o.upstream, o.ns, TrackedBy, err)
		}
		for _, item := range list.Items {
			if err := deleteIgnoringMissing(ctx, r, item.GetName()); err != nil {
				return fmt.Errorf("maas: deleting %s %s/%s, which maas-controller leaves behind: %w", o.kind, o.ns, item.GetName(), err)
			}
		}
	}
	return nil
}

// removeTenantLeftovers is step 3.
func removeTenantLeftovers(ctx context.Context, w *readiness.Waiter, appsNS string) error {
	c, err := w.Client()
	if err != nil {
		return fmt.Errorf("maas: connecting to remove the Tenant: %w", err)
	}
	if err := w.Wait(ctx, goneGate(MaaSControllerGoneGate, kube.Deployments, "Deployment", appsNS, MaaSControllerName,
		"opendatahub-operator removes it once modelsAsService is Removed: check oc get datasciencecluster -o jsonpath='{.items[0].status.conditions}'")); err != nil {
		return fmt.Errorf("maas: teardown: %w", err)
	}
	tenant, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
	if err != nil {
		return fmt.Errorf("maas: reading Tenant %s/%s: %w", TenantNamespace, TenantName, err)
	}
	if tenant != nil {
		if fs := tenant.GetFinalizers(); len(fs) > 0 {
			// Only maas-controller may release it: its cleanup did not run.
			return fmt.Errorf("maas: Tenant %s/%s still has finalizers %v and maas-controller is gone, so its platform was not removed; "+
				"this program strips no finalizer: delete what `oc get all,authpolicy,tokenratelimitpolicy,destinationrule,envoyfilter,clusterrole,clusterrolebinding -A -l %s` lists, then `oc patch tenant %s -n %s --type merge -p '{\"metadata\":{\"finalizers\":null}}'` and run destroy again",
				TenantNamespace, TenantName, fs, TrackedBy, TenantName, TenantNamespace)
		}
		if err := deleteIgnoringMissing(ctx, c.Resource(kube.Tenants).Namespace(TenantNamespace), TenantName); err != nil {
			return fmt.Errorf("maas: deleting Tenant %s/%s: %w", TenantNamespace, TenantName, err)
		}
		if err := w.Wait(ctx, goneGate(TenantGoneGate, kube.Tenants, "Tenant", TenantNamespace, TenantName, "")); err != nil {
			return fmt.Errorf("maas: teardown: %w", err)
		}
	}
	return removeTenantNamespace(ctx, c, w)
}

// removeTenantNamespace deletes models-as-a-service if maas-controller
// created it (managed-by label); a namespace the user made stays.
func removeTenantNamespace(ctx context.Context, c dynamic.Interface, w *readiness.Waiter) error {
	ns, err := kube.Get(ctx, c, kube.Namespaces, "", TenantNamespace)
	if err != nil || ns == nil || ns.GetLabels()[managedByLabel] != MaaSControllerName {
		return err
	}
	if err := deleteIgnoringMissing(ctx, c.Resource(kube.Namespaces), TenantNamespace); err != nil {
		return fmt.Errorf("maas: deleting Namespace %s (created by maas-controller): %w", TenantNamespace, err)
	}
	if err := w.Wait(ctx, goneGate(TenantNamespaceGone, kube.Namespaces, "Namespace", "", TenantNamespace,
		"check: oc get namespace "+TenantNamespace+" -o jsonpath='{.status.conditions}'")); err != nil {
		return fmt.Errorf("maas: teardown: %w", err)
	}
	return nil
}

func goneGate(name string, gvr schema.GroupVersionResource, kind, ns, obj, hint string) readiness.Gate {
	return readiness.Gate{
		Name: name, Constraint: "teardown", Layer: layer,
		Object:  strings.TrimSpace(kind + " " + strings.TrimPrefix(ns+"/"+obj, "/")),
		Expect:  "it to be deleted",
		Hint:    hint,
		Timeout: TenantRemoveTimeout,
		Check:   readiness.Gone(gvr, kind, ns, obj),
	}
}

func deleteIgnoringMissing(ctx context.Context, r dynamic.ResourceInterface, name string) error {
	if err := r.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}
