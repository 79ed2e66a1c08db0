package serving

// Typed bodies of the phase-5 objects, json tags as in the CRDs
// (cert-manager.io/v1, serving.kserve.io/v1alpha2; the Gateway and Route
// bodies, shared with the MaaS layer, are in internal/gatewayapi). No Pulumi
// import: manifest.Untyped converts them.

// IssuerSpec is cert-manager.io/v1 Issuer.spec for a self-signed issuer.
type IssuerSpec struct {
	SelfSigned struct{} `json:"selfSigned"`
}

// CertificateSpec is cert-manager.io/v1 Certificate.spec.
type CertificateSpec struct {
	DNSNames   []string  `json:"dnsNames"`
	IssuerRef  IssuerRef `json:"issuerRef"`
	SecretName string    `json:"secretName"`
}

// IssuerRef names the issuer of a Certificate.
type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Group string `json:"group"`
}

// LLMInferenceServiceSpec is serving.kserve.io/v1alpha2 LLMInferenceService.spec
// (opendatahub-io/kserve@odh-v3.4 pkg/apis/serving/v1alpha2/). There is no
// enableAuth field: auth is an annotation.
type LLMInferenceServiceSpec struct {
	Replicas int         `json:"replicas"`
	Model    ModelSpec   `json:"model"`
	Router   RouterSpec  `json:"router"`
	Template PodTemplate `json:"template"`
}

// ModelSpec is spec.model; name must be set (gen-ai-ui panics on an empty one).
type ModelSpec struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
}

// RouterSpec is spec.router: gateway {} binds to openshift-ingress/openshift-ai-inference,
// gateway.refs to another Gateway (maas-default-gateway when published, C15).
type RouterSpec struct {
	Gateway   RouterGateway `json:"gateway"`
	Route     struct{}      `json:"route"`
	Scheduler struct{}      `json:"scheduler"`
}

// RouterGateway is spec.router.gateway.
type RouterGateway struct {
	Refs []ObjectRef `json:"refs,omitempty"`
}

// ObjectRef is a gateway reference.
type ObjectRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// PodTemplate is the part of spec.template (a PodSpec) this program sets;
// the presets supply the rest.
type PodTemplate struct {
	Tolerations []Toleration `json:"tolerations"`
	Containers  []Container  `json:"containers"`
}

// Toleration is a pod toleration.
type Toleration struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Effect   string `json:"effect"`
}

// Container overrides the preset container "main".
type Container struct {
	Name          string    `json:"name"`
	Image         string    `json:"image,omitempty"`
	Env           []EnvVar  `json:"env,omitempty"`
	Resources     Resources `json:"resources"`
	LivenessProbe *Probe    `json:"livenessProbe,omitempty"`
	StartupProbe  *Probe    `json:"startupProbe,omitempty"`
}

// EnvVar is a container environment variable.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Resources are container limits and requests by resource name.
type Resources struct {
	Limits   map[string]string `json:"limits"`
	Requests map[string]string `json:"requests"`
}

// Probe is a container probe; fields left zero are taken from the preset.
type Probe struct {
	HTTPGet             *HTTPGetAction `json:"httpGet,omitempty"`
	InitialDelaySeconds int            `json:"initialDelaySeconds,omitempty"`
	TimeoutSeconds      int            `json:"timeoutSeconds,omitempty"`
	PeriodSeconds       int            `json:"periodSeconds,omitempty"`
	FailureThreshold    int            `json:"failureThreshold,omitempty"`
}

// HTTPGetAction is a probe's HTTP request.
type HTTPGetAction struct {
	Path   string `json:"path"`
	Port   int    `json:"port"`
	Scheme string `json:"scheme"`
}
