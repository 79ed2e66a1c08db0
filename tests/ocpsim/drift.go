package ocpsim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// driftRule is one rewrite a real operator or OpenShift controller makes to
// objects it does not own, so a refresh sees fields the program never set.
// Each rule only adds what is missing (never reverts the program).
type driftRule struct {
	name  string
	res   schema.GroupVersionResource
	apply func(s *Sim, p *pass, o *unstructured.Unstructured)
}

// driftRules is the explicit list (turn it off with Options.NoDrift).
// Elsewhere, as part of their behaviour: OLM labels Subscriptions
// operators.coreos.com/<pkg>.<ns>; service-ca annotates Services
// serving-cert-signed-by; the volume binder sets PVC spec.volumeName and
// bind annotations; controllers add their finalizers.
var driftRules = []driftRule{
	{"OpenShift namespace SCC annotations and pod-security labels", gvrNamespaces, namespaceSCC},
	{"OLM OperatorGroup olm.providedAPIs annotation", gvrOperatorGroups, operatorGroupProvidedAPIs},
	{"OLM olm.operatorgroup.uid label on the OperatorGroup's namespace", gvrOperatorGroups, operatorGroupNamespaceLabel},
	{"NVIDIA ClusterPolicy defaulted spec fields", gvrClusterPolicies, clusterPolicyDefaults},
	{"AWS machine provider capacity annotations on MachineSets", gvrMachineSets, machineSetCapacity},
	{"RHOAI DataScienceCluster defaulted kserve.modelsAsService", gvrDSCs, dscDefaults},
}

func (s *Sim) reconcileDrift(p *pass) error {
	var errs []error
	for _, r := range driftRules {
		objs, err := p.list(r.res)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range objs {
			if deleting(o) {
				continue
			}
			before := o.DeepCopy()
			r.apply(s, p, o)
			if jsonEqual(before.Object, o.Object) {
				continue
			}
			if err := p.update(r.res, o); err != nil {
				errs = append(errs, fmt.Errorf("%s on %s: %w", r.name, key(o.GetNamespace(), o.GetName()), err))
			}
		}
	}
	return errors.Join(errs...)
}

func addAnnotations(o *unstructured.Unstructured, kv map[string]string) {
	a := o.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	for k, v := range kv {
		if _, ok := a[k]; !ok {
			a[k] = v
		}
	}
	o.SetAnnotations(a)
}

func addLabels(o *unstructured.Unstructured, kv map[string]string) {
	l := o.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	for k, v := range kv {
		if _, ok := l[k]; !ok {
			l[k] = v
		}
	}
	o.SetLabels(l)
}

// setDefault sets a nested field only when it is absent. Like a real API
// server with a structural CRD schema, a null on the way (e.g. what a
// relinquished server-side-apply patch leaves behind) is pruned first and
// then defaulted, instead of blocking the default.
func setDefault(o *unstructured.Unstructured, value any, path ...string) {
	for i := 1; i <= len(path); i++ {
		v, found, _ := unstructured.NestedFieldNoCopy(o.Object, path[:i]...)
		if !found {
			break
		}
		if v == nil {
			unstructured.RemoveNestedField(o.Object, path[:i]...)
			break
		}
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(o.Object, path...); !found {
		set(o, value, path...)
	}
}

// namespaceSCC: the cluster-policy-controller gives every namespace its
// SCC ranges, the label syncer its pod-security labels.
func namespaceSCC(_ *Sim, _ *pass, ns *unstructured.Unstructured) {
	if str(ns, "status", "phase") == "Terminating" {
		return
	}
	base := 1000000000 + int(suffixNum(ns.GetName())%1000)*10000
	addAnnotations(ns, map[string]string{
		"openshift.io/sa.scc.mcs":                 fmt.Sprintf("s0:c%d,c%d", 20+base%7, 10+base%5),
		"openshift.io/sa.scc.supplemental-groups": strconv.Itoa(base) + "/10000",
		"openshift.io/sa.scc.uid-range":           strconv.Itoa(base) + "/10000",
	})
	if strings.HasPrefix(ns.GetName(), "openshift-") || strings.HasPrefix(ns.GetName(), "kube-") {
		return
	}
	addLabels(ns, map[string]string{
		"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
		"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
	})
}

func suffixNum(s string) uint64 {
	var v uint64
	for _, c := range s {
		v = v*31 + uint64(c)
	}
	return v
}

// operatorGroupProvidedAPIs: OLM lists the APIs of the namespace's
// Succeeded CSVs on their OperatorGroup.
func operatorGroupProvidedAPIs(_ *Sim, p *pass, og *unstructured.Unstructured) {
	csvs, err := p.in(gvrCSVs, og.GetNamespace())
	if err != nil {
		return
	}
	var apis []string
	for _, csv := range csvs {
		if str(csv, "status", "phase") != "Succeeded" {
			continue
		}
		for _, c := range OperatorCRDs[csvPackage(csv)] {
			apis = append(apis, c.Kind+"."+c.Versions[len(c.Versions)-1]+"."+c.Group)
		}
	}
	if len(apis) == 0 {
		return
	}
	slices.Sort(apis)
	a := og.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a["olm.providedAPIs"] = strings.Join(apis, ",")
	og.SetAnnotations(a)
}

// operatorGroupNamespaceLabel: OLM labels the namespace an OperatorGroup
// lives in; the rule runs on the OperatorGroup and updates the Namespace.
func operatorGroupNamespaceLabel(s *Sim, p *pass, og *unstructured.Unstructured) {
	ns, err := p.get(gvrNamespaces, "", og.GetNamespace())
	if err != nil || ns == nil || deleting(ns) {
		return
	}
	label := "olm.operatorgroup.uid/" + string(og.GetUID())
	if _, ok := ns.GetLabels()[label]; ok {
		return
	}
	_ = p.mutate(gvrNamespaces, ns, func(o *unstructured.Unstructured) { addLabels(o, map[string]string{label: ""}) })
}

// clusterPolicyDefaults: fields the ClusterPolicy CRD defaults and the GPU
// operator fills when the user leaves them out.
func clusterPolicyDefaults(_ *Sim, _ *pass, cp *unstructured.Unstructured) {
	setDefault(cp, "nvidia", "spec", "operator", "runtimeClass")
	setDefault(cp, map[string]any{}, "spec", "operator", "initContainer")
	setDefault(cp, false, "spec", "driver", "useNvidiaDriverCRD")
	setDefault(cp, map[string]any{"autoUpgrade": true, "maxParallelUpgrades": int64(1), "maxUnavailable": "25%",
		"drain":       map[string]any{"enable": false, "force": false, "timeoutSeconds": int64(300)},
		"podDeletion": map[string]any{"force": false, "timeoutSeconds": int64(300)}}, "spec", "driver", "upgradePolicy")
	setDefault(cp, map[string]any{"enabled": false}, "spec", "driver", "rdma")
	setDefault(cp, "/usr/local/nvidia", "spec", "toolkit", "installDir")
	setDefault(cp, map[string]any{"enabled": false}, "spec", "psa")
	setDefault(cp, map[string]any{"enabled": false, "defaultWorkload": "container"}, "spec", "sandboxWorkloads")
	setDefault(cp, map[string]any{"enabled": true, "default": false}, "spec", "cdi")
}

// machineSetCapacity: the AWS machine controller annotates MachineSets
// with the instance type's capacity (for the autoscaler).
func machineSetCapacity(s *Sim, _ *pass, ms *unstructured.Unstructured) {
	itype := str(ms, "spec", "template", "spec", "providerSpec", "value", "instanceType")
	if itype == "" {
		return
	}
	vcpu, mem := "4", "16384"
	switch {
	case strings.HasSuffix(itype, ".2xlarge"):
		vcpu, mem = "8", "32768"
	case strings.HasSuffix(itype, ".4xlarge"):
		vcpu, mem = "16", "65536"
	case strings.HasSuffix(itype, ".12xlarge"):
		vcpu, mem = "48", "196608"
	}
	addAnnotations(ms, map[string]string{
		"machine.openshift.io/GPU": strconv.Itoa(s.opts.GPUInstanceTypes[itype]), "machine.openshift.io/vCPU": vcpu,
		"machine.openshift.io/memoryMb": mem, "capacity.cluster-autoscaler.kubernetes.io/labels": "kubernetes.io/arch=amd64",
	})
}

// dscDefaults: the DSC CRD defaults kserve.modelsAsService to Removed.
func dscDefaults(_ *Sim, _ *pass, dsc *unstructured.Unstructured) {
	if _, found, _ := unstructured.NestedMap(dsc.Object, "spec", "components", "kserve"); !found {
		return
	}
	setDefault(dsc, "Removed", "spec", "components", "kserve", "modelsAsService", "managementState")
}
