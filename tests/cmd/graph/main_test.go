package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// The committed picture is the program's graph today: regenerate it with
// `go run ./tests/cmd/graph` when this fails.
func TestGraphIsCurrent(t *testing.T) {
	rec, err := testkit.Run(testkit.Config().AWS().Build(), testkit.OpenShift("AWS"), false)
	require.NoError(t, err)
	committed, err := os.ReadFile("../../../docs/dependency-graph.md")
	require.NoError(t, err)
	assert.Equal(t, string(committed), render("aws-dev", rec), "docs/dependency-graph.md is stale: run go run ./tests/cmd/graph")
}

func TestReduce_dropsEdgesAThirdNodeExplains(t *testing.T) {
	after := map[[2]string]bool{{"a", "b"}: true, {"b", "c"}: true, {"a", "c"}: true}
	edges := reduce([]string{"a", "b", "c"}, func(x, y string) bool { return after[[2]string{x, y}] })
	assert.Equal(t, [][2]string{{"a", "b"}, {"b", "c"}}, edges)
}
