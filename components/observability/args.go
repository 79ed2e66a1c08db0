package observability

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// OperatorPin selects an operator's catalog entry; empty fields take the
// layer's defaults (confirmations.md §1).
type OperatorPin struct {
	Channel     string       `json:"channel,omitempty"`
	Source      string       `json:"source,omitempty"`
	Approval    olm.Approval `json:"approval,omitempty"`
	StartingCSV string       `json:"startingCSV,omitempty"`
}

// ObservabilityArgs comes from validated config (stacks/).
type ObservabilityArgs struct {
	// Tempo: tempo-product on stable, Automatic.
	Tempo OperatorPin
	// OpenTelemetry: opentelemetry-product on stable, Automatic.
	OpenTelemetry OperatorPin
	// COO: cluster-observability-operator on stable, Manual, pinned to
	// cluster-observability-operator.v1.4.0 (1.5.0 breaks the RHOAI 3.4 Perses image).
	COO OperatorPin
	// Grafana installs the community Grafana operator (off by default).
	Grafana bool
	// GrafanaOperator: grafana-operator on v5 from community-operators.
	GrafanaOperator OperatorPin
	// ExistingMonitoringConfig is the current data["config.yaml"] of
	// openshift-monitoring/cluster-monitoring-config, read by stacks/ at
	// preview and up; "" when the ConfigMap or key is absent, and in render mode.
	ExistingMonitoringConfig string
	// ReleaseMonitoringConfigOnDestroy lets destroy remove the patch (render
	// mode: the rendered file goes; no user config can be lost there). Live
	// runs keep the ConfigMap as it is on destroy.
	ReleaseMonitoringConfigOnDestroy bool

	Gates *readiness.Binder      // shared gate binder (disabled in render mode)
	After readiness.Prerequisite // what every object of this layer waits for
}

// Defaults (manifests.md 3.3 and Phase 4; confirmations.md §1).
const (
	DefaultTempoChannel         = "stable"
	DefaultOpenTelemetryChannel = "stable"
	DefaultCOOChannel           = "stable"
	DefaultCOOStartingCSV       = "cluster-observability-operator.v1.4.0"
	DefaultGrafanaChannel       = "v5"
	DefaultGrafanaSource        = "community-operators"
	redHatOperators             = "redhat-operators"
)

func (p OperatorPin) withDefaults(channel, source string, approval olm.Approval, csv string) OperatorPin {
	if p.Channel == "" {
		p.Channel = channel
	}
	if p.Source == "" {
		p.Source = source
	}
	if p.Approval == "" {
		p.Approval = approval
	}
	if p.StartingCSV == "" {
		p.StartingCSV = csv
	}
	return p
}

func (a ObservabilityArgs) withDefaults() ObservabilityArgs {
	a.Tempo = a.Tempo.withDefaults(DefaultTempoChannel, redHatOperators, olm.Automatic, "")
	a.OpenTelemetry = a.OpenTelemetry.withDefaults(DefaultOpenTelemetryChannel, redHatOperators, olm.Automatic, "")
	a.COO = a.COO.withDefaults(DefaultCOOChannel, redHatOperators, olm.Manual, DefaultCOOStartingCSV)
	a.GrafanaOperator = a.GrafanaOperator.withDefaults(DefaultGrafanaChannel, DefaultGrafanaSource, olm.Automatic, "")
	return a
}

// cooCSV is the COO pin this layer accepts: 1.4.x (confirmations.md §1).
var cooCSV = regexp.MustCompile(`^cluster-observability-operator\.v1\.4\.[0-9]+$`)

// Validate reports every problem at once (after defaults).
func (a ObservabilityArgs) Validate() error {
	var errs []error
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	// COO 1.5.0 injects --web.tls-min-version into the Perses StatefulSet and
	// the RHOAI 3.4 perses image crash-loops on it (confirmations.md §1).
	if a.COO.Approval != olm.Manual {
		errs = append(errs, fmt.Errorf("coo.approval %q; expected Manual: with Automatic, OLM upgrades COO past the 1.4.x pin to 1.5.x, which crash-loops the RHOAI 3.4 Perses image", a.COO.Approval))
	}
	if !cooCSV.MatchString(a.COO.StartingCSV) {
		errs = append(errs, fmt.Errorf("coo.startingCSV %q; expected cluster-observability-operator.v1.4.x such as %s: COO 1.5+ crash-loops the RHOAI 3.4 Perses image (flag -web.tls-min-version)", a.COO.StartingCSV, DefaultCOOStartingCSV))
	}
	if _, err := MergeUserWorkload(a.ExistingMonitoringConfig); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
