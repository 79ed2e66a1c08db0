package bench

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rhoai-pulumi/installer/tests/ocpsim"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// Node is one step of the install as the simulated platform times it: a
// resource the program registers (created once its dependencies are done,
// then done after the operation its waitFor or provider await waits for) or
// a gate (its operation starts when its trigger is done and passes after
// the operation's delay).
type Node struct {
	Name  string
	Kind  string // the Kubernetes kind of a resource ("" for a gate)
	Gate  bool
	Phase int           // the rationale's phase (1–6; 0 for the provider)
	Await time.Duration // the simulated operation it waits for once it may start
	What  string        // the operation, for reports
	Deps  []string      // nodes that must be done before it starts
}

// Graph is the program's dependency graph with simulated durations.
type Graph struct {
	Nodes map[string]*Node
}

// Path is a longest path through the graph.
type Path struct {
	Total time.Duration
	Steps []string // node names, first to last, with their operation
}

// BuildGraph turns a mock run's registrations (deps and gate hooks) into the
// timed graph: each resource gets the delay of the operation it waits for
// (awaitOf), each gate its trigger and delay (gateOf).
func BuildGraph(rec *pulumitest.Recorder, d ocpsim.Delays) (*Graph, error) {
	g := &Graph{Nodes: map[string]*Node{}}
	all := rec.All()
	children := map[string][]string{}
	byName := map[string]pulumitest.Resource{}
	for _, r := range all {
		children[r.Parent] = append(children[r.Parent], r.Name)
		byName[r.Name] = r
	}
	// A dependency on a component is a dependency on every custom resource under it.
	var expand func(name string, out map[string]bool)
	expand = func(name string, out map[string]bool) {
		r, ok := byName[name]
		if !ok {
			return
		}
		if r.Custom {
			if !strings.HasPrefix(r.Type, "pulumi:providers:") {
				out[name] = true
			}
			return
		}
		for _, c := range children[name] {
			expand(c, out)
		}
	}
	res := resolver{rec: rec, d: d, g: g, byName: byName}
	for _, r := range rec.Custom() {
		n := &Node{Name: r.Name, Kind: r.Kind(), Phase: phaseOf(r, byName)}
		n.Await, n.What = awaitOf(r, d)
		deps := map[string]bool{}
		for _, dep := range r.Deps {
			expand(dep, deps)
		}
		for _, hook := range r.Hooks.BeforeCreate {
			gate, err := res.gate(hook)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", r.Name, err)
			}
			if gate != "" {
				deps[gate] = true
			}
		}
		n.Deps = slices.Sorted(maps.Keys(deps))
		g.Nodes[n.Name] = n
	}
	for _, n := range g.Nodes {
		for _, dep := range n.Deps {
			if _, ok := g.Nodes[dep]; !ok {
				return nil, fmt.Errorf("node %s depends on unknown node %s", n.Name, dep)
			}
		}
	}
	return g, nil
}

// CriticalPath is the longest path: the least time any schedule of this
// graph on this platform can take (the lower bound of `pulumi up`).
func (g *Graph) CriticalPath() Path {
	return g.longest(func(*Node) bool { return true }, nil)
}

// PhaseCriticalPath is the longest path through one phase's nodes, taking
// every node outside the phase as done at the start (earlier phases
// finished; a later phase's node is not waited for).
func (g *Graph) PhaseCriticalPath(phase int) Path {
	return g.longest(func(n *Node) bool { return n.Phase == phase }, nil)
}

// Phases lists the phases present, in order.
func (g *Graph) Phases() []int {
	seen := map[int]bool{}
	for _, n := range g.Nodes {
		if n.Phase > 0 {
			seen[n.Phase] = true
		}
	}
	var out []int
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Serial is the time of the rationale's phases run one after another, each
// as fast as its own graph allows: the sum of the phases' critical paths.
func (g *Graph) Serial() (time.Duration, map[int]Path) {
	per := map[int]Path{}
	var total time.Duration
	for _, p := range g.Phases() {
		per[p] = g.PhaseCriticalPath(p)
		total += per[p].Total
	}
	return total, per
}

// Finish returns each node's earliest finish time (included nodes only).
func (g *Graph) Finish() map[string]time.Duration {
	finish := map[string]time.Duration{}
	g.longest(func(*Node) bool { return true }, finish)
	return finish
}

func (g *Graph) longest(include func(*Node) bool, finish map[string]time.Duration) Path {
	if finish == nil {
		finish = map[string]time.Duration{}
	}
	from := map[string]string{}
	visiting := map[string]bool{}
	var visit func(name string) time.Duration
	visit = func(name string) time.Duration {
		n := g.Nodes[name]
		if !include(n) {
			return 0 // done before the part being timed starts
		}
		if t, ok := finish[name]; ok {
			return t
		}
		if visiting[name] {
			panic("bench: dependency cycle through " + name)
		}
		visiting[name] = true
		var start time.Duration
		for _, dep := range n.Deps {
			if t := visit(dep); t > start {
				start, from[name] = t, dep
			}
		}
		finish[name] = start + n.Await
		return finish[name]
	}
	names := make([]string, 0, len(g.Nodes))
	for name := range g.Nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	var last string
	var total time.Duration
	for _, name := range names {
		if t := visit(name); t > total {
			total, last = t, name
		}
	}
	var steps []string
	for n := last; n != ""; n = from[n] {
		node := g.Nodes[n]
		step := n
		if node.Await > 0 {
			step += fmt.Sprintf(" (%s %s)", node.What, node.Await.Round(100*time.Millisecond))
		}
		steps = append([]string{step}, steps...)
	}
	return Path{Total: total, Steps: steps}
}

// phaseOf maps a resource to the rationale's phase through its top-level
// layer (README, "What gets installed"). Observability is split as the
// rationale splits it: Tempo and OpenTelemetry in phase 3, the Cluster
// Observability Operator, UIPlugins, dashboard and monitoring config in
// phase 4. The MaaS gateway goes with phase 5: the program creates models
// routed to it (C15), where the runbook re-points them in phase 6.
func phaseOf(r pulumitest.Resource, byName map[string]pulumitest.Resource) int {
	top := r.Name
	for cur := r; cur.Parent != ""; {
		p, ok := byName[cur.Parent]
		if !ok {
			break
		}
		top, cur = p.Name, p
	}
	switch top {
	case "gitops", "tls", "tls-operand-namespace", "awsiam":
		return 1
	case "gpucapacity", "gpu":
		return 2
	case "connectivity", "lws", "rhoai":
		return 3
	case "observability":
		if strings.HasPrefix(r.Name, "observability-tempo") || strings.HasPrefix(r.Name, "observability-opentelemetry") {
			return 3
		}
		return 4
	case "serving", "maas-gateway":
		return 5
	case "maas":
		return 6
	}
	if strings.HasPrefix(r.Type, "pulumi:providers:") {
		return 0
	}
	// The API certificate switch and anything new: last.
	return 6
}

// awaitOf is the simulated operation a resource waits for once created:
// its pulumi.com/waitFor expression or the provider's own await.
func awaitOf(r pulumitest.Resource, d ocpsim.Delays) (time.Duration, string) {
	md, _ := r.Object()["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	_, waits := ann["pulumi.com/waitFor"]
	switch kind := r.Kind(); {
	case kind == "ClusterIssuer" && waits:
		return d.IssuerRegister, "ACME account registered"
	case kind == "Certificate" && waits:
		return d.CertIssue, "certificate issued"
	case (kind == "NodeFeatureDiscovery" || kind == "ClusterPolicy" || kind == "UIPlugin") && waits:
		return d.OperandReady, kind + " operand ready"
	case kind == "DataScienceClusterPatch":
		// The MaaS switch: the provider awaits the DSC's Ready condition,
		// which returns once MaaS is deployed.
		return d.MaaSReady + d.PodReady, "MaaS deployed, DSC Ready again"
	case kind == "LLMInferenceService" && waits:
		return d.ModelLoad, "model loaded"
	case kind == "Deployment":
		return d.PodReady, "pods ready"
	case kind == "MachineSet" && waits:
		return d.MachineProvision, "machines provisioned"
	}
	return 0, ""
}

// resolver turns a gate hook into a gate node (created once) with its
// trigger and delay.
type resolver struct {
	rec    *pulumitest.Recorder
	d      ocpsim.Delays
	g      *Graph
	byName map[string]pulumitest.Resource
}

// hookName mirrors readiness.Gate.HookName for an object string.
func hookName(name, object string) string {
	r := strings.NewReplacer(" ", "-", "/", "-", ":", "-", ".", "-")
	return "gate-" + r.Replace(name+"-"+object)
}

func gateName(hook string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(hook, "gate-"), "-")
	return name
}

func (s *resolver) add(hook string, phase int, trigger string, await time.Duration, what string) string {
	if _, ok := s.g.Nodes[hook]; !ok {
		n := &Node{Name: hook, Gate: true, Phase: phase, Await: await, What: what}
		if trigger != "" {
			n.Deps = []string{trigger}
		}
		s.g.Nodes[hook] = n
	}
	return hook
}

func (s *resolver) phase(name string) int {
	if n, ok := s.g.Nodes[name]; ok {
		return n.Phase
	}
	if r, ok := s.byName[name]; ok {
		return phaseOf(r, s.byName)
	}
	return 0
}

// one finds the single custom resource of a kind (and metadata.name, when set).
func (s *resolver) one(kind, name string) (string, error) {
	var found []string
	for _, r := range s.rec.Custom() {
		if r.Kind() != kind {
			continue
		}
		md, _ := r.Object()["metadata"].(map[string]any)
		if name != "" && md["name"] != name {
			continue
		}
		found = append(found, r.Name)
	}
	if len(found) != 1 {
		return "", fmt.Errorf("expected one %s %s, found %v", kind, name, found)
	}
	return found[0], nil
}

// all lists the custom resources of a kind, sorted.
func (s *resolver) all(kind string) []string {
	var out []string
	for _, r := range s.rec.Custom() {
		if r.Kind() == kind {
			out = append(out, r.Name)
		}
	}
	sort.Strings(out)
	return out
}

// named finds the resource of kind whose gate object "<kind> <ns>/<name>"
// (or "<kind> <name>") gives the hook.
func (s *resolver) named(hook, gate, kind string) (string, error) {
	for _, r := range s.rec.Custom() {
		if r.Kind() != kind {
			continue
		}
		md, _ := r.Object()["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		name, _ := md["name"].(string)
		obj := kind + " " + name
		if ns != "" {
			obj = kind + " " + ns + "/" + name
		}
		if hookName(gate, obj) == hook {
			return r.Name, nil
		}
	}
	return "", fmt.Errorf("no %s matches", kind)
}

// subscriptionFor finds the Subscription resource of an OLM package.
func (s *resolver) subscriptionFor(match func(ns, name, pkg string) bool) (pulumitest.Resource, error) {
	for _, r := range s.rec.Custom() {
		if r.Kind() != "Subscription" {
			continue
		}
		obj := r.Object()
		md, _ := obj["metadata"].(map[string]any)
		spec, _ := obj["spec"].(map[string]any)
		ns, _ := md["namespace"].(string)
		name, _ := md["name"].(string)
		pkg, _ := spec["name"].(string)
		if match(ns, name, pkg) {
			return r, nil
		}
	}
	return pulumitest.Resource{}, fmt.Errorf("no Subscription matches")
}

// csvGate is the csvSucceeded gate node of a Subscription resource.
func (s *resolver) csvGate(sub pulumitest.Resource) string {
	md, _ := sub.Object()["metadata"].(map[string]any)
	hook := hookName("csvSucceeded", fmt.Sprintf("Subscription %s/%s", md["namespace"], md["name"]))
	return s.add(hook, phaseOf(sub, s.byName), sub.Name, s.d.Resolve+s.d.CSVInstall, "InstallPlan resolved, CSV installed")
}

func (s *resolver) packageCSVGate(pkg string) (string, error) {
	sub, err := s.subscriptionFor(func(_, _, p string) bool { return p == pkg })
	if err != nil {
		return "", fmt.Errorf("operator %s: %w", pkg, err)
	}
	return s.csvGate(sub), nil
}

// gate returns the node of a gate hook ("" for a gate with nothing to wait
// for on this platform).
func (s *resolver) gate(hook string) (string, error) {
	if _, ok := s.g.Nodes[hook]; ok {
		return hook, nil
	}
	d := s.d
	after := func(trigger string, await time.Duration, what string) (string, error) {
		return s.add(hook, s.phase(trigger), trigger, await, what), nil
	}
	afterKind := func(kind, name string, await time.Duration, what string) (string, error) {
		n, err := s.one(kind, name)
		if err != nil {
			return "", fmt.Errorf("gate %s: %w", hook, err)
		}
		return after(n, await, what)
	}
	afterPackage := func(pkg string, await time.Duration, what string) (string, error) {
		csv, err := s.packageCSVGate(pkg)
		if err != nil {
			return "", fmt.Errorf("gate %s: %w", hook, err)
		}
		return after(csv, await, what)
	}
	switch name := gateName(hook); name {
	case "csvSucceeded":
		sub, err := s.subscriptionFor(func(ns, n, _ string) bool {
			return hook == hookName(name, fmt.Sprintf("Subscription %s/%s", ns, n))
		})
		if err != nil {
			return "", fmt.Errorf("gate %s: %w", hook, err)
		}
		return s.csvGate(sub), nil
	case "crdEstablished":
		for _, pkg := range slices.Sorted(maps.Keys(ocpsim.OperatorCRDs)) {
			for _, crd := range ocpsim.OperatorCRDs[pkg] {
				if hook == hookName(name, "CustomResourceDefinition "+crd.Name()) {
					return afterPackage(pkg, 0, "")
				}
			}
		}
		return "", fmt.Errorf("gate %s: no simulated operator registers that CRD", hook)
	case "certificateReady":
		n, err := s.named(hook, name, "Certificate")
		if err != nil {
			return "", fmt.Errorf("gate %s: %w", hook, err)
		}
		return after(n, d.CertIssue, "certificate issued")
	case "certManagerExists":
		return afterPackage("openshift-cert-manager-operator", 0, "")
	case "certManagerAvailable":
		return afterPackage("openshift-cert-manager-operator", d.PodReady, "cert-manager pods ready")
	case "certManagerConfigured":
		return afterKind("CertManagerPatch", "", d.PodReady, "cert-manager controller rolled out")
	case "ingressControllerExists":
		return "", nil // on the cluster from the start
	case "lwsReady":
		return afterKind("LeaderWorkerSetOperator", "", d.OperandReady, "LWS operand ready")
	case "persesReady":
		return afterKind("UIPlugin", "monitoring", 0, "")
	case "dsciExists", "applicationsNamespaceExists":
		return afterPackage("rhods-operator", d.DSCInitialization, "DSCI initialized")
	case "dashboardConfigExists", "dscReady":
		return afterKind("DataScienceCluster", "", d.ComponentsReady+d.PodReady, "DSC components deployed and available")
	case "gpuAllocatable":
		// The driver builds on a GPU node once the ClusterPolicy is ready:
		// on AWS the node is a Machine of the GPU MachineSets (C6).
		policy, err := s.one("ClusterPolicy", "")
		if err != nil {
			return "", fmt.Errorf("gate %s: %w", hook, err)
		}
		node := s.add(hook, s.phase(policy), policy, d.Driver, "GPU driver and device plugin")
		s.g.Nodes[node].Deps = append(s.g.Nodes[node].Deps, s.all("MachineSet")...)
		return node, nil
	case "credentialsProvisioned":
		return afterKind("CredentialsRequest", "", d.CredentialsProvision, "CCO minted the credentials Secret")
	case "machinesProvisioned":
		// The gate runs beside the MachineSets' own waitFor (no edge) and
		// passes when they do: the MachineSet nodes carry the provisioning.
		sets := s.all("MachineSet")
		if len(sets) == 0 {
			return "", fmt.Errorf("gate %s: no MachineSet registered", hook)
		}
		node := s.add(hook, s.phase(sets[0]), "", 0, "")
		s.g.Nodes[node].Deps = sets
		return node, nil
	case "authorinoServiceExists", "authorinoExists", "authorinoDeploymentExists":
		return afterKind("Kuadrant", "", 0, "")
	case "authorinoServerCertIssued":
		return afterKind("ServicePatch", "", 0, "")
	case "authorinoRolledOut":
		return afterKind("DeploymentPatch", "", d.PodReady, "Authorino rolled out")
	case "modelsAsServiceReady", "tenantNamespaceExists", "tenantExists":
		return afterKind("DataScienceClusterPatch", "", 0, "")
	case "envoyFilterGenerated":
		return afterKind("GatewayPatch", "", 0, "")
	case "kuadrantReady":
		// Authorino and Limitador roll out first; the operator's own
		// reconciliation runs after (ocpsim kuadrant.go).
		return afterKind("Kuadrant", "", d.PodReady+d.OperandReady, "Authorino and Limitador up, Kuadrant ready")
	case "maasModelRefReady", "maasSubscriptionActive", "maasAuthPolicyActive":
		kind := map[string]string{"maasModelRefReady": "MaaSModelRef", "maasSubscriptionActive": "MaaSSubscription", "maasAuthPolicyActive": "MaaSAuthPolicy"}[name]
		n, err := s.named(hook, name, kind)
		if err != nil {
			return "", fmt.Errorf("gate %s: %w", hook, err)
		}
		return after(n, 0, "")
	}
	return "", fmt.Errorf("gate %s: no delay model (add it to bench/graph.go)", hook)
}

// ActualPath walks a live run back from the step that ended last, at each
// resource to the dependency (through its gates) whose step ended last: the
// chain that set the up's wall time. Gates are not engine steps; they run
// in their resource's before-create hook, inside its step.
func (g *Graph) ActualPath(steps map[string]Span) []string {
	var last string
	for name, sp := range steps {
		if _, ok := g.Nodes[name]; ok && (last == "" || sp.End > steps[last].End) {
			last = name
		}
	}
	var chain []string
	for cur := last; cur != ""; {
		chain = append([]string{cur}, chain...)
		next := ""
		for _, dep := range g.resourceDeps(cur, map[string]bool{}) {
			if sp, ok := steps[dep]; ok && (next == "" || sp.End > steps[next].End) {
				next = dep
			}
		}
		cur = next
	}
	return chain
}

// resourceDeps are a node's dependencies with gates replaced by what they wait for.
func (g *Graph) resourceDeps(name string, seen map[string]bool) []string {
	var out []string
	for _, dep := range g.Nodes[name].Deps {
		if seen[dep] {
			continue
		}
		seen[dep] = true
		if g.Nodes[dep].Gate {
			out = append(out, g.resourceDeps(dep, seen)...)
		} else {
			out = append(out, dep)
		}
	}
	return out
}
