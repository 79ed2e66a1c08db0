package maas

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func tenantObj(finalizers ...string) *unstructured.Unstructured {
	u := kubetest.Object("maas.opendatahub.io/v1alpha1", "Tenant", TenantNamespace, TenantName, nil)
	u.SetFinalizers(finalizers)
	return u
}

func maasController() *unstructured.Unstructured {
	return kubetest.Object("apps/v1", "Deployment", ApplicationsNamespace, MaaSControllerName, nil)
}

// tracked is a child maas-controller applied for default-tenant.
func tracked(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := kubetest.Object(apiVersion, kind, ns, name, nil)
	u.SetLabels(map[string]string{TenantNameLabel: TenantName, TenantNamespaceLabel: TenantNamespace})
	return u
}

// playMaaSController answers the Removed annotation as
// models-as-a-service@v0.1.1 tenant_reconcile.go does: Ready=False
// ManagementStateIdle and its finalizer dropped. It records every patch of
// the Tenant, to prove this program removes no finalizer.
func playMaaSController(t *testing.T, c *fake.FakeDynamicClient) *[]string {
	t.Helper()
	var patches []string
	c.PrependReactor("patch", "tenants", func(a k8stesting.Action) (bool, runtime.Object, error) {
		patch := string(a.(k8stesting.PatchAction).GetPatch())
		patches = append(patches, patch)
		obj, err := c.Tracker().Get(kube.Tenants, TenantNamespace, TenantName)
		if err != nil {
			return true, nil, err
		}
		u := obj.(*unstructured.Unstructured).DeepCopy()
		if strings.Contains(patch, `"`+ManagementStateAnnotation+`":"Removed"`) {
			u.SetAnnotations(map[string]string{ManagementStateAnnotation: "Removed"})
			u.SetFinalizers(nil)
			u.Object["status"] = map[string]any{"phase": "", "conditions": []any{map[string]any{
				"type": "Ready", "status": "False", "reason": "ManagementStateIdle",
				"message": `management state is "Removed"; platform workloads are not driven by this reconciler in this state`,
			}}}
		}
		return true, u, c.Tracker().Update(kube.Tenants, u, TenantNamespace)
	})
	return &patches
}

func TestRetireTenant(t *testing.T) {
	leftovers := func() []runtime.Object {
		return []runtime.Object{
			tracked("batch/v1", "CronJob", ApplicationsNamespace, "maas-api-key-cleanup"),
			tracked("kuadrant.io/v1alpha1", "TokenRateLimitPolicy", IngressNamespace, "gateway-default-deny"),
			kubetest.Object("batch/v1", "CronJob", ApplicationsNamespace, "someone-elses", nil),
		}
	}
	present := func(t *testing.T, c *fake.FakeDynamicClient, gvr schema.GroupVersionResource, ns, name string) bool {
		t.Helper()
		o, err := kube.Get(context.Background(), c, gvr, ns, name)
		require.NoError(t, err)
		return o != nil
	}
	t.Run("annotates the Tenant Removed, waits until maas-controller is done, deletes what it leaves behind", func(t *testing.T) {
		c := newFake(append(leftovers(), maasController(), tenantObj(TenantFinalizer))...)
		patches := playMaaSController(t, c)
		w, _ := waiter(c)
		require.NoError(t, retireTenant(context.Background(), w, ApplicationsNamespace))
		tenant, err := kube.Get(context.Background(), c, kube.Tenants, TenantNamespace, TenantName)
		require.NoError(t, err)
		require.NotNil(t, tenant, "an idle Tenant stays: a deleted one is re-created within 30 s")
		assert.Equal(t, "Removed", tenant.GetAnnotations()[ManagementStateAnnotation])
		assert.Len(t, *patches, 1)
		assert.NotContains(t, (*patches)[0], "finalizers", "the program strips no finalizer")
		assert.False(t, present(t, c, kube.CronJobs, ApplicationsNamespace, "maas-api-key-cleanup"))
		assert.False(t, present(t, c, kube.TokenRateLimitPolicies, IngressNamespace, "gateway-default-deny"))
		assert.True(t, present(t, c, kube.CronJobs, ApplicationsNamespace, "someone-elses"), "only tracked children go")
	})
	t.Run("times out naming the Tenant's state while maas-controller does not finish", func(t *testing.T) {
		c := newFake(maasController(), tenantObj(TenantFinalizer))
		w, clock := waiter(c)
		start := clock.Now()
		err := retireTenant(context.Background(), w, ApplicationsNamespace)
		require.ErrorIs(t, err, readiness.ErrTimeout)
		assert.Contains(t, err.Error(), "gate tenantRetired")
		assert.Contains(t, err.Error(), "finalizers [maas.opendatahub.io/tenant-finalizer]")
		assert.Equal(t, TenantRemoveTimeout, clock.Now().Sub(start))
	})
	t.Run("a Tenant maas-controller is about to re-create is awaited and annotated", func(t *testing.T) {
		c := newFake(maasController())
		gets := 0
		c.PrependReactor("get", "tenants", func(k8stesting.Action) (bool, runtime.Object, error) {
			if gets++; gets == 3 { // the ensure loop's tick
				require.NoError(t, c.Tracker().Add(tenantObj()))
			}
			return false, nil, nil
		})
		patches := playMaaSController(t, c)
		w, _ := waiter(c)
		require.NoError(t, retireTenant(context.Background(), w, ApplicationsNamespace))
		assert.Len(t, *patches, 1)
	})
	t.Run("nothing runs: only the leftovers are deleted", func(t *testing.T) {
		c := newFake(leftovers()...)
		w, _ := waiter(c)
		require.NoError(t, retireTenant(context.Background(), w, ApplicationsNamespace))
		assert.False(t, present(t, c, kube.CronJobs, ApplicationsNamespace, "maas-api-key-cleanup"))
	})
}

func TestRemoveTenantLeftovers(t *testing.T) {
	generatedNS := func() *unstructured.Unstructured {
		ns := kubetest.Object("v1", "Namespace", "", TenantNamespace, nil)
		ns.SetLabels(map[string]string{"opendatahub.io/generated-namespace": "true", managedByLabel: MaaSControllerName})
		return ns
	}
	gone := func(t *testing.T, c *fake.FakeDynamicClient, gvr schema.GroupVersionResource, ns, name string) bool {
		t.Helper()
		o, err := kube.Get(context.Background(), c, gvr, ns, name)
		require.NoError(t, err)
		return o == nil
	}
	t.Run("once maas-controller is gone, deletes the idle Tenant and the namespace it created", func(t *testing.T) {
		c := newFake(tenantObj(), generatedNS())
		w, _ := waiter(c)
		require.NoError(t, removeTenantLeftovers(context.Background(), w, ApplicationsNamespace))
		assert.True(t, gone(t, c, kube.Tenants, TenantNamespace, TenantName))
		assert.True(t, gone(t, c, kube.Namespaces, "", TenantNamespace))
	})
	t.Run("a namespace maas-controller did not create stays", func(t *testing.T) {
		c := newFake(tenantObj(), kubetest.Object("v1", "Namespace", "", TenantNamespace, nil))
		w, _ := waiter(c)
		require.NoError(t, removeTenantLeftovers(context.Background(), w, ApplicationsNamespace))
		assert.False(t, gone(t, c, kube.Namespaces, "", TenantNamespace))
	})
	t.Run("a Tenant still holding its finalizer fails with what to do, finalizer untouched", func(t *testing.T) {
		c := newFake(tenantObj(TenantFinalizer), generatedNS())
		patched := 0
		c.PrependReactor("patch", "tenants", func(k8stesting.Action) (bool, runtime.Object, error) { patched++; return false, nil, nil })
		w, _ := waiter(c)
		err := removeTenantLeftovers(context.Background(), w, ApplicationsNamespace)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "this program strips no finalizer")
		assert.Contains(t, err.Error(), "-l "+TrackedBy)
		assert.Zero(t, patched)
		assert.False(t, gone(t, c, kube.Tenants, TenantNamespace, TenantName))
		assert.False(t, gone(t, c, kube.Namespaces, "", TenantNamespace), "nothing removed around a Tenant that still holds its platform")
	})
	t.Run("waits for maas-controller to go first", func(t *testing.T) {
		c := newFake(maasController(), tenantObj())
		w, _ := waiter(c)
		err := removeTenantLeftovers(context.Background(), w, ApplicationsNamespace)
		require.ErrorIs(t, err, readiness.ErrTimeout)
		assert.Contains(t, err.Error(), "gate maasControllerGone")
		assert.False(t, gone(t, c, kube.Tenants, TenantNamespace, TenantName), "never touched while its controller may still run")
	})
}
