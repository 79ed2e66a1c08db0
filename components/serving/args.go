package serving

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Cluster object names (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/llm-d/gateway/ and gitops/instance/llm-d/inference/).
const (
	IngressNamespace         = "openshift-ingress"
	GatewayName              = "openshift-ai-inference"
	GatewayConfigMapName     = GatewayName + "-override-config"
	GatewayClassName         = "openshift-ai-inference-class" // created by the connectivity layer
	RouteName                = "openshift-ai-inference"
	IssuerName               = "openshift-ai-inference-selfsigned-issuer"
	CertificateName          = "openshift-ai-inference-serving-cert"
	SelfSignedSecretName     = "openshift-ai-inference"
	DefaultTLSSecretName     = "ingress-certs"
	DefaultMaaSGatewayName   = "maas-default-gateway"
	ApplicationsNamespace    = "redhat-ods-applications"
	DefaultHardwareProfile   = "gpu-profile"
	DefaultRuntimeVersion    = "v0.18.0"
	GPUResource              = "nvidia.com/gpu"
	VLLMArgsEnv              = "VLLM_ADDITIONAL_ARGS"
	mainContainer            = "main"
	gatewayServiceSuffix     = "-" + GatewayClassName // <gateway>-<gatewayclass> is the Service
	defaultModelNamespace    = "llm-d-demo"
	defaultReplicas          = 2
	defaultGPUs              = 1
	defaultCPU               = "6"
	defaultMemory            = "24Gi"
	connectionSecretSuffix   = "-connection"
	gatewayListenerName      = "https"
	gatewayListenerPort      = 443
	startupProbeFailureLimit = 60 // 10 min at a 10 s period: weights load in 2–5 min
)

// Budgets: a cold model load is the first pull of the model image, then
// 2–5 min of weight loading; a download from Hugging Face alone can take
// 10–20 min for an 8B model (alpha-hack-program/llm-d-guide@1f391b7
// RATIONALE.md phase 5).
const (
	GatewayTimeout     = 10 * time.Minute
	CertificateTimeout = 10 * time.Minute
	ModelTimeout       = 30 * time.Minute
)

// GatewayTLS chooses the llm-d gateway's certificate: an existing Secret in
// openshift-ingress (default ingress-certs, the Let's Encrypt wildcard), or a
// cert-manager self-signed Issuer + Certificate (secret openshift-ai-inference).
type GatewayTLS struct {
	SecretName string // existing secret; default ingress-certs; empty with SelfSigned
	SelfSigned bool
}

// ModelArgs is one model served by an LLMInferenceService
// (alpha-hack-program/llm-d-guide@1f391b7 gitops/instance/llm-d/inference/).
type ModelArgs struct {
	Name                     string // LLMInferenceService name, unique across models, e.g. qwen3-8b
	Namespace                string // default llm-d-demo; models may share a namespace
	DisplayName              string // openshift.io/display-name; default Name
	ServedName               string // spec.model.name (the name clients send); default DisplayName
	URI                      string // required: oci://… ModelCar, hf://…, pvc://…
	Replicas                 int    // default 2
	GPUs                     int    // nvidia.com/gpu per replica, default 1
	CPU                      string // per replica, limits = requests; default "6"
	Memory                   string // per replica, limits = requests; default "24Gi"
	VLLMArgs                 string // VLLM_ADDITIONAL_ARGS (sent once); default DefaultVLLMArgs
	Image                    string // optional vLLM image override; empty keeps the platform's
	HardwareProfile          string // default gpu-profile
	HardwareProfileNamespace string // default redhat-ods-applications
	RuntimeVersion           string // opendatahub.io/runtime-version, default v0.18.0
	StartupProbe             *bool  // default true (docs/decisions.md D9)
	DisableAuth              bool   // security.opendatahub.io/enable-auth "false"; never with Publish
	Publish                  bool   // route through maas-default-gateway and publish in MaaS (C15)
}

// The rationale's model and the vLLM flags every model gets by default.
const (
	DefaultModelName = "qwen3-8b"
	DefaultModelURI  = "oci://registry.redhat.io/rhelai1/modelcar-qwen3-8b-fp8-dynamic:1.5"
	// DefaultVLLMArgs apply to any model: prefix caching, no access log.
	DefaultVLLMArgs = "--enable-prefix-caching --disable-uvicorn-access-log"
	// QwenToolCallingArgs are Qwen3's tool calling (hermes parser): added
	// only for the default Qwen3 ModelCar, not to other models.
	QwenToolCallingArgs = "--enable-auto-tool-choice --tool-call-parser=hermes"
)

// DefaultModel is the rationale's model: Qwen3-8B-FP8 from its OCI ModelCar,
// 2 replicas of 1 GPU, tool calling, published through MaaS.
func DefaultModel() ModelArgs {
	return ModelArgs{Name: DefaultModelName, DisplayName: "alibaba/qwen3-8b", URI: DefaultModelURI, Publish: true}.WithDefaults()
}

// PublishedNamespaces are the namespaces of the models published through MaaS,
// defaults applied, each once: maas.GatewayArgs.ModelNamespaces, which the
// MaaS gateway's allowedRoutes must list (else NotAllowedByListeners).
func PublishedNamespaces(models []ModelArgs) []string {
	if models == nil {
		models = []ModelArgs{DefaultModel()}
	}
	var out []string
	for _, m := range models {
		m = m.WithDefaults()
		if m.Publish && !slices.Contains(out, m.Namespace) {
			out = append(out, m.Namespace)
		}
	}
	return out
}

// WithDefaults fills every unset field: namespace llm-d-demo, display name
// = name, served name = display name, 2 replicas of 1 GPU, 6 CPU and 24Gi
// each, the default vLLM flags (plus Qwen3 tool calling for the default
// Qwen3 ModelCar), hardware profile gpu-profile, a startup probe.
func (m ModelArgs) WithDefaults() ModelArgs {
	if m.VLLMArgs == "" {
		m.VLLMArgs = DefaultVLLMArgs
		if m.URI == DefaultModelURI {
			m.VLLMArgs += " " + QwenToolCallingArgs
		}
	}
	if m.Namespace == "" {
		m.Namespace = defaultModelNamespace
	}
	if m.DisplayName == "" {
		m.DisplayName = m.Name
	}
	if m.ServedName == "" {
		m.ServedName = m.DisplayName
	}
	if m.Replicas == 0 {
		m.Replicas = defaultReplicas
	}
	if m.GPUs == 0 {
		m.GPUs = defaultGPUs
	}
	if m.CPU == "" {
		m.CPU = defaultCPU
	}
	if m.Memory == "" {
		m.Memory = defaultMemory
	}
	if m.HardwareProfile == "" {
		m.HardwareProfile = DefaultHardwareProfile
	}
	if m.HardwareProfileNamespace == "" {
		m.HardwareProfileNamespace = ApplicationsNamespace
	}
	if m.RuntimeVersion == "" {
		m.RuntimeVersion = DefaultRuntimeVersion
	}
	if m.StartupProbe == nil {
		on := true
		m.StartupProbe = &on
	}
	return m
}

// ServingArgs is what stacks/ derives from validated config. Prerequisites come
// from the layers below: DSCReady (rhoai, C11), GPU (gpu, C6), GatewayClass
// (connectivity), CertManager (tls, self-signed only), TLSSecret (tls, the
// existing secret), MaaSGateway (maas.Gateway, for published models, C15).
type ServingArgs struct {
	AppsDomain string      // ingresses.config.openshift.io/cluster .spec.domain
	TLS        GatewayTLS  // llm-d gateway certificate
	Models     []ModelArgs // nil means [DefaultModel()]; empty means no model
	// SecretsSupplied (render mode): no connection Secret is written; each
	// is listed in Serving.SecretsToSupply instead.
	SecretsSupplied bool

	MaaSGatewayName      string // default maas-default-gateway
	MaaSGatewayNamespace string // default openshift-ingress
	MaaSHost             string // default maas.<AppsDomain>, for published endpoints

	Gates        *readiness.Binder
	After        readiness.Prerequisite // applied to every object
	GatewayClass readiness.Prerequisite // GatewayClass openshift-ai-inference-class exists
	CertManager  readiness.Prerequisite // cert-manager ready (TLS.SelfSigned)
	TLSSecret    readiness.Prerequisite // the existing secret exists (not SelfSigned)
	DSCReady     readiness.Prerequisite // C11: DSC Ready (KServe, odh-model-controller)
	GPU          readiness.Prerequisite // C6: allocatable nvidia.com/gpu
	MaaSGateway  readiness.Prerequisite // C15: maas-default-gateway Programmed (published models)
}

func (a ServingArgs) withDefaults() ServingArgs {
	if a.Models == nil {
		a.Models = []ModelArgs{DefaultModel()}
	}
	models := make([]ModelArgs, len(a.Models))
	for i, m := range a.Models {
		models[i] = m.WithDefaults()
	}
	a.Models = models
	if !a.TLS.SelfSigned && a.TLS.SecretName == "" {
		a.TLS.SecretName = DefaultTLSSecretName
	}
	if a.MaaSGatewayName == "" {
		a.MaaSGatewayName = DefaultMaaSGatewayName
	}
	if a.MaaSGatewayNamespace == "" {
		a.MaaSGatewayNamespace = IngressNamespace
	}
	if a.MaaSHost == "" && a.AppsDomain != "" {
		a.MaaSHost = "maas." + a.AppsDomain
	}
	return a
}

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	dnsName      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$`)
	dns1035Label = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	uriScheme    = regexp.MustCompile(`^(oci|hf|pvc|s3|gs|https?)://\S+$`)
	imageRef     = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
	reservedNSes = []string{"default", "models-as-a-service", "openshift", "kube-system", "kube-public"}
)

func isEmpty(p readiness.Prerequisite) bool { return len(p.Resources) == 0 && len(p.Gates) == 0 }

// Validate reports every problem at once, naming the model and field.
func (a ServingArgs) Validate() error {
	var errs []error
	if a.AppsDomain == "" || !dnsName.MatchString(a.AppsDomain) {
		errs = append(errs, fmt.Errorf("appsDomain %q is not a DNS name such as apps.cluster.example.com", a.AppsDomain))
	}
	if a.TLS.SelfSigned && a.TLS.SecretName != "" {
		errs = append(errs, fmt.Errorf("tls: secretName %q and selfSigned are exclusive; the self-signed certificate is stored in %s", a.TLS.SecretName, SelfSignedSecretName))
	}
	if !a.TLS.SelfSigned && !dnsSubdomain.MatchString(a.TLS.SecretName) {
		errs = append(errs, fmt.Errorf("tls: secretName %q is not a Secret name", a.TLS.SecretName))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	if a.TLS.SelfSigned && isEmpty(a.CertManager) {
		errs = append(errs, errors.New("tls.selfSigned needs the CertManager prerequisite (cert-manager ready) from the tls layer"))
	}
	if isEmpty(a.GatewayClass) {
		errs = append(errs, fmt.Errorf("the GatewayClass prerequisite is empty; the connectivity layer creates GatewayClass %s", GatewayClassName))
	}
	names := map[string]int{}
	published := false
	for i, m := range a.Models {
		errs = append(errs, m.validate(i)...)
		if j, dup := names[m.Name]; dup && m.Name != "" {
			errs = append(errs, fmt.Errorf("models[%d].name %q repeats models[%d]; model names must be unique (they name the MaaS model and the Pulumi resources)", i, m.Name, j))
		}
		names[m.Name] = i
		published = published || m.Publish
	}
	if len(a.Models) > 0 {
		if isEmpty(a.DSCReady) {
			errs = append(errs, errors.New("the DSCReady prerequisite is empty; C11 needs the rhoai layer's DSC Ready before any LLMInferenceService"))
		}
		if isEmpty(a.GPU) {
			errs = append(errs, errors.New("the GPU prerequisite is empty; C6 needs allocatable nvidia.com/gpu before any LLMInferenceService"))
		}
	}
	if published && isEmpty(a.MaaSGateway) {
		errs = append(errs, fmt.Errorf("published models need the MaaSGateway prerequisite (maas.NewGateway(...).Prerequisite()): they are routed to %s (C15)", a.MaaSGatewayName))
	}
	return errors.Join(errs...)
}

func (m ModelArgs) validate(i int) []error {
	var errs []error
	for _, p := range m.Problems() {
		p.Field = fmt.Sprintf("models[%d].%s", i, p.Field)
		errs = append(errs, p)
	}
	return errs
}

// Problems reports every bad field of a defaulted model, by field name
// (stacks/ puts the config key in front).
func (m ModelArgs) Problems() []manifest.Problem {
	var out []manifest.Problem
	add := func(field, found, expected string) {
		out = append(out, manifest.Problem{Field: field, Found: found, Expected: expected})
	}
	q := manifest.Quoted
	// DNS-1035: it names Services (<name>-kserve-...), which must start with
	// a letter and stay within 63 characters with their suffixes.
	if !dns1035Label.MatchString(m.Name) || len(m.Name) > 45 {
		add("name", q(m.Name), "a lowercase DNS-1035 label of at most 45 characters such as qwen3-8b")
	}
	if !dnsLabel.MatchString(m.Namespace) || len(m.Namespace) > 63 {
		add("namespace", q(m.Namespace), "a namespace name (a DNS label of at most 63 characters)")
	} else if reservedNamespace(m.Namespace) {
		add("namespace", q(m.Namespace), "a project namespace of its own (the program creates it), not a platform one")
	}
	if !uriScheme.MatchString(m.URI) {
		add("uri", q(m.URI), "a model URI: oci://, hf://, s3://, gs://, pvc://, http(s)://, such as "+DefaultModelURI)
	}
	if strings.TrimSpace(m.ServedName) == "" || strings.ContainsAny(m.ServedName, "\n\r") {
		add("servedName", q(m.ServedName), "one line: the name clients send as \"model\"")
	}
	if m.Replicas < 1 || m.Replicas > 100 {
		add("replicas", fmt.Sprint(m.Replicas), "an integer from 1 to 100")
	}
	if m.GPUs < 1 || m.GPUs > 8 {
		add("gpus", fmt.Sprint(m.GPUs), "an integer from 1 to 8 (vLLM on CUDA needs a GPU; a node has at most 8)")
	}
	for field, v := range map[string]string{"cpu": m.CPU, "memory": m.Memory} {
		if qty, err := resource.ParseQuantity(v); err != nil || qty.Sign() <= 0 {
			add(field, q(v), "a positive Kubernetes quantity such as 6 or 24Gi")
		}
	}
	if strings.Contains(m.VLLMArgs, VLLMArgsEnv) || strings.ContainsAny(m.VLLMArgs, "\n") {
		add("vllmArgs", q(m.VLLMArgs), "the vLLM arguments only, on one line")
	}
	if m.Image != "" && !imageRef.MatchString(m.Image) {
		add("image", q(m.Image), "an image reference such as registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2")
	}
	if !dnsSubdomain.MatchString(m.HardwareProfile) || len(m.HardwareProfile) > 253 {
		add("hardwareProfile", q(m.HardwareProfile), "a HardwareProfile name such as gpu-profile")
	}
	if m.Publish && m.DisableAuth {
		add("disableAuth", "true with publish", `a model published through MaaS keeps security.opendatahub.io/enable-auth "true"; unset disableAuth or publish`)
	}
	return out
}

func reservedNamespace(ns string) bool {
	if slices.Contains(reservedNSes, ns) {
		return true
	}
	for _, p := range []string{"openshift", "kube-", "redhat-ods"} {
		if strings.HasPrefix(ns, p) {
			return true
		}
	}
	return false
}
