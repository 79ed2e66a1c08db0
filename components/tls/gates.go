package tls

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Layer names this layer in gate messages.
const Layer = "tls"

// Deployments of the cert-manager operand (openshift/cert-manager-operator
// bindata/cert-manager-deployment), all in OperandNamespace.
const (
	ControllerDeployment = "cert-manager"
	WebhookDeployment    = "cert-manager-webhook"
	CAInjectorDeployment = "cert-manager-cainjector"
	// WebhookConfiguration is the ValidatingWebhookConfiguration whose
	// caBundle the cainjector fills; until then creating an issuer fails
	// with "x509: certificate signed by unknown authority".
	WebhookConfiguration = "cert-manager-webhook"
)

// CRDs the CertManager patch and this layer's CRs need (C1).
var CRDs = []string{
	"certmanagers.operator.openshift.io",
	"clusterissuers.cert-manager.io",
	"certificates.cert-manager.io",
}

// Gate names: the fact each proves.
const (
	CertManagerExistsGate       = "certManagerExists"
	CertManagerAvailableGate    = "certManagerAvailable"
	CertManagerConfiguredGate   = "certManagerConfigured"
	IngressControllerExistsGate = "ingressControllerExists"
	APIServerExistsGate         = "apiServerExists"
	APICertificateServedGate    = "apiCertificateServed"
	CertificateReadyGate        = "certificateReady"
)

// Budgets.
const (
	CertManagerExistsTimeout    = 5 * time.Minute  // the operator creates it right after its CSV
	CertManagerAvailableTimeout = 10 * time.Minute // image pulls of three Deployments
	IssuerTimeout               = 5 * time.Minute  // ACME account registration
	CertificateTimeout          = 15 * time.Minute // DNS-01 propagation + order
	PlatformObjectTimeout       = 2 * time.Minute  // IngressController default, APIServer cluster always exist
	APIServerRolloutTimeout     = 40 * time.Minute // a kube-apiserver revision on three control-plane nodes
)

// Resources the gates read that components/internal/kube does not list.
var (
	CertManagers       = schema.GroupVersionResource{Group: "operator.openshift.io", Version: "v1alpha1", Resource: "certmanagers"}
	IngressControllers = schema.GroupVersionResource{Group: "operator.openshift.io", Version: "v1", Resource: "ingresscontrollers"}
	KubeAPIServers     = schema.GroupVersionResource{Group: "operator.openshift.io", Version: "v1", Resource: "kubeapiservers"}
	APIServers         = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "apiservers"}
	ClusterOperators   = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}
	ValidatingWebhooks = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}
	Certificates       = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}
)

const operandHint = "check: oc get certmanager cluster -o yaml; oc get deploy,pods -n " + OperandNamespace

func certManagerExistsGate() readiness.Gate {
	return readiness.Gate{
		Name: CertManagerExistsGate, Layer: Layer,
		Object:  "CertManager " + CertManagerName,
		Expect:  "the operator to create CertManager cluster (a Patch on a missing object would create it)",
		Hint:    "check: oc get csv -n " + OperatorNamespace,
		Timeout: CertManagerExistsTimeout,
		Check:   readiness.Exists(CertManagers, "CertManager", "", CertManagerName),
	}
}

// certManagerAvailableGate: the three operand Deployments Available and the
// webhook's CA injected, so the API server accepts cert-manager objects (C2).
func certManagerAvailableGate() readiness.Gate {
	return readiness.Gate{
		Name: CertManagerAvailableGate, Constraint: "C2", Layer: Layer,
		Object: "Deployments in " + OperandNamespace,
		Expect: "condition Available=True on Deployments " + strings.Join([]string{ControllerDeployment, WebhookDeployment, CAInjectorDeployment}, ", ") +
			", and a caBundle in ValidatingWebhookConfiguration " + WebhookConfiguration,
		Hint: operandHint,
		Check: readiness.All(
			readiness.DeploymentAvailable(OperandNamespace, ControllerDeployment),
			readiness.DeploymentAvailable(OperandNamespace, WebhookDeployment),
			readiness.DeploymentAvailable(OperandNamespace, CAInjectorDeployment),
			WebhookCAInjected(WebhookConfiguration),
		),
		Timeout: CertManagerAvailableTimeout,
	}
}

// certManagerConfiguredGate: the controller runs with our overrideArgs, so
// the DNS-01 self-check uses the public resolvers from the first order on (C2).
func certManagerConfiguredGate(args []string) readiness.Gate {
	return readiness.Gate{
		Name: CertManagerConfiguredGate, Constraint: "C2", Layer: Layer,
		Object:  "Deployment " + OperandNamespace + "/" + ControllerDeployment,
		Expect:  "the controller rolled out with args " + strings.Join(args, " "),
		Hint:    operandHint,
		Timeout: CertManagerAvailableTimeout,
		Check:   ControllerConfigured(args),
	}
}

func platformObjectGate(name, kind, ns, objName string, gvr schema.GroupVersionResource) readiness.Gate {
	return readiness.Gate{
		Name: name, Layer: Layer,
		Object:  kind + " " + key(ns, objName),
		Expect:  "the platform's " + kind + " to exist (a Patch on a missing object would create it)",
		Hint:    "check: oc get " + strings.ToLower(kind) + " " + objName + nsFlag(ns),
		Timeout: PlatformObjectTimeout,
		Check:   readiness.Exists(gvr, kind, ns, objName),
	}
}

// certificateReadyGate: the Certificate issued (C4), failing at once when
// cert-manager gave up on the request. A pulumi.com/waitFor on the
// Certificate could only time out (15 minutes) on a failed order.
func certificateReadyGate(ns, name string) readiness.Gate {
	return readiness.Gate{
		Name: CertificateReadyGate, Constraint: "C4", Layer: Layer,
		Object:  "Certificate " + ns + "/" + name,
		Expect:  "condition Ready=True (the signed certificate in its Secret)",
		Hint:    "check: oc describe certificate " + name + " -n " + ns + "; oc get certificaterequest,order,challenge -n " + ns + "; once fixed, cmctl renew -n " + ns + " " + name + " (cert-manager otherwise retries only after a backoff of an hour or more)",
		Timeout: CertificateTimeout,
		Check:   CertificateIssued(ns, name),
	}
}

// CertificateIssued is ready on Ready=True. cert-manager reports a failed
// issuance as Issuing=False with reason Failed and the request's message
// ("The certificate request has failed to complete and will be retried:
// ..."), then retries only after a backoff of an hour or more: terminal.
func CertificateIssued(ns, name string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		cert, err := kube.Get(ctx, c, Certificates, ns, name)
		if err != nil || cert == nil {
			return readiness.NotYet("Certificate %s/%s not created yet", ns, name), err
		}
		ready, ok := kube.FindCondition(cert, "Ready")
		if ok && ready.Status == "True" {
			return readiness.Ready("Certificate " + ns + "/" + name + " Ready=True"), nil
		}
		if issuing, ok := kube.FindCondition(cert, "Issuing"); ok && issuing.Status == "False" && issuing.Reason == "Failed" {
			return readiness.Failed("Certificate %s/%s Issuing=False (Failed): %s", ns, name, issuing.Message), nil
		}
		if !ok {
			return readiness.NotYet("Certificate %s/%s has no Ready condition yet", ns, name), nil
		}
		return readiness.NotYet("Certificate %s/%s Ready=%s (%s): %s", ns, name, ready.Status, ready.Reason, ready.Message), nil
	}
}

func apiCertificateServedGate(host string) readiness.Gate {
	return readiness.Gate{
		Name: APICertificateServedGate, Constraint: "C18", Layer: Layer,
		Object:  "ClusterOperator kube-apiserver",
		Expect:  "every control-plane node on a kube-apiserver revision serving the named certificate for " + host + ", and Progressing=False",
		Hint:    "check: oc get co kube-apiserver; oc get kubeapiserver cluster -o jsonpath='{.status.nodeStatuses}'",
		Timeout: APIServerRolloutTimeout,
		Check:   NamedCertificateServed(host),
	}
}

func key(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func nsFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}

// WebhookCAInjected waits until every webhook of a ValidatingWebhookConfiguration
// carries a caBundle (cert-manager's cainjector fills it).
func WebhookCAInjected(name string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		vwc, err := kube.Get(ctx, c, ValidatingWebhooks, "", name)
		if err != nil || vwc == nil {
			return readiness.NotYet("ValidatingWebhookConfiguration %s not created yet", name), err
		}
		hooks, _, _ := unstructured.NestedSlice(vwc.Object, "webhooks")
		if len(hooks) == 0 {
			return readiness.NotYet("ValidatingWebhookConfiguration %s has no webhooks yet", name), nil
		}
		for _, h := range hooks {
			m, _ := h.(map[string]any)
			ca, _, _ := unstructured.NestedString(m, "clientConfig", "caBundle")
			if ca == "" {
				return readiness.NotYet("ValidatingWebhookConfiguration %s: webhook %v has no caBundle yet", name, m["name"]), nil
			}
		}
		return readiness.Ready("ValidatingWebhookConfiguration " + name + " caBundle injected"), nil
	}
}

// ControllerConfigured waits until the cert-manager controller Deployment
// carries every override arg and has rolled out. The operator validates
// overrideArgs against a list of supported flags; a rejected arg shows as a
// *Degraded=True condition on CertManager cluster whose message contains
// "validation failed": terminal, with the operator's message.
func ControllerConfigured(want []string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		degraded := ""
		cm, err := kube.Get(ctx, c, CertManagers, "", CertManagerName)
		if err != nil {
			return readiness.NotYet("reading CertManager %s", CertManagerName), err
		}
		if cm != nil {
			conds, _, _ := unstructured.NestedSlice(cm.Object, "status", "conditions")
			for _, raw := range conds {
				m, _ := raw.(map[string]any)
				t, _ := m["type"].(string)
				s, _ := m["status"].(string)
				msg, _ := m["message"].(string)
				if !strings.HasSuffix(t, "Degraded") || s != "True" {
					continue
				}
				if strings.Contains(msg, "validation failed") {
					return readiness.Failed("CertManager %s %s=True: %s", CertManagerName, t, msg), nil
				}
				degraded = fmt.Sprintf("; CertManager %s %s=True: %s", CertManagerName, t, msg)
			}
		}
		d, err := kube.Get(ctx, c, kube.Deployments, OperandNamespace, ControllerDeployment)
		if err != nil || d == nil {
			return readiness.NotYet("Deployment %s/%s not created yet%s", OperandNamespace, ControllerDeployment, degraded), err
		}
		var args []string
		containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		for _, raw := range containers {
			m, _ := raw.(map[string]any)
			a, _, _ := unstructured.NestedStringSlice(m, "args")
			args = append(args, a...)
		}
		var missing []string
		for _, w := range want {
			if !slices.Contains(args, w) {
				missing = append(missing, w)
			}
		}
		name := OperandNamespace + "/" + ControllerDeployment
		if len(missing) > 0 {
			return readiness.NotYet("Deployment %s lacks args %s (operator has not applied spec.controllerConfig yet)%s", name, strings.Join(missing, " "), degraded), nil
		}
		gen, observed := d.GetGeneration(), kube.Int(d, "status", "observedGeneration")
		replicas := int64(1)
		if _, found, _ := unstructured.NestedFieldNoCopy(d.Object, "spec", "replicas"); found {
			replicas = kube.Int(d, "spec", "replicas")
		}
		updated, total, available := kube.Int(d, "status", "updatedReplicas"), kube.Int(d, "status", "replicas"), kube.Int(d, "status", "availableReplicas")
		if observed < gen || updated < replicas || total > updated || available < replicas {
			return readiness.NotYet("Deployment %s rolling out: generation %d observed %d, %d of %d replicas updated, %d total, %d available%s",
				name, gen, observed, updated, replicas, total, available, degraded), nil
		}
		return readiness.Ready("Deployment " + name + " runs the override args"), nil
	}
}

// NamedCertificateServed waits until the kube-apiserver serves the named
// certificate for host: the operator observed it (KubeAPIServer cluster
// spec.observedConfig.servingInfo.namedCertificates), the latest revision's
// config (ConfigMap openshift-kube-apiserver/config-<N>) carries it, every
// control-plane node runs revision N, and ClusterOperator kube-apiserver is
// Available and not Progressing. Checking the revision closes the race of a
// read made before the operator noticed the APIServer change.
func NamedCertificateServed(host string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		kas, err := kube.Get(ctx, c, KubeAPIServers, "", "cluster")
		if err != nil || kas == nil {
			return readiness.NotYet("KubeAPIServer cluster not found"), err
		}
		observed, _, _ := unstructured.NestedSlice(kas.Object, "spec", "observedConfig", "servingInfo", "namedCertificates")
		if !namesContain(observed, host) {
			return readiness.NotYet("kube-apiserver operator has not observed a named certificate for %s yet", host), nil
		}
		latest := kube.Int(kas, "status", "latestAvailableRevision")
		cmName := "config-" + strconv.FormatInt(latest, 10)
		cm, err := kube.Get(ctx, c, kube.ConfigMaps, "openshift-kube-apiserver", cmName)
		if err != nil || cm == nil {
			return readiness.NotYet("ConfigMap openshift-kube-apiserver/%s not found", cmName), err
		}
		if !configServes(kube.String(cm, "data", "config.yaml"), host) {
			return readiness.NotYet("revision %d does not serve %s yet (a new revision is coming)", latest, host), nil
		}
		var status struct {
			NodeStatuses []struct {
				NodeName        string `json:"nodeName"`
				CurrentRevision int64  `json:"currentRevision"`
			} `json:"nodeStatuses"`
		}
		if raw, ok, _ := unstructured.NestedMap(kas.Object, "status"); ok {
			_ = runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &status)
		}
		if len(status.NodeStatuses) == 0 {
			return readiness.NotYet("KubeAPIServer cluster reports no node status yet"), nil
		}
		for _, n := range status.NodeStatuses {
			if n.CurrentRevision != latest {
				return readiness.NotYet("node %s on kube-apiserver revision %d of %d", n.NodeName, n.CurrentRevision, latest), nil
			}
		}
		co, err := kube.Get(ctx, c, ClusterOperators, "", "kube-apiserver")
		if err != nil || co == nil {
			return readiness.NotYet("ClusterOperator kube-apiserver not found"), err
		}
		for _, want := range []struct{ t, s string }{{"Available", "True"}, {"Progressing", "False"}, {"Degraded", "False"}} {
			cond, ok := kube.FindCondition(co, want.t)
			if !ok || cond.Status != want.s {
				return readiness.NotYet("ClusterOperator kube-apiserver %s=%s (%s): %s", want.t, cond.Status, cond.Reason, cond.Message), nil
			}
		}
		return readiness.Ready(fmt.Sprintf("kube-apiserver revision %d serves %s on every node", latest, host)), nil
	}
}

func namesContain(certs []any, host string) bool {
	for _, raw := range certs {
		m, _ := raw.(map[string]any)
		names, _, _ := unstructured.NestedStringSlice(m, "names")
		if slices.Contains(names, host) {
			return true
		}
	}
	return false
}

// configServes reads a revision's config.yaml (KubeAPIServerConfig, JSON).
func configServes(raw, host string) bool {
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(raw), &cfg); err != nil {
		return false
	}
	certs, _, _ := unstructured.NestedSlice(cfg, "servingInfo", "namedCertificates")
	return namesContain(certs, host)
}
