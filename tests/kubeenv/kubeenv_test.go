package kubeenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

var (
	namespaces  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	configMaps  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	replicaSets = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	pods        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// TestControlPlane starts a real control plane and checks that the
// namespace, deployment and replicaset controllers run.
func TestControlPlane(t *testing.T) {
	if testing.Short() || os.Getenv("RHOAI_ENGINE_TESTS") != "1" {
		t.Skip("set RHOAI_ENGINE_TESTS=1 with the control-plane binaries provided (source scripts/kube-toolchain.sh; scripts/test does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	timed := func(name string, f func()) {
		start := time.Now()
		f()
		t.Logf("TIMING kubeenv %s: %s", name, time.Since(start).Round(time.Millisecond))
	}

	var env *Env
	timed("start", func() {
		var err error
		env, err = Start(ctx, Options{})
		require.NoError(t, err)
	})
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			assert.NoError(t, env.Stop())
		}
	})
	dyn := env.Dynamic()
	require.FileExists(t, env.Kubeconfig)

	timed("namespace deletion", func() {
		_, err := dyn.Resource(namespaces).Create(ctx, object("v1", "Namespace", "", "doomed", nil), metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = dyn.Resource(configMaps).Namespace("doomed").Create(ctx,
			object("v1", "ConfigMap", "doomed", "cm", map[string]any{"data": map[string]any{"k": "v"}}), metav1.CreateOptions{})
		require.NoError(t, err)
		require.NoError(t, dyn.Resource(namespaces).Delete(ctx, "doomed", metav1.DeleteOptions{}))
		require.Eventually(t, func() bool {
			_, err := dyn.Resource(namespaces).Get(ctx, "doomed", metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}, 30*time.Second, 100*time.Millisecond, "namespace controller should finish deleting the namespace")
	})

	timed("deployment to replicaset and pod", func() {
		_, err := dyn.Resource(deployments).Namespace("default").Create(ctx, deployment("web"), metav1.CreateOptions{})
		require.NoError(t, err)
		require.Eventually(t, func() bool { return countOwned(ctx, dyn, replicaSets, "Deployment", "web") == 1 },
			30*time.Second, 100*time.Millisecond, "deployment controller should create a ReplicaSet")
		// The pod proves the replicaset and serviceaccount controllers: without
		// the "default" ServiceAccount, admission rejects the pod.
		require.Eventually(t, func() bool {
			list, err := dyn.Resource(pods).Namespace("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			return err == nil && len(list.Items) == 1
		}, 30*time.Second, 100*time.Millisecond, "replicaset controller should create a Pod")
	})

	timed("stop", func() {
		require.NoError(t, env.Stop())
		stopped = true
	})
	assert.NoDirExists(t, env.Dir)
}

func object(apiVersion, kind, namespace, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

func deployment(name string) *unstructured.Unstructured {
	labels := map[string]any{"app": name}
	return object("apps/v1", "Deployment", "default", name, map[string]any{"spec": map[string]any{
		"replicas": int64(1),
		"selector": map[string]any{"matchLabels": labels},
		"template": map[string]any{
			"metadata": map[string]any{"labels": labels},
			"spec": map[string]any{"containers": []any{
				map[string]any{"name": "web", "image": "registry.invalid/web:1"},
			}},
		},
	}})
}

func countOwned(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, ownerKind, ownerName string) int {
	list, err := dyn.Resource(gvr).Namespace("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return -1
	}
	n := 0
	for _, item := range list.Items {
		for _, ref := range item.GetOwnerReferences() {
			if ref.Kind == ownerKind && ref.Name == ownerName {
				n++
			}
		}
	}
	return n
}
