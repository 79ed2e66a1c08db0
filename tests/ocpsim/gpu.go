package ocpsim

import (
	"errors"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// NFD and the NVIDIA GPU operator (openshift/cluster-nfd-operator@release-4.21
// internal/status/status.go; NVIDIA/gpu-operator@v26.3.3 api/nvidia/v1/clusterpolicy_types.go).
const (
	nfdPackage      = "nfd"
	gpuPackage      = "gpu-operator-certified"
	gpuResource     = "nvidia.com/gpu"
	pciNVIDIALabel  = "feature.node.kubernetes.io/pci-10de.present"
	gpuPresentLabel = "nvidia.com/gpu.present"
	gpuProductLabel = "nvidia.com/gpu.product"
	gpuCountLabel   = "nvidia.com/gpu.count"
	gpuProduct      = "NVIDIA-A10G"
)

// reconcileNFD: each NodeFeatureDiscovery becomes Available after
// Delays.OperandReady, and from then on NFD labels the nodes that have an
// NVIDIA PCI device (the GPU operator selects nodes by that label: C5).
func (s *Sim) reconcileNFD(p *pass) error {
	if !p.operatorRunning(nfdPackage) {
		return nil
	}
	nfds, err := p.list(gvrNFDs)
	if err != nil {
		return err
	}
	available := false
	for _, nfd := range nfds {
		if deleting(nfd) {
			continue
		}
		ready := s.elapsed("nfd/"+string(nfd.GetUID()), s.opts.Delays.OperandReady)
		available = available || ready
		err := p.patchStatus(gvrNFDs, nfd, func(st map[string]any) {
			if ready {
				setConditions(st, s.now(),
					cond{Type: "Available", Status: "True", Reason: "Available", Message: "nfd-master, nfd-worker and nfd-gc are available"},
					cond{Type: "Upgradeable", Status: "True", Reason: "Upgradeable"},
					cond{Type: "Progressing", Status: "False", Reason: "Progressing"},
					cond{Type: "Degraded", Status: "False", Reason: "Degraded"})
				return
			}
			setConditions(st, s.now(), cond{Type: "Available", Status: "False", Reason: "DaemonSetNotAvailable", Message: "nfd-worker DaemonSet is not yet available"},
				cond{Type: "Progressing", Status: "True", Reason: "Progressing", Message: "Deploying nfd-master, nfd-worker and nfd-gc"})
		})
		if err != nil {
			return err
		}
	}
	if !available {
		return nil
	}
	nodes, err := p.list(gvrNodes)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if hardwareGPUs(n) == 0 || n.GetLabels()[pciNVIDIALabel] == "true" || deleting(n) {
			continue
		}
		if err := p.mutate(gvrNodes, n, func(o *unstructured.Unstructured) {
			l := o.GetLabels()
			l[pciNVIDIALabel] = "true"
			l["feature.node.kubernetes.io/cpu-model.vendor_id"] = "Intel"
			l["feature.node.kubernetes.io/kernel-version.major"] = "5"
			o.SetLabels(l)
		}); err != nil {
			return err
		}
	}
	return nil
}

func hardwareGPUs(n *unstructured.Unstructured) int {
	v, _ := strconv.Atoi(n.GetAnnotations()[gpuCountAnnotation])
	return v
}

// reconcileClusterPolicies: the first ClusterPolicy goes ready after
// Delays.OperandReady, even with no GPU node at all (C6: only node
// allocatable proves GPUs); a second one is "ignored".
func (s *Sim) reconcileClusterPolicies(p *pass) error {
	if !p.operatorRunning(gpuPackage) {
		return nil
	}
	cps, err := p.list(gvrClusterPolicies)
	if err != nil {
		return err
	}
	primary := ""
	for _, cp := range cps {
		if !deleting(cp) && (primary == "" || cp.GetName() < primary) {
			primary = cp.GetName()
		}
	}
	for _, cp := range cps {
		if deleting(cp) {
			continue
		}
		state, msg := "ready", ""
		switch {
		case cp.GetName() != primary:
			state, msg = "ignored", "ClusterPolicy "+primary+" already exists"
		case !s.elapsed("clusterpolicy/"+string(cp.GetUID()), s.opts.Delays.OperandReady):
			state, msg = "notReady", "ClusterPolicy is not ready, states not ready: [state-driver state-container-toolkit state-device-plugin]"
		}
		err := p.patchStatus(gvrClusterPolicies, cp, func(st map[string]any) {
			st["state"] = state
			st["namespace"] = "nvidia-gpu-operator"
			if state == "ready" {
				setConditions(st, s.now(), cond{Type: "Ready", Status: "True", Reason: "Reconciled", Message: "ClusterPolicy is ready as all resources have been successfully reconciled"},
					cond{Type: "Error", Status: "False", Reason: "Ready"})
				return
			}
			setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "OperandNotReady", Message: msg},
				cond{Type: "Error", Status: "False", Reason: "OperandNotReady"})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// reconcileGPUNodes plays the driver and device plugin: a Ready node that
// NFD labelled with an NVIDIA device gets allocatable nvidia.com/gpu (and
// the GPU feature labels) Delays.Driver after the ClusterPolicy is ready;
// without a ready ClusterPolicy the device plugin is gone and so are the
// GPUs.
func (s *Sim) reconcileGPUNodes(p *pass) error {
	ready := false
	if p.operatorRunning(gpuPackage) {
		cps, err := p.list(gvrClusterPolicies)
		if err != nil {
			return err
		}
		for _, cp := range cps {
			ready = ready || (!deleting(cp) && str(cp, "status", "state") == "ready")
		}
	}
	nodes, err := p.list(gvrNodes)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range nodes {
		gpus := hardwareGPUs(n)
		if gpus == 0 || deleting(n) {
			continue
		}
		timer := "driver/" + string(n.GetUID())
		want := 0
		if ready && n.GetLabels()[pciNVIDIALabel] == "true" && isTrue(n, "Ready") {
			if s.elapsed(timer, s.opts.Delays.Driver) {
				want = gpus
			}
		} else {
			s.reset(timer)
		}
		if err := s.setNodeGPUs(p, n, want); err != nil {
			errs = append(errs, fmt.Errorf("Node %s: %w", n.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) setNodeGPUs(p *pass, n *unstructured.Unstructured, gpus int) error {
	if gpus > 0 && n.GetLabels()[gpuPresentLabel] != "true" {
		if err := p.mutate(gvrNodes, n, func(o *unstructured.Unstructured) {
			l := o.GetLabels()
			l[gpuPresentLabel] = "true"
			l[gpuProductLabel] = gpuProduct
			l[gpuCountLabel] = strconv.Itoa(gpus)
			l["nvidia.com/gpu.deploy.driver"] = "true"
			l["nvidia.com/gpu.deploy.device-plugin"] = "true"
			o.SetLabels(l)
		}); err != nil {
			return err
		}
		if n, _ = p.get(gvrNodes, "", n.GetName()); n == nil {
			return nil
		}
	}
	have := str(n, "status", "allocatable", gpuResource)
	if (gpus == 0 && have == "") || have == strconv.Itoa(gpus) {
		return nil
	}
	if gpus > 0 {
		s.logf("ocpsim: node %s offers %d %s", n.GetName(), gpus, gpuResource)
	}
	return p.patchStatus(gvrNodes, n, func(st map[string]any) {
		for _, field := range []string{"capacity", "allocatable"} {
			m := mapOf(st[field])
			if m == nil {
				m = map[string]any{}
			}
			if gpus > 0 {
				m[gpuResource] = strconv.Itoa(gpus)
			} else {
				delete(m, gpuResource)
			}
			st[field] = m
		}
	})
}
