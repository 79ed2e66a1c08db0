package readiness_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// blockingClock sleeps until the waiter wakes it (its context ends) or the
// test lets a pause run out with expire. Now is the wall clock, so the
// waiter's budgets never run out during a test.
type blockingClock struct {
	mu     sync.Mutex
	slept  []time.Duration
	asleep chan struct{} // one value per Sleep call
	expire chan struct{}
}

func newBlockingClock() *blockingClock {
	return &blockingClock{asleep: make(chan struct{}, 100), expire: make(chan struct{})}
}

func (c *blockingClock) Now() time.Time { return time.Now() }

func (c *blockingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	c.asleep <- struct{}{}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.expire:
		return nil
	}
}

func (c *blockingClock) pauses() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func watchingWaiter(c dynamic.Interface, clock readiness.Clock) *readiness.Waiter {
	w := kubetest.Waiter(c, clock)
	w.Watch, w.MinRecheck = true, time.Nanosecond
	return w
}

// wait runs Wait in the background; the result arrives on the channel.
func wait(w *readiness.Waiter, g readiness.Gate) <-chan error {
	out := make(chan error, 1)
	go func() { out <- w.Wait(context.Background(), g) }()
	return out
}

func statsOf(t *testing.T, w *readiness.Waiter, g readiness.Gate) readiness.GateStats {
	t.Helper()
	for _, s := range w.Stats() {
		if s.ID == g.ID() {
			return s
		}
	}
	t.Fatalf("no stats for gate %s", g.ID())
	return readiness.GateStats{}
}

// withVersion sets the resourceVersion a real API server would return.
func withVersion(o *unstructured.Unstructured, rv string) *unstructured.Unstructured {
	o.SetResourceVersion(rv)
	return o
}

func TestWatch_wakesOnTheChangeInsteadOfPolling(t *testing.T) {
	// Objects read with a resourceVersion are watched from it: no change
	// between the read and the watch is missed, so no extra read is needed.
	client := kubetest.Client(withVersion(subscription("rhcl-operator.v1.3.4", "Automatic"), "10"), withVersion(csv("rhcl-operator.v1.3.4", "Installing", ""), "11"))
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	g := csvGate("")
	done := wait(w, g)

	<-clock.asleep // the check saw Installing and the waiter went to sleep, watching
	require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
	require.NoError(t, <-done)

	assert.Equal(t, []time.Duration{30 * time.Second}, clock.pauses(), "everything read is watched: only the safety poll is armed")
	st := statsOf(t, w, g)
	assert.Equal(t, int64(2), st.Checks, "one read before the change, one after it")
	assert.Equal(t, int64(2), st.Watches, "the Subscription and the CSV")
	assert.Equal(t, int64(2+2+2), st.Requests, "the first check's two reads, and a list and a watch request per watched object (each watch starts from a fresh list)")
	assert.Equal(t, int64(2), st.Cached, "the woken check reads both objects from the watch events")
	assert.GreaterOrEqual(t, st.Events, int64(1))
	assert.True(t, st.Passed)
}

func TestWatch_followsTheCheckToNewObjects(t *testing.T) {
	// The Subscription has no CSV yet: the check reads only the Subscription,
	// then (once OLM installs) the CSV, which is watched from then on.
	client := kubetest.Client(subscription("", "Automatic"))
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	g := csvGate("")
	done := wait(w, g)

	<-clock.asleep
	require.NoError(t, client.Tracker().Add(csv("rhcl-operator.v1.3.4", "Installing", "")))
	require.NoError(t, client.Tracker().Update(kube.Subscriptions, subscription("rhcl-operator.v1.3.4", "Automatic"), "kuadrant-system"))
	<-clock.asleep // woken by the Subscription, saw the Installing CSV, now watches it too
	require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
	require.NoError(t, <-done)
	assert.Equal(t, int64(2), statsOf(t, w, g).Watches)
}

func TestWatch_pollsWithBackoffWhatCannotBeWatched(t *testing.T) {
	client := kubetest.Client(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", ""))
	client.PrependWatchReactor("*", func(k8stesting.Action) (bool, watch.Interface, error) {
		return true, nil, errors.New("the server could not find the requested resource")
	})
	clock := kubetest.NewClock()
	ticks := 0
	clock.OnSleep = func() {
		if ticks++; ticks == 3 {
			require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
		}
	}
	w := watchingWaiter(client, clock)
	require.NoError(t, w.Wait(context.Background(), csvGate("")))
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, clock.Slept, "the pacing of a waiter without watches")
	assert.Equal(t, int64(6), statsOf(t, w, csvGate("")).Watches, "it tries to watch again after each read")
}

func TestWatch_reopensAWatchTheServerClosed(t *testing.T) {
	client := kubetest.Client(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", ""))
	var mu sync.Mutex
	var opened []*watch.FakeWatcher
	client.PrependWatchReactor("clusterserviceversions", func(k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		defer mu.Unlock()
		fw := watch.NewFakeWithChanSize(10, false)
		opened = append(opened, fw)
		return true, fw, nil
	})
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	g := csvGate("")
	done := wait(w, g)

	<-clock.asleep
	mu.Lock()
	require.Len(t, opened, 1)
	opened[0].Stop() // the API server ends the watch (e.g. its timeout)
	mu.Unlock()
	<-clock.asleep // woken by the closure, read again, watching again
	mu.Lock()
	require.Len(t, opened, 2, "the CSV watch is opened again")
	require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
	opened[1].Modify(csv("rhcl-operator.v1.3.4", "Succeeded", ""))
	mu.Unlock()
	require.NoError(t, <-done)
}

func TestWatch_aSafetyPollReadsTheAPIServerNotTheEvents(t *testing.T) {
	client := kubetest.Client(withVersion(subscription("rhcl-operator.v1.3.4", "Automatic"), "10"), withVersion(csv("rhcl-operator.v1.3.4", "Installing", ""), "11"))
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	g := csvGate("")
	done := wait(w, g)

	<-clock.asleep
	clock.expire <- struct{}{} // no event: the safety poll runs out
	<-clock.asleep
	require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
	require.NoError(t, <-done)
	st := statsOf(t, w, g)
	assert.Equal(t, int64(3), st.Checks)
	assert.Equal(t, int64(2+2+2+2), st.Requests, "first read, a list and a watch per object, the safety poll's live reads")
	assert.Equal(t, int64(2), st.Cached, "only the woken check reads from the events")
}

func TestWatch_eventsOfOtherObjectsDoNotChangeAWatchedObject(t *testing.T) {
	// The dynamic fake ignores field selectors: the CSV watch sees every CSV
	// of the namespace, as a watch on the real API server does not.
	client := kubetest.Client(withVersion(subscription("rhcl-operator.v1.3.4", "Automatic"), "10"), withVersion(csv("rhcl-operator.v1.3.4", "Installing", ""), "11"))
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	done := wait(w, csvGate(""))

	<-clock.asleep
	require.NoError(t, client.Tracker().Add(csv("authorino-operator.v0.22.0", "Succeeded", "")))
	require.NoError(t, client.Tracker().Update(kube.Subscriptions, withVersion(subscription("rhcl-operator.v1.3.4", "Automatic"), "12"), "kuadrant-system"))
	<-clock.asleep // woken by the Subscription: the rhcl CSV is still Installing
	require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
	require.NoError(t, <-done)
}

func TestWatch_safetyPollCatchesAMissedChange(t *testing.T) {
	client := kubetest.Client(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", ""))
	// Watches that never deliver anything.
	client.PrependWatchReactor("*", func(k8stesting.Action) (bool, watch.Interface, error) {
		return true, watch.NewFakeWithChanSize(1, false), nil
	})
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	done := wait(w, csvGate(""))

	<-clock.asleep
	require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
	clock.expire <- struct{}{} // the safety poll runs out
	require.NoError(t, <-done)
}

func TestWatch_terminalStateFailsAtTheEvent(t *testing.T) {
	client := kubetest.Client(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", ""))
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	done := wait(w, csvGate(""))

	<-clock.asleep
	require.NoError(t, client.Tracker().Update(kube.CSVs, csvWithReason("rhcl-operator.v1.3.4", "Failed", "InstallComponentFailedNoRetry", "install strategy failed"), "kuadrant-system"))
	err := <-done
	require.ErrorIs(t, err, readiness.ErrTerminal)
	assert.Contains(t, err.Error(), "install strategy failed")
	assert.False(t, w.Passed(csvGate("")), "a failed gate is not recorded as passed")
}

func TestStats_countRequestsPerGateAndMemoizedWaitsAreFree(t *testing.T) {
	client := kubetest.Client(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Succeeded", ""),
		crd("kuadrants.kuadrant.io", map[string]any{"type": "Established", "status": "True"}))
	w := watchingWaiter(client, kubetest.NewClock())
	crdGate := readiness.Gate{Name: "crdEstablished", Object: "CustomResourceDefinition kuadrants.kuadrant.io", Layer: "connectivity",
		Expect: "Established", Timeout: time.Minute, Check: readiness.CRDEstablished("kuadrants.kuadrant.io")}
	for range 3 { // three dependents share the gates
		require.NoError(t, w.Wait(context.Background(), csvGate("")))
		require.NoError(t, w.Wait(context.Background(), crdGate))
	}
	stats := w.Stats()
	require.Len(t, stats, 2)
	byID := map[string]readiness.GateStats{}
	for _, s := range stats {
		byID[s.ID] = s
	}
	csvStats, crdStats := byID[csvGate("").ID()], byID[crdGate.ID()]
	assert.Equal(t, readiness.GateStats{ID: csvGate("").ID(), Layer: "connectivity", Waits: 3, Checks: 1, Requests: 2, Passed: true, Waited: csvStats.Waited}, csvStats)
	assert.Equal(t, readiness.GateStats{ID: crdGate.ID(), Layer: "connectivity", Waits: 3, Checks: 1, Requests: 1, Passed: true, Waited: crdStats.Waited}, crdStats)
	assert.EqualValues(t, 2, w.Requests())
	assert.Equal(t, "checks=1 requests=2 cached=0 watches=0 events=0", csvStats.String())
}

func TestWatch_listedObjectsAreWatchedAsACollection(t *testing.T) {
	client := kubetest.Client(node("w1", ""))
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	g := readiness.Gate{Name: "gpuAllocatable", Object: "Nodes", Layer: "gpu", Expect: "GPUs", Timeout: time.Hour,
		Check: readiness.NodesAllocatable("nvidia.com/gpu", 1)}
	done := wait(w, g)

	<-clock.asleep
	require.NoError(t, client.Tracker().Add(node("g1", "1")))
	require.NoError(t, <-done)
	st := statsOf(t, w, g)
	assert.Equal(t, int64(1), st.Cached, "the woken check lists the nodes from the events")
	var watches []k8stesting.WatchAction
	for _, a := range client.Actions() {
		if wa, ok := a.(k8stesting.WatchAction); ok {
			watches = append(watches, wa)
		}
	}
	require.Len(t, watches, 1)
	assert.Equal(t, "nodes", watches[0].GetResource().Resource)
	assert.Empty(t, watches[0].GetWatchRestrictions().Fields.String(), "a list is watched whole")
}

func TestWatch_anObjectIsWatchedByName(t *testing.T) {
	client := kubetest.Client()
	clock := newBlockingClock()
	w := watchingWaiter(client, clock)
	g := readiness.Gate{Name: "crdEstablished", Object: "CustomResourceDefinition kuadrants.kuadrant.io", Layer: "connectivity",
		Expect: "Established", Timeout: time.Hour, Check: readiness.CRDEstablished("kuadrants.kuadrant.io")}
	done := wait(w, g)

	<-clock.asleep
	require.NoError(t, client.Tracker().Add(crd("kuadrants.kuadrant.io", map[string]any{"type": "Established", "status": "True"})))
	require.NoError(t, <-done)
	var fields []string
	for _, a := range client.Actions() {
		if wa, ok := a.(k8stesting.WatchAction); ok {
			fields = append(fields, wa.GetWatchRestrictions().Fields.String())
		}
	}
	assert.Equal(t, []string{"metadata.name=kuadrants.kuadrant.io"}, fields)
	st := statsOf(t, w, g)
	assert.Equal(t, int64(2), st.Checks, "read, then read after the event (the list the watch starts from agrees with the first read: no re-read)")
}
