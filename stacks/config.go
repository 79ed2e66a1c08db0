// Package stacks turns stack configuration into typed, validated values and
// wires every layer into one dependency graph (constraints C1–C18, README.md,
// Architecture).
// Components never read config; this package does, once, before any resource
// is registered.
package stacks

import "github.com/rhoai-pulumi/installer/components/olm"

// Platform selects the stack's infrastructure.
type Platform string

const (
	AWS       Platform = "aws"
	Baremetal Platform = "baremetal"
)

// Mode selects where manifests go.
type Mode string

const (
	Live   Mode = "live"   // apply to the cluster, gates and preflight run
	Render Mode = "render" // write every manifest to a folder, no cluster needed
)

// Config is the whole validated stack configuration. Every field is a
// top-level config key under the project namespace (rhoai:<key>); json tags
// equal the keys (camelCase).
type Config struct {
	Platform      Platform               `json:"platform"`
	Mode          Mode                   `json:"mode"`
	RenderDir     string                 `json:"renderDir"`
	Cluster       ClusterConfig          `json:"cluster"`
	Operators     map[string]olm.Catalog `json:"operators"`
	TLS           TLSConfig              `json:"tls"`
	GPU           GPUConfig              `json:"gpu"`
	Observability ObservabilityConfig    `json:"observability"`
	RHOAI         RHOAIConfig            `json:"rhoai"`
	Gateway       GatewayConfig          `json:"gateway"`
	Models        []ModelConfig          `json:"models"`
	MaaS          MaaSConfig             `json:"maas"`
	Secrets       SecretConfig           `json:"-"` // read with the secret getters
}

// ClusterConfig says which cluster and how to reach it.
type ClusterConfig struct {
	Kubeconfig        string `json:"kubeconfig,omitempty"`        // path or contents; default $KUBECONFIG
	Context           string `json:"context,omitempty"`           // kubeconfig context; default current
	ClusterIdentifier string `json:"clusterIdentifier,omitempty"` // stable id: the provider is replaced only when it changes
	BaseDomain        string `json:"baseDomain,omitempty"`        // dns.config/cluster spec.baseDomain; discovered when empty (live)
	AppsDomain        string `json:"appsDomain,omitempty"`        // ingress domain; default apps.<baseDomain>
	MinVersion        string `json:"minVersion,omitempty"`        // preflight: lowest OpenShift version, default 4.21
	SkipPreflight     bool   `json:"skipPreflight,omitempty"`     // escape hatch; findings are then warnings
}

// TLSConfig is phase 1: cert-manager, Let's Encrypt, the cluster certificates.
type TLSConfig struct {
	// Cloud must be chosen explicitly (rationale: "confirm with the user, do
	// not default"): aws (Route53 credentials from the AWS layer: route53
	// mode cco, iam or sts) or none (a Route53 key you bring: mode static).
	Cloud                string        `json:"cloud"`
	Enabled              *bool         `json:"enabled,omitempty"` // default true
	Issuer               string        `json:"issuer,omitempty"`  // letsencrypt | letsencrypt-staging
	ACMEEmail            string        `json:"acmeEmail,omitempty"`
	RecursiveNameservers []string      `json:"recursiveNameservers,omitempty"`
	IngressCertificate   *bool         `json:"ingressCertificate,omitempty"` // default true
	APICertificate       bool          `json:"apiCertificate,omitempty"`     // C18 opt-in, applied last
	Route53              Route53Config `json:"route53"`
}

// Route53Config is how cert-manager reaches Route53 for DNS-01.
type Route53Config struct {
	Mode            string `json:"mode,omitempty"` // cco | iam | sts (cloud aws; default cco) | static (cloud none)
	HostedZoneID    string `json:"hostedZoneId,omitempty"`
	Domain          string `json:"domain,omitempty"` // zone looked up by name; default the cluster's base domain
	Region          string `json:"region,omitempty"` // default the cluster's region (aws) / us-east-1
	OIDCIssuer      string `json:"oidcIssuer,omitempty"`
	OIDCProviderARN string `json:"oidcProviderArn,omitempty"`
}

// GPUConfig is phase 2: capacity (aws), NFD, NVIDIA.
type GPUConfig struct {
	InstanceTypes    []string `json:"instanceTypes,omitempty"` // primary first, then fallbacks
	ReplicasPerZone  *int     `json:"replicasPerZone,omitempty"`
	Zones            []string `json:"zones,omitempty"` // default: the zones of the worker MachineSets
	InfrastructureID string   `json:"infrastructureId,omitempty"`
	Region           string   `json:"region,omitempty"`
	AMI              string   `json:"ami,omitempty"`
	VolumeSize       *int     `json:"volumeSize,omitempty"`     // GiB
	MinAllocatable   *int     `json:"minAllocatable,omitempty"` // GPUs that must be allocatable before models; default the models' need
}

// ObservabilityConfig is phases 3.3 and 4.
type ObservabilityConfig struct {
	Grafana              bool  `json:"grafana,omitempty"`
	UserWorkload         *bool `json:"userWorkload,omitempty"`         // default true
	ClusterObservability *bool `json:"clusterObservability,omitempty"` // COO, UIPlugins, Perses; default true
}

// RHOAIConfig is phases 3.4–3.8.
type RHOAIConfig struct {
	Components                 map[string]string `json:"components,omitempty"` // DSC component -> Managed|Removed
	RawDeploymentServiceConfig string            `json:"rawDeploymentServiceConfig,omitempty"`
	LlamaStack                 bool              `json:"llamaStack,omitempty"`
	MonitoringRetention        string            `json:"monitoringRetention,omitempty"`
	TraceSampleRatio           string            `json:"traceSampleRatio,omitempty"`
}

// GatewayConfig is the llm-d gateway (phase 5.1).
type GatewayConfig struct {
	TLS    string `json:"tls,omitempty"`    // ingress (the ocp-ingress secret) | selfSigned (cert-manager issuer)
	Secret string `json:"secret,omitempty"` // with tls=ingress; default ingress-certs
}

// ModelConfig is one served model (phase 5.2).
type ModelConfig struct {
	Name            string `json:"name"`
	Namespace       string `json:"namespace,omitempty"`
	DisplayName     string `json:"displayName,omitempty"`
	ServedName      string `json:"servedName,omitempty"` // spec.model.name
	URI             string `json:"uri"`
	Replicas        *int   `json:"replicas,omitempty"`
	GPUs            *int   `json:"gpus,omitempty"`
	CPU             string `json:"cpu,omitempty"`
	Memory          string `json:"memory,omitempty"`
	VLLMArgs        string `json:"vllmArgs,omitempty"`
	Image           string `json:"image,omitempty"`
	HardwareProfile string `json:"hardwareProfile,omitempty"`
	StartupProbe    *bool  `json:"startupProbe,omitempty"`
	Publish         *bool  `json:"publish,omitempty"` // through MaaS; default true when MaaS is enabled
}

// MaaSConfig is phase 6.
type MaaSConfig struct {
	Enabled                 *bool                `json:"enabled,omitempty"` // default true
	DatabaseStorage         string               `json:"databaseStorage,omitempty"`
	DatabaseImage           string               `json:"databaseImage,omitempty"`
	APIKeyMaxExpirationDays *int                 `json:"apiKeyMaxExpirationDays,omitempty"`
	Subscriptions           []SubscriptionConfig `json:"subscriptions,omitempty"`
	AuthPolicies            []AuthPolicyConfig   `json:"authPolicies,omitempty"`
}

// SubscriptionConfig is one MaaSSubscription (a tier).
type SubscriptionConfig struct {
	Name     string             `json:"name"`
	Groups   []string           `json:"groups,omitempty"`
	Users    []string           `json:"users,omitempty"`
	Priority int                `json:"priority,omitempty"`
	Models   []TokenLimitConfig `json:"models"`
}

// TokenLimitConfig is one model's token budget in a subscription. The
// model is named alone: model names are unique, so its namespace is known.
type TokenLimitConfig struct {
	Model  string `json:"model"`
	Limit  int    `json:"limit"`
	Window string `json:"window"`
}

// AuthPolicyConfig is one MaaSAuthPolicy.
type AuthPolicyConfig struct {
	Name   string   `json:"name"`
	Models []string `json:"models"`
	Groups []string `json:"groups,omitempty"`
	Users  []string `json:"users,omitempty"`
}

// SecretConfig holds values read with the secret getters: they stay Pulumi
// secrets from config to state and never appear in messages.
type SecretConfig struct {
	HasDatabasePassword bool // rhoai:maasDatabasePassword
	HasDatabaseURL      bool // rhoai:maasDatabaseUrl (external PostgreSQL)
	HasRoute53Keys      bool // rhoai:route53AccessKeyId + rhoai:route53SecretAccessKey (static mode)
}
