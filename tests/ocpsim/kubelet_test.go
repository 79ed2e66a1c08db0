package ocpsim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

func pod(ns, name string, spec map[string]any) *unstructured.Unstructured {
	if spec["containers"] == nil {
		spec["containers"] = []any{map[string]any{"name": "c", "image": "registry.example.com/app:1"}}
	}
	return obj("v1", "Pod", ns, name, spec)
}

func TestKubelet_pods(t *testing.T) {
	tests := []struct {
		name      string
		spec      map[string]any
		extra     func(f *fixture)
		wantNode  string // "" = any worker, "-" = unscheduled
		wantReady bool
		wantMsg   string
	}{
		{"binds and readies a plain pod", map[string]any{}, nil, "", true, ""},
		{"honours the node selector", map[string]any{"nodeSelector": map[string]any{"kubernetes.io/hostname": "worker-2"}}, nil, "worker-2", true, ""},
		{"never schedules on a node whose taint it does not tolerate", map[string]any{"nodeSelector": map[string]any{"node-role.kubernetes.io/master": ""}}, nil, "-", false, "Unschedulable"},
		{"tolerates the master taint when told to", map[string]any{
			"nodeSelector": map[string]any{"node-role.kubernetes.io/master": ""},
			"tolerations":  []any{map[string]any{"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"}},
		}, nil, "master-0", true, ""},
		{"waits for a Secret volume", map[string]any{"volumes": []any{map[string]any{"name": "tls", "secret": map[string]any{"secretName": "missing"}}}},
			nil, "", false, "waiting for volume secret missing"},
		{"starts once the Secret exists", map[string]any{"volumes": []any{map[string]any{"name": "tls", "secret": map[string]any{"secretName": "later"}}}},
			func(f *fixture) { f.create(gvrSecrets, obj("v1", "Secret", "app", "later", nil)) }, "", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.create(gvrNamespaces, namespace("app"))
			f.create(gvrPods, pod("app", "p", tc.spec))
			f.settle()
			if tc.extra != nil {
				tc.extra(f)
				f.settle()
			}
			p := f.must(gvrPods, "app", "p")
			node := str(p, "spec", "nodeName")
			switch tc.wantNode {
			case "-":
				assert.Empty(t, node)
			case "":
				assert.NotEmpty(t, node)
			default:
				assert.Equal(t, tc.wantNode, node)
			}
			assert.Equal(t, tc.wantReady, isTrue(p, "Ready"))
			if tc.wantReady {
				assert.Equal(t, "Running", str(p, "status", "phase"))
				assert.NotEmpty(t, str(p, "status", "podIP"))
			} else {
				assert.Contains(t, fmtConditions(p), tc.wantMsg)
			}
		})
	}
}

func fmtConditions(o *unstructured.Unstructured) string {
	return fmt.Sprint(slice(o, "status", "conditions"))
}

func TestKubelet_terminatingPodsGo(t *testing.T) {
	f := newFixture(t)
	f.create(gvrNamespaces, namespace("app"))
	p := pod("app", "p", map[string]any{})
	p.SetFinalizers([]string{"example.com/hold"}) // keeps it visible as Terminating in the fake
	f.create(gvrPods, p)
	f.settle()
	f.delete(gvrPods, "app", "p")
	f.edit(gvrPods, "app", "p", func(o *unstructured.Unstructured) { o.SetFinalizers(nil) })
	f.settle()
	assert.Nil(t, f.get(gvrPods, "app", "p"))
}

func TestVolumes(t *testing.T) {
	f := newFixture(t)
	f.create(gvrNamespaces, namespace("db"))
	f.create(gvrPVCs, obj("v1", "PersistentVolumeClaim", "db", "data", map[string]any{
		"accessModes": []any{"ReadWriteOnce"}, "resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}}))
	f.settle()
	assert.NotEqual(t, "Bound", str(f.must(gvrPVCs, "db", "data"), "status", "phase"), "WaitForFirstConsumer: no pod, no volume")

	f.create(gvrPods, pod("db", "postgres", map[string]any{"volumes": []any{map[string]any{"name": "d", "persistentVolumeClaim": map[string]any{"claimName": "data"}}}}))
	f.settle()
	claim := f.must(gvrPVCs, "db", "data")
	assert.Equal(t, "Bound", str(claim, "status", "phase"))
	pvName := str(claim, "spec", "volumeName")
	require.NotEmpty(t, pvName)
	assert.Equal(t, str(f.must(gvrPods, "db", "postgres"), "spec", "nodeName"), claim.GetAnnotations()["volume.kubernetes.io/selected-node"])
	assert.True(t, isTrue(f.must(gvrPods, "db", "postgres"), "Ready"))

	f.delete(gvrPVCs, "db", "data")
	f.settle()
	assert.Nil(t, f.get(gvrPVCs, "db", "data"), "the protection finalizer is removed")
	assert.Nil(t, f.get(gvrPVs, "", pvName), "reclaim policy Delete")
}

func TestDeploymentStatus_standalone(t *testing.T) {
	f := newFixture(t)
	f.create(gvrNamespaces, namespace("app"))
	labels := map[string]any{"app": "a"}
	f.create(gvrDeployments, obj("apps/v1", "Deployment", "app", "a", map[string]any{"replicas": int64(2), "selector": map[string]any{"matchLabels": labels},
		"template": map[string]any{"metadata": map[string]any{"labels": labels}, "spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "x"}}}}}))
	f.settle()
	assert.True(t, f.check(readiness.DeploymentAvailable("app", "a")).Ready)
	assert.Equal(t, int64(2), num(f.must(gvrDeployments, "app", "a"), "status", "availableReplicas"))
}
