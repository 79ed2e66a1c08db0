package ocpsim

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Platform is the infrastructure type the simulated cluster reports.
type Platform string

// Platforms.
const (
	BareMetal Platform = "BareMetal"
	AWS       Platform = "AWS"
)

// Clock tells the simulator the time; tests inject a fake one to step
// through delays without sleeping.
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Delays are the durations of the simulated operations, each counted from
// the moment its precondition first held. The zero value makes every
// operation immediate (unit tests); RealisticDelays gives the budgets of a
// real cluster, which Scale shrinks for benchmarks.
type Delays struct {
	Resolve              time.Duration // Subscription -> InstallPlan
	CSVInstall           time.Duration // CSV Installing -> Succeeded
	OperandReady         time.Duration // operator CRs Ready/Available (Kuadrant, NFD, Authorino, UIPlugin, LWS, ClusterPolicy)
	IssuerRegister       time.Duration // ACME account registration of an issuer
	CertIssue            time.Duration // Certificate issued (DNS-01 order)
	MachineProvision     time.Duration // Machine -> Running with a Node (EC2 boot + join)
	Driver               time.Duration // GPU driver + device plugin on a labelled GPU node
	PodReady             time.Duration // bound Pod -> Running and Ready (image pull, probes)
	DSCInitialization    time.Duration // RHOAI operator start -> DSCI default-dsci and its namespaces
	ComponentsReady      time.Duration // DSC components deployed (KServe, model controller, dashboard)
	MaaSReady            time.Duration // modelsAsService Managed -> maas-api/maas-controller up
	ModelLoad            time.Duration // LLMInferenceService -> Ready (ModelCar pull + vLLM load)
	TenantRecreate       time.Duration // maas-controller period for re-creating default-tenant
	Rollout              time.Duration // platform operator rollouts (router certificate, kube-apiserver revision)
	CredentialsProvision time.Duration // CredentialsRequest -> Secret
}

// RealisticDelays are the durations of a real OpenShift cluster, roughly.
func RealisticDelays() Delays {
	return Delays{
		Resolve:              5 * time.Second,
		CSVInstall:           90 * time.Second,
		OperandReady:         60 * time.Second,
		IssuerRegister:       10 * time.Second,
		CertIssue:            2 * time.Minute,
		MachineProvision:     8 * time.Minute,
		Driver:               6 * time.Minute,
		PodReady:             20 * time.Second,
		DSCInitialization:    30 * time.Second,
		ComponentsReady:      3 * time.Minute,
		MaaSReady:            2 * time.Minute,
		ModelLoad:            10 * time.Minute,
		TenantRecreate:       30 * time.Second,
		Rollout:              3 * time.Minute,
		CredentialsProvision: 20 * time.Second,
	}
}

// Scale multiplies every delay by f (e.g. 0.01 for a benchmark that keeps
// the ratios of a real install).
func (d Delays) Scale(f float64) Delays {
	s := func(v time.Duration) time.Duration { return time.Duration(float64(v) * f) }
	return Delays{
		Resolve: s(d.Resolve), CSVInstall: s(d.CSVInstall), OperandReady: s(d.OperandReady),
		IssuerRegister: s(d.IssuerRegister), CertIssue: s(d.CertIssue), MachineProvision: s(d.MachineProvision),
		Driver: s(d.Driver), PodReady: s(d.PodReady), DSCInitialization: s(d.DSCInitialization),
		ComponentsReady: s(d.ComponentsReady), MaaSReady: s(d.MaaSReady), ModelLoad: s(d.ModelLoad),
		TenantRecreate: s(d.TenantRecreate), Rollout: s(d.Rollout), CredentialsProvision: s(d.CredentialsProvision),
	}
}

// Options describe the simulated cluster. The zero value is a bare-metal
// OpenShift 4.21 cluster with three workers and two GPU nodes of two GPUs.
type Options struct {
	Platform   Platform // BareMetal (default) or AWS
	Version    string   // ClusterVersion, default 4.21.2
	BaseDomain string   // default ocp.example.com
	AppsDomain string   // default apps.<BaseDomain>
	InfraID    string   // Infrastructure status.infrastructureName, default ocp-x7k2p
	Region     string   // AWS region, default us-east-2
	Zones      []string // AWS zones with a worker MachineSet, default us-east-2a..c
	AMI        string   // AMI of the worker MachineSets, default ami-0123456789abcdef0

	// WorkerNodes is the number of CPU workers on bare metal (on AWS, one
	// per zone through the worker MachineSets). Default 3.
	WorkerNodes int
	// GPUNodes is the number of bare-metal GPU nodes (their GPUs become
	// allocatable only once NFD labels them and the ClusterPolicy is ready).
	// Default 2; -1 means none.
	GPUNodes int
	// GPUsPerNode is the GPU count of each bare-metal GPU node, default 2.
	GPUsPerNode int
	// GPUInstanceTypes maps AWS instance types to their GPU count; types
	// not listed have no GPU. Defaults cover g5, g6, g6e, p4d and p5.
	GPUInstanceTypes map[string]int

	// MonitoringConfig, when set, is the existing
	// openshift-monitoring/cluster-monitoring-config config.yaml.
	MonitoringConfig string
	// Catalog replaces the built-in OperatorHub catalog (DefaultCatalog).
	Catalog []Package

	Delays   Delays
	Interval time.Duration // Run's pass interval, default 200ms
	Clock    Clock         // default the wall clock

	// Standalone says no kube-apiserver/kube-controller-manager stands
	// behind the client (the dynamic fake): the simulator then marks its
	// CRDs Established and writes Deployment status itself.
	Standalone bool
	// NoDrift turns off the operator rewrites listed in drift.go.
	NoDrift bool
	// Log receives one line per notable event; nil discards.
	Log func(msg string)
}

func (o Options) withDefaults() Options {
	if o.Platform == "" {
		o.Platform = BareMetal
	}
	if o.Version == "" {
		o.Version = "4.21.2"
	}
	if o.BaseDomain == "" {
		o.BaseDomain = "ocp.example.com"
	}
	if o.AppsDomain == "" {
		o.AppsDomain = "apps." + o.BaseDomain
	}
	if o.InfraID == "" {
		o.InfraID = "ocp-x7k2p"
	}
	if o.Region == "" {
		o.Region = "us-east-2"
	}
	if len(o.Zones) == 0 {
		o.Zones = []string{o.Region + "a", o.Region + "b", o.Region + "c"}
	}
	if o.AMI == "" {
		o.AMI = "ami-0123456789abcdef0"
	}
	if o.WorkerNodes == 0 {
		o.WorkerNodes = 3
	}
	switch {
	case o.GPUNodes == 0:
		o.GPUNodes = 2
	case o.GPUNodes < 0:
		o.GPUNodes = 0
	}
	if o.GPUsPerNode == 0 {
		o.GPUsPerNode = 2
	}
	if o.GPUInstanceTypes == nil {
		o.GPUInstanceTypes = map[string]int{
			"g5.xlarge": 1, "g5.2xlarge": 1, "g5.4xlarge": 1, "g5.8xlarge": 1, "g5.12xlarge": 4, "g5.48xlarge": 8,
			"g6.xlarge": 1, "g6.2xlarge": 1, "g6.4xlarge": 1, "g6.12xlarge": 4, "g6e.xlarge": 1, "g6e.12xlarge": 4,
			"p4d.24xlarge": 8, "p5.48xlarge": 8,
		}
	}
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	if o.Log == nil {
		o.Log = func(string) {}
	}
	return o
}

// Sim is the simulated OpenShift platform: it bootstraps the objects a
// fresh cluster has and plays OLM, the operators the program installs, the
// machine API and the kubelet against any API server reachable through a
// dynamic client.
type Sim struct {
	opts    Options
	client  *countingClient
	store   store
	catalog map[string]Package
	ca      *authority

	faultsMu sync.Mutex
	faults   map[faultKey]Fault

	// Reconciler memory, touched only by Step (one pass at a time).
	stepMu   sync.Mutex
	since    map[string]time.Time // first moment a precondition held
	verdicts map[string]string    // sticky outcomes decided at first sight (C8, C12, C16, C7)
	seen     map[string]string    // last seen values (C13 annotation changes)
	retries  map[string]retry     // controllers' error requeues (exponential backoff)
	ipSeq    int
	lastErr  string
}

// New connects to the API server of cfg.
func New(cfg *rest.Config, opts Options) (*Sim, error) {
	c := rest.CopyConfig(cfg)
	if c.QPS == 0 {
		c.QPS, c.Burst = 200, 400
	}
	c.UserAgent = "ocpsim"
	c.WarningHandler = rest.NoWarnings{} // e.g. PodSecurity warnings on operand Deployments
	dyn, err := dynamic.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("ocpsim: building the dynamic client: %w", err)
	}
	return NewForClient(dyn, opts)
}

// NewForClient uses an existing client (the dynamic fake in unit tests;
// set Options.Standalone then).
func NewForClient(c dynamic.Interface, opts Options) (*Sim, error) {
	o := opts.withDefaults()
	ca, err := newAuthority(o.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("ocpsim: creating the simulated CA: %w", err)
	}
	counted := newCountingClient(c)
	s := &Sim{
		opts: o, client: counted, store: directStore{c: counted}, ca: ca,
		faults: map[faultKey]Fault{}, since: map[string]time.Time{},
		verdicts: map[string]string{}, seen: map[string]string{}, retries: map[string]retry{},
	}
	s.catalog = map[string]Package{}
	catalog := o.Catalog
	if catalog == nil {
		catalog = DefaultCatalog()
	}
	for _, p := range catalog {
		s.catalog[p.Name] = p
	}
	return s, nil
}

// Options returns the effective options (defaults filled in).
func (s *Sim) Options() Options { return s.opts }

// Requests reports the API requests the simulator made so far.
func (s *Sim) Requests() RequestStats { return s.client.stats() }

// Run bootstraps nothing: call Bootstrap first. It serves watches through
// informer caches and runs one reconcile pass every Options.Interval until
// ctx ends. Pass errors are logged (once per distinct message) and retried.
func (s *Sim) Run(ctx context.Context) error {
	cache := newCacheStore(s.client)
	cache.start(ctx)
	s.stepMu.Lock()
	s.store = cache
	s.stepMu.Unlock()
	defer func() {
		s.stepMu.Lock()
		s.store = directStore{c: s.client}
		s.stepMu.Unlock()
	}()
	ticker := time.NewTicker(s.opts.Interval)
	defer ticker.Stop()
	streak := 0 // consecutive passes that wrote something
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		before := s.client.stats()
		if err := s.Step(ctx); err != nil && !errors.Is(err, context.Canceled) {
			if msg := err.Error(); msg != s.lastErr {
				s.lastErr = msg
				s.opts.Log("ocpsim: " + msg)
			}
		}
		written := writtenSince(before, s.client.stats())
		if len(written) == 0 {
			streak = 0
			continue
		}
		if streak++; streak == loopWarnPasses {
			s.logf("ocpsim: %d passes in a row wrote objects (a write loop?); last pass: %v", streak, written)
		}
	}
}

// loopWarnPasses: a settled cluster writes nothing; this many writing
// passes in a row are worth a log line.
const loopWarnPasses = 100

// writtenSince lists the "verb resource" writes between two stats.
func writtenSince(before, after RequestStats) []string {
	var out []string
	for k, v := range after.ByResource {
		verb, _, _ := strings.Cut(k, " ")
		if (verb == "create" || verb == "update" || verb == "delete" || verb == "patch") && v > before.ByResource[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// reconciler is one simulated controller; it reads through the pass and
// returns what it could not do (retried next pass).
type reconciler struct {
	name string
	fn   func(*pass) error
}

func (s *Sim) reconcilers() []reconciler {
	rs := []reconciler{
		{"crds", s.reconcileCRDs},
		{"namespaces", s.reconcileNamespaces},
		{"service-ca", s.reconcileServiceCA},
		{"cloud-credential", s.reconcileCredentialsRequests},
		{"ingress-operator", s.reconcileIngressOperator},
		{"kube-apiserver-operator", s.reconcileKubeAPIServer},
		{"gateway-api", s.reconcileGatewayAPI},
		{"routes", s.reconcileRoutes},
		{"machine-api", s.reconcileMachineSets},
		{"machines", s.reconcileMachines},
		{"olm-subscriptions", s.reconcileSubscriptions},
		{"olm-csvs", s.reconcileCSVs},
		{"olm-operatorgroups", s.reconcileOperatorGroups},
		{"cert-manager", s.reconcileCertManager},
		{"cert-manager-issuers", s.reconcileIssuers},
		{"cert-manager-certificates", s.reconcileCertificates},
		{"nfd", s.reconcileNFD},
		{"gpu-operator", s.reconcileClusterPolicies},
		{"gpu-nodes", s.reconcileGPUNodes},
		{"kuadrant", s.reconcileKuadrant},
		{"authorino-operator", s.reconcileAuthorino},
		{"limitador-operator", s.reconcileLimitador},
		{"lws", s.reconcileLWS},
		{"observability", s.reconcileUIPlugins},
		{"rhoai-dsci", s.reconcileDSCI},
		{"rhoai-dsc", s.reconcileDSC},
		{"odh-model-controller", s.reconcileGatewayBootstrap},
		{"kserve", s.reconcileLLMInferenceServices},
		{"maas-controller", s.reconcileMaaSController},
		{"maas-modelrefs", s.reconcileModelRefs},
		{"maas-policies", s.reconcileMaaSPolicies},
		{"kubelet", s.reconcilePods},
		{"volumes", s.reconcileVolumes},
		{"deployments", s.reconcileDeploymentStatus},
	}
	if !s.opts.NoDrift {
		rs = append(rs, reconciler{"drift", s.reconcileDrift})
	}
	return rs
}

// Step runs every reconciler once, in a fixed order. Tests call it
// directly (delays of 0 make each transition happen within a few passes).
func (s *Sim) Step(ctx context.Context) error {
	s.stepMu.Lock()
	defer s.stepMu.Unlock()
	p := newPass(ctx, s)
	var errs []error
	for _, r := range s.reconcilers() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := skipNotSynced(r.fn(p)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, err))
		}
	}
	return errors.Join(errs...)
}

// Settle runs Step until a pass writes nothing (or n passes ran) and
// returns the last pass's error; unit tests use it to let a chain of
// transitions (plan -> CSV -> CRDs -> CR) complete without sleeping.
func (s *Sim) Settle(ctx context.Context, n int) error {
	var err error
	for range n {
		before := s.client.writes()
		if err = s.Step(ctx); ctx.Err() != nil {
			return ctx.Err()
		}
		if s.client.writes() == before {
			return err
		}
	}
	return err
}

// elapsed records the first time key's precondition held and reports
// whether d has passed since.
func (s *Sim) elapsed(key string, d time.Duration) bool {
	now := s.opts.Clock.Now()
	t, ok := s.since[key]
	if !ok {
		s.since[key] = now
		t = now
	}
	return now.Sub(t) >= d
}

// retry is a controller's next reconcile after an error: controller-runtime
// requeues with per-item exponential backoff.
type retry struct {
	n    int
	next time.Time
}

// reset forgets key's start time (its precondition stopped holding).
func (s *Sim) reset(key string) { delete(s.since, key) }

func (s *Sim) now() time.Time { return s.opts.Clock.Now() }

func (s *Sim) logf(format string, args ...any) { s.opts.Log(fmt.Sprintf(format, args...)) }
