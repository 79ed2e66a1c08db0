package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/rhoai-pulumi/installer/tests/ocpsim"
)

// Report is a whole measurement: the model's bounds, the live runs and the
// scaling figures.
type Report struct {
	Scale    float64
	Parallel int
	Machine  string

	CriticalPath Path
	Serial       time.Duration
	Phases       map[int]Path
	Finish       map[string]time.Duration // each node's earliest finish (the model)

	// The aws-dev stack's model (not run live: its AWS provider plugin
	// cannot be built here), for the EC2 share of the critical path.
	graph           *Graph // the live stack's model
	AWSCriticalPath Path
	AWSSerial       time.Duration

	Runs []Live

	Models       []int
	Resources    []int
	Registration []time.Duration
	Preview      []time.Duration
}

// Machine describes the host: cores and memory.
func Machine() string {
	mem := ""
	if f, err := os.Open("/proc/meminfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
				break
			}
		}
	}
	return fmt.Sprintf("%s/%s, %d cores%s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), mem, runtime.Version())
}

// Up is the median first up.
func (r Report) Up() time.Duration { return r.median(func(l Live) time.Duration { return l.Up }) }

// NoOpUp is the median no-op up.
func (r Report) NoOpUp() time.Duration {
	return r.median(func(l Live) time.Duration { return l.NoOpUp })
}

// PreviewAfter is the median preview after convergence.
func (r Report) PreviewAfter() time.Duration {
	return r.median(func(l Live) time.Duration { return l.Preview })
}

func (r Report) median(f func(Live) time.Duration) time.Duration {
	var ds []time.Duration
	for _, l := range r.Runs {
		ds = append(ds, f(l))
	}
	return Median(ds)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func check(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// Markdown renders the report as the tables of docs/performance.md.
func (r Report) Markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("Machine: %s. Delay scale %g, engine parallelism %s, %d live run(s) (medians).\n\n", r.Machine, r.Scale, parallelName(r.Parallel), len(r.Runs))
	if len(r.Runs) > 0 {
		up := r.Up()
		p("| figure | value | ratio | target |\n|---|---|---|---|\n")
		p("| first `pulumi up` (%d resources) | %s | | |\n", r.Runs[0].Created, secs(up))
		p("| critical path of the graph (lower bound) | %s | up / CP = **%.2f** | ≤ 1.10: %s |\n", secs(r.CriticalPath.Total), ratio(up, r.CriticalPath.Total), check(ratio(up, r.CriticalPath.Total) <= 1.10))
		p("| serial phases 1…6 (sum of each phase's CP) | %s | serial / up = **%.2f** | ≥ 2: %s |\n", secs(r.Serial), ratio(r.Serial, up), check(ratio(r.Serial, up) >= 2))
		p("| no-op `pulumi up` after convergence | %s | no-op / up = **%.1f %%** | ≤ 15 %%: %s |\n", secs(r.NoOpUp()), 100*ratio(r.NoOpUp(), up), check(ratio(r.NoOpUp(), up) <= 0.15))
		p("| `pulumi preview` after convergence | %s | preview / up = **%.1f %%** | |\n", secs(r.PreviewAfter()), 100*ratio(r.PreviewAfter(), up))
		var starts []time.Duration
		for _, l := range r.Runs {
			starts = append(starts, l.EngineStart)
		}
		p("| engine start (up start → first resource step) | %s | | |\n\n", secs(Median(starts)))
		p("Runs (first up / no-op up / preview):")
		for _, l := range r.Runs {
			p(" %s / %s / %s;", secs(l.Up), secs(l.NoOpUp), secs(l.Preview))
		}
		p("\n\n")
	}
	p("Critical path (%s):\n\n", secs(r.CriticalPath.Total))
	for _, s := range r.CriticalPath.Steps {
		p("- %s\n", s)
	}
	p("\nSerial phases (%s):\n\n| phase | its critical path |\n|---|---|\n", secs(r.Serial))
	var phases []int
	for ph := range r.Phases {
		phases = append(phases, ph)
	}
	sort.Ints(phases)
	for _, ph := range phases {
		p("| %d | %s |\n", ph, secs(r.Phases[ph].Total))
	}
	if len(r.Runs) > 0 {
		last := r.Runs[len(r.Runs)-1]
		p("\nWhere the time goes (last run): the chain of steps that set the wall time, walked back from the last step to end through the dependency that ended last; the model's start and finish beside each step's actual begin and end.\n\n| resource | model start | actual begin | model finish | actual end |\n|---|---|---|---|---|\n")
		if r.graph != nil {
			for _, name := range r.graph.ActualPath(last.Steps) {
				sp, f := last.Steps[name], r.Finish[name]
				p("| %s | %s | %s | %s | %s |\n", name, secs(f-r.graph.Nodes[name].Await), secs(sp.Begin), secs(f), secs(sp.End))
			}
		}
		t := GateTotals(last.Gates)
		p("\nGates (last run): %d gates passed; %d checks, %d API requests (%d of them watch requests), %d reads answered from watch events, %d watch events.\n\n", len(last.Gates), t.Checks, t.Requests, t.Watches, t.Cached, t.Events)
		p("| gate | object | waited | checks | requests | cached reads | watches | events |\n|---|---|---|---|---|---|---|---|\n")
		for _, g := range last.Gates {
			p("| %s %s | %s | %s | %d | %d | %d | %d | %d |\n", g.Layer, g.Name, g.Object, g.Waited, g.Checks, g.Requests, g.Cached, g.Watches, g.Events)
		}
		p("\nSimulator (the platform's own operators) during the first up: %s\n", simSummary(last.Sim))
	}
	if r.AWSCriticalPath.Total > 0 {
		p("\naws-dev stack (model only): critical path %s, serial phases %s (serial / CP = %.2f):\n\n", secs(r.AWSCriticalPath.Total), secs(r.AWSSerial), ratio(r.AWSSerial, r.AWSCriticalPath.Total))
		for _, s := range r.AWSCriticalPath.Steps {
			p("- %s\n", s)
		}
	}
	if len(r.Models) > 0 {
		p("\nScaling with the number of models:\n\n| models | resources | registration (mocks) | preview (engine, render mode) |\n|---|---|---|---|\n")
		for i, n := range r.Models {
			pv := ""
			if i < len(r.Preview) {
				pv = fmt.Sprintf("%.0f ms", float64(r.Preview[i])/float64(time.Millisecond))
			}
			p("| %d | %d | %.1f ms | %s |\n", n, r.Resources[i], float64(r.Registration[i])/float64(time.Millisecond), pv)
		}
		per, rel, curv := Growth(r.Models, r.Registration)
		p("\nRegistration: %.2f ms per extra model = **%.1f %%** of the one-model time (≤ 5 %%: %s); slope 10→50 / slope 1→10 = %.2f.\n", float64(per)/float64(time.Millisecond), 100*rel, check(rel <= 0.05), curv)
		if len(r.Preview) == len(r.Models) {
			per, rel, curv := Growth(r.Models, r.Preview)
			p("Preview: %.1f ms per extra model = **%.1f %%** of the one-model time (≤ 5 %%: %s); slope 10→50 / slope 1→10 = %.2f.\n", float64(per)/float64(time.Millisecond), 100*rel, check(rel <= 0.05), curv)
		}
	}
	return b.String()
}

func parallelName(n int) string {
	if n <= 0 {
		return fmt.Sprintf("CLI default (4 × %d cores = %d)", runtime.GOMAXPROCS(0), 4*runtime.GOMAXPROCS(0))
	}
	return fmt.Sprint(n)
}

func simSummary(s ocpsim.RequestStats) string {
	var top []string
	for _, k := range s.Top(6) {
		top = append(top, fmt.Sprintf("%s %d", k, s.ByResource[k]))
	}
	verbs := make([]string, 0, len(s.ByVerb))
	for v, n := range s.ByVerb {
		verbs = append(verbs, fmt.Sprintf("%s %d", v, n))
	}
	sort.Strings(verbs)
	return fmt.Sprintf("%d requests (%s); most: %s.", s.Total, strings.Join(verbs, ", "), strings.Join(top, ", "))
}
