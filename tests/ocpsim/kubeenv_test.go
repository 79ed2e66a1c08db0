//go:build kubeenv

// Integration against a real kube-apiserver and kube-controller-manager
// (tests/kubeenv; binaries from scripts/kube-toolchain.sh):
//
//	go test -tags kubeenv ./tests/ocpsim -run TestAgainstKubeenv -v
package ocpsim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/tls"
	"github.com/rhoai-pulumi/installer/tests/kubeenv"
)

type live struct {
	t   *testing.T
	ctx context.Context
	c   dynamic.Interface
}

// eventually polls a gate (the simulator runs asynchronously here).
func (l live) eventually(what string, chk readiness.Check) {
	l.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var st readiness.Status
	for time.Now().Before(deadline) {
		var err error
		st, err = chk(l.ctx, l.c)
		if err == nil && st.Ready {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	l.t.Fatalf("%s: not ready after 60s: %s", what, st.Message)
}

func (l live) create(g schema.GroupVersionResource, o *unstructured.Unstructured) {
	l.t.Helper()
	var err error
	if o.GetNamespace() != "" {
		_, err = l.c.Resource(g).Namespace(o.GetNamespace()).Create(l.ctx, o, metav1.CreateOptions{})
	} else {
		_, err = l.c.Resource(g).Create(l.ctx, o, metav1.CreateOptions{})
	}
	require.NoError(l.t, err, "creating %s %s", o.GetKind(), key(o.GetNamespace(), o.GetName()))
}

func TestAgainstKubeenv(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := kubeenv.Start(ctx, kubeenv.Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, env.Stop()) }()

	sim, err := New(env.RESTConfig(), Options{Interval: 100 * time.Millisecond, Log: func(m string) { t.Log(m) }})
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, sim.Bootstrap(ctx))
	t.Logf("bootstrap: %s", time.Since(start))
	// Every CRD the simulator may register is accepted by a real API server.
	require.NoError(t, newPass(ctx, sim).registerCRDs(allCRDs()))
	require.NoError(t, sim.waitEstablished(ctx, allCRDs()))
	go func() { _ = sim.Run(ctx) }()

	l := live{t: t, ctx: ctx, c: env.Dynamic()}

	// OLM and cert-manager with the real deployment controller and the
	// simulated kubelet.
	l.create(gvrNamespaces, namespace("cert-manager"))
	l.create(gvrNamespaces, namespace(opCertManager.ns))
	l.create(gvrOperatorGroups, obj("operators.coreos.com/v1", "OperatorGroup", opCertManager.ns, opCertManager.ns, map[string]any{"upgradeStrategy": "Default"}))
	l.create(gvrSubscriptions, obj("operators.coreos.com/v1alpha1", "Subscription", opCertManager.ns, opCertManager.pkg, map[string]any{
		"channel": "stable-v1", "installPlanApproval": "Automatic", "name": opCertManager.pkg, "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"}))
	l.eventually("CSV", readiness.CSVSucceeded(opCertManager.ns, opCertManager.pkg, ""))
	l.eventually("CRD", readiness.CRDEstablished("certificates.cert-manager.io"))
	l.eventually("CertManager", readiness.Exists(gvrCertManagers, "CertManager", "", "cluster"))
	for _, d := range []string{"cert-manager", "cert-manager-webhook", "cert-manager-cainjector"} {
		l.eventually(d, readiness.DeploymentAvailable("cert-manager", d))
	}
	l.eventually("webhook CA", tls.WebhookCAInjected(tls.WebhookConfiguration))
	cm, err := l.c.Resource(gvrCertManagers).Get(ctx, "cluster", metav1.GetOptions{})
	require.NoError(t, err)
	set(cm, toAnySlice(overrideArgs), "spec", "controllerConfig", "overrideArgs")
	_, err = l.c.Resource(gvrCertManagers).Update(ctx, cm, metav1.UpdateOptions{})
	require.NoError(t, err)
	l.eventually("controller rolled out with the override args", tls.ControllerConfigured(overrideArgs))

	// A workload like the MaaS PostgreSQL: Deployment Available, endpoints,
	// a WaitForFirstConsumer claim bound.
	l.create(gvrNamespaces, namespace("db"))
	claim := obj("v1", "PersistentVolumeClaim", "db", "maas-db", map[string]any{
		"accessModes": []any{"ReadWriteOnce"}, "resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}})
	l.create(gvrPVCs, claim)
	labels := map[string]any{"app": "maas-db"}
	l.create(gvrDeployments, obj("apps/v1", "Deployment", "db", "maas-db", map[string]any{
		"replicas": int64(1), "selector": map[string]any{"matchLabels": labels},
		"template": map[string]any{"metadata": map[string]any{"labels": labels}, "spec": map[string]any{
			"containers": []any{map[string]any{"name": "postgres", "image": "registry.redhat.io/rhel9/postgresql-16:latest",
				"volumeMounts": []any{map[string]any{"name": "data", "mountPath": "/var/lib/pgsql/data"}}}},
			"volumes": []any{map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "maas-db"}}},
		}},
	}))
	l.create(gvrServices, obj("v1", "Service", "db", "maas-db", map[string]any{"selector": labels,
		"ports": []any{map[string]any{"name": "postgresql", "port": int64(5432), "targetPort": int64(5432)}}}))
	l.eventually("maas-db Available", readiness.DeploymentAvailable("db", "maas-db"))
	l.eventually("claim Bound", func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		o, err := c.Resource(gvrPVCs).Namespace("db").Get(ctx, "maas-db", metav1.GetOptions{})
		if err != nil || str(o, "status", "phase") != "Bound" {
			return readiness.NotYet("claim not bound"), err
		}
		return readiness.Ready("bound"), nil
	})
	l.eventually("endpoints", func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		o, err := c.Resource(gvr("", "v1", "endpoints")).Namespace("db").Get(ctx, "maas-db", metav1.GetOptions{})
		if err != nil {
			return readiness.NotYet("no endpoints"), nil
		}
		for _, s := range slice(o, "subsets") {
			if len(toSlice(mapOf(s)["addresses"])) > 0 {
				return readiness.Ready("endpoints"), nil
			}
		}
		return readiness.NotYet("no ready address"), nil
	})

	// Deleting the namespace finishes: pods go, the claim's finalizer too.
	require.NoError(t, l.c.Resource(gvrNamespaces).Delete(ctx, "db", metav1.DeleteOptions{}))
	l.eventually("namespace gone", func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		_, err := c.Resource(gvrNamespaces).Get(ctx, "db", metav1.GetOptions{})
		if err == nil {
			return readiness.NotYet("namespace db still there"), nil
		}
		return readiness.Ready("gone"), nil
	})

	stats := sim.Requests()
	t.Logf("simulator requests after %s: %d total, by verb %v", time.Since(start).Round(time.Second), stats.Total, stats.ByVerb)
	for _, k := range stats.Top(8) {
		t.Logf("  %6d %s", stats.ByResource[k], k)
	}
	fmt.Println()
}

// TestProgramSignalsAgainstKubeenv walks the program's phases (the same
// walk as TestProgramSignals) against a real API server, with the real
// deployment, replicaset, endpoint and garbage-collector controllers.
func TestProgramSignalsAgainstKubeenv(t *testing.T) {
	for _, platform := range []Platform{BareMetal, AWS} {
		t.Run(string(platform), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			env, err := kubeenv.Start(ctx, kubeenv.Options{})
			require.NoError(t, err)
			defer func() { assert.NoError(t, env.Stop()) }()
			sim, err := New(env.RESTConfig(), Options{Platform: platform})
			require.NoError(t, err)
			require.NoError(t, sim.Bootstrap(ctx))
			start := time.Now()
			programSignals(t, &fixture{t: t, ctx: ctx, c: env.Dynamic(), sim: sim, live: true}, platform)
			stats := sim.Requests()
			t.Logf("%s: program walk in %s, %d simulator requests (%v)", platform, time.Since(start).Round(time.Second), stats.Total, stats.ByVerb)
		})
	}
}
