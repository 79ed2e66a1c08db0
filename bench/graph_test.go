package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func graphOf(nodes ...*Node) *Graph {
	g := &Graph{Nodes: map[string]*Node{}}
	for _, n := range nodes {
		g.Nodes[n.Name] = n
	}
	return g
}

func TestCriticalPath_isTheLongestChain(t *testing.T) {
	g := graphOf(
		&Node{Name: "sub", Phase: 1, Await: 5 * time.Second},
		&Node{Name: "csv", Phase: 1, Gate: true, Await: 90 * time.Second, Deps: []string{"sub"}},
		&Node{Name: "cr", Phase: 1, Await: 60 * time.Second, Deps: []string{"csv"}},
		&Node{Name: "other", Phase: 2, Await: 100 * time.Second},
		&Node{Name: "last", Phase: 2, Await: 10 * time.Second, Deps: []string{"cr", "other"}},
	)
	cp := g.CriticalPath()
	assert.Equal(t, 165*time.Second, cp.Total)
	require.Len(t, cp.Steps, 4)
	assert.True(t, strings.HasPrefix(cp.Steps[0], "sub"))
	assert.True(t, strings.HasPrefix(cp.Steps[3], "last"))
	assert.Equal(t, 155*time.Second, g.Finish()["cr"])

	// Serially, phase 2 starts when phase 1 ends: 155 s + 110 s.
	serial, per := g.Serial()
	assert.Equal(t, 155*time.Second, per[1].Total)
	assert.Equal(t, 110*time.Second, per[2].Total)
	assert.Equal(t, 265*time.Second, serial)
}

// The live stack's graph: every gate the program binds has a delay model,
// and the layers that the rationale's constraints do not order start at once.
func TestModelGraph_ofTheProgram(t *testing.T) {
	g, err := ModelGraph(RealDelays())
	require.NoError(t, err)
	cp := g.CriticalPath()
	serial, per := g.Serial()
	assert.Greater(t, cp.Total, 10*time.Minute)
	assert.Greater(t, serial, 2*cp.Total, "the serial runbook is more than twice the graph's bound")
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, g.Phases())
	assert.Len(t, per, 6)

	finish := g.Finish()
	for name, n := range g.Nodes {
		if n.Kind != "Subscription" {
			continue
		}
		start := finish[name] - n.Await
		if name == "rhoai-operator-subscription" {
			assert.Positive(t, start, "C8/C9: the RHOAI operator waits for RHCL and LWS")
			continue
		}
		assert.Zero(t, start, "operator %s starts at once: no layer it does not need comes first", name)
	}
}

func TestParseGates(t *testing.T) {
	logs := []string{
		"unrelated",
		"connectivity: gate csvSucceeded (C1): Subscription kuadrant-system/rhcl-operator: passed after 10s (CSV rhcl-operator.v1.3.4 Succeeded) [checks=8 requests=9 cached=12 watches=3 events=7]",
		"rhoai: gate dsciExists: DSCInitialization default-dsci: passed after 3s (DSCInitialization default-dsci exists (really)) [checks=3 requests=4 watches=1 events=1]",
	}
	gates := ParseGates(logs)
	require.Len(t, gates, 2)
	assert.Equal(t, GateRun{Layer: "connectivity", Name: "csvSucceeded", Object: "Subscription kuadrant-system/rhcl-operator", Waited: 10 * time.Second,
		Checks: 8, Requests: 9, Cached: 12, Watches: 3, Events: 7}, gates[0])
	assert.Equal(t, GateRun{Layer: "rhoai", Name: "dsciExists", Object: "DSCInitialization default-dsci", Waited: 3 * time.Second,
		Checks: 3, Requests: 4, Watches: 1, Events: 1}, gates[1])
	assert.Equal(t, int64(13), GateTotals(gates).Requests)
}

// aws-dev: EC2 provisioning (the longest single operation) starts at once,
// beside the operator installs, and is on the critical path.
func TestModelGraphAWS_machinesStartAtOnce(t *testing.T) {
	g, err := ModelGraphAWS(RealDelays())
	require.NoError(t, err)
	finish := g.Finish()
	sets := 0
	for name, n := range g.Nodes {
		if n.Kind == "MachineSet" {
			sets++
			assert.Equal(t, n.Await, finish[name], "MachineSet %s starts at once", name)
		}
	}
	assert.Equal(t, 3, sets)
	assert.Contains(t, strings.Join(g.CriticalPath().Steps, "\n"), "machines provisioned")
}

func TestActualPath_followsTheDependencyThatEndedLast(t *testing.T) {
	g := graphOf(
		&Node{Name: "a", Await: time.Second},
		&Node{Name: "b", Await: time.Second},
		&Node{Name: "gate", Gate: true, Deps: []string{"b"}},
		&Node{Name: "c", Deps: []string{"a", "gate"}},
	)
	steps := map[string]Span{"a": {End: 2 * time.Second}, "b": {End: 5 * time.Second}, "c": {Begin: 5 * time.Second, End: 9 * time.Second}}
	assert.Equal(t, []string{"b", "c"}, g.ActualPath(steps))
	steps["a"] = Span{End: 7 * time.Second}
	assert.Equal(t, []string{"a", "c"}, g.ActualPath(steps))
}
