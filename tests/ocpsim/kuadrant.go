package ocpsim

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Red Hat Connectivity Link: Kuadrant, Authorino and Limitador
// (Kuadrant/kuadrant-operator@v1.3.1, Kuadrant/authorino-operator@v0.22.0).
const (
	rhclPackage       = "rhcl-operator"
	authorinoPackage  = "authorino-operator"
	limitadorPackage  = "limitador-operator"
	kuadrantNamespace = "kuadrant-system"
	authorinoService  = "authorino-authorino-authorization"
	authorinoTLSVol   = "tls-cert"
	missingProvider   = "[Gateway API provider (istio / envoy gateway)] is not installed, please restart Kuadrant Operator pod once dependency has been installed"
)

// gatewayProviderAtStart (C7): the kuadrant-operator looks for a Gateway
// API provider when it starts. Without a GatewayClass of the OpenShift
// controller at that moment, Kuadrant stays not Ready until the operator
// restarts (here: until its CSV is reinstalled).
func (s *Sim) gatewayProviderAtStart(p *pass, csv *unstructured.Unstructured) bool {
	k := "kuadrant-start/" + string(csv.GetUID())
	if v, ok := s.verdicts[k]; ok {
		return v == "true"
	}
	found := false
	classes, err := p.list(gvrGatewayClasses)
	if err != nil {
		return false
	}
	for _, gc := range classes {
		found = found || (str(gc, "spec", "controllerName") == gatewayController && !deleting(gc))
	}
	s.verdicts[k] = fmt.Sprint(found)
	if !found {
		s.logf("ocpsim: kuadrant-operator started without a Gateway API provider (C7)")
	}
	return found
}

// reconcileKuadrant: the Kuadrant CR creates Authorino authorino and
// Limitador limitador (owned by it) and is Ready once both are and a
// Gateway API provider was there when the operator started.
func (s *Sim) reconcileKuadrant(p *pass) error {
	csv := p.operatorCSV(rhclPackage)
	if csv == nil {
		return nil
	}
	provider := s.gatewayProviderAtStart(p, csv)
	ks, err := p.list(gvrKuadrants)
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range ks {
		if deleting(k) {
			continue
		}
		if err := s.reconcileKuadrantCR(p, k, provider); err != nil {
			errs = append(errs, fmt.Errorf("Kuadrant %s: %w", key(k.GetNamespace(), k.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileKuadrantCR(p *pass, k *unstructured.Unstructured, provider bool) error {
	ns := k.GetNamespace()
	authorino, err := p.get(gvrAuthorinos, ns, "authorino")
	if err != nil {
		return err
	}
	if authorino == nil && p.crdEstablished("authorinos.operator.authorino.kuadrant.io") {
		a := newObject("operator.authorino.kuadrant.io/v1beta1", "Authorino", ns, "authorino")
		setOwner(a, k, true)
		a.Object["spec"] = map[string]any{
			"replicas": int64(1), "clusterWide": true, "supersedingHostSubsets": true,
			"listener":   map[string]any{"tls": map[string]any{"enabled": false}},
			"oidcServer": map[string]any{"tls": map[string]any{"enabled": false}},
		}
		if authorino, err = p.create(gvrAuthorinos, a); err != nil {
			return err
		}
	}
	limitador, err := p.get(gvrLimitadors, ns, "limitador")
	if err != nil {
		return err
	}
	if limitador == nil && p.crdEstablished("limitadors.limitador.kuadrant.io") {
		l := newObject("limitador.kuadrant.io/v1alpha1", "Limitador", ns, "limitador")
		setOwner(l, k, true)
		l.Object["spec"] = map[string]any{"replicas": int64(1)}
		if limitador, err = p.create(gvrLimitadors, l); err != nil {
			return err
		}
	}
	ready := cond{Type: "Ready", Status: "True", Reason: "Ready", Message: "Kuadrant is ready"}
	switch {
	case !provider:
		ready = cond{Type: "Ready", Status: "False", Reason: "MissingDependency", Message: missingProvider}
	case authorino == nil || !isTrue(authorino, "Ready"):
		ready = cond{Type: "Ready", Status: "False", Reason: "AuthorinoNotReady", Message: "Authorino Not Ready"}
	case limitador == nil || !isTrue(limitador, "Ready"):
		ready = cond{Type: "Ready", Status: "False", Reason: "LimitadorNotReady", Message: "Limitador Not Ready"}
	case !s.elapsed("kuadrant/"+string(k.GetUID()), s.opts.Delays.OperandReady):
		ready = cond{Type: "Ready", Status: "False", Reason: "Reconciling", Message: "Kuadrant is reconciling"}
	}
	return p.patchStatus(gvrKuadrants, k, func(st map[string]any) {
		st["observedGeneration"] = k.GetGeneration()
		setConditions(st, s.now(), ready)
	})
}

// reconcileAuthorino plays authorino-operator: for each Authorino the
// Services and the Deployment authorino, whose volumes follow the CR
// (tls-cert from listener.tls.certSecretRef; spec.volumes.items as
// projected volumes); Ready once the Deployment is Available and the TLS
// Secret exists.
func (s *Sim) reconcileAuthorino(p *pass) error {
	if !p.operatorRunning(authorinoPackage) && !p.operatorRunning(rhclPackage) {
		return nil
	}
	as, err := p.list(gvrAuthorinos)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range as {
		if deleting(a) {
			continue
		}
		if err := s.reconcileAuthorinoCR(p, a); err != nil {
			errs = append(errs, fmt.Errorf("Authorino %s: %w", key(a.GetNamespace(), a.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileAuthorinoCR(p *pass, a *unstructured.Unstructured) error {
	ns, name := a.GetNamespace(), a.GetName()
	selector := map[string]string{"authorino-resource": name, "control-plane": "controller-manager"}
	for _, svc := range []struct {
		name string
		port int64
	}{{name + "-authorino-authorization", 50051}, {name + "-authorino-oidc", 8083}, {name + "-controller-metrics", 8080}} {
		if p.exists(gvrServices, ns, svc.name) {
			continue
		}
		o := newObject("v1", "Service", ns, svc.name)
		o.SetLabels(selector)
		setOwner(o, a, true)
		o.Object["spec"] = map[string]any{"selector": anyMap(selector), "ports": []any{
			map[string]any{"name": "grpc", "port": svc.port, "protocol": "TCP", "targetPort": svc.port}}}
		if _, err := p.create(gvrServices, o); err != nil {
			return err
		}
	}
	tlsOn := boolean(a, "spec", "listener", "tls", "enabled")
	tlsSecret := str(a, "spec", "listener", "tls", "certSecretRef", "name")
	dep, err := s.ensureDeployment(p, deploymentSpec{
		namespace: ns, name: name, container: "authorino", image: "registry.redhat.io/rhcl-1/authorino-rhel9:1.3.4",
		labels: selector, owner: a,
		mutate: func(podSpec map[string]any) { authorinoVolumes(podSpec, a, tlsOn, tlsSecret) },
	})
	if err != nil {
		return err
	}
	ready := cond{Type: "Ready", Status: "True", Reason: "Provisioned"}
	switch {
	case tlsOn && tlsSecret != "" && !p.exists(gvrSecrets, ns, tlsSecret):
		ready = cond{Type: "Ready", Status: "False", Reason: "TlsSecretNotFound", Message: fmt.Sprintf("secret %q not found", tlsSecret)}
	case dep == nil || !isTrue(dep, "Available"):
		ready = cond{Type: "Ready", Status: "False", Reason: "DeploymentNotReady", Message: "Authorino Deployment resource not ready"}
	}
	return p.patchStatus(gvrAuthorinos, a, func(st map[string]any) { setConditions(st, s.now(), ready) })
}

// authorinoVolumes sets the operator-owned volumes and mounts of the pod
// template, leaving every other field (e.g. a user's env) as it is.
func authorinoVolumes(podSpec map[string]any, a *unstructured.Unstructured, tlsOn bool, tlsSecret string) {
	var vols, mounts []any
	if tlsOn && tlsSecret != "" {
		vols = append(vols, map[string]any{"name": authorinoTLSVol, "secret": map[string]any{"secretName": tlsSecret}})
		mounts = append(mounts, map[string]any{"name": authorinoTLSVol, "mountPath": "/etc/ssl/certs/authorino", "readOnly": true})
	}
	for _, raw := range slice(a, "spec", "volumes", "items") {
		item := mapOf(raw)
		var sources []any
		for _, cm := range toSlice(item["configMaps"]) {
			sources = append(sources, map[string]any{"configMap": map[string]any{"name": cm, "items": item["items"]}})
		}
		for _, sec := range toSlice(item["secrets"]) {
			sources = append(sources, map[string]any{"secret": map[string]any{"name": sec, "items": item["items"]}})
		}
		vols = append(vols, map[string]any{"name": item["name"], "projected": map[string]any{"sources": sources}})
		mounts = append(mounts, map[string]any{"name": item["name"], "mountPath": item["mountPath"], "readOnly": true})
	}
	vols = keepEquivalent(toSlice(podSpec["volumes"]), vols, sameVolume)
	if vols == nil {
		delete(podSpec, "volumes")
	} else {
		podSpec["volumes"] = vols
	}
	containers := toSlice(podSpec["containers"])
	for i, raw := range containers {
		c := mapOf(raw)
		if c["name"] != "authorino" {
			continue
		}
		mounts := keepEquivalent(toSlice(c["volumeMounts"]), mounts, func(a, b map[string]any) bool {
			return a["name"] == b["name"] && a["mountPath"] == b["mountPath"] && a["readOnly"] == b["readOnly"]
		})
		if mounts == nil {
			delete(c, "volumeMounts")
		} else {
			c["volumeMounts"] = mounts
		}
		args := []any{"--allow-superseding-host-subsets", "--watch-namespace="}
		if tlsOn {
			args = append(args, "--tls-cert=/etc/ssl/certs/authorino/tls.crt", "--tls-cert-key=/etc/ssl/certs/authorino/tls.key")
		}
		c["args"] = args
		containers[i] = c
	}
	podSpec["containers"] = containers
}

// reconcileLimitador: Deployment limitador-limitador and Ready.
func (s *Sim) reconcileLimitador(p *pass) error {
	if !p.operatorRunning(limitadorPackage) && !p.operatorRunning(rhclPackage) {
		return nil
	}
	ls, err := p.list(gvrLimitadors)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if deleting(l) {
			continue
		}
		labels := map[string]string{"app": "limitador", "limitador-resource": l.GetName()}
		dep, err := s.ensureDeployment(p, deploymentSpec{namespace: l.GetNamespace(), name: "limitador-" + l.GetName(), container: "limitador",
			image: "registry.redhat.io/rhcl-1/limitador-rhel9:1.3.4", labels: labels, owner: l})
		if err != nil {
			return err
		}
		ok := dep != nil && isTrue(dep, "Available")
		if err := p.patchStatus(gvrLimitadors, l, func(st map[string]any) {
			st["service"] = map[string]any{"host": "limitador-" + l.GetName() + "." + l.GetNamespace() + ".svc.cluster.local", "ports": map[string]any{"http": int64(8080), "grpc": int64(8081)}}
			setConditions(st, s.now(), cond{Type: "Ready", Status: boolStatus(ok), Reason: ifElse(ok, "Ready", "DeploymentNotReady"), Message: ifElse(ok, "Limitador is ready", "Limitador Deployment not ready")})
		}); err != nil {
			return err
		}
	}
	return nil
}

// authorinoTLSEnabled reads spec.listener.tls.enabled of the first Authorino
// sorted by name, as odh-model-controller does.
func (p *pass) authorinoTLSEnabled() bool {
	as, err := p.list(gvrAuthorinos)
	if err != nil || len(as) == 0 {
		return false
	}
	sorted := slices.Clone(as)
	slices.SortFunc(sorted, func(a, b *unstructured.Unstructured) int {
		if a.GetName() != b.GetName() {
			if a.GetName() < b.GetName() {
				return -1
			}
			return 1
		}
		if a.GetNamespace() < b.GetNamespace() {
			return -1
		}
		return 1
	})
	return boolean(sorted[0], "spec", "listener", "tls", "enabled")
}

// keepEquivalent returns want, reusing an existing entry wherever it is
// equivalent (the API server defaults fields such as defaultMode; writing
// the bare entry again would loop forever).
func keepEquivalent(existing, want []any, same func(a, b map[string]any) bool) []any {
	if want == nil {
		return nil
	}
	out := make([]any, len(want))
	for i, w := range want {
		out[i] = w
		for _, e := range existing {
			if same(mapOf(e), mapOf(w)) {
				out[i] = e
				break
			}
		}
	}
	return out
}

// sameVolume compares the fields the operator sets.
func sameVolume(a, b map[string]any) bool {
	if a["name"] != b["name"] || fmt.Sprint(mapOf(a["secret"])["secretName"]) != fmt.Sprint(mapOf(b["secret"])["secretName"]) {
		return false
	}
	names := func(v map[string]any) []string {
		var out []string
		for _, src := range toSlice(mapOf(v["projected"])["sources"]) {
			for _, kind := range []string{"configMap", "secret"} {
				if m := mapOf(mapOf(src)[kind]); m != nil {
					out = append(out, kind+"/"+fmt.Sprint(m["name"])+fmt.Sprint(m["items"]))
				}
			}
		}
		return out
	}
	return slices.Equal(names(a), names(b))
}
