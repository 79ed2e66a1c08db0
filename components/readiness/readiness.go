// Package readiness holds the gates that stand between a resource and its
// dependents where the signal lives outside the object the program owns: the
// CSV named by a Subscription, an OLM-created CRD, a node's allocatable GPUs,
// an EnvoyFilter an operator generates (docs/gates.md).
//
// A gate is bound to each dependent as BeforeCreate and BeforeUpdate resource
// hooks. When the check fails the dependent is not created and the run fails;
// the next `pulumi up` runs the hook again, so a failed gate is never recorded
// as passed (docs/gates.md). Hooks do not run in preview or render mode.
//
// The Waiter reads at once, then watches what the check read and runs the
// check again on every change, answering its reads from the watch events
// (with a slow live poll as a safety net, and backoff polling for what
// cannot be watched yet), so a gate passes as soon as its signal appears
// without polling the API server; Stats counts each gate's checks, requests,
// cached reads, watches and events (docs/performance.md).
package readiness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
)

// Sentinel errors, for errors.Is.
var (
	// ErrTerminal: the operator reported a state it will not leave by itself.
	ErrTerminal = errors.New("terminal state")
	// ErrTimeout: the gate's budget ran out before the signal appeared.
	ErrTimeout = errors.New("timed out")
)

// Status is what one read of the cluster found.
type Status struct {
	Ready    bool
	Terminal bool   // will not become ready without a human or a config change
	Message  string // what was seen, in the operator's words where possible
	Warning  string // ready, but something near it is not (shown as a warning)
}

// Ready, NotYet and Failed build Statuses tersely in checks.
func Ready(msg string) Status               { return Status{Ready: true, Message: msg} }
func NotYet(format string, a ...any) Status { return Status{Message: fmt.Sprintf(format, a...)} }
func Failed(format string, a ...any) Status {
	return Status{Terminal: true, Message: fmt.Sprintf(format, a...)}
}
func (s Status) String() string { return s.Message }

// WithWarning adds a warning to a ready Status: what the gate does not wait
// for but the user should know.
func (s Status) WithWarning(format string, a ...any) Status {
	s.Warning = fmt.Sprintf(format, a...)
	return s
}
func (s Status) withPrefix(p string) Status { s.Message = p + s.Message; return s }
func join(parts ...string) string           { return strings.Join(nonEmpty(parts), "; ") }
func nonEmpty(in []string) (out []string) {
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Check reads the cluster once. A returned error is treated as transient (the
// API server may be restarting); terminal states are reported in Status.
type Check func(ctx context.Context, c dynamic.Interface) (Status, error)

// Gate is a named, typed check with its budget.
type Gate struct {
	Name       string        // the fact it proves, e.g. csvSucceeded
	Object     string        // what it reads, e.g. Subscription kuadrant-system/rhcl-operator
	Constraint string        // the constraint id it enforces, e.g. C1
	Layer      string        // the layer that owns it, e.g. connectivity
	Expect     string        // what must hold, e.g. "CSV phase Succeeded"
	Hint       string        // the next thing to check when it fails
	Timeout    time.Duration // the real operation's budget
	Check      Check
}

// ID identifies the gate in hook names and memoization: one fact about one object.
func (g Gate) ID() string { return g.Name + ":" + g.Object }

// HookName is the Pulumi resource-hook name bound to dependents; tests read it
// from the registered resources.
func (g Gate) HookName() string {
	r := strings.NewReplacer(" ", "-", "/", "-", ":", "-", ".", "-")
	return "gate-" + r.Replace(g.Name+"-"+g.Object)
}

func (g Gate) describe() string {
	id := g.Name
	if g.Constraint != "" {
		id += " (" + g.Constraint + ")"
	}
	return fmt.Sprintf("%s: gate %s: %s", g.Layer, id, g.Object)
}

// progress is a waiting gate's one-line report: what it waits for, what it
// sees now, time spent and budget left.
func (g Gate) progress(seen string, waited time.Duration) string {
	id := g.Name
	if g.Constraint != "" {
		id += " (" + g.Constraint + ")"
	}
	if seen == "" {
		seen = "nothing yet"
	}
	left := g.Timeout - waited
	if left < 0 {
		left = 0
	}
	return fmt.Sprintf("%s: %s; waited %s, %s left for %s", id, seen, waited.Round(time.Second), left.Round(time.Second), g.Expect)
}

func (g Gate) terminalError(s Status) error {
	return fmt.Errorf("%s: %s: %w; expected %s", g.describe(), s.Message, ErrTerminal, join(g.Expect, g.Hint))
}

func (g Gate) timeoutError(waited time.Duration, last string) error {
	if last == "" {
		last = "nothing yet"
	}
	return fmt.Errorf("%s: %w after %s waiting for %s; last seen: %s%s", g.describe(), ErrTimeout, waited.Round(time.Second), g.Expect, last, hintSuffix(g.Hint))
}

func hintSuffix(h string) string {
	if h == "" {
		return ""
	}
	return "; " + h
}
