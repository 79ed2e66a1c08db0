package ocpsim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// deploymentSpec is an operand Deployment a simulated operator keeps.
type deploymentSpec struct {
	namespace, name, container string
	image                      string
	labels                     map[string]string
	args                       []string
	owner                      *unstructured.Unstructured   // controller owner (garbage-collected with it)
	manages                    bool                         // keep the container args as given
	mutate                     func(podSpec map[string]any) // extra operator-owned pod template fields
}

// ensureDeployment creates an operand Deployment, and keeps the fields the
// operator owns (args, and what mutate sets) without touching the rest (a
// user's env patch survives, as with the real operators).
func (s *Sim) ensureDeployment(p *pass, d deploymentSpec) (*unstructured.Unstructured, error) {
	if !p.exists(gvrNamespaces, "", d.namespace) {
		return nil, nil
	}
	existing, err := p.get(gvrDeployments, d.namespace, d.name)
	if err != nil {
		return nil, err
	}
	image := d.image
	if image == "" {
		image = "registry.redhat.io/ocpsim/" + d.name + ":latest"
	}
	if existing == nil {
		dep := newObject("apps/v1", "Deployment", d.namespace, d.name)
		dep.SetLabels(d.labels)
		if d.owner != nil {
			setOwner(dep, d.owner, true)
		}
		container := map[string]any{"name": d.container, "image": image,
			"resources": map[string]any{"requests": map[string]any{"cpu": "10m", "memory": "64Mi"}}}
		if len(d.args) > 0 {
			container["args"] = toAnySlice(d.args)
		}
		podSpec := map[string]any{"containers": []any{container}}
		if d.mutate != nil {
			d.mutate(podSpec)
		}
		dep.Object["spec"] = map[string]any{
			"replicas": int64(1),
			"selector": map[string]any{"matchLabels": anyMap(d.labels)},
			"template": map[string]any{"metadata": map[string]any{"labels": anyMap(d.labels)}, "spec": podSpec},
		}
		return p.create(gvrDeployments, dep)
	}
	if !d.manages && d.mutate == nil {
		return existing, nil
	}
	err = p.mutate(gvrDeployments, existing, func(o *unstructured.Unstructured) {
		podSpec := mapAt(o, "spec", "template", "spec")
		if d.manages {
			containers := toSlice(podSpec["containers"])
			for i, raw := range containers {
				c := mapOf(raw)
				if c["name"] == d.container {
					if len(d.args) > 0 {
						c["args"] = toAnySlice(d.args)
					} else {
						delete(c, "args")
					}
					containers[i] = c
				}
			}
			podSpec["containers"] = containers
		}
		if d.mutate != nil {
			d.mutate(podSpec)
		}
		set(o, podSpec, "spec", "template", "spec")
	})
	if err != nil {
		return nil, err
	}
	return p.get(gvrDeployments, d.namespace, d.name)
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}

// reconcileDeploymentStatus plays the deployment controller when none runs
// (Standalone): every Deployment rolled out and Available.
func (s *Sim) reconcileDeploymentStatus(p *pass) error {
	if !s.opts.Standalone {
		return nil
	}
	deps, err := p.list(gvrDeployments)
	if err != nil {
		return err
	}
	for _, d := range deps {
		if deleting(d) {
			continue
		}
		replicas := int64(1)
		if _, found, _ := unstructured.NestedFieldNoCopy(d.Object, "spec", "replicas"); found {
			replicas = num(d, "spec", "replicas")
		}
		if !s.elapsed(fmt.Sprintf("deploy/%s/%d", d.GetUID(), d.GetGeneration()), s.opts.Delays.PodReady) {
			continue
		}
		if err := p.patchStatus(gvrDeployments, d, func(st map[string]any) {
			st["observedGeneration"] = d.GetGeneration()
			st["replicas"], st["updatedReplicas"], st["readyReplicas"], st["availableReplicas"] = replicas, replicas, replicas, replicas
			setConditions(st, s.now(),
				cond{Type: "Available", Status: "True", Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."},
				cond{Type: "Progressing", Status: "True", Reason: "NewReplicaSetAvailable", Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", d.GetName()+"-"+suffix(strconv.FormatInt(d.GetGeneration(), 10)))})
		}); err != nil {
			return err
		}
	}
	return nil
}

// reconcilePods plays the scheduler and the kubelet: it binds pending Pods
// to a Ready node (node selector, taints and tolerations respected), then,
// once every Secret, ConfigMap and PersistentVolumeClaim the Pod mounts
// exists (claims Bound), marks it Running and Ready with a pod IP after
// Delays.PodReady, so the controllers make Deployments Available and
// Services get endpoints. Terminating Pods are removed at once (there is
// no container to stop).
func (s *Sim) reconcilePods(p *pass) error {
	pods, err := p.list(gvrPods)
	if err != nil {
		return err
	}
	nodes, err := p.list(gvrNodes)
	if err != nil {
		return err
	}
	load := map[string]int{}
	for _, pod := range pods {
		if n := str(pod, "spec", "nodeName"); n != "" {
			load[n]++
		}
	}
	var errs []error
	for _, pod := range pods {
		if err := s.reconcilePod(p, pod, nodes, load); err != nil {
			errs = append(errs, fmt.Errorf("Pod %s: %w", key(pod.GetNamespace(), pod.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcilePod(p *pass, pod *unstructured.Unstructured, nodes []*unstructured.Unstructured, load map[string]int) error {
	ns := pod.GetNamespace()
	if deleting(pod) {
		zero := int64(0)
		err := p.resource(gvrPods, ns).Delete(p.ctx, pod.GetName(), metav1.DeleteOptions{GracePeriodSeconds: &zero})
		if transient(err) {
			return nil
		}
		return err
	}
	phase := str(pod, "status", "phase")
	if phase == "Succeeded" || phase == "Failed" {
		return nil
	}
	nodeName := str(pod, "spec", "nodeName")
	if nodeName == "" {
		node := s.schedule(pod, nodes, load)
		if node == "" {
			return p.patchStatus(gvrPods, pod, func(st map[string]any) {
				st["phase"] = "Pending"
				setConditions(st, s.now(), cond{Type: "PodScheduled", Status: "False", Reason: "Unschedulable",
					Message: fmt.Sprintf("0/%d nodes are available: no node matches the pod's node selector, tolerations and resources.", len(nodes))})
			})
		}
		binding := newObject("v1", "Binding", ns, pod.GetName())
		binding.Object["target"] = map[string]any{"apiVersion": "v1", "kind": "Node", "name": node}
		_, err := p.resource(gvrPods, ns).Create(p.ctx, binding, metav1.CreateOptions{}, "binding")
		if transient(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("binding to node %s: %w", node, err)
		}
		load[node]++
		return nil // the next pass sees the bound Pod
	}
	if isTrue(pod, "Ready") {
		return nil
	}
	if missing := s.missingVolumes(p, pod); missing != "" {
		s.reset("pod/" + string(pod.GetUID()))
		return p.patchStatus(gvrPods, pod, func(st map[string]any) {
			st["phase"] = "Pending"
			st["hostIP"] = s.nodeIP(nodeName)
			setConditions(st, s.now(), cond{Type: "PodScheduled", Status: "True"},
				cond{Type: "ContainersReady", Status: "False", Reason: "ContainersNotReady", Message: "containers with unready status: waiting for volume " + missing},
				cond{Type: "Ready", Status: "False", Reason: "ContainersNotReady", Message: "containers with unready status: waiting for volume " + missing})
		})
	}
	if !s.elapsed("pod/"+string(pod.GetUID()), s.opts.Delays.PodReady) {
		return nil
	}
	s.ipSeq++
	ip := fmt.Sprintf("10.128.%d.%d", s.ipSeq/250, s.ipSeq%250+2)
	var statuses []any
	for _, raw := range slice(pod, "spec", "containers") {
		c := mapOf(raw)
		statuses = append(statuses, map[string]any{
			"name": c["name"], "image": c["image"], "imageID": c["image"], "ready": true, "started": true, "restartCount": int64(0),
			"containerID": "cri-o://" + suffix(string(pod.GetUID())+fmt.Sprint(c["name"])),
			"state":       map[string]any{"running": map[string]any{"startedAt": s.stamp()}},
		})
	}
	return p.patchStatus(gvrPods, pod, func(st map[string]any) {
		st["phase"] = "Running"
		st["hostIP"] = s.nodeIP(nodeName)
		st["hostIPs"] = []any{map[string]any{"ip": s.nodeIP(nodeName)}}
		st["podIP"] = ip
		st["podIPs"] = []any{map[string]any{"ip": ip}}
		st["startTime"] = s.stamp()
		st["containerStatuses"] = statuses
		setConditions(st, s.now(),
			cond{Type: "PodReadyToStartContainers", Status: "True"}, cond{Type: "Initialized", Status: "True"},
			cond{Type: "Ready", Status: "True"}, cond{Type: "ContainersReady", Status: "True"}, cond{Type: "PodScheduled", Status: "True"})
	})
}

// schedule picks the least loaded Ready node the pod fits on.
func (s *Sim) schedule(pod *unstructured.Unstructured, nodes []*unstructured.Unstructured, load map[string]int) string {
	selector := toStringMap(mapAt(pod, "spec", "nodeSelector"))
	tolerations := slice(pod, "spec", "tolerations")
	gpus := podGPURequest(pod)
	best, bestLoad := "", 0
	for _, n := range nodes {
		if deleting(n) || !isTrue(n, "Ready") || boolean(n, "spec", "unschedulable") || !matchLabels(selector, n.GetLabels()) {
			continue
		}
		if !tolerates(slice(n, "spec", "taints"), tolerations) {
			continue
		}
		if gpus > 0 && nodeGPUs(n) < gpus {
			continue
		}
		if best == "" || load[n.GetName()] < bestLoad || (load[n.GetName()] == bestLoad && n.GetName() < best) {
			best, bestLoad = n.GetName(), load[n.GetName()]
		}
	}
	return best
}

func tolerates(taints, tolerations []any) bool {
	for _, raw := range taints {
		t := mapOf(raw)
		if t["effect"] == "PreferNoSchedule" {
			continue
		}
		ok := slices.ContainsFunc(tolerations, func(raw any) bool {
			tol := mapOf(raw)
			if e, _ := tol["effect"].(string); e != "" && e != t["effect"] {
				return false
			}
			if tol["operator"] == "Exists" {
				k, _ := tol["key"].(string)
				return k == "" || k == t["key"]
			}
			return tol["key"] == t["key"] && fmt.Sprint(tol["value"]) == fmt.Sprint(t["value"])
		})
		if !ok {
			return false
		}
	}
	return true
}

func podGPURequest(pod *unstructured.Unstructured) int64 {
	var total int64
	for _, raw := range slice(pod, "spec", "containers") {
		res := mapOf(mapOf(mapOf(raw)["resources"])["limits"])
		if v, ok := res[gpuResource].(string); ok {
			if q, err := resource.ParseQuantity(v); err == nil {
				total += q.Value()
			}
		}
	}
	return total
}

// nodeGPUs is a node's allocatable nvidia.com/gpu.
func nodeGPUs(n *unstructured.Unstructured) int64 {
	v := str(n, "status", "allocatable", gpuResource)
	if v == "" {
		return 0
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return 0
	}
	return q.Value()
}

// missingVolumes names the first Secret, ConfigMap or claim a Pod mounts
// that is not there (or, for a claim, not Bound yet).
func (s *Sim) missingVolumes(p *pass, pod *unstructured.Unstructured) string {
	ns := pod.GetNamespace()
	for _, raw := range slice(pod, "spec", "volumes") {
		v := mapOf(raw)
		if sec := mapOf(v["secret"]); sec != nil && sec["optional"] != true {
			if name, _ := sec["secretName"].(string); name != "" && !p.exists(gvrSecrets, ns, name) {
				return "secret " + name
			}
		}
		if cm := mapOf(v["configMap"]); cm != nil && cm["optional"] != true {
			if name, _ := cm["name"].(string); name != "" && !p.exists(gvrConfigMaps, ns, name) {
				return "configmap " + name
			}
		}
		for _, src := range toSlice(mapOf(v["projected"])["sources"]) {
			if cm := mapOf(mapOf(src)["configMap"]); cm != nil && cm["optional"] != true {
				if name, _ := cm["name"].(string); name != "" && !p.exists(gvrConfigMaps, ns, name) {
					return "configmap " + name
				}
			}
			if sec := mapOf(mapOf(src)["secret"]); sec != nil && sec["optional"] != true {
				if name, _ := sec["name"].(string); name != "" && !p.exists(gvrSecrets, ns, name) {
					return "secret " + name
				}
			}
		}
		if pvc := mapOf(v["persistentVolumeClaim"]); pvc != nil {
			name, _ := pvc["claimName"].(string)
			claim, err := p.get(gvrPVCs, ns, name)
			if err != nil || claim == nil || str(claim, "status", "phase") != "Bound" {
				return "persistentvolumeclaim " + name
			}
		}
	}
	return ""
}

// Volume finalizers the (absent) PV protection controllers would remove.
const (
	pvcProtection = "kubernetes.io/pvc-protection"
	pvProtection  = "kubernetes.io/pv-protection"
)

// reconcileVolumes plays the CSI provisioner and the PV controller: a
// claim is bound to a new PersistentVolume when its class binds
// Immediately, or (WaitForFirstConsumer) once a scheduled Pod mounts it. A
// deleted claim releases its volume (reclaim policy Delete), and the
// protection finalizers are removed, as the missing controllers would.
func (s *Sim) reconcileVolumes(p *pass) error {
	claims, err := p.list(gvrPVCs)
	if err != nil {
		return err
	}
	pods, err := p.list(gvrPods)
	if err != nil {
		return err
	}
	used := map[string]string{} // ns/claim -> node
	for _, pod := range pods {
		node := str(pod, "spec", "nodeName")
		if node == "" || deleting(pod) {
			continue
		}
		for _, raw := range slice(pod, "spec", "volumes") {
			if name, _ := mapOf(mapOf(raw)["persistentVolumeClaim"])["claimName"].(string); name != "" {
				used[key(pod.GetNamespace(), name)] = node
			}
		}
	}
	var errs []error
	for _, c := range claims {
		if err := s.reconcileClaim(p, c, used[key(c.GetNamespace(), c.GetName())]); err != nil {
			errs = append(errs, fmt.Errorf("PersistentVolumeClaim %s: %w", key(c.GetNamespace(), c.GetName()), err))
		}
	}
	pvs, err := p.list(gvrPVs)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, pv := range pvs {
		claimNS, claimName := str(pv, "spec", "claimRef", "namespace"), str(pv, "spec", "claimRef", "name")
		switch {
		case deleting(pv):
			errs = append(errs, p.releaseFinalizer(gvrPVs, pv, pvProtection))
		case claimName != "" && !p.exists(gvrPVCs, claimNS, claimName) && str(pv, "spec", "persistentVolumeReclaimPolicy") == "Delete":
			errs = append(errs, p.remove(gvrPVs, "", pv.GetName()))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileClaim(p *pass, c *unstructured.Unstructured, node string) error {
	if deleting(c) {
		if v := str(c, "spec", "volumeName"); v != "" {
			if err := p.remove(gvrPVs, "", v); err != nil {
				return err
			}
		}
		return p.releaseFinalizer(gvrPVCs, c, pvcProtection)
	}
	if str(c, "status", "phase") == "Bound" {
		return nil
	}
	class, err := s.storageClassOf(p, c)
	if err != nil || class == nil {
		return err
	}
	if str(class, "volumeBindingMode") == "WaitForFirstConsumer" && node == "" {
		return nil
	}
	pvName := "pvc-" + string(c.GetUID())
	size := str(c, "spec", "resources", "requests", "storage")
	if !p.exists(gvrPVs, "", pvName) {
		pv := newObject("v1", "PersistentVolume", "", pvName)
		pv.SetAnnotations(map[string]string{"pv.kubernetes.io/provisioned-by": str(class, "provisioner")})
		pv.SetFinalizers([]string{pvProtection})
		pv.Object["spec"] = map[string]any{
			"capacity": map[string]any{"storage": size}, "accessModes": slice(c, "spec", "accessModes"),
			"persistentVolumeReclaimPolicy": "Delete", "storageClassName": class.GetName(), "volumeMode": "Filesystem",
			"claimRef": map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": c.GetNamespace(), "name": c.GetName(), "uid": string(c.GetUID())},
			"csi":      map[string]any{"driver": str(class, "provisioner"), "volumeHandle": string(c.GetUID()), "fsType": "xfs"},
		}
		pv.Object["status"] = map[string]any{"phase": "Bound"}
		if _, err := p.create(gvrPVs, pv); err != nil {
			return err
		}
	}
	if err := p.mutate(gvrPVCs, c, func(o *unstructured.Unstructured) {
		set(o, pvName, "spec", "volumeName")
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a["pv.kubernetes.io/bind-completed"] = "yes"
		a["pv.kubernetes.io/bound-by-controller"] = "yes"
		a["volume.kubernetes.io/storage-provisioner"] = str(class, "provisioner")
		a["volume.beta.kubernetes.io/storage-provisioner"] = str(class, "provisioner")
		if node != "" {
			a["volume.kubernetes.io/selected-node"] = node
		}
		o.SetAnnotations(a)
		if !slices.Contains(o.GetFinalizers(), pvcProtection) {
			o.SetFinalizers(append(o.GetFinalizers(), pvcProtection))
		}
	}); err != nil {
		return err
	}
	if c, _ = p.get(gvrPVCs, c.GetNamespace(), c.GetName()); c == nil {
		return nil
	}
	return p.patchStatus(gvrPVCs, c, func(st map[string]any) {
		st["phase"] = "Bound"
		st["accessModes"] = slice(c, "spec", "accessModes")
		st["capacity"] = map[string]any{"storage": size}
	})
}

// storageClassOf is the claim's class, or the default class.
func (s *Sim) storageClassOf(p *pass, c *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	classes, err := p.list(gvrStorageClasses)
	if err != nil {
		return nil, err
	}
	name := str(c, "spec", "storageClassName")
	for _, sc := range classes {
		if (name != "" && sc.GetName() == name) || (name == "" && sc.GetAnnotations()[defaultStorageClass] == "true") {
			return sc, nil
		}
	}
	return nil, nil
}
