package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/observability"
)

// observability: Tempo, OpenTelemetry (optional Grafana), user-workload
// monitoring, and the Cluster Observability Operator with its console
// plugins and dashboard (rationale phases 3.3 and 4).
func (w *wiring) observability(ctx *pulumi.Context, l *Layers) error {
	cfg := w.cfg
	obs, err := observability.NewObservability(ctx, "observability", &observability.ObservabilityArgs{
		Tempo:                            cfg.Catalog("tempo"),
		OpenTelemetry:                    cfg.Catalog("opentelemetry"),
		COO:                              cfg.Catalog("coo"),
		Grafana:                          cfg.Observability.Grafana,
		GrafanaOperator:                  cfg.Catalog("grafana"),
		UserWorkloadMonitoring:           cfg.Observability.UserWorkload,
		ClusterObservability:             cfg.Observability.ClusterObservability,
		ExistingMonitoringConfig:         w.facts.ExistingMonitoringConfig,
		ReleaseMonitoringConfigOnDestroy: cfg.Mode == Render,
		Gates:                            w.gates,
	}, w.k8s())
	l.Observability = obs
	return err
}
