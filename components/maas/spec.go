package maas

// Typed bodies of the phase-6 objects, json tags as in the CRDs
// (datasciencecluster v2, operator.authorino.kuadrant.io/v1beta1,
// maas.opendatahub.io/v1alpha1 at models-as-a-service v0.1.1,
// opendatahub.io/v1alpha OdhDashboardConfig; the Gateway and Route bodies,
// shared with the serving layer, are in internal/gatewayapi).
// No Pulumi import: manifest.Untyped converts them.

// DSCModelsAsServicePatch is the only part of DataScienceCluster.spec the
// MaaS enable patch owns: spec.components.kserve.modelsAsService (C12).
type DSCModelsAsServicePatch struct {
	Components DSCComponents `json:"components"`
}

// DSCComponents is spec.components, reduced to kserve.
type DSCComponents struct {
	Kserve DSCKserve `json:"kserve"`
}

// DSCKserve is spec.components.kserve, reduced to modelsAsService.
type DSCKserve struct {
	ModelsAsService ManagementSpec `json:"modelsAsService"`
}

// ManagementSpec is {managementState}.
type ManagementSpec struct {
	ManagementState string `json:"managementState"`
}

// AuthorinoPatch is the part of Authorino.spec this program owns: the
// listener TLS (step 4b of alpha-hack-program/llm-d-guide@1f391b7
// docs/phases/06-maas.md) and the service CA volume (docs/decisions.md D10).
type AuthorinoPatch struct {
	Listener AuthorinoListener `json:"listener"`
	Volumes  AuthorinoVolumes  `json:"volumes"`
}

// AuthorinoListener is spec.listener, reduced to tls.
type AuthorinoListener struct {
	TLS AuthorinoTLS `json:"tls"`
}

// AuthorinoTLS is spec.listener.tls.
type AuthorinoTLS struct {
	Enabled       bool      `json:"enabled"`
	CertSecretRef SecretRef `json:"certSecretRef"`
}

// SecretRef names a Secret.
type SecretRef struct {
	Name string `json:"name"`
}

// AuthorinoVolumes is spec.volumes.
type AuthorinoVolumes struct {
	Items []AuthorinoVolume `json:"items"`
}

// AuthorinoVolume is rendered by the authorino-operator as a projected volume.
type AuthorinoVolume struct {
	Name       string      `json:"name"`
	MountPath  string      `json:"mountPath"`
	ConfigMaps []string    `json:"configMaps"`
	Items      []KeyToPath `json:"items"`
}

// KeyToPath maps a ConfigMap key to a file.
type KeyToPath struct {
	Key  string `json:"key"`
	Path string `json:"path"`
}

// TenantPatch is the part of Tenant.spec this program owns
// (opendatahub-io/models-as-a-service@v0.1.1
// deployment/base/maas-controller/crd/bases/maas.opendatahub.io_tenants.yaml).
type TenantPatch struct {
	GatewayRef ObjectRef     `json:"gatewayRef"`
	APIKeys    TenantAPIKeys `json:"apiKeys"`
}

// ObjectRef is a name/namespace reference.
type ObjectRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// TenantAPIKeys is Tenant.spec.apiKeys.
type TenantAPIKeys struct {
	MaxExpirationDays int `json:"maxExpirationDays"`
}

// MaaSModelRefSpec is MaaSModelRef.spec; modelRef has no namespace field
// (the MaaSModelRef lives in the model's namespace).
type MaaSModelRefSpec struct {
	ModelRef ModelKindRef `json:"modelRef"`
}

// ModelKindRef is spec.modelRef (kind LLMInferenceService|ExternalModel).
type ModelKindRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// MaaSSubscriptionSpec is MaaSSubscription.spec.
type MaaSSubscriptionSpec struct {
	Owner     Subjects               `json:"owner"`
	ModelRefs []SubscriptionModelRef `json:"modelRefs"`
	Priority  int                    `json:"priority"`
}

// Subjects are groups (items with only name, docs/decisions.md D6) and users.
type Subjects struct {
	Groups []GroupRef `json:"groups,omitempty"`
	Users  []string   `json:"users,omitempty"`
}

// GroupRef is a group entry: only name (kind is rejected, docs/decisions.md D6).
type GroupRef struct {
	Name string `json:"name"`
}

// SubscriptionModelRef is one model of a subscription with its token limits.
type SubscriptionModelRef struct {
	Name            string           `json:"name"`
	Namespace       string           `json:"namespace"`
	TokenRateLimits []TokenRateLimit `json:"tokenRateLimits"`
}

// TokenRateLimit is {limit, window}; window matches ^[1-9]\d{0,3}(s|m|h)$.
type TokenRateLimit struct {
	Limit  int64  `json:"limit"`
	Window string `json:"window"`
}

// MaaSAuthPolicySpec is MaaSAuthPolicy.spec.
type MaaSAuthPolicySpec struct {
	ModelRefs []ObjectRef `json:"modelRefs"`
	Subjects  Subjects    `json:"subjects"`
}

// DashboardFlagsPatch is the part of OdhDashboardConfig.spec this program
// owns (step 7 of alpha-hack-program/llm-d-guide@1f391b7 docs/phases/06-maas.md);
// the rhoai layer owns every other flag.
type DashboardFlagsPatch struct {
	DashboardConfig DashboardFlags `json:"dashboardConfig"`
}

// DashboardFlags are the MaaS dashboard flags.
type DashboardFlags struct {
	GenAIStudio          *bool `json:"genAiStudio,omitempty"`
	ModelAsService       bool  `json:"modelAsService"`
	MaaSAuthPolicies     bool  `json:"maasAuthPolicies"`
	VLLMDeploymentOnMaaS bool  `json:"vLLMDeploymentOnMaaS"`
}
