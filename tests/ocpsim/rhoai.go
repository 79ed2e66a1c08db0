package ocpsim

import (
	"errors"
	"fmt"
	"slices"
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

// reconcileDSC plays the DataScienceCluster controller
// (opendatahub-operator@v3.4.0 internal/controller/datasciencecluster).
// Neither a missing AuthPolicy CRD (odh-model-controller skips that watch:
// odh-model-controller@odh-v3.4 llm_inferenceservice_controller.go
// SetupWithManager) nor a missing LeaderWorkerSet API (checked on vanilla
// Kubernetes only: components/kserve/kserve_controller_actions.go
// checkOperatorAndCRDDependencies) keeps it from Ready on OpenShift; C8 and
// C9 are the program's order, not rules here.
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
			// A component leaving Managed has its CR deleted and, with it
			// (owner references), what it deployed.
			if err := s.removeComponent(p, c.key); err != nil {
				return err
			}
			conds = append(conds, cond{Type: c.condition, Status: "False", Reason: "Removed", Message: "Component ManagementState is set to Removed"})
			continue
		}
		cc, err := s.deployComponent(p, dsc, c.key, c.condition)
		if err != nil {
			return err
		}
		conds = append(conds, cc...)
		for _, x := range cc {
			// *Ready conditions count; dependency notes are Info.
			ready = ready && (x.Status == "True" || !strings.HasSuffix(x.Type, "Ready"))
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
			if c.Status != "True" && c.Reason != "Removed" && strings.HasSuffix(c.Type, "Ready") {
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

// componentDeployments are the Deployments each simulated component runs.
var componentDeployments = map[string][]string{
	"dashboard": {"rhods-dashboard"},
	"kserve":    {kserveControllerDep, modelControllerName},
}

// removeComponent deletes a non-Managed component's Deployments.
func (s *Sim) removeComponent(p *pass, component string) error {
	for _, name := range componentDeployments[component] {
		if p.exists(gvrDeployments, appsNamespace, name) {
			if err := p.remove(gvrDeployments, appsNamespace, name); err != nil {
				return err
			}
		}
	}
	return nil
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
		// Info only: Wide Expert Parallelism needs the LWS operator.
		wideEP := cond{Type: "KserveLLMInferenceServiceWideEPDependencies", Status: "True", Reason: "Ready"}
		if !p.subscribed(lwsPackage) {
			wideEP = cond{Type: wideEP.Type, Status: "False", Reason: "Subscription not found",
				Message: "Warning: " + lwsPackage + " not installed, Wide Expert Parallelism with LLMInferenceService cannot be used"}
		}
		mcOK := mc != nil && isTrue(mc, "Available")
		return []cond{kc, wideEP, {Type: "ModelControllerReady", Status: boolStatus(mcOK), Reason: ifElse(mcOK, "Ready", "DeploymentsNotReady")}}, nil
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
		// The operator removes what it deployed: maas-controller. maas-api and
		// the rest are the Tenant's (label-tracked, no owner): they stay
		// unless the Tenant was retired first.
		if p.exists(gvrDeployments, appsNamespace, maasControllerName) {
			_ = p.remove(gvrDeployments, appsNamespace, maasControllerName)
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
	crds := MaaSCRDs
	_, v010 := s.fault(MaaSWithoutTenant, func(Fault) bool { return true })
	if v010 {
		crds = slices.DeleteFunc(slices.Clone(MaaSCRDs), func(c CRD) bool { return c.Kind == "Tenant" })
	}
	if err := p.registerCRDs(crds); err != nil {
		return cond{Type: "Ready", Status: "False", Reason: "Error", Message: err.Error()}, conds
	}
	if v010 {
		// v0.1.0: the operator deploys maas-api itself; there is no Tenant.
		if _, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: maasAPIName, container: maasAPIName, owner: dsc,
			labels: map[string]string{"app.kubernetes.io/name": maasAPIName, "app.kubernetes.io/part-of": "models-as-a-service"}}); err != nil {
			return cond{Type: "Ready", Status: "False", Reason: "Error", Message: err.Error()}, conds
		}
	}
	// The operator deploys maas-controller; maas-controller applies maas-api
	// for the Tenant (reconcileMaaSController). Ready needs both, as the
	// Tenant-based build's DSC condition mirrors the Tenant's Ready.
	ctrl, err := s.ensureDeployment(p, deploymentSpec{namespace: appsNamespace, name: maasControllerName, container: "manager", owner: dsc,
		labels: map[string]string{"app.kubernetes.io/name": maasControllerName, "app.kubernetes.io/part-of": "models-as-a-service"}})
	api, _ := p.get(gvrDeployments, appsNamespace, maasAPIName)
	switch {
	case err != nil || ctrl == nil || !isTrue(ctrl, "Available"):
		return cond{Type: "Ready", Status: "False", Reason: "DeploymentsNotReady", Message: "waiting for maas-controller to be Available"},
			append(conds, cond{Type: "DeploymentsAvailable", Status: "False", Reason: "DeploymentsNotReady"})
	case api == nil || !isTrue(api, "Available"):
		return cond{Type: "Ready", Status: "False", Reason: "DeploymentsNotReady", Message: "waiting for maas-controller to apply maas-api for Tenant " + tenantNamespace + "/" + tenantName},
			append(conds, cond{Type: "DeploymentsAvailable", Status: "True", Reason: "DeploymentsAvailable"})
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
