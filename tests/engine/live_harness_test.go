package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/rhoai-pulumi/installer/tests/kubeenv"
	"github.com/rhoai-pulumi/installer/tests/ocpsim"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// Secret values of the live stack (testkit.Config): none may appear in the
// state file in plaintext.
var liveSecrets = map[string]string{
	"maasDatabasePassword":   "db-secret-value",
	"route53AccessKeyId":     "AKIAEXAMPLE",
	"route53SecretAccessKey": "route53-secret-value",
}

// liveDelays are the simulated operations at 1% of a real cluster's: the
// ratios of a real install, each step well under a gate's poll interval.
func liveDelays() ocpsim.Delays { return ocpsim.RealisticDelays().Scale(0.01) }

// gatePollMax is the program's gate poll cap (readiness.NewWaiter: 2 s
// doubling to 10 s, and a watch wakes a gate sooner): a terminal state is
// seen at the next poll at the latest. A run must fail within two intervals
// of the fault becoming visible.
const gatePollMax = 10 * time.Second

// live is one throwaway control plane, its simulated OpenShift, and a stack
// of the real program pointed at it.
type live struct {
	t         *testing.T
	ctx       context.Context
	env       *kubeenv.Env
	sim       *ocpsim.Sim
	dyn       dynamic.Interface
	stack     auto.Stack
	stackName string
	stateDir  string

	auditLog string             // the API server's audit log (finalizer edits)
	runCtx   testkit.RunContext // the current run's context, for the program's waits

	logMu      sync.Mutex
	simLog     []string
	panics     int
	firstPanic string
}

// startLive starts kubeenv and the simulator (opts adjusts its options) and
// creates stack <name> with two models, MaaS enabled, baremetal, live mode.
// Everything stops in t.Cleanup, also on failure.
func startLive(t *testing.T, ctx context.Context, name string, opts func(*ocpsim.Options)) *live {
	t.Helper()
	l := &live{t: t, ctx: ctx, stackName: name}
	timed(t, "control plane start", func() {
		audit, log, err := auditArgs(t.TempDir())
		require.NoError(t, err)
		l.auditLog = log
		env, err := kubeenv.Start(ctx, kubeenv.Options{ExtraAPIServerArgs: audit})
		require.NoError(t, err)
		l.env = env
		t.Cleanup(func() {
			if err := env.Stop(); err != nil {
				t.Logf("kubeenv stop: %v", err)
			}
		})
	})
	l.dyn = l.env.Dynamic()
	o := ocpsim.Options{Delays: liveDelays(), Interval: 200 * time.Millisecond, Log: l.logSim}
	if opts != nil {
		opts(&o)
	}
	sim, err := ocpsim.New(l.env.RESTConfig(), o)
	require.NoError(t, err)
	l.sim = sim
	timed(t, "simulator bootstrap", func() { require.NoError(t, sim.Bootstrap(ctx)) })
	simCtx, stopSim := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); l.runSim(simCtx) }()
	// Registered after env.Stop, so it runs first (t.Cleanup is LIFO).
	t.Cleanup(func() {
		stopSim()
		<-done
		if n, first := l.simPanics(); n > 0 {
			t.Errorf("simulator bug: a reconcile pass panicked %d times (recovered, Run restarted); first: %s", n, first)
		}
		if t.Failed() {
			l.dumpSimLog(60)
		}
	})
	l.stack, l.stateDir = liveStack(t, ctx, name, l.env.Kubeconfig, &l.runCtx)
	return l
}

// runSim runs the simulator until ctx ends. A pass that panics (a
// simulator bug) would kill the test binary with no context: it is
// recovered and recorded, and the test fails in cleanup with what the
// simulator was doing; Run restarts after a pause so teardown completes.
func (l *live) runSim(ctx context.Context) {
	for ctx.Err() == nil {
		var panicked any
		func() {
			defer func() { panicked = recover() }()
			_ = l.sim.Run(ctx)
		}()
		if panicked == nil {
			continue
		}
		l.recordPanic(panicked)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *live) recordPanic(r any) {
	l.logMu.Lock()
	defer l.logMu.Unlock()
	l.panics++
	if l.panics == 1 {
		l.firstPanic = time.Now().Format("15:04:05.000") + " " + fmt.Sprint(r)
	}
}

func (l *live) simPanics() (int, string) {
	l.logMu.Lock()
	defer l.logMu.Unlock()
	return l.panics, l.firstPanic
}

func (l *live) logSim(msg string) {
	l.logMu.Lock()
	defer l.logMu.Unlock()
	l.simLog = append(l.simLog, time.Now().Format("15:04:05.000")+" "+msg)
}

func (l *live) dumpSimLog(n int) {
	l.logMu.Lock()
	defer l.logMu.Unlock()
	from := max(0, len(l.simLog)-n)
	l.t.Logf("last %d simulator log lines:\n%s", len(l.simLog)-from, strings.Join(l.simLog[from:], "\n"))
}

// liveStack is stack name of the real project in a temp dir, configured
// from testkit.Config (baremetal, live, static Route53 keys and the
// database password as secrets) with two models and the kubeconfig.
func liveStack(t *testing.T, ctx context.Context, name, kubeconfig string, run *testkit.RunContext) (auto.Stack, string) {
	t.Helper()
	s, state, err := testkit.InlineStack(ctx, t.TempDir(), name, "engine-test", run)
	require.NoError(t, err)
	// The shipped Pulumi.baremetal.yaml (gpu.minAllocatable 2: two models of
	// one GPU each) with what the README tells a user to set, the test's
	// cluster and two models.
	cfg := testkit.Config().WithModels(2).
		Set("cluster", map[string]any{"kubeconfig": kubeconfig}).
		Build()
	// Structured keys as objects (the project declares them type: object;
	// a JSON string would not validate), secrets encrypted.
	values := map[string]any{}
	for k, v := range cfg {
		entry := map[string]any{"secret": false}
		if _, secret := liveSecrets[k]; secret {
			entry["secret"] = true
		}
		if str, ok := v.(string); ok {
			entry["value"] = str
		} else {
			raw, err := json.Marshal(v)
			require.NoError(t, err)
			entry["value"] = string(raw)
			entry["objectValue"] = v
		}
		values["rhoai:"+k] = entry
	}
	raw, err := json.Marshal(values)
	require.NoError(t, err)
	require.NoError(t, s.Workspace().SetAllConfigJson(ctx, name, string(raw), nil))
	return s, state
}

func timed(t *testing.T, name string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	f()
	d := time.Since(start)
	t.Logf("TIMING %s: %s", name, d.Round(time.Millisecond))
	return d
}

// output collects a command's progress in memory.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// progress is where a command's progress goes: a file in
// $RHOAI_ENGINE_LOG_DIR when set (for debugging), else nowhere.
func (l *live) progress(step string) io.WriteCloser {
	dir := os.Getenv("RHOAI_ENGINE_LOG_DIR")
	if dir == "" {
		return nopCloser{io.Discard}
	}
	name := strings.NewReplacer(" ", "-", "(", "", ")", "", "/", "-").Replace(l.t.Name() + "-" + step)
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		l.t.Logf("progress log: %v", err)
		return nopCloser{io.Discard}
	}
	return f
}

// keepState copies the state file to $RHOAI_ENGINE_LOG_DIR (debugging).
func (l *live) keepState(step string) {
	if dir := os.Getenv("RHOAI_ENGINE_LOG_DIR"); dir != "" {
		name := strings.NewReplacer(" ", "-", "(", "", ")", "", "/", "-").Replace(l.t.Name() + "-" + step)
		_ = os.WriteFile(filepath.Join(dir, name+".state.json"), l.stateFile(), 0o600)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// failures records when the engine first reported a failed resource
// operation, and the diagnostics at error severity.
type failures struct {
	onEvent func(events.EngineEvent) // sees every event, when set

	mu    sync.Mutex
	first time.Time
	diags []string
}

func (f *failures) watch() chan<- events.EngineEvent {
	ch := make(chan events.EngineEvent)
	go func() {
		for e := range ch {
			if f.onEvent != nil {
				f.onEvent(e)
			}
			failed := e.ResOpFailedEvent != nil
			if d := e.DiagnosticEvent; d != nil && d.Severity == "error" {
				failed = true
				f.mu.Lock()
				f.diags = append(f.diags, strings.TrimSpace(d.Message))
				f.mu.Unlock()
			}
			if failed {
				f.mu.Lock()
				if f.first.IsZero() {
					f.first = time.Now()
				}
				f.mu.Unlock()
			}
		}
	}()
	return ch
}

// summary lists the error diagnostics (the gate messages), for a failure message.
func (f *failures) summary() string {
	if f == nil {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.diags, "\n---\n")
}

func (f *failures) firstFailure() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// firstTime polls cond every 100 ms from now on and reports, on the
// returned function, the first moment it held (zero when it never did).
func firstTime(ctx context.Context, cond func(context.Context) bool) func() time.Time {
	var mu sync.Mutex
	var at time.Time
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if cond(ctx) {
				mu.Lock()
				at = time.Now()
				mu.Unlock()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() time.Time {
		cancel()
		mu.Lock()
		defer mu.Unlock()
		return at
	}
}

// stateFile is the stack's checkpoint as the file backend stores it.
func (l *live) stateFile() []byte {
	l.t.Helper()
	raw, err := os.ReadFile(filepath.Join(l.stateDir, ".pulumi", "stacks", "rhoai", l.stackName+".json"))
	require.NoError(l.t, err)
	return raw
}

// stateResource is one resource of the checkpoint.
type stateResource struct {
	URN     string         `json:"urn"`
	Type    string         `json:"type"`
	Custom  bool           `json:"custom"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
}

func (l *live) stateResources() (resources []stateResource, pending int) {
	l.t.Helper()
	var cp struct {
		Checkpoint struct {
			Latest struct {
				Resources         []stateResource `json:"resources"`
				PendingOperations []any           `json:"pending_operations"`
			} `json:"latest"`
		} `json:"checkpoint"`
	}
	require.NoError(l.t, json.Unmarshal(l.stateFile(), &cp))
	return cp.Checkpoint.Latest.Resources, len(cp.Checkpoint.Latest.PendingOperations)
}

// kubeObject is a Kubernetes object the program created (not a Patch of a
// platform object, not a provider).
type kubeObject struct {
	apiVersion, kind, namespace, name string
}

func (o kubeObject) String() string {
	return fmt.Sprintf("%s %s %s/%s", o.apiVersion, o.kind, o.namespace, o.name)
}

// createdObjects lists, from the checkpoint, the objects the program
// created (Patch resources only take fields of objects others own).
func createdObjects(resources []stateResource) []kubeObject {
	var out []kubeObject
	for _, r := range resources {
		if !r.Custom || !strings.HasPrefix(r.Type, "kubernetes:") || strings.HasPrefix(r.Type, "pulumi:providers:") ||
			strings.HasSuffix(r.Type, "Patch") {
			continue
		}
		src := r.Outputs
		if _, ok := src["apiVersion"].(string); !ok {
			src = r.Inputs
		}
		meta, _ := src["metadata"].(map[string]any)
		o := kubeObject{apiVersion: asString(src["apiVersion"]), kind: asString(src["kind"])}
		if meta != nil {
			o.namespace, o.name = asString(meta["namespace"]), asString(meta["name"])
		}
		out = append(out, o)
	}
	return out
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// resourceFor finds the resource of a kind through the API server's
// discovery documents (served: false when the version is not served, e.g.
// its CRD is gone, so no object of it exists).
func (l *live) resourceFor(apiVersion, kind string) (g schema.GroupVersionResource, namespaced, served bool, err error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return g, false, false, err
	}
	path := "/apis/" + gv.Group + "/" + gv.Version
	if gv.Group == "" {
		path = "/api/" + gv.Version
	}
	hc, err := rest.HTTPClientFor(l.env.RESTConfig())
	if err != nil {
		return g, false, false, err
	}
	req, err := http.NewRequestWithContext(l.ctx, http.MethodGet, l.env.Server+path, nil)
	if err != nil {
		return g, false, false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return g, false, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return g, false, false, nil
	}
	var list metav1.APIResourceList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return g, false, false, fmt.Errorf("discovery %s: %w", path, err)
	}
	for _, r := range list.APIResources {
		if r.Kind == kind && !strings.Contains(r.Name, "/") {
			return gv.WithResource(r.Name), r.Namespaced, true, nil
		}
	}
	return g, false, false, nil
}

// exists reports whether o is still on the cluster.
func (l *live) exists(o kubeObject) (bool, error) {
	g, namespaced, served, err := l.resourceFor(o.apiVersion, o.kind)
	if err != nil || !served {
		return false, err
	}
	var r dynamic.ResourceInterface = l.dyn.Resource(g)
	if namespaced {
		r = l.dyn.Resource(g).Namespace(o.namespace)
	}
	_, err = r.Get(l.ctx, o.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (l *live) list(g schema.GroupVersionResource, ns string) []unstructured.Unstructured {
	l.t.Helper()
	list, err := l.dyn.Resource(g).Namespace(ns).List(l.ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(l.t, err, "listing %s", g.Resource)
	return list.Items
}

// Kinds the program itself reads come from internal/kube; these two only the test reads.
var (
	gvrCertificates    = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}
	gvrClusterPolicies = schema.GroupVersionResource{Group: "nvidia.com", Version: "v1", Resource: "clusterpolicies"}
)
