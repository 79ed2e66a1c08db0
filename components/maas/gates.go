package maas

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Budgets of the operations this layer waits for.
const (
	GatewayTimeout      = 10 * time.Minute
	ModelRefTimeout     = 10 * time.Minute
	PolicyTimeout       = 10 * time.Minute
	DatabaseTimeout     = 10 * time.Minute
	MaaSReadyTimeout    = 15 * time.Minute
	EnvoyFilterTimeout  = 5 * time.Minute
	AuthorinoTimeout    = 10 * time.Minute
	ExistsTimeout       = 10 * time.Minute
	TenantRemoveTimeout = 5 * time.Minute
)

// Resources the MaaS gates read beyond components/internal/kube.
var (
	Services   = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	Authorinos = schema.GroupVersionResource{Group: "operator.authorino.kuadrant.io", Version: "v1beta1", Resource: "authorinos"}
	Tenants    = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "tenants"}
)

// Gate names: the fact each proves.
const (
	ModelsAsServiceReadyGate      = "modelsAsServiceReady"
	EnvoyFilterGeneratedGate      = "envoyFilterGenerated"
	AuthorinoServiceExistsGate    = "authorinoServiceExists"
	AuthorinoExistsGate           = "authorinoExists"
	AuthorinoDeploymentExistsGate = "authorinoDeploymentExists"
	AuthorinoCertIssuedGate       = "authorinoServerCertIssued"
	AuthorinoRolledOutGate        = "authorinoRolledOut"
	TenantNamespaceExistsGate     = "tenantNamespaceExists"
	TenantExistsGate              = "tenantExists"
)

// BlockingReasons are ModelsAsServiceReady=False reasons the operator will not
// leave by itself: opendatahub-operator marks blocking prerequisites
// PrerequisitesMissing (modelsasservice_controller_prerequisites.go); newer
// builds mirror the Tenant's PrerequisitesNotMet.
var BlockingReasons = []string{"PrerequisitesMissing", "PrerequisitesNotMet"}

const layer = "maas"

func modelsAsServiceReadyGate(dsc, appsNS string) readiness.Gate {
	return readiness.Gate{
		Name: ModelsAsServiceReadyGate, Constraint: "C12", Layer: layer,
		Object:  "DataScienceCluster " + dsc,
		Expect:  "condition ModelsAsServiceReady=True",
		Hint:    fmt.Sprintf("check: oc get datasciencecluster %s -o jsonpath='{.status.conditions}'; oc get pods -n %s -l app.kubernetes.io/name=maas-api", dsc, appsNS),
		Timeout: MaaSReadyTimeout,
		Check:   ModelsAsServiceReady(dsc),
	}
}

// ModelsAsServiceReady waits for DSC condition ModelsAsServiceReady=True. A
// False condition with a blocking reason is terminal with the operator's
// message, but only once the operator has observed the current generation
// (status.observedGeneration), so a verdict from before the enable patch is
// never taken for the answer.
func ModelsAsServiceReady(dsc string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		obj, err := kube.Get(ctx, c, kube.DataScienceClusters, "", dsc)
		if err != nil || obj == nil {
			return readiness.NotYet("DataScienceCluster %s not found", dsc), err
		}
		if seen := kube.Int(obj, "status", "observedGeneration"); seen > 0 && seen < obj.GetGeneration() {
			return readiness.NotYet("DataScienceCluster %s: the operator has observed generation %d of %d", dsc, seen, obj.GetGeneration()), nil
		}
		cond, ok := kube.FindCondition(obj, "ModelsAsServiceReady")
		switch {
		case !ok:
			return readiness.NotYet("DataScienceCluster %s has no ModelsAsServiceReady condition yet", dsc), nil
		case cond.Status == "True":
			return readiness.Ready("DataScienceCluster " + dsc + " ModelsAsServiceReady=True"), nil
		case cond.Status == "False" && slices.Contains(BlockingReasons, cond.Reason):
			return readiness.Failed("DataScienceCluster %s ModelsAsServiceReady=False (%s): %s", dsc, cond.Reason, cond.Message), nil
		}
		return readiness.NotYet("DataScienceCluster %s ModelsAsServiceReady=%s (%s): %s", dsc, cond.Status, cond.Reason, cond.Message), nil
	}
}

func envoyFilterGate() readiness.Gate {
	return readiness.Gate{
		Name: EnvoyFilterGeneratedGate, Constraint: "C13", Layer: layer,
		Object:  "EnvoyFilter " + IngressNamespace + "/" + EnvoyFilterName,
		Expect:  "odh-model-controller to generate it for the authorino-tls-bootstrap annotation",
		Hint:    fmt.Sprintf("it reacts to annotation changes only and skips while Authorino TLS is off: check oc logs -n %s deploy/%s, then oc rollout restart deployment/%s -n %s", ApplicationsNamespace, ModelControllerName, ModelControllerName, ApplicationsNamespace),
		Timeout: EnvoyFilterTimeout,
		Check:   readiness.Exists(kube.EnvoyFilters, "EnvoyFilter", IngressNamespace, EnvoyFilterName),
	}
}

// existsGate waits for an object an operator creates, before a Patch targets
// it (a Patch on a missing object would create it).
func existsGate(name, constraint string, gvr schema.GroupVersionResource, kind, ns, obj, hint string) readiness.Gate {
	key := obj
	if ns != "" {
		key = ns + "/" + obj
	}
	return readiness.Gate{
		Name: name, Constraint: constraint, Layer: layer,
		Object:  kind + " " + key,
		Expect:  "the object to exist",
		Hint:    hint,
		Timeout: ExistsTimeout,
		Check:   readiness.Exists(gvr, kind, ns, obj),
	}
}

func authorinoExistsGates() (service, cr, deployment readiness.Gate) {
	hint := "Kuadrant creates Authorino authorino and authorino-operator its Service and Deployment: check oc get kuadrant,authorino -n " + KuadrantNamespace
	return existsGate(AuthorinoServiceExistsGate, "C13", Services, "Service", KuadrantNamespace, AuthorinoServiceName, hint),
		existsGate(AuthorinoExistsGate, "C13", Authorinos, "Authorino", KuadrantNamespace, AuthorinoName, hint),
		existsGate(AuthorinoDeploymentExistsGate, "C13", kube.Deployments, "Deployment", KuadrantNamespace, AuthorinoDeploymentName, hint)
}

func authorinoCertGate() readiness.Gate {
	return readiness.Gate{
		Name: AuthorinoCertIssuedGate, Constraint: "C13", Layer: layer,
		Object:  "Secret " + KuadrantNamespace + "/" + AuthorinoCertSecret,
		Expect:  "service-ca to issue it for the annotated Service " + AuthorinoServiceName,
		Hint:    "check: oc get service " + AuthorinoServiceName + " -n " + KuadrantNamespace + " -o yaml; oc get pods -n openshift-service-ca",
		Timeout: ExistsTimeout,
		Check:   readiness.Exists(kube.Secrets, "Secret", KuadrantNamespace, AuthorinoCertSecret),
	}
}

func authorinoRolledOutGate() readiness.Gate {
	return readiness.Gate{
		Name: AuthorinoRolledOutGate, Constraint: "C13", Layer: layer,
		Object:  "Deployment " + KuadrantNamespace + "/" + AuthorinoDeploymentName,
		Expect:  "a completed rollout of a pod template with the TLS listener, the service CA volume and SSL_CERT_FILE",
		Hint:    "check: oc rollout status deployment/" + AuthorinoDeploymentName + " -n " + KuadrantNamespace + "; oc get authorino " + AuthorinoName + " -n " + KuadrantNamespace + " -o jsonpath='{.status.conditions}'",
		Timeout: AuthorinoTimeout,
		Check:   AuthorinoRolledOut(KuadrantNamespace, AuthorinoDeploymentName),
	}
}

// AuthorinoRolledOut waits until the Deployment's pod template carries what
// the patches asked for (authorino-operator's TLS volume "tls-cert", the
// service CA volume, the CA env) and that template is fully rolled out:
// observedGeneration current, every replica updated and available, no old
// replica left, Available=True. ProgressDeadlineExceeded is terminal.
func AuthorinoRolledOut(ns, name string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		d, err := kube.Get(ctx, c, kube.Deployments, ns, name)
		if err != nil || d == nil {
			return readiness.NotYet("Deployment %s/%s not found", ns, name), err
		}
		if missing := authorinoTemplateMissing(d); len(missing) > 0 {
			return readiness.NotYet("Deployment %s/%s: pod template has no %s yet", ns, name, strings.Join(missing, ", ")), nil
		}
		if seen := kube.Int(d, "status", "observedGeneration"); seen < d.GetGeneration() {
			return readiness.NotYet("Deployment %s/%s: generation %d not observed yet (at %d)", ns, name, d.GetGeneration(), seen), nil
		}
		if cond, ok := kube.FindCondition(d, "Progressing"); ok && cond.Status == "False" && cond.Reason == "ProgressDeadlineExceeded" {
			return readiness.Failed("Deployment %s/%s Progressing=False (%s): %s", ns, name, cond.Reason, cond.Message), nil
		}
		want := int64(1)
		if r, found, _ := unstructured.NestedFieldNoCopy(d.Object, "spec", "replicas"); found && r != nil {
			want = kube.Int(d, "spec", "replicas")
		}
		updated, available, total := kube.Int(d, "status", "updatedReplicas"), kube.Int(d, "status", "availableReplicas"), kube.Int(d, "status", "replicas")
		if updated < want || available < want || total > updated {
			return readiness.NotYet("Deployment %s/%s rolling out: %d of %d updated, %d available, %d in total", ns, name, updated, want, available, total), nil
		}
		if cond, ok := kube.FindCondition(d, "Available"); !ok || cond.Status != "True" {
			return readiness.NotYet("Deployment %s/%s not Available yet", ns, name), nil
		}
		return readiness.Ready(fmt.Sprintf("Deployment %s/%s rolled out with TLS (%d/%d available)", ns, name, available, want)), nil
	}
}

func authorinoTemplateMissing(d *unstructured.Unstructured) []string {
	var missing []string
	vols, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
	for _, want := range []string{"tls-cert", ServiceCAVolume} {
		if !slices.ContainsFunc(vols, func(v any) bool { m, _ := v.(map[string]any); return m["name"] == want }) {
			missing = append(missing, "volume "+want)
		}
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	var env []any
	for _, c := range containers {
		if m, _ := c.(map[string]any); m["name"] == AuthorinoContainer {
			env, _ = m["env"].([]any)
		}
	}
	for _, want := range []string{"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"} {
		if !slices.ContainsFunc(env, func(e any) bool {
			m, _ := e.(map[string]any)
			return m["name"] == want && m["value"] == ServiceCABundle
		}) {
			missing = append(missing, "env "+want)
		}
	}
	return missing
}

func tenantGates() (namespace, tenant readiness.Gate) {
	hint := fmt.Sprintf("maas-controller creates both on start: check oc get deploy/%s -n %s and its logs", MaaSControllerName, ApplicationsNamespace)
	return existsGate(TenantNamespaceExistsGate, "C14", kube.Namespaces, "Namespace", "", TenantNamespace, hint),
		existsGate(TenantExistsGate, "C14", Tenants, "Tenant", TenantNamespace, TenantName, hint)
}
