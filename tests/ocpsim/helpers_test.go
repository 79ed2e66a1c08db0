package ocpsim

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// fakeClock is advanced by tests; nothing sleeps.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// fixture is a bootstrapped simulated cluster: on the dynamic fake
// (deterministic: passes run until nothing changes), or, with live set, on
// a real API server with its controllers (kubeenv_test.go), where the
// checks poll.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	c     dynamic.Interface
	sim   *Sim
	clock *fakeClock
	live  bool
}

func newFixture(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	o := Options{Standalone: true, Clock: clock}
	for _, fn := range opts {
		fn(&o)
	}
	c := NewFakeClient()
	sim, err := NewForClient(c, o)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, sim.Bootstrap(ctx))
	return &fixture{t: t, ctx: ctx, c: c, sim: sim, clock: clock}
}

func onAWS(o *Options)   { o.Platform = AWS }
func noDrift(o *Options) { o.NoDrift = true }

// settle runs enough passes for a chain of transitions to complete.
func (f *fixture) settle() {
	f.t.Helper()
	if !f.live {
		require.NoError(f.t, f.sim.Settle(f.ctx, 30))
		return
	}
	for i, quiet := 0, 0; i < 300 && quiet < 3; i++ {
		before := f.sim.client.writes()
		if err := f.sim.Step(f.ctx); err != nil {
			f.t.Logf("pass: %v", err)
		}
		if f.sim.client.writes() == before {
			quiet++
			time.Sleep(100 * time.Millisecond) // live only: the API server's controllers run meanwhile
		} else {
			quiet = 0
		}
	}
}

// eventually settles, then requires cond; live, it keeps passing and
// polling for up to a minute (controllers run asynchronously there).
func (f *fixture) eventually(what string, cond func() (bool, string)) {
	f.t.Helper()
	f.settle()
	ok, msg := cond()
	for deadline := time.Now().Add(time.Minute); f.live && !ok && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		_ = f.sim.Step(f.ctx)
		ok, msg = cond()
	}
	require.True(f.t, ok, "%s: %s", what, msg)
}

func (f *fixture) create(g schema.GroupVersionResource, o *unstructured.Unstructured) *unstructured.Unstructured {
	f.t.Helper()
	var r = f.c.Resource(g)
	var created *unstructured.Unstructured
	var err error
	if o.GetNamespace() != "" {
		created, err = r.Namespace(o.GetNamespace()).Create(f.ctx, o, metav1.CreateOptions{})
	} else {
		created, err = r.Create(f.ctx, o, metav1.CreateOptions{})
	}
	require.NoError(f.t, err, "creating %s %s", o.GetKind(), key(o.GetNamespace(), o.GetName()))
	return created
}

// get returns the object or nil.
func (f *fixture) get(g schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	f.t.Helper()
	var o *unstructured.Unstructured
	var err error
	if ns != "" {
		o, err = f.c.Resource(g).Namespace(ns).Get(f.ctx, name, metav1.GetOptions{})
	} else {
		o, err = f.c.Resource(g).Get(f.ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(f.t, err)
	return o
}

func (f *fixture) must(g schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	f.t.Helper()
	o := f.get(g, ns, name)
	require.NotNil(f.t, o, "%s %s should exist", g.Resource, key(ns, name))
	return o
}

// edit reads, changes and updates an object (bumping its generation when
// the spec changes, as a real API server does).
func (f *fixture) edit(g schema.GroupVersionResource, ns, name string, fn func(o *unstructured.Unstructured)) {
	f.t.Helper()
	o := f.must(g, ns, name)
	fn(o)
	var err error
	if ns != "" {
		_, err = f.c.Resource(g).Namespace(ns).Update(f.ctx, o, metav1.UpdateOptions{})
	} else {
		_, err = f.c.Resource(g).Update(f.ctx, o, metav1.UpdateOptions{})
	}
	require.NoError(f.t, err)
}

func (f *fixture) mergePatch(g schema.GroupVersionResource, ns, name string, patch map[string]any) {
	f.t.Helper()
	raw, err := json.Marshal(patch)
	require.NoError(f.t, err)
	if ns != "" {
		_, err = f.c.Resource(g).Namespace(ns).Patch(f.ctx, name, types.MergePatchType, raw, metav1.PatchOptions{})
	} else {
		_, err = f.c.Resource(g).Patch(f.ctx, name, types.MergePatchType, raw, metav1.PatchOptions{})
	}
	require.NoError(f.t, err)
}

func (f *fixture) delete(g schema.GroupVersionResource, ns, name string) {
	f.t.Helper()
	var err error
	if ns != "" {
		err = f.c.Resource(g).Namespace(ns).Delete(f.ctx, name, metav1.DeleteOptions{})
	} else {
		err = f.c.Resource(g).Delete(f.ctx, name, metav1.DeleteOptions{})
	}
	require.NoError(f.t, err)
}

// check runs one of the program's gate checks against the simulated cluster.
func (f *fixture) check(chk readiness.Check) readiness.Status {
	f.t.Helper()
	st, err := chk(f.ctx, f.c)
	require.NoError(f.t, err)
	return st
}

func obj(apiVersion, kind, ns, name string, spec map[string]any) *unstructured.Unstructured {
	o := newObject(apiVersion, kind, ns, name)
	if spec != nil {
		o.Object["spec"] = spec
	}
	return o
}

func namespace(name string) *unstructured.Unstructured { return obj("v1", "Namespace", "", name, nil) }

// operator describes an OLM install the way the program's olm.Operator
// makes it.
type operator struct {
	pkg, ns, channel, approval, startingCSV, source string
	own                                             bool // OwnNamespace OperatorGroup
	subName                                         string
}

// install creates Namespace, OperatorGroup and Subscription, then runs the
// program's CSV gate until it passes (approving a Manual pinned plan).
func (f *fixture) install(op operator) {
	f.t.Helper()
	if f.get(gvrSubscriptions, op.ns, op.subscription()) == nil {
		f.subscribe(op)
	}
	pin := ""
	if op.approval == "Manual" {
		pin = op.startingCSV
	}
	f.settle()
	_ = f.check(readiness.CSVSucceeded(op.ns, op.subscription(), pin)) // approves a pinned Manual plan
	f.eventually("CSV of "+op.pkg, func() (bool, string) {
		st := f.check(readiness.CSVSucceeded(op.ns, op.subscription(), pin))
		require.False(f.t, st.Terminal, st.Message)
		return st.Ready, st.Message
	})
}

func (op operator) subscription() string {
	if op.subName != "" {
		return op.subName
	}
	return op.pkg
}

func (f *fixture) subscribe(op operator) {
	f.t.Helper()
	if f.get(gvrNamespaces, "", op.ns) == nil {
		f.create(gvrNamespaces, namespace(op.ns))
	}
	if op.ns != "openshift-operators" {
		spec := map[string]any{"upgradeStrategy": "Default"}
		if op.own {
			spec = map[string]any{"targetNamespaces": []any{op.ns}}
		}
		f.create(gvrOperatorGroups, obj("operators.coreos.com/v1", "OperatorGroup", op.ns, op.ns, spec))
	}
	approval := op.approval
	if approval == "" {
		approval = "Automatic"
	}
	source := op.source
	if source == "" {
		source = "redhat-operators"
	}
	spec := map[string]any{"channel": op.channel, "installPlanApproval": approval, "name": op.pkg, "source": source, "sourceNamespace": "openshift-marketplace"}
	if op.startingCSV != "" {
		spec["startingCSV"] = op.startingCSV
	}
	f.create(gvrSubscriptions, obj("operators.coreos.com/v1alpha1", "Subscription", op.ns, op.subscription(), spec))
}

// The operators as the program installs them (stacks/operators.go).
var (
	opCertManager = operator{pkg: "openshift-cert-manager-operator", ns: "cert-manager-operator", channel: "stable-v1"}
	opNFD         = operator{pkg: "nfd", ns: "openshift-nfd", channel: "stable", own: true}
	opGPU         = operator{pkg: "gpu-operator-certified", ns: "nvidia-gpu-operator", channel: "v26.3", source: "certified-operators", own: true}
	opRHCL        = operator{pkg: "rhcl-operator", ns: "kuadrant-system", channel: "stable", approval: "Manual", startingCSV: "rhcl-operator.v1.3.4"}
	opLWS         = operator{pkg: "leader-worker-set", ns: "openshift-lws-operator", channel: "stable-v1.0", own: true}
	opTempo       = operator{pkg: "tempo-product", ns: "openshift-tempo-operator", channel: "stable"}
	opOTel        = operator{pkg: "opentelemetry-product", ns: "openshift-opentelemetry-operator", channel: "stable"}
	opCOO         = operator{pkg: "cluster-observability-operator", ns: "openshift-cluster-observability-operator", channel: "stable", approval: "Manual", startingCSV: "cluster-observability-operator.v1.4.0", subName: "openshift-cluster-observability-operator"}
	opRHOAI       = operator{pkg: "rhods-operator", ns: "redhat-ods-operator", channel: "stable-3.x", startingCSV: "rhods-operator.3.4.0"}
)

// waitForHolds evaluates a pulumi.com/waitFor expression the way the
// Kubernetes provider does for the forms the program uses:
// condition=<Type>, jsonpath={.a.b}=<value> and jsonpath={.a.b} (present).
func waitForHolds(o *unstructured.Unstructured, expr string) bool {
	if c, ok := strings.CutPrefix(expr, "condition="); ok {
		return o != nil && isTrue(o, c)
	}
	rest, ok := strings.CutPrefix(expr, "jsonpath={")
	if !ok || o == nil {
		return false
	}
	path, want, hasValue := strings.Cut(rest, "}=")
	path = strings.TrimSuffix(path, "}")
	v, found, _ := unstructured.NestedFieldNoCopy(o.Object, strings.Split(strings.TrimPrefix(path, "."), ".")...)
	if !found || v == nil || v == "" {
		return false
	}
	if !hasValue {
		return true
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`) == want
}
