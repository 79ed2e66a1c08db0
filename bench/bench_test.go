package bench_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rhoai-pulumi/installer/bench"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// The live and engine benchmarks need the pinned Pulumi CLI and kubernetes
// plugin and the kube control plane (scripts/toolchain.sh,
// scripts/kube-toolchain.sh); they run with RHOAI_ENGINE_TESTS=1:
//
//	RHOAI_ENGINE_TESTS=1 go test -run '^$' -bench . -benchtime 1x -timeout 30m ./bench/
func requireEngine(b *testing.B) {
	b.Helper()
	if os.Getenv("RHOAI_ENGINE_TESTS") != "1" {
		b.Skip("set RHOAI_ENGINE_TESTS=1 with the pinned pulumi CLI, kubernetes plugin and kube binaries on PATH")
	}
}

// BenchmarkUp: one first up, no-op up and preview on the simulated
// platform per iteration, with the ratios to the graph's bounds (critical path, serial phases).
func BenchmarkUp(b *testing.B) {
	requireEngine(b)
	o := bench.Options{Log: func(m string) { b.Log(m) }}
	g, err := bench.ModelGraph(o.Delays())
	if err != nil {
		b.Fatal(err)
	}
	cp := g.CriticalPath().Total
	serial, _ := g.Serial()
	var ups, noops, previews []time.Duration
	for b.Loop() {
		live, err := bench.MeasureLive(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		ups, noops, previews = append(ups, live.Up), append(noops, live.NoOpUp), append(previews, live.Preview)
		b.ReportMetric(float64(bench.GateTotals(live.Gates).Requests), "gate-requests")
		b.ReportMetric(float64(live.Sim.Total), "sim-requests")
	}
	up := bench.Median(ups)
	b.ReportMetric(up.Seconds(), "up-s")
	b.ReportMetric(cp.Seconds(), "cp-s")
	b.ReportMetric(up.Seconds()/cp.Seconds(), "up/cp")
	b.ReportMetric(serial.Seconds()/up.Seconds(), "serial/up")
	b.ReportMetric(bench.Median(noops).Seconds()/up.Seconds(), "noop/up")
	b.ReportMetric(bench.Median(previews).Seconds()/up.Seconds(), "preview/up")
	b.ReportMetric(0, "ns/op")
}

var modelCounts = []int{1, 10, 50}

// BenchmarkRegistration: the program's registration under mocks.
func BenchmarkRegistration(b *testing.B) {
	for _, n := range modelCounts {
		cfg := testkit.Config().WithModels(n).Build()
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := testkit.Run(cfg, testkit.OpenShift("BareMetal"), false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPreview: an engine preview of the render stack (no cluster);
// preview-ms excludes creating the stack.
func BenchmarkPreview(b *testing.B) {
	requireEngine(b)
	for _, n := range modelCounts {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			var runs []time.Duration
			for b.Loop() {
				d, err := bench.MeasurePreview(context.Background(), bench.Options{}, []int{n}, 1)
				if err != nil {
					b.Fatal(err)
				}
				runs = append(runs, d...)
			}
			b.ReportMetric(float64(bench.Median(runs))/float64(time.Millisecond), "preview-ms")
		})
	}
}
