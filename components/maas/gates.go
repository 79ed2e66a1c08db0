package maas

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
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

// Resources the MaaS gates read beyond internal/kube.
var Services = schema.GroupVersionResource{Version: "v1", Resource: "services"}

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
	ModelRefReadyGate             = "maasModelRefReady"
	SubscriptionActiveGate        = "maasSubscriptionActive"
	AuthPolicyActiveGate          = "maasAuthPolicyActive"
)

// ModelsAsServiceCR is the component CR opendatahub-operator reconciles MaaS
// through (opendatahub-operator@v3.4.0
// api/components/v1alpha1/modelsasservice_types.go: cluster-scoped, the name
// fixed by CEL).
const ModelsAsServiceCR = "default-modelsasservice"

// tenantSpecReasons are Tenant Ready=False reasons that only a change of the
// Tenant clears (models-as-a-service@v0.1.1
// maas-controller/pkg/controller/maas/tenant_reconcile.go): an unsupported
// management-state annotation, a half-given gatewayRef, no manifest path.
var tenantSpecReasons = []string{"UnexpectedManagementState", "InvalidGateway", "ManifestPathUnset"}

const layer = "maas"

func modelsAsServiceReadyGate(dsc, appsNS string) readiness.Gate {
	return readiness.Gate{
		Name: ModelsAsServiceReadyGate, Constraint: "C12", Layer: layer,
		Object:  "DataScienceCluster " + dsc,
		Expect:  "condition ModelsAsServiceReady=True",
		Hint:    fmt.Sprintf("check: oc get modelsasservice %s -o jsonpath='{.status.conditions}'; oc get tenant %s -n %s; oc get pods -n %s -l app.kubernetes.io/name=maas-api", ModelsAsServiceCR, TenantName, TenantNamespace, appsNS),
		Timeout: MaaSReadyTimeout,
		Check:   ModelsAsServiceReady(dsc),
	}
}

// ModelsAsServiceReady waits for the DSC's ModelsAsServiceReady=True, a copy
// of the ModelsAsService CR's Ready (opendatahub-operator@v3.4.0
// internal/controller/components/modelsasservice). While it is not True, it
// reports the operator's own words: the CR's Ready (a failing action ends it
// False, reason Error, e.g. "blocking prerequisites missing: database Secret
// 'maas-db-config' not found ...", modelsasservice_controller_prerequisites.go
// and pkg/controller/reconciler/reconciler.go), its
// MaaSPrerequisitesAvailable, DependenciesAvailable and Degraded, and the
// Tenant's phase (a RHOAI 3.4 build mirrors the Tenant instead). None of
// these is final: the operator watches maas-db-config and retries a failing
// reconcile, maas-controller re-polls every non-idle Tenant state. Terminal
// are only states no retry changes: KServe not Managed (KServeDisabled) and
// the Tenant reasons that need a Tenant change. The gate does not look at
// status.observedGeneration, which the reconciler writes only when Ready is
// True (reconciler.go apply, the IsHappy branch): a failing MaaS would leave
// it one generation behind for good.
func ModelsAsServiceReady(dsc string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		obj, err := kube.Get(ctx, c, kube.DataScienceClusters, "", dsc)
		if err != nil || obj == nil {
			return readiness.NotYet("DataScienceCluster %s not found", dsc), err
		}
		cond, ok := kube.FindCondition(obj, "ModelsAsServiceReady")
		switch {
		case ok && cond.Status == "True":
			return readiness.Ready("DataScienceCluster " + dsc + " ModelsAsServiceReady=True"), nil
		case ok && cond.Reason == "KServeDisabled":
			return readiness.Failed("DataScienceCluster %s ModelsAsServiceReady=False (%s): %s", dsc, cond.Reason, cond.Message), nil
		}
		seen := []string{fmt.Sprintf("DataScienceCluster %s has no ModelsAsServiceReady condition yet", dsc)}
		if ok {
			seen = []string{fmt.Sprintf("DataScienceCluster %s ModelsAsServiceReady=%s (%s): %s", dsc, cond.Status, cond.Reason, cond.Message)}
		}
		if cr, err := kube.Get(ctx, c, kube.ModelsAsServices, "", ModelsAsServiceCR); err == nil && cr != nil {
			for _, t := range []string{"MaaSPrerequisitesAvailable", "DependenciesAvailable", "DeploymentsAvailable"} {
				if cc, ok := kube.FindCondition(cr, t); ok && cc.Status == "False" {
					seen = append(seen, fmt.Sprintf("ModelsAsService %s %s=False (%s): %s", ModelsAsServiceCR, t, cc.Reason, cc.Message))
				}
			}
		}
		if t, err := kube.Get(ctx, c, kube.Tenants, TenantNamespace, TenantName); err == nil && t != nil {
			if tc, ok := kube.FindCondition(t, "Ready"); ok && tc.Status != "True" {
				msg := fmt.Sprintf("Tenant %s/%s phase %s, Ready=%s (%s): %s", TenantNamespace, TenantName, kube.String(t, "status", "phase"), tc.Status, tc.Reason, tc.Message)
				if slices.Contains(tenantSpecReasons, tc.Reason) {
					return readiness.Failed("%s", msg), nil
				}
				seen = append(seen, msg)
			}
		}
		return readiness.NotYet("%s", strings.Join(seen, "; ")), nil
	}
}

// phaseGate waits for a MaaS custom resource the program owns to reach
// phase want. maas-controller heals every Failed or Degraded state by itself
// (it watches the HTTPRoutes, MaaSModelRefs and generated policies, and
// retries errors): those keep the gate waiting with the controller's
// message. Only Invalid ("spec is required") and the kinds it does not
// implement need a change (models-as-a-service@v0.1.1
// maas-controller/pkg/controller/maas/maasmodelref_controller.go,
// maassubscription_controller.go, maasauthpolicy_controller.go).
func phaseGate(name, constraint string, gvr schema.GroupVersionResource, kind, ns, obj, want string, timeout time.Duration) readiness.Gate {
	return readiness.Gate{
		Name: name, Constraint: constraint, Layer: layer,
		Object:  kind + " " + ns + "/" + obj,
		Expect:  "phase " + want,
		Hint:    fmt.Sprintf("check: oc get %s %s -n %s -o jsonpath='{.status}'; oc logs -n %s deploy/%s", strings.ToLower(kind), obj, ns, ApplicationsNamespace, MaaSControllerName),
		Timeout: timeout,
		Check: func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
			o, err := kube.Get(ctx, c, gvr, ns, obj)
			if err != nil || o == nil {
				return readiness.NotYet("%s %s/%s not found", kind, ns, obj), err
			}
			phase := kube.String(o, "status", "phase")
			cond, _ := kube.FindCondition(o, "Ready")
			detail := fmt.Sprintf("%s %s/%s phase %q (%s): %s", kind, ns, obj, phase, cond.Reason, cond.Message)
			switch {
			case phase == want:
				return readiness.Ready(fmt.Sprintf("%s %s/%s %s", kind, ns, obj, want)), nil
			case phase == "Invalid", cond.Reason == "Unsupported", strings.HasPrefix(cond.Message, "unknown kind"):
				return readiness.Failed("%s", detail), nil
			}
			return readiness.NotYet("%s", detail), nil
		},
	}
}

func modelRefReadyGate(ns, name string) readiness.Gate {
	return phaseGate(ModelRefReadyGate, "C15", kube.MaaSModelRefs, "MaaSModelRef", ns, name, "Ready", ModelRefTimeout)
}

func envoyFilterGate() readiness.Gate {
	return readiness.Gate{
		Name: EnvoyFilterGeneratedGate, Constraint: "C13", Layer: layer,
		Object:  "EnvoyFilter " + IngressNamespace + "/" + EnvoyFilterName,
		Expect:  "odh-model-controller to generate it for the authorino-tls-bootstrap annotation",
		Hint:    fmt.Sprintf("it reconciles on Gateway events and skips while Authorino TLS is off: check oc logs -n %s deploy/%s, then oc rollout restart deployment/%s -n %s (a restart replays every Gateway)", ApplicationsNamespace, ModelControllerName, ModelControllerName, ApplicationsNamespace),
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
		existsGate(AuthorinoExistsGate, "C13", kube.Authorinos, "Authorino", KuadrantNamespace, AuthorinoName, hint),
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

// ReconcileRequestedAnnotation is set on the Authorino CR to make
// authorino-operator reconcile now instead of on its error backoff.
const ReconcileRequestedAnnotation = "rhoai.opendatahub.io/reconcile-requested-at"

// AuthorinoRolledOut waits until the Deployment's pod template carries what
// the patches asked for (authorino-operator's TLS volume "tls-cert", the
// service CA volume, the CA env) and that template is fully rolled out:
// observedGeneration current, every replica updated and available, no old
// replica left, Available=True. ProgressDeadlineExceeded is terminal.
//
// Until the operator renders the TLS volume, the Authorino CR's Ready says
// why (authorino-operator@v0.22.0 controllers/authorino_controller.go
// installationPreflightCheck): reason TlsSecretNotProvided ("listener secret
// name ... not found") when the serving Secret is absent. Every Ready=False
// reason is an error it retries on controller-runtime's backoff (up to
// 1000 s), and it watches no Secret, so once the Secret exists the check
// annotates the CR, once per run, to have it reconcile at once (an edit of
// the CR does: SetupWithManager For(&Authorino{})).
func AuthorinoRolledOut(ns, name string) readiness.Check {
	var mu sync.Mutex
	var nudged time.Time // once per run
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		d, err := kube.Get(ctx, c, kube.Deployments, ns, name)
		if err != nil || d == nil {
			return readiness.NotYet("Deployment %s/%s not found", ns, name), err
		}
		if missing := authorinoTemplateMissing(d); len(missing) > 0 {
			seen := fmt.Sprintf("Deployment %s/%s: pod template has no %s yet", ns, name, strings.Join(missing, ", "))
			cr, err := kube.Get(ctx, c, kube.Authorinos, ns, AuthorinoName)
			if err != nil || cr == nil {
				return readiness.NotYet("%s", seen), err
			}
			cond, ok := kube.FindCondition(cr, "Ready")
			if !ok || cond.Status == "True" {
				return readiness.NotYet("%s", seen), nil
			}
			seen += fmt.Sprintf("; Authorino %s/%s Ready=False (%s): %s", ns, AuthorinoName, cond.Reason, cond.Message)
			if cond.Reason != "TlsSecretNotProvided" {
				return readiness.NotYet("%s", seen), nil
			}
			mu.Lock()
			defer mu.Unlock()
			if !nudged.IsZero() {
				return readiness.NotYet("%s; Secret %s exists, the Authorino was asked to reconcile at %s", seen, AuthorinoCertSecret, nudged.Format(time.TimeOnly)), nil
			}
			if secret, err := kube.Get(ctx, c, kube.Secrets, ns, AuthorinoCertSecret); err != nil || secret == nil {
				return readiness.NotYet("%s", seen), err
			}
			now := time.Now().UTC()
			patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, ReconcileRequestedAnnotation, now.Format(time.RFC3339))
			if _, err := c.Resource(kube.Authorinos).Namespace(ns).Patch(ctx, AuthorinoName, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				return readiness.NotYet("%s", seen), err
			}
			nudged = now
			return readiness.NotYet("%s; Secret %s exists, the Authorino was asked to reconcile at %s", seen, AuthorinoCertSecret, nudged.Format(time.TimeOnly)), nil
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
	tenant = existsGate(TenantExistsGate, "C14", kube.Tenants, "Tenant", TenantNamespace, TenantName, hint)
	exists := tenant.Check
	// A MaaS without the Tenant API never creates one: say so at once, before
	// the Tenant patch and the publications (see TenantAPIMissing).
	tenant.Check = func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		st, err := exists(ctx, c)
		if err != nil || st.Ready {
			return st, err
		}
		missing, err := TenantAPIMissing(ctx, c)
		if err != nil || missing == "" {
			return st, err
		}
		return readiness.Failed("%s", missing), nil
	}
	return existsGate(TenantNamespaceExistsGate, "C14", kube.Namespaces, "Namespace", "", TenantNamespace, hint), tenant
}
