package ocpsim

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Models-as-a-Service v0.1.1 (maas-controller) and odh-model-controller's
// gateway bootstrap (opendatahub-io/models-as-a-service@v0.1.1 maas-controller/,
// opendatahub-io/odh-model-controller@odh-v3.4; docs/decisions.md D4, D5).
const (
	tenantNamespace      = "models-as-a-service"
	tenantName           = "default-tenant"
	tenantFinalizer      = "maas.opendatahub.io/tenant-finalizer"
	modelRefFinalizer    = "maas.opendatahub.io/model-cleanup"
	subscriptionFinal    = "maas.opendatahub.io/subscription-cleanup"
	authPolicyFinalizer  = "maas.opendatahub.io/authpolicy-cleanup"
	bootstrapAnnotation  = "security.opendatahub.io/authorino-tls-bootstrap"
	managedAnnotation    = "opendatahub.io/managed"
	envoyFilterSuffix    = "-authn-ssl"
	kuadrantAuthFilter   = "kuadrant-auth-"
	maasAPIVersion       = "maas.opendatahub.io/v1alpha1"
	tenantRecreateMarker = "tenant/created-once"
)

// maasControllerRunning: maas-controller runs. opendatahub-operator
// deploys it while the DSC keeps MaaS Managed; it keeps running when the
// rhods-operator CSV is removed (nothing deletes its Deployment then).
func (p *pass) maasControllerRunning() bool {
	d, err := p.get(gvrDeployments, appsNamespace, maasControllerName)
	return err == nil && d != nil && !deleting(d) && isTrue(d, "Available")
}

// Tenant tracking (models-as-a-service@v0.1.1
// maas-controller/pkg/controller/maas/tenantreconcile/constants.go): every
// child outside the Tenant's namespace carries these labels, no owner.
const (
	tenantNameLabel      = "maas.opendatahub.io/tenant-name"
	tenantNamespaceLabel = "maas.opendatahub.io/tenant-namespace"
	managementStateAnn   = "component.opendatahub.io/management-state"
)

var tenantTracking = map[string]string{tenantNameLabel: tenantName, tenantNamespaceLabel: tenantNamespace}

// tenantChild is one object the Tenant's platform apply creates (the ODH
// overlay of maas-api/deploy, rendered for models-as-a-service@v0.1.1).
// cleaned says whether tenant_finalize.go's cleanup lists cover its kind:
// CronJob and TokenRateLimitPolicy are missing there, so upstream leaves
// them behind.
type tenantChild struct {
	gvr      schema.GroupVersionResource
	kind, ns string
	name     string
	cleaned  bool
}

func tenantChildren() []tenantChild {
	return []tenantChild{
		{gvrDeployments, "Deployment", appsNamespace, maasAPIName, true},
		{gvrServices, "Service", appsNamespace, maasAPIName, true},
		{gvrConfigMaps, "ConfigMap", appsNamespace, "maas-parameters", true},
		{gvrCronJobs, "CronJob", appsNamespace, "maas-api-key-cleanup", false},
		{gvrHTTPRoutes, "HTTPRoute", appsNamespace, "maas-api-route", true},
		{gvrAuthPolicies, "AuthPolicy", appsNamespace, "maas-api-auth-policy", true},
		{gvrAuthPolicies, "AuthPolicy", ingressNamespace, "gateway-default-auth", true},
		{gvrTRLPs, "TokenRateLimitPolicy", ingressNamespace, "gateway-default-deny", false},
		{gvrDestinationRules, "DestinationRule", ingressNamespace, "maas-api-backend-tls", true},
		{gvrClusterRoles, "ClusterRole", "", maasAPIName, true},
		{gvrClusterRoleBindings, "ClusterRoleBinding", "", maasAPIName, true},
	}
}

// reconcileMaaSController plays maas-controller (models-as-a-service@v0.1.1
// maas-controller/cmd/manager/main.go, pkg/controller/maas/tenant_reconcile.go):
//   - it creates Namespace models-as-a-service at start and re-creates it
//     every 30 s (Delays.TenantRecreate) while it is missing;
//   - its ensure loop creates Tenant default-tenant, with only the gatewayRef
//     defaults and no finalizer, whenever it is missing (every 30 s);
//   - a Managed Tenant gets the finalizer, its prerequisites checked (phases
//     and reasons as tenant_reconcile.go writes them) and its platform
//     applied with tracking labels;
//   - management-state Removed: it deletes the children its cleanup lists
//     cover, drops its finalizer and goes idle (the Tenant stays);
//   - a deleted Tenant: the same cleanup, then the finalizer goes, and the
//     ensure loop re-creates the Tenant, which re-applies everything.
//
// While it does not run, nothing removes its finalizers.
func (s *Sim) reconcileMaaSController(p *pass) error {
	if !p.maasControllerRunning() {
		return nil
	}
	if !p.exists(gvrNamespaces, "", tenantNamespace) {
		if _, started := s.since["maas/ns"]; started && !s.elapsed("maas/ns", s.opts.Delays.TenantRecreate) {
			return nil
		}
		s.reset("maas/ns")
		ns := newObject("v1", "Namespace", "", tenantNamespace)
		ns.SetLabels(map[string]string{generatedNSLabel: "true", "app.kubernetes.io/managed-by": maasControllerName, "app.kubernetes.io/part-of": maasControllerName})
		if _, err := p.create(gvrNamespaces, ns); err != nil {
			return err
		}
		s.elapsed("maas/ns", 0)
	}
	if !p.crdEstablished("tenants.maas.opendatahub.io") {
		return nil // models-as-a-service v0.1.0: no Tenant (fault MaaSWithoutTenant)
	}
	tenant, err := p.get(gvrTenants, tenantNamespace, tenantName)
	if err != nil {
		return err
	}
	if tenant == nil {
		_, once := s.verdicts[tenantRecreateMarker]
		if once && !s.elapsed("tenant/recreate", s.opts.Delays.TenantRecreate) {
			return nil
		}
		s.reset("tenant/recreate")
		t := newObject(maasAPIVersion, "Tenant", tenantNamespace, tenantName)
		t.Object["spec"] = map[string]any{"gatewayRef": map[string]any{"name": maasGatewayName, "namespace": ingressNamespace}}
		if tenant, err = p.create(gvrTenants, t); err != nil || tenant == nil {
			return err
		}
		s.verdicts[tenantRecreateMarker] = "true"
		s.logf("ocpsim: maas-controller created Tenant %s/%s", tenantNamespace, tenantName)
	}
	state := tenant.GetAnnotations()[managementStateAnn]
	switch {
	case deleting(tenant):
		if done, err := s.finalizeTenant(p); err != nil || !done {
			return err
		}
		return p.releaseFinalizer(gvrTenants, tenant, tenantFinalizer)
	case state == "Removed" || state == "Unmanaged":
		if state == "Removed" {
			if done, err := s.finalizeTenant(p); err != nil || !done {
				return err // requeued every 5 s while children terminate
			}
		}
		if err := p.dropFinalizer(gvrTenants, tenant, tenantFinalizer); err != nil {
			return err
		}
		return s.tenantStatus(p, tenant, "", cond{Type: "Ready", Status: "False", Reason: "ManagementStateIdle",
			Message: fmt.Sprintf("management state is %q; platform workloads are not driven by this reconciler in this state", state)})
	case state != "" && state != "Managed":
		return s.tenantStatus(p, tenant, "Failed", cond{Type: "Ready", Status: "False", Reason: "UnexpectedManagementState",
			Message: fmt.Sprintf("unexpected management state %q", state)})
	}
	if err := p.addFinalizer(gvrTenants, tenant, tenantFinalizer); err != nil {
		return err
	}
	if tenant, _ = p.get(gvrTenants, tenantNamespace, tenantName); tenant == nil {
		return nil
	}
	phase, ready := s.tenantPlatform(p, tenant)
	return s.tenantStatus(p, tenant, phase, ready)
}

// tenantPlatform checks a Managed Tenant's prerequisites in
// tenant_reconcile.go's order and applies its platform.
func (s *Sim) tenantPlatform(p *pass, tenant *unstructured.Unstructured) (string, cond) {
	gwNS, gwName := str(tenant, "spec", "gatewayRef", "namespace"), str(tenant, "spec", "gatewayRef", "name")
	switch {
	case (gwNS == "") != (gwName == ""):
		return "Failed", cond{Type: "Ready", Status: "False", Reason: "InvalidGateway", Message: "invalid gateway specification: when specifying a custom gateway, both namespace and name must be provided"}
	case gwNS == "":
		gwNS, gwName = ingressNamespace, maasGatewayName
	}
	if !p.exists(gvrGateways, gwNS, gwName) {
		return "Pending", cond{Type: "Ready", Status: "False", Reason: "GatewayNotReady",
			Message: fmt.Sprintf("gateway %s/%s not found: the specified Gateway must exist before enabling MaaS platform reconcile", gwNS, gwName)}
	}
	if !p.crdEstablished("authconfigs.authorino.kuadrant.io") {
		return "Pending", cond{Type: "Ready", Status: "False", Reason: "DependenciesNotAvailable", Message: "AuthConfig: CRD not found"}
	}
	if !p.exists(gvrSecrets, appsNamespace, maasDBSecret) {
		return "Failed", cond{Type: "Ready", Status: "False", Reason: "PrerequisitesNotMet",
			Message: fmt.Sprintf("database Secret '%s' not found in namespace '%s'", maasDBSecret, appsNamespace)}
	}
	if err := s.applyTenantPlatform(p); err != nil {
		return "Failed", cond{Type: "Ready", Status: "False", Reason: "PlatformReconcileFailed", Message: err.Error()}
	}
	api, _ := p.get(gvrDeployments, appsNamespace, maasAPIName)
	if api == nil || !isTrue(api, "Available") {
		return "Pending", cond{Type: "Ready", Status: "False", Reason: "DeploymentsNotReady", Message: "maas-api deployment is not available yet"}
	}
	return "Active", cond{Type: "Ready", Status: "True", Reason: "Reconciled", Message: "MaaS platform manifests applied and maas-api deployment is available"}
}

// applyTenantPlatform creates the tracked children whose API is served.
func (s *Sim) applyTenantPlatform(p *pass) error {
	for _, c := range tenantChildren() {
		if c.gvr == gvrDeployments {
			labels := map[string]string{"app.kubernetes.io/name": c.name, "app.kubernetes.io/part-of": "models-as-a-service"}
			for k, v := range tenantTracking {
				labels[k] = v
			}
			if _, err := s.ensureDeployment(p, deploymentSpec{namespace: c.ns, name: c.name, container: c.name, labels: labels}); err != nil {
				return err
			}
			continue
		}
		if !p.served(c.gvr) || p.exists(c.gvr, c.ns, c.name) {
			continue
		}
		apiVersion := c.gvr.Version
		if c.gvr.Group != "" {
			apiVersion = c.gvr.Group + "/" + c.gvr.Version
		}
		o := newObject(apiVersion, c.kind, c.ns, c.name)
		o.SetLabels(tenantTracking)
		o.Object["spec"] = tenantChildSpec(c)
		if c.kind == "ConfigMap" {
			delete(o.Object, "spec")
			o.Object["data"] = map[string]any{"gateway-namespace": ingressNamespace, "gateway-name": maasGatewayName}
		}
		if c.kind == "ClusterRole" {
			delete(o.Object, "spec")
			o.Object["rules"] = []any{map[string]any{"apiGroups": []any{"maas.opendatahub.io"}, "resources": []any{"*"}, "verbs": []any{"get", "list", "watch"}}}
		}
		if c.kind == "ClusterRoleBinding" {
			delete(o.Object, "spec")
			o.Object["roleRef"] = map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": c.name}
			o.Object["subjects"] = []any{map[string]any{"kind": "ServiceAccount", "name": maasAPIName, "namespace": appsNamespace}}
		}
		if _, err := p.create(c.gvr, o); err != nil {
			return fmt.Errorf("applying %s %s: %w", c.kind, key(c.ns, c.name), err)
		}
	}
	return nil
}

// tenantChildSpec is a minimal spec of each kind.
func tenantChildSpec(c tenantChild) map[string]any {
	gateway := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": maasGatewayName}
	switch c.kind {
	case "Service":
		return map[string]any{"selector": map[string]any{"app.kubernetes.io/name": maasAPIName}, "ports": []any{map[string]any{"name": "https", "port": int64(8443)}}}
	case "CronJob":
		return map[string]any{"schedule": "*/15 * * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"restartPolicy": "OnFailure", "containers": []any{map[string]any{"name": "cleanup", "image": "registry.redhat.io/ocpsim/maas-api:latest"}}}}}}}
	case "HTTPRoute":
		return map[string]any{"parentRefs": []any{map[string]any{"name": maasGatewayName, "namespace": ingressNamespace}},
			"rules": []any{map[string]any{"backendRefs": []any{map[string]any{"name": maasAPIName, "port": int64(8443)}}}}}
	case "AuthPolicy":
		if c.ns == ingressNamespace {
			return map[string]any{"targetRef": gateway}
		}
		return map[string]any{"targetRef": map[string]any{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "maas-api-route"}}
	case "TokenRateLimitPolicy":
		return map[string]any{"targetRef": gateway, "limits": map[string]any{"deny": map[string]any{"rates": []any{map[string]any{"limit": int64(0), "window": "1m"}}}}}
	case "DestinationRule":
		return map[string]any{"host": maasAPIName + "." + appsNamespace + ".svc.cluster.local", "trafficPolicy": map[string]any{"tls": map[string]any{"mode": "SIMPLE"}}}
	}
	return map[string]any{}
}

// finalizeTenant deletes the tracked children tenant_finalize.go covers and
// reports whether none of them is left (it requeues every 5 s until then).
func (s *Sim) finalizeTenant(p *pass) (bool, error) {
	done := true
	for _, c := range tenantChildren() {
		if !c.cleaned || !p.served(c.gvr) {
			continue
		}
		o, err := p.get(c.gvr, c.ns, c.name)
		if err != nil {
			return false, err
		}
		if o == nil || o.GetLabels()[tenantNameLabel] != tenantName {
			continue
		}
		done = false
		if !deleting(o) {
			if err := p.remove(c.gvr, c.ns, c.name); err != nil {
				return false, err
			}
		}
	}
	return done, nil
}

// tenantStatus writes the Tenant's phase and Ready.
func (s *Sim) tenantStatus(p *pass, tenant *unstructured.Unstructured, phase string, ready cond) error {
	return p.patchStatus(gvrTenants, tenant, func(st map[string]any) {
		st["phase"] = phase
		st["observedGeneration"] = tenant.GetGeneration()
		setConditions(st, s.now(), ready)
	})
}

// reconcileModelRefs plays maas-controller's MaaSModelRef controller
// (models-as-a-service@v0.1.1 maas-controller/pkg/controller/maas/
// maasmodelref_controller.go, providers_llmisvc.go).
func (s *Sim) reconcileModelRefs(p *pass) error {
	if !p.maasControllerRunning() {
		return nil
	}
	refs, err := p.list(gvrModelRefs)
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		if err := s.reconcileModelRef(p, ref); err != nil {
			errs = append(errs, fmt.Errorf("MaaSModelRef %s: %w", key(ref.GetNamespace(), ref.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

// modelRoute finds a model's HTTPRoute as providers_llmisvc.go does: by the
// router labels kserve puts on it, in the MaaSModelRef's namespace, not by
// name.
func (p *pass) modelRoute(ns, model string) (*unstructured.Unstructured, error) {
	routes, err := p.in(gvrHTTPRoutes, ns)
	if err != nil {
		return nil, err
	}
	for _, r := range routes {
		l := r.GetLabels()
		if l["app.kubernetes.io/name"] == model && l[llmisvcComponentLabel] == "llminferenceservice-router" && l["app.kubernetes.io/part-of"] == "llminferenceservice" {
			return r, nil
		}
	}
	return nil, nil
}

// reconcileModelRef: phases and reasons as updateStatusWithReason writes
// them. Every failure but Invalid and an unimplemented kind heals itself
// (HTTPRoute and LLMInferenceService watches, error requeue).
func (s *Sim) reconcileModelRef(p *pass, ref *unstructured.Unstructured) error {
	if deleting(ref) {
		return p.releaseFinalizer(gvrModelRefs, ref, modelRefFinalizer)
	}
	spec := mapAt(ref, "spec")
	ns, backend, kind := ref.GetNamespace(), str(ref, "spec", "modelRef", "name"), str(ref, "spec", "modelRef", "kind")
	status := func(phase, reason, msg string) error {
		return p.patchStatus(gvrModelRefs, ref, func(st map[string]any) {
			st["phase"] = phase
			if phase == "Ready" {
				st["endpoint"] = "https://" + s.maasHost(p) + "/" + ns + "/" + backend
				st["httpRouteName"] = backend + routeSuffix
				st["httpRouteGatewayName"] = maasGatewayName
				st["httpRouteGatewayNamespace"] = ingressNamespace
			}
			setConditions(st, s.now(), cond{Type: "Ready", Status: boolStatus(phase == "Ready"), Reason: reason, Message: msg})
		})
	}
	if len(spec) == 0 {
		return status("Invalid", "InvalidSpec", "spec is required") // no finalizer on an empty spec
	}
	if err := p.addFinalizer(gvrModelRefs, ref, modelRefFinalizer); err != nil {
		return err
	}
	if ref, _ = p.get(gvrModelRefs, ns, ref.GetName()); ref == nil {
		return nil
	}
	if kind != "" && kind != "LLMInferenceService" {
		return status("Failed", "Unsupported", "kind not implemented: "+kind)
	}
	route, err := p.modelRoute(ns, backend)
	if err != nil {
		return err
	}
	if route == nil {
		return status("Pending", "BackendNotReady", "Waiting for HTTPRoute to be created")
	}
	if !routeParents(route, newObject(gatewayAPIVersion, "Gateway", ingressNamespace, maasGatewayName)) {
		found := ""
		if parents := slice(route, "spec", "parentRefs"); len(parents) > 0 {
			first := mapOf(parents[0])
			fns, _ := first["namespace"].(string)
			if fns == "" {
				fns = ns
			}
			name, _ := first["name"].(string)
			found = fns + "/" + name
		}
		return status("Failed", "ReconcileFailed", fmt.Sprintf("Failed to reconcile HTTPRoute: HTTPRoute %s/%s does not reference gateway (expected: %s/%s, found: %s). The LLMInferenceService must be configured to use %s/%s",
			ns, route.GetName(), ingressNamespace, maasGatewayName, found, ingressNamespace, maasGatewayName))
	}
	svc, err := p.get(gvrLLMISvcs, ns, backend)
	if err != nil {
		return err
	}
	switch {
	case svc == nil:
		return status("Failed", "ReconcileFailed", fmt.Sprintf("Failed to update model status: LLMInferenceService %s not found in namespace %s", backend, ns))
	case !isTrue(svc, "Ready"):
		return status("Pending", "BackendNotReady", "Waiting for backend to become ready")
	}
	return status("Ready", "Reconciled", "Successfully reconciled")
}

// maasHost is the MaaS gateway's listener hostname.
func (s *Sim) maasHost(p *pass) string {
	if gw, err := p.get(gvrGateways, ingressNamespace, maasGatewayName); err == nil && gw != nil {
		for _, l := range slice(gw, "spec", "listeners") {
			if h, _ := mapOf(l)["hostname"].(string); h != "" {
				return h
			}
		}
	}
	return "maas." + s.opts.AppsDomain
}

// maasPolicyKinds are the two policy kinds maas-controller reconciles.
var maasPolicyKinds = []struct {
	res       schema.GroupVersionResource
	kind      string
	finalizer string
}{
	{gvrMaaSSubs, "MaaSSubscription", subscriptionFinal},
	{gvrMaaSAuthPolicies, "MaaSAuthPolicy", authPolicyFinalizer},
}

// reconcileMaaSPolicies plays maas-controller's MaaSSubscription and
// MaaSAuthPolicy controllers (maassubscription_controller.go,
// maasauthpolicy_controller.go): a model reference counts when its
// MaaSModelRef exists and its HTTPRoute does, whatever the MaaSModelRef's
// phase; they watch MaaSModelRefs and HTTPRoutes, so nothing sticks.
func (s *Sim) reconcileMaaSPolicies(p *pass) error {
	if !p.maasControllerRunning() {
		return nil
	}
	var errs []error
	for _, k := range maasPolicyKinds {
		objs, err := p.list(k.res)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range objs {
			if err := s.reconcileMaaSPolicy(p, k.res, k.kind, k.finalizer, o); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", k.kind, key(o.GetNamespace(), o.GetName()), err))
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileMaaSPolicy(p *pass, res schema.GroupVersionResource, kind, finalizer string, o *unstructured.Unstructured) error {
	if deleting(o) {
		return p.releaseFinalizer(res, o, finalizer)
	}
	if o.GetNamespace() != tenantNamespace {
		return nil // the cache watches only --maas-subscription-namespace (cmd/manager/main.go)
	}
	status := func(phase, reason, msg string, statuses []any) error {
		return p.patchStatus(res, o, func(st map[string]any) {
			st["phase"] = phase
			st["modelRefStatuses"] = statuses
			setConditions(st, s.now(), cond{Type: "Ready", Status: boolStatus(phase == "Active"), Reason: reason, Message: msg})
		})
	}
	if len(mapAt(o, "spec")) == 0 {
		return status("Invalid", "InvalidSpec", "spec is required", nil)
	}
	if err := p.addFinalizer(res, o, finalizer); err != nil {
		return err
	}
	if o, _ = p.get(res, o.GetNamespace(), o.GetName()); o == nil {
		return nil
	}
	refs := slice(o, "spec", "modelRefs")
	if len(refs) == 0 {
		return status("Failed", "ReconcileFailed", "no model references specified", nil)
	}
	var statuses []any
	invalid := 0
	for _, raw := range refs {
		m := mapOf(raw)
		name, _ := m["name"].(string)
		ns, _ := m["namespace"].(string)
		entry := map[string]any{"name": name, "namespace": ns, "reason": "Valid"}
		ref, err := p.get(gvrModelRefs, ns, name)
		if err != nil {
			return err
		}
		var route *unstructured.Unstructured
		if ref != nil {
			if route, err = p.modelRoute(ns, str(ref, "spec", "modelRef", "name")); err != nil {
				return err
			}
		}
		switch {
		case ref == nil:
			entry["reason"], entry["message"] = "NotFound", fmt.Sprintf("MaaSModelRef %s/%s not found", ns, name)
			invalid++
		case route == nil:
			entry["reason"], entry["message"] = "BackendNotReady", "HTTPRoute not found yet"
			invalid++
		}
		statuses = append(statuses, entry)
	}
	verb := "invalid or unavailable"
	if kind == "MaaSAuthPolicy" {
		verb = "invalid or missing"
	}
	switch {
	case invalid == len(refs):
		return status("Failed", "ReconcileFailed", fmt.Sprintf("all %d model references are %s", len(refs), verb), statuses)
	case invalid > 0:
		return status("Degraded", "PartialFailure", fmt.Sprintf("%d of %d model references are %s", invalid, len(refs), verb), statuses)
	}
	return status("Active", "Reconciled", "successfully reconciled", statuses)
}

// reconcileGatewayBootstrap plays odh-model-controller's Gateway controller
// (odh-model-controller@odh-v3.4
// internal/controller/serving/llm/gateway_controller.go). A Gateway is
// reconciled on its creation (and on the controller's start, which replays
// every Gateway) and on any update while its
// security.opendatahub.io/authorino-tls-bootstrap annotation is "true"
// (status-only updates too; the predicate also fires on changes of that
// annotation or of opendatahub.io/managed). With the annotation on, the
// reconcile reads Authorino TLS (utils/kuadrant.go IsAuthorinoTLSEnabled):
// on, it creates EnvoyFilter <gateway>-authn-ssl (owned by the Gateway) and
// deletes kuadrant-auth-<gateway>; off, it logs and skips, leaving an
// existing EnvoyFilter in place.
func (s *Sim) reconcileGatewayBootstrap(p *pass) error {
	running := p.exists(gvrDeployments, appsNamespace, modelControllerName)
	if !running {
		for k := range s.seen {
			if strings.HasPrefix(k, "gw-bootstrap/") {
				delete(s.seen, k) // a restart replays every Gateway
			}
		}
		return nil
	}
	gws, err := p.list(gvrGateways)
	if err != nil {
		return err
	}
	for _, gw := range gws {
		if deleting(gw) {
			continue
		}
		k := "gw-bootstrap/" + string(gw.GetUID())
		ann := gw.GetAnnotations()
		on := strings.EqualFold(strings.TrimSpace(ann[bootstrapAnnotation]), "true")
		now := gw.GetResourceVersion()
		prev, seen := s.seen[k]
		s.seen[k] = now
		if (seen && prev == now) || !on {
			continue // no event, or no EnvoyFilter wanted
		}
		if p.exists(gvrEnvoyFilters, gw.GetNamespace(), gw.GetName()+envoyFilterSuffix) {
			continue
		}
		if !p.authorinoTLSEnabled() {
			s.logf("ocpsim: odh-model-controller: Gateway %s/%s: Authorino TLS is not enabled, skipping EnvoyFilter creation (C13)", gw.GetNamespace(), gw.GetName())
			continue
		}
		if err := s.createAuthnFilter(p, gw); err != nil {
			return fmt.Errorf("Gateway %s/%s: %w", gw.GetNamespace(), gw.GetName(), err)
		}
	}
	return nil
}

func (s *Sim) createAuthnFilter(p *pass, gw *unstructured.Unstructured) error {
	name := gw.GetName() + envoyFilterSuffix
	ef := newObject("networking.istio.io/v1alpha3", "EnvoyFilter", gw.GetNamespace(), name)
	ef.SetLabels(map[string]string{"app.kubernetes.io/managed-by": modelControllerName, "opendatahub.io/managed": "true"})
	setOwner(ef, gw, true)
	ef.Object["spec"] = map[string]any{
		"workloadSelector": map[string]any{"labels": map[string]any{gatewayNameLabel: gw.GetName()}},
		"configPatches": []any{map[string]any{
			"applyTo": "CLUSTER",
			"match":   map[string]any{"cluster": map[string]any{"service": "authorino-authorino-authorization.kuadrant-system.svc.cluster.local"}},
			"patch": map[string]any{"operation": "MERGE", "value": map[string]any{"transport_socket": map[string]any{
				"name": "envoy.transport_sockets.tls",
				"typed_config": map[string]any{"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
					"sni": "authorino-authorino-authorization.kuadrant-system.svc.cluster.local"},
			}}},
		}},
	}
	if _, err := p.create(gvrEnvoyFilters, ef); err != nil {
		return err
	}
	s.logf("ocpsim: odh-model-controller created EnvoyFilter %s/%s", gw.GetNamespace(), name)
	if p.exists(gvrEnvoyFilters, gw.GetNamespace(), kuadrantAuthFilter+gw.GetName()) {
		return p.remove(gvrEnvoyFilters, gw.GetNamespace(), kuadrantAuthFilter+gw.GetName())
	}
	return nil
}
