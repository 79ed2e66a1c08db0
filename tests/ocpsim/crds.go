package ocpsim

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// CRD is one CustomResourceDefinition the simulator registers: exact
// group, kind, plural and scope as upstream, every served version (the
// last one is the storage version), and a status subresource where the
// upstream CRD has one. Schemas are minimal (preserve unknown fields).
type CRD struct {
	Group    string
	Kind     string
	Plural   string
	Versions []string // served; the last is the storage version
	Cluster  bool     // cluster-scoped
	Status   bool     // status subresource
}

// Name is <plural>.<group>.
func (c CRD) Name() string { return c.Plural + "." + c.Group }

// GVR is the resource at its storage version.
func (c CRD) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: c.Group, Version: c.Versions[len(c.Versions)-1], Resource: c.Plural}
}

func crd(group, kind, plural string, cluster, status bool, versions ...string) CRD {
	return CRD{Group: group, Kind: kind, Plural: plural, Versions: versions, Cluster: cluster, Status: status}
}

const (
	namespaced  = false
	clusterWide = true
	withStatus  = true
	noStatus    = false
)

// PlatformCRDs exist on OpenShift from the start (PackageManifest is an
// aggregated API there; a CRD here; Route is served by openshift-apiserver).
var PlatformCRDs = []CRD{
	crd("config.openshift.io", "ClusterVersion", "clusterversions", clusterWide, withStatus, "v1"),
	crd("config.openshift.io", "Infrastructure", "infrastructures", clusterWide, withStatus, "v1"),
	crd("config.openshift.io", "DNS", "dnses", clusterWide, withStatus, "v1"),
	crd("config.openshift.io", "Ingress", "ingresses", clusterWide, withStatus, "v1"),
	crd("config.openshift.io", "APIServer", "apiservers", clusterWide, withStatus, "v1"),
	crd("config.openshift.io", "ClusterOperator", "clusteroperators", clusterWide, withStatus, "v1"),
	crd("operator.openshift.io", "IngressController", "ingresscontrollers", namespaced, withStatus, "v1"),
	crd("operator.openshift.io", "KubeAPIServer", "kubeapiservers", clusterWide, withStatus, "v1"),
	crd("machine.openshift.io", "MachineSet", "machinesets", namespaced, withStatus, "v1beta1"),
	crd("machine.openshift.io", "Machine", "machines", namespaced, withStatus, "v1beta1"),
	crd("route.openshift.io", "Route", "routes", namespaced, withStatus, "v1"),
	crd("gateway.networking.k8s.io", "GatewayClass", "gatewayclasses", clusterWide, withStatus, "v1beta1", "v1"),
	crd("gateway.networking.k8s.io", "Gateway", "gateways", namespaced, withStatus, "v1beta1", "v1"),
	crd("gateway.networking.k8s.io", "HTTPRoute", "httproutes", namespaced, withStatus, "v1beta1", "v1"),
	crd("gateway.networking.k8s.io", "ReferenceGrant", "referencegrants", namespaced, noStatus, "v1beta1"),
	crd("operators.coreos.com", "Subscription", "subscriptions", namespaced, withStatus, "v1alpha1"),
	crd("operators.coreos.com", "ClusterServiceVersion", "clusterserviceversions", namespaced, withStatus, "v1alpha1"),
	crd("operators.coreos.com", "InstallPlan", "installplans", namespaced, withStatus, "v1alpha1"),
	crd("operators.coreos.com", "OperatorGroup", "operatorgroups", namespaced, withStatus, "v1alpha2", "v1"),
	crd("operators.coreos.com", "CatalogSource", "catalogsources", namespaced, withStatus, "v1alpha1"),
	crd("packages.operators.coreos.com", "PackageManifest", "packagemanifests", namespaced, noStatus, "v1"),
	crd("cloudcredential.openshift.io", "CredentialsRequest", "credentialsrequests", namespaced, withStatus, "v1"),
}

// IstioCRDs arrive with OpenShift Service Mesh 3, which the ingress operator
// installs for the first GatewayClass of controller
// openshift.io/gateway-controller/v1 (OpenShift 4.19+ Gateway API). They are
// what kuadrant-operator takes for its "istio" Gateway API provider
// (kuadrant-operator@v1.3.1 internal/istio/utils.go).
var IstioCRDs = []CRD{
	crd("networking.istio.io", "EnvoyFilter", "envoyfilters", namespaced, withStatus, "v1alpha3"),
	crd("networking.istio.io", "DestinationRule", "destinationrules", namespaced, withStatus, "v1alpha3", "v1beta1", "v1"),
	crd("extensions.istio.io", "WasmPlugin", "wasmplugins", namespaced, withStatus, "v1alpha1"),
	crd("security.istio.io", "PeerAuthentication", "peerauthentications", namespaced, withStatus, "v1beta1", "v1"),
}

// OperatorCRDs are registered when the package's CSV is Succeeded (C1):
// what the program's olm OperatorArgs.CRDs list, plus the kinds the
// program or its operands create.
var OperatorCRDs = map[string][]CRD{
	"openshift-gitops-operator": {
		crd("argoproj.io", "ArgoCD", "argocds", namespaced, withStatus, "v1alpha1", "v1beta1"),
		crd("argoproj.io", "Application", "applications", namespaced, withStatus, "v1alpha1"),
		crd("argoproj.io", "AppProject", "appprojects", namespaced, withStatus, "v1alpha1"),
		crd("argoproj.io", "ApplicationSet", "applicationsets", namespaced, withStatus, "v1alpha1"),
	},
	"openshift-cert-manager-operator": {
		crd("operator.openshift.io", "CertManager", "certmanagers", clusterWide, withStatus, "v1alpha1"),
		crd("cert-manager.io", "Certificate", "certificates", namespaced, withStatus, "v1"),
		crd("cert-manager.io", "CertificateRequest", "certificaterequests", namespaced, withStatus, "v1"),
		crd("cert-manager.io", "Issuer", "issuers", namespaced, withStatus, "v1"),
		crd("cert-manager.io", "ClusterIssuer", "clusterissuers", clusterWide, withStatus, "v1"),
		crd("acme.cert-manager.io", "Order", "orders", namespaced, withStatus, "v1"),
		crd("acme.cert-manager.io", "Challenge", "challenges", namespaced, withStatus, "v1"),
	},
	"nfd": {
		crd("nfd.openshift.io", "NodeFeatureDiscovery", "nodefeaturediscoveries", namespaced, withStatus, "v1"),
		crd("nfd.openshift.io", "NodeFeatureRule", "nodefeaturerules", clusterWide, noStatus, "v1alpha1"),
		crd("nfd.k8s-sigs.io", "NodeFeature", "nodefeatures", namespaced, noStatus, "v1alpha1"),
	},
	"gpu-operator-certified": {
		crd("nvidia.com", "ClusterPolicy", "clusterpolicies", clusterWide, withStatus, "v1"),
		crd("nvidia.com", "NVIDIADriver", "nvidiadrivers", clusterWide, withStatus, "v1alpha1"),
	},
	"rhcl-operator": {
		crd("kuadrant.io", "Kuadrant", "kuadrants", namespaced, withStatus, "v1beta1"),
		crd("kuadrant.io", "AuthPolicy", "authpolicies", namespaced, withStatus, "v1"),
		crd("kuadrant.io", "RateLimitPolicy", "ratelimitpolicies", namespaced, withStatus, "v1"),
		crd("kuadrant.io", "DNSPolicy", "dnspolicies", namespaced, withStatus, "v1"),
		crd("kuadrant.io", "TLSPolicy", "tlspolicies", namespaced, withStatus, "v1"),
		crd("kuadrant.io", "TokenRateLimitPolicy", "tokenratelimitpolicies", namespaced, withStatus, "v1alpha1"),
		crd("extensions.kuadrant.io", "TelemetryPolicy", "telemetrypolicies", namespaced, withStatus, "v1alpha1"),
	},
	"authorino-operator": {
		crd("operator.authorino.kuadrant.io", "Authorino", "authorinos", namespaced, withStatus, "v1beta1"),
		crd("authorino.kuadrant.io", "AuthConfig", "authconfigs", namespaced, withStatus, "v1beta2", "v1beta3"),
	},
	"limitador-operator": {
		crd("limitador.kuadrant.io", "Limitador", "limitadors", namespaced, withStatus, "v1alpha1"),
	},
	"dns-operator": {
		crd("kuadrant.io", "DNSRecord", "dnsrecords", namespaced, withStatus, "v1alpha1"),
	},
	"leader-worker-set": {
		crd("operator.openshift.io", "LeaderWorkerSetOperator", "leaderworkersetoperators", clusterWide, withStatus, "v1"),
	},
	"tempo-product": {
		crd("tempo.grafana.com", "TempoStack", "tempostacks", namespaced, withStatus, "v1alpha1"),
		crd("tempo.grafana.com", "TempoMonolithic", "tempomonolithics", namespaced, withStatus, "v1alpha1"),
	},
	"opentelemetry-product": {
		crd("opentelemetry.io", "OpenTelemetryCollector", "opentelemetrycollectors", namespaced, withStatus, "v1alpha1", "v1beta1"),
		crd("opentelemetry.io", "Instrumentation", "instrumentations", namespaced, noStatus, "v1alpha1"),
		crd("opentelemetry.io", "OpAMPBridge", "opampbridges", namespaced, withStatus, "v1alpha1"),
	},
	"cluster-observability-operator": {
		crd("monitoring.rhobs", "MonitoringStack", "monitoringstacks", namespaced, withStatus, "v1alpha1"),
		crd("monitoring.rhobs", "ThanosQuerier", "thanosqueriers", namespaced, withStatus, "v1alpha1"),
		crd("monitoring.rhobs", "ServiceMonitor", "servicemonitors", namespaced, noStatus, "v1"),
		crd("monitoring.rhobs", "PrometheusRule", "prometheusrules", namespaced, noStatus, "v1"),
		crd("observability.openshift.io", "UIPlugin", "uiplugins", clusterWide, withStatus, "v1alpha1"),
		// The perses.dev CRDs ship in the COO bundle
		// (rhobs/observability-operator bundle/manifests/perses.dev_*.yaml).
		crd("perses.dev", "PersesDashboard", "persesdashboards", namespaced, withStatus, "v1alpha1", "v1alpha2"),
		crd("perses.dev", "PersesDatasource", "persesdatasources", namespaced, withStatus, "v1alpha1", "v1alpha2"),
		crd("perses.dev", "Perses", "perses", namespaced, withStatus, "v1alpha1"),
	},
	"grafana-operator": {
		crd("grafana.integreatly.org", "Grafana", "grafanas", namespaced, withStatus, "v1beta1"),
		crd("grafana.integreatly.org", "GrafanaDashboard", "grafanadashboards", namespaced, withStatus, "v1beta1"),
		crd("grafana.integreatly.org", "GrafanaDatasource", "grafanadatasources", namespaced, withStatus, "v1beta1"),
	},
	"rhods-operator": {
		crd("datasciencecluster.opendatahub.io", "DataScienceCluster", "datascienceclusters", clusterWide, withStatus, "v1", "v2"),
		crd("dscinitialization.opendatahub.io", "DSCInitialization", "dscinitializations", clusterWide, withStatus, "v1", "v2"),
		crd("infrastructure.opendatahub.io", "HardwareProfile", "hardwareprofiles", namespaced, withStatus, "v1alpha1", "v1"),
		crd("components.platform.opendatahub.io", "Dashboard", "dashboards", clusterWide, withStatus, "v1alpha1"),
		crd("components.platform.opendatahub.io", "Kserve", "kserves", clusterWide, withStatus, "v1alpha1"),
		crd("components.platform.opendatahub.io", "ModelsAsService", "modelsasservices", clusterWide, withStatus, "v1alpha1"),
		crd("services.platform.opendatahub.io", "Monitoring", "monitorings", clusterWide, withStatus, "v1alpha1"),
		crd("services.platform.opendatahub.io", "Auth", "auths", clusterWide, withStatus, "v1alpha1"),
	},
}

// OperandCRDs are registered by operands, not OLM: the LeaderWorkerSet
// operand, the DSC components, and MaaS once enabled.
var (
	LWSCRDs       = []CRD{crd("leaderworkerset.x-k8s.io", "LeaderWorkerSet", "leaderworkersets", namespaced, withStatus, "v1")}
	KServeCRDs    = []CRD{crd("serving.kserve.io", "LLMInferenceService", "llminferenceservices", namespaced, withStatus, "v1alpha1", "v1alpha2"), crd("serving.kserve.io", "LLMInferenceServiceConfig", "llminferenceserviceconfigs", namespaced, noStatus, "v1alpha1", "v1alpha2"), crd("serving.kserve.io", "InferenceService", "inferenceservices", namespaced, withStatus, "v1beta1"), crd("serving.kserve.io", "ServingRuntime", "servingruntimes", namespaced, withStatus, "v1alpha1")}
	DashboardCRDs = []CRD{crd("opendatahub.io", "OdhDashboardConfig", "odhdashboardconfigs", namespaced, noStatus, "v1alpha")}
	MaaSCRDs      = []CRD{crd("maas.opendatahub.io", "Tenant", "tenants", namespaced, withStatus, "v1alpha1"), crd("maas.opendatahub.io", "MaaSModelRef", "maasmodelrefs", namespaced, withStatus, "v1alpha1"), crd("maas.opendatahub.io", "MaaSSubscription", "maassubscriptions", namespaced, withStatus, "v1alpha1"), crd("maas.opendatahub.io", "MaaSAuthPolicy", "maasauthpolicies", namespaced, withStatus, "v1alpha1"), crd("maas.opendatahub.io", "ExternalModel", "externalmodels", namespaced, withStatus, "v1alpha1")}
)

func gvr(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// Resources the reconcilers read and write.
var (
	gvrCRDs                = gvr("apiextensions.k8s.io", "v1", "customresourcedefinitions")
	gvrNamespaces          = gvr("", "v1", "namespaces")
	gvrNodes               = gvr("", "v1", "nodes")
	gvrPods                = gvr("", "v1", "pods")
	gvrServices            = gvr("", "v1", "services")
	gvrSecrets             = gvr("", "v1", "secrets")
	gvrConfigMaps          = gvr("", "v1", "configmaps")
	gvrPVCs                = gvr("", "v1", "persistentvolumeclaims")
	gvrPVs                 = gvr("", "v1", "persistentvolumes")
	gvrDeployments         = gvr("apps", "v1", "deployments")
	gvrStorageClasses      = gvr("storage.k8s.io", "v1", "storageclasses")
	gvrValidatingHooks     = gvr("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations")
	gvrClusterVersions     = gvr("config.openshift.io", "v1", "clusterversions")
	gvrInfrastructures     = gvr("config.openshift.io", "v1", "infrastructures")
	gvrDNSes               = gvr("config.openshift.io", "v1", "dnses")
	gvrIngressConfigs      = gvr("config.openshift.io", "v1", "ingresses")
	gvrAPIServers          = gvr("config.openshift.io", "v1", "apiservers")
	gvrClusterOperators    = gvr("config.openshift.io", "v1", "clusteroperators")
	gvrIngressCtrls        = gvr("operator.openshift.io", "v1", "ingresscontrollers")
	gvrKubeAPIServers      = gvr("operator.openshift.io", "v1", "kubeapiservers")
	gvrMachineSets         = gvr("machine.openshift.io", "v1beta1", "machinesets")
	gvrMachines            = gvr("machine.openshift.io", "v1beta1", "machines")
	gvrRoutes              = gvr("route.openshift.io", "v1", "routes")
	gvrGatewayClasses      = gvr("gateway.networking.k8s.io", "v1", "gatewayclasses")
	gvrGateways            = gvr("gateway.networking.k8s.io", "v1", "gateways")
	gvrHTTPRoutes          = gvr("gateway.networking.k8s.io", "v1", "httproutes")
	gvrSubscriptions       = gvr("operators.coreos.com", "v1alpha1", "subscriptions")
	gvrCSVs                = gvr("operators.coreos.com", "v1alpha1", "clusterserviceversions")
	gvrInstallPlans        = gvr("operators.coreos.com", "v1alpha1", "installplans")
	gvrOperatorGroups      = gvr("operators.coreos.com", "v1", "operatorgroups")
	gvrCatalogSources      = gvr("operators.coreos.com", "v1alpha1", "catalogsources")
	gvrPackageManifests    = gvr("packages.operators.coreos.com", "v1", "packagemanifests")
	gvrCredRequests        = gvr("cloudcredential.openshift.io", "v1", "credentialsrequests")
	gvrEnvoyFilters        = gvr("networking.istio.io", "v1alpha3", "envoyfilters")
	gvrCertManagers        = gvr("operator.openshift.io", "v1alpha1", "certmanagers")
	gvrCertificates        = gvr("cert-manager.io", "v1", "certificates")
	gvrIssuers             = gvr("cert-manager.io", "v1", "issuers")
	gvrClusterIssuers      = gvr("cert-manager.io", "v1", "clusterissuers")
	gvrNFDs                = gvr("nfd.openshift.io", "v1", "nodefeaturediscoveries")
	gvrClusterPolicies     = gvr("nvidia.com", "v1", "clusterpolicies")
	gvrKuadrants           = gvr("kuadrant.io", "v1beta1", "kuadrants")
	gvrAuthorinos          = gvr("operator.authorino.kuadrant.io", "v1beta1", "authorinos")
	gvrLimitadors          = gvr("limitador.kuadrant.io", "v1alpha1", "limitadors")
	gvrLWSOperators        = gvr("operator.openshift.io", "v1", "leaderworkersetoperators")
	gvrUIPlugins           = gvr("observability.openshift.io", "v1alpha1", "uiplugins")
	gvrDSCIs               = gvr("dscinitialization.opendatahub.io", "v2", "dscinitializations")
	gvrDSCs                = gvr("datasciencecluster.opendatahub.io", "v2", "datascienceclusters")
	gvrDashboardConfigs    = gvr("opendatahub.io", "v1alpha", "odhdashboardconfigs")
	gvrLLMISvcs            = gvr("serving.kserve.io", "v1alpha2", "llminferenceservices")
	gvrTenants             = gvr("maas.opendatahub.io", "v1alpha1", "tenants")
	gvrModelsAsServices    = gvr("components.platform.opendatahub.io", "v1alpha1", "modelsasservices")
	gvrCronJobs            = gvr("batch", "v1", "cronjobs")
	gvrClusterRoles        = gvr("rbac.authorization.k8s.io", "v1", "clusterroles")
	gvrClusterRoleBindings = gvr("rbac.authorization.k8s.io", "v1", "clusterrolebindings")
	gvrAuthPolicies        = gvr("kuadrant.io", "v1", "authpolicies")
	gvrTRLPs               = gvr("kuadrant.io", "v1alpha1", "tokenratelimitpolicies")
	gvrDestinationRules    = gvr("networking.istio.io", "v1", "destinationrules")
	gvrModelRefs           = gvr("maas.opendatahub.io", "v1alpha1", "maasmodelrefs")
	gvrMaaSSubs            = gvr("maas.opendatahub.io", "v1alpha1", "maassubscriptions")
	gvrMaaSAuthPolicies    = gvr("maas.opendatahub.io", "v1alpha1", "maasauthpolicies")
)

// statusSubresource reports whether writes to gvr's status go through
// /status (true for every built-in the simulator writes and for CRDs
// declared with Status).
func statusSubresource(g schema.GroupVersionResource) bool {
	if builtin(g) {
		switch g.Resource {
		case "configmaps", "secrets", "storageclasses", "validatingwebhookconfigurations":
			return false
		}
		return true
	}
	for _, c := range allCRDs() {
		if c.Group == g.Group && c.Plural == g.Resource {
			return c.Status
		}
	}
	return false
}

func allCRDs() []CRD {
	out := slices.Clone(PlatformCRDs)
	for _, pkg := range sortedKeys(OperatorCRDs) {
		out = append(out, OperatorCRDs[pkg]...)
	}
	for _, l := range [][]CRD{IstioCRDs, LWSCRDs, KServeCRDs, DashboardCRDs, MaaSCRDs} {
		out = append(out, l...)
	}
	return out
}

// object is the CustomResourceDefinition manifest.
func (c CRD) object() *unstructured.Unstructured {
	o := newObject("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", c.Name())
	o.SetLabels(map[string]string{"ocpsim.rhoai.dev/simulated": "true"})
	if g := c.Group; g == "k8s.io" || strings.HasSuffix(g, ".k8s.io") || g == "kubernetes.io" || strings.HasSuffix(g, ".kubernetes.io") {
		// Protected groups need the approval annotation (as upstream ships it).
		o.SetAnnotations(map[string]string{"api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/3328"})
	}
	scope := "Namespaced"
	if c.Cluster {
		scope = "Cluster"
	}
	var versions []any
	for i, v := range c.Versions {
		ver := map[string]any{
			"name": v, "served": true, "storage": i == len(c.Versions)-1,
			"schema": map[string]any{"openAPIV3Schema": map[string]any{
				"type": "object", "x-kubernetes-preserve-unknown-fields": true,
			}},
		}
		if c.Status {
			ver["subresources"] = map[string]any{"status": map[string]any{}}
		}
		versions = append(versions, ver)
	}
	o.Object["spec"] = map[string]any{
		"group": c.Group, "scope": scope, "versions": versions,
		"names": map[string]any{
			"kind": c.Kind, "listKind": c.Kind + "List", "plural": c.Plural, "singular": strings.ToLower(c.Kind),
		},
	}
	return o
}

// registerCRDs creates the CRDs that do not exist yet.
func (p *pass) registerCRDs(crds []CRD) error {
	for _, c := range crds {
		if p.exists(gvrCRDs, "", c.Name()) {
			continue
		}
		if _, err := p.create(gvrCRDs, c.object()); err != nil {
			return fmt.Errorf("registering CRD %s: %w", c.Name(), err)
		}
		p.s.logf("ocpsim: registered CRD %s", c.Name())
	}
	return nil
}

// missingCRDs names the CRDs of crds that are not Established yet ("" when
// all are): what a CSV's requirements check waits for.
func (p *pass) missingCRDs(crds []CRD) string {
	var missing []string
	for _, c := range crds {
		if !p.crdEstablished(c.Name()) {
			missing = append(missing, c.Name())
		}
	}
	return strings.Join(missing, ", ")
}

// crdEstablished reports whether a CRD exists and is Established.
func (p *pass) crdEstablished(name string) bool {
	o, err := p.get(gvrCRDs, "", name)
	return err == nil && o != nil && isTrue(o, "Established")
}

// reconcileCRDs plays the apiextensions controller when no API server
// stands behind the client (Standalone): NamesAccepted and Established.
func (s *Sim) reconcileCRDs(p *pass) error {
	if !s.opts.Standalone {
		return nil
	}
	crds, err := p.list(gvrCRDs)
	if err != nil {
		return err
	}
	for _, c := range crds {
		if isTrue(c, "Established") {
			continue
		}
		names := mapAt(c, "spec", "names")
		var stored []any
		for _, v := range slice(c, "spec", "versions") {
			if m, _ := v.(map[string]any); m["storage"] == true {
				stored = append(stored, m["name"])
			}
		}
		err := p.patchStatus(gvrCRDs, c, func(st map[string]any) {
			st["acceptedNames"] = names
			st["storedVersions"] = stored
			setConditions(st, s.now(),
				cond{Type: "NamesAccepted", Status: "True", Reason: "NoConflicts", Message: "no conflicts found"},
				cond{Type: "Established", Status: "True", Reason: "InitialNamesAccepted", Message: "the initial names have been accepted"})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
