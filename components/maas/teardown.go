package maas

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Teardown of what maas-controller made for us (docs/decisions.md "MaaS teardown"): the
// Tenant and its namespace have no owner, and `modelsAsService: Removed`
// deletes neither. Destroy therefore (1) deletes default-tenant after the Tenant
// patch is relinquished and waits until its finalizer has run, while
// maas-controller still runs; (2) after the enable patch is relinquished,
// waits for maas-controller to be gone and deletes a Tenant it re-created in
// the meantime, removing its finalizer (no controller is left to do it; the
// last resort). These are AfterDelete hooks: they run on
// `pulumi destroy --run-program` (or a destroy through the Automation API).

type sleeper interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func pacing(w *readiness.Waiter) (sleeper, time.Duration) {
	var clock sleeper = wallClock{}
	if w.Clock != nil {
		clock = w.Clock
	}
	pause := w.Interval
	if pause <= 0 {
		pause = 2 * time.Second
	}
	return clock, pause
}

// waitGone polls until the object is NotFound or the budget runs out.
func waitGone(ctx context.Context, w *readiness.Waiter, read func() (bool, error), what string, budget time.Duration) error {
	clock, pause := pacing(w)
	deadline := clock.Now().Add(budget)
	for {
		present, err := read()
		if err != nil {
			return fmt.Errorf("maas: waiting for %s to go: %w", what, err)
		}
		if !present {
			return nil
		}
		if !clock.Now().Before(deadline) {
			return fmt.Errorf("maas: %s still present after %s: %w", what, budget, readiness.ErrTimeout)
		}
		if err := clock.Sleep(ctx, pause); err != nil {
			return err
		}
	}
}

func deleteTenant(ctx context.Context, c dynamic.Interface) error {
	err := c.Resource(kube.Tenants).Namespace(TenantNamespace).Delete(ctx, TenantName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("maas: deleting Tenant %s/%s: %w", TenantNamespace, TenantName, err)
	}
	return nil
}

func tenantPresent(ctx context.Context, c dynamic.Interface) func() (bool, error) {
	return func() (bool, error) {
		obj, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
		return obj != nil, err
	}
}

// tenantPresentUID is tenantPresent for the Tenant with uid only: one that
// maas-controller re-created after the delete (another UID) does not count.
func tenantPresentUID(ctx context.Context, c dynamic.Interface, uid types.UID) func() (bool, error) {
	return func() (bool, error) {
		obj, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
		return obj != nil && (uid == "" || obj.GetUID() == uid), err
	}
}

// removeTenant deletes default-tenant and waits for maas-controller to run its
// finalizer, while the controller still runs. It waits for the Tenant it
// deleted: a running maas-controller re-creates default-tenant whenever it
// is missing (often within a poll interval), and that one is removed by
// removeRecreatedTenant once the controller is gone.
func removeTenant(ctx context.Context, w *readiness.Waiter) error {
	c, err := w.Client()
	if err != nil {
		return fmt.Errorf("maas: connecting to remove Tenant %s/%s: %w", TenantNamespace, TenantName, err)
	}
	obj, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
	if err != nil {
		return fmt.Errorf("maas: reading Tenant %s/%s: %w", TenantNamespace, TenantName, err)
	}
	if obj == nil {
		return nil
	}
	if err := deleteTenant(ctx, c); err != nil {
		return err
	}
	return waitGone(ctx, w, tenantPresentUID(ctx, c, obj.GetUID()), "Tenant "+TenantNamespace+"/"+TenantName+
		" (its finalizer needs maas-controller in "+ApplicationsNamespace+")", TenantRemoveTimeout)
}

// removeRecreatedTenant runs once MaaS is Removed: when maas-controller is
// gone, a Tenant it re-created in between is deleted and, with no controller
// left to clear it, its finalizer removed.
func removeRecreatedTenant(ctx context.Context, w *readiness.Waiter, appsNS string) error {
	c, err := w.Client()
	if err != nil {
		return fmt.Errorf("maas: connecting to check for a re-created Tenant: %w", err)
	}
	controller := func() (bool, error) {
		obj, err := kube.Get(ctx, c, kube.Deployments, appsNS, MaaSControllerName)
		return obj != nil, err
	}
	if err := waitGone(ctx, w, controller, "Deployment "+appsNS+"/"+MaaSControllerName+" (after modelsAsService Removed)", TenantRemoveTimeout); err != nil {
		return err
	}
	obj, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName)
	if err != nil || obj == nil {
		return err
	}
	if err := deleteTenant(ctx, c); err != nil {
		return err
	}
	if len(obj.GetFinalizers()) > 0 {
		patch := []byte(`{"metadata":{"finalizers":null}}`)
		_, err := c.Resource(kube.Tenants).Namespace(TenantNamespace).Patch(ctx, TenantName, types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("maas: removing the finalizers %v of Tenant %s/%s (maas-controller is gone): %w", obj.GetFinalizers(), TenantNamespace, TenantName, err)
		}
	}
	return waitGone(ctx, w, tenantPresent(ctx, c), "Tenant "+TenantNamespace+"/"+TenantName, TenantRemoveTimeout)
}
