package ocpsim

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

// NewFakeClient returns a dynamic fake that behaves enough like a real API
// server for the simulator and the program's gates: every resource the
// simulator knows can be listed; objects get a uid, creationTimestamp,
// generation (bumped on spec changes) and resourceVersion (stale writes
// fail with Conflict); status is written only through /status where a
// status subresource exists; delete of an object with finalizers sets
// deletionTimestamp and the object goes once its last finalizer is
// removed; pods/binding sets spec.nodeName; a SelfSubjectAccessReview is
// allowed. There is no garbage collector and no namespace controller: use
// Options.Standalone with it.
func NewFakeClient(objs ...runtime.Object) *fake.FakeDynamicClient {
	lists := map[schema.GroupVersionResource]string{}
	for _, c := range allCRDs() {
		for _, v := range c.Versions {
			lists[schema.GroupVersionResource{Group: c.Group, Version: v, Resource: c.Plural}] = c.Kind + "List"
		}
	}
	for g, kind := range map[schema.GroupVersionResource]string{
		gvrCRDs: "CustomResourceDefinitionList", gvrNamespaces: "NamespaceList", gvrNodes: "NodeList", gvrPods: "PodList",
		gvrServices: "ServiceList", gvrSecrets: "SecretList", gvrConfigMaps: "ConfigMapList", gvrPVCs: "PersistentVolumeClaimList",
		gvrPVs: "PersistentVolumeList", gvrDeployments: "DeploymentList", gvrStorageClasses: "StorageClassList",
		gvrValidatingHooks:               "ValidatingWebhookConfigurationList",
		gvr("apps", "v1", "replicasets"): "ReplicaSetList",
		gvrCronJobs:                      "CronJobList", gvrClusterRoles: "ClusterRoleList", gvrClusterRoleBindings: "ClusterRoleBindingList",
		gvr("", "v1", "endpoints"):                                    "EndpointsList",
		gvr("authorization.k8s.io", "v1", "selfsubjectaccessreviews"): "SelfSubjectAccessReviewList",
	} {
		lists[g] = kind
	}
	f := &fakeServer{lists: lists}
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			f.stamp(u)
		}
	}
	client := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
	f.tracker = client.Tracker()
	base := k8stesting.ObjectReaction(f.tracker)
	client.PrependReactor("create", "*", f.create)
	client.PrependReactor("update", "*", f.update)
	client.PrependReactor("delete", "*", f.delete)
	client.PrependReactor("delete-collection", "*", f.deleteCollection)
	client.PrependReactor("patch", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		handled, ret, err := base(a)
		if err != nil || ret == nil {
			return handled, ret, err
		}
		if u, ok := ret.(*unstructured.Unstructured); ok {
			f.finalize(a.GetResource(), u)
		}
		return handled, ret, err
	})
	return client
}

type fakeServer struct {
	lists   map[schema.GroupVersionResource]string // list kinds by resource
	mu      sync.Mutex
	seq     int
	tracker k8stesting.ObjectTracker
}

func (f *fakeServer) next() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return strconv.Itoa(f.seq)
}

func (f *fakeServer) stamp(u *unstructured.Unstructured) {
	if u.GetUID() == "" {
		u.SetUID(types.UID(fmt.Sprintf("00000000-0000-0000-0000-%012s", f.next())))
	}
	if ts := u.GetCreationTimestamp(); ts.IsZero() {
		u.SetCreationTimestamp(metav1.NewTime(time.Now()))
	}
	if u.GetGeneration() == 0 {
		u.SetGeneration(1)
	}
	u.SetResourceVersion(f.next())
	if u.GetKind() == "Namespace" {
		labels := u.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels["kubernetes.io/metadata.name"] = u.GetName()
		u.SetLabels(labels)
		if str(u, "status", "phase") == "" {
			set(u, "Active", "status", "phase")
		}
	}
}

func (f *fakeServer) create(a k8stesting.Action) (bool, runtime.Object, error) {
	ca := a.(k8stesting.CreateAction)
	res := a.GetResource()
	switch {
	case res.Resource == "selfsubjectaccessreviews":
		review := ca.GetObject().(*unstructured.Unstructured).DeepCopy()
		set(review, true, "status", "allowed")
		return true, review, nil
	case res.Resource == "pods" && a.GetSubresource() == "binding":
		binding := ca.GetObject().(*unstructured.Unstructured)
		obj, err := f.tracker.Get(res, a.GetNamespace(), binding.GetName())
		if err != nil {
			return true, nil, err
		}
		pod := obj.(*unstructured.Unstructured).DeepCopy()
		if str(pod, "spec", "nodeName") != "" {
			return true, nil, apierrors.NewConflict(res.GroupResource(), pod.GetName(), fmt.Errorf("pod %s is already assigned to node %q", pod.GetName(), str(pod, "spec", "nodeName")))
		}
		set(pod, str(binding, "target", "name"), "spec", "nodeName")
		pod.SetResourceVersion(f.next())
		return true, binding, f.tracker.Update(res, pod, a.GetNamespace())
	case a.GetSubresource() != "":
		return false, nil, nil
	}
	obj := ca.GetObject().(*unstructured.Unstructured).DeepCopy()
	if obj.GetName() == "" && obj.GetGenerateName() != "" {
		obj.SetName(obj.GetGenerateName() + suffix(f.next()))
	}
	obj.SetUID("")
	obj.SetCreationTimestamp(metav1.Time{})
	obj.SetGeneration(0)
	f.stamp(obj)
	if statusSubresource(res) && res.Resource != "nodes" && res.Resource != "namespaces" {
		delete(obj.Object, "status")
	}
	if err := f.tracker.Create(res, obj, a.GetNamespace()); err != nil {
		return true, nil, err
	}
	return true, obj, nil
}

func (f *fakeServer) update(a k8stesting.Action) (bool, runtime.Object, error) {
	res := a.GetResource()
	in := a.(k8stesting.UpdateAction).GetObject().(*unstructured.Unstructured).DeepCopy()
	raw, err := f.tracker.Get(res, a.GetNamespace(), in.GetName())
	if err != nil {
		return true, nil, err
	}
	old := raw.(*unstructured.Unstructured)
	if rv := in.GetResourceVersion(); rv != "" && rv != old.GetResourceVersion() {
		return true, nil, apierrors.NewConflict(res.GroupResource(), in.GetName(),
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	var out *unstructured.Unstructured
	if a.GetSubresource() == "status" {
		out = old.DeepCopy()
		if st, ok := in.Object["status"]; ok {
			out.Object["status"] = st
		} else {
			delete(out.Object, "status")
		}
	} else {
		out = in
		out.SetUID(old.GetUID())
		out.SetCreationTimestamp(old.GetCreationTimestamp())
		out.SetDeletionTimestamp(old.GetDeletionTimestamp())
		out.SetGeneration(old.GetGeneration())
		if statusSubresource(res) {
			if st, ok := old.Object["status"]; ok {
				out.Object["status"] = st
			} else {
				delete(out.Object, "status")
			}
		}
		if !jsonEqual(old.Object["spec"], out.Object["spec"]) {
			out.SetGeneration(old.GetGeneration() + 1)
		}
	}
	out.SetResourceVersion(f.next())
	if err := f.tracker.Update(res, out, a.GetNamespace()); err != nil {
		return true, nil, err
	}
	f.finalize(res, out)
	return true, out, nil
}

func (f *fakeServer) delete(a k8stesting.Action) (bool, runtime.Object, error) {
	res := a.GetResource()
	name := a.(k8stesting.DeleteAction).GetName()
	raw, err := f.tracker.Get(res, a.GetNamespace(), name)
	if err != nil {
		return true, nil, err
	}
	obj := raw.(*unstructured.Unstructured).DeepCopy()
	if len(obj.GetFinalizers()) == 0 {
		return true, nil, f.tracker.Delete(res, a.GetNamespace(), name)
	}
	if obj.GetDeletionTimestamp() == nil {
		now := metav1.NewTime(time.Now())
		obj.SetDeletionTimestamp(&now)
		obj.SetResourceVersion(f.next())
		if err := f.tracker.Update(res, obj, a.GetNamespace()); err != nil {
			return true, nil, err
		}
	}
	return true, nil, nil
}

// deleteCollection deletes, one by one as the API server does, every
// object of the namespace its label selector matches.
func (f *fakeServer) deleteCollection(a k8stesting.Action) (bool, runtime.Object, error) {
	dc := a.(k8stesting.DeleteCollectionAction)
	res, ns := a.GetResource(), a.GetNamespace()
	kind := strings.TrimSuffix(f.lists[res], "List")
	raw, err := f.tracker.List(res, schema.GroupVersionKind{Group: res.Group, Version: res.Version, Kind: kind}, ns)
	if err != nil {
		return true, nil, err
	}
	items, err := meta.ExtractList(raw)
	if err != nil {
		return true, nil, err
	}
	selector := dc.GetListRestrictions().Labels
	for _, item := range items {
		u, ok := item.(*unstructured.Unstructured)
		if !ok || (selector != nil && !selector.Matches(labels.Set(u.GetLabels()))) {
			continue
		}
		if _, _, err := f.delete(k8stesting.NewDeleteAction(res, u.GetNamespace(), u.GetName())); err != nil {
			return true, nil, err
		}
	}
	return true, nil, nil
}

// finalize removes an object being deleted once it has no finalizer left.
func (f *fakeServer) finalize(res schema.GroupVersionResource, u *unstructured.Unstructured) {
	if u.GetDeletionTimestamp() != nil && len(u.GetFinalizers()) == 0 {
		_ = f.tracker.Delete(res, u.GetNamespace(), u.GetName())
	}
}
