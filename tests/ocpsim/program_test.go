package ocpsim

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/observability"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/rhoai"
	"github.com/rhoai-pulumi/installer/components/tls"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// TestProgramSignals walks the program's phases in graph order on both
// platforms and checks every signal it waits for (its Go gates and its
// pulumi.com/waitFor expressions) against the simulator.
func TestProgramSignals(t *testing.T) {
	for _, platform := range []Platform{BareMetal, AWS} {
		t.Run(string(platform), func(t *testing.T) {
			programSignals(t, newFixture(t, func(o *Options) { o.Platform = platform }), platform)
		})
	}
}

func programSignals(t *testing.T, f *fixture, platform Platform) {
	gate := func(what string, chk readiness.Check) {
		t.Helper()
		f.eventually(what, func() (bool, string) { st := f.check(chk); return st.Ready, st.Message })
	}
	waitFor := func(g schema.GroupVersionResource, ns, name, expr string) {
		t.Helper()
		f.eventually(g.Resource+" "+key(ns, name)+" "+expr, func() (bool, string) {
			o := f.get(g, ns, name)
			return waitForHolds(o, expr), fmt.Sprint(o)
		})
	}

	// AWS: GPU capacity first, so EC2 boots while operators install.
	if platform == AWS {
		for _, z := range []string{"us-east-2a", "us-east-2b"} {
			f.create(gvrMachineSets, gpuMachineSet(z, 2))
			waitFor(gvrMachineSets, "openshift-machine-api", "ocp-x7k2p-gpu-worker-"+z, "jsonpath={.status.readyReplicas}=2")
		}
	}

	// Phase 1: cert-manager, DNS-01 credentials, issuers, certificates, router switch.
	f.create(gvrNamespaces, namespace("cert-manager"))
	f.install(opCertManager)
	gate("certManagerExists", readiness.Exists(gvrCertManagers, "CertManager", "", tls.CertManagerName))
	f.edit(gvrCertManagers, "", "cluster", func(o *unstructured.Unstructured) {
		set(o, toAnySlice(overrideArgs), "spec", "controllerConfig", "overrideArgs")
	})
	gate("certManagerAvailable", readiness.All(readiness.DeploymentAvailable("cert-manager", "cert-manager"),
		readiness.DeploymentAvailable("cert-manager", "cert-manager-webhook"), readiness.DeploymentAvailable("cert-manager", "cert-manager-cainjector"),
		tls.WebhookCAInjected(tls.WebhookConfiguration)))
	gate("certManagerConfigured", tls.ControllerConfigured(overrideArgs))
	if platform == AWS {
		f.create(gvrCredRequests, obj("cloudcredential.openshift.io/v1", "CredentialsRequest", ccoNamespace, "cert-manager", map[string]any{
			"providerSpec": map[string]any{"apiVersion": "cloudcredential.openshift.io/v1", "kind": "AWSProviderSpec"},
			"secretRef":    map[string]any{"name": "aws-creds", "namespace": "cert-manager"}}))
		waitFor(gvrCredRequests, ccoNamespace, "cert-manager", "jsonpath={.status.provisioned}=true")
	} else {
		f.create(gvrSecrets, obj("v1", "Secret", "cert-manager", "aws-creds", nil))
	}
	f.create(gvrClusterIssuers, clusterIssuer("letsencrypt", "aws-creds"))
	waitFor(gvrClusterIssuers, "", "letsencrypt", "condition=Ready")
	f.create(gvrCertificates, certificate("openshift-ingress", "ocp-ingress", "ingress-certs", "letsencrypt"))
	waitFor(gvrCertificates, "openshift-ingress", "ocp-ingress", "condition=Ready")
	gate("ingressControllerExists", readiness.Exists(gvrIngressCtrls, "IngressController", "openshift-ingress-operator", "default"))
	f.mergePatch(gvrIngressCtrls, "openshift-ingress-operator", "default", map[string]any{"spec": map[string]any{"defaultCertificate": map[string]any{"name": "ingress-certs"}}})

	// Phase 2: NFD, NVIDIA, GPUs allocatable (C5, C6).
	f.install(opNFD)
	f.create(gvrNFDs, nfdInstance())
	waitFor(gvrNFDs, "openshift-nfd", "nfd-instance", "condition=Available")
	f.install(opGPU)
	f.create(gvrClusterPolicies, clusterPolicy())
	waitFor(gvrClusterPolicies, "", "gpu-cluster-policy", "jsonpath={.status.state}=ready")
	gate("gpuAllocatable", readiness.NodesAllocatable("nvidia.com/gpu", 4))

	// Phase 3/4: GatewayClasses, RHCL, Kuadrant, LWS, Tempo/OTel/COO, UIPlugins, RHOAI.
	for _, gc := range []string{"openshift-ai-inference-class", "openshift-default"} {
		f.create(gvrGatewayClasses, gatewayClass(gc))
		waitFor(gvrGatewayClasses, "", gc, "condition=Accepted")
	}
	f.install(opRHCL)
	gate("authpolicies CRD", readiness.CRDEstablished("authpolicies.kuadrant.io"))
	f.create(gvrKuadrants, kuadrantCR())
	waitFor(gvrKuadrants, "kuadrant-system", "kuadrant", "condition=Ready")
	f.install(opLWS)
	f.create(gvrLWSOperators, obj("operator.openshift.io/v1", "LeaderWorkerSetOperator", "", "cluster", map[string]any{"managementState": "Managed"}))
	gate("lwsReady", readiness.All(readiness.CRDEstablished(lwsCRD), readiness.DeploymentAvailable("openshift-lws-operator", "lws-controller-manager")))
	f.install(opTempo)
	f.install(opOTel)
	f.install(opCOO)
	f.create(gvrUIPlugins, obj("observability.openshift.io/v1alpha1", "UIPlugin", "", "dashboards", map[string]any{"type": "Dashboards"}))
	f.create(gvrUIPlugins, obj("observability.openshift.io/v1alpha1", "UIPlugin", "", "monitoring", map[string]any{"type": "Monitoring", "monitoring": map[string]any{"perses": map[string]any{"enabled": true}}}))
	waitFor(gvrUIPlugins, "", "dashboards", "condition=Available")
	gate("persesReady", readiness.All(readiness.ConditionTrue(observability.UIPlugins, "UIPlugin", "", "monitoring", "Available"), readiness.CRDEstablished(observability.PersesDashboardCRD)))
	f.install(opRHOAI)
	gate("dsciExists", readiness.Exists(gvrDSCIs, "DSCInitialization", "", rhoai.DSCIName))
	gate("applicationsNamespaceExists", readiness.Exists(gvrNamespaces, "Namespace", "", rhoai.ApplicationsNamespace))
	f.create(gvrDSCs, dsc())
	waitFor(gvrDSCs, "", "default-dsc", "condition=Ready")
	gate("dscReady", dscReadyGate())
	gate("dashboardConfigExists", readiness.Exists(rhoai.OdhDashboardConfigs, "OdhDashboardConfig", rhoai.ApplicationsNamespace, rhoai.DashboardConfigName))

	// Phases 5/6: gateways, database, MaaS, Authorino TLS, bootstrap, models, publication.
	f.create(gvrGateways, maasGateway(false))
	waitFor(gvrGateways, "openshift-ingress", "maas-default-gateway", "condition=Programmed")
	f.create(gvrGateways, servingGateway())
	waitFor(gvrGateways, "openshift-ingress", "openshift-ai-inference", "condition=Programmed")
	maasPrerequisites(t, f, false, true)
	svc, cr, dep := authorinoGates()
	gate("authorino objects", readiness.All(svc, cr, dep))
	f.edit(gvrServices, "kuadrant-system", maas.AuthorinoServiceName, func(o *unstructured.Unstructured) {
		o.SetAnnotations(map[string]string{maas.ServingCertAnnotation: maas.AuthorinoCertSecret})
	})
	gate("authorinoServerCertIssued", readiness.Exists(gvrSecrets, "Secret", "kuadrant-system", maas.AuthorinoCertSecret))
	f.edit(gvrAuthorinos, "kuadrant-system", "authorino", func(o *unstructured.Unstructured) {
		set(o, map[string]any{"tls": map[string]any{"enabled": true, "certSecretRef": map[string]any{"name": maas.AuthorinoCertSecret}}}, "spec", "listener")
		set(o, map[string]any{"items": []any{map[string]any{"name": maas.ServiceCAVolume, "mountPath": maas.ServiceCAMountPath, "configMaps": []any{maas.ServiceCAConfigMap}}}}, "spec", "volumes")
	})
	f.settle()
	f.edit(gvrDeployments, "kuadrant-system", "authorino", func(o *unstructured.Unstructured) {
		cs := slice(o, "spec", "template", "spec", "containers")
		c := mapOf(cs[0])
		c["env"] = []any{map[string]any{"name": "SSL_CERT_FILE", "value": maas.ServiceCABundle}, map[string]any{"name": "REQUESTS_CA_BUNDLE", "value": maas.ServiceCABundle}}
		cs[0] = c
		set(o, cs, "spec", "template", "spec", "containers")
	})
	gate("authorinoRolledOut", maas.AuthorinoRolledOut("kuadrant-system", "authorino"))
	enableMaaS(f, "Managed")
	gate("modelsAsServiceReady", maas.ModelsAsServiceReady("default-dsc"))
	setBootstrap(f, "true")
	gate("envoyFilterGenerated", readiness.Exists(gvrEnvoyFilters, "EnvoyFilter", maas.IngressNamespace, maas.EnvoyFilterName))
	gate("tenantNamespaceExists", readiness.Exists(gvrNamespaces, "Namespace", "", maas.TenantNamespace))
	gate("tenantExists", readiness.Exists(kube.Tenants, "Tenant", maas.TenantNamespace, maas.TenantName))
	f.create(gvrNamespaces, namespace("llm-d-demo"))
	f.create(gvrLLMISvcs, llmisvc("qwen3-8b", 2, "1", true))
	waitFor(gvrLLMISvcs, "llm-d-demo", "qwen3-8b", "condition=Ready")
	f.create(gvrModelRefs, modelRef("qwen3-8b"))
	waitFor(gvrModelRefs, "llm-d-demo", "qwen3-8b", "jsonpath={.status.phase}=Ready")
	f.create(gvrMaaSSubs, subscription("default-subscription", "qwen3-8b"))
	f.create(gvrMaaSAuthPolicies, authPolicy("default-auth-policy", "qwen3-8b"))
	waitFor(gvrMaaSSubs, "models-as-a-service", "default-subscription", "jsonpath={.status.phase}=Active")
	waitFor(gvrMaaSAuthPolicies, "models-as-a-service", "default-auth-policy", "jsonpath={.status.phase}=Active")

	// C18: the API certificate switch, last.
	f.create(gvrCertificates, certificate("openshift-config", "ocp-api", "api-certs", "letsencrypt"))
	waitFor(gvrCertificates, "openshift-config", "ocp-api", "condition=Ready")
	f.mergePatch(gvrAPIServers, "", "cluster", map[string]any{"spec": map[string]any{"servingCerts": map[string]any{
		"namedCertificates": []any{map[string]any{"names": []any{"api.ocp.example.com"}, "servingCertificate": map[string]any{"name": "api-certs"}}}}}})
	gate("apiCertificateServed", tls.NamedCertificateServed("api.ocp.example.com"))
}
