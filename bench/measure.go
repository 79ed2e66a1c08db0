package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rhoai-pulumi/installer/tests/ocpsim"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// DefaultScale shrinks the real delays to a quarter: the critical path is
// about 3 minutes. The program's and the simulated platform's fixed costs
// (engine start, API round trips, CRD registration) stay the same at any
// scale, so a smaller scale inflates their share (docs/performance.md has
// both 0.1 and 0.25).
const DefaultScale = 0.25

// Options configure a measurement. The zero value is ready to use.
type Options struct {
	Scale    float64       // delay scale (DefaultScale)
	Parallel int           // engine parallelism for up and preview; 0: the CLI default (4 × GOMAXPROCS)
	Interval time.Duration // the simulator's pass interval (100 ms)
	TempDir  string        // parent of the stacks' temp dirs (os.TempDir())
	Log      func(string)  // progress; nil discards
	// SimLog receives the simulator's log lines (what the platform's
	// operators did), each prefixed with the seconds since the first up
	// started; nil discards.
	SimLog func(string)
}

func (o Options) withDefaults() Options {
	if o.Scale <= 0 {
		o.Scale = DefaultScale
	}
	if o.Interval <= 0 {
		o.Interval = 100 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = func(string) {}
	}
	return o
}

// Delays are the scaled delays of a measurement.
func (o Options) Delays() ocpsim.Delays { return RealDelays().Scale(o.withDefaults().Scale) }

// LiveConfig is the stack of the live measurement: the baremetal stack of
// tests/testkit (static Route53 keys and the database password in config,
// so neither the random nor the AWS provider is needed), one model (the
// rationale's default, two replicas), MaaS on. Secrets are returned apart.
func LiveConfig(kubeconfig string) (cfg map[string]any, secrets map[string]string) {
	cfg = testkit.Config().Build()
	secrets = map[string]string{}
	for _, k := range []string{"route53AccessKeyId", "route53SecretAccessKey", "maasDatabasePassword"} {
		if v, ok := cfg[k].(string); ok {
			secrets[k] = v
		}
		delete(cfg, k)
	}
	if kubeconfig != "" {
		cfg["cluster"] = map[string]any{"kubeconfig": kubeconfig}
	}
	return cfg, secrets
}

// ModelGraph is the timed dependency graph of the live stack, from a mock
// run of the same program and configuration.
func ModelGraph(d ocpsim.Delays) (*Graph, error) {
	cfg, secrets := LiveConfig("")
	for k, v := range secrets {
		cfg[k] = v
	}
	rec, err := testkit.Run(cfg, testkit.OpenShift("BareMetal"), false)
	if err != nil {
		return nil, fmt.Errorf("mock run: %w", err)
	}
	return BuildGraph(rec, d)
}

// ModelGraphAWS is the timed graph of the aws-dev stack (GPU MachineSets,
// CCO credentials), from a mock run with the test offerings.
func ModelGraphAWS(d ocpsim.Delays) (*Graph, error) {
	rec, err := testkit.Run(testkit.Config().AWS().Build(), testkit.OpenShift("AWS"), false)
	if err != nil {
		return nil, fmt.Errorf("mock run (aws): %w", err)
	}
	return BuildGraph(rec, d)
}

// Live is one run on the simulated platform: the first up, a no-op up and a
// preview after convergence.
type Live struct {
	Up, NoOpUp, Preview time.Duration
	EngineStart         time.Duration // from the start of the up to its first resource step
	Created             int
	NoOpChanges         map[string]int
	PreviewChanges      map[string]int
	Steps               map[string]Span // the first up's resource steps
	Gates               []GateRun       // the first up's gate verdicts
	Sim                 ocpsim.RequestStats
}

// MeasureLive starts a simulated platform, runs the three operations and
// stops the platform.
func MeasureLive(ctx context.Context, o Options) (live Live, err error) {
	o = o.withDefaults()
	o.Log(fmt.Sprintf("starting kubeenv and ocpsim (scale %g)", o.Scale))
	var clock upClock
	var simLog func(string)
	if o.SimLog != nil {
		simLog = func(msg string) { o.SimLog(clock.stamp() + " " + msg) }
	}
	p, err := StartPlatform(ctx, o.Delays(), o.Interval, simLog)
	if err != nil {
		return live, err
	}
	defer func() { err = errors.Join(err, p.Stop()) }()
	cfg, secrets := LiveConfig(p.Env.Kubeconfig)
	s, err := NewStack(ctx, o.TempDir, StackOptions{Name: "bench", Config: cfg, Secrets: secrets})
	if err != nil {
		return live, err
	}
	defer func() { _ = os.RemoveAll(s.Dir) }()

	o.Log("pulumi up")
	clock.start()
	up, err := s.Up(ctx, o.Parallel)
	if err != nil {
		return live, err
	}
	live.Up, live.Steps, live.Gates, live.Created = up.Wall, up.Steps, ParseGates(up.Logs), up.Changes["create"]
	live.EngineStart = up.Wall
	for _, sp := range up.Steps {
		if !strings.HasPrefix(sp.Type, "pulumi:") && sp.Begin > 0 && sp.Begin < live.EngineStart {
			live.EngineStart = sp.Begin
		}
	}
	live.Sim = p.Sim.Requests()
	if o.SimLog != nil {
		for name, sp := range up.Steps {
			o.SimLog(fmt.Sprintf("%7.2f step begin %s", sp.Begin.Seconds(), name))
			o.SimLog(fmt.Sprintf("%7.2f step end   %s", sp.End.Seconds(), name))
		}
	}
	o.Log(fmt.Sprintf("up: %s; no-op up", up.Wall.Round(time.Second)))
	noop, err := s.Up(ctx, o.Parallel)
	if err != nil {
		return live, err
	}
	live.NoOpUp, live.NoOpChanges = noop.Wall, noop.Changes
	o.Log(fmt.Sprintf("no-op up: %s; preview", noop.Wall.Round(100*time.Millisecond)))
	pre, err := s.Preview(ctx, o.Parallel)
	if err != nil {
		return live, err
	}
	live.Preview, live.PreviewChanges = pre.Wall, pre.Changes
	return live, nil
}

// upClock stamps simulator log lines with the time since the up started.
type upClock struct {
	mu    sync.Mutex
	since time.Time
}

func (c *upClock) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = time.Now()
}

func (c *upClock) stamp() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since.IsZero() {
		return "   boot"
	}
	return fmt.Sprintf("%7.2f", time.Since(c.since).Seconds())
}

// MeasureRegistration times the program's registration under Pulumi mocks
// (no engine, no cluster) for each model count, as a Go benchmark does
// (testing.Benchmark: as many runs as fill a second, the mean per run).
// The fake cluster the program reads its facts from is built outside the
// timer. repeats such measurements are taken; the median is returned.
func MeasureRegistration(models []int, repeats int) (median []time.Duration, resources []int, err error) {
	if repeats < 1 {
		repeats = 1
	}
	for _, n := range models {
		cfg := testkit.Config().WithModels(n).Build()
		rec, err := testkit.Run(cfg, testkit.OpenShift("BareMetal"), false) // also warms up
		if err != nil {
			return nil, nil, fmt.Errorf("mock run with %d models: %w", n, err)
		}
		resources = append(resources, len(rec.Custom()))
		var runs []time.Duration
		for range repeats {
			var runErr error
			res := testing.Benchmark(func(b *testing.B) {
				for i := 0; i < b.N && runErr == nil; i++ {
					b.StopTimer()
					cluster := testkit.OpenShift("BareMetal")
					b.StartTimer()
					_, runErr = testkit.Run(cfg, cluster, false)
				}
			})
			if runErr != nil {
				return nil, nil, fmt.Errorf("mock run with %d models: %w", n, runErr)
			}
			runs = append(runs, time.Duration(res.NsPerOp()))
		}
		median = append(median, Median(runs))
	}
	return median, resources, nil
}

// MeasurePreview times an engine preview of the render stack (no cluster)
// for each model count: the median of repeats runs.
func MeasurePreview(ctx context.Context, o Options, models []int, repeats int) ([]time.Duration, error) {
	o = o.withDefaults()
	if repeats < 1 {
		repeats = 1
	}
	var out []time.Duration
	for _, n := range models {
		cfg := testkit.Config().Render().WithModels(n).Build()
		dir, err := os.MkdirTemp(o.TempDir, "render-")
		if err != nil {
			return nil, fmt.Errorf("creating the render dir: %w", err)
		}
		cfg["renderDir"] = filepath.Join(dir, "rendered")
		s, err := NewStack(ctx, dir, StackOptions{Name: fmt.Sprintf("render%d", n), Config: cfg})
		if err != nil {
			return nil, err
		}
		if _, err := s.Preview(ctx, o.Parallel); err != nil { // warm-up, untimed
			return nil, fmt.Errorf("preview with %d models: %w", n, err)
		}
		var runs []time.Duration
		for range repeats {
			run, err := s.Preview(ctx, o.Parallel)
			if err != nil {
				return nil, fmt.Errorf("preview with %d models: %w", n, err)
			}
			runs = append(runs, run.Wall)
		}
		_ = os.RemoveAll(dir)
		o.Log(fmt.Sprintf("preview with %d models: %s", n, Median(runs).Round(time.Millisecond)))
		out = append(out, Median(runs))
	}
	return out, nil
}

// Median of durations (the mean of the middle two for an even count).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Growth fits t = a + b·n by least squares and reports b (the cost of one
// more model), b relative to the one-model time t(1), and how linear the
// growth is: the slope over the second half of the counts divided by the
// slope over the first half (1 for a straight line).
func Growth(models []int, ts []time.Duration) (perModel time.Duration, relative, curvature float64) {
	if len(models) < 2 || len(models) != len(ts) {
		return 0, 0, 0
	}
	var sx, sy, sxx, sxy float64
	n := float64(len(models))
	for i, m := range models {
		x, y := float64(m), float64(ts[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	b := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	perModel = time.Duration(b)
	if ts[0] > 0 {
		relative = b / float64(ts[0])
	}
	if len(models) >= 3 {
		first := float64(ts[1]-ts[0]) / float64(models[1]-models[0])
		last := float64(ts[len(ts)-1]-ts[len(ts)-2]) / float64(models[len(ts)-1]-models[len(ts)-2])
		if first != 0 {
			curvature = last / first
		}
	}
	return perModel, relative, curvature
}

// Plan is what Measure runs.
type Plan struct {
	Runs    int   // live runs on the simulated platform (0: model and scaling only)
	Models  []int // model counts for the scaling figures (nil: none)
	Repeats int   // registration and preview timings per model count (median)
	Preview bool  // also time engine previews (needs the Pulumi CLI)
}

// Measure computes the model's bounds, then runs the plan.
func Measure(ctx context.Context, o Options, plan Plan) (Report, error) {
	o = o.withDefaults()
	r := Report{Scale: o.Scale, Parallel: o.Parallel, Machine: Machine()}
	g, err := ModelGraph(o.Delays())
	if err != nil {
		return r, err
	}
	r.graph, r.CriticalPath, r.Finish = g, g.CriticalPath(), g.Finish()
	r.Serial, r.Phases = g.Serial()
	aws, err := ModelGraphAWS(o.Delays())
	if err != nil {
		return r, err
	}
	r.AWSCriticalPath = aws.CriticalPath()
	r.AWSSerial, _ = aws.Serial()
	for i := range plan.Runs {
		o.Log(fmt.Sprintf("live run %d of %d", i+1, plan.Runs))
		live, err := MeasureLive(ctx, o)
		if err != nil {
			return r, fmt.Errorf("live run %d: %w", i+1, err)
		}
		r.Runs = append(r.Runs, live)
	}
	if len(plan.Models) > 0 {
		r.Models = plan.Models
		if r.Registration, r.Resources, err = MeasureRegistration(plan.Models, plan.Repeats); err != nil {
			return r, err
		}
		if plan.Preview {
			if r.Preview, err = MeasurePreview(ctx, o, plan.Models, plan.Repeats); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}
