package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/connectivity"
	"github.com/rhoai-pulumi/installer/components/lws"
	"github.com/rhoai-pulumi/installer/components/observability"
	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/rhoai"
)

// Phase 3 (and 4): Connectivity Link, LeaderWorkerSet, tracing and
// monitoring, the RHOAI operator and DataScienceCluster.
type phase3 struct {
	Connectivity  *connectivity.Connectivity
	LWS           *lws.LeaderWorkerSet
	Observability *observability.Observability
	OpenShiftAI   *rhoai.OpenShiftAI
}

func (w *wiring) phase3(ctx *pulumi.Context) (*phase3, error) {
	cfg := w.cfg
	rhcl := cfg.Resolved("rhcl")
	conn, err := connectivity.NewConnectivity(ctx, "connectivity", &connectivity.ConnectivityArgs{
		Channel: rhcl.Channel, StartingCSV: rhcl.StartingCSV, Gates: w.gates,
	}, w.k8s())
	if err != nil {
		return nil, err
	}
	leader, err := lws.NewLeaderWorkerSet(ctx, "lws", &lws.LeaderWorkerSetArgs{
		Channel: cfg.Resolved("lws").Channel, Gates: w.gates,
	}, w.k8s())
	if err != nil {
		return nil, err
	}
	obs, err := observability.NewObservability(ctx, "observability", &observability.ObservabilityArgs{
		Tempo:                            pin(cfg.Resolved("tempo")),
		OpenTelemetry:                    pin(cfg.Resolved("opentelemetry")),
		COO:                              pin(cfg.Resolved("coo")),
		Grafana:                          cfg.Observability.Grafana,
		GrafanaOperator:                  pin(cfg.Resolved("grafana")),
		ExistingMonitoringConfig:         w.facts.ExistingMonitoringConfig,
		ReleaseMonitoringConfigOnDestroy: cfg.Mode == Render,
		Gates:                            w.gates,
	}, w.k8s())
	if err != nil {
		return nil, err
	}
	components, err := componentStates(cfg.RHOAI)
	if err != nil {
		return nil, err
	}
	op := cfg.Resolved("rhoai")
	ai, err := rhoai.NewOpenShiftAI(ctx, "rhoai", &rhoai.OpenShiftAIArgs{
		Channel: op.Channel, Source: op.Source, StartingCSV: op.StartingCSV, Approval: olm.Approval(op.Approval),
		Monitoring: rhoai.MonitoringArgs{
			MetricsRetention: cfg.RHOAI.MonitoringRetention, TracesSampleRatio: cfg.RHOAI.TraceSampleRatio,
		},
		Components:                 components,
		RawDeploymentServiceConfig: rhoai.RawDeploymentServiceConfig(cfg.RHOAI.RawDeploymentServiceConfig),
		RenderMaaS:                 cfg.Mode == Render && cfg.MaaSEnabled(),
		Connectivity:               conn.Prerequisite(),   // C8
		LeaderWorkerSet:            leader.Prerequisite(), // C9
		Tracing:                    obs.TracingReady(),    // C10
		Gates:                      w.gates,
	}, w.k8s())
	if err != nil {
		return nil, err
	}
	return &phase3{Connectivity: conn, LWS: leader, Observability: obs, OpenShiftAI: ai}, nil
}

func pin(d OperatorDefaults) observability.OperatorPin {
	return observability.OperatorPin{Channel: d.Channel, Source: d.Source, Approval: olm.Approval(d.Approval), StartingCSV: d.StartingCSV}
}

// componentStates maps the validated rhoai.components overrides onto the
// DataScienceCluster states (json keys are the component names).
func componentStates(c RHOAIConfig) (rhoai.ComponentStates, error) {
	overrides := map[string]string{}
	for k, v := range c.Components {
		overrides[k] = v
	}
	if c.LlamaStack {
		overrides["llamastackoperator"] = "Managed"
	}
	var states rhoai.ComponentStates
	raw, err := json.Marshal(overrides)
	if err != nil {
		return states, fmt.Errorf("encoding rhoai.components: %w", err)
	}
	if err := json.Unmarshal(raw, &states); err != nil {
		return states, fmt.Errorf("decoding rhoai.components: %w", err)
	}
	return states, nil
}
