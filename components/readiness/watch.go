package readiness

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// target is what a check read: one object (name set) or a collection.
type target struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
}

// read is one read a check made, with what it returned.
type read struct {
	target
	resourceVersion string // to start a watch from ("" when not found or failed)
	ok              bool   // a definite answer: found, or NotFound
	partial         bool   // a list with a selector: not the whole collection
	obj             *unstructured.Unstructured
	items           []unstructured.Unstructured
}

// tracer is the dynamic client a check runs on: it counts the API requests
// the check makes and records what it read, so the waiter can watch exactly
// those objects; while fromCache is set it answers reads of watched objects
// from the watch events instead of the API server. Checks stay plain
// functions of a dynamic.Interface.
type tracer struct {
	dynamic.Interface
	requests, cached *atomic.Int64
	watches          *watchSet // nil without Watch
	fromCache        bool      // set by Wait before each check

	mu    sync.Mutex
	reads []read
}

func newTracer(c dynamic.Interface, requests, cached *atomic.Int64, watches *watchSet) *tracer {
	return &tracer{Interface: c, requests: requests, cached: cached, watches: watches}
}

func (t *tracer) record(r read) {
	if t.watches != nil {
		t.watches.remember(r)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reads = append(t.reads, r)
}

// take returns and forgets what was read since the last take.
func (t *tracer) take() []read {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.reads
	t.reads = nil
	return out
}

func (t *tracer) useCache() bool { return t.fromCache && t.watches != nil }

func (t *tracer) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	inner := t.Interface.Resource(gvr)
	return tracedNamespaceable{tracedResource: tracedResource{ResourceInterface: inner, t: t, gvr: gvr}, inner: inner}
}

type tracedNamespaceable struct {
	tracedResource
	inner dynamic.NamespaceableResourceInterface
}

func (n tracedNamespaceable) Namespace(ns string) dynamic.ResourceInterface {
	return tracedResource{ResourceInterface: n.inner.Namespace(ns), t: n.t, gvr: n.gvr, namespace: ns}
}

// tracedResource counts every request; Get and List also record the target
// and may be answered from the watch cache.
type tracedResource struct {
	dynamic.ResourceInterface
	t         *tracer
	gvr       schema.GroupVersionResource
	namespace string
}

func (r tracedResource) Get(ctx context.Context, name string, o metav1.GetOptions, sub ...string) (*unstructured.Unstructured, error) {
	if len(sub) > 0 {
		r.t.requests.Add(1)
		return r.ResourceInterface.Get(ctx, name, o, sub...)
	}
	tg := target{gvr: r.gvr, namespace: r.namespace, name: name}
	if r.t.useCache() {
		if obj, found, ok := r.t.watches.lookup(tg); ok {
			r.t.cached.Add(1)
			r.t.record(read{target: tg})
			if !found {
				return nil, apierrors.NewNotFound(r.gvr.GroupResource(), name)
			}
			return obj, nil
		}
	}
	r.t.requests.Add(1)
	obj, err := r.ResourceInterface.Get(ctx, name, o)
	rd := read{target: tg}
	switch {
	case err == nil && obj != nil:
		rd.resourceVersion, rd.ok, rd.obj = obj.GetResourceVersion(), true, obj.DeepCopy()
	case apierrors.IsNotFound(err):
		rd.ok = true
	}
	r.t.record(rd)
	return obj, err
}

func (r tracedResource) List(ctx context.Context, o metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	tg := target{gvr: r.gvr, namespace: r.namespace}
	whole := o.LabelSelector == "" && o.FieldSelector == ""
	if whole && r.t.useCache() {
		if list, ok := r.t.watches.lookupList(tg); ok {
			r.t.cached.Add(1)
			r.t.record(read{target: tg})
			return list, nil
		}
	}
	r.t.requests.Add(1)
	list, err := r.ResourceInterface.List(ctx, o)
	rd := read{target: tg, partial: !whole}
	if err == nil && list != nil {
		rd.resourceVersion, rd.ok = list.GetResourceVersion(), true
		for _, it := range list.Items {
			rd.items = append(rd.items, *it.DeepCopy())
		}
	}
	r.t.record(rd)
	return list, err
}

func (r tracedResource) Create(ctx context.Context, obj *unstructured.Unstructured, o metav1.CreateOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.t.requests.Add(1)
	return r.ResourceInterface.Create(ctx, obj, o, sub...)
}

func (r tracedResource) Update(ctx context.Context, obj *unstructured.Unstructured, o metav1.UpdateOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.t.requests.Add(1)
	return r.ResourceInterface.Update(ctx, obj, o, sub...)
}

func (r tracedResource) UpdateStatus(ctx context.Context, obj *unstructured.Unstructured, o metav1.UpdateOptions) (*unstructured.Unstructured, error) {
	r.t.requests.Add(1)
	return r.ResourceInterface.UpdateStatus(ctx, obj, o)
}

func (r tracedResource) Delete(ctx context.Context, name string, o metav1.DeleteOptions, sub ...string) error {
	r.t.requests.Add(1)
	return r.ResourceInterface.Delete(ctx, name, o, sub...)
}

func (r tracedResource) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, o metav1.PatchOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.t.requests.Add(1)
	return r.ResourceInterface.Patch(ctx, name, pt, data, o, sub...)
}

func (r tracedResource) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	r.t.requests.Add(1)
	return r.ResourceInterface.Watch(ctx, o)
}

// watchSet holds the watches of one waiting gate and what they saw. Any
// event wakes the gate (a buffered signal, so a burst costs one re-check),
// which re-reads the watched objects from here rather than from the API
// server. A watch the server closes is forgotten (with what it knew), wakes
// the gate, and is opened again after a live re-read.
type watchSet struct {
	client dynamic.Interface // untraced: watch requests are counted apart
	wake   chan struct{}
	events *atomic.Int64

	mu   sync.Mutex
	open map[target]*watched
	wg   sync.WaitGroup
}

// watched is one watch and the latest state of its target: the last live
// read, then every event since.
type watched struct {
	w     watch.Interface
	known bool
	obj   *unstructured.Unstructured            // an object target (nil: absent)
	items map[string]*unstructured.Unstructured // a collection target
}

func newWatchSet(client dynamic.Interface, events *atomic.Int64) *watchSet {
	return &watchSet{client: client, wake: make(chan struct{}, 1), events: events, open: map[target]*watched{}}
}

func (s *watchSet) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// set replaces what w knows with a live read's answer.
func (w *watched) set(rd read) {
	if !rd.ok || rd.partial {
		w.known = false
		return
	}
	w.known = true
	if rd.name != "" {
		w.obj = rd.obj
		return
	}
	w.items = map[string]*unstructured.Unstructured{}
	for i := range rd.items {
		w.items[rd.items[i].GetName()] = &rd.items[i]
	}
}

// remember updates an open watch's state with a live read.
func (s *watchSet) remember(rd read) {
	if !rd.ok || rd.partial {
		return // a failed read or a selected list says nothing new
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.open[rd.target]; ok {
		w.set(rd)
	}
}

// lookup answers a Get from a watched object's state (ok false: not known).
func (s *watchSet) lookup(t target) (obj *unstructured.Unstructured, found, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, open := s.open[t]
	if !open || !w.known {
		return nil, false, false
	}
	if w.obj == nil {
		return nil, false, true
	}
	return w.obj.DeepCopy(), true, true
}

// lookupList answers a List from a watched collection's state.
func (s *watchSet) lookupList(t target) (*unstructured.UnstructuredList, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, open := s.open[t]
	if !open || !w.known {
		return nil, false
	}
	names := make([]string, 0, len(w.items))
	for n := range w.items {
		names = append(names, n)
	}
	sort.Strings(names)
	list := &unstructured.UnstructuredList{Object: map[string]any{}}
	for _, n := range names {
		list.Items = append(list.Items, *w.items[n].DeepCopy())
	}
	return list, true
}

// ensure opens a watch on every target read that has none. Each watch
// starts from a fresh list of its target (field-selected for an object): the
// list's resourceVersion is current, while an object's own resourceVersion
// may be older than the server still keeps (a watch from it fails at once
// with 410 Gone, "too old resource version"). The list also seeds the
// watch's state. It returns whether every target is now watched, and whether
// a new watch was opened (its state may be newer than what the check read).
func (s *watchSet) ensure(ctx context.Context, reads []read, opened, requests *atomic.Int64) (allWatched, recheck bool) {
	allWatched = true
	seen := map[target]bool{}
	for _, rd := range reads {
		if seen[rd.target] {
			continue
		}
		seen[rd.target] = true
		s.mu.Lock()
		_, ok := s.open[rd.target]
		s.mu.Unlock()
		if ok {
			continue
		}
		var opts metav1.ListOptions
		if rd.name != "" {
			opts.FieldSelector = "metadata.name=" + rd.name
		}
		var ri dynamic.ResourceInterface = s.client.Resource(rd.gvr)
		if rd.namespace != "" {
			ri = s.client.Resource(rd.gvr).Namespace(rd.namespace)
		}
		requests.Add(1)
		list, err := ri.List(ctx, opts)
		if err != nil || list == nil {
			// E.g. the CRD is not served yet: polling covers it, and the
			// next check tries again.
			allWatched = false
			continue
		}
		opts.ResourceVersion = list.GetResourceVersion()
		opened.Add(1)
		wi, err := ri.Watch(ctx, opts)
		if err != nil || wi == nil {
			allWatched = false
			continue
		}
		w := &watched{w: wi}
		w.seed(rd.target, list)
		s.mu.Lock()
		s.open[rd.target] = w
		s.mu.Unlock()
		s.wg.Add(1)
		go s.follow(rd.target, w)
		recheck = recheck || w.differs(rd)
	}
	return allWatched, recheck
}

// differs reports whether the watch's seeded state is newer than what the
// check read (or the read was no definite answer).
func (w *watched) differs(rd read) bool {
	if !rd.ok || rd.partial {
		return true
	}
	rv := func(o *unstructured.Unstructured) string {
		if o == nil {
			return ""
		}
		return o.GetResourceVersion()
	}
	if rd.name != "" {
		return rv(w.obj) != rv(rd.obj)
	}
	if len(w.items) != len(rd.items) {
		return true
	}
	for i := range rd.items {
		if rv(w.items[rd.items[i].GetName()]) != rd.items[i].GetResourceVersion() {
			return true
		}
	}
	return false
}

// seed sets a new watch's state from the list it starts from.
func (w *watched) seed(t target, list *unstructured.UnstructuredList) {
	w.known = true
	if t.name != "" {
		for i := range list.Items {
			if list.Items[i].GetName() == t.name {
				w.obj = list.Items[i].DeepCopy()
			}
		}
		return
	}
	w.items = map[string]*unstructured.Unstructured{}
	for i := range list.Items {
		w.items[list.Items[i].GetName()] = list.Items[i].DeepCopy()
	}
}

func (s *watchSet) follow(t target, w *watched) {
	defer s.wg.Done()
	for ev := range w.w.ResultChan() {
		if ev.Type == watch.Bookmark {
			continue
		}
		if ev.Type == watch.Error {
			// E.g. 410 Gone (the version was compacted away): what this
			// watch knows may be stale. End it; the gate re-lists and
			// watches again. (An Error carries a Status, not the target:
			// a name filter would drop it.)
			s.mu.Lock()
			w.known = false
			s.mu.Unlock()
			w.w.Stop()
			continue
		}
		obj, isObj := ev.Object.(*unstructured.Unstructured)
		if isObj && t.name != "" && obj.GetName() != t.name {
			continue // the server filters by name; a fake client may not
		}
		s.mu.Lock()
		switch {
		case !isObj:
			w.known = false
		case t.name != "":
			// A whole object or its deletion: known from now on.
			w.known, w.obj = true, nil
			if ev.Type != watch.Deleted {
				w.obj = obj.DeepCopy()
			}
		case w.known && ev.Type == watch.Deleted:
			delete(w.items, obj.GetName())
		case w.known:
			w.items[obj.GetName()] = obj.DeepCopy()
		}
		s.mu.Unlock()
		s.events.Add(1)
		s.signal()
	}
	// Closed by the server (timeout, compaction, error) or by stop.
	s.mu.Lock()
	if s.open[t] == w {
		delete(s.open, t)
	}
	s.mu.Unlock()
	s.signal()
}

// stop closes every watch and waits for their readers.
func (s *watchSet) stop() {
	s.mu.Lock()
	for t, w := range s.open {
		w.w.Stop()
		delete(s.open, t)
	}
	s.mu.Unlock()
	s.wg.Wait()
}
