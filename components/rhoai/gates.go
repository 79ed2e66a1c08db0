package rhoai

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Gate names.
const (
	DSCIExistsGate                  = "dsciExists"
	ApplicationsNamespaceExistsGate = "applicationsNamespaceExists"
	DashboardConfigExistsGate       = "dashboardConfigExists"
	DSCReadyGate                    = "dscReady"
)

// Budgets. The operator creates default-dsci and the applications namespace
// within a minute or two of its CSV; the dashboard creates its config once the
// DSC has deployed it; the DSC deploys every component (20 min, as its waitFor).
const (
	DSCITimeout            = 10 * time.Minute
	NamespaceTimeout       = 10 * time.Minute
	DashboardConfigTimeout = 15 * time.Minute
	DSCTimeout             = 20 * time.Minute
)

// OdhDashboardConfigCRD is registered by the dashboard component, not by OLM.
const OdhDashboardConfigCRD = "odhdashboardconfigs.opendatahub.io"

// OdhDashboardConfigs is the OdhDashboardConfig resource.
var OdhDashboardConfigs = schema.GroupVersionResource{Group: "opendatahub.io", Version: "v1alpha", Resource: "odhdashboardconfigs"}

const layer = "rhoai"

func operatorHint(what string) string {
	return fmt.Sprintf("the RHOAI operator creates %s; check: oc get csv -n %s; oc logs -n %[2]s deploy/rhods-operator", what, OperatorNamespace)
}

// dsciExists: default-dsci is created by the operator; the DSCI Patch must
// never run before it (a Patch on a missing object creates it).
func dsciExists() readiness.Gate {
	return readiness.Gate{
		Name: DSCIExistsGate, Layer: layer,
		Object:  "DSCInitialization " + DSCIName,
		Expect:  "the operator to create DSCInitialization " + DSCIName,
		Hint:    operatorHint("it at start-up"),
		Timeout: DSCITimeout,
		Check:   readiness.Exists(kube.DSCInitializations, "DSCInitialization", "", DSCIName),
	}
}

// applicationsNamespaceExists: redhat-ods-applications is made by the
// operator (DSCI reconcile); HardwareProfiles and the MaaS database live there.
func applicationsNamespaceExists() readiness.Gate {
	return readiness.Gate{
		Name: ApplicationsNamespaceExistsGate, Layer: layer,
		Object:  "Namespace " + ApplicationsNamespace,
		Expect:  "the operator to create Namespace " + ApplicationsNamespace,
		Hint:    operatorHint("it when reconciling DSCInitialization " + DSCIName),
		Timeout: NamespaceTimeout,
		Check:   readiness.Exists(kube.Namespaces, "Namespace", "", ApplicationsNamespace),
	}
}

// dashboardConfigExists: the dashboard component registers the CRD and
// creates odh-dashboard-config after the DSC deploys it. NamesAccepted=False
// on the CRD is terminal.
func dashboardConfigExists() readiness.Gate {
	return readiness.Gate{
		Name: DashboardConfigExistsGate, Layer: layer,
		Object:  "OdhDashboardConfig " + ApplicationsNamespace + "/" + DashboardConfigName,
		Expect:  "CRD " + OdhDashboardConfigCRD + " Established and OdhDashboardConfig " + DashboardConfigName + " created by the dashboard",
		Hint:    "check: oc get datasciencecluster " + DSCName + " -o jsonpath='{.status.conditions}'; oc get deploy rhods-dashboard -n " + ApplicationsNamespace,
		Timeout: DashboardConfigTimeout,
		Check: readiness.All(
			readiness.CRDEstablished(OdhDashboardConfigCRD),
			readiness.Exists(OdhDashboardConfigs, "OdhDashboardConfig", ApplicationsNamespace, DashboardConfigName),
		),
	}
}

// dscReady (C11): the DSC Ready with KServe and odh-model-controller up,
// checked live before each dependent (LLMInferenceService, gateway routes).
func dscReady() readiness.Gate {
	check := func(cond string) readiness.Check {
		return readiness.ConditionTrue(kube.DataScienceClusters, "DataScienceCluster", "", DSCName, cond)
	}
	return readiness.Gate{
		Name: DSCReadyGate, Constraint: "C11", Layer: layer,
		Object:  "DataScienceCluster " + DSCName,
		Expect:  "conditions Ready, KserveReady and ModelControllerReady True",
		Hint:    "check: oc get datasciencecluster " + DSCName + " -o jsonpath='{.status.conditions}'; oc get pods -n " + ApplicationsNamespace,
		Timeout: DSCTimeout,
		Check:   readiness.All(check("Ready"), check("KserveReady"), check("ModelControllerReady")),
	}
}
