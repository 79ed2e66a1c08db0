package ocpsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// pass is one reconcile pass: reads are listed once per resource and kept
// for the pass (writes are added to that view, so later reconcilers in the
// same pass see them).
type pass struct {
	ctx   context.Context
	s     *Sim
	lists map[schema.GroupVersionResource][]*unstructured.Unstructured
}

func newPass(ctx context.Context, s *Sim) *pass {
	return &pass{ctx: ctx, s: s, lists: map[schema.GroupVersionResource][]*unstructured.Unstructured{}}
}

// list returns every object of gvr in every namespace.
func (p *pass) list(gvr schema.GroupVersionResource) ([]*unstructured.Unstructured, error) {
	if l, ok := p.lists[gvr]; ok {
		return l, nil
	}
	l, err := p.s.store.list(p.ctx, gvr)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", gvr.Resource, err)
	}
	p.lists[gvr] = l
	return l, nil
}

// in returns the objects of gvr in namespace ns.
func (p *pass) in(gvr schema.GroupVersionResource, ns string) ([]*unstructured.Unstructured, error) {
	all, err := p.list(gvr)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, o := range all {
		if o.GetNamespace() == ns {
			out = append(out, o)
		}
	}
	return out, nil
}

// get returns one object, or nil when it does not exist.
func (p *pass) get(gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	all, err := p.list(gvr)
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if o.GetNamespace() == ns && o.GetName() == name {
			return o, nil
		}
	}
	return nil, nil
}

// exists is get for callers that only need presence (errors count as absent).
func (p *pass) exists(gvr schema.GroupVersionResource, ns, name string) bool {
	o, err := p.get(gvr, ns, name)
	return err == nil && o != nil
}

func (p *pass) resource(gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" {
		return p.s.client.Resource(gvr)
	}
	return p.s.client.Resource(gvr).Namespace(ns)
}

func (p *pass) remember(gvr schema.GroupVersionResource, obj *unstructured.Unstructured) {
	l, ok := p.lists[gvr]
	if !ok {
		return
	}
	for i, o := range l {
		if o.GetNamespace() == obj.GetNamespace() && o.GetName() == obj.GetName() {
			l[i] = obj
			return
		}
	}
	p.lists[gvr] = append(l, obj)
}

func (p *pass) forget(gvr schema.GroupVersionResource, ns, name string) {
	l := p.lists[gvr]
	p.lists[gvr] = slices.DeleteFunc(slices.Clone(l), func(o *unstructured.Unstructured) bool {
		return o.GetNamespace() == ns && o.GetName() == name
	})
}

// create creates obj (and then writes its status, which the API server
// drops on create for resources with a status subresource). An object that
// already exists is not an error: it returns (nil, nil).
func (p *pass) create(gvr schema.GroupVersionResource, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	status, hasStatus := obj.Object["status"]
	created, err := p.resource(gvr, obj.GetNamespace()).Create(p.ctx, obj, metav1.CreateOptions{FieldManager: fieldManager})
	if apierrors.IsAlreadyExists(err) || isTerminating(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating %s %s: %w", obj.GetKind(), key(obj.GetNamespace(), obj.GetName()), err)
	}
	if hasStatus && statusSubresource(gvr) {
		created.Object["status"] = status
		if updated, err := p.resource(gvr, obj.GetNamespace()).UpdateStatus(p.ctx, created, metav1.UpdateOptions{FieldManager: fieldManager}); err == nil {
			created = updated
		} else if !transient(err) {
			return nil, fmt.Errorf("writing the status of new %s %s: %w", obj.GetKind(), key(obj.GetNamespace(), obj.GetName()), err)
		}
	}
	p.remember(gvr, created)
	return created, nil
}

// update writes obj's metadata and spec. Conflicts and vanished objects are
// retried on the next pass.
func (p *pass) update(gvr schema.GroupVersionResource, obj *unstructured.Unstructured) error {
	updated, err := p.resource(gvr, obj.GetNamespace()).Update(p.ctx, obj, metav1.UpdateOptions{FieldManager: fieldManager})
	if transient(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating %s %s: %w", obj.GetKind(), key(obj.GetNamespace(), obj.GetName()), err)
	}
	p.remember(gvr, updated)
	return nil
}

// patchStatus applies mutate to a copy of obj's status and writes it when
// it changed (status subresource, or the whole object where there is none).
func (p *pass) patchStatus(gvr schema.GroupVersionResource, obj *unstructured.Unstructured, mutate func(st map[string]any)) error {
	next := obj.DeepCopy()
	st, _ := next.Object["status"].(map[string]any)
	if st == nil {
		st = map[string]any{}
	}
	mutate(st)
	next.Object["status"] = st
	if jsonEqual(obj.Object["status"], st) {
		return nil
	}
	var (
		updated *unstructured.Unstructured
		err     error
	)
	if statusSubresource(gvr) {
		updated, err = p.resource(gvr, obj.GetNamespace()).UpdateStatus(p.ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
	} else {
		updated, err = p.resource(gvr, obj.GetNamespace()).Update(p.ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
	}
	if transient(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing the status of %s %s: %w", obj.GetKind(), key(obj.GetNamespace(), obj.GetName()), err)
	}
	p.remember(gvr, updated)
	return nil
}

// mutate applies fn to a copy of obj (metadata/spec) and updates it when
// it changed.
func (p *pass) mutate(gvr schema.GroupVersionResource, obj *unstructured.Unstructured, fn func(o *unstructured.Unstructured)) error {
	next := obj.DeepCopy()
	fn(next)
	if jsonEqual(obj.Object, next.Object) {
		return nil
	}
	return p.update(gvr, next)
}

// remove deletes an object in the background (the garbage collector takes
// its dependents); absent is fine.
func (p *pass) remove(gvr schema.GroupVersionResource, ns, name string) error {
	bg := metav1.DeletePropagationBackground
	err := p.resource(gvr, ns).Delete(p.ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s %s: %w", gvr.Resource, key(ns, name), err)
	}
	p.forget(gvr, ns, name)
	return nil
}

// releaseFinalizer removes one finalizer from an object being deleted.
func (p *pass) releaseFinalizer(gvr schema.GroupVersionResource, obj *unstructured.Unstructured, finalizer string) error {
	return p.mutate(gvr, obj, func(o *unstructured.Unstructured) {
		o.SetFinalizers(slices.DeleteFunc(o.GetFinalizers(), func(f string) bool { return f == finalizer }))
	})
}

// dropFinalizer removes a controller's finalizer if it is there (a
// controller letting go of an object that is not being deleted).
func (p *pass) dropFinalizer(gvr schema.GroupVersionResource, obj *unstructured.Unstructured, finalizer string) error {
	if !slices.Contains(obj.GetFinalizers(), finalizer) {
		return nil
	}
	return p.releaseFinalizer(gvr, obj, finalizer)
}

// served: a built-in resource, or a custom one whose CRD is Established.
func (p *pass) served(gvr schema.GroupVersionResource) bool {
	return builtin(gvr) || p.crdEstablished(gvr.Resource+"."+gvr.Group)
}

// addFinalizer adds a finalizer the way controllers do on first reconcile.
func (p *pass) addFinalizer(gvr schema.GroupVersionResource, obj *unstructured.Unstructured, finalizer string) error {
	if slices.Contains(obj.GetFinalizers(), finalizer) {
		return nil
	}
	return p.mutate(gvr, obj, func(o *unstructured.Unstructured) {
		o.SetFinalizers(append(o.GetFinalizers(), finalizer))
	})
}

// fieldManager names the simulator's writes in managedFields.
const fieldManager = "ocpsim"

func transient(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsNotFound(err) || isTerminating(err)
}

// isTerminating: the namespace is being deleted, so nothing new goes in.
func isTerminating(err error) bool {
	return err != nil && apierrors.IsForbidden(err) && strings.Contains(err.Error(), "being terminated")
}

func key(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func jsonEqual(a, b any) bool {
	ra, errA := json.Marshal(a)
	rb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ra, rb)
}

// newObject starts an object of the given kind.
func newObject(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// str reads a string field ("" when absent).
func str(o *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(o.Object, path...)
	return s
}

// num reads an integer field that JSON decoded as int64 or float64.
func num(o *unstructured.Unstructured, path ...string) int64 {
	v, found, _ := unstructured.NestedFieldNoCopy(o.Object, path...)
	if !found {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

func boolean(o *unstructured.Unstructured, path ...string) bool {
	b, _, _ := unstructured.NestedBool(o.Object, path...)
	return b
}

func slice(o *unstructured.Unstructured, path ...string) []any {
	s, _, _ := unstructured.NestedSlice(o.Object, path...)
	return s
}

func mapAt(o *unstructured.Unstructured, path ...string) map[string]any {
	m, _, _ := unstructured.NestedMap(o.Object, path...)
	return m
}

func set(o *unstructured.Unstructured, value any, path ...string) {
	if err := unstructured.SetNestedField(o.Object, value, path...); err != nil {
		panic(fmt.Sprintf("ocpsim: setting %v: %v", path, err)) // a path through a non-map is a programming error
	}
}

// cond is one entry of status.conditions.
type cond struct {
	Type, Status, Reason, Message string
}

func condition(o *unstructured.Unstructured, condType string) (cond, bool) {
	for _, raw := range slice(o, "status", "conditions") {
		m, ok := raw.(map[string]any)
		if !ok || m["type"] != condType {
			continue
		}
		c := cond{Type: condType}
		c.Status, _ = m["status"].(string)
		c.Reason, _ = m["reason"].(string)
		c.Message, _ = m["message"].(string)
		return c, true
	}
	return cond{}, false
}

func isTrue(o *unstructured.Unstructured, condType string) bool {
	c, ok := condition(o, condType)
	return ok && c.Status == "True"
}

// setConditions upserts conditions in a status map, keeping each
// lastTransitionTime while its status does not change.
func setConditions(st map[string]any, now time.Time, cs ...cond) {
	list, _ := st["conditions"].([]any)
	stamp := now.UTC().Format(time.RFC3339)
	for _, c := range cs {
		entry := map[string]any{"type": c.Type, "status": c.Status, "reason": c.Reason, "message": c.Message, "lastTransitionTime": stamp}
		if c.Reason == "" {
			delete(entry, "reason")
		}
		replaced := false
		for i, raw := range list {
			old, ok := raw.(map[string]any)
			if !ok || old["type"] != c.Type {
				continue
			}
			replaced = true
			if old["status"] == c.Status && fmt.Sprint(old["reason"]) == fmt.Sprint(entry["reason"]) && fmt.Sprint(old["message"]) == c.Message {
				break // unchanged: keep the entry as written (server-added fields too)
			}
			if old["status"] == c.Status {
				if t, ok := old["lastTransitionTime"]; ok {
					entry["lastTransitionTime"] = t
				}
			}
			list[i] = entry
		}
		if !replaced {
			list = append(list, entry)
		}
	}
	st["conditions"] = list
}

func dropCondition(st map[string]any, condType string) {
	list, _ := st["conditions"].([]any)
	st["conditions"] = slices.DeleteFunc(list, func(raw any) bool {
		m, _ := raw.(map[string]any)
		return m["type"] == condType
	})
}

func boolStatus(ok bool) string {
	if ok {
		return "True"
	}
	return "False"
}

// ownerRef points at owner; controller marks the managing owner (and blocks
// foreground deletion of the owner until the dependent is gone).
func ownerRef(owner *unstructured.Unstructured, controller bool) map[string]any {
	ref := map[string]any{
		"apiVersion": owner.GetAPIVersion(), "kind": owner.GetKind(),
		"name": owner.GetName(), "uid": string(owner.GetUID()),
	}
	if controller {
		ref["controller"] = true
		ref["blockOwnerDeletion"] = true
	}
	return ref
}

func setOwner(o, owner *unstructured.Unstructured, controller bool) {
	o.Object["metadata"].(map[string]any)["ownerReferences"] = []any{ownerRef(owner, controller)}
}

// suffix is a stable random-looking name suffix (like the 5-letter ones
// controllers generate), so a create retried from a stale view collides
// instead of duplicating.
func suffix(seed string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	v := h.Sum64()
	out := make([]byte, 5)
	for i := range out {
		out[i] = alphabet[v%uint64(len(alphabet))]
		v /= uint64(len(alphabet))
	}
	return string(out)
}

func deleting(o *unstructured.Unstructured) bool { return o.GetDeletionTimestamp() != nil }

// matchLabels reports whether labels satisfy a matchLabels selector.
func matchLabels(selector, labels map[string]string) bool {
	for k, v := range selector {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// matchExpressions evaluates In/NotIn/Exists/DoesNotExist requirements.
func matchExpressions(exprs []any, labels map[string]string) bool {
	for _, raw := range exprs {
		m, _ := raw.(map[string]any)
		k, _ := m["key"].(string)
		op, _ := m["operator"].(string)
		var values []string
		for _, v := range toSlice(m["values"]) {
			if s, ok := v.(string); ok {
				values = append(values, s)
			}
		}
		v, has := labels[k]
		switch op {
		case "In":
			if !has || !slices.Contains(values, v) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func toSlice(v any) []any { s, _ := v.([]any); return s }

func toStringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := map[string]string{}
	for k, val := range m {
		if s, ok := val.(string); ok {
			out[k] = s
		}
	}
	return out
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// skipNotSynced drops the errors of resources whose cache is still filling.
func skipNotSynced(err error) error {
	if errors.Is(err, errNotSynced) {
		return nil
	}
	return err
}
