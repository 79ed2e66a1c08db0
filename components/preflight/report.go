package preflight

import (
	"errors"
	"fmt"
	"strings"
)

// Severity says whether a finding stops the install.
type Severity int

const (
	// Error findings make Report.Err non-nil: the install would fail later.
	Error Severity = iota
	// Warning findings are reported but do not stop the install.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// ErrFailed is wrapped by the error Report.Err returns, for errors.Is.
var ErrFailed = errors.New("preflight failed")

// Finding is one problem: which check, on which object, what was found, what
// was expected, and how to fix it. No field ever holds secret data.
type Finding struct {
	Check    string // a Check* constant, e.g. "openshiftVersion"
	Object   string // e.g. "ClusterVersion version", "Secret openshift-config/pull-secret"
	Found    string
	Expected string
	Fix      string
	Severity Severity
}

// String renders `preflight: <check>: <object>: found <x>, expected <y>; <fix>`.
func (f Finding) String() string {
	s := fmt.Sprintf("preflight: %s: %s: found %s, expected %s", f.Check, f.Object, f.Found, f.Expected)
	if f.Fix != "" {
		s += "; " + f.Fix
	}
	return s
}

// Report is everything Check found; empty when the cluster is ready.
type Report struct {
	Findings []Finding
}

func (r *Report) add(f ...Finding) { r.Findings = append(r.Findings, f...) }

// Errors returns the error-severity findings.
func (r Report) Errors() []Finding { return r.filter(Error) }

// Warnings returns the warning-severity findings (stacks/ logs them).
func (r Report) Warnings() []Finding { return r.filter(Warning) }

func (r Report) filter(s Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// Err is nil when no finding has Error severity; otherwise one error listing
// every error finding, one per line, that wraps ErrFailed.
func (r Report) Err() error {
	errs := r.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, f := range errs {
		lines[i] = f.String()
	}
	return &failure{msg: strings.Join(lines, "\n")}
}

type failure struct{ msg string }

func (e *failure) Error() string { return e.msg }
func (e *failure) Unwrap() error { return ErrFailed }
