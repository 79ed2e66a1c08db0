package preflight

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic/fake"

	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// sentinel is planted in the fake pull secret; it must never reach a report.
const sentinel = "SENTINEL-tok-7f3a9c"

// clusterVersionObj has one Completed history entry, as after an install.
func clusterVersionObj(v string) *unstructured.Unstructured {
	return kubetest.Object("config.openshift.io/v1", "ClusterVersion", "", "version", map[string]any{
		"status": map[string]any{
			"desired": map[string]any{"version": v},
			"history": []any{map[string]any{"state": "Completed", "version": v}},
		},
	})
}

func storageClass(name string, isDefault bool) *unstructured.Unstructured {
	sc := kubetest.Object("storage.k8s.io/v1", "StorageClass", "", name, map[string]any{"provisioner": "ebs.csi.aws.com"})
	if isDefault {
		sc.SetAnnotations(map[string]string{"storageclass.kubernetes.io/is-default-class": "true"})
	}
	return sc
}

// dockerConfig builds a .dockerconfigjson whose every credential holds the sentinel.
func dockerConfig(t *testing.T, registries ...string) string {
	t.Helper()
	auths := map[string]any{}
	for _, r := range registries {
		auths[r] = map[string]any{
			"auth":  base64.StdEncoding.EncodeToString([]byte("user:" + sentinel)),
			"email": sentinel + "@example.com",
		}
	}
	raw, err := json.Marshal(map[string]any{"auths": auths})
	require.NoError(t, err)
	return string(raw)
}

func pullSecret(dockerConfigJSON string) *unstructured.Unstructured {
	return kubetest.Object("v1", "Secret", "openshift-config", "pull-secret", map[string]any{
		"type": "kubernetes.io/dockerconfigjson",
		"data": map[string]any{".dockerconfigjson": base64.StdEncoding.EncodeToString([]byte(dockerConfigJSON))},
	})
}

func infrastructure(platform, region string) *unstructured.Unstructured {
	ps := map[string]any{"type": platform}
	if region != "" {
		ps["aws"] = map[string]any{"region": region}
	}
	return kubetest.Object("config.openshift.io/v1", "Infrastructure", "", "cluster", map[string]any{
		"status": map[string]any{"platform": platform, "platformStatus": ps, "infrastructureName": "ocp-x7k2p"},
	})
}

func subscription(ns, name, pkg string) *unstructured.Unstructured {
	return kubetest.Object("operators.coreos.com/v1alpha1", "Subscription", ns, name, map[string]any{
		"spec": map[string]any{"name": pkg, "channel": "stable", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
	})
}

func csv(ns, name string, copiedFrom string) *unstructured.Unstructured {
	c := kubetest.Object("operators.coreos.com/v1alpha1", "ClusterServiceVersion", ns, name, map[string]any{
		"status": map[string]any{"phase": "Succeeded"},
	})
	if copiedFrom != "" {
		c.SetLabels(map[string]string{"olm.copiedFrom": copiedFrom})
		c.Object["status"] = map[string]any{"phase": "Succeeded", "reason": "Copied"}
	}
	return c
}

// fixture is a fake cluster, healthy unless a case changes it.
type fixture struct {
	objects []*unstructured.Unstructured
	admin   bool
}

func healthy(t *testing.T) *fixture {
	return &fixture{
		admin: true,
		objects: []*unstructured.Unstructured{
			clusterVersionObj("4.21.3"),
			storageClass("gp3-csi", true),
			storageClass("gp2-csi", false),
			pullSecret(dockerConfig(t, "cloud.openshift.com", "quay.io", "registry.connect.redhat.com", "registry.redhat.io")),
			infrastructure("AWS", "us-east-2"),
			subscription("openshift-operators", "servicemeshoperator3", "servicemeshoperator3"),
			csv("openshift-operators", "servicemeshoperator3.v3.1.0", ""),
			subscription("openshift-gitops-operator", "openshift-gitops-operator", "openshift-gitops-operator"),
		},
	}
}

// replace swaps the object of the same kind, namespace and name.
func (f *fixture) replace(u *unstructured.Unstructured) {
	for i, o := range f.objects {
		if o.GetKind() == u.GetKind() && o.GetNamespace() == u.GetNamespace() && o.GetName() == u.GetName() {
			f.objects[i] = u
			return
		}
	}
	f.objects = append(f.objects, u)
}

// remove drops every object of a kind (and name, when given).
func (f *fixture) remove(kind, name string) {
	var keep []*unstructured.Unstructured
	for _, o := range f.objects {
		if o.GetKind() == kind && (name == "" || o.GetName() == name) {
			continue
		}
		keep = append(keep, o)
	}
	f.objects = keep
}

func (f *fixture) client() *fake.FakeDynamicClient {
	objs := make([]runtime.Object, len(f.objects))
	for i, o := range f.objects {
		objs[i] = o
	}
	c := kubetest.Client(objs...)
	kubetest.AnswerAccessReviews(c, f.admin)
	return c
}
