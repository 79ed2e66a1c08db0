package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubeenv"
)

// A gate waiting on an object that has not changed for a long time: the
// object's own resourceVersion is compacted away, so a watch started from
// it fails at once (410 Gone). Against the real kube-apiserver with etcd
// compacting every second and no watch cache, the gate must still wake on
// the change with a handful of requests (it starts its watch from a fresh
// list), not re-open a failing watch every 100 ms.
func TestGateWatch_survivesCompaction(t *testing.T) {
	requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := kubeenv.Start(ctx, kubeenv.Options{ExtraAPIServerArgs: []string{"--watch-cache=false", "--etcd-compaction-interval=1s"}})
	require.NoError(t, err)
	defer func() { _ = env.Stop() }()
	c := env.Dynamic()
	cms := c.Resource(kube.ConfigMaps).Namespace("default")
	target := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "target"}, "data": map[string]any{"ready": "no"}}}
	created, err := cms.Create(ctx, target, metav1.CreateOptions{})
	require.NoError(t, err)
	old := created.GetResourceVersion()

	// Move the store on and let compaction pass the target's version.
	churn(t, ctx, c, 40)
	time.Sleep(2500 * time.Millisecond)
	churn(t, ctx, c, 10)
	_, err = cms.Watch(ctx, metav1.ListOptions{ResourceVersion: old, FieldSelector: "metadata.name=target"})
	if err == nil {
		t.Logf("the API server still accepted a watch from %s at once (it reports 410 as an event)", old)
	}

	gate := readiness.Gate{Name: "configMapReady", Object: "ConfigMap default/target", Layer: "test", Expect: "data.ready=yes",
		Timeout: time.Minute, Check: func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
			cm, err := kube.Get(ctx, c, kube.ConfigMaps, "default", "target")
			if err != nil || cm == nil {
				return readiness.NotYet("not found"), err
			}
			if kube.String(cm, "data", "ready") == "yes" {
				return readiness.Ready("ready"), nil
			}
			return readiness.NotYet("ready=%s", kube.String(cm, "data", "ready")), nil
		}}
	w := readiness.NewWaiter(func() (dynamic.Interface, error) { return c, nil })
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- w.Wait(ctx, gate) }()
	time.Sleep(3 * time.Second) // waiting, watched, across further compactions
	churn(t, ctx, c, 10)
	changed := time.Now()
	cm, err := cms.Get(ctx, "target", metav1.GetOptions{})
	require.NoError(t, err)
	require.NoError(t, unstructured.SetNestedField(cm.Object, "yes", "data", "ready"))
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	require.NoError(t, err)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("the gate did not wake on the change (the safety poll is 30 s)")
	}
	woke := time.Since(changed)
	st := w.Stats()[0]
	t.Logf("WATCH woke %s after the change (waited %s in all); %s", woke.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), st)
	assert.Less(t, woke, 5*time.Second, "woken by the watch, not the 30 s safety poll")
	assert.LessOrEqual(t, st.Requests, int64(12), "a few reads, lists and watches, not a watch re-opened every 100 ms")
}

func churn(t *testing.T, ctx context.Context, c dynamic.Interface, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"generateName": "churn-"}, "data": map[string]any{"i": fmt.Sprint(i)}}}
		_, err := c.Resource(kube.ConfigMaps).Namespace("default").Create(ctx, cm, metav1.CreateOptions{})
		require.NoError(t, err)
	}
}
