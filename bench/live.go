package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/rhoai-pulumi/installer/tests/kubeenv"
	"github.com/rhoai-pulumi/installer/tests/ocpsim"
	"github.com/rhoai-pulumi/installer/tests/testkit"
	"sigs.k8s.io/yaml"
)

// Platform is a simulated OpenShift cluster: a local control plane
// (tests/kubeenv) with the simulated operators (tests/ocpsim) running
// against it.
type Platform struct {
	Env *kubeenv.Env
	Sim *ocpsim.Sim

	cancel context.CancelFunc
	done   chan struct{}
}

// StartPlatform starts kubeenv, bootstraps the simulator with delays and runs
// it until Stop. interval is the simulator's reconcile period (0: its default).
func StartPlatform(ctx context.Context, delays ocpsim.Delays, interval time.Duration, logf func(string)) (*Platform, error) {
	env, err := kubeenv.Start(ctx, kubeenv.Options{})
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	sim, err := ocpsim.New(env.RESTConfig(), ocpsim.Options{Delays: delays, Interval: interval, Log: logf})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("creating the simulator: %w", err), env.Stop())
	}
	if err := sim.Bootstrap(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("bootstrapping the simulator: %w", err), env.Stop())
	}
	runCtx, cancel := context.WithCancel(context.Background())
	p := &Platform{Env: env, Sim: sim, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		_ = sim.Run(runCtx)
	}()
	return p, nil
}

// Stop stops the simulator, then the control plane.
func (p *Platform) Stop() error {
	p.cancel()
	<-p.done
	return p.Env.Stop()
}

// Stack is a stack of the real project (stacks.Program, inline) in a temp
// dir with a local file backend and passphrase secrets.
type Stack struct {
	auto.Stack
	Dir string
}

// StackOptions choose the stack's configuration.
type StackOptions struct {
	Name   string
	Config map[string]any // keys without the rhoai: prefix; strings as is, others as JSON
	// Secrets are set as secret config values (keys without the prefix).
	Secrets map[string]string
}

// NewStack creates the stack in a fresh dir under parent.
func NewStack(ctx context.Context, parent string, o StackOptions) (*Stack, error) {
	dir, err := os.MkdirTemp(parent, "stack-")
	if err != nil {
		return nil, fmt.Errorf("creating the stack dir: %w", err)
	}
	s, _, err := testkit.InlineStack(ctx, dir, o.Name, "bench", nil)
	if err != nil {
		return nil, err
	}
	work := filepath.Join(dir, "work")
	// Structured values go into the stack file as YAML objects (the CLI
	// reads a JSON string set with `config set` as a string).
	plain := map[string]any{}
	for k, v := range o.Config {
		plain["rhoai:"+k] = v
	}
	raw, err := yaml.Marshal(map[string]any{"config": plain})
	if err != nil {
		return nil, fmt.Errorf("encoding the config of %s: %w", o.Name, err)
	}
	if err := os.WriteFile(filepath.Join(work, "Pulumi."+o.Name+".yaml"), raw, 0o600); err != nil {
		return nil, fmt.Errorf("writing the config of %s: %w", o.Name, err)
	}
	secrets := auto.ConfigMap{}
	for k, v := range o.Secrets {
		secrets["rhoai:"+k] = auto.ConfigValue{Value: v, Secret: true}
	}
	if err := s.SetAllConfig(ctx, secrets); err != nil {
		return nil, fmt.Errorf("setting the secrets of %s: %w", o.Name, err)
	}
	return &Stack{Stack: s, Dir: dir}, nil
}

// Run is one timed engine operation with the log lines it produced.
type Run struct {
	Wall    time.Duration
	Changes map[string]int
	Logs    []string        // info diagnostics (gate verdicts among them)
	Steps   map[string]Span // per resource (logical name): when its step began and ended
}

// Span is a step's begin and end, from the start of the operation, and
// the resource's type token.
type Span struct {
	Begin, End time.Duration
	Type       string
}

type collector struct {
	start time.Time
	logs  []string
	steps map[string]Span
}

func (c *collector) run(ch <-chan events.EngineEvent, done chan<- struct{}) {
	defer close(done)
	for ev := range ch {
		at := time.Since(c.start)
		switch {
		case ev.DiagnosticEvent != nil && ev.DiagnosticEvent.Severity == "info":
			c.logs = append(c.logs, strings.TrimSpace(ev.DiagnosticEvent.Message))
		case ev.ResourcePreEvent != nil:
			name := nameOfURN(ev.ResourcePreEvent.Metadata.URN)
			sp := c.steps[name]
			sp.Begin, sp.Type = at, ev.ResourcePreEvent.Metadata.Type
			c.steps[name] = sp
		case ev.ResOutputsEvent != nil:
			name := nameOfURN(ev.ResOutputsEvent.Metadata.URN)
			sp := c.steps[name]
			sp.End = at
			c.steps[name] = sp
		}
	}
}

func nameOfURN(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// Up runs `pulumi up` and times it.
func (s *Stack) Up(ctx context.Context, parallel int, opts ...optup.Option) (Run, error) {
	ch := make(chan events.EngineEvent)
	c := &collector{start: time.Now(), steps: map[string]Span{}}
	done := make(chan struct{})
	go c.run(ch, done)
	var out bytes.Buffer
	opts = append(opts, optup.EventStreams(ch), optup.ProgressStreams(&out), optup.ErrorProgressStreams(&out))
	if parallel > 0 {
		opts = append(opts, optup.Parallel(parallel))
	}
	res, err := s.Stack.Up(ctx, opts...)
	wall := time.Since(c.start)
	// The stream closes when the CLI ends it; an up that failed early never
	// opened it.
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	run := Run{Wall: wall, Logs: c.logs, Steps: c.steps}
	if res.Summary.ResourceChanges != nil {
		run.Changes = *res.Summary.ResourceChanges
	}
	if err != nil {
		return run, fmt.Errorf("pulumi up: %w\n%s", err, tail(out.String(), 40))
	}
	return run, nil
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Preview runs `pulumi preview` and times it.
func (s *Stack) Preview(ctx context.Context, parallel int) (Run, error) {
	var opts []optpreview.Option
	if parallel > 0 {
		opts = append(opts, optpreview.Parallel(parallel))
	}
	start := time.Now()
	res, err := s.Stack.Preview(ctx, opts...)
	run := Run{Wall: time.Since(start), Changes: map[string]int{}}
	for op, n := range res.ChangeSummary {
		run.Changes[string(op)] = n
	}
	if err != nil {
		return run, fmt.Errorf("pulumi preview: %w", err)
	}
	return run, nil
}
