package readiness_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func subscription(installed, approval string) *unstructured.Unstructured {
	return kubetest.Object("operators.coreos.com/v1alpha1", "Subscription", "kuadrant-system", "rhcl-operator", map[string]any{
		"spec":   map[string]any{"installPlanApproval": approval},
		"status": map[string]any{"installedCSV": installed, "state": "AtLatestKnown"},
	})
}

func csv(name, phase, msg string) *unstructured.Unstructured {
	return csvWithReason(name, phase, "InstallSucceeded", msg)
}

func csvWithReason(name, phase, reason, msg string) *unstructured.Unstructured {
	return kubetest.Object("operators.coreos.com/v1alpha1", "ClusterServiceVersion", "kuadrant-system", name, map[string]any{
		"status": map[string]any{"phase": phase, "message": msg, "reason": reason},
	})
}

// subscriptionWith is a Subscription with conditions (OLM's abnormal-true
// polarity: True means the problem is there) and an InstallPlan reference.
func subscriptionWith(installed, plan string, conds ...map[string]any) *unstructured.Unstructured {
	sub := subscription(installed, "Automatic")
	st := sub.Object["status"].(map[string]any)
	if plan != "" {
		st["installPlanRef"] = map[string]any{"name": plan, "namespace": "kuadrant-system"}
		st["state"] = "UpgradePending"
	}
	var list []any
	for _, c := range conds {
		list = append(list, c)
	}
	st["conditions"] = list
	return sub
}

func olmCond(t, reason, msg string) map[string]any {
	return map[string]any{"type": t, "status": "True", "reason": reason, "message": msg}
}

func failedInstallPlan(name, phase, msg string) *unstructured.Unstructured {
	return kubetest.Object("operators.coreos.com/v1alpha1", "InstallPlan", "kuadrant-system", name, map[string]any{
		"spec":   map[string]any{"clusterServiceVersionNames": []any{"rhcl-operator.v1.3.4"}, "approved": true},
		"status": map[string]any{"phase": phase, "message": msg, "conditions": []any{map[string]any{"type": "Installed", "status": "False", "reason": "InstallComponentFailed", "message": msg}}},
	})
}

func csvGate(pin string) readiness.Gate {
	return readiness.Gate{Name: "csvSucceeded", Object: "Subscription kuadrant-system/rhcl-operator", Constraint: "C1", Layer: "connectivity",
		Expect: "the installed CSV in phase Succeeded", Hint: "check: oc get csv -n kuadrant-system", Timeout: time.Minute,
		Check: readiness.CSVSucceeded("kuadrant-system", "rhcl-operator", pin)}
}

func TestCSVSucceeded(t *testing.T) {
	cases := []struct {
		name      string
		objs      []runtime.Object
		wantErr   error
		wantInErr []string
	}{
		{name: "passes when the installed CSV Succeeded", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Succeeded", "")}},
		{name: "fails fast with the CSV's own message on a reason OLM does not retry", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csvWithReason("rhcl-operator.v1.3.4", "Failed", "InstallComponentFailedNoRetry", "install strategy failed: deployments.apps is forbidden")},
			wantErr: readiness.ErrTerminal, wantInErr: []string{"connectivity: gate csvSucceeded (C1)", "phase Failed (InstallComponentFailedNoRetry): install strategy failed: deployments.apps is forbidden", "check: oc get csv"}},
		{name: "keeps waiting on a Failed CSV that OLM re-checks (a slow image pull)", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csvWithReason("rhcl-operator.v1.3.4", "Failed", "InstallCheckFailed", "install timeout")},
			wantErr: readiness.ErrTimeout, wantInErr: []string{"phase Failed (InstallCheckFailed): install timeout; OLM re-checks it"}},
		{name: "fails fast on a failed InstallPlan, which OLM does not retry", objs: []runtime.Object{subscriptionWith("", "install-abc12", olmCond("InstallPlanFailed", "InstallComponentFailed", "error validating existing CRs against new CRD's schema")), failedInstallPlan("install-abc12", "Failed", "error validating existing CRs against new CRD's schema")},
			wantErr: readiness.ErrTerminal, wantInErr: []string{"InstallPlan kuadrant-system/install-abc12 phase Failed: error validating existing CRs"}},
		{name: "fails fast on the Subscription's InstallPlanFailed when the plan has no phase yet", objs: []runtime.Object{subscriptionWith("", "install-abc12", olmCond("InstallPlanFailed", "InstallComponentFailed", "error validating existing CRs against new CRD's schema")), failedInstallPlan("install-abc12", "Installing", "")},
			wantErr: readiness.ErrTerminal, wantInErr: []string{"InstallPlanFailed (InstallComponentFailed): error validating existing CRs"}},
		{name: "waits once the failed plan is deleted: OLM resolves again", objs: []runtime.Object{subscriptionWith("", "install-abc12", olmCond("InstallPlanFailed", "InstallComponentFailed", "error validating existing CRs against new CRD's schema"))},
			wantErr: readiness.ErrTimeout, wantInErr: []string{"its failed InstallPlan was deleted, OLM resolves again"}},
		{name: "fails fast on an InstallPlan in phase Failed even before the Subscription says so", objs: []runtime.Object{subscriptionWith("", "install-abc12"), failedInstallPlan("install-abc12", "Failed", "CustomResourceDefinition.apiextensions.k8s.io \"x\" is invalid")},
			wantErr: readiness.ErrTerminal, wantInErr: []string{"InstallPlan kuadrant-system/install-abc12 phase Failed", "oc delete installplan install-abc12 -n kuadrant-system"}},
		{name: "fails fast when the bundle cannot be unpacked", objs: []runtime.Object{subscriptionWith("", "", olmCond("BundleUnpackFailed", "BundleUnpackFailed", "bundle unpacking failed. Reason: DeadlineExceeded"))},
			wantErr: readiness.ErrTerminal, wantInErr: []string{"BundleUnpackFailed (BundleUnpackFailed): bundle unpacking failed"}},
		{name: "reports a resolution failure while OLM retries it", objs: []runtime.Object{subscriptionWith("", "", olmCond("ResolutionFailed", "ConstraintsNotSatisfiable", "no operators found in channel stable of package rhcl-operator"))},
			wantErr: readiness.ErrTimeout, wantInErr: []string{"has no installedCSV yet", "ResolutionFailed (ConstraintsNotSatisfiable): no operators found in channel stable"}},
		{name: "times out naming what it last saw while the CSV is Installing", objs: []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", "waiting for deployment")},
			wantErr: readiness.ErrTimeout, wantInErr: []string{"after 1m0s", `phase "Installing" (InstallSucceeded): waiting for deployment`}},
		{name: "times out when the Subscription has no CSV yet", objs: []runtime.Object{subscription("", "Automatic")},
			wantErr: readiness.ErrTimeout, wantInErr: []string{"has no installedCSV yet"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := &kubetest.Clock{At: time.Unix(0, 0)}
			w := kubetest.Waiter(kubetest.Client(tc.objs...), clock)
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
	client := kubetest.Client(subscription("rhcl-operator.v1.3.4", "Automatic"), csv("rhcl-operator.v1.3.4", "Installing", ""))
	clock := &kubetest.Clock{At: time.Unix(0, 0)}
	ticks := 0
	clock.OnSleep = func() {
		if ticks++; ticks == 3 {
			require.NoError(t, client.Tracker().Update(kube.CSVs, csv("rhcl-operator.v1.3.4", "Succeeded", ""), "kuadrant-system"))
		}
	}
	w := kubetest.Waiter(client, clock)
	require.NoError(t, w.Wait(context.Background(), csvGate("")))
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, clock.Slept, "backs off 2s, 4s, 8s")
	assert.EqualValues(t, 4, w.Requests())
	// A second dependent of the same gate costs no request (memoized pass).
	require.NoError(t, w.Wait(context.Background(), csvGate("")))
	assert.EqualValues(t, 4, w.Requests())
}

func installPlan(name string, csvs []any, approved bool) *unstructured.Unstructured {
	return kubetest.Object("operators.coreos.com/v1alpha1", "InstallPlan", "kuadrant-system", name, map[string]any{
		"spec": map[string]any{"clusterServiceVersionNames": csvs, "approved": approved, "approval": "Manual"},
	})
}

func TestCSVSucceeded_approvesOnlyThePinnedPlan(t *testing.T) {
	client := kubetest.Client(
		subscription("", "Manual"),
		installPlan("install-upgrade", []any{"rhcl-operator.v1.4.0"}, false),
		installPlan("install-pinned", []any{"rhcl-operator.v1.3.4", "authorino-operator.v0.22.0"}, false),
	)
	clock := &kubetest.Clock{At: time.Unix(0, 0)}
	clock.OnSleep = func() {
		// OLM installs the CSV once its plan is approved.
		_ = client.Tracker().Add(csv("rhcl-operator.v1.3.4", "Succeeded", ""))
		_ = client.Tracker().Update(kube.Subscriptions, subscription("rhcl-operator.v1.3.4", "Manual"), "kuadrant-system")
	}
	w := kubetest.Waiter(client, clock)
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
	client := kubetest.Client(subscription("rhcl-operator.v1.4.0", "Manual"), installPlan("install-pinned", []any{"rhcl-operator.v1.3.4"}, true))
	err := kubetest.Waiter(client, &kubetest.Clock{}).Wait(context.Background(), csvGate("rhcl-operator.v1.3.4"))
	require.ErrorIs(t, err, readiness.ErrTerminal)
	assert.Contains(t, err.Error(), "installed rhcl-operator.v1.4.0, not the pinned rhcl-operator.v1.3.4")
}

func crd(name string, conds ...map[string]any) *unstructured.Unstructured {
	list := []any{}
	for _, c := range conds {
		list = append(list, c)
	}
	return kubetest.Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name, map[string]any{"status": map[string]any{"conditions": list}})
}

func node(name, gpus string) *unstructured.Unstructured {
	alloc := map[string]any{"cpu": "8"}
	if gpus != "" {
		alloc["nvidia.com/gpu"] = gpus
	}
	return kubetest.Object("v1", "Node", "", name, map[string]any{"status": map[string]any{"allocatable": alloc}})
}

func TestChecks(t *testing.T) {
	established := map[string]any{"type": "Established", "status": "True"}
	cases := []struct {
		name  string
		check readiness.Check
		objs  []runtime.Object
		want  readiness.Status
	}{
		{"a CRD is ready once Established", readiness.CRDEstablished("kuadrants.kuadrant.io"), []runtime.Object{crd("kuadrants.kuadrant.io", established)}, readiness.Status{Ready: true}},
		{"a missing CRD is not ready yet", readiness.CRDEstablished("kuadrants.kuadrant.io"), nil, readiness.Status{}},
		{"a CRD whose names conflict is terminal", readiness.CRDEstablished("kuadrants.kuadrant.io"), []runtime.Object{crd("kuadrants.kuadrant.io", map[string]any{"type": "NamesAccepted", "status": "False", "reason": "NameConflict"})}, readiness.Status{Terminal: true}},
		{"GPUs are ready when nodes together offer enough", readiness.NodesAllocatable("nvidia.com/gpu", 2), []runtime.Object{node("w1", ""), node("g1", "1"), node("g2", "1")}, readiness.Status{Ready: true}},
		{"ClusterPolicy-ready but no GPU node is not ready (C6)", readiness.NodesAllocatable("nvidia.com/gpu", 1), []runtime.Object{node("w1", ""), node("g1", "0")}, readiness.Status{}},
		{"a Deployment is ready when Available", readiness.DeploymentAvailable("ns", "d"), []runtime.Object{kubetest.Object("apps/v1", "Deployment", "ns", "d", map[string]any{"status": map[string]any{"conditions": []any{map[string]any{"type": "Available", "status": "True"}}}})}, readiness.Status{Ready: true}},
		{"a condition with a listed failure reason is terminal", readiness.ConditionTrue(kube.Deployments, "Deployment", "ns", "d", "Available", "ProgressDeadlineExceeded"), []runtime.Object{kubetest.Object("apps/v1", "Deployment", "ns", "d", map[string]any{"status": map[string]any{"conditions": []any{map[string]any{"type": "Available", "status": "False", "reason": "ProgressDeadlineExceeded"}}}})}, readiness.Status{Terminal: true}},
		{"All reports the first check that is not ready", readiness.All(readiness.CRDEstablished("a.example.com"), readiness.CRDEstablished("b.example.com")), []runtime.Object{crd("a.example.com", established)}, readiness.Status{}},
		{"Exists passes for an operator-created object", readiness.Exists(kube.Deployments, "Deployment", "ns", "d"), []runtime.Object{kubetest.Object("apps/v1", "Deployment", "ns", "d", nil)}, readiness.Status{Ready: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := tc.check(context.Background(), kubetest.Client(tc.objs...))
			require.NoError(t, err)
			assert.Equal(t, tc.want.Ready, st.Ready, st.Message)
			assert.Equal(t, tc.want.Terminal, st.Terminal, st.Message)
			assert.NotEmpty(t, st.Message)
		})
	}
}

func TestWaiter_transientErrorsAreRetriedUntilTimeout(t *testing.T) {
	g := readiness.Gate{Name: "flaky", Object: "x", Layer: "test", Expect: "ready", Timeout: 30 * time.Second,
		Check: func(context.Context, dynamic.Interface) (readiness.Status, error) {
			return readiness.Status{}, errors.New("connection refused")
		}}
	err := kubetest.Waiter(kubetest.Client(), &kubetest.Clock{}).Wait(context.Background(), g)
	require.ErrorIs(t, err, readiness.ErrTimeout)
	assert.Contains(t, err.Error(), "last seen: error reading the cluster: connection refused")
}

// A gate's failure is remembered for the run: the next dependent fails at
// once with the same error and no request, so N dependents of a stuck gate
// cost one budget, not N.
func TestWaiter_remembersAFailureForTheRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		objs    []runtime.Object
		wantErr error
	}{
		{"a terminal state", []runtime.Object{subscription("rhcl-operator.v1.3.4", "Automatic"), csvWithReason("rhcl-operator.v1.3.4", "Failed", "InvalidInstallStrategy", "install strategy failed")}, readiness.ErrTerminal},
		{"a timeout", []runtime.Object{subscription("", "Automatic")}, readiness.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &kubetest.Clock{At: time.Unix(0, 0)}
			w := kubetest.Waiter(kubetest.Client(tc.objs...), clock)
			first := w.Wait(context.Background(), csvGate(""))
			require.ErrorIs(t, first, tc.wantErr)
			requests, waited := w.Requests(), clock.At
			for i := 0; i < 5; i++ {
				again := w.Wait(context.Background(), csvGate(""))
				assert.Equal(t, first, again, "the same error")
			}
			assert.Equal(t, requests, w.Requests(), "no request after the first verdict")
			assert.Equal(t, waited, clock.At, "no time spent after the first verdict")
			assert.Equal(t, first, w.Failed(csvGate("")))
		})
	}
}

// A cancelled run ends a waiting gate at once (Ctrl-C must not wait out a
// budget), and the cancellation is its verdict for the rest of the run.
func TestWaiter_endsWhenTheRunIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clock := &kubetest.Clock{At: time.Unix(0, 0)}
	sleeps := 0
	clock.OnSleep = func() {
		if sleeps++; sleeps == 3 {
			cancel()
		}
	}
	w := kubetest.Waiter(kubetest.Client(subscription("", "Automatic")), clock)
	err := w.Wait(ctx, csvGate(""))
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "interrupted while waiting for the installed CSV in phase Succeeded")
	assert.Less(t, clock.At.Sub(time.Unix(0, 0)), time.Minute, "well inside the budget")
}

// A waiting gate reports what it sees at once, on every change, and at a
// steady interval, with time spent and left.
func TestWaiter_reportsProgress(t *testing.T) {
	client := kubetest.Client(subscription("", "Automatic"))
	clock := &kubetest.Clock{At: time.Unix(0, 0)}
	checks := 0
	clock.OnSleep = func() {
		if checks++; checks == 4 { // the CSV appears, Installing
			sub := subscription("rhcl-operator.v1.3.4", "Automatic")
			_, _ = client.Resource(kube.Subscriptions).Namespace("kuadrant-system").Update(context.Background(), sub, metav1.UpdateOptions{})
			_, _ = client.Resource(kube.CSVs).Namespace("kuadrant-system").Create(context.Background(), csv("rhcl-operator.v1.3.4", "Installing", "waiting for deployment"), metav1.CreateOptions{})
		}
	}
	w := kubetest.Waiter(client, clock)
	w.ReportEvery = 10 * time.Second
	var lines []string
	err := w.WaitReporting(context.Background(), csvGate(""), func(l string) { lines = append(lines, l) })
	require.ErrorIs(t, err, readiness.ErrTimeout)
	require.NotEmpty(t, lines)
	assert.Equal(t, `csvSucceeded (C1): Subscription kuadrant-system/rhcl-operator has no installedCSV yet (state "AtLatestKnown"); waited 0s, 1m0s left for the installed CSV in phase Succeeded`, lines[0], "the first read is reported at once")
	changed := false
	for _, l := range lines {
		changed = changed || strings.Contains(l, `phase "Installing" (InstallSucceeded): waiting for deployment`)
	}
	assert.True(t, changed, "a change is reported: %v", lines)
	assert.GreaterOrEqual(t, len(lines), 5, "and the unchanged state every 10 s over the minute: %v", lines)
	assert.LessOrEqual(t, len(lines), 10, "but not on every poll: %v", lines)
}
