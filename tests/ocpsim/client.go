package ocpsim

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// RequestStats counts the API requests the simulator made, by verb and by
// "verb resource" (subresources included, e.g. "update pods/status").
type RequestStats struct {
	Total      int64
	ByVerb     map[string]int64
	ByResource map[string]int64
}

// Top returns the n most frequent "verb resource" keys, most first.
func (r RequestStats) Top(n int) []string {
	keys := make([]string, 0, len(r.ByResource))
	for k := range r.ByResource {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if r.ByResource[keys[i]] != r.ByResource[keys[j]] {
			return r.ByResource[keys[i]] > r.ByResource[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}

// countingClient wraps a dynamic client and counts every call.
type countingClient struct {
	dynamic.Interface
	mu         sync.Mutex
	total      int64
	byVerb     map[string]int64
	byResource map[string]int64
}

func newCountingClient(c dynamic.Interface) *countingClient {
	return &countingClient{Interface: c, byVerb: map[string]int64{}, byResource: map[string]int64{}}
}

func (c *countingClient) count(verb string, gvr schema.GroupVersionResource, sub []string) {
	res := gvr.Resource
	if gvr.Group != "" {
		res += "." + gvr.Group
	}
	for _, s := range sub {
		res += "/" + s
	}
	c.mu.Lock()
	c.total++
	c.byVerb[verb]++
	c.byResource[verb+" "+res]++
	c.mu.Unlock()
}

// writes counts the mutating requests so far.
func (c *countingClient) writes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byVerb["create"] + c.byVerb["update"] + c.byVerb["delete"] + c.byVerb["patch"]
}

func (c *countingClient) stats() RequestStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := RequestStats{Total: c.total, ByVerb: map[string]int64{}, ByResource: map[string]int64{}}
	for k, v := range c.byVerb {
		out.ByVerb[k] = v
	}
	for k, v := range c.byResource {
		out.ByResource[k] = v
	}
	return out
}

func (c *countingClient) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	inner := c.Interface.Resource(gvr)
	return countedNamespaceable{countedResource: countedResource{ResourceInterface: inner, c: c, gvr: gvr}, inner: inner}
}

type countedNamespaceable struct {
	countedResource
	inner dynamic.NamespaceableResourceInterface
}

func (n countedNamespaceable) Namespace(ns string) dynamic.ResourceInterface {
	return countedResource{ResourceInterface: n.inner.Namespace(ns), c: n.c, gvr: n.gvr}
}

type countedResource struct {
	dynamic.ResourceInterface
	c   *countingClient
	gvr schema.GroupVersionResource
}

func (r countedResource) Create(ctx context.Context, obj *unstructured.Unstructured, o metav1.CreateOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.c.count("create", r.gvr, sub)
	return r.ResourceInterface.Create(ctx, obj, o, sub...)
}

func (r countedResource) Update(ctx context.Context, obj *unstructured.Unstructured, o metav1.UpdateOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.c.count("update", r.gvr, sub)
	return r.ResourceInterface.Update(ctx, obj, o, sub...)
}

func (r countedResource) UpdateStatus(ctx context.Context, obj *unstructured.Unstructured, o metav1.UpdateOptions) (*unstructured.Unstructured, error) {
	r.c.count("update", r.gvr, []string{"status"})
	return r.ResourceInterface.UpdateStatus(ctx, obj, o)
}

func (r countedResource) Delete(ctx context.Context, name string, o metav1.DeleteOptions, sub ...string) error {
	r.c.count("delete", r.gvr, sub)
	return r.ResourceInterface.Delete(ctx, name, o, sub...)
}

func (r countedResource) Get(ctx context.Context, name string, o metav1.GetOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.c.count("get", r.gvr, sub)
	return r.ResourceInterface.Get(ctx, name, o, sub...)
}

func (r countedResource) List(ctx context.Context, o metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	r.c.count("list", r.gvr, nil)
	return r.ResourceInterface.List(ctx, o)
}

func (r countedResource) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	r.c.count("watch", r.gvr, nil)
	return r.ResourceInterface.Watch(ctx, o)
}

func (r countedResource) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, o metav1.PatchOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.c.count("patch", r.gvr, sub)
	return r.ResourceInterface.Patch(ctx, name, pt, data, o, sub...)
}

// store is where reconcilers read: straight from the API (Step in tests)
// or from informer caches (Run).
type store interface {
	list(ctx context.Context, gvr schema.GroupVersionResource) ([]*unstructured.Unstructured, error)
}

// errNotSynced: the cache of that resource is not filled yet; the
// reconciler skips this pass.
var errNotSynced = errors.New("cache not synced yet")

type directStore struct{ c dynamic.Interface }

func (d directStore) list(ctx context.Context, gvr schema.GroupVersionResource) ([]*unstructured.Unstructured, error) {
	l, err := d.c.Resource(gvr).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil, nil // the CRD is not served (yet)
	}
	if err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, len(l.Items))
	for i := range l.Items {
		out[i] = &l.Items[i]
	}
	return out, nil
}

// cacheStore serves reads from a list+watch cache per resource, started
// the first time a reconciler asks for a resource that is served (built
// in, or a CRD that is Established), so a pass costs no read request.
type cacheStore struct {
	c   dynamic.Interface
	ctx context.Context
	mu  sync.Mutex
	res map[schema.GroupVersionResource]*resourceCache
}

type resourceCache struct {
	mu     sync.RWMutex
	items  map[string]*unstructured.Unstructured // ns/name
	synced bool
}

func newCacheStore(c dynamic.Interface) *cacheStore {
	return &cacheStore{c: c, res: map[schema.GroupVersionResource]*resourceCache{}}
}

func (c *cacheStore) start(ctx context.Context) { c.ctx = ctx }

func (c *cacheStore) cache(gvr schema.GroupVersionResource) *resourceCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc, ok := c.res[gvr]; ok {
		return rc
	}
	rc := &resourceCache{items: map[string]*unstructured.Unstructured{}}
	c.res[gvr] = rc
	go c.reflect(gvr, rc)
	return rc
}

// reflect keeps rc in sync: list, then watch from the list's
// resourceVersion; any watch end or error relists. A failed list (e.g. a
// CRD Established a moment before the API server serves it) is retried
// after 50 ms doubling to 1 s: a fixed 1 s pause made every new operator's
// API look a second slower than the platform it simulates.
func (c *cacheStore) reflect(gvr schema.GroupVersionResource, rc *resourceCache) {
	pause := 50 * time.Millisecond
	for c.ctx.Err() == nil {
		err := c.listAndWatch(gvr, rc)
		if err == nil {
			pause = 50 * time.Millisecond
			continue
		}
		if c.ctx.Err() != nil {
			return
		}
		select {
		case <-c.ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

func (c *cacheStore) listAndWatch(gvr schema.GroupVersionResource, rc *resourceCache) error {
	l, err := c.c.Resource(gvr).List(c.ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	items := make(map[string]*unstructured.Unstructured, len(l.Items))
	for i := range l.Items {
		items[key(l.Items[i].GetNamespace(), l.Items[i].GetName())] = &l.Items[i]
	}
	rc.mu.Lock()
	rc.items, rc.synced = items, true
	rc.mu.Unlock()
	w, err := c.c.Resource(gvr).Watch(c.ctx, metav1.ListOptions{ResourceVersion: l.GetResourceVersion(), AllowWatchBookmarks: true})
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified, watch.Deleted:
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			rc.mu.Lock()
			if ev.Type == watch.Deleted {
				delete(rc.items, key(u.GetNamespace(), u.GetName()))
			} else {
				rc.items[key(u.GetNamespace(), u.GetName())] = u
			}
			rc.mu.Unlock()
		case watch.Error:
			return apierrors.FromObject(ev.Object)
		}
	}
	return nil // the server closed the watch: relist
}

func (c *cacheStore) list(ctx context.Context, gvr schema.GroupVersionResource) ([]*unstructured.Unstructured, error) {
	if !builtin(gvr) {
		served, err := c.served(ctx, gvr)
		if err != nil || !served {
			return nil, err
		}
	}
	rc := c.cache(gvr)
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	if !rc.synced {
		return nil, errNotSynced
	}
	out := make([]*unstructured.Unstructured, 0, len(rc.items))
	for _, u := range rc.items {
		out = append(out, u.DeepCopy())
	}
	sort.Slice(out, func(i, j int) bool {
		return key(out[i].GetNamespace(), out[i].GetName()) < key(out[j].GetNamespace(), out[j].GetName())
	})
	return out, nil
}

// served reports whether the CRD of gvr is Established (from the CRD
// cache, read in place: every list of a custom resource asks).
func (c *cacheStore) served(_ context.Context, gvr schema.GroupVersionResource) (bool, error) {
	rc := c.cache(gvrCRDs)
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	if !rc.synced {
		return false, errNotSynced
	}
	crd, ok := rc.items[key("", gvr.Resource+"."+gvr.Group)]
	if !ok {
		return false, nil
	}
	cond, ok := condition(crd, "Established")
	return ok && cond.Status == "True", nil
}

// builtin resources are always served.
func builtin(gvr schema.GroupVersionResource) bool {
	switch gvr.Group {
	case "", "apps", "batch", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io", "discovery.k8s.io":
		return true
	}
	return false
}
