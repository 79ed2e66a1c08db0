package bench

import (
	"regexp"
	"sort"
	"strconv"
	"time"
)

// GateRun is one gate's verdict as the program logged it during an up
// (components/readiness: "... passed after 9s (...) [checks=2 requests=4
// cached=2 watches=2 events=1]").
type GateRun struct {
	Layer, Name, Object string
	Waited              time.Duration // from the first read to the pass (whole seconds)
	Checks, Requests    int64         // check runs; API requests including watch requests
	Cached              int64         // reads answered from watch events
	Watches, Events     int64
}

var gateLine = regexp.MustCompile(`^(.+?): gate (\S+)(?: \([^)]*\))?: (.+?): passed after (\S+) \(.*\) \[checks=(\d+) requests=(\d+)(?: cached=(\d+))? watches=(\d+) events=(\d+)\]$`)

// ParseGates reads the gate verdicts out of an up's log lines, sorted by
// requests (most first), then name.
func ParseGates(logs []string) []GateRun {
	var out []GateRun
	for _, l := range logs {
		m := gateLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		waited, _ := time.ParseDuration(m[4])
		n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
		out = append(out, GateRun{Layer: m[1], Name: m[2], Object: m[3], Waited: waited,
			Checks: n(5), Requests: n(6), Cached: n(7), Watches: n(8), Events: n(9)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Name+out[i].Object < out[j].Name+out[j].Object
	})
	return out
}

// GateTotals sums the gates' costs.
func GateTotals(gates []GateRun) (t GateRun) {
	for _, g := range gates {
		t.Checks += g.Checks
		t.Requests += g.Requests
		t.Cached += g.Cached
		t.Watches += g.Watches
		t.Events += g.Events
	}
	return t
}
