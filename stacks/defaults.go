package stacks

// Defaults that reproduce the rationale (installation-rationale.md,
// manifests.md). The rationale's exclusions are defaults, not accidents:
// Kueue, Ray, TrustyAI, Feast Removed; Llama Stack Removed (it needs Service
// Mesh 3.x) but configurable.
const (
	DefaultRenderDir      = "rendered"
	DefaultMinVersion     = "4.21"
	DefaultIssuer         = "letsencrypt"
	DefaultModelURI       = "oci://registry.redhat.io/rhelai1/modelcar-qwen3-8b-fp8-dynamic:1.5"
	DefaultVLLMArgs       = "--enable-prefix-caching --disable-uvicorn-access-log --enable-auto-tool-choice --tool-call-parser=hermes"
	DefaultDBImage        = "registry.redhat.io/rhel9/postgresql-16:latest"
	DefaultDBStorage      = "10Gi"
	DefaultTokenLimit     = 1000
	DefaultTokenWindow    = "24h"
	DefaultSubscription   = "default-subscription"
	DefaultAuthPolicy     = "default-auth-policy"
	AuthenticatedGroup    = "system:authenticated"
	DefaultModelNamespace = "llm-d-demo"
)

func intp(v int) *int    { return &v }
func boolp(v bool) *bool { return &v }

// IsTrue reads an optional flag with its default.
func IsTrue(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// withDefaults fills every unset value; validation runs on the result.
func (c Config) withDefaults() Config {
	if c.Mode == "" {
		c.Mode = Live
	}
	if c.RenderDir == "" {
		c.RenderDir = DefaultRenderDir
	}
	if c.Cluster.MinVersion == "" {
		c.Cluster.MinVersion = DefaultMinVersion
	}
	if c.Cluster.AppsDomain == "" && c.Cluster.BaseDomain != "" {
		c.Cluster.AppsDomain = "apps." + c.Cluster.BaseDomain
	}
	if c.TLS.Issuer == "" {
		c.TLS.Issuer = DefaultIssuer
	}
	if len(c.TLS.RecursiveNameservers) == 0 {
		c.TLS.RecursiveNameservers = []string{"8.8.8.8:53", "1.1.1.1:53"}
	}
	if c.TLS.Route53.Mode == "" {
		// tls.cloud aws: the Cloud Credential Operator; none: your own key.
		c.TLS.Route53.Mode = "static"
		if c.TLS.Cloud == "aws" {
			c.TLS.Route53.Mode = "cco"
		}
	}
	if c.GPU.InstanceTypes == nil {
		c.GPU.InstanceTypes = []string{"g5.2xlarge"}
	}
	if c.GPU.ReplicasPerZone == 0 {
		c.GPU.ReplicasPerZone = 1
	}
	if c.GPU.VolumeSize == 0 {
		c.GPU.VolumeSize = 120
	}
	if c.RHOAI.RawDeploymentServiceConfig == "" {
		c.RHOAI.RawDeploymentServiceConfig = "Headless"
	}
	if c.Gateway.TLS == "" {
		c.Gateway.TLS = "ingress"
	}
	if c.Gateway.Secret == "" {
		c.Gateway.Secret = "ingress-certs"
		if !c.IngressCertificateEnabled() {
			c.Gateway.Secret = "router-certs-default" // the router's own default certificate (D3)
		}
	}
	if c.Models == nil {
		c.Models = []ModelConfig{{Name: "qwen3-8b", URI: DefaultModelURI, DisplayName: "alibaba/qwen3-8b"}}
	}
	maas := IsTrue(c.MaaS.Enabled, true)
	for i := range c.Models {
		m := &c.Models[i]
		if m.Namespace == "" {
			m.Namespace = DefaultModelNamespace
		}
		if m.DisplayName == "" {
			m.DisplayName = m.Name
		}
		if m.ServedName == "" {
			m.ServedName = m.DisplayName
		}
		if m.Replicas == nil {
			m.Replicas = intp(2)
		}
		if m.GPUs == nil {
			m.GPUs = intp(1)
		}
		if m.CPU == "" {
			m.CPU = "6"
		}
		if m.Memory == "" {
			m.Memory = "24Gi"
		}
		if m.VLLMArgs == "" {
			m.VLLMArgs = DefaultVLLMArgs
		}
		if m.HardwareProfile == "" {
			m.HardwareProfile = "gpu-profile"
		}
		if m.StartupProbe == nil {
			m.StartupProbe = boolp(true)
		}
		if m.Publish == nil {
			m.Publish = boolp(maas)
		}
	}
	if c.GPU.MinAllocatable == 0 {
		c.GPU.MinAllocatable = c.GPUsNeeded()
	}
	if c.MaaS.DatabaseStorage == "" {
		c.MaaS.DatabaseStorage = DefaultDBStorage
	}
	if c.MaaS.DatabaseImage == "" {
		c.MaaS.DatabaseImage = DefaultDBImage
	}
	if c.MaaS.APIKeyMaxExpirationDays == 0 {
		c.MaaS.APIKeyMaxExpirationDays = 90
	}
	published := c.PublishedModels()
	if c.MaaS.Subscriptions == nil && len(published) > 0 {
		sub := SubscriptionConfig{Name: DefaultSubscription, Groups: []string{AuthenticatedGroup}}
		for _, m := range published {
			sub.Models = append(sub.Models, TokenLimitConfig{Model: m.Name, Limit: DefaultTokenLimit, Window: DefaultTokenWindow})
		}
		c.MaaS.Subscriptions = []SubscriptionConfig{sub}
	}
	if c.MaaS.AuthPolicies == nil && len(published) > 0 {
		pol := AuthPolicyConfig{Name: DefaultAuthPolicy, Groups: []string{AuthenticatedGroup}}
		for _, m := range published {
			pol.Models = append(pol.Models, m.Name)
		}
		c.MaaS.AuthPolicies = []AuthPolicyConfig{pol}
	}
	return c
}

// TLSEnabled: phase 1 certificates on (default).
func (c Config) TLSEnabled() bool { return IsTrue(c.TLS.Enabled, true) }

// IngressCertificateEnabled: the router serves the Let's Encrypt wildcard.
func (c Config) IngressCertificateEnabled() bool {
	return c.TLSEnabled() && IsTrue(c.TLS.IngressCertificate, true)
}

// MaaSEnabled: phase 6 on (default).
func (c Config) MaaSEnabled() bool { return IsTrue(c.MaaS.Enabled, true) }

// PublishedModels are the models served through the MaaS gateway.
func (c Config) PublishedModels() []ModelConfig {
	var out []ModelConfig
	if !c.MaaSEnabled() {
		return nil
	}
	for _, m := range c.Models {
		if IsTrue(m.Publish, true) {
			out = append(out, m)
		}
	}
	return out
}

// Model finds a model by name.
func (c Config) Model(name string) (ModelConfig, bool) {
	for _, m := range c.Models {
		if m.Name == name {
			return m, true
		}
	}
	return ModelConfig{}, false
}

// GPUsNeeded is what all models request together.
func (c Config) GPUsNeeded() int {
	n := 0
	for _, m := range c.Models {
		if m.Replicas != nil && m.GPUs != nil {
			n += *m.Replicas * *m.GPUs
		}
	}
	if n == 0 {
		n = 1
	}
	return n
}
