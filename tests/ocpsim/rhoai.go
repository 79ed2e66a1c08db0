package ocpsim

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Red Hat OpenShift AI 3.4 (rhods-operator; opendatahub-io/opendatahub-operator@v3.4.0).
const (
	rhodsPackage        = "rhods-operator"
	appsNamespace       = "redhat-ods-applications"
	monitoringNamespace = "redhat-ods-monitoring"
	dsciName            = "default-dsci"
	dashboardConfigName = "odh-dashboard-config"
	authPolicyCRD       = "authpolicies.kuadrant.io"
	lwsCRD              = "leaderworkersets.leaderworkerset.x-k8s.io"
	maasGatewayName     = "maas-default-gateway"
	maasDBSecret        = "maas-db-config"
	modelControllerName = "odh-model-controller"
	kserveControllerDep = "kserve-controller-manager"
	maasControllerName  = "maas-controller"
	maasAPIName         = "maas-api"
	generatedNSLabel    = "opendatahub.io/generated-namespace"
)

// dscComponents maps DSC v2 spec.components keys to their condition types.
var dscComponents = []struct{ key, condition string }{
	{"dashboard", "DashboardReady"}, {"kserve", "KserveReady"}, {"workbenches", "WorkbenchesReady"},
	{"aipipelines", "AIPipelinesReady"}, {"modelregistry", "ModelRegistryReady"}, {"llamastackoperator", "LlamaStackOperatorReady"},
	{"mlflowoperator", "MLflowOperatorReady"}, {"trainingoperator", "TrainingOperatorReady"}, {"kueue", "KueueReady"},
	{"ray", "RayReady"}, {"trustyai", "TrustyAIReady"}, {"feastoperator", "FeastOperatorReady"},
}

// monitoringCRDs are what DSCI monitoring looks for (C10).
var monitoringCRDs = []string{"monitoringstacks.monitoring.rhobs", "tempostacks.tempo.grafana.com", "opentelemetrycollectors.opentelemetry.io"}

// reconcileDSCI: Delays.DSCInitialization after the operator starts it
// creates the applications and monitoring namespaces and DSCInitialization
// default-dsci (created once, then only its status is written). DSCI
// monitoring reports the Tempo/OTel/COO CRDs it misses (C10).
func (s *Sim) reconcileDSCI(p *pass) error {
	csv := p.operatorCSV(rhodsPackage)
	if csv == nil || !s.elapsed("rhods-start/"+string(csv.GetUID()), s.opts.Delays.DSCInitialization) {
		return nil
	}
	dsci, err := p.get(gvrDSCIs, "", dsciName)
	if err != nil {
		return err
	}
	if dsci == nil {
		o := newObject("dscinitialization.opendatahub.io/v2", "DSCInitialization", "", dsciName)
		o.Object["spec"] = map[string]any{
			"applicationsNamespace": appsNamespace,
			"monitoring":            map[string]any{"managementState": "Managed", "namespace": monitoringNamespace, "metrics": map[string]any{}},
			"trustedCABundle":       map[string]any{"managementState": "Managed", "customCABundle": ""},
		}
		if dsci, err = p.create(gvrDSCIs, o); err != nil || dsci == nil {
			return err
		}
		s.logf("ocpsim: rhods-operator created DSCInitialization %s", dsciName)
	}
	if deleting(dsci) {
		return nil
	}
	for _, ns := range []string{str(dsci, "spec", "applicationsNamespace"), str(dsci, "spec", "monitoring", "namespace")} {
		if ns == "" || p.exists(gvrNamespaces, "", ns) {
			continue
		}
		o := newObject("v1", "Namespace", "", ns)
		o.SetLabels(map[string]string{generatedNSLabel: "true", "openshift.io/cluster-monitoring": "true", "opendatahub.io/dashboard": "true"})
		if _, err := p.create(gvrNamespaces, o); err != nil {
			return err
		}
	}
	var missing []string
	if str(dsci, "spec", "monitoring", "managementState") == "Managed" {
		for _, c := range monitoringCRDs {
			if !p.crdEstablished(c) {
				missing = append(missing, c)
			}
		}
	}
	monitoring := cond{Type: "MonitoringReady", Status: "True", Reason: "Ready"}
	phase := "Ready"
	if len(missing) > 0 {
		monitoring = cond{Type: "MonitoringReady", Status: "False", Reason: "CRDNotFound",
			Message: "monitoring needs the Cluster Observability, Tempo and OpenTelemetry operators: CRDs not found: " + strings.Join(missing, ", ")}
		phase = "Progressing"
	}
	return p.patchStatus(gvrDSCIs, dsci, func(st map[string]any) {
		st["phase"] = phase
		st["observedGeneration"] = dsci.GetGeneration()
		st["release"] = map[string]any{"name": "OpenShift AI Self-Managed", "version": "3.4.0"}
		setConditions(st, s.now(), cond{Type: "Available", Status: "True", Reason: "Reconciled"},
			cond{Type: "ReconcileComplete", Status: "True", Reason: "ReconcileCompleted", Message: "Reconcile completed successfully"}, monitoring)
	})
}

// reconcileDSC plays the DataScienceCluster controller.
//
// C8: a DSC created while authpolicies.kuadrant.io did not exist never
// becomes Ready (the KServe reconciler crash-loops). C9: KServe needs the
// LeaderWorkerSet API. C12: MaaS enabled without its gateway and database
// Secret stays failed.
func (s *Sim) reconcileDSC(p *pass) error {
	if p.operatorCSV(rhodsPackage) == nil {
		return nil // the operator is gone: nothing updates the DSC any more
	}
	dscs, err := p.list(gvrDSCs)
	if err != nil {
		return err
	}
	var errs []error
	for _, dsc := range dscs {
		if deleting(dsc) {
			continue
		}
		if err := s.reconcileDSCObject(p, dsc); err != nil {
			errs = append(errs, fmt.Errorf("DataScienceCluster %s: %w", dsc.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileDSCObject(p *pass, dsc *unstructured.Unstructured) error {
	uid := string(dsc.GetUID())
	if s.crashLoops(p, dsc) {
		return p.patchStatus(gvrDSCs, dsc, func(st map[string]any) {
			st["phase"] = "Not Ready"
			setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "Error",
				Message: "DataScienceCluster was created before CRD " + authPolicyCRD + " existed: the KServe reconciler crash-loops (no matches for kind \"AuthPolicy\" in version \"kuadrant.io/v1\") and the DataScienceCluster is never reconciled (C8); delete and re-create it"})
		})
	}
	state := func(component string) string { return str(dsc, "spec", "components", component, "managementState") }
	maas := s.modelsAsService(p, dsc, state("kserve") == "Managed")
	if !s.elapsed("dsc/"+uid, s.opts.Delays.ComponentsReady) {
		return p.patchStatus(gvrDSCs, dsc, func(st map[string]any) {
			st["phase"] = "Not Ready"
			st["observedGeneration"] = dsc.GetGeneration()
			setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "Progressing", Message: "deploying components"}, maas)
		})
	}
	var conds []cond
	ready := true
	for _, c := range dscComponents {
		if state(c.key) != "Managed" {
			conds = append(conds, cond{Type: c.condition, Status: "False", Reason: "Removed", Message: "Component ManagementState is set to Removed"})
			continue
		}
		cc, err := s.deployComponent(p, dsc, c.key, c.condition)
		if err != nil {
			return err
		}
		conds = append(conds, cc...)
		for _, x := range cc {
			ready = ready && x.Status == "True"
		}
	}
	conds = append(conds, maas)
	if maas.Reason != "Removed" {
		ready = ready && maas.Status == "True"
	}
	overall := cond{Type: "Ready", Status: "True", Reason: "Ready", Message: "Ready"}
	if !ready {
		var not []string
		for _, c := range conds {
			if c.Status != "True" && c.Reason != "Removed" {
				not = append(not, c.Type)
			}
		}
		overall = cond{Type: "Ready", Status: "False", Reason: "NotReady", Message: "Some components are not ready: " + strings.Join(not, ", ")}
	}
	conds = append(conds, overall)
	return p.patchStatus(gvrDSCs, dsc, func(st map[string]any) {
		st["phase"] = ifElse(ready, "Ready", "Not Ready")
		st["observedGeneration"] = dsc.GetGeneration()
		st["release"] = map[string]any{"name": "OpenShift AI Self-Managed", "version": "3.4.0"}
		setConditions(st, s.now(), conds...)
	})
}

// crashLoops decides C8 at first sight of a DSC: it is broken for good if
// the AuthPolicy CRD did not exist then (or was created after it).
func (s *Sim) crashLoops(p *pass, dsc *unstructured.Unstructured) bool {
	k := "dsc-c8/" + string(dsc.GetUID())
	if v, ok := s.verdicts[k]; ok {
		return v == "crashloop"
	}
	crd, err := p.get(gvrCRDs, "", authPolicyCRD)
	broken := err != nil || crd == nil || !isTrue(crd, "Established") ||
		dsc.GetCreationTimestamp().Time.Before(crd.GetCreationTimestamp().Time)
	s.verdicts[k] = ifElse(broken, "crashloop", "ok")
	if broken {
		s.logf("ocpsim: DataScienceCluster %s created before %s (C8): it will never be Ready", dsc.GetName(), authPolicyCRD)
	}
	return broken
}

// deployComponent deploys one Managed component and returns its conditions.
func (s *Sim) deployComponent(p *pass, dsc *unstructured.Unstructured, component, condType string) ([]cond, error) {
	labels := func(app string) map[string]string {
		return map[string]string{"app": app, "control-plane": app, "app.opendatahub.io/" + component: "true"}
	}
	switch component {
	case "dashboard":
		if err := p.registerCRDs(DashboardCRDs); err != nil {
			return nil, err
		}
		dep, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: "rhods-dashboard", container: "rhods-dashboard", labels: labels("rhods-dashboard"), owner: dsc})
		if err != nil {
			return nil, err
		}
		if err := s.ensureDashboardConfig(p); err != nil {
			return nil, err
		}
		ok := dep != nil && isTrue(dep, "Available")
		return []cond{{Type: condType, Status: boolStatus(ok), Reason: ifElse(ok, "Ready", "DeploymentsNotReady")}}, nil
	case "kserve":
		if err := p.registerCRDs(KServeCRDs); err != nil {
			return nil, err
		}
		kserve, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: kserveControllerDep, container: "manager", labels: labels(kserveControllerDep), owner: dsc})
		if err != nil {
			return nil, err
		}
		mc, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: modelControllerName, container: "manager", labels: labels(modelControllerName), owner: dsc})
		if err != nil {
			return nil, err
		}
		kserveOK := kserve != nil && isTrue(kserve, "Available")
		kc := cond{Type: condType, Status: boolStatus(kserveOK), Reason: ifElse(kserveOK, "Ready", "DeploymentsNotReady")}
		if !p.crdEstablished(lwsCRD) {
			kc = cond{Type: condType, Status: "False", Reason: "DependencyNotInstalled",
				Message: "LeaderWorkerSet operator not installed: the llm-d controller needs CRD " + lwsCRD + " (C9)"}
		}
		mcOK := mc != nil && isTrue(mc, "Available")
		return []cond{kc, {Type: "ModelControllerReady", Status: boolStatus(mcOK), Reason: ifElse(mcOK, "Ready", "DeploymentsNotReady")}}, nil
	}
	return []cond{{Type: condType, Status: "True", Reason: "Ready"}}, nil
}

// ensureDashboardConfig: the dashboard creates odh-dashboard-config once,
// with its defaults; later changes are the user's.
func (s *Sim) ensureDashboardConfig(p *pass) error {
	if !p.crdEstablished("odhdashboardconfigs.opendatahub.io") || p.exists(gvrDashboardConfigs, appsNamespace, dashboardConfigName) {
		return nil
	}
	o := newObject("opendatahub.io/v1alpha", "OdhDashboardConfig", appsNamespace, dashboardConfigName)
	o.SetLabels(map[string]string{"app.kubernetes.io/part-of": "rhods-dashboard", "app.opendatahub.io/rhods-dashboard": "true"})
	o.Object["spec"] = map[string]any{
		"dashboardConfig":    map[string]any{"disableTracking": false, "disableKueue": false, "genAiStudio": false, "modelAsService": false},
		"groupsConfig":       map[string]any{"adminGroups": "rhods-admins", "allowedGroups": "system:authenticated"},
		"notebookController": map[string]any{"enabled": true, "notebookNamespace": "rhods-notebooks", "pvcSize": "20Gi"},
		"templateOrder":      []any{},
	}
	_, err := p.create(gvrDashboardConfigs, o)
	return err
}

// modelsAsService decides DSC condition ModelsAsServiceReady (C12). The
// prerequisites are checked once, when MaaS becomes Managed: the Gateway
// openshift-ingress/maas-default-gateway Programmed and the Secret
// redhat-ods-applications/maas-db-config. Missing, maas-api crash-loops
// and is never retried: the verdict sticks until MaaS is set Removed.
func (s *Sim) modelsAsService(p *pass, dsc *unstructured.Unstructured, kserve bool) cond {
	managed := kserve && str(dsc, "spec", "components", "kserve", "modelsAsService", "managementState") == "Managed"
	k := "maas-enable/" + string(dsc.GetUID())
	if !managed {
		delete(s.verdicts, k)
		s.reset("maas/" + string(dsc.GetUID()))
		for _, name := range []string{maasAPIName, maasControllerName} {
			if p.exists(gvrDeployments, appsNamespace, name) {
				_ = p.remove(gvrDeployments, appsNamespace, name)
			}
		}
		return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "Removed", Message: "Component ManagementState is set to Removed"}
	}
	verdict, ok := s.verdicts[k]
	if !ok {
		var missing []string
		gw, _ := p.get(gvrGateways, ingressNamespace, maasGatewayName)
		if gw == nil || !isTrue(gw, "Programmed") {
			missing = append(missing, "Gateway "+ingressNamespace+"/"+maasGatewayName+" Programmed")
		}
		if !p.exists(gvrSecrets, appsNamespace, maasDBSecret) {
			missing = append(missing, "Secret "+appsNamespace+"/"+maasDBSecret)
		}
		verdict = "ok"
		if len(missing) > 0 {
			verdict = strings.Join(missing, ", ")
			s.logf("ocpsim: MaaS enabled without %s (C12): it stays failed", verdict)
		}
		s.verdicts[k] = verdict
	}
	if verdict != "ok" {
		return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "PrerequisitesMissing",
			Message: "MaaS prerequisites missing when it was enabled: " + verdict + "; maas-api crash-loops and is not retried (C12): set modelsAsService Removed, fix them, then Managed again"}
	}
	if !s.elapsed("maas/"+string(dsc.GetUID()), s.opts.Delays.MaaSReady) {
		return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "Deploying", Message: "deploying maas-api and maas-controller"}
	}
	if err := p.registerCRDs(MaaSCRDs); err != nil {
		return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "Deploying", Message: err.Error()}
	}
	allOK := true
	for _, name := range []string{maasAPIName, maasControllerName} {
		dep, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: name, container: name, owner: dsc,
			labels: map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "models-as-a-service"}})
		allOK = allOK && err == nil && dep != nil && isTrue(dep, "Available")
	}
	if !allOK {
		return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "Deploying", Message: "waiting for maas-api and maas-controller to be Available"}
	}
	return cond{Type: "ModelsAsServiceReady", Status: "True", Reason: "Ready"}
}

// dscReady: some DataScienceCluster reports Ready (C11).
// kserveDeployed: a DSC reports KServe and odh-model-controller deployed.
func (p *pass) kserveDeployed() bool {
	dscs, err := p.list(gvrDSCs)
	if err != nil {
		return false
	}
	for _, d := range dscs {
		if !deleting(d) && isTrue(d, "KserveReady") && isTrue(d, "ModelControllerReady") {
			return true
		}
	}
	return false
}
