package engine

// Live engine tests: the real program through the
// real Pulumi engine against a throwaway kube-apiserver and
// kube-controller-manager (tests/kubeenv) with the simulated OpenShift
// platform (tests/ocpsim) playing OLM, the operators, the machine API
// and the kubelet, at 1% of a real cluster's delays. Each test starts its
// own control plane and simulator, and stops them in t.Cleanup.
//
// Wall time on 2 cores: about 6.5 minutes for this package (render test
// included), under go test's default 10-minute timeout but without much
// margin on a loaded machine. RHOAI_ENGINE_LOG_DIR=<dir> keeps each
// command's progress output there (and the state file of a failed preview).

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/ocpsim"
)

// b, e, f: up converges with no human step; a preview right after changes
// nothing; the state file holds no plaintext secret; refresh then preview
// changes nothing although the simulated operators default and rewrite
// fields, while a real drift of a field the program sets is reported;
// destroy leaves no object the program created, no CSV and no namespace
// Terminating.
func TestEngineLive_upRefreshDriftDestroy(t *testing.T) {
	requireEngine(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	l := startLive(t, ctx, "live", nil)

	// Waiting gates report on the dependent's component line: what they wait
	// for, what they see, the time spent and left.
	var progress []string
	var mu sync.Mutex
	timed(t, "up (converge)", func() {
		_, f, err := l.tryUp(ctx, "up (converge)", func(e events.EngineEvent) {
			if d := e.DiagnosticEvent; d != nil && d.Ephemeral && strings.Contains(d.Message, " waits on ") {
				mu.Lock()
				progress = append(progress, strings.TrimSpace(d.Message))
				mu.Unlock()
			}
		})
		require.NoError(t, err, f.summary())
	})
	mu.Lock()
	require.NotEmpty(t, progress, "no progress line from a waiting gate")
	t.Logf("PROGRESS lines from waiting gates: %d, e.g. %q", len(progress), progress[len(progress)/2])
	for _, line := range progress {
		assert.Regexp(t, `^\S+ waits on \w+( \([^)]+\))?: .+; waited \w+, \w+ left for .+$`, line)
	}
	mu.Unlock()
	resources, pending := l.stateResources()
	objects := createdObjects(resources)
	t.Logf("RESOURCES in state after up: %d (%d Kubernetes objects the program created, %d pending operations)", len(resources), len(objects), pending)
	require.Zero(t, pending)
	l.previewNoChanges("preview after up (expect no changes)")

	// e. The state file as the file backend stores it.
	timed(t, "state file scan for plaintext secrets", func() {
		state := string(l.stateFile())
		for key, value := range liveSecrets {
			assert.NotContains(t, state, value, "rhoai:%s in plaintext in the state file", key)
			assert.NotContains(t, state, base64.StdEncoding.EncodeToString([]byte(value)), "rhoai:%s base64-encoded in the state file", key)
		}
		assert.Contains(t, state, `"ciphertext"`, "secrets are stored encrypted")
	})

	// f. Operators' defaults and rewrites are no drift...
	timed(t, "refresh", func() {
		f := &failures{}
		res, err := l.stack.Refresh(ctx, optrefresh.EventStreams(f.watch()))
		require.NoError(t, err, f.summary())
		t.Logf("refresh: %v", res.Summary.ResourceChanges)
	})
	l.previewNoChanges("preview after refresh (expect no changes)")
	l.requireOperatorRewrites()

	// ... a change of a field the program sets is.
	timed(t, "real drift: refresh + preview report it", func() {
		_, err := l.dyn.Resource(gvrClusterPolicies).Patch(ctx, "gpu-cluster-policy", types.MergePatchType,
			[]byte(`{"spec":{"mig":{"strategy":"mixed"}}}`), metav1.PatchOptions{FieldManager: "someone-by-hand"})
		require.NoError(t, err)
		f := &failures{}
		_, err = l.stack.Refresh(ctx, optrefresh.EventStreams(f.watch()))
		require.NoError(t, err, f.summary())
		// The hand edit made "someone-by-hand" the owner of the field, so the
		// provider's server-side-apply dry run reports a field conflict
		// (no force on resources the program creates): the preview shows
		// the update and fails naming the field. Either way it is reported.
		out := &output{}
		res, err := l.stack.Preview(ctx, optpreview.Diff(), optpreview.ProgressStreams(out))
		diff := out.String()
		if err != nil {
			assert.Contains(t, err.Error(), `conflict with "someone-by-hand"`, "only the field conflict fails the preview")
			assert.Contains(t, err.Error(), ".spec.mig.strategy")
			t.Logf("drift: the preview fails with the server-side-apply conflict: %s", firstMatching(err.Error(), "conflict with"))
		} else {
			assert.Equal(t, 1, changes(res.ChangeSummary), "exactly the drifted ClusterPolicy: %v", res.ChangeSummary)
		}
		assert.Contains(t, diff, "~ kubernetes:nvidia.com/v1:ClusterPolicy: (update)", "the drifted object is reported")
		assert.Equal(t, 1, strings.Count(diff, "(update)"), "nothing else is")
		assert.Contains(t, diff, `strategy: "mixed" => "single"`, "the drifted field is named, with the value the program sets")
		t.Logf("drift reported: ClusterPolicy gpu-cluster-policy %s", firstMatching(diff, "strategy"))
	})

	l.destroy("destroy")
	timed(t, "post-destroy checks", func() { l.requireClean(objects) })
	t.Logf("TIMING test total: %s", time.Since(start).Round(time.Millisecond))
}

// c. Each injected fault fails the run soon after it becomes visible, with
// the operator's message; once cleared, the next up converges (the failed
// gate ran again).
func TestEngineLive_faults(t *testing.T) {
	requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()

	t.Run("CSV Failed", func(t *testing.T) {
		const msg = `install strategy failed: Deployment.apps "nfd-controller-manager" is invalid: spec.template.spec.containers[0].image: Required value`
		fault := ocpsim.Fault{Kind: ocpsim.CSVFailed, Package: "nfd", Message: msg}
		l := startLive(t, ctx, "fault-csv", nil)
		require.NoError(t, l.sim.Inject(fault))
		visible := firstTime(ctx, func(ctx context.Context) bool {
			for _, csv := range l.listQuiet(kube.CSVs, "openshift-nfd") {
				if phase, _, _ := unstructured.NestedString(csv.Object, "status", "phase"); phase == "Failed" {
					return true
				}
			}
			return false
		})
		l.faultRun("csv", visible, msg, nil)
		l.sim.Clear(fault)
		l.up("csv: up after clearing (converge)")
		l.previewNoChanges("csv: preview (expect no changes)")
	})

	t.Run("Certificate Failed", func(t *testing.T) {
		fault := ocpsim.Fault{Kind: ocpsim.CertificateFailed, Namespace: "openshift-ingress", Name: "ocp-ingress"}
		l := startLive(t, ctx, "fault-certificate", nil)
		require.NoError(t, l.sim.Inject(fault))
		visible := firstTime(ctx, func(ctx context.Context) bool {
			c, err := l.dyn.Resource(gvrCertificates).Namespace("openshift-ingress").Get(ctx, "ocp-ingress", metav1.GetOptions{})
			return err == nil && conditionReason(c, "Issuing") == "Failed"
		})
		l.faultRun("certificate", visible, "Incorrect TXT record found at _acme-challenge", nil)
		l.sim.Clear(fault)
		l.up("certificate: up after clearing (converge)")
		l.previewNoChanges("certificate: preview (expect no changes)")
	})

	t.Run("InstallPlan Failed", func(t *testing.T) {
		// OLM's ExecutePlan failure (catalog operator.go): the plan Failed,
		// the Subscription InstallPlanFailed=True, never retried.
		const msg = `error validating existing CRs against new CRD's schema for "leaderworkersetoperators.operator.openshift.io": error validating operator.openshift.io/v1, Kind=LeaderWorkerSetOperator "cluster": updated validation is too restrictive`
		fault := ocpsim.Fault{Kind: ocpsim.InstallPlanFailed, Package: "leader-worker-set", Message: msg}
		l := startLive(t, ctx, "fault-installplan", nil)
		require.NoError(t, l.sim.Inject(fault))
		visible := firstTime(ctx, func(ctx context.Context) bool {
			for _, ip := range l.listQuiet(kube.InstallPlans, "openshift-lws-operator") {
				if phase, _, _ := unstructured.NestedString(ip.Object, "status", "phase"); phase == "Failed" {
					return true
				}
			}
			return false
		})
		l.faultRun("installplan", visible, msg, nil)
		l.sim.Clear(fault)
		// A failed plan is final: deleting it makes OLM resolve again.
		for _, ip := range l.list(kube.InstallPlans, "openshift-lws-operator") {
			require.NoError(t, l.dyn.Resource(kube.InstallPlans).Namespace(ip.GetNamespace()).Delete(ctx, ip.GetName(), metav1.DeleteOptions{}))
		}
		l.up("installplan: up after clearing and deleting the failed plan (converge)")
		l.previewNoChanges("installplan: preview (expect no changes)")
	})

	t.Run("MaaS without the Tenant API", func(t *testing.T) {
		// opendatahub-operator@v3.4.0 get_all_manifests.sh pins
		// models-as-a-service v0.1.0: no Tenant CRD.
		fault := ocpsim.Fault{Kind: ocpsim.MaaSWithoutTenant}
		l := startLive(t, ctx, "fault-maas-v010", nil)
		require.NoError(t, l.sim.Inject(fault))
		visible := firstTime(ctx, func(ctx context.Context) bool {
			for _, c := range l.listQuiet(kube.CRDs, "") {
				if c.GetName() == maas.ModelRefCRD {
					return true
				}
			}
			return false
		})
		l.faultRun("maas-v010", visible, "the cluster serves models-as-a-service without the Tenant API", nil)
		l.sim.Clear(fault)
		l.up("maas-v010: up once the Tenant API is served (converge)")
		l.previewNoChanges("maas-v010: preview (expect no changes)")
	})

	t.Run("Kuadrant MissingDependency", func(t *testing.T) {
		// kuadrant-operator's pod probed its dependencies too early: the
		// kuadrantReady gate restarts it once, as the message asks, and the
		// run converges without a human.
		l := startLive(t, ctx, "fault-kuadrant", nil)
		require.NoError(t, l.sim.Inject(ocpsim.Fault{Kind: ocpsim.KuadrantStartedEarly}))
		var restarted atomic.Bool
		timed(t, "kuadrant: up (converge through one operator restart)", func() {
			_, f, err := l.tryUp(ctx, "kuadrant", func(e events.EngineEvent) {
				if d := e.DiagnosticEvent; d != nil && strings.Contains(d.Message, "the operator pod was restarted as the message asks") {
					restarted.Store(true)
				}
			})
			require.NoError(t, err, f.summary())
		})
		assert.True(t, restarted.Load(), "the gate restarted the kuadrant-operator pod")
		l.previewNoChanges("kuadrant: preview (expect no changes)")
	})

	t.Run("Machine InsufficientInstanceCapacity", func(t *testing.T) {
		// No bare-metal GPU node: the GPUs come from a GPU MachineSet,
		// created once the models' gpuAllocatable gate is waiting, whose
		// Machines cannot launch.
		fault := ocpsim.Fault{Kind: ocpsim.InsufficientCapacity, Name: gpuMachineSet, Terminal: true}
		l := startLive(t, ctx, "fault-machine", func(o *ocpsim.Options) { o.GPUNodes = -1 })
		require.NoError(t, l.sim.Inject(fault))
		visible := firstTime(ctx, func(ctx context.Context) bool {
			for _, m := range l.listQuiet(kube.Machines, "openshift-machine-api") {
				if phase, _, _ := unstructured.NestedString(m.Object, "status", "phase"); phase == "Failed" {
					return true
				}
			}
			return false
		})
		var created atomic.Bool
		l.faultRun("machine", visible, "InsufficientInstanceCapacity", func(e events.EngineEvent) {
			if pre := e.ResourcePreEvent; pre != nil && strings.HasSuffix(pre.Metadata.Type, ":LLMInferenceService") && created.CompareAndSwap(false, true) {
				l.createGPUMachineSet(2)
			}
		})
		require.True(t, created.Load(), "the GPU MachineSet was created while the gate waited")
		l.sim.Clear(fault)
		// The machine API never retries a failed Machine (README, Troubleshooting):
		// delete it so the MachineSet replaces it.
		for _, m := range l.list(kube.Machines, "openshift-machine-api") {
			if phase, _, _ := unstructured.NestedString(m.Object, "status", "phase"); phase == "Failed" {
				require.NoError(t, l.dyn.Resource(kube.Machines).Namespace(m.GetNamespace()).Delete(ctx, m.GetName(), metav1.DeleteOptions{}))
			}
		}
		l.up("machine: up after clearing and deleting the failed Machines (converge)")
		l.previewNoChanges("machine: preview (expect no changes)")
	})
}

// d. An up cancelled midway (SIGINT, as the Automation API does on context
// cancellation), then one killed midway (SIGKILL of the pulumi CLI), then a
// re-run: it converges, and a preview changes nothing.
func TestEngineLive_interrupted(t *testing.T) {
	requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	l := startLive(t, ctx, "interrupted", nil)

	// interruptBound is how soon an up cancelled while a gate waits must
	// return: the waits end with the run's context, not their budgets
	// (minutes). The engine first lets running steps finish.
	const interruptBound = 20 * time.Second
	interrupt := func(name string, after int, kill, whileWaiting bool) {
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		done := 0
		var stopped time.Time
		var waiting string
		var once sync.Once
		halt := func() {
			stopped = time.Now()
			if kill {
				l.killPulumi()
			} else {
				stop()
			}
		}
		timed(t, name, func() {
			_, f, err := l.tryUp(runCtx, name, func(e events.EngineEvent) {
				if whileWaiting {
					if d := e.DiagnosticEvent; d != nil && d.Ephemeral && strings.Contains(d.Message, " waits on ") {
						once.Do(func() { waiting = strings.TrimSpace(d.Message); halt() })
					}
					return
				}
				if e.ResOutputsEvent == nil || e.ResOutputsEvent.Metadata.Op == apitype.OpSame {
					return
				}
				if done++; done == after {
					halt()
				}
			})
			require.Error(t, err, "the run was interrupted")
			took := time.Since(stopped)
			if whileWaiting {
				require.NotEmpty(t, waiting, "no gate waited")
				t.Logf("%s: cancelled while %q; the run returned %s later (bound %s): %s", name, waiting, took.Round(time.Millisecond), interruptBound, firstLine(err.Error()+" "+f.summary()))
				assert.Less(t, took, interruptBound, "a cancelled run returns without waiting out its gates")
				return
			}
			t.Logf("%s: stopped after %d resources; the run returned %s later: %s", name, after,
				took.Round(time.Millisecond), firstLine(err.Error()+" "+f.summary()))
		})
		resources, pending := l.stateResources()
		t.Logf("%s: state holds %d resources, %d pending operations", name, len(resources), pending)
	}
	interrupt("up cancelled while a gate waits (SIGINT)", 0, false, true)
	interrupt("up cancelled (SIGINT)", 25, false, false)
	interrupt("up killed (SIGKILL)", 25, true, false)

	// A killed CLI leaves the stack's lock behind: pulumi cancel removes it.
	timed(t, "pulumi cancel (the killed run's lock)", func() { require.NoError(t, l.stack.Cancel(ctx)) })
	_, pending := l.stateResources()
	// The pending operations (creates the killed CLI had started) need no
	// refresh: the engine warns and applies them again (server-side apply
	// takes over an object that exists). Should that ever fail, the re-run
	// is repeated with optup.Refresh() and the test says so.
	var rerun time.Duration
	var err error
	var f *failures
	rerun = timed(t, "re-run after the interruptions (converge)", func() {
		_, f, err = l.tryUp(ctx, "re-run", nil)
	})
	if err != nil {
		t.Logf("RE-RUN NEEDED REFRESH: plain re-run with %d pending operations failed after %s: %v %s", pending, rerun, err, f.summary())
		l.up("re-run with refresh (converge)", optup.Refresh())
	} else {
		t.Logf("the plain re-run converged with %d pending operations in state", pending)
	}
	// The stale pending creates stay in the state (each later run warns)
	// until a refresh clears them; a non-interactive refresh does so only
	// with --clear-pending-creates. It drops the records, not the objects:
	// the re-run recorded them as ordinary resources.
	_, left := l.stateResources()
	timed(t, "refresh --clear-pending-creates", func() {
		f := &failures{}
		_, err := l.stack.Refresh(ctx, optrefresh.ClearPendingCreates(), optrefresh.EventStreams(f.watch()))
		require.NoError(t, err, f.summary())
	})
	resources, cleared := l.stateResources()
	t.Logf("pending operations after the re-run: %d, after refresh --clear-pending-creates: %d; RESOURCES %d", left, cleared, len(resources))
	assert.Zero(t, cleared)
	l.previewNoChanges("preview after the re-run (expect no changes)")
}

// faultRun runs an up that must fail because of an injected fault: within
// two gate poll intervals of the fault becoming visible, naming message.
func (l *live) faultRun(name string, visible func() time.Time, message string, onEvent func(events.EngineEvent)) {
	t := l.t
	t.Helper()
	var err error
	var f *failures
	timed(t, name+": up with the fault (expect failure)", func() {
		_, f, err = l.tryUp(l.ctx, name, onEvent)
	})
	failed := time.Now()
	seen := visible()
	require.Error(t, err, "the run fails")
	require.False(t, seen.IsZero(), "the fault became visible")
	t.Logf("FAULT %s: visible %s before the first failed resource, %s before the run failed; message: %s",
		name, f.firstFailure().Sub(seen).Round(time.Millisecond), failed.Sub(seen).Round(time.Millisecond), firstMatching(f.summary(), message))
	assert.Contains(t, err.Error()+f.summary(), message, "the operator's message")
	assert.LessOrEqual(t, failed.Sub(seen), 2*gatePollMax, "the run fails within two gate poll intervals of the fault becoming visible")
	resources, _ := l.stateResources()
	t.Logf("%s: %d resources in state after the failed run", name, len(resources))
}

// requireOperatorRewrites proves the no-drift preview was not vacuous: the
// simulated operators did rewrite objects the program owns.
func (l *live) requireOperatorRewrites() {
	t := l.t
	t.Helper()
	cp, err := l.dyn.Resource(gvrClusterPolicies).Get(l.ctx, "gpu-cluster-policy", metav1.GetOptions{})
	require.NoError(t, err)
	_, found, _ := unstructured.NestedFieldNoCopy(cp.Object, "spec", "cdi")
	assert.True(t, found, "the GPU operator defaulted ClusterPolicy spec.cdi")
	ns, err := l.dyn.Resource(kube.Namespaces).Get(l.ctx, "team-a", metav1.GetOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, ns.GetAnnotations()["openshift.io/sa.scc.uid-range"], "OpenShift annotated the model namespace")
}

const gpuMachineSet = "ocp-x7k2p-gpu-worker-us-east-2a"

// createGPUMachineSet adds GPU capacity the way a cluster admin does: a
// MachineSet whose nodes carry the gpu-worker role and the GPU taint.
func (l *live) createGPUMachineSet(replicas int64) {
	labels := map[string]any{
		"machine.openshift.io/cluster-api-cluster":      "ocp-x7k2p",
		"machine.openshift.io/cluster-api-machine-role": "gpu-worker",
		"machine.openshift.io/cluster-api-machine-type": "gpu-worker",
		"machine.openshift.io/cluster-api-machineset":   gpuMachineSet,
	}
	ms := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineSet",
		"metadata": map[string]any{"name": gpuMachineSet, "namespace": "openshift-machine-api",
			"labels": map[string]any{"machine.openshift.io/cluster-api-cluster": "ocp-x7k2p"}},
		"spec": map[string]any{
			"replicas": replicas,
			"selector": map[string]any{"matchLabels": map[string]any{
				"machine.openshift.io/cluster-api-cluster": "ocp-x7k2p", "machine.openshift.io/cluster-api-machineset": gpuMachineSet}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					"metadata": map[string]any{"labels": map[string]any{"node-role.kubernetes.io/gpu-worker": ""}},
					"taints":   []any{map[string]any{"key": "nvidia.com/gpu", "effect": "NoSchedule"}},
					"providerSpec": map[string]any{"value": map[string]any{
						"apiVersion": "awsproviderconfig.openshift.io/v1beta1", "kind": "AWSMachineProviderConfig",
						"instanceType": "g5.2xlarge", "placement": map[string]any{"availabilityZone": "us-east-2a", "region": "us-east-2"},
					}},
				},
			},
		},
	}}
	if _, err := l.dyn.Resource(kube.MachineSets).Namespace("openshift-machine-api").Create(l.ctx, ms, metav1.CreateOptions{}); err != nil {
		l.t.Errorf("creating MachineSet %s: %v", gpuMachineSet, err)
	}
}

// killPulumi sends SIGKILL to the pulumi CLI this test process started
// (found by its parent pid), as an OOM kill or a lost CI runner would.
func (l *live) killPulumi() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		l.t.Errorf("reading /proc: %v", err)
		return
	}
	me := os.Getpid()
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		end := strings.LastIndexByte(s, ')')
		if end < 0 || !strings.HasSuffix(s[:end+1], " (pulumi)") {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(me) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			killed++
		}
	}
	if killed != 1 {
		l.t.Errorf("killed %d pulumi processes, expected 1", killed)
	}
}

func (l *live) listQuiet(g schema.GroupVersionResource, ns string) []unstructured.Unstructured {
	list, err := l.dyn.Resource(g).Namespace(ns).List(l.ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	return list.Items
}

func conditionReason(o *unstructured.Unstructured, condType string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == condType && m["status"] == "False" {
			r, _ := m["reason"].(string)
			return r
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func firstMatching(s, sub string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			return strings.TrimSpace(line)
		}
	}
	return firstLine(s)
}

// up runs pulumi up and requires it to converge.
func (l *live) up(name string, opts ...optup.Option) auto.UpResult {
	l.t.Helper()
	var res auto.UpResult
	timed(l.t, name, func() {
		var err error
		var f *failures
		res, f, err = l.tryUp(l.ctx, name, nil, opts...)
		require.NoError(l.t, err, f.summary())
	})
	return res
}

// tryUp runs pulumi up and returns its error and the failures it reported;
// onEvent sees every engine event.
func (l *live) tryUp(ctx context.Context, name string, onEvent func(events.EngineEvent), opts ...optup.Option) (auto.UpResult, *failures, error) {
	f := &failures{onEvent: onEvent}
	out := l.progress(name)
	defer out.Close()
	l.runCtx.Set(ctx)
	defer l.runCtx.Set(l.ctx)
	res, err := l.stack.Up(ctx, append(opts, optup.ProgressStreams(out), optup.EventStreams(f.watch()))...)
	return res, f, err
}

// previewNoChanges runs a preview that must propose no change; on failure
// the message carries the detailed diff.
func (l *live) previewNoChanges(name string) {
	l.t.Helper()
	timed(l.t, name, func() {
		res, err := l.stack.Preview(l.ctx, optpreview.ExpectNoChanges())
		if err != nil {
			l.keepState(name)
			l.t.Fatalf("%s: %v\ndiff:\n%s", name, err, l.previewDiff())
		}
		assert.Zero(l.t, changes(res.ChangeSummary), res.ChangeSummary)
	})
}

// previewDiff is the detailed diff of a preview (--diff), changed lines only.
func (l *live) previewDiff() string {
	out := &output{}
	_, _ = l.stack.Preview(l.ctx, optpreview.Diff(), optpreview.ProgressStreams(out))
	var lines []string
	for _, line := range strings.Split(out.String(), "\n") {
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "~") || strings.HasPrefix(trimmed, "+") ||
			strings.HasPrefix(trimmed, "-") || strings.HasPrefix(trimmed, "[urn") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

func changes(summary map[apitype.OpType]int) int {
	n := 0
	for op, c := range summary {
		if op != apitype.OpSame {
			n += c
		}
	}
	return n
}

func (l *live) destroy(name string) {
	l.t.Helper()
	timed(l.t, name, func() {
		f := &failures{}
		out := l.progress(name)
		defer out.Close()
		_, err := l.stack.Destroy(l.ctx, optdestroy.RunProgram(true), optdestroy.ProgressStreams(out), optdestroy.EventStreams(f.watch()))
		require.NoError(l.t, err, f.summary())
	})
}

// requireClean checks what destroy left: none of objects, no CSV, no
// namespace Terminating (after a short grace for the namespace controller).
func (l *live) requireClean(objects []kubeObject) {
	t := l.t
	t.Helper()
	var left []string
	for _, o := range objects {
		ok, err := l.exists(o)
		require.NoError(t, err, o.String())
		if ok {
			left = append(left, o.String())
		}
	}
	assert.Empty(t, left, "objects the program created, still there after destroy")
	var csvs []string
	for _, c := range l.list(kube.CSVs, "") {
		csvs = append(csvs, c.GetNamespace()+"/"+c.GetName())
	}
	assert.Empty(t, csvs, "CSVs left after destroy")
	var terminating []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		terminating = nil
		for _, ns := range l.list(kube.Namespaces, "") {
			if phase, _, _ := unstructured.NestedString(ns.Object, "status", "phase"); phase == "Terminating" {
				terminating = append(terminating, ns.GetName())
			}
		}
		if len(terminating) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	assert.Empty(t, terminating, "namespaces stuck Terminating 30s after destroy")
	maasLeft := l.maasLeftovers()
	assert.Empty(t, maasLeft, "what maas-controller made for the Tenant (label-tracked, cross-namespace and cluster-wide), still there after destroy")
	edits, err := finalizerEdits(l.auditLog)
	require.NoError(t, err)
	assert.Empty(t, edits, "finalizers edited by a client other than the controllers that own them")
	t.Logf("after destroy: %d of %d created objects left, %d CSVs, %d namespaces Terminating, %d Tenant leftovers, %d finalizer edits by the program",
		len(left), len(objects), len(csvs), len(terminating), len(maasLeft), len(edits))
}
