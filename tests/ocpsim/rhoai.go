package ocpsim

import (
	"errors"
	"fmt"
	"strings"
	"time"

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
	modelsAsServiceCR   = "default-modelsasservice"
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
				// handler names, as computeComponentsStatus lists them
				not = append(not, strings.ToLower(strings.TrimSuffix(c.Type, "Ready")))
			}
		}
		overall = cond{Type: "Ready", Status: "False", Reason: "NotReady", Message: "Some components are not ready: " + strings.Join(not, ", ")}
	}
	conds = append(conds, overall)
	return p.patchStatus(gvrDSCs, dsc, func(st map[string]any) {
		st["phase"] = ifElse(ready, "Ready", "Not Ready")
		if ready { // pkg/controller/reconciler/reconciler.go apply: only when happy
			st["observedGeneration"] = dsc.GetGeneration()
		}
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

// modelsAsService plays the ModelsAsService component of
// opendatahub-operator@v3.4.0 (internal/controller/components/modelsasservice)
// and returns the DSC's ModelsAsServiceReady, a copy of the Ready of the CR
// default-modelsasservice (modelsasservice.go UpdateDSCStatus; KServe not
// Managed: KServeDisabled; MaaS not Managed: Removed). A reconcile checks, in
// order (modelsasservice_controller.go):
//   - Secret maas-db-config (validatePrerequisites, ..._prerequisites.go):
//     missing, MaaSPrerequisitesAvailable=False and Degraded=True with reason
//     PrerequisitesMissing, and Ready=False reason Error "blocking
//     prerequisites missing: ..." (a StopError, not requeued). The Secret is
//     watched, so creating it reconciles at once.
//   - the Gateway exists, Programmed or not (validateGatewayExists,
//     ..._actions.go): missing, Ready=False reason Error "gateway ... not
//     found: ...". The Gateway is not watched (Owns() sees only Gateways the
//     CR controls), so it is seen again on the error requeue's backoff:
//     controller-runtime's default, 5 ms doubling to 1000 s.
//
// Neither is sticky: the architecture's C12 ("never retried") predates
// v3.4.0. The program still enables MaaS after both exist.
func (s *Sim) modelsAsService(p *pass, dsc *unstructured.Unstructured, kserve bool) cond {
	managed := str(dsc, "spec", "components", "kserve", "modelsAsService", "managementState") == "Managed"
	k := "maas/" + string(dsc.GetUID())
	if !kserve || !managed {
		delete(s.retries, k)
		s.reset(k)
		for _, name := range []string{maasAPIName, maasControllerName} {
			if p.exists(gvrDeployments, appsNamespace, name) {
				_ = p.remove(gvrDeployments, appsNamespace, name)
			}
		}
		if p.exists(gvrModelsAsServices, "", modelsAsServiceCR) {
			_ = p.remove(gvrModelsAsServices, "", modelsAsServiceCR)
		}
		if !kserve {
			return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "KServeDisabled", Message: "KServe component is not managed, ModelsAsService requires KServe to be enabled"}
		}
		return cond{Type: "ModelsAsServiceReady", Status: "False", Reason: "Removed", Message: "Component ManagementState is set to Removed"}
	}
	cr, err := s.ensureModelsAsServiceCR(p, dsc)
	if err != nil || cr == nil {
		return cond{Type: "ModelsAsServiceReady", Status: "False", Message: "ModelsAsService CR not available yet"}
	}
	secret, _ := p.get(gvrSecrets, appsNamespace, maasDBSecret)
	secretRV := ""
	if secret != nil {
		secretRV = secret.GetResourceVersion()
	}
	if r, failing := s.retries[k]; failing && s.now().Before(r.next) && s.seen[k+"/secret"] == secretRV {
		return mirrorReady(cr) // no event and the backoff has not elapsed: no reconcile
	}
	s.seen[k+"/secret"] = secretRV
	ready, conds := s.reconcileModelsAsService(p, dsc, k, secret != nil)
	if ready.Reason == "Error" && strings.HasPrefix(ready.Message, "gateway ") {
		r := s.retries[k]
		r.next = s.now().Add(min(5*time.Millisecond<<min(r.n, 20), 1000*time.Second))
		r.n++
		s.retries[k] = r
	} else {
		delete(s.retries, k)
	}
	conds = append(conds, ready)
	_ = p.patchStatus(gvrModelsAsServices, cr, func(st map[string]any) {
		st["phase"] = ifElse(ready.Status == "True", "Ready", "Not Ready")
		if ready.Status == "True" { // reconciler.go apply: only when happy
			st["observedGeneration"] = cr.GetGeneration()
		}
		setConditions(st, s.now(), conds...)
	})
	return cond{Type: "ModelsAsServiceReady", Status: ready.Status, Reason: ready.Reason, Message: ready.Message}
}

// reconcileModelsAsService runs the component's actions and returns its
// Ready and the other conditions it writes.
func (s *Sim) reconcileModelsAsService(p *pass, dsc *unstructured.Unstructured, k string, secret bool) (cond, []cond) {
	if !secret {
		msg := fmt.Sprintf("database Secret '%s' not found in namespace '%s'. Create the Secret with key 'DB_CONNECTION_URL' containing the PostgreSQL connection URL. MaaS API cannot start without a database connection", maasDBSecret, appsNamespace)
		s.reset(k)
		return cond{Type: "Ready", Status: "False", Reason: "Error", Message: "blocking prerequisites missing: " + msg}, []cond{
			{Type: "MaaSPrerequisitesAvailable", Status: "False", Reason: "PrerequisitesMissing", Message: msg},
			{Type: "Degraded", Status: "True", Reason: "PrerequisitesMissing", Message: msg},
		}
	}
	conds := []cond{
		{Type: "MaaSPrerequisitesAvailable", Status: "True", Reason: "PrerequisitesMet"},
		{Type: "Degraded", Status: "False", Reason: "PrerequisitesMet"},
	}
	if !p.exists(gvrGateways, ingressNamespace, maasGatewayName) {
		s.reset(k)
		return cond{Type: "Ready", Status: "False", Reason: "Error",
			Message: fmt.Sprintf("gateway %s/%s not found: the specified Gateway must exist before enabling ModelsAsService", ingressNamespace, maasGatewayName)}, conds
	}
	if !s.elapsed(k, s.opts.Delays.MaaSReady) {
		return cond{Type: "Ready", Status: "False", Reason: "Deploying", Message: "deploying maas-api and maas-controller"}, conds
	}
	if err := p.registerCRDs(MaaSCRDs); err != nil {
		return cond{Type: "Ready", Status: "False", Reason: "Error", Message: err.Error()}, conds
	}
	allOK := true
	for _, name := range []string{maasAPIName, maasControllerName} {
		dep, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: name, container: name, owner: dsc,
			labels: map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "models-as-a-service"}})
		allOK = allOK && err == nil && dep != nil && isTrue(dep, "Available")
	}
	if !allOK {
		return cond{Type: "Ready", Status: "False", Reason: "DeploymentsNotReady", Message: "waiting for maas-api and maas-controller to be Available"},
			append(conds, cond{Type: "DeploymentsAvailable", Status: "False", Reason: "DeploymentsNotReady"})
	}
	return cond{Type: "Ready", Status: "True", Reason: "Ready"}, append(conds, cond{Type: "DeploymentsAvailable", Status: "True", Reason: "DeploymentsAvailable"})
}

// ensureModelsAsServiceCR: the DSC reconciler creates the component CR,
// controlled by the DSC (one per cluster, name fixed by CEL).
func (s *Sim) ensureModelsAsServiceCR(p *pass, dsc *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if cr, err := p.get(gvrModelsAsServices, "", modelsAsServiceCR); err != nil || cr != nil {
		return cr, err
	}
	o := newObject("components.platform.opendatahub.io/v1alpha1", "ModelsAsService", "", modelsAsServiceCR)
	setOwner(o, dsc, true)
	o.Object["spec"] = map[string]any{}
	return p.create(gvrModelsAsServices, o)
}

// mirrorReady returns the CR's Ready as the DSC condition it is copied to.
func mirrorReady(cr *unstructured.Unstructured) cond {
	c, _ := condition(cr, "Ready")
	return cond{Type: "ModelsAsServiceReady", Status: ifElse(c.Status == "", "False", c.Status), Reason: c.Reason, Message: c.Message}
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
