package ocpsim

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Machine API names (openshift/api@release-4.21 machine/v1beta1).
const (
	machineFinalizer  = "machine.machine.openshift.io"
	machineSetLabel   = "machine.openshift.io/cluster-api-machineset"
	clusterLabel      = "machine.openshift.io/cluster-api-cluster"
	machineRoleLabel  = "machine.openshift.io/cluster-api-machine-role"
	machineTypeLabel  = "machine.openshift.io/cluster-api-machine-type"
	gpuWorkerRole     = "node-role.kubernetes.io/gpu-worker"
	workerRole        = "node-role.kubernetes.io/worker"
	machineAnnotation = "machine.openshift.io/machine"
	awsProviderAPI    = "awsproviderconfig.openshift.io/v1beta1"
	workerInstance    = "m6i.xlarge"
)

// bootstrapNodes creates the control plane and the workers: on bare metal
// plain Nodes (GPU nodes carry their GPU count, allocatable only once NFD
// and the GPU operator have done their part); on AWS one worker MachineSet
// per zone with its Machine Running and its Node.
func (s *Sim) bootstrapNodes(p *pass) error {
	for i := range 3 {
		n := s.newNode(fmt.Sprintf("master-%d", i), map[string]string{
			"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "",
		}, []any{map[string]any{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}}, 0)
		if _, err := p.create(gvrNodes, n); err != nil {
			return err
		}
	}
	if s.opts.Platform == AWS {
		for _, zone := range s.opts.Zones {
			if err := s.bootstrapWorkerMachineSet(p, zone); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range s.opts.WorkerNodes {
		if _, err := p.create(gvrNodes, s.newNode(fmt.Sprintf("worker-%d", i), map[string]string{workerRole: ""}, nil, 0)); err != nil {
			return err
		}
	}
	for i := range s.opts.GPUNodes {
		n := s.newNode(fmt.Sprintf("gpu-worker-%d", i), map[string]string{workerRole: "", "node.kubernetes.io/instance-type": "baremetal-a10g"}, nil, s.opts.GPUsPerNode)
		if _, err := p.create(gvrNodes, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) bootstrapWorkerMachineSet(p *pass, zone string) error {
	name := s.opts.InfraID + "-worker-" + zone
	labels := map[string]string{clusterLabel: s.opts.InfraID, machineRoleLabel: "worker", machineTypeLabel: "worker", machineSetLabel: name}
	ms := newObject("machine.openshift.io/v1beta1", "MachineSet", machineAPINamespace, name)
	ms.SetLabels(map[string]string{clusterLabel: s.opts.InfraID})
	ms.Object["spec"] = map[string]any{
		"replicas": int64(1),
		"selector": map[string]any{"matchLabels": map[string]any{clusterLabel: s.opts.InfraID, machineSetLabel: name}},
		"template": map[string]any{
			"metadata": map[string]any{"labels": anyMap(labels)},
			"spec": map[string]any{
				"metadata": map[string]any{},
				"providerSpec": map[string]any{"value": map[string]any{
					"apiVersion": awsProviderAPI, "kind": "AWSMachineProviderConfig",
					"ami":                map[string]any{"id": s.opts.AMI},
					"instanceType":       workerInstance,
					"placement":          map[string]any{"availabilityZone": zone, "region": s.opts.Region},
					"blockDevices":       []any{map[string]any{"ebs": map[string]any{"volumeSize": int64(120), "volumeType": "gp3", "encrypted": true}}},
					"credentialsSecret":  map[string]any{"name": "aws-cloud-credentials"},
					"iamInstanceProfile": map[string]any{"id": s.opts.InfraID + "-worker-profile"},
					"securityGroups": []any{
						map[string]any{"filters": []any{map[string]any{"name": "tag:Name", "values": []any{s.opts.InfraID + "-node"}}}},
						map[string]any{"filters": []any{map[string]any{"name": "tag:Name", "values": []any{s.opts.InfraID + "-lb"}}}},
					},
					"subnet":         map[string]any{"filters": []any{map[string]any{"name": "tag:Name", "values": []any{s.opts.InfraID + "-subnet-private-" + zone}}}},
					"tags":           []any{map[string]any{"name": "kubernetes.io/cluster/" + s.opts.InfraID, "value": "owned"}},
					"userDataSecret": map[string]any{"name": "worker-user-data"},
				}},
			},
		},
	}
	created, err := p.create(gvrMachineSets, ms)
	if err != nil || created == nil {
		return err // nil: exists already (Bootstrap ran before)
	}
	m := s.newMachine(created, 0)
	m.Object["status"] = map[string]any{"phase": "Provisioning"}
	mc, err := p.create(gvrMachines, m)
	if err != nil || mc == nil {
		return err
	}
	return s.machineRunning(p, mc)
}

// newNode builds a Ready Node. gpus is the GPU hardware it has.
func (s *Sim) newNode(name string, labels map[string]string, taints []any, gpus int) *unstructured.Unstructured {
	n := newObject("v1", "Node", "", name)
	l := map[string]string{
		"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64", "node.openshift.io/os_id": "rhcos",
	}
	for k, v := range labels {
		l[k] = v
	}
	n.SetLabels(l)
	if gpus > 0 {
		n.SetAnnotations(map[string]string{gpuCountAnnotation: strconv.Itoa(gpus)})
	}
	spec := map[string]any{}
	if len(taints) > 0 {
		spec["taints"] = taints
	}
	n.Object["spec"] = spec
	resources := map[string]any{"cpu": "16", "memory": "64Gi", "pods": "250", "ephemeral-storage": "120Gi"}
	n.Object["status"] = map[string]any{
		"capacity": resources, "allocatable": resources,
		"conditions": []any{
			map[string]any{"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
			map[string]any{"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
			map[string]any{"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
			map[string]any{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastTransitionTime": s.stamp(), "lastHeartbeatTime": s.stamp()},
		},
		"addresses": []any{map[string]any{"type": "InternalIP", "address": s.nodeIP(name)}, map[string]any{"type": "Hostname", "address": name}},
		"nodeInfo": map[string]any{
			"kubeletVersion": "v1.34.4", "kubeProxyVersion": "", "containerRuntimeVersion": "cri-o://1.34.2-2.rhaos4.21",
			"osImage": "Red Hat Enterprise Linux CoreOS 9.6.20260201-0 (Plow)", "kernelVersion": "5.14.0-570.60.1.el9_6.x86_64",
			"operatingSystem": "linux", "architecture": "amd64", "machineID": suffix(name), "systemUUID": suffix(name + "u"), "bootID": suffix(name + "b"),
		},
	}
	return n
}

func (s *Sim) nodeIP(name string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	v := h.Sum32()
	return fmt.Sprintf("10.0.%d.%d", v%250+1, (v>>8)%250+2)
}

// newMachine stamps a Machine out of a MachineSet's template.
func (s *Sim) newMachine(ms *unstructured.Unstructured, index int) *unstructured.Unstructured {
	m := newObject("machine.openshift.io/v1beta1", "Machine", ms.GetNamespace(), ms.GetName()+"-"+suffix(string(ms.GetUID())+"/"+strconv.Itoa(index)))
	m.SetLabels(toStringMap(mapAt(ms, "spec", "template", "metadata", "labels")))
	m.SetAnnotations(map[string]string{"machine.openshift.io/instance-state": "pending"})
	m.SetFinalizers([]string{machineFinalizer})
	setOwner(m, ms, true)
	spec, _, _ := unstructured.NestedMap(ms.Object, "spec", "template", "spec")
	if spec == nil {
		spec = map[string]any{}
	}
	m.Object["spec"] = spec
	return m
}

// machineGPUs is the GPU count of a Machine's instance type.
func (s *Sim) machineGPUs(m *unstructured.Unstructured) int {
	return s.opts.GPUInstanceTypes[str(m, "spec", "providerSpec", "value", "instanceType")]
}

func isGPUMachine(m *unstructured.Unstructured, gpus int) bool {
	if m.GetLabels()[machineRoleLabel] == "gpu-worker" || gpus > 0 {
		return true
	}
	_, ok := toStringMap(mapAt(m, "spec", "metadata", "labels"))[gpuWorkerRole]
	return ok
}

// machineRunning joins a Machine's Node and marks the Machine Running.
func (s *Sim) machineRunning(p *pass, m *unstructured.Unstructured) error {
	zone := str(m, "spec", "providerSpec", "value", "placement", "availabilityZone")
	region := str(m, "spec", "providerSpec", "value", "placement", "region")
	itype := str(m, "spec", "providerSpec", "value", "instanceType")
	h := fnv.New32a()
	_, _ = h.Write([]byte(m.GetUID()))
	v := h.Sum32()
	nodeName := fmt.Sprintf("ip-10-0-%d-%d.%s.compute.internal", v%250+1, (v>>8)%250+2, region)
	labels := toStringMap(mapAt(m, "spec", "metadata", "labels"))
	labels[workerRole] = ""
	labels["node.kubernetes.io/instance-type"] = itype
	labels["topology.kubernetes.io/zone"] = zone
	labels["topology.kubernetes.io/region"] = region
	labels["failure-domain.beta.kubernetes.io/zone"] = zone
	node, err := p.get(gvrNodes, "", nodeName)
	if err != nil {
		return err
	}
	instanceID := "i-0" + suffix(string(m.GetUID())) + suffix(string(m.GetUID())+"i")
	if node == nil {
		n := s.newNode(nodeName, labels, slice(m, "spec", "taints"), s.machineGPUs(m))
		a := n.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[machineAnnotation] = key(m.GetNamespace(), m.GetName())
		n.SetAnnotations(a)
		set(n, fmt.Sprintf("aws:///%s/%s", zone, instanceID), "spec", "providerID")
		if node, err = p.create(gvrNodes, n); err != nil || node == nil {
			return err
		}
	}
	return p.patchStatus(gvrMachines, m, func(st map[string]any) {
		st["phase"] = "Running"
		st["nodeRef"] = map[string]any{"kind": "Node", "name": nodeName, "uid": string(node.GetUID())}
		st["addresses"] = []any{map[string]any{"type": "InternalIP", "address": s.nodeIP(nodeName)}, map[string]any{"type": "InternalDNS", "address": nodeName}}
		st["providerStatus"] = map[string]any{"apiVersion": awsProviderAPI, "kind": "AWSMachineProviderStatus",
			"instanceId": instanceID, "instanceState": "running",
			"conditions": []any{map[string]any{"type": "MachineCreation", "status": "True", "reason": "MachineCreationSucceeded",
				"message": "Machine successfully created", "lastTransitionTime": s.stamp()}}}
		delete(st, "errorReason")
		delete(st, "errorMessage")
		st["lastUpdated"] = s.stamp()
	})
}

// reconcileMachineSets keeps each MachineSet at spec.replicas Machines and
// reports its replica counts.
func (s *Sim) reconcileMachineSets(p *pass) error {
	sets, err := p.list(gvrMachineSets)
	if err != nil {
		return err
	}
	machines, err := p.list(gvrMachines)
	if err != nil {
		return err
	}
	var errs []error
	for _, ms := range sets {
		if err := s.reconcileMachineSet(p, ms, machines); err != nil {
			errs = append(errs, fmt.Errorf("MachineSet %s: %w", key(ms.GetNamespace(), ms.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileMachineSet(p *pass, ms *unstructured.Unstructured, machines []*unstructured.Unstructured) error {
	var owned []*unstructured.Unstructured
	for _, m := range machines {
		for _, ref := range m.GetOwnerReferences() {
			if ref.UID == ms.GetUID() && !deleting(m) {
				owned = append(owned, m)
			}
		}
	}
	if deleting(ms) {
		if !s.opts.Standalone {
			return nil // the garbage collector deletes the Machines
		}
		for _, m := range owned {
			if err := p.remove(gvrMachines, m.GetNamespace(), m.GetName()); err != nil {
				return err
			}
		}
		return nil
	}
	replicas := int(1)
	if _, found, _ := unstructured.NestedFieldNoCopy(ms.Object, "spec", "replicas"); found {
		replicas = int(num(ms, "spec", "replicas"))
	}
	names := map[string]bool{}
	for _, m := range owned {
		names[m.GetName()] = true
	}
	for i := 0; len(owned) < replicas; i++ {
		m := s.newMachine(ms, i)
		if names[m.GetName()] {
			continue
		}
		m.Object["status"] = map[string]any{"phase": "Provisioning"}
		created, err := p.create(gvrMachines, m)
		if err != nil {
			return err
		}
		if created == nil {
			names[m.GetName()] = true // e.g. a deleted one still going away
			continue
		}
		owned = append(owned, created)
		names[created.GetName()] = true
		s.logf("ocpsim: MachineSet %s created Machine %s", ms.GetName(), created.GetName())
	}
	for len(owned) > replicas {
		last := owned[len(owned)-1]
		if err := p.remove(gvrMachines, last.GetNamespace(), last.GetName()); err != nil {
			return err
		}
		owned = owned[:len(owned)-1]
	}
	ready := 0
	for _, m := range owned {
		if str(m, "status", "phase") == "Running" && str(m, "status", "nodeRef", "name") != "" {
			ready++
		}
	}
	return p.patchStatus(gvrMachineSets, ms, func(st map[string]any) {
		st["replicas"] = int64(len(owned))
		st["fullyLabeledReplicas"] = int64(len(owned))
		st["readyReplicas"] = int64(ready)
		st["availableReplicas"] = int64(ready)
		st["observedGeneration"] = ms.GetGeneration()
	})
}

// reconcileMachines plays the AWS machine controller: Provisioning, then
// (after Delays.MachineProvision) Running with a Node; capacity faults as
// the provider reports them; on deletion the Node goes, then the finalizer.
func (s *Sim) reconcileMachines(p *pass) error {
	machines, err := p.list(gvrMachines)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range machines {
		if err := s.reconcileMachine(p, m); err != nil {
			errs = append(errs, fmt.Errorf("Machine %s: %w", key(m.GetNamespace(), m.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileMachine(p *pass, m *unstructured.Unstructured) error {
	if deleting(m) {
		if node := str(m, "status", "nodeRef", "name"); node != "" {
			if err := p.remove(gvrNodes, "", node); err != nil {
				return err
			}
		}
		if err := p.patchStatus(gvrMachines, m, func(st map[string]any) { st["phase"] = "Deleting" }); err != nil {
			return err
		}
		if m, _ = p.get(gvrMachines, m.GetNamespace(), m.GetName()); m == nil {
			return nil
		}
		return p.releaseFinalizer(gvrMachines, m, machineFinalizer)
	}
	phase := str(m, "status", "phase")
	if phase == "Failed" || (phase == "Running" && str(m, "status", "nodeRef", "name") != "") {
		return nil // the machine API never retries a Failed Machine
	}
	if !slices.Contains(m.GetFinalizers(), machineFinalizer) {
		if err := p.addFinalizer(gvrMachines, m, machineFinalizer); err != nil {
			return err
		}
		if m, _ = p.get(gvrMachines, m.GetNamespace(), m.GetName()); m == nil {
			return nil
		}
	}
	timer := "machine/" + string(m.GetUID())
	gpus := s.machineGPUs(m)
	if f, ok := s.capacityFault(m.GetLabels()[machineSetLabel], isGPUMachine(m, gpus)); ok {
		s.reset(timer)
		itype := str(m, "spec", "providerSpec", "value", "instanceType")
		zone := str(m, "spec", "providerSpec", "value", "placement", "availabilityZone")
		msg := fmt.Sprintf("error launching instance: %s (instance type %s, zone %s)", f.Message, itype, zone)
		return p.patchStatus(gvrMachines, m, func(st map[string]any) {
			st["phase"] = "Provisioning"
			st["providerStatus"] = map[string]any{"apiVersion": awsProviderAPI, "kind": "AWSMachineProviderStatus",
				"conditions": []any{map[string]any{"type": "MachineCreation", "status": "False", "reason": "MachineCreationFailed",
					"message": msg, "lastTransitionTime": s.stamp()}}}
			if f.Terminal {
				st["phase"] = "Failed"
				st["errorReason"] = "InsufficientResources"
				st["errorMessage"] = msg
			}
		})
	}
	if !s.elapsed(timer, s.opts.Delays.MachineProvision) {
		return p.patchStatus(gvrMachines, m, func(st map[string]any) {
			st["phase"] = "Provisioning"
			st["providerStatus"] = map[string]any{"apiVersion": awsProviderAPI, "kind": "AWSMachineProviderStatus", "instanceState": "pending"}
		})
	}
	s.logf("ocpsim: Machine %s Running", m.GetName())
	return s.machineRunning(p, m)
}
