// Package kubetest holds the fixtures that the gate, preflight and health
// tests share: a clock that never sleeps, an unstructured object builder, a
// fake dynamic client that knows the list kinds of internal/kube, and a
// readiness.Waiter polling that client. It is made of ordinary (non-test)
// files so that the tests of other packages can import it; nothing but tests
// should.
package kubetest

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Start is the instant a NewClock starts at.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Clock is a readiness.Clock that never sleeps: Sleep records the pause in
// Slept, moves At forward by it, then calls OnSleep (when set), so a test can
// change the cluster between two polls. The zero Clock starts at the zero time.
type Clock struct {
	At      time.Time
	Slept   []time.Duration
	OnSleep func()
}

var _ readiness.Clock = (*Clock)(nil)

// NewClock returns a Clock at Start.
func NewClock() *Clock { return &Clock{At: Start} }

// Now is At.
func (c *Clock) Now() time.Time { return c.At }

// Sleep advances the clock by d at once; like the real clock, it fails
// when ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.Slept = append(c.Slept, d)
	c.At = c.At.Add(d)
	if c.OnSleep != nil {
		c.OnSleep()
	}
	return ctx.Err()
}

// Object builds an unstructured object from the top-level fields (status,
// spec, data, ...), then sets apiVersion, kind, metadata.namespace (none when
// ns is "") and metadata.name over them. fields is copied, not kept.
func Object(apiVersion, kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// FromJSON decodes one object written as JSON, failing the test on bad JSON.
func FromJSON(t testing.TB, js string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(js)); err != nil {
		t.Fatalf("decoding %s: %v", js, err)
	}
	return u
}

// ListKinds maps every resource of internal/kube/gvr.go to its list kind: a
// fake dynamic client can List only the resources it was told the list kind
// of. Add a line here with each resource added there.
var ListKinds = map[schema.GroupVersionResource]string{
	kube.Subscriptions:       "SubscriptionList",
	kube.CSVs:                "ClusterServiceVersionList",
	kube.InstallPlans:        "InstallPlanList",
	kube.PackageManifests:    "PackageManifestList",
	kube.CRDs:                "CustomResourceDefinitionList",
	kube.Nodes:               "NodeList",
	kube.Namespaces:          "NamespaceList",
	kube.Secrets:             "SecretList",
	kube.ConfigMaps:          "ConfigMapList",
	kube.Deployments:         "DeploymentList",
	kube.StorageClasses:      "StorageClassList",
	kube.ClusterVersions:     "ClusterVersionList",
	kube.Infrastructures:     "InfrastructureList",
	kube.DNSes:               "DNSList",
	kube.IngressConfigs:      "IngressList",
	kube.SelfSubjectReviews:  "SelfSubjectAccessReviewList",
	kube.Machines:            "MachineList",
	kube.MachineSets:         "MachineSetList",
	kube.EnvoyFilters:        "EnvoyFilterList",
	kube.DSCInitializations:  "DSCInitializationList",
	kube.DataScienceClusters: "DataScienceClusterList",
}

// Client is a fake cluster holding objs that can List every resource of
// ListKinds.
func Client(objs ...runtime.Object) *fake.FakeDynamicClient {
	return ClientWith(nil, objs...)
}

// ClientWith is Client that can also List the resources of extra (a layer's
// own CRDs, say); extra wins where both name a resource.
func ClientWith(extra map[schema.GroupVersionResource]string, objs ...runtime.Object) *fake.FakeDynamicClient {
	lists := make(map[schema.GroupVersionResource]string, len(ListKinds)+len(extra))
	for gvr, kind := range ListKinds {
		lists[gvr] = kind
	}
	for gvr, kind := range extra {
		lists[gvr] = kind
	}
	return fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
}

// AnswerAccessReviews makes every SelfSubjectAccessReview created on c come
// back with status.allowed; a denial gives the reason "no RBAC policy matched".
func AnswerAccessReviews(c *fake.FakeDynamicClient, allowed bool) {
	c.PrependReactor("create", "selfsubjectaccessreviews", func(action k8stesting.Action) (bool, runtime.Object, error) {
		out := action.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured).DeepCopy()
		status := map[string]any{"allowed": allowed}
		if !allowed {
			status["reason"] = "no RBAC policy matched"
		}
		out.Object["status"] = status
		return true, out, nil
	})
}

// WaiterOption changes a Waiter made by Waiter.
type WaiterOption func(*readiness.Waiter)

// Pacing sets the first pause between two reads and the cap of the pauses
// (by default 2 s and 10 s, as readiness.NewWaiter).
func Pacing(interval, maxInterval time.Duration) WaiterOption {
	return func(w *readiness.Waiter) { w.Interval, w.MaxInterval = interval, maxInterval }
}

// Waiter polls c on clock: every budget runs out at once, on the fake time.
func Waiter(c dynamic.Interface, clock readiness.Clock, opts ...WaiterOption) *readiness.Waiter {
	w := &readiness.Waiter{
		Client:   func() (dynamic.Interface, error) { return c, nil },
		Clock:    clock,
		Interval: 2 * time.Second, MaxInterval: 10 * time.Second,
	}
	for _, o := range opts {
		o(w)
	}
	return w
}
