package rhoai

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

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

// dscReady (C11): KServe and odh-model-controller are up, checked live
// before each dependent (LLMInferenceService, gateway routes, MaaS).
func dscReady() readiness.Gate {
	return readiness.Gate{
		Name: DSCReadyGate, Constraint: "C11", Layer: layer,
		Object:  "DataScienceCluster " + DSCName,
		Expect:  "conditions KserveReady and ModelControllerReady True",
		Hint:    "check: oc get datasciencecluster " + DSCName + " -o jsonpath='{.status.conditions}'; oc get kserve,modelcontroller -o yaml; oc get pods -n " + ApplicationsNamespace,
		Timeout: DSCTimeout,
		Check:   ServingComponentsReady(DSCName),
	}
}

// ServingComponentsReady waits for the DSC conditions of the two components
// serving needs: KserveReady and ModelControllerReady (the ModelController
// is enabled with KServe and mirrors default-modelcontroller's Ready:
// opendatahub-operator@v3.4.0 internal/controller/components/kserve/kserve.go,
// components/modelcontroller/modelcontroller.go UpdateDSCStatus). The DSC's
// own Ready covers every Managed component ("Some components are not ready:
// trainer", datasciencecluster_controller_support.go computeComponentsStatus),
// so it is not waited for: a pipelines or training problem must not block
// serving. It is reported as a warning when the gate passes.
func ServingComponentsReady(dsc string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		obj, err := kube.Get(ctx, c, kube.DataScienceClusters, "", dsc)
		if err != nil || obj == nil {
			return readiness.NotYet("DataScienceCluster %s not found", dsc), err
		}
		var waiting []string
		for _, t := range []string{"KserveReady", "ModelControllerReady"} {
			cond, ok := kube.FindCondition(obj, t)
			switch {
			case !ok:
				waiting = append(waiting, t+" not reported yet")
			case cond.Status != "True":
				waiting = append(waiting, fmt.Sprintf("%s=%s (%s): %s", t, cond.Status, cond.Reason, cond.Message))
			}
		}
		if len(waiting) > 0 {
			return readiness.NotYet("DataScienceCluster %s %s", dsc, strings.Join(waiting, "; ")), nil
		}
		st := readiness.Ready("DataScienceCluster " + dsc + " KserveReady and ModelControllerReady True")
		if cond, ok := kube.FindCondition(obj, "Ready"); ok && cond.Status != "True" {
			st = st.WithWarning("DataScienceCluster %s Ready=%s (%s): %s; serving does not wait for these components", dsc, cond.Status, cond.Reason, cond.Message)
		}
		return st, nil
	}
}
