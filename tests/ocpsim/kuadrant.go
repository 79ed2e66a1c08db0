package ocpsim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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

// Labels of the kuadrant-operator pod (kuadrant-operator@v1.3.1
// config/manager/manager.yaml, the RHCL CSV's Deployment
// kuadrant-operator-controller-manager).
var kuadrantOperatorLabels = map[string]string{"app": "kuadrant", "control-plane": "controller-manager"}

// kuadrantOperatorPod plays the operator's Deployment: one pod, re-created
// when deleted. Its UID stands for one start of the operator.
func (s *Sim) kuadrantOperatorPod(p *pass) (*unstructured.Unstructured, error) {
	pods, err := p.in(gvrPods, kuadrantNamespace)
	if err != nil {
		return nil, err
	}
	for _, pod := range pods {
		if !deleting(pod) && pod.GetLabels()["app"] == "kuadrant" && pod.GetLabels()["control-plane"] == "controller-manager" {
			return pod, nil
		}
	}
	if !p.exists(gvrNamespaces, "", kuadrantNamespace) {
		return nil, nil
	}
	pod := newObject("v1", "Pod", kuadrantNamespace, "kuadrant-operator-controller-manager-"+suffix(s.now().String()))
	pod.SetLabels(kuadrantOperatorLabels)
	pod.Object["spec"] = map[string]any{"containers": []any{map[string]any{"name": "manager", "image": "registry.redhat.io/rhcl-1/rhcl-rhel9-operator:1.3.4"}}}
	return p.create(gvrPods, pod)
}

// gatewayProviderAtStart (C7): kuadrant-operator looks for its dependencies
// once, when it starts (kuadrant-operator@v1.3.1
// internal/controller/state_of_the_world.go): the istio provider is there
// when its CRDs are (internal/istio/utils.go), which OpenShift installs for
// the first GatewayClass of its controller. Without them then, Kuadrant
// stays Ready=False MissingDependency (internal/kuadrant/errors.go) until
// the operator pod restarts.
func (s *Sim) gatewayProviderAtStart(p *pass, pod *unstructured.Unstructured) bool {
	k := "kuadrant-start/" + string(pod.GetUID())
	if v, ok := s.verdicts[k]; ok {
		return v == "true"
	}
	if _, early := s.fault(KuadrantStartedEarly, func(Fault) bool { return true }); early {
		s.faultsMu.Lock()
		delete(s.faults, Fault{Kind: KuadrantStartedEarly}.key()) // this pod only
		s.faultsMu.Unlock()
		s.verdicts[k] = "false"
		s.logf("ocpsim: kuadrant-operator pod %s probed its dependencies too early (fault %s)", pod.GetName(), KuadrantStartedEarly)
		return false
	}
	found := p.missingCRDs(IstioCRDs[:1]) == "" && p.missingCRDs(IstioCRDs[2:]) == ""
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
	if p.operatorCSV(rhclPackage) == nil {
		return nil
	}
	pod, err := s.kuadrantOperatorPod(p)
	if err != nil || pod == nil {
		return err
	}
	provider := s.gatewayProviderAtStart(p, pod)
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
	// enabled unset means on (authorino-operator@v0.22.0
	// controllers/authorino_controller.go: tlsCert.Enabled == nil || *tlsCert.Enabled).
	tlsOn := true
	if v, found, _ := unstructured.NestedBool(a.Object, "spec", "listener", "tls", "enabled"); found {
		tlsOn = v
	}
	tlsSecret := str(a, "spec", "listener", "tls", "certSecretRef", "name")
	if tlsOn {
		if problem, retry := s.authorinoPreflight(p, a, tlsSecret); problem != "" {
			if !retry {
				return nil // no event and the backoff has not elapsed
			}
			return p.patchStatus(gvrAuthorinos, a, func(st map[string]any) {
				setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "TlsSecretNotProvided", Message: problem})
			})
		}
	}
	dep, err := s.ensureDeployment(p, deploymentSpec{
		namespace: ns, name: name, container: "authorino", image: "registry.redhat.io/rhcl-1/authorino-rhel9:1.3.4",
		labels: selector, owner: a,
		mutate: func(podSpec map[string]any) { authorinoVolumes(podSpec, a, tlsOn, tlsSecret) },
	})
	if err != nil {
		return err
	}
	ready := cond{Type: "Ready", Status: "True", Reason: "Provisioned"}
	if dep == nil || !isTrue(dep, "Available") {
		ready = cond{Type: "Ready", Status: "False", Reason: "DeploymentNotReady", Message: "Authorino Deployment resource not ready"}
	}
	return p.patchStatus(gvrAuthorinos, a, func(st map[string]any) { setConditions(st, s.now(), ready) })
}

// authorinoPreflight is installationPreflightCheck: with TLS on, the
// listener Secret must be named and exist, or the reconcile fails (reason
// TlsSecretNotProvided) before the Deployment is touched. The error is
// requeued on controller-runtime's backoff; the controller watches the
// Authorino and its Deployment, no Secret, so a new Secret is seen on the
// next retry or the next edit of the CR. problem is "" when it passes;
// retry says whether this pass is a reconcile at all.
func (s *Sim) authorinoPreflight(p *pass, a *unstructured.Unstructured, secret string) (problem string, retry bool) {
	k := "authorino/" + string(a.GetUID())
	event := fmt.Sprint(a.GetGeneration(), a.GetAnnotations())
	if r, failing := s.retries[k]; failing && s.now().Before(r.next) && s.seen[k] == event {
		return "pending", false
	}
	s.seen[k] = event
	switch {
	case secret == "":
		problem = "listener secret with tls cert not provided"
	case !p.exists(gvrSecrets, a.GetNamespace(), secret):
		problem = fmt.Sprintf("listener secret name %s not found, err: secrets %q not found", secret, secret)
	default:
		delete(s.retries, k)
		return "", true
	}
	r := s.retries[k]
	r.next = s.now().Add(min(5*time.Millisecond<<min(r.n, 20), 1000*time.Second))
	r.n++
	s.retries[k] = r
	return problem, true
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

// authorinoTLSEnabled reads Authorino TLS as odh-model-controller does
// (odh-model-controller@odh-v3.4 pkg/utils/kuadrant.go IsAuthorinoTLSEnabled):
// the Authorinos in the Kuadrant namespace sorted by name, the first one's
// spec.listener.tls.enabled (unset counts as off). No Authorino at all, or a
// failed list, counts as on ("assuming TLS is enabled").
func (p *pass) authorinoTLSEnabled() bool {
	as, err := p.in(gvrAuthorinos, kuadrantNamespace)
	if err != nil || len(as) == 0 {
		return true
	}
	sorted := slices.Clone(as)
	slices.SortFunc(sorted, func(a, b *unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
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
