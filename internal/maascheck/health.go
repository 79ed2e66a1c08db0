package maascheck

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/rhoai-pulumi/installer/internal/kube"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Level is the state of one readiness gate now.
type Level string

// Levels.
const (
	OK   Level = "OK"
	Wait Level = "WAIT" // not ready yet, may still converge
	Bad  Level = "FAIL" // missing, or a terminal state
)

// Verdict is what a target's evaluation says of one object (or one gate of it).
type Verdict struct {
	Level   Level
	Gate    string // e.g. a condition type when one object has several gates
	State   string
	Message string // the failing condition's message
}

// Finding is one printed line.
type Finding struct {
	Verdict
	Layer, Object string
}

// Evaluator reads one object's readiness; c allows follow-up reads (a
// Subscription's CSV).
type Evaluator func(ctx context.Context, c dynamic.Interface, obj *unstructured.Unstructured) []Verdict

// Target is one row of the health table: which objects of a layer to read and
// how to judge them.
type Target struct {
	Layer     string
	Kind      string
	GVR       schema.GroupVersionResource
	Namespace string // "" with Name "": the whole cluster
	Name      string // "" lists every object (of Namespace)
	Eval      Evaluator
	// Aggregate, when set, judges the whole list in one line (Eval unused).
	Aggregate func(items []unstructured.Unstructured) Verdict
	// Missing explains a missing object (or an empty list).
	Missing string
}

// Resources the health report reads.
var (
	gvrSubscriptions   = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "subscriptions"}
	gvrCSVs            = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "clusterserviceversions"}
	gvrCertificates    = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}
	gvrNodes           = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	gvrClusterPolicies = schema.GroupVersionResource{Group: "nvidia.com", Version: "v1", Resource: "clusterpolicies"}
	gvrDSCs            = schema.GroupVersionResource{Group: "datasciencecluster.opendatahub.io", Version: "v2", Resource: "datascienceclusters"}
	gvrGateways        = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gateways"}
	gvrEnvoyFilters    = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1alpha3", Resource: "envoyfilters"}
	gvrLLMISvcs        = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1alpha2", Resource: "llminferenceservices"}
	gvrMaaSModelRefs   = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "maasmodelrefs"}
	gvrMaaSSubs        = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "maassubscriptions"}
	gvrMaaSAuthPols    = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "maasauthpolicies"}
	gvrTenants         = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "tenants"}
)

// HealthResources maps every resource the report reads to its list kind
// (fake clients in tests register these).
var HealthResources = map[schema.GroupVersionResource]string{
	gvrSubscriptions: "SubscriptionList", gvrCSVs: "ClusterServiceVersionList",
	gvrCertificates: "CertificateList", gvrNodes: "NodeList", gvrClusterPolicies: "ClusterPolicyList",
	gvrDSCs: "DataScienceClusterList", gvrGateways: "GatewayList", gvrEnvoyFilters: "EnvoyFilterList",
	gvrLLMISvcs: "LLMInferenceServiceList", gvrMaaSModelRefs: "MaaSModelRefList",
	gvrMaaSSubs: "MaaSSubscriptionList", gvrMaaSAuthPols: "MaaSAuthPolicyList", gvrTenants: "TenantList",
}

// OperatorNamespaces hold the OLM Subscriptions of the install (phases 1–3;
// docs/decisions.md "Operator subscriptions").
var OperatorNamespaces = []string{
	"cert-manager-operator", "openshift-nfd", "nvidia-gpu-operator", "kuadrant-system",
	"openshift-lws-operator", "openshift-tempo-operator", "openshift-opentelemetry-operator",
	"openshift-cluster-observability-operator", "redhat-ods-operator", "openshift-gitops-operator",
}

const maasNamespace = "models-as-a-service"

// Targets is the health table, in report order. models (from the stack
// outputs) names the LLMInferenceServices and MaaSModelRefs to read; without
// them every one in the cluster is read.
func Targets(models []Model) []Target {
	var t []Target
	for _, ns := range OperatorNamespaces {
		t = append(t, Target{Layer: "operators", Kind: "Subscription", GVR: gvrSubscriptions, Namespace: ns,
			Eval: subscriptionCSV, Missing: "no Subscription: the operator is not installed"})
	}
	t = append(t,
		Target{Layer: "certificates", Kind: "Certificate", GVR: gvrCertificates, Namespace: "openshift-ingress",
			Name: "ocp-ingress", Eval: conditionsTrue("Ready")},
		Target{Layer: "certificates", Kind: "Certificate", GVR: gvrCertificates, Namespace: "openshift-config",
			Name: "ocp-api", Eval: conditionsTrue("Ready")},
		Target{Layer: "gpu", Kind: "Node", GVR: gvrNodes, Aggregate: gpuAllocatable},
		Target{Layer: "gpu", Kind: "ClusterPolicy", GVR: gvrClusterPolicies, Name: "gpu-cluster-policy",
			Eval: clusterPolicyState},
		Target{Layer: "rhoai", Kind: "DataScienceCluster", GVR: gvrDSCs, Name: "default-dsc",
			Eval: conditionsTrue("Ready", "KserveReady", "ModelControllerReady", "ModelsAsServiceReady")},
		Target{Layer: "gateways", Kind: "Gateway", GVR: gvrGateways, Namespace: "openshift-ingress",
			Name: "openshift-ai-inference", Eval: conditionsTrue("Programmed")},
		Target{Layer: "gateways", Kind: "Gateway", GVR: gvrGateways, Namespace: "openshift-ingress",
			Name: "maas-default-gateway", Eval: conditionsTrue("Programmed")},
		Target{Layer: "gateways", Kind: "EnvoyFilter", GVR: gvrEnvoyFilters, Namespace: "openshift-ingress",
			Name: "maas-default-gateway-authn-ssl", Eval: exists,
			Missing: "not found: without it POST /maas-api/v1/api-keys returns 500; odh-model-controller creates it " +
				"when the Gateway annotation security.opendatahub.io/authorino-tls-bootstrap changes (remove and re-add it)"},
	)
	if len(models) == 0 {
		t = append(t, Target{Layer: "models", Kind: "LLMInferenceService", GVR: gvrLLMISvcs,
			Eval: conditionsTrue("Ready"), Missing: "no LLMInferenceService in the cluster"})
	}
	for _, m := range models {
		t = append(t, Target{Layer: "models", Kind: "LLMInferenceService", GVR: gvrLLMISvcs, Namespace: m.Namespace,
			Name: m.Name, Eval: conditionsTrue("Ready")})
	}
	published := 0
	for _, m := range models {
		if m.Published {
			published++
			t = append(t, Target{Layer: "maas", Kind: "MaaSModelRef", GVR: gvrMaaSModelRefs, Namespace: m.Namespace,
				Name: m.Name, Eval: phaseIs("Ready")})
		}
	}
	if published == 0 {
		t = append(t, Target{Layer: "maas", Kind: "MaaSModelRef", GVR: gvrMaaSModelRefs, Eval: phaseIs("Ready"),
			Missing: "no MaaSModelRef: no model is published"})
	}
	t = append(t,
		Target{Layer: "maas", Kind: "MaaSSubscription", GVR: gvrMaaSSubs, Namespace: maasNamespace,
			Eval: phaseIs("Active"), Missing: "no MaaSSubscription in " + maasNamespace},
		Target{Layer: "maas", Kind: "MaaSAuthPolicy", GVR: gvrMaaSAuthPols, Namespace: maasNamespace,
			Eval: phaseIs("Active"), Missing: "no MaaSAuthPolicy in " + maasNamespace},
		Target{Layer: "maas", Kind: "Tenant", GVR: gvrTenants, Namespace: maasNamespace, Name: "default-tenant",
			Eval: conditionsTrue("Ready")},
	)
	return t
}

// HealthReport is the result of Health.
type HealthReport struct {
	Findings       []Finding
	OK, Wait, Fail int
}

// ExitCode is 0 only when every gate is OK.
func (h HealthReport) ExitCode() int {
	if h.Wait+h.Fail > 0 {
		return 1
	}
	return 0
}

// Health reads every target and prints one line per gate:
// `OK|WAIT|FAIL <layer> <object>: <state> — <message>`.
func Health(ctx context.Context, c dynamic.Interface, targets []Target, out io.Writer) HealthReport {
	var rep HealthReport
	for _, t := range targets {
		for _, f := range evaluate(ctx, c, t) {
			rep.Findings = append(rep.Findings, f)
			switch f.Level {
			case OK:
				rep.OK++
			case Wait:
				rep.Wait++
			default:
				rep.Fail++
			}
			fmt.Fprintln(out, f.String())
		}
	}
	fmt.Fprintf(out, "%d ok, %d waiting, %d failed\n", rep.OK, rep.Wait, rep.Fail)
	return rep
}

// String is the printed line.
func (f Finding) String() string {
	obj := f.Object
	if f.Gate != "" {
		obj += " " + f.Gate
	}
	line := fmt.Sprintf("%-4s %s %s: %s", f.Level, f.Layer, obj, f.State)
	if f.Message != "" {
		line += " — " + oneLine(f.Message)
	}
	return line
}

func objectName(kind, ns, name string) string {
	switch {
	case ns == "" && name == "":
		return kind
	case ns == "":
		return kind + " " + name
	case name == "":
		return kind + " " + ns + "/*"
	}
	return kind + " " + ns + "/" + name
}

func evaluate(ctx context.Context, c dynamic.Interface, t Target) []Finding {
	ri := resourceFor(c, t.GVR, t.Namespace)
	one := func(object string, v Verdict) Finding { return Finding{Verdict: v, Layer: t.Layer, Object: object} }
	if t.Name != "" {
		object := objectName(t.Kind, t.Namespace, t.Name)
		obj, err := ri.Get(ctx, t.Name, metav1.GetOptions{})
		if err != nil {
			return []Finding{one(object, readError(err, t.Missing))}
		}
		return judge(ctx, c, t, object, obj)
	}
	list, err := ri.List(ctx, metav1.ListOptions{})
	if err != nil {
		return []Finding{one(objectName(t.Kind, t.Namespace, ""), readError(err, t.Missing))}
	}
	if t.Aggregate != nil {
		return []Finding{one(objectName(t.Kind+"s", t.Namespace, ""), t.Aggregate(list.Items))}
	}
	if len(list.Items) == 0 {
		msg := t.Missing
		if msg == "" {
			msg = "none found"
		}
		return []Finding{one(objectName(t.Kind, t.Namespace, ""), Verdict{Level: Bad, State: "missing", Message: msg})}
	}
	var out []Finding
	for i := range list.Items {
		obj := &list.Items[i]
		out = append(out, judge(ctx, c, t, objectName(t.Kind, obj.GetNamespace(), obj.GetName()), obj)...)
	}
	return out
}

func judge(ctx context.Context, c dynamic.Interface, t Target, object string, obj *unstructured.Unstructured) []Finding {
	var out []Finding
	for _, v := range t.Eval(ctx, c, obj) {
		out = append(out, Finding{Verdict: v, Layer: t.Layer, Object: object})
	}
	return out
}

func resourceFor(c dynamic.Interface, gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" {
		return c.Resource(gvr)
	}
	return c.Resource(gvr).Namespace(ns)
}

func readError(err error, missing string) Verdict {
	switch {
	case apierrors.IsNotFound(err) && strings.Contains(err.Error(), "the server could not find the requested resource"):
		return Verdict{Level: Bad, State: "kind not served", Message: "its CRD is missing: is the operator installed? " + err.Error()}
	case apierrors.IsNotFound(err):
		if missing == "" {
			missing = "not found"
		}
		return Verdict{Level: Bad, State: "missing", Message: missing}
	case apierrors.IsForbidden(err):
		return Verdict{Level: Bad, State: "forbidden", Message: "the kubeconfig user cannot read it: " + err.Error()}
	}
	return Verdict{Level: Bad, State: "unreadable", Message: err.Error()}
}

// terminalReason says whether a False condition's reason reads as a failure
// rather than progress.
func terminalReason(reason string) bool {
	r := strings.ToLower(reason)
	for _, w := range []string{"fail", "error", "invalid", "degraded", "notallowed", "conflict"} {
		if strings.Contains(r, w) {
			return true
		}
	}
	return false
}

// conditionsTrue judges each condition type: True is OK; False is WAIT, or
// FAIL when its reason reads as a failure; absent is WAIT.
func conditionsTrue(types ...string) Evaluator {
	return func(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) []Verdict {
		var out []Verdict
		for _, ct := range types {
			gate := ""
			if len(types) > 1 {
				gate = ct
			}
			c, ok := kube.FindCondition(obj, ct)
			switch {
			case !ok:
				out = append(out, Verdict{Level: Wait, Gate: gate, State: ct + " not reported yet"})
			case c.Status == "True":
				out = append(out, Verdict{Level: OK, Gate: gate, State: ct + "=True"})
			default:
				lvl := Wait
				if c.Status == "False" && terminalReason(c.Reason) {
					lvl = Bad
				}
				state := ct + "=" + c.Status
				if c.Reason != "" {
					state += " (" + c.Reason + ")"
				}
				out = append(out, Verdict{Level: lvl, Gate: gate, State: state, Message: c.Message})
			}
		}
		return out
	}
}

// phaseIs judges .status.phase (MaaS kinds: Pending|Ready|Active|Degraded|
// Unhealthy|Failed|Invalid); the message comes from the Ready condition or
// any False condition.
func phaseIs(want string) Evaluator {
	return func(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) []Verdict {
		phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase")
		v := Verdict{State: "phase " + phase}
		switch phase {
		case want:
			v.Level = OK
			return []Verdict{v}
		case "Failed", "Invalid", "Degraded", "Unhealthy":
			v.Level = Bad
		case "":
			v.Level, v.State = Wait, "no phase yet"
		default:
			v.Level = Wait
		}
		v.Message = failingMessage(obj)
		if msg, _, _ := unstructured.NestedString(obj.Object, "status", "message"); v.Message == "" && msg != "" {
			v.Message = msg
		}
		return []Verdict{v}
	}
}

// failingMessage is the Ready condition's message when it is not True, else
// the message of the first condition (by content, not position) that is False.
func failingMessage(obj *unstructured.Unstructured) string {
	if c, ok := kube.FindCondition(obj, "Ready"); ok && c.Status != "True" && c.Message != "" {
		return c.Message
	}
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, item := range list {
		if m, ok := item.(map[string]any); ok && m["status"] == "False" {
			if msg, _ := m["message"].(string); msg != "" {
				return fmt.Sprintf("%v: %s", m["type"], msg)
			}
		}
	}
	return ""
}

func exists(context.Context, dynamic.Interface, *unstructured.Unstructured) []Verdict {
	return []Verdict{{Level: OK, State: "present"}}
}

// subscriptionCSV follows a Subscription to its installed CSV's phase.
func subscriptionCSV(ctx context.Context, c dynamic.Interface, sub *unstructured.Unstructured) []Verdict {
	if cond, ok := kube.FindCondition(sub, "ResolutionFailed"); ok && cond.Status == "True" {
		return []Verdict{{Level: Bad, State: "ResolutionFailed (" + cond.Reason + ")", Message: cond.Message}}
	}
	csvName, _, _ := unstructured.NestedString(sub.Object, "status", "installedCSV")
	state, _, _ := unstructured.NestedString(sub.Object, "status", "state")
	if csvName == "" {
		current, _, _ := unstructured.NestedString(sub.Object, "status", "currentCSV")
		msg := "no installed CSV yet"
		if current != "" {
			msg += "; currentCSV " + current + " (an InstallPlan may wait for approval)"
		}
		if state == "" {
			state = "no state"
		}
		return []Verdict{{Level: Wait, State: "state " + state, Message: msg}}
	}
	csv, err := c.Resource(gvrCSVs).Namespace(sub.GetNamespace()).Get(ctx, csvName, metav1.GetOptions{})
	if err != nil {
		v := readError(err, "CSV "+csvName+" not found (yet)")
		if apierrors.IsNotFound(err) {
			v.Level = Wait
		}
		return []Verdict{v}
	}
	phase, _, _ := unstructured.NestedString(csv.Object, "status", "phase")
	v := Verdict{State: csvName + " " + phase}
	switch phase {
	case "Succeeded":
		v.Level = OK
	case "Failed":
		v.Level = Bad
	default:
		v.Level = Wait
	}
	if v.Level != OK {
		reason, _, _ := unstructured.NestedString(csv.Object, "status", "reason")
		msg, _, _ := unstructured.NestedString(csv.Object, "status", "message")
		v.Message = strings.TrimSpace(strings.Trim(reason+": "+msg, ": "))
	}
	return []Verdict{v}
}

// clusterPolicyState judges .status.state (ready|notReady|ignored).
func clusterPolicyState(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) []Verdict {
	state, _, _ := unstructured.NestedString(obj.Object, "status", "state")
	v := Verdict{State: "state " + state}
	switch state {
	case "ready":
		v.Level = OK
		return []Verdict{v}
	case "ignored":
		v.Level, v.Message = Bad, "ignored: another ClusterPolicy is active"
	case "":
		v.Level, v.State = Wait, "no state yet"
	default:
		v.Level = Wait
	}
	if v.Message == "" {
		v.Message = failingMessage(obj)
	}
	return []Verdict{v}
}

// gpuAllocatable totals allocatable nvidia.com/gpu over all nodes.
func gpuAllocatable(nodes []unstructured.Unstructured) Verdict {
	total, withGPU := int64(0), 0
	for i := range nodes {
		s, _, _ := unstructured.NestedString(nodes[i].Object, "status", "allocatable", "nvidia.com/gpu")
		if s == "" {
			continue
		}
		q, err := resource.ParseQuantity(s)
		if err != nil || q.Value() <= 0 {
			continue
		}
		total += q.Value()
		withGPU++
	}
	if total == 0 {
		return Verdict{Level: Wait, State: "0 nvidia.com/gpu allocatable",
			Message: fmt.Sprintf("no node of %d reports nvidia.com/gpu: check GPU MachineSets, the NFD label "+
				"feature.node.kubernetes.io/pci-10de.present and the ClusterPolicy", len(nodes))}
	}
	return Verdict{Level: OK, State: fmt.Sprintf("%d nvidia.com/gpu allocatable on %d node(s)", total, withGPU)}
}
