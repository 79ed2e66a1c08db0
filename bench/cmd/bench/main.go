// Command bench measures how fast the program converges on the simulated
// platform (tests/kubeenv + tests/ocpsim) against the bounds of its
// own dependency graph, and how registration and preview grow with the
// number of models (docs/performance.md):
//
//	source scripts/toolchain.sh && source scripts/kube-toolchain.sh
//	go run ./bench/cmd/bench -runs 3 -o /tmp/perf.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/rhoai-pulumi/installer/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	runs := flag.Int("runs", 3, "live runs on the simulated platform (medians are reported); 0 skips them")
	scale := flag.Float64("scale", bench.DefaultScale, "factor applied to the real delays")
	parallel := flag.Int("parallel", 0, "engine parallelism for up and preview (0: the CLI default, 4 × cores)")
	models := flag.String("models", "1,10,50", "model counts for the registration and preview figures (empty: none)")
	repeats := flag.Int("repeats", 5, "timings per model count (median)")
	preview := flag.Bool("preview", true, "time engine previews for the model counts (needs the Pulumi CLI)")
	out := flag.String("o", "", "also write the report to this file")
	simLog := flag.String("simlog", "", "write the simulator's log (what the platform did, seconds since the up started) and each up's resource steps to this file")
	flag.Parse()

	counts, err := parseCounts(*models)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	logf := func(msg string) { fmt.Fprintf(os.Stderr, "[%4.0fs] %s\n", time.Since(start).Seconds(), msg) }
	o := bench.Options{Scale: *scale, Parallel: *parallel, Log: logf}
	if *simLog != "" {
		f, err := os.Create(*simLog)
		if err != nil {
			return fmt.Errorf("-simlog: %w", err)
		}
		defer f.Close()
		o.SimLog = func(line string) { fmt.Fprintln(f, line) }
	}
	r, err := bench.Measure(ctx, o,
		bench.Plan{Runs: *runs, Models: counts, Repeats: *repeats, Preview: *preview})
	if err != nil {
		return err
	}
	md := r.Markdown()
	fmt.Print(md)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
	}
	return nil
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-models: %q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}
