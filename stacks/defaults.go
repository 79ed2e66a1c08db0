package stacks

import (
	"github.com/rhoai-pulumi/installer/components/gpucapacity"
	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/serving"
	"github.com/rhoai-pulumi/installer/components/tls"
)

// Defaults. Each layer owns the defaults of its own objects (operator
// catalogs, model, database, tiers, certificates); stacks/ defaults only
// what is about the stack itself, and fills model fields from serving's own
// defaults so config validation sees what will be applied.
const (
	DefaultRenderDir  = "rendered"
	DefaultMinVersion = "4.21"
	// MinVersionFloor is the oldest OpenShift this program can install on:
	// llm-d's gateways use OpenShift's Gateway API controller
	// (openshift.io/gateway-controller/v1), which OpenShift ships from 4.20.
	MinVersionFloor = "4.20"
	// DefaultModelURI is the rationale's model (serving owns it).
	DefaultModelURI = serving.DefaultModelURI
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
		c.TLS.Issuer = tls.ProductionIssuer
	}
	if c.TLS.Route53.Mode == "" {
		// tls.cloud aws: the Cloud Credential Operator; none: your own key.
		c.TLS.Route53.Mode = "static"
		if c.TLS.Cloud == "aws" {
			c.TLS.Route53.Mode = "cco"
		}
	}
	if c.GPU.InstanceTypes == nil {
		c.GPU.InstanceTypes = []string{gpucapacity.DefaultInstanceType}
	}
	if c.GPU.ReplicasPerZone == nil {
		c.GPU.ReplicasPerZone = intp(gpucapacity.DefaultReplicasPerZone)
	}
	if c.GPU.VolumeSize == nil {
		c.GPU.VolumeSize = intp(gpucapacity.DefaultVolumeSize)
	}
	if c.Gateway.TLS == "" {
		c.Gateway.TLS = "ingress"
	}
	if c.Gateway.Secret == "" {
		c.Gateway.Secret = tls.IngressSecretName // the Let's Encrypt wildcard
		if !c.IngressCertificateEnabled() {
			// The router's own default certificate: ingress-certs is issued
			// only with tls.ingressCertificate on.
			c.Gateway.Secret = "router-certs-default"
		}
	}
	maasOn := IsTrue(c.MaaS.Enabled, true)
	if c.Models == nil {
		d := serving.DefaultModel()
		c.Models = []ModelConfig{{Name: d.Name, URI: d.URI, DisplayName: d.DisplayName}}
	}
	for i := range c.Models {
		m := &c.Models[i]
		if m.Publish == nil {
			m.Publish = boolp(maasOn)
		}
		explicitReplicas, explicitGPUs := m.Replicas, m.GPUs
		d := m.servingArgs(maasOn).WithDefaults()
		m.Namespace, m.DisplayName, m.ServedName = d.Namespace, d.DisplayName, d.ServedName
		m.Replicas, m.GPUs, m.CPU, m.Memory = intp(d.Replicas), intp(d.GPUs), d.CPU, d.Memory
		// An explicit zero or less stays as given, for validation to refuse.
		if explicitReplicas != nil && *explicitReplicas < 1 {
			m.Replicas = explicitReplicas
		}
		if explicitGPUs != nil && *explicitGPUs < 1 {
			m.GPUs = explicitGPUs
		}
		m.VLLMArgs, m.HardwareProfile, m.StartupProbe = d.VLLMArgs, d.HardwareProfile, d.StartupProbe
	}
	if c.GPU.MinAllocatable == nil {
		c.GPU.MinAllocatable = intp(c.GPUsNeeded())
	}
	if c.MaaS.DatabaseStorage == "" {
		c.MaaS.DatabaseStorage = maas.DefaultDBStorage
	}
	if c.MaaS.DatabaseImage == "" {
		c.MaaS.DatabaseImage = maas.DefaultDBImage
	}
	if c.MaaS.APIKeyMaxExpirationDays == nil {
		c.MaaS.APIKeyMaxExpirationDays = intp(maas.DefaultAPIKeyExpiryDays)
	}
	// Unset subscriptions and auth policies stay nil: the maas layer applies
	// its default tier over the published models (maas.DefaultSubscriptions).
	return c
}

// servingArgs is a model as the serving layer takes it.
func (m ModelConfig) servingArgs(maasOn bool) serving.ModelArgs {
	return serving.ModelArgs{
		Name: m.Name, Namespace: m.Namespace, DisplayName: m.DisplayName, ServedName: m.ServedName, URI: m.URI,
		Replicas: deref(m.Replicas), GPUs: deref(m.GPUs), CPU: m.CPU, Memory: m.Memory, VLLMArgs: m.VLLMArgs,
		Image: m.Image, HardwareProfile: m.HardwareProfile, StartupProbe: m.StartupProbe,
		Publish: IsTrue(m.Publish, true) && maasOn,
	}
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
