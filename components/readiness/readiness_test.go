package readiness

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/fake"

	"github.com/rhoai-pulumi/installer/internal/kube"
)

// fakeClock advances only when the waiter sleeps: tests never sleep.
type fakeClock struct {
	now    time.Time
	slept  []time.Duration
	onTick func()
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	if c.onTick != nil {
		c.onTick()
	}
	return nil
}

func obj(apiVersion, kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
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

func newFake(objs ...runtime.Object) *fake.FakeDynamicClient {
	lists := map[schemaGVR]string{
		kube.Subscriptions: "SubscriptionList", kube.CSVs: "ClusterServiceVersionList",
		kube.InstallPlans: "InstallPlanList", kube.CRDs: "CustomResourceDefinitionList",
		kube.Nodes: "NodeList", kube.Deployments: "DeploymentList",
	}
	return fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
}

func waiterFor(c dynamic.Interface, clock *fakeClock) *Waiter {
	return &Waiter{Client: func() (dynamic.Interface, error) { return c, nil }, Clock: clock, Interval: 2 * time.Second, MaxInterval: 10 * time.Second}
}

func subscription(installed, approval string) *unstructured.Unstructured {
	return obj("operators.coreos.com/v1alpha1", "Subscription", "kuadrant-system", "rhcl-operator", map[string]any{
		"spec":   map[string]any{"installPlanApproval": approval},
		"status": map[string]any{"installedCSV": installed, "state": "AtLatestKnown"},
	})
}

func csv(name, phase, msg string) *unstructured.Unstructured {
	return obj("operators.coreos.com/v1alpha1", "ClusterServiceVersion", "kuadrant-system", name, map[string]any{
		"status": map[string]any{"phase": phase, "message": msg, "reason": "InstallComponentFailed"},
	})
}

func csvGate(pin string) Gate {
	return Gate{Name: "csvSucceeded", Object: "Subscription kuadrant-system/rhcl-operator", Constraint: "C1", Layer: "connectivity",
		Expect: "the installed CSV in phase Succeeded", Hint: "check: oc get csv -n kuadrant-system", Timeout: time.Minute,
		Check: CSVSucceeded("kuadrant-system", "rhcl-operator", pin)}
}

func TestCSVSucceeded(t *testing.T) {
	cases := []struct {
		name      string
		objs      []runtime.Object
		wantErr   error
		wantInErr []string
	}{
		{name: "passes when the installed CSV Succeeded", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Succeeded", "")}},
		{name: "fails fast with the CSV's own message when it Failed", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Failed", "install strategy failed: deployment rhcl not available")},
			wantErr: ErrTerminal, wantInErr: []string{"connectivity: gate csvSucceeded (C1)", "install strategy failed: deployment rhcl not available", "check: oc get csv"}},
		{name: "times out naming what it last saw while the CSV is Installing", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", "waiting for deployment")},
			wantErr: ErrTimeout, wantInErr: []string{"after 1m0s", `phase "Installing": waiting for deployment`}},
		{name: "times out when the Subscription has no CSV yet", objs: []runtime.Object{subscription("", "Automatic")},
			wantErr: ErrTimeout, wantInErr: []string{"has no installedCSV yet"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(0, 0)}
			w := waiterFor(newFake(tc.objs...), clock)
			err := w.Wait(context.Background(), csvGate(""))
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.wantErr), "error %v is not %v", err, tc.wantErr)
			for _, s := range tc.wantInErr {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestCSVSucceeded_becomesReadyWhileWaiting(t *testing.T) {
	client := newFake(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", ""))
	clock := &fakeClock{now: time.Unix(0, 0)}
	ticks := 0
	clock.onTick = func() {
		if ticks++; ticks == 3 {
			require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
		}
	}
	w := waiterFor(client, clock)
	require.NoError(t, w.Wait(context.Background(), csvGate("")))
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, clock.slept, "backs off 2s, 4s, 8s")
	assert.EqualValues(t, 4, w.Requests())
	// A second dependent of the same gate costs no request (memoized pass).
	require.NoError(t, w.Wait(context.Background(), csvGate("")))
	assert.EqualValues(t, 4, w.Requests())
}

func installPlan(name string, csvs []any, approved bool) *unstructured.Unstructured {
	return obj("operators.coreos.com/v1alpha1", "InstallPlan", "kuadrant-system", name, map[string]any{
		"spec": map[string]any{"clusterServiceVersionNames": csvs, "approved": approved, "approval": "Manual"},
	})
}

func TestCSVSucceeded_approvesOnlyThePinnedPlan(t *testing.T) {
	client := newFake(
		subscription("", "Manual"),
		installPlan("install-upgrade", []any{"rhcl-operator.v1.4.0"}, false),
		installPlan("install-pinned", []any{"rhcl-operator.v1.3.4", "authorino-operator.v0.22.0"}, false),
	)
	clock := &fakeClock{now: time.Unix(0, 0)}
	clock.onTick = func() {
		// OLM installs the CSV once its plan is approved.
		_ = client.Tracker().Add(csv("rhcl-operator.v1.3.4", "Succeeded", ""))
		_ = client.Tracker().Update(kube.Subscriptions, subscription("rhcl-operator.v1.3.4", "Manual"), "kuadrant-system")
	}
	w := waiterFor(client, clock)
	require.NoError(t, w.Wait(context.Background(), csvGate("rhcl-operator.v1.3.4")))

	pinned, err := client.Resource(kube.InstallPlans).Namespace("kuadrant-system").Get(context.Background(), "install-pinned", getOpts)
	require.NoError(t, err)
	approved, _, _ := unstructured.NestedBool(pinned.Object, "spec", "approved")
	assert.True(t, approved, "the plan listing the pin is approved")
	other, err := client.Resource(kube.InstallPlans).Namespace("kuadrant-system").Get(context.Background(), "install-upgrade", getOpts)
	require.NoError(t, err)
	approved, _, _ = unstructured.NestedBool(other.Object, "spec", "approved")
	assert.False(t, approved, "a plan without the pin is never approved")
}

func TestCSVSucceeded_refusesAnUnpinnedInstall(t *testing.T) {
	client := newFake(subscription("rhcl-operator.v1.4.0", "Manual"), installPlan("install-pinned", []any{"rhcl-operator.v1.3.4"}, true))
	err := waiterFor(client, &fakeClock{}).Wait(context.Background(), csvGate("rhcl-operator.v1.3.4"))
	require.ErrorIs(t, err, ErrTerminal)
	assert.Contains(t, err.Error(), "installed rhcl-operator.v1.4.0, not the pinned rhcl-operator.v1.3.4")
}

func crd(name string, conds ...map[string]any) *unstructured.Unstructured {
	list := []any{}
	for _, c := range conds {
		list = append(list, c)
	}
	return obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name, map[string]any{"status": map[string]any{"conditions": list}})
}

func node(name, gpus string) *unstructured.Unstructured {
	alloc := map[string]any{"cpu": "8"}
	if gpus != "" {
		alloc["nvidia.com/gpu"] = gpus
	}
	return obj("v1", "Node", "", name, map[string]any{"status": map[string]any{"allocatable": alloc}})
}

func TestChecks(t *testing.T) {
	established := map[string]any{"type": "Established", "status": "True"}
	cases := []struct {
		name  string
		check Check
		objs  []runtime.Object
		want  Status
	}{
		{"a CRD is ready once Established", CRDEstablished("kuadrants.kuadrant.io"), []runtime.Object{crd("kuadrants.kuadrant.io", established)}, Status{Ready: true}},
		{"a missing CRD is not ready yet", CRDEstablished("kuadrants.kuadrant.io"), nil, Status{}},
		{"a CRD whose names conflict is terminal", CRDEstablished("kuadrants.kuadrant.io"), []runtime.Object{crd("kuadrants.kuadrant.io", map[string]any{"type": "NamesAccepted", "status": "False", "reason": "NameConflict"})}, Status{Terminal: true}},
		{"GPUs are ready when nodes together offer enough", NodesAllocatable("nvidia.com/gpu", 2), []runtime.Object{node("w1", ""), node("g1", "1"), node("g2", "1")}, Status{Ready: true}},
		{"ClusterPolicy-ready but no GPU node is not ready (C6)", NodesAllocatable("nvidia.com/gpu", 1), []runtime.Object{node("w1", ""), node("g1", "0")}, Status{}},
		{"a Deployment is ready when Available", DeploymentAvailable("ns", "d"), []runtime.Object{obj("apps/v1", "Deployment", "ns", "d", map[string]any{"status": map[string]any{"conditions": []any{map[string]any{"type": "Available", "status": "True"}}}})}, Status{Ready: true}},
		{"a condition with a listed failure reason is terminal", ConditionTrue(kube.Deployments, "Deployment", "ns", "d", "Available", "ProgressDeadlineExceeded"), []runtime.Object{obj("apps/v1", "Deployment", "ns", "d", map[string]any{"status": map[string]any{"conditions": []any{map[string]any{"type": "Available", "status": "False", "reason": "ProgressDeadlineExceeded"}}}})}, Status{Terminal: true}},
		{"All reports the first check that is not ready", All(CRDEstablished("a.example.com"), CRDEstablished("b.example.com")), []runtime.Object{crd("a.example.com", established)}, Status{}},
		{"Exists passes for an operator-created object", Exists(kube.Deployments, "Deployment", "ns", "d"), []runtime.Object{obj("apps/v1", "Deployment", "ns", "d", nil)}, Status{Ready: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := tc.check(context.Background(), newFake(tc.objs...))
			require.NoError(t, err)
			assert.Equal(t, tc.want.Ready, st.Ready, st.Message)
			assert.Equal(t, tc.want.Terminal, st.Terminal, st.Message)
			assert.NotEmpty(t, st.Message)
		})
	}
}

func TestWaiter_transientErrorsAreRetriedUntilTimeout(t *testing.T) {
	g := Gate{Name: "flaky", Object: "x", Layer: "test", Expect: "ready", Timeout: 30 * time.Second,
		Check: func(context.Context, dynamic.Interface) (Status, error) {
			return Status{}, errors.New("connection refused")
		}}
	err := waiterFor(newFake(), &fakeClock{}).Wait(context.Background(), g)
	require.ErrorIs(t, err, ErrTimeout)
	assert.Contains(t, err.Error(), "last seen: error reading the cluster: connection refused")
}
