package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/rhoai"
)

// openShiftAI: the RHOAI operator, DSCInitialization, DataScienceCluster,
// dashboard config and hardware profiles (rationale phases 3.4–3.8), after
// Connectivity Link (C8), LeaderWorkerSet (C9) and tracing (C10).
func (w *wiring) openShiftAI(ctx *pulumi.Context, l *Layers) error {
	cfg := w.cfg
	components, err := componentStates(cfg.RHOAI)
	if err != nil {
		return err
	}
	for _, warning := range components.Warnings() {
		_ = ctx.Log.Warn(warning, nil)
	}
	ai, err := rhoai.NewOpenShiftAI(ctx, "rhoai", &rhoai.OpenShiftAIArgs{
		Catalog: cfg.Catalog("rhoai"),
		Monitoring: rhoai.MonitoringArgs{
			MetricsRetention: cfg.RHOAI.MonitoringRetention, TracesSampleRatio: cfg.RHOAI.TraceSampleRatio,
		},
		Components:                 components,
		RawDeploymentServiceConfig: rhoai.RawDeploymentServiceConfig(cfg.RHOAI.RawDeploymentServiceConfig),
		RenderMaaS:                 cfg.Mode == Render && cfg.MaaSEnabled(),
		Connectivity:               l.Connectivity.Prerequisite(),  // C8
		LeaderWorkerSet:            l.LWS.Prerequisite(),           // C9
		Tracing:                    l.Observability.TracingReady(), // C10
		Gates:                      w.gates,
	}, w.k8s())
	l.OpenShiftAI = ai
	return err
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
