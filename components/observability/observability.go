// Package observability installs the tracing and monitoring stack
// (alpha-hack-program/llm-d-guide@1f391b7 docs/phases/03-operators-rhoai.md and
// docs/phases/04-monitoring.md): the Tempo and OpenTelemetry operators (and
// optionally Grafana) before RHOAI, because DSCI monitoring looks for their
// CRDs (C10); user-workload monitoring, merged into the cluster monitoring
// ConfigMap; the Cluster Observability Operator pinned to 1.4.x with Manual
// approval; the dashboards and monitoring (Perses) console plugins; and the
// llm-d Perses dashboard.
package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Cluster object names (alpha-hack-program/llm-d-guide@1f391b7
// gitops/operators/{tempo,opentelemetry,cluster-observability}-operator/ and
// gitops/instance/llm-d-observability/; docs/decisions.md "Operator subscriptions").
const (
	TempoNamespace         = "openshift-tempo-operator"
	TempoOperatorGroup     = "tempo-operator"
	OpenTelemetryNamespace = "openshift-opentelemetry-operator"
	OpenTelemetryOG        = "opentelemetry-operator"
	COONamespace           = "openshift-cluster-observability-operator"
	COOOperatorGroup       = "cluster-observability-operator"
	COOSubscription        = "openshift-cluster-observability-operator"

	DashboardsPluginName = "dashboards" // CEL: type Dashboards => name dashboards
	MonitoringPluginName = "monitoring" // CEL: type Monitoring => name monitoring
	PersesDashboardName  = "llm-d-intelligent-inference"
)

// CRDs each operator's dependents need (C1, C10). DSCI monitoring looks for
// TempoStack/TempoMonolithic, OpenTelemetryCollector and MonitoringStack.
var (
	TempoCRDs         = []string{"tempostacks.tempo.grafana.com", "tempomonolithics.tempo.grafana.com"}
	OpenTelemetryCRDs = []string{"opentelemetrycollectors.opentelemetry.io", "instrumentations.opentelemetry.io"}
	COOCRDs           = []string{"monitoringstacks.monitoring.rhobs", "uiplugins.observability.openshift.io"}
)

// PersesDashboardLabels make the console and the RHOAI dashboard list it.
var PersesDashboardLabels = map[string]string{
	"app.kubernetes.io/part-of":    "monitoring",
	"app":                          "llm-d",
	"app.opendatahub.io/dashboard": "true",
}

// Observability is the layer's component.
type Observability struct {
	pulumi.ResourceState

	Tempo            *olm.Operator
	OpenTelemetry    *olm.Operator
	Grafana          *olm.Operator                 // nil unless args.Grafana
	COO              *olm.Operator                 // nil with ClusterObservability off
	MonitoringConfig *corev1.ConfigMapPatch        // nil with UserWorkloadMonitoring off
	DashboardsPlugin *apiextensions.CustomResource // nil with ClusterObservability off
	MonitoringPlugin *apiextensions.CustomResource // nil with ClusterObservability off
	PersesDashboard  *apiextensions.CustomResource // nil with ClusterObservability off
	PersesGate       readiness.Gate

	UserWorkloadConfig pulumi.StringOutput `pulumi:"userWorkloadConfig"`
}

// TracingReady is what DSCI monitoring waits for (C10): the Tempo,
// OpenTelemetry and (when installed) COO Subscriptions, their CSVs Succeeded
// and their CRDs Established.
func (o *Observability) TracingReady() readiness.Prerequisite {
	p := readiness.Join(o.Tempo.Prerequisite(), o.OpenTelemetry.Prerequisite())
	if o.COO != nil {
		p = readiness.Join(p, o.COO.Prerequisite())
	}
	return p
}

// Prerequisite is the whole layer: operators, UWM config, console plugins and
// the dashboard, as far as they are installed.
func (o *Observability) Prerequisite() readiness.Prerequisite {
	var rs []pulumi.Resource
	for _, r := range []pulumi.Resource{o.MonitoringConfig, o.DashboardsPlugin, o.MonitoringPlugin, o.PersesDashboard} {
		if !isNil(r) {
			rs = append(rs, r)
		}
	}
	return readiness.Join(o.TracingReady(), readiness.After(rs...))
}

// isNil sees through a typed nil in an interface.
func isNil(r pulumi.Resource) bool {
	switch v := r.(type) {
	case *corev1.ConfigMapPatch:
		return v == nil
	case *apiextensions.CustomResource:
		return v == nil
	}
	return r == nil
}

// NewObservability registers the layer.
func NewObservability(ctx *pulumi.Context, name string, args *ObservabilityArgs, opts ...pulumi.ResourceOption) (*Observability, error) {
	if args == nil {
		return nil, fmt.Errorf("observability %q: args are nil", name)
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("observability %q: %w", name, err)
	}
	var merged string
	if isOn(a.UserWorkloadMonitoring) {
		var err error
		if merged, err = MergeUserWorkload(a.ExistingMonitoringConfig); err != nil {
			return nil, fmt.Errorf("observability %q: %w", name, err)
		}
	}
	o := &Observability{}
	if err := ctx.RegisterComponentResource("rhoai:observability:Observability", name, o, opts...); err != nil {
		return nil, fmt.Errorf("observability %q: registering component: %w", name, err)
	}
	parent := pulumi.Parent(o)

	operator := func(suffix string, oa olm.OperatorArgs) (*olm.Operator, error) {
		oa.Gates, oa.After, oa.Layer = a.Gates, a.After, "observability"
		op, err := olm.NewOperator(ctx, name+"-"+suffix, &oa, parent)
		if err != nil {
			return nil, fmt.Errorf("observability %q: installing %s: %w", name, oa.Package, err)
		}
		return op, nil
	}
	var err error
	// C10: Tempo and OpenTelemetry come before RHOAI (TracingReady).
	if o.Tempo, err = operator("tempo", pinned(a.Tempo, olm.OperatorArgs{
		Package: TempoOperator.Name, Namespace: TempoNamespace, OperatorGroupName: TempoOperatorGroup,
		Mode: olm.AllNamespaces, CRDs: TempoCRDs,
	})); err != nil {
		return nil, err
	}
	if o.OpenTelemetry, err = operator("opentelemetry", pinned(a.OpenTelemetry, olm.OperatorArgs{
		Package: OpenTelemetryOperator.Name, Namespace: OpenTelemetryNamespace, OperatorGroupName: OpenTelemetryOG,
		Mode: olm.AllNamespaces, CRDs: OpenTelemetryCRDs,
	})); err != nil {
		return nil, err
	}
	if a.Grafana {
		// Subscription in openshift-operators, under its global OperatorGroup
		// (docs/decisions.md "Operator subscriptions").
		if o.Grafana, err = operator("grafana", pinned(a.GrafanaOperator, olm.OperatorArgs{
			Package: GrafanaOperator.Name, Namespace: olm.GlobalOperatorsNamespace, Mode: olm.AllNamespaces,
		})); err != nil {
			return nil, err
		}
	}
	if isOn(a.UserWorkloadMonitoring) {
		afterOpts, err := a.Gates.Options(a.After)
		if err != nil {
			return nil, fmt.Errorf("observability %q: binding prerequisites: %w", name, err)
		}
		if o.MonitoringConfig, err = newMonitoringConfig(ctx, name, merged, a.ReleaseMonitoringConfigOnDestroy, append(afterOpts, parent)...); err != nil {
			return nil, err
		}
	}

	if !isOn(a.ClusterObservability) {
		return o, o.registerOutputs(ctx, merged)
	}
	// COO pinned to 1.4.x, Manual: only the pinned InstallPlan is approved.
	if o.COO, err = operator("coo", pinned(a.COO, olm.OperatorArgs{
		Package: COOOperator.Name, Namespace: COONamespace, OperatorGroupName: COOOperatorGroup,
		SubscriptionName: COOSubscription, Mode: olm.AllNamespaces, CRDs: COOCRDs,
	})); err != nil {
		return nil, err
	}

	// C1: UIPlugins after the COO CSV and the UIPlugin CRD.
	pluginOpts, err := a.Gates.Options(a.After, o.COO.Prerequisite())
	if err != nil {
		return nil, fmt.Errorf("observability %q: binding COO prerequisites: %w", name, err)
	}
	uiPlugin := func(pluginName string, spec UIPluginSpec) (*apiextensions.CustomResource, error) {
		body, err := manifest.Untyped(spec)
		if err != nil {
			return nil, fmt.Errorf("observability %q: UIPlugin %s spec: %w", name, pluginName, err)
		}
		cr, err := apiextensions.NewCustomResource(ctx, name+"-uiplugin-"+pluginName, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("observability.openshift.io/v1alpha1"),
			Kind:       pulumi.String("UIPlugin"),
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(pluginName),
				Annotations: manifest.StringMap(manifest.WaitFor(UIPluginTimeout, "condition=Available")),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": body},
		}, append(pluginOpts, parent, manifest.Timeouts(UIPluginTimeout))...)
		if err != nil {
			return nil, fmt.Errorf("observability %q: creating UIPlugin %s: %w", name, pluginName, err)
		}
		return cr, nil
	}
	if o.DashboardsPlugin, err = uiPlugin(DashboardsPluginName, UIPluginSpec{Type: DashboardsPluginType}); err != nil {
		return nil, err
	}
	if o.MonitoringPlugin, err = uiPlugin(MonitoringPluginName, UIPluginSpec{
		Type: MonitoringPluginType, Monitoring: &MonitoringPluginConfig{Perses: &PersesPluginConfig{Enabled: true}},
	}); err != nil {
		return nil, err
	}

	// C1: the PersesDashboard CRD appears only once the monitoring plugin
	// enables Perses; the gate checks both, the edge orders destroy
	// (dashboard before plugin before COO).
	o.PersesGate = persesReady()
	dashOpts, err := a.Gates.Options(a.After, o.COO.Prerequisite(),
		readiness.Prerequisite{Resources: []pulumi.Resource{o.MonitoringPlugin}, Gates: []readiness.Gate{o.PersesGate}})
	if err != nil {
		return nil, fmt.Errorf("observability %q: binding Perses prerequisites: %w", name, err)
	}
	body, err := manifest.Untyped(PersesDashboardSpec{Config: IntelligentInferenceDashboard()})
	if err != nil {
		return nil, fmt.Errorf("observability %q: PersesDashboard %s spec: %w", name, PersesDashboardName, err)
	}
	o.PersesDashboard, err = apiextensions.NewCustomResource(ctx, name+"-perses-dashboard", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("perses.dev/v1alpha2"),
		Kind:       pulumi.String("PersesDashboard"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(PersesDashboardName),
			Namespace: pulumi.String(COONamespace), // the console discovers dashboards here
			Labels:    manifest.StringMap(PersesDashboardLabels),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": body},
	}, append(dashOpts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("observability %q: creating PersesDashboard %s/%s: %w", name, COONamespace, PersesDashboardName, err)
	}

	return o, o.registerOutputs(ctx, merged)
}

func (o *Observability) registerOutputs(ctx *pulumi.Context, merged string) error {
	o.UserWorkloadConfig = pulumi.String(merged).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(o, pulumi.Map{"userWorkloadConfig": o.UserWorkloadConfig}); err != nil {
		return fmt.Errorf("observability: registering outputs: %w", err)
	}
	return nil
}

// pinned applies a resolved catalog to an operator's fixed identity.
func pinned(c olm.Catalog, oa olm.OperatorArgs) olm.OperatorArgs {
	oa.Catalog = c
	return oa
}
