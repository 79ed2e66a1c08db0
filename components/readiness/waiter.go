package readiness

import (
	"context"
	"fmt"
	"sort"
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

// Waiter runs gates: it reads the cluster at once, then waits for a change
// before reading again. With Watch set (NewWaiter sets it), a waiting gate
// watches exactly the objects its check read (a field-selected watch per
// object, a collection watch per list) and re-runs the check on every event,
// reading the watched objects from the events rather than the API server, so
// it passes as soon as the signal appears; a slow live poll (SafetyInterval)
// stays as a safety net. An object that cannot be watched yet (its CRD is
// not served) is polled with capped exponential backoff (Interval doubling
// to MaxInterval), as every gate is without Watch. A gate that passed once
// in this run passes again without a request, so gates shared by several
// dependents run once per run.
type Waiter struct {
	Client      func() (dynamic.Interface, error)
	Clock       Clock
	Interval    time.Duration // first pause between reads
	MaxInterval time.Duration // pause cap
	Log         func(msg string)
	Warn        func(msg string) // a passing gate's Warning (default: Log)

	// Watch makes waiting gates wake on watch events of what they read.
	Watch bool
	// SafetyInterval is the pause between reads while everything the check
	// read is watched (default 30 s): a missed event costs at most this.
	SafetyInterval time.Duration
	// MinRecheck is the least time between two reads woken by events
	// (default 100 ms): a burst of events costs one read.
	MinRecheck time.Duration
	// ReportEvery is how often a waiting gate reports what it sees even when
	// nothing changed (default 30 s); a change is reported at once.
	ReportEvery time.Duration

	requests atomic.Int64
	mu       sync.Mutex
	entries  map[string]*entry
}

type entry struct {
	mu     sync.Mutex // one run of the check at a time
	gate   Gate
	passed bool
	failed error // the verdict of a failed run, returned to every later dependent
	stats  counters

	rmu       sync.Mutex
	reporters map[int]Reporter // the dependents waiting now
	nextID    int
}

// Reporter receives a waiting gate's progress lines (what it waits for, what
// it sees, time spent and left), at ReportEvery and on every change.
type Reporter func(line string)

func (e *entry) listen(r Reporter) (stop func()) {
	if r == nil {
		return func() {}
	}
	e.rmu.Lock()
	defer e.rmu.Unlock()
	if e.reporters == nil {
		e.reporters = map[int]Reporter{}
	}
	id := e.nextID
	e.nextID++
	e.reporters[id] = r
	return func() {
		e.rmu.Lock()
		defer e.rmu.Unlock()
		delete(e.reporters, id)
	}
}

func (e *entry) report(line string) {
	e.rmu.Lock()
	rs := make([]Reporter, 0, len(e.reporters))
	for _, r := range e.reporters {
		rs = append(rs, r)
	}
	e.rmu.Unlock()
	for _, r := range rs {
		r(line)
	}
}

// counters are a gate's costs, updated while it waits.
type counters struct {
	waits, checks, requests, cached, watches, events atomic.Int64
	waited                                           atomic.Int64 // nanoseconds
}

// GateStats is what one gate cost in this run.
type GateStats struct {
	ID       string        // Gate.ID()
	Layer    string        // Gate.Layer
	Waits    int64         // Wait calls (one per dependent hook run; memoized ones cost nothing)
	Checks   int64         // check runs
	Requests int64         // API requests: the checks' reads and writes, plus watch requests
	Cached   int64         // reads answered from the watches' events instead of a request
	Watches  int64         // watch requests opened
	Events   int64         // watch events received
	Waited   time.Duration // time spent in checks and waits
	Passed   bool
}

// NewWaiter uses the real clock, watches, and the default pacing (2 s
// doubling to 10 s while unwatched; 30 s while watched).
func NewWaiter(client func() (dynamic.Interface, error)) *Waiter {
	return &Waiter{Client: client, Clock: realClock{}, Interval: 2 * time.Second, MaxInterval: 10 * time.Second, Watch: true}
}

// Requests counts the checks made so far (each is one or a few API reads;
// Stats has the requests per gate).
func (w *Waiter) Requests() int64 { return w.requests.Load() }

// Stats reports each gate run so far, sorted by ID.
func (w *Waiter) Stats() []GateStats {
	w.mu.Lock()
	entries := make([]*entry, 0, len(w.entries))
	for _, e := range w.entries {
		entries = append(entries, e)
	}
	w.mu.Unlock()
	out := make([]GateStats, 0, len(entries))
	for _, e := range entries {
		e.mu.Lock()
		passed, g := e.passed, e.gate
		e.mu.Unlock()
		out = append(out, e.stats.snapshot(g, passed))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (c *counters) snapshot(g Gate, passed bool) GateStats {
	return GateStats{
		ID: g.ID(), Layer: g.Layer, Waits: c.waits.Load(), Checks: c.checks.Load(),
		Requests: c.requests.Load() + c.watches.Load(), Cached: c.cached.Load(), Watches: c.watches.Load(), Events: c.events.Load(),
		Waited: time.Duration(c.waited.Load()), Passed: passed,
	}
}

// String is the one-line summary the pass log ends with.
func (s GateStats) String() string {
	return fmt.Sprintf("checks=%d requests=%d cached=%d watches=%d events=%d", s.Checks, s.Requests, s.Cached, s.Watches, s.Events)
}

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
		e = &entry{gate: g}
		w.entries[g.ID()] = e
	}
	return e
}

// Wait blocks until the gate's check reports ready, a terminal state
// (ErrTerminal, with the operator's message), the gate's timeout
// (ErrTimeout, naming what it saw last), or ctx ends (the run was cancelled).
func (w *Waiter) Wait(ctx context.Context, g Gate) error { return w.WaitReporting(ctx, g, nil) }

// WaitReporting is Wait, sending progress lines to report while it waits.
// The verdict is remembered for the rest of the run: a gate that passed
// passes again without a request, and a gate that failed fails again at once
// with the same error, so N dependents of a stuck gate cost one timeout, not N.
func (w *Waiter) WaitReporting(ctx context.Context, g Gate, report Reporter) error {
	if g.Check == nil {
		return fmt.Errorf("%s: gate has no check", g.describe())
	}
	e := w.entry(g)
	e.stats.waits.Add(1)
	defer e.listen(report)()
	e.mu.Lock() // one run per gate; concurrent dependents wait for its verdict
	defer e.mu.Unlock()
	if e.passed {
		return nil
	}
	if e.failed != nil {
		return e.failed
	}
	err := w.run(ctx, g, e)
	if err != nil {
		e.failed = err
		return err
	}
	e.passed = true
	return nil
}

// Failed returns the remembered failure of a gate in this run, if any.
func (w *Waiter) Failed(g Gate) error {
	e := w.entry(g)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failed
}

func (w *Waiter) run(ctx context.Context, g Gate, e *entry) error {
	client, err := w.Client()
	if err != nil {
		return fmt.Errorf("%s: connecting to the cluster: %w", g.describe(), err)
	}
	clock := w.Clock
	if clock == nil {
		clock = realClock{}
	}
	start := clock.Now()
	defer func() { e.stats.waited.Add(int64(clock.Now().Sub(start))) }()
	deadline := start.Add(g.Timeout)
	pause := w.Interval
	if pause <= 0 {
		pause = time.Second
	}
	var watches *watchSet
	if w.Watch {
		watches = newWatchSet(client, &e.stats.events)
		watchCtx, stop := context.WithCancel(ctx)
		defer func() { stop(); watches.stop() }()
		ctx = watchCtx
	}
	traced := newTracer(client, &e.stats.requests, &e.stats.cached, watches)
	last, reported := "", ""
	var reportedAt time.Time
	rechecked, woken := false, false
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: interrupted while waiting for %s (last seen: %s): %w", g.describe(), g.Expect, orNothing(last), err)
		}
		w.requests.Add(1)
		e.stats.checks.Add(1)
		checked := clock.Now()
		// Woken by an event, the watched objects are read from the events;
		// otherwise (first read, re-read after a new watch, safety poll)
		// from the API server.
		traced.fromCache = woken
		st, err := g.Check(ctx, traced)
		switch {
		case err != nil:
			last = "error reading the cluster: " + err.Error()
		case st.Ready:
			w.log(fmt.Sprintf("%s: passed after %s (%s) [%s]", g.describe(), clock.Now().Sub(start).Round(time.Second), st.Message, e.stats.snapshot(g, true)))
			if st.Warning != "" {
				w.warn(g.describe() + ": " + st.Warning)
			}
			return nil
		case st.Terminal:
			return g.terminalError(st)
		default:
			last = st.Message
		}
		reads := traced.take()
		now := clock.Now()
		if last != reported || now.Sub(reportedAt) >= w.reportEvery() {
			e.report(g.progress(last, now.Sub(start)))
			reported, reportedAt = last, now
		}
		if !now.Before(deadline) {
			return g.timeoutError(now.Sub(start), last)
		}
		wait := pause
		var wake <-chan struct{}
		if watches != nil {
			allWatched, recheck := watches.ensure(ctx, reads, &e.stats.watches, &e.stats.requests)
			if recheck && !rechecked {
				// A new watch starts from a fresh list, which may be newer
				// than what the check read: check once more, from it.
				rechecked, woken = true, true
				continue
			}
			rechecked = false
			if allWatched && len(reads) > 0 {
				wait = max(wait, w.safetyInterval())
			}
			wake = watches.wake
		}
		if rest := deadline.Sub(now); rest < wait {
			wait = rest
		}
		woken, err = sleep(ctx, clock, wait, wake)
		if err != nil {
			return fmt.Errorf("%s: interrupted while waiting for %s (last seen: %s): %w", g.describe(), g.Expect, last, err)
		}
		if woken {
			// Let a burst of events settle into one read.
			if gap := w.minRecheck() - clock.Now().Sub(checked); gap > 0 {
				if err := clock.Sleep(ctx, gap); err != nil {
					return fmt.Errorf("%s: interrupted while waiting for %s (last seen: %s): %w", g.describe(), g.Expect, last, err)
				}
			}
			continue // an event is news, not a failed poll: no backoff
		}
		if pause *= 2; w.MaxInterval > 0 && pause > w.MaxInterval {
			pause = w.MaxInterval
		}
	}
}

func (w *Waiter) safetyInterval() time.Duration {
	if w.SafetyInterval > 0 {
		return w.SafetyInterval
	}
	return 30 * time.Second
}

func orNothing(s string) string {
	if s == "" {
		return "nothing yet"
	}
	return s
}

func (w *Waiter) reportEvery() time.Duration {
	if w.ReportEvery > 0 {
		return w.ReportEvery
	}
	return 30 * time.Second
}

func (w *Waiter) minRecheck() time.Duration {
	if w.MinRecheck > 0 {
		return w.MinRecheck
	}
	return 100 * time.Millisecond
}

// sleep pauses for d on clock, or until wake fires (woken true). It fails
// only when ctx ends.
func sleep(ctx context.Context, clock Clock, d time.Duration, wake <-chan struct{}) (woken bool, err error) {
	if wake == nil {
		return false, clock.Sleep(ctx, d)
	}
	select {
	case <-wake: // an event arrived while the check ran
		return true, nil
	default:
	}
	sctx, cancel := context.WithCancel(ctx)
	fired := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-wake:
			fired = true
			cancel()
		case <-sctx.Done():
		}
	}()
	err = clock.Sleep(sctx, d)
	cancel()
	<-done // the helper is gone before the next sleep: no wake-up is lost to it
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if fired {
		return true, nil
	}
	return false, err
}

func (w *Waiter) log(msg string) {
	if w.Log != nil {
		w.Log(msg)
	}
}

func (w *Waiter) warn(msg string) {
	if w.Warn != nil {
		w.Warn(msg)
		return
	}
	w.log(msg)
}
