package testkit

import "fmt"

// ConfigBuilder builds stack configuration maps (keys without the rhoai:
// prefix) for pulumitest.Run.
type ConfigBuilder struct{ m map[string]any }

// Config starts from the shipped Pulumi.baremetal.yaml with what the README
// tells a user to set (the Route53 keys) and the documented optional MaaS
// database password.
func Config() *ConfigBuilder {
	m, err := Shipped("baremetal", "maasDatabasePassword")
	if err != nil {
		panic("testkit: " + err.Error()) // the repository's own files are broken
	}
	return &ConfigBuilder{m: m}
}

// AWS switches to the aws-dev stack (CCO credentials, GPU MachineSets).
func (b *ConfigBuilder) AWS() *ConfigBuilder {
	b.m["platform"] = "aws"
	b.m["tls"] = map[string]any{"cloud": "aws", "route53": map[string]any{"mode": "cco"}} // as Pulumi.aws-dev.yaml: the zone is looked up by the base domain
	b.m["gpu"] = map[string]any{"instanceTypes": []string{"g5.2xlarge", "g6.2xlarge"}}
	delete(b.m, "route53AccessKeyId")
	delete(b.m, "route53SecretAccessKey")
	return b
}

// Render switches to render mode with a base domain (no cluster).
func (b *ConfigBuilder) Render() *ConfigBuilder {
	b.m["mode"] = "render"
	b.m["cluster"] = map[string]any{"baseDomain": BaseDomain}
	delete(b.m, "route53AccessKeyId")
	delete(b.m, "route53SecretAccessKey")
	delete(b.m, "maasDatabasePassword")
	return b
}

// WithModels configures n models; all but the last are published when n > 1,
// in two namespaces, with two subscription tiers over the published ones.
func (b *ConfigBuilder) WithModels(n int) *ConfigBuilder {
	var models []map[string]any
	var published []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("model-%d", i+1)
		ns := "team-a"
		if i%2 == 1 {
			ns = "team-b"
		}
		publish := n == 1 || i < n-1
		models = append(models, map[string]any{
			"name": name, "namespace": ns, "uri": "oci://registry.example.com/models/" + name + ":1",
			"replicas": 1, "gpus": 1, "publish": publish,
		})
		if publish {
			published = append(published, name)
		}
	}
	b.m["models"] = models
	var free, premium []map[string]any
	for _, p := range published {
		free = append(free, map[string]any{"model": p, "limit": 100, "window": "1m"})
		premium = append(premium, map[string]any{"model": p, "limit": 100000, "window": "24h"})
	}
	b.m["maas"] = map[string]any{
		"subscriptions": []map[string]any{
			{"name": "free", "groups": []string{"system:authenticated"}, "priority": 0, "models": free},
			{"name": "premium", "groups": []string{"premium-users"}, "priority": 10, "models": premium},
		},
		"authPolicies": []map[string]any{
			{"name": "everyone", "groups": []string{"system:authenticated"}, "models": published},
			{"name": "premium", "groups": []string{"premium-users"}, "models": published},
		},
	}
	return b
}

// Set sets one key.
func (b *ConfigBuilder) Set(key string, v any) *ConfigBuilder { b.m[key] = v; return b }

// Build returns the map.
func (b *ConfigBuilder) Build() map[string]any {
	out := map[string]any{}
	for k, v := range b.m {
		out[k] = v
	}
	return out
}
