package kube

import "k8s.io/apimachinery/pkg/runtime/schema"

// The resources gates, preflight and lookups read. Kept in one place so the
// fake clients in tests register the same list kinds.
var (
	Subscriptions          = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "subscriptions"}
	CSVs                   = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "clusterserviceversions"}
	InstallPlans           = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "installplans"}
	PackageManifests       = schema.GroupVersionResource{Group: "packages.operators.coreos.com", Version: "v1", Resource: "packagemanifests"}
	CRDs                   = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	Nodes                  = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	Namespaces             = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	Secrets                = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	ConfigMaps             = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	Deployments            = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	StorageClasses         = schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}
	ClusterVersions        = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}
	Infrastructures        = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "infrastructures"}
	DNSes                  = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "dnses"}
	IngressConfigs         = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "ingresses"}
	SelfSubjectReviews     = schema.GroupVersionResource{Group: "authorization.k8s.io", Version: "v1", Resource: "selfsubjectaccessreviews"}
	Machines               = schema.GroupVersionResource{Group: "machine.openshift.io", Version: "v1beta1", Resource: "machines"}
	MachineSets            = schema.GroupVersionResource{Group: "machine.openshift.io", Version: "v1beta1", Resource: "machinesets"}
	EnvoyFilters           = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1alpha3", Resource: "envoyfilters"}
	DSCInitializations     = schema.GroupVersionResource{Group: "dscinitialization.opendatahub.io", Version: "v2", Resource: "dscinitializations"}
	DataScienceClusters    = schema.GroupVersionResource{Group: "datasciencecluster.opendatahub.io", Version: "v2", Resource: "datascienceclusters"}
	Pods                   = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	Kuadrants              = schema.GroupVersionResource{Group: "kuadrant.io", Version: "v1beta1", Resource: "kuadrants"}
	Authorinos             = schema.GroupVersionResource{Group: "operator.authorino.kuadrant.io", Version: "v1beta1", Resource: "authorinos"}
	ModelsAsServices       = schema.GroupVersionResource{Group: "components.platform.opendatahub.io", Version: "v1alpha1", Resource: "modelsasservices"}
	Tenants                = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "tenants"}
	CronJobs               = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}
	TokenRateLimitPolicies = schema.GroupVersionResource{Group: "kuadrant.io", Version: "v1alpha1", Resource: "tokenratelimitpolicies"}
	MaaSModelRefs          = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "maasmodelrefs"}
	MaaSSubscriptions      = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "maassubscriptions"}
	MaaSAuthPolicies       = schema.GroupVersionResource{Group: "maas.opendatahub.io", Version: "v1alpha1", Resource: "maasauthpolicies"}
)
