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

// maasControllerRunning: the RHOAI operator runs and has deployed
// maas-controller (MaaS Managed and its prerequisites met).
func (p *pass) maasControllerRunning() bool {
	if !p.operatorRunning(rhodsPackage) {
		return false
	}
	d, err := p.get(gvrDeployments, appsNamespace, maasControllerName)
	return err == nil && d != nil && !deleting(d)
}

// reconcileMaaSController plays maas-controller's start-up work: it creates
// Namespace models-as-a-service and, every Delays.TenantRecreate while it
// is missing, Tenant default-tenant; it reports the Tenant's status and
// removes the Tenant finalizer on deletion while it runs.
func (s *Sim) reconcileMaaSController(p *pass) error {
	if !p.maasControllerRunning() {
		return nil // nothing removes the Tenant finalizer any more (docs/decisions.md "MaaS teardown")
	}
	if !p.exists(gvrNamespaces, "", tenantNamespace) {
		ns := newObject("v1", "Namespace", "", tenantNamespace)
		ns.SetLabels(map[string]string{generatedNSLabel: "true", "app.kubernetes.io/managed-by": maasControllerName})
		if _, err := p.create(gvrNamespaces, ns); err != nil {
			return err
		}
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
		t.SetFinalizers([]string{tenantFinalizer})
		t.Object["spec"] = map[string]any{
			"gatewayRef": map[string]any{"name": maasGatewayName, "namespace": ingressNamespace},
			"apiKeys":    map[string]any{"maxExpirationDays": int64(90)},
		}
		if tenant, err = p.create(gvrTenants, t); err != nil || tenant == nil {
			return err
		}
		s.verdicts[tenantRecreateMarker] = "true"
		s.logf("ocpsim: maas-controller created Tenant %s/%s", tenantNamespace, tenantName)
	}
	if deleting(tenant) {
		return p.releaseFinalizer(gvrTenants, tenant, tenantFinalizer)
	}
	if err := p.addFinalizer(gvrTenants, tenant, tenantFinalizer); err != nil {
		return err
	}
	if tenant, _ = p.get(gvrTenants, tenantNamespace, tenantName); tenant == nil {
		return nil
	}
	gwNS, gwName := str(tenant, "spec", "gatewayRef", "namespace"), str(tenant, "spec", "gatewayRef", "name")
	gw, err := p.get(gvrGateways, gwNS, gwName)
	if err != nil {
		return err
	}
	phase, ready := "Active", cond{Type: "Ready", Status: "True", Reason: "Reconciled", Message: "maas-api, gateway policies and telemetry reconciled"}
	if gw == nil {
		phase, ready = "Degraded", cond{Type: "Ready", Status: "False", Reason: "GatewayNotFound", Message: fmt.Sprintf("Gateway %s/%s not found", gwNS, gwName)}
	}
	return p.patchStatus(gvrTenants, tenant, func(st map[string]any) {
		st["phase"] = phase
		st["observedGeneration"] = tenant.GetGeneration()
		setConditions(st, s.now(), ready)
	})
}

// reconcileModelRefs: a MaaSModelRef is Ready when its LLMInferenceService
// is Ready and its HTTPRoute references maas-default-gateway (C15);
// otherwise Failed with the controller's words, or Pending.
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

func (s *Sim) reconcileModelRef(p *pass, ref *unstructured.Unstructured) error {
	if deleting(ref) {
		return p.releaseFinalizer(gvrModelRefs, ref, modelRefFinalizer)
	}
	if err := p.addFinalizer(gvrModelRefs, ref, modelRefFinalizer); err != nil {
		return err
	}
	if ref, _ = p.get(gvrModelRefs, ref.GetNamespace(), ref.GetName()); ref == nil {
		return nil
	}
	ns, backend := ref.GetNamespace(), str(ref, "spec", "modelRef", "name")
	phase, ready := "Ready", cond{Type: "Ready", Status: "True", Reason: "Ready", Message: "model is reachable through " + maasGatewayName}
	route, err := p.get(gvrHTTPRoutes, ns, backend+routeSuffix)
	if err != nil {
		return err
	}
	svc, err := p.get(gvrLLMISvcs, ns, backend)
	if err != nil {
		return err
	}
	var found []string
	if route != nil {
		for _, raw := range slice(route, "spec", "parentRefs") {
			name, _ := mapOf(raw)["name"].(string)
			found = append(found, name)
		}
	}
	switch {
	case str(ref, "spec", "modelRef", "kind") != "" && str(ref, "spec", "modelRef", "kind") != "LLMInferenceService":
		phase, ready = "Invalid", cond{Type: "Ready", Status: "False", Reason: "UnsupportedKind", Message: "only LLMInferenceService backends are simulated"}
	case svc == nil:
		phase, ready = "Pending", cond{Type: "Ready", Status: "False", Reason: "BackendNotFound", Message: fmt.Sprintf("LLMInferenceService %s/%s not found", ns, backend)}
	case route == nil:
		phase, ready = "Pending", cond{Type: "Ready", Status: "False", Reason: "HTTPRouteNotFound", Message: fmt.Sprintf("HTTPRoute %s/%s not found", ns, backend+routeSuffix)}
	case !routeParents(route, newObject(gatewayAPIVersion, "Gateway", ingressNamespace, maasGatewayName)):
		phase, ready = "Failed", cond{Type: "Ready", Status: "False", Reason: "GatewayMismatch",
			Message: fmt.Sprintf("HTTPRoute does not reference gateway (expected: %s, found: %s)", maasGatewayName, strings.Join(found, ", "))}
	case !isTrue(svc, "Ready"):
		phase, ready = "Pending", cond{Type: "Ready", Status: "False", Reason: "BackendNotReady", Message: fmt.Sprintf("LLMInferenceService %s/%s is not Ready", ns, backend)}
	}
	return p.patchStatus(gvrModelRefs, ref, func(st map[string]any) {
		st["phase"] = phase
		if phase == "Ready" {
			st["endpoint"] = "https://" + s.maasHost(p) + "/" + ns + "/" + backend
			st["httpRouteName"] = backend + routeSuffix
			st["httpRouteGatewayName"] = maasGatewayName
			st["httpRouteGatewayNamespace"] = ingressNamespace
		}
		setConditions(st, s.now(), ready)
	})
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

// reconcileMaaSPolicies: a MaaSSubscription or MaaSAuthPolicy created
// while one of its MaaSModelRefs was not Ready goes Failed and stays so
// (C16); otherwise Active with per-model statuses.
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
	if err := p.addFinalizer(res, o, finalizer); err != nil {
		return err
	}
	if o, _ = p.get(res, o.GetNamespace(), o.GetName()); o == nil {
		return nil
	}
	type model struct{ ns, name string }
	var models []model
	for _, raw := range slice(o, "spec", "modelRefs") {
		m := mapOf(raw)
		name, _ := m["name"].(string)
		ns, _ := m["namespace"].(string)
		models = append(models, model{ns, name})
	}
	k := "maas-policy/" + string(o.GetUID())
	verdict, ok := s.verdicts[k]
	if !ok {
		var notReady []string
		for _, m := range models {
			ref, err := p.get(gvrModelRefs, m.ns, m.name)
			if err != nil {
				return err
			}
			if ref == nil || str(ref, "status", "phase") != "Ready" {
				notReady = append(notReady, key(m.ns, m.name))
			}
		}
		verdict = "ok"
		if len(notReady) > 0 {
			verdict = strings.Join(notReady, ", ")
			s.logf("ocpsim: %s %s created before MaaSModelRef %s was Ready (C16): Failed", kind, o.GetName(), verdict)
		}
		s.verdicts[k] = verdict
	}
	var statuses []any
	for _, m := range models {
		statuses = append(statuses, map[string]any{"name": m.name, "namespace": m.ns, "ready": verdict == "ok"})
	}
	return p.patchStatus(res, o, func(st map[string]any) {
		st["modelRefStatuses"] = statuses
		if kind == "MaaSSubscription" {
			st["tokenRateLimitStatuses"] = statuses
		} else {
			st["authPolicies"] = statuses
		}
		if verdict != "ok" {
			st["phase"] = "Failed"
			setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "ModelRefNotReady",
				Message: fmt.Sprintf("MaaSModelRef %s was not Ready when this %s was reconciled; it is not retried (C16): delete and re-create it", verdict, kind)})
			return
		}
		st["phase"] = "Active"
		setConditions(st, s.now(), cond{Type: "Ready", Status: "True", Reason: "Reconciled", Message: "policies generated and accepted"})
	})
}

// reconcileGatewayBootstrap plays odh-model-controller's gateway-auth
// bootstrap (C13). It reacts to events of a Gateway: its creation (or the
// controller's start, which replays every Gateway as created) and changes
// of the annotations security.opendatahub.io/authorino-tls-bootstrap or
// opendatahub.io/managed. On such an event with the bootstrap annotation
// "true" it reads the first Authorino by name: TLS enabled, it creates
// EnvoyFilter <gateway>-authn-ssl (owned by the Gateway) and deletes
// kuadrant-auth-<gateway>; TLS disabled, it logs and skips, with no retry.
func (s *Sim) reconcileGatewayBootstrap(p *pass) error {
	running := p.operatorRunning(rhodsPackage) && p.exists(gvrDeployments, appsNamespace, modelControllerName)
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
		now := ann[bootstrapAnnotation] + "|" + ann[managedAnnotation]
		prev, seen := s.seen[k]
		s.seen[k] = now
		if seen && prev == now {
			continue // no event
		}
		if ann[bootstrapAnnotation] != "true" {
			continue
		}
		if !p.authorinoTLSEnabled() {
			s.logf("ocpsim: odh-model-controller: Gateway %s/%s: Authorino has TLS disabled, skipping the authn-ssl EnvoyFilter (C13)", gw.GetNamespace(), gw.GetName())
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
