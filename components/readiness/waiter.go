package readiness

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/dynamic"
)

// Clock is injected so tests never sleep.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Waiter polls gates with capped exponential backoff: prompt when a signal is
// already there, gentle on the API server when it takes minutes. A gate that
// passed once in this run passes again without a request, so gates shared by
// several dependents poll once per run.
type Waiter struct {
	Client      func() (dynamic.Interface, error)
	Clock       Clock
	Interval    time.Duration // first pause between reads
	MaxInterval time.Duration // pause cap
	Log         func(msg string)

	requests atomic.Int64
	mu       sync.Mutex
	entries  map[string]*entry
}

type entry struct {
	mu     sync.Mutex
	passed bool
}

// NewWaiter uses the real clock and the default pacing (2 s doubling to 10 s).
func NewWaiter(client func() (dynamic.Interface, error)) *Waiter {
	return &Waiter{Client: client, Clock: realClock{}, Interval: 2 * time.Second, MaxInterval: 10 * time.Second}
}

// Requests counts the checks made so far (each is one or a few API reads).
func (w *Waiter) Requests() int64 { return w.requests.Load() }

// Passed reports whether the gate already passed in this run.
func (w *Waiter) Passed(g Gate) bool {
	e := w.entry(g)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.passed
}

func (w *Waiter) entry(g Gate) *entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.entries == nil {
		w.entries = map[string]*entry{}
	}
	e, ok := w.entries[g.ID()]
	if !ok {
		e = &entry{}
		w.entries[g.ID()] = e
	}
	return e
}

// Wait blocks until the gate's check reports ready, a terminal state
// (ErrTerminal, with the operator's message), or the gate's timeout
// (ErrTimeout, naming what it saw last).
func (w *Waiter) Wait(ctx context.Context, g Gate) error {
	if g.Check == nil {
		return fmt.Errorf("%s: gate has no check", g.describe())
	}
	e := w.entry(g)
	e.mu.Lock() // one poll per gate; concurrent dependents wait for its verdict
	defer e.mu.Unlock()
	if e.passed {
		return nil
	}
	client, err := w.Client()
	if err != nil {
		return fmt.Errorf("%s: connecting to the cluster: %w", g.describe(), err)
	}
	clock := w.Clock
	if clock == nil {
		clock = realClock{}
	}
	start := clock.Now()
	deadline := start.Add(g.Timeout)
	pause := w.Interval
	if pause <= 0 {
		pause = time.Second
	}
	last := ""
	for {
		w.requests.Add(1)
		st, err := g.Check(ctx, client)
		switch {
		case err != nil:
			last = "error reading the cluster: " + err.Error()
		case st.Ready:
			e.passed = true
			w.log(fmt.Sprintf("%s: passed after %s (%s)", g.describe(), clock.Now().Sub(start).Round(time.Second), st.Message))
			return nil
		case st.Terminal:
			return g.terminalError(st)
		default:
			last = st.Message
		}
		now := clock.Now()
		if !now.Before(deadline) {
			return g.timeoutError(now.Sub(start), last)
		}
		wait := pause
		if rest := deadline.Sub(now); rest < wait {
			wait = rest
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: interrupted while waiting for %s (last seen: %s): %w", g.describe(), g.Expect, last, err)
		}
		if pause *= 2; w.MaxInterval > 0 && pause > w.MaxInterval {
			pause = w.MaxInterval
		}
	}
}

func (w *Waiter) log(msg string) {
	if w.Log != nil {
		w.Log(msg)
	}
}
