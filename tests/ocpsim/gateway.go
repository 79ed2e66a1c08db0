package ocpsim

import (
	"errors"
	"fmt"

	"sigs.k8s.io/yaml"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The OpenShift Gateway API controller (the ingress operator's Istio).
const (
	gatewayController   = "openshift.io/gateway-controller/v1"
	gatewayNameLabel    = "gateway.networking.k8s.io/gateway-name"
	serviceTypeAnn      = "networking.istio.io/service-type"
	gatewayAPIVersion   = "gateway.networking.k8s.io/v1"
	istioControllerName = "openshift.io/gateway-controller/v1"
)

// reconcileGatewayAPI accepts GatewayClasses of the OpenShift controller,
// programs their Gateways (a Service <gateway>-<class> per Gateway; a
// listener whose certificate Secret is missing keeps the Gateway from
// being Programmed) and accepts HTTPRoutes on the namespaces a listener
// allows.
func (s *Sim) reconcileGatewayAPI(p *pass) error {
	classes, err := p.list(gvrGatewayClasses)
	if err != nil {
		return err
	}
	ours := map[string]bool{}
	for _, gc := range classes {
		if str(gc, "spec", "controllerName") != gatewayController || deleting(gc) {
			continue
		}
		ours[gc.GetName()] = true
		if err := p.registerCRDs(IstioCRDs); err != nil {
			return err
		}
		if err := p.patchStatus(gvrGatewayClasses, gc, func(st map[string]any) {
			setConditions(st, s.now(),
				cond{Type: "Accepted", Status: "True", Reason: "Accepted", Message: "Handled by Istio controller"},
				cond{Type: "SupportedVersion", Status: "True", Reason: "SupportedVersion"})
		}); err != nil {
			return err
		}
	}
	gateways, err := p.list(gvrGateways)
	if err != nil {
		return err
	}
	routes, err := p.list(gvrHTTPRoutes)
	if err != nil {
		return err
	}
	var errs []error
	for _, gw := range gateways {
		if deleting(gw) || !ours[str(gw, "spec", "gatewayClassName")] {
			continue
		}
		if err := s.programGateway(p, gw, routes); err != nil {
			errs = append(errs, fmt.Errorf("Gateway %s: %w", key(gw.GetNamespace(), gw.GetName()), err))
		}
	}
	for _, r := range routes {
		if err := s.acceptRoute(p, r); err != nil {
			errs = append(errs, fmt.Errorf("HTTPRoute %s: %w", key(r.GetNamespace(), r.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) programGateway(p *pass, gw *unstructured.Unstructured, routes []*unstructured.Unstructured) error {
	ns, class := gw.GetNamespace(), str(gw, "spec", "gatewayClassName")
	svcName := gw.GetName() + "-" + class
	if !p.exists(gvrServices, ns, svcName) {
		svcType, err := gatewayServiceType(p, gw)
		if err != nil {
			return err
		}
		svc := newObject("v1", "Service", ns, svcName)
		svc.SetLabels(map[string]string{gatewayNameLabel: gw.GetName(), "gateway.istio.io/managed": "openshift.io-gateway-controller-v1"})
		setOwner(svc, gw, true)
		svc.Object["spec"] = map[string]any{
			"type":     svcType,
			"selector": map[string]any{gatewayNameLabel: gw.GetName()},
			"ports": []any{
				map[string]any{"name": "status-port", "port": int64(15021), "protocol": "TCP", "targetPort": int64(15021)},
				map[string]any{"name": "https", "port": int64(443), "protocol": "TCP", "targetPort": int64(443)},
			},
		}
		if _, err := p.create(gvrServices, svc); err != nil {
			return err
		}
	}
	var listeners []any
	programmed, why := true, ""
	for _, raw := range slice(gw, "spec", "listeners") {
		l, _ := raw.(map[string]any)
		name, _ := l["name"].(string)
		resolved := cond{Type: "ResolvedRefs", Status: "True", Reason: "ResolvedRefs", Message: "No errors found"}
		for _, ref := range toSlice(mapOf(l["tls"])["certificateRefs"]) {
			secret, _ := mapOf(ref)["name"].(string)
			if secret != "" && !p.exists(gvrSecrets, ns, secret) {
				resolved = cond{Type: "ResolvedRefs", Status: "False", Reason: "InvalidCertificateRef",
					Message: fmt.Sprintf("invalid certificate reference /Secret/%s. secret %s/%s not found", secret, ns, secret)}
				programmed, why = false, resolved.Message
			}
		}
		attached := int64(0)
		for _, r := range routes {
			if routeParents(r, gw) && s.listenerAllows(p, l, ns, r.GetNamespace()) {
				attached++
			}
		}
		st := map[string]any{"name": name, "attachedRoutes": attached,
			"supportedKinds": []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}, map[string]any{"group": "gateway.networking.k8s.io", "kind": "GRPCRoute"}}}
		setConditions(st, s.now(),
			cond{Type: "Accepted", Status: "True", Reason: "Accepted", Message: "No errors found"},
			cond{Type: "Programmed", Status: boolStatus(resolved.Status == "True"), Reason: ifElse(resolved.Status == "True", "Programmed", "Invalid"), Message: ifElse(resolved.Status == "True", "No errors found", "Bad TLS configuration")},
			resolved)
		listeners = append(listeners, st)
	}
	// A LoadBalancer Service gets an address only where the platform has a
	// load balancer (AWS); on bare metal istio reports the Gateway not
	// Programmed, reason AddressNotAssigned (istio
	// pilot/pkg/config/kube/gateway/conditions.go).
	svcType := "LoadBalancer"
	if svc, err := p.get(gvrServices, ns, svcName); err != nil {
		return err
	} else if svc != nil {
		svcType = str(svc, "spec", "type")
	}
	noAddress := svcType == "LoadBalancer" && s.opts.Platform != AWS
	return p.patchStatus(gvrGateways, gw, func(st map[string]any) {
		st["addresses"] = []any{map[string]any{"type": "Hostname", "value": svcName + "." + ns + ".svc.cluster.local"}}
		st["listeners"] = listeners
		prog := cond{Type: "Programmed", Status: "True", Reason: "Programmed", Message: "Resource programmed, assigned to service(s) " + svcName + "." + ns + ".svc.cluster.local:443"}
		switch {
		case !programmed:
			prog = cond{Type: "Programmed", Status: "False", Reason: "Invalid", Message: why}
		case noAddress:
			delete(st, "addresses")
			prog = cond{Type: "Programmed", Status: "False", Reason: "AddressNotAssigned", Message: "Assigned to service(s) " + svcName + "." + ns + ".svc.cluster.local:443, but failed to assign to all requested addresses: address pending for hostname \"" + svcName + "." + ns + ".svc.cluster.local\""}
		}
		setConditions(st, s.now(), cond{Type: "Accepted", Status: "True", Reason: "Accepted", Message: "Resource accepted"}, prog)
	})
}

// gatewayServiceType is the type of the Service istio makes for a Gateway:
// the annotation networking.istio.io/service-type, else spec.type of the
// "service" overlay in the ConfigMap spec.infrastructure.parametersRef
// names, else LoadBalancer (istio pilot/pkg/config/kube/gateway/deploymentcontroller.go).
func gatewayServiceType(p *pass, gw *unstructured.Unstructured) (string, error) {
	if t := gw.GetAnnotations()[serviceTypeAnn]; t != "" {
		return t, nil
	}
	ref := mapOf(mapOf(mapOf(gw.Object["spec"])["infrastructure"])["parametersRef"])
	if name, _ := ref["name"].(string); name != "" && ref["kind"] == "ConfigMap" {
		cm, err := p.get(gvrConfigMaps, gw.GetNamespace(), name)
		if err != nil {
			return "", err
		}
		if cm != nil {
			var overlay struct {
				Spec struct {
					Type string `json:"type"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal([]byte(str(cm, "data", "service")), &overlay); err == nil && overlay.Spec.Type != "" {
				return overlay.Spec.Type, nil
			}
		}
	}
	return "LoadBalancer", nil
}

// routeParents reports whether an HTTPRoute names gw as a parent.
func routeParents(r, gw *unstructured.Unstructured) bool {
	for _, raw := range slice(r, "spec", "parentRefs") {
		ref := mapOf(raw)
		ns, _ := ref["namespace"].(string)
		if ns == "" {
			ns = r.GetNamespace()
		}
		if ref["name"] == gw.GetName() && ns == gw.GetNamespace() {
			return true
		}
	}
	return false
}

// listenerAllows evaluates a listener's allowedRoutes.namespaces for a
// route in routeNS (default: Same).
func (s *Sim) listenerAllows(p *pass, listener map[string]any, gwNS, routeNS string) bool {
	ns := mapOf(mapOf(listener["allowedRoutes"])["namespaces"])
	from, _ := ns["from"].(string)
	switch from {
	case "All":
		return true
	case "Selector":
		labels := map[string]string{"kubernetes.io/metadata.name": routeNS}
		if o, err := p.get(gvrNamespaces, "", routeNS); err == nil && o != nil {
			for k, v := range o.GetLabels() {
				labels[k] = v
			}
		}
		sel := mapOf(ns["selector"])
		return matchLabels(toStringMap(sel["matchLabels"]), labels) && matchExpressions(toSlice(sel["matchExpressions"]), labels)
	default:
		return routeNS == gwNS
	}
}

// acceptRoute writes an HTTPRoute's status per parent Gateway of ours.
func (s *Sim) acceptRoute(p *pass, r *unstructured.Unstructured) error {
	var parents []any
	for _, raw := range slice(r, "spec", "parentRefs") {
		ref := mapOf(raw)
		name, _ := ref["name"].(string)
		ns, _ := ref["namespace"].(string)
		if ns == "" {
			ns = r.GetNamespace()
		}
		gw, err := p.get(gvrGateways, ns, name)
		if err != nil {
			return err
		}
		accepted := cond{Type: "Accepted", Status: "False", Reason: "NoMatchingParent", Message: fmt.Sprintf("parent gateway %s/%s not found", ns, name)}
		if gw != nil {
			accepted = cond{Type: "Accepted", Status: "False", Reason: "NotAllowedByListeners", Message: "no listener allows routes from namespace " + r.GetNamespace()}
			for _, l := range slice(gw, "spec", "listeners") {
				if s.listenerAllows(p, mapOf(l), ns, r.GetNamespace()) {
					accepted = cond{Type: "Accepted", Status: "True", Reason: "Accepted", Message: "Route was valid"}
				}
			}
		}
		st := map[string]any{"parentRef": map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": name, "namespace": ns}, "controllerName": istioControllerName}
		setConditions(st, s.now(), accepted, cond{Type: "ResolvedRefs", Status: "True", Reason: "ResolvedRefs", Message: "All references resolved"})
		parents = append(parents, st)
	}
	return p.patchStatus(gvrHTTPRoutes, r, func(st map[string]any) { st["parents"] = parents })
}

// routeAccepted reports whether route is Accepted by Gateway ns/name.
func routeAccepted(r *unstructured.Unstructured, ns, name string) bool {
	for _, raw := range slice(r, "status", "parents") {
		st := mapOf(raw)
		ref := mapOf(st["parentRef"])
		if ref["name"] != name || ref["namespace"] != ns {
			continue
		}
		for _, c := range toSlice(st["conditions"]) {
			cm := mapOf(c)
			if cm["type"] == "Accepted" && cm["status"] == "True" {
				return true
			}
		}
	}
	return false
}

// reconcileRoutes admits every Route with a host on the default router.
func (s *Sim) reconcileRoutes(p *pass) error {
	routes, err := p.list(gvrRoutes)
	if err != nil {
		return err
	}
	for _, r := range routes {
		host := str(r, "spec", "host")
		if host == "" || deleting(r) {
			continue
		}
		ingress := map[string]any{"host": host, "routerName": "default", "routerCanonicalHostname": "router-default." + s.opts.AppsDomain,
			"wildcardPolicy": "None"}
		existing := slice(r, "status", "ingress")
		if len(existing) > 0 {
			ingress = mapOf(existing[0])
		}
		setConditions(ingress, s.now(), cond{Type: "Admitted", Status: "True"})
		if err := p.patchStatus(gvrRoutes, r, func(st map[string]any) { st["ingress"] = []any{ingress} }); err != nil {
			return err
		}
	}
	return nil
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func ifElse(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}
