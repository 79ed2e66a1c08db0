package observability

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Gate names and budgets.
const (
	PersesReadyGate = "persesReady"
	// UIPluginTimeout: COO deploys the console plugin (and Perses) behind each UIPlugin.
	UIPluginTimeout = 10 * time.Minute
	PersesTimeout   = 10 * time.Minute
)

// PersesDashboardCRD is served once the monitoring UIPlugin enables Perses.
const PersesDashboardCRD = "persesdashboards.perses.dev"

// UIPlugins is the cluster-scoped UIPlugin resource.
var UIPlugins = schema.GroupVersionResource{Group: "observability.openshift.io", Version: "v1alpha1", Resource: "uiplugins"}

// persesReady (C1): a PersesDashboard needs the monitoring UIPlugin Available
// (Perses deployed) and the PersesDashboard CRD Established. NamesAccepted=False
// on the CRD is terminal.
func persesReady() readiness.Gate {
	return readiness.Gate{
		Name: PersesReadyGate, Constraint: "C1", Layer: "observability",
		Object:  "UIPlugin " + MonitoringPluginName + " and CustomResourceDefinition " + PersesDashboardCRD,
		Expect:  "UIPlugin " + MonitoringPluginName + " Available=True and CRD " + PersesDashboardCRD + " Established",
		Hint:    "check: oc get uiplugin " + MonitoringPluginName + " -o yaml; oc get crd " + PersesDashboardCRD + "; oc get csv -n " + COONamespace + " (COO must stay 1.4.x)",
		Timeout: PersesTimeout,
		Check: readiness.All(
			readiness.ConditionTrue(UIPlugins, "UIPlugin", "", MonitoringPluginName, "Available"),
			readiness.CRDEstablished(PersesDashboardCRD),
		),
	}
}
