package readiness

import (
	"context"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// read is a target with the resourceVersion the check saw ("" when the
// object was not found or the read failed).
type read struct {
	target
	resourceVersion string
}

// tracer is the dynamic client a check runs on: it counts the API requests
// the check makes and records what it read, so the waiter can watch exactly
// those objects. Checks stay plain functions of a dynamic.Interface.
type tracer struct {
	dynamic.Interface
	requests *atomic.Int64

	mu    sync.Mutex
	reads []read
}

func newTracer(c dynamic.Interface, requests *atomic.Int64) *tracer {
	return &tracer{Interface: c, requests: requests}
}

func (t *tracer) record(r read) {
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

// tracedResource counts every request; Get and List also record the target.
type tracedResource struct {
	dynamic.ResourceInterface
	t         *tracer
	gvr       schema.GroupVersionResource
	namespace string
}

func (r tracedResource) Get(ctx context.Context, name string, o metav1.GetOptions, sub ...string) (*unstructured.Unstructured, error) {
	r.t.requests.Add(1)
	obj, err := r.ResourceInterface.Get(ctx, name, o, sub...)
	rd := read{target: target{gvr: r.gvr, namespace: r.namespace, name: name}}
	if err == nil && obj != nil {
		rd.resourceVersion = obj.GetResourceVersion()
	}
	r.t.record(rd)
	return obj, err
}

func (r tracedResource) List(ctx context.Context, o metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	r.t.requests.Add(1)
	list, err := r.ResourceInterface.List(ctx, o)
	rd := read{target: target{gvr: r.gvr, namespace: r.namespace}}
	if err == nil && list != nil {
		rd.resourceVersion = list.GetResourceVersion()
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

// watchSet holds the watches of one waiting gate. Any event on any of them
// wakes the gate (a buffered signal, so a burst costs one re-check); a watch
// the server closes is forgotten, wakes the gate, and is opened again after
// that re-check.
type watchSet struct {
	client dynamic.Interface // untraced: watch requests are counted apart
	wake   chan struct{}
	events *atomic.Int64

	mu   sync.Mutex
	open map[target]watch.Interface
	wg   sync.WaitGroup
}

func newWatchSet(client dynamic.Interface, events *atomic.Int64) *watchSet {
	return &watchSet{client: client, wake: make(chan struct{}, 1), events: events, open: map[target]watch.Interface{}}
}

func (s *watchSet) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// ensure opens a watch on every target read that has none. It returns how
// many watches it opened, whether every target is now watched, and whether
// a re-check is needed because a new watch may have missed a change (a
// target read without a resourceVersion to start from).
func (s *watchSet) ensure(ctx context.Context, reads []read, opened *atomic.Int64) (allWatched, recheck bool) {
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
		opts := metav1.ListOptions{ResourceVersion: rd.resourceVersion}
		if rd.name != "" {
			opts.FieldSelector = "metadata.name=" + rd.name
		}
		var ri dynamic.ResourceInterface = s.client.Resource(rd.gvr)
		if rd.namespace != "" {
			ri = s.client.Resource(rd.gvr).Namespace(rd.namespace)
		}
		opened.Add(1)
		wi, err := ri.Watch(ctx, opts)
		if err != nil || wi == nil {
			// E.g. the CRD is not served yet: polling covers it, and the
			// next check tries again.
			allWatched = false
			continue
		}
		if rd.resourceVersion == "" {
			recheck = true
		}
		s.mu.Lock()
		s.open[rd.target] = wi
		s.mu.Unlock()
		s.wg.Add(1)
		go s.follow(rd.target, wi)
	}
	return allWatched, recheck
}

func (s *watchSet) follow(t target, wi watch.Interface) {
	defer s.wg.Done()
	for ev := range wi.ResultChan() {
		if ev.Type == watch.Bookmark {
			continue
		}
		s.events.Add(1)
		s.signal()
	}
	// Closed by the server (timeout, compaction, error) or by stop.
	s.mu.Lock()
	if s.open[t] == wi {
		delete(s.open, t)
	}
	s.mu.Unlock()
	s.signal()
}

// stop closes every watch and waits for their readers.
func (s *watchSet) stop() {
	s.mu.Lock()
	for t, wi := range s.open {
		wi.Stop()
		delete(s.open, t)
	}
	s.mu.Unlock()
	s.wg.Wait()
}
