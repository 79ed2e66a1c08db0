package readiness

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Prerequisite is what a dependent waits for: resources (the DependsOn edge,
// which also orders destroy) and gates (the live checks run as hooks).
type Prerequisite struct {
	Resources []pulumi.Resource
	Gates     []Gate
}

// Join merges prerequisites into one.
func Join(ps ...Prerequisite) Prerequisite {
	var out Prerequisite
	for _, p := range ps {
		out.Resources = append(out.Resources, p.Resources...)
		out.Gates = append(out.Gates, p.Gates...)
	}
	return out
}

// After is a prerequisite with only resource edges.
func After(rs ...pulumi.Resource) Prerequisite { return Prerequisite{Resources: rs} }

// Binder turns prerequisites into resource options. It registers one Pulumi
// resource hook per gate (memoized, so sharing a gate costs one hook) and
// binds it as BeforeCreate and BeforeUpdate. A disabled binder (render mode,
// where no cluster exists) binds only the DependsOn edges.
type Binder struct {
	ctx     *pulumi.Context
	waiter  *Waiter
	enabled bool
	run     context.Context // every wait ends when it does
	tracked *Registered     // to attach progress lines to the dependent

	mu    sync.Mutex
	hooks map[string]*pulumi.ResourceHook
}

// NewBinder binds gates through w; with enabled false, gates are recorded
// nowhere and never run. Waits do not derive from the program's context: the
// Automation API's inline runtime cancels it when the program body returns,
// and AfterDelete hooks run after that (pulumi/sdk@v3.274.1
// go/auto/stack.go languageRuntimeServer.Run has no SignalAndWaitForShutdown);
// CancelWith gives them the runner's context instead.
func NewBinder(ctx *pulumi.Context, w *Waiter, enabled bool) *Binder {
	return &Binder{ctx: ctx, waiter: w, enabled: enabled, run: context.Background(), hooks: map[string]*pulumi.ResourceHook{}}
}

// CancelWith ends every wait also when c ends: the Automation API runner's
// context, cancelled on Ctrl-C, so an interrupted up does not wait out a
// gate's budget in-process (the engine does not cancel a hook it called).
func (b *Binder) CancelWith(c context.Context) {
	if c == nil {
		return
	}
	merged, cancel := context.WithCancel(b.run)
	go func() {
		select {
		case <-c.Done():
			cancel()
		case <-merged.Done():
		}
	}()
	b.run = merged
}

// Context is the run's context: preflight and gates derive from it.
func (b *Binder) Context() context.Context { return b.run }

// Track makes progress lines attach to the dependent being created (found
// among the resources r recorded by type and name).
func (b *Binder) Track(r *Registered) { b.tracked = r }

// reporter logs a gate's progress as an info message naming the dependent
// whose hook runs it, on the line of that dependent's component in the
// update display (see Registered.parentOf for why not on its own line).
func (b *Binder) reporter(args *pulumi.ResourceHookArgs) Reporter {
	var res pulumi.Resource
	name := ""
	if args != nil {
		name = args.Name
		if b.tracked != nil {
			res = b.tracked.parentOf(string(args.URN), args.Name)
		}
	}
	return func(line string) {
		_ = b.ctx.Log.Info(name+" waits on "+line, &pulumi.LogArgs{Resource: res, Ephemeral: true})
	}
}

// Enabled says whether gates run (false in render mode).
func (b *Binder) Enabled() bool { return b != nil && b.enabled }

// Waiter is the shared poller (nil-safe).
func (b *Binder) Waiter() *Waiter {
	if b == nil {
		return nil
	}
	return b.waiter
}

// Options returns DependsOn for every resource and, when enabled, the gate
// hooks. Call it once per dependent with everything the dependent needs.
func (b *Binder) Options(ps ...Prerequisite) ([]pulumi.ResourceOption, error) {
	p := Join(ps...)
	var opts []pulumi.ResourceOption
	if len(p.Resources) > 0 {
		opts = append(opts, pulumi.DependsOn(p.Resources))
	}
	if !b.Enabled() || len(p.Gates) == 0 {
		return opts, nil
	}
	var hooks []*pulumi.ResourceHook
	seen := map[string]bool{}
	for _, g := range p.Gates {
		if seen[g.ID()] {
			continue
		}
		seen[g.ID()] = true
		h, err := b.hook(g)
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, h)
	}
	return append(opts, pulumi.ResourceHooks(&pulumi.ResourceHookBinding{BeforeCreate: hooks, BeforeUpdate: hooks})), nil
}

func (b *Binder) hook(g Gate) (*pulumi.ResourceHook, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h, ok := b.hooks[g.ID()]; ok {
		return h, nil
	}
	gate := g
	h, err := b.ctx.RegisterResourceHook(g.HookName(), func(args *pulumi.ResourceHookArgs) error {
		return b.waiter.WaitReporting(b.run, gate, b.reporter(args))
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("registering hook for %s: %w", g.describe(), err)
	}
	b.hooks[g.ID()] = h
	return h, nil
}

// Action registers a hook that performs work rather than a check, e.g. the
// CSV removal after a Subscription is deleted. Nil when disabled.
func (b *Binder) Action(name string, fn func(context.Context) error) (*pulumi.ResourceHook, error) {
	if !b.Enabled() {
		return nil, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if h, ok := b.hooks["action:"+name]; ok {
		return h, nil
	}
	h, err := b.ctx.RegisterResourceHook(name, func(*pulumi.ResourceHookArgs) error {
		return fn(b.run)
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("registering hook %s: %w", name, err)
	}
	b.hooks["action:"+name] = h
	return h, nil
}

// Await registers a Stash that carries gates as its own before-create and
// before-update hooks, after prerequisite: the run waits for them even where
// no dependent does (an operator nothing else uses, the last objects of a
// layer), and a terminal state fails the run at once. input is what the
// gates are about (e.g. a Subscription's spec): when it changes, the Stash
// updates and its gates run again. In render mode it carries no hook.
func (b *Binder) Await(ctx *pulumi.Context, name string, input pulumi.Input, prerequisite Prerequisite, gates []Gate, opts ...pulumi.ResourceOption) (*pulumi.Stash, error) {
	hooked, err := b.Options(prerequisite, Prerequisite{Gates: gates})
	if err != nil {
		return nil, err
	}
	st, err := pulumi.NewStash(ctx, name, &pulumi.StashArgs{Input: input}, append(hooked, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("registering %s: %w", name, err)
	}
	return st, nil
}
