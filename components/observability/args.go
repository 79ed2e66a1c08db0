package observability

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
)

// ObservabilityArgs comes from validated config (stacks/). Each catalog
// overrides its package's default field by field.
type ObservabilityArgs struct {
	Tempo         olm.Catalog // TempoOperator
	OpenTelemetry olm.Catalog // OpenTelemetryOperator
	COO           olm.Catalog // COOOperator: pinned to 1.4.x, Manual
	// Grafana installs the community Grafana operator (off by default).
	Grafana         bool
	GrafanaOperator olm.Catalog // GrafanaOperator
	// UserWorkloadMonitoring merges enableUserWorkload into
	// openshift-monitoring/cluster-monitoring-config; nil means true. Off,
	// the ConfigMap is left as it is (the cluster's admins own it).
	UserWorkloadMonitoring *bool
	// ClusterObservability installs the Cluster Observability Operator, the
	// dashboards and monitoring console plugins and the llm-d Perses
	// dashboard; nil means true.
	ClusterObservability *bool
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

// The operator packages of this layer and their default catalog entries
// (docs/decisions.md "Operator subscriptions").
var (
	TempoOperator = olm.Package{Name: "tempo-product",
		Default: olm.Catalog{Channel: "stable", Source: "redhat-operators", Approval: olm.Automatic}}
	OpenTelemetryOperator = olm.Package{Name: "opentelemetry-product",
		Default: olm.Catalog{Channel: "stable", Source: "redhat-operators", Approval: olm.Automatic}}
	GrafanaOperator = olm.Package{Name: "grafana-operator",
		Default: olm.Catalog{Channel: "v5", Source: "community-operators", Approval: olm.Automatic}}
	// COOOperator is pinned to 1.4.x with Manual approval: COO 1.5.0 injects
	// --web.tls-min-version into the Perses StatefulSet and the RHOAI 3.4
	// Perses image (perses-rhel9:1.3.1) crash-loops on it
	// (opendatahub-operator@v3.4.0
	// internal/controller/services/monitoring/monitoring_controller_support.go;
	// opendatahub-io/odh-observability PR #15).
	COOOperator = olm.Package{Name: "cluster-observability-operator",
		Default: olm.Catalog{Channel: "stable", Source: "redhat-operators", Approval: olm.Manual, StartingCSV: "cluster-observability-operator.v1.4.0"},
		Pin: &olm.Pin{
			Pattern: regexp.MustCompile(`^cluster-observability-operator\.v1\.4\.[0-9]+$`),
			Allowed: "cluster-observability-operator.v1.4.x",
			Why:     "COO 1.5.0 crash-loops the RHOAI 3.4 Perses image",
			Manual:  true,
		}}
)

func (a ObservabilityArgs) withDefaults() ObservabilityArgs {
	a.Tempo = TempoOperator.Resolve(a.Tempo)
	a.OpenTelemetry = OpenTelemetryOperator.Resolve(a.OpenTelemetry)
	a.COO = COOOperator.Resolve(a.COO)
	a.GrafanaOperator = GrafanaOperator.Resolve(a.GrafanaOperator)
	return a
}

func isOn(b *bool) bool { return b == nil || *b }

// Validate reports every problem at once (after defaults).
func (a ObservabilityArgs) Validate() error {
	var errs []error
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	for _, c := range []struct {
		field   string
		pkg     olm.Package
		catalog olm.Catalog
	}{{"tempo", TempoOperator, a.Tempo}, {"opentelemetry", OpenTelemetryOperator, a.OpenTelemetry}, {"coo", COOOperator, a.COO}, {"grafana", GrafanaOperator, a.GrafanaOperator}} {
		for _, p := range c.pkg.Check(c.catalog) {
			errs = append(errs, fmt.Errorf("%s.%w", c.field, p))
		}
	}
	if _, err := MergeUserWorkload(a.ExistingMonitoringConfig); err != nil && isOn(a.UserWorkloadMonitoring) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
