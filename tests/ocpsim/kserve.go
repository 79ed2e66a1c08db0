package ocpsim

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// KServe's LLMInferenceService controller (opendatahub-io/kserve@odh-v3.4
// pkg/apis/serving/v1alpha2/).
const (
	llmisvcFinalizer      = "serving.kserve.io/llmisvc-finalizer"
	defaultLLMGateway     = "openshift-ai-inference"
	routeSuffix           = "-kserve-route"
	llmisvcComponentLabel = "app.kubernetes.io/component"
)

// kserveRunning: kserve-controller-manager runs. It lives as long as the
// DSC keeps KServe Managed, whether or not the rhods-operator CSV is still
// there (its pods, not the operator, run the LLMInferenceService controller
// and remove its finalizer: opendatahub-io/kserve@odh-v3.4
// pkg/controller/v1alpha2/llmisvc/controller.go).
func (p *pass) kserveRunning() bool {
	d, err := p.get(gvrDeployments, appsNamespace, kserveControllerDep)
	return err == nil && d != nil && !deleting(d) && isTrue(d, "Available")
}

// reconcileLLMInferenceServices: each service gets its finalizer and its
// HTTPRoute <name>-kserve-route (parents: spec.router.gateway.refs, else
// openshift-ingress/openshift-ai-inference). It is Ready after
// Delays.ModelLoad once its route is accepted by a Programmed gateway and
// every replica fits on a node with allocatable nvidia.com/gpu (C6: GPUs
// are packed across services, oldest first). The controller never reads the
// DataScienceCluster; it runs once the DSC deployed it (C11 is the
// program's order, not a rule here). The finalizer is removed on deletion
// only while kserve-controller-manager runs.
func (s *Sim) reconcileLLMInferenceServices(p *pass) error {
	if !p.kserveRunning() {
		return nil
	}
	svcs, err := p.list(gvrLLMISvcs)
	if err != nil {
		return err
	}
	live := make([]*unstructured.Unstructured, 0, len(svcs))
	var errs []error
	for _, svc := range svcs {
		if deleting(svc) {
			errs = append(errs, p.releaseFinalizer(gvrLLMISvcs, svc, llmisvcFinalizer))
			continue
		}
		live = append(live, svc)
	}
	sort.Slice(live, func(i, j int) bool {
		// Running replicas keep their GPUs: placed services first.
		pi, pj := isTrue(live[i], "MainWorkloadReady"), isTrue(live[j], "MainWorkloadReady")
		if pi != pj {
			return pi
		}
		ti, tj := live[i].GetCreationTimestamp(), live[j].GetCreationTimestamp()
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return key(live[i].GetNamespace(), live[i].GetName()) < key(live[j].GetNamespace(), live[j].GetName())
	})
	placement, err := s.placeGPUs(p, live)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, svc := range live {
		if err := s.reconcileLLMInferenceService(p, svc, placement[string(svc.GetUID())]); err != nil {
			errs = append(errs, fmt.Errorf("LLMInferenceService %s: %w", key(svc.GetNamespace(), svc.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileLLMInferenceService(p *pass, svc *unstructured.Unstructured, gpuProblem string) error {
	if err := p.addFinalizer(gvrLLMISvcs, svc, llmisvcFinalizer); err != nil {
		return err
	}
	if svc, _ = p.get(gvrLLMISvcs, svc.GetNamespace(), svc.GetName()); svc == nil {
		return nil
	}
	ns, name := svc.GetNamespace(), svc.GetName()
	parents := llmisvcGateways(svc)
	if err := s.ensureModelRoute(p, svc, parents); err != nil {
		return err
	}
	route, err := p.get(gvrHTTPRoutes, ns, name+routeSuffix)
	if err != nil {
		return err
	}
	gatewaysReady := cond{Type: "GatewaysReady", Status: "True", Reason: "Ready"}
	routesReady := cond{Type: "HTTPRoutesReady", Status: "True", Reason: "Ready"}
	host := ""
	for _, ref := range parents {
		gw, err := p.get(gvrGateways, ref[0], ref[1])
		if err != nil {
			return err
		}
		switch {
		case gw == nil || !isTrue(gw, "Programmed"):
			gatewaysReady = cond{Type: "GatewaysReady", Status: "False", Reason: "GatewayNotReady", Message: fmt.Sprintf("Gateway %s/%s is not Programmed", ref[0], ref[1])}
		case route == nil || !routeAccepted(route, ref[0], ref[1]):
			routesReady = cond{Type: "HTTPRoutesReady", Status: "False", Reason: "NotAllowedByListeners",
				Message: fmt.Sprintf("HTTPRoute %s/%s is not accepted by Gateway %s/%s: namespace %s is not in its allowedRoutes", ns, name+routeSuffix, ref[0], ref[1], ns)}
		}
		if gw != nil && host == "" {
			for _, l := range slice(gw, "spec", "listeners") {
				if h, _ := mapOf(l)["hostname"].(string); h != "" {
					host = h
				}
			}
		}
	}
	workloads := cond{Type: "MainWorkloadReady", Status: "True", Reason: "Ready"}
	if gpuProblem != "" {
		workloads = cond{Type: "MainWorkloadReady", Status: "False", Reason: "Unschedulable", Message: gpuProblem}
	}
	allOK := true
	for _, c := range []cond{workloads, gatewaysReady, routesReady} {
		allOK = allOK && c.Status == "True"
	}
	timer := "llmisvc/" + string(svc.GetUID())
	if !allOK {
		s.reset(timer)
	} else if !s.elapsed(timer, s.opts.Delays.ModelLoad) {
		workloads = cond{Type: "MainWorkloadReady", Status: "False", Reason: "MinimumReplicasUnavailable", Message: "Deployment does not have minimum availability: loading the model"}
	}
	ready := cond{Type: "Ready", Status: "True", Reason: "Ready"}
	for _, c := range []cond{workloads, gatewaysReady, routesReady} {
		if c.Status != "True" {
			ready = cond{Type: "Ready", Status: "False", Reason: c.Reason, Message: c.Message}
			break
		}
	}
	url := ""
	if host != "" {
		url = "https://" + host + "/" + ns + "/" + name
	}
	return p.patchStatus(gvrLLMISvcs, svc, func(st map[string]any) {
		st["observedGeneration"] = svc.GetGeneration()
		if ready.Status == "True" && url != "" {
			st["url"] = url
			st["addresses"] = []any{map[string]any{"url": url}}
		}
		setConditions(st, s.now(), cond{Type: "PresetsCombined", Status: "True", Reason: "Ready"}, workloads,
			cond{Type: "WorkloadsReady", Status: workloads.Status, Reason: workloads.Reason, Message: workloads.Message},
			cond{Type: "SchedulerWorkloadReady", Status: "True", Reason: "Ready"},
			cond{Type: "RouterReady", Status: boolStatus(gatewaysReady.Status == "True" && routesReady.Status == "True"), Reason: ifElse(gatewaysReady.Status == "True" && routesReady.Status == "True", "Ready", "RouterNotReady")},
			gatewaysReady, routesReady, cond{Type: "InferencePoolReady", Status: "True", Reason: "Ready"}, ready)
	})
}

// llmisvcGateways are the parent gateways (namespace, name) of a service.
func llmisvcGateways(svc *unstructured.Unstructured) [][2]string {
	var out [][2]string
	for _, raw := range slice(svc, "spec", "router", "gateway", "refs") {
		ref := mapOf(raw)
		name, _ := ref["name"].(string)
		ns, _ := ref["namespace"].(string)
		if ns == "" {
			ns = svc.GetNamespace()
		}
		out = append(out, [2]string{ns, name})
	}
	if len(out) == 0 {
		out = [][2]string{{ingressNamespace, defaultLLMGateway}}
	}
	return out
}

// ensureModelRoute keeps the controller-managed HTTPRoute in line with the
// service's gateway refs (re-pointing it when the refs change).
func (s *Sim) ensureModelRoute(p *pass, svc *unstructured.Unstructured, parents [][2]string) error {
	ns, name := svc.GetNamespace(), svc.GetName()+routeSuffix
	var refs []any
	for _, ref := range parents {
		refs = append(refs, map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": ref[0], "name": ref[1]})
	}
	spec := map[string]any{
		"parentRefs": refs,
		"rules": []any{map[string]any{
			"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/" + svc.GetNamespace() + "/" + svc.GetName()}}},
			"backendRefs": []any{map[string]any{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": svc.GetName() + "-inference-pool", "port": int64(8000)}},
		}},
	}
	route, err := p.get(gvrHTTPRoutes, ns, name)
	if err != nil {
		return err
	}
	if route == nil {
		r := newObject(gatewayAPIVersion, "HTTPRoute", ns, name)
		r.SetLabels(map[string]string{"app.kubernetes.io/name": svc.GetName(), llmisvcComponentLabel: "llminferenceservice-router", "app.kubernetes.io/part-of": "llminferenceservice"})
		setOwner(r, svc, true)
		r.Object["spec"] = spec
		_, err := p.create(gvrHTTPRoutes, r)
		return err
	}
	return p.mutate(gvrHTTPRoutes, route, func(o *unstructured.Unstructured) { o.Object["spec"] = spec })
}

// placeGPUs packs the services' replicas on the GPU nodes (oldest service
// first) and returns, per service uid, why it does not fit ("" fits).
func (s *Sim) placeGPUs(p *pass, svcs []*unstructured.Unstructured) (map[string]string, error) {
	nodes, err := p.list(gvrNodes)
	if err != nil {
		return nil, err
	}
	free := map[string]int64{}
	var total int64
	for _, n := range nodes {
		if deleting(n) || !isTrue(n, "Ready") {
			continue
		}
		if g := nodeGPUs(n); g > 0 {
			free[n.GetName()] = g
			total += g
		}
	}
	out := map[string]string{}
	for _, svc := range svcs {
		per := replicaGPUs(svc)
		replicas := num(svc, "spec", "replicas")
		if _, found, _ := unstructured.NestedFieldNoCopy(svc.Object, "spec", "replicas"); !found {
			replicas = 1
		}
		tolerations := slice(svc, "spec", "template", "tolerations")
		trial := map[string]int64{}
		for k, v := range free {
			trial[k] = v
		}
		placed := int64(0)
		for r := int64(0); r < replicas; r++ {
			for _, n := range nodes {
				if trial[n.GetName()] >= per && per > 0 && tolerates(slice(n, "spec", "taints"), tolerations) {
					trial[n.GetName()] -= per
					placed++
					break
				}
			}
		}
		if per == 0 || placed == replicas {
			free = trial
			continue
		}
		out[string(svc.GetUID())] = fmt.Sprintf("0/%d nodes are available for %d of %d replicas: Insufficient %s (%d requested per replica, %d allocatable in the cluster, %d free)",
			len(nodes), replicas-placed, replicas, gpuResource, per, total, sumFree(free))
	}
	return out, nil
}

func sumFree(free map[string]int64) int64 {
	var t int64
	for _, v := range free {
		t += v
	}
	return t
}

// replicaGPUs is the nvidia.com/gpu limit of one replica's containers.
func replicaGPUs(svc *unstructured.Unstructured) int64 {
	var total int64
	for _, raw := range slice(svc, "spec", "template", "containers") {
		limits := mapOf(mapOf(mapOf(raw)["resources"])["limits"])
		v := fmt.Sprint(limits[gpuResource])
		if limits[gpuResource] == nil || strings.TrimSpace(v) == "" {
			continue
		}
		if q, err := resource.ParseQuantity(v); err == nil {
			total += q.Value()
		}
	}
	return total
}
