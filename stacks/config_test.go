package stacks_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/tests/testkit"
)

func model(fields map[string]any) []map[string]any {
	m := map[string]any{"name": "qwen3-8b", "uri": "oci://registry.redhat.io/rhelai1/modelcar-qwen3-8b-fp8-dynamic:1.5"}
	for k, v := range fields {
		m[k] = v
	}
	return []map[string]any{m}
}

func maasWith(sub map[string]any) map[string]any {
	s := map[string]any{"name": "free", "groups": []string{"system:authenticated"}, "models": []map[string]any{{"model": "qwen3-8b", "limit": 100, "window": "24h"}}}
	for k, v := range sub {
		s[k] = v
	}
	return map[string]any{"subscriptions": []map[string]any{s}}
}

// Each bad configuration is rejected before any resource is registered, with
// a message naming the key, the bad value and what is allowed.
func TestConfig_rejectsBadConfigurations(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]any // keys set on top of a valid baremetal stack
		drop []string       // keys removed
		want []string       // every fragment must appear
	}{
		{name: "rejects a missing platform", drop: []string{"platform"}, want: []string{"rhoai:platform: found nothing", `"aws" or "baremetal"`, "pulumi config set"}},
		{name: "rejects an unknown platform", set: map[string]any{"platform": "gcp"}, want: []string{`rhoai:platform: found "gcp"`}},
		{name: "rejects an unknown mode", set: map[string]any{"mode": "dry"}, want: []string{`rhoai:mode: found "dry"`, `"live" or "render"`}},
		{name: "rejects render mode without a base domain", set: map[string]any{"mode": "render"}, want: []string{"rhoai:cluster.baseDomain: found nothing", "render mode cannot read it"}},
		{name: "rejects a base domain that is not a domain", set: map[string]any{"cluster": map[string]any{"baseDomain": "Bad_Domain"}}, want: []string{`rhoai:cluster.baseDomain: found "Bad_Domain"`}},
		{name: "rejects a typo in a field name", set: map[string]any{"cluster": map[string]any{"baseDomian": "x.example.com"}}, want: []string{`rhoai:cluster.baseDomian: found an unknown field, expected one of kubeconfig, context`}},
		{name: "rejects a wrong type", set: map[string]any{"models": model(map[string]any{"replicas": "two"})}, want: []string{`rhoai:models[0].replicas: found a JSON string "two", expected an integer`}},
		{name: "names the list element of a type error deep in a list", set: map[string]any{"maas": maasWith(map[string]any{"models": []map[string]any{{"model": "qwen3-8b", "limit": "lots", "window": "1h"}}})}, want: []string{`rhoai:maas.subscriptions[0].models[0].limit: found a JSON string "lots", expected an integer`}},
		{name: "names the list element of an unknown field", set: map[string]any{"models": model(map[string]any{"replica": 2})}, want: []string{"rhoai:models[0].replica: found an unknown field"}},
		{name: "rejects a fraction where an integer is expected", set: map[string]any{"gpu": map[string]any{"replicasPerZone": 1.5}}, want: []string{"rhoai:gpu.replicasPerZone: found a JSON fraction 1.5, expected an integer"}},
		{name: "rejects an explicit zero GPU machines per zone, not defaulting it", set: map[string]any{"gpu": map[string]any{"replicasPerZone": 0}}, want: []string{"rhoai:gpu.replicasPerZone: found 0, expected an integer from 1 to 100"}},
		{name: "rejects an explicit zero root volume", set: map[string]any{"gpu": map[string]any{"volumeSize": 0}}, want: []string{"rhoai:gpu.volumeSize: found 0, expected a root volume from 50 GiB"}},
		{name: "rejects an explicit zero allocatable minimum", set: map[string]any{"gpu": map[string]any{"minAllocatable": 0}}, want: []string{"rhoai:gpu.minAllocatable: found 0, expected an integer >= 1"}},
		{name: "rejects an explicit zero key lifetime", set: map[string]any{"maas": map[string]any{"apiKeyMaxExpirationDays": 0}}, want: []string{"rhoai:maas.apiKeyMaxExpirationDays: found 0, expected an integer from 1 to 3650"}},
		{name: "rejects a token limit above the CRD's maximum", set: map[string]any{"maas": maasWith(map[string]any{"models": []map[string]any{{"model": "qwen3-8b", "limit": 2000000000, "window": "1h"}}})}, want: []string{"rhoai:maas.subscriptions[0].models[0].limit: found 2000000000, expected a token limit from 1 to 1000000000"}},
		{name: "rejects a subscription name longer than a Kubernetes name", set: map[string]any{"maas": maasWith(map[string]any{"name": strings.Repeat("a", 64)})}, want: []string{"rhoai:maas.subscriptions[0].name: found \"aaaa"}},
		{name: "rejects a hardware profile that is not a resource name", set: map[string]any{"models": model(map[string]any{"hardwareProfile": "GPU Profile"})}, want: []string{`rhoai:models[0].hardwareProfile: found "GPU Profile", expected a HardwareProfile name`}},
		{name: "rejects a model image that is not an image reference", set: map[string]any{"models": model(map[string]any{"image": "vllm latest"})}, want: []string{`rhoai:models[0].image: found "vllm latest", expected an image reference`}},
		{name: "rejects a gateway secret that is not a Secret name", set: map[string]any{"gateway": map[string]any{"secret": "My_Certs"}}, want: []string{`rhoai:gateway.secret: found "My_Certs", expected a Secret name`}},
		{name: "rejects a database image that is not an image reference", set: map[string]any{"maas": map[string]any{"databaseImage": "postgres 16"}}, want: []string{`rhoai:maas.databaseImage: found "postgres 16", expected an image reference`}},
		{name: "rejects a subscription group that is empty", set: map[string]any{"maas": maasWith(map[string]any{"groups": []string{" "}})}, want: []string{`rhoai:maas.subscriptions[0].groups[0]: found " ", expected a group name`}},
		{name: "rejects a retention that Prometheus does not take", set: map[string]any{"rhoai": map[string]any{"monitoringRetention": "90 days"}}, want: []string{`rhoai:rhoai.monitoringRetention: found "90 days"`}},
		{name: "rejects a sample ratio above 1", set: map[string]any{"rhoai": map[string]any{"traceSampleRatio": "1.5"}}, want: []string{`rhoai:rhoai.traceSampleRatio: found "1.5"`}},
		{name: "rejects a Route53 region that is not a region", set: map[string]any{"tls": map[string]any{"cloud": "none", "route53": map[string]any{"mode": "static", "region": "east"}}}, want: []string{`rhoai:tls.route53.region: found "east"`}},
		{name: "rejects a malformed AMI", set: map[string]any{"gpu": map[string]any{"ami": "ubuntu"}}, want: []string{`rhoai:gpu.ami: found "ubuntu"`}},
		{name: "rejects a malformed zone", set: map[string]any{"gpu": map[string]any{"zones": []string{"2a"}}}, want: []string{`rhoai:gpu.zones[0]: found "2a"`}},
		{name: "rejects a minimum version below the floor", set: map[string]any{"cluster": map[string]any{"minVersion": "4.19"}}, want: []string{`rhoai:cluster.minVersion: found "4.19", expected 4.20 or later`, "openshift.io/gateway-controller/v1"}},
		{name: "rejects models given as a string", set: map[string]any{"models": "qwen3-8b"}, want: []string{"rhoai:models: found a plain value", "expected a list"}},
		{name: "rejects a missing tls.cloud choice", set: map[string]any{"tls": map[string]any{"route53": map[string]any{"mode": "static"}}}, want: []string{"rhoai:tls.cloud: found nothing", "there is no default"}},
		{name: "rejects an unknown tls.cloud", set: map[string]any{"tls": map[string]any{"cloud": "azure"}}, want: []string{`rhoai:tls.cloud: found "azure"`}},
		{name: "rejects AWS credentials on bare metal", set: map[string]any{"tls": map[string]any{"cloud": "none", "route53": map[string]any{"mode": "iam"}}}, want: []string{`rhoai:tls.route53.mode: found "iam" on platform baremetal`}},
		{name: "rejects static mode without keys", drop: []string{"route53AccessKeyId"}, want: []string{"rhoai:route53AccessKeyId: found no Route53 credentials"}},
		{name: "rejects an unknown issuer", set: map[string]any{"tls": map[string]any{"cloud": "none", "issuer": "zerossl", "route53": map[string]any{"mode": "static"}}}, want: []string{`rhoai:tls.issuer: found "zerossl"`}},
		{name: "rejects the staging issuer on the router", set: map[string]any{"tls": map[string]any{"cloud": "none", "issuer": "letsencrypt-staging", "route53": map[string]any{"mode": "static"}}}, want: []string{`rhoai:tls.issuer: found "letsencrypt-staging" with tls.ingressCertificate on`}},
		{name: "rejects the staging issuer on the API server", set: map[string]any{"tls": map[string]any{"cloud": "none", "issuer": "letsencrypt-staging", "ingressCertificate": false, "apiCertificate": true, "route53": map[string]any{"mode": "static"}}}, want: []string{`rhoai:tls.apiCertificate: found true with tls.issuer "letsencrypt-staging"`}},
		{name: "rejects an unknown operator", set: map[string]any{"operators": map[string]any{"kueue": map[string]any{"channel": "stable"}}}, want: []string{"rhoai:operators.kueue: found an unknown operator", "rhcl"}},
		{name: "rejects a bad channel", set: map[string]any{"operators": map[string]any{"nfd": map[string]any{"channel": "Stable Channel!"}}}, want: []string{`rhoai:operators.nfd.channel: found "Stable Channel!"`}},
		{name: "rejects a malformed CSV pin", set: map[string]any{"operators": map[string]any{"rhcl": map[string]any{"startingCSV": "rhcl-1.3"}}}, want: []string{`rhoai:operators.rhcl.startingCSV: found "rhcl-1.3"`, "rhcl-operator.v1.2.3"}},
		{name: "rejects RHCL 1.4.0", set: map[string]any{"operators": map[string]any{"rhcl": map[string]any{"startingCSV": "rhcl-operator.v1.4.0"}}}, want: []string{`found "rhcl-operator.v1.4.0"`, "rhcl-operator.v1.3.x", "AUTH_FAILURE"}},
		{name: "rejects COO 1.5.0", set: map[string]any{"operators": map[string]any{"coo": map[string]any{"startingCSV": "cluster-observability-operator.v1.5.0"}}}, want: []string{"cluster-observability-operator.v1.4.x"}},
		{name: "rejects a pin of another package", set: map[string]any{"operators": map[string]any{"rhoai": map[string]any{"startingCSV": "nfd.v4.21.0"}}}, want: []string{`rhoai:operators.rhoai.startingCSV: found "nfd.v4.21.0"`, "a CSV of package rhods-operator"}},
		{name: "rejects an unknown approval", set: map[string]any{"operators": map[string]any{"nfd": map[string]any{"approval": "Sometimes"}}}, want: []string{`rhoai:operators.nfd.approval: found "Sometimes"`}},
		{name: "rejects Manual approval without a pin", set: map[string]any{"operators": map[string]any{"gitops": map[string]any{"approval": "Manual"}}}, want: []string{"rhoai:operators.gitops.startingCSV: found nothing", "only its InstallPlan is approved"}},
		{name: "rejects an empty instance type list", set: map[string]any{"gpu": map[string]any{"instanceTypes": []string{}}}, want: []string{"rhoai:gpu.instanceTypes: found an empty list"}},
		{name: "rejects a malformed instance type", set: map[string]any{"gpu": map[string]any{"instanceTypes": []string{"g5-2xlarge"}}}, want: []string{`rhoai:gpu.instanceTypes[0]: found "g5-2xlarge"`}},
		{name: "rejects negative GPU replicas per zone", set: map[string]any{"gpu": map[string]any{"replicasPerZone": -1}}, want: []string{"rhoai:gpu.replicasPerZone: found -1, expected an integer from 1 to 100"}},
		{name: "rejects zero model replicas", set: map[string]any{"models": model(map[string]any{"replicas": 0})}, want: []string{"rhoai:models[0].replicas: found 0, expected an integer from 1 to 100", "pulumi config set --path 'rhoai:models[0].replicas' 2"}},
		{name: "rejects zero GPUs per replica", set: map[string]any{"models": model(map[string]any{"gpus": 0})}, want: []string{"rhoai:models[0].gpus: found 0"}},
		{name: "rejects a model name that is not a DNS label", set: map[string]any{"models": model(map[string]any{"name": "Qwen3_8B"})}, want: []string{`rhoai:models[0].name: found "Qwen3_8B"`}},
		{name: "rejects a model URI without a scheme", set: map[string]any{"models": model(map[string]any{"uri": "registry.redhat.io/x:1"})}, want: []string{`rhoai:models[0].uri: found "registry.redhat.io/x:1"`, "oci://"}},
		{name: "rejects a bad memory quantity", set: map[string]any{"models": model(map[string]any{"memory": "24 gigs"})}, want: []string{`rhoai:models[0].memory: found "24 gigs"`}},
		{name: "rejects a model in a platform namespace", set: map[string]any{"models": model(map[string]any{"namespace": "openshift-ingress"})}, want: []string{`rhoai:models[0].namespace: found "openshift-ingress"`}},
		{name: "rejects a malformed token window", set: map[string]any{"maas": maasWith(map[string]any{"models": []map[string]any{{"model": "qwen3-8b", "limit": 100, "window": "1d"}}})}, want: []string{`rhoai:maas.subscriptions[0].models[0].window: found "1d"`, "24h"}},
		{name: "rejects a zero token limit", set: map[string]any{"maas": maasWith(map[string]any{"models": []map[string]any{{"model": "qwen3-8b", "limit": 0, "window": "1h"}}})}, want: []string{"rhoai:maas.subscriptions[0].models[0].limit: found 0"}},
		{name: "rejects a subscription to an unknown model", set: map[string]any{"maas": maasWith(map[string]any{"models": []map[string]any{{"model": "llama", "limit": 10, "window": "1h"}}})}, want: []string{`rhoai:maas.subscriptions[0].models[0].model: found "llama"`}},
		{name: "rejects a subscription without owners", set: map[string]any{"maas": maasWith(map[string]any{"groups": []string{}})}, want: []string{"rhoai:maas.subscriptions[0].groups: found no groups and no users"}},
		{name: "rejects Kueue Managed", set: map[string]any{"rhoai": map[string]any{"components": map[string]any{"kueue": "Managed"}}}, want: []string{`rhoai:rhoai.components.kueue: found "Managed"`}},
		{name: "rejects an unknown DSC component", set: map[string]any{"rhoai": map[string]any{"components": map[string]any{"codeflare": "Managed"}}}, want: []string{"rhoai:rhoai.components.codeflare: found an unknown DataScienceCluster component"}},
		{name: "rejects modelsAsService set by hand", set: map[string]any{"rhoai": map[string]any{"components": map[string]any{"modelsAsService": "Managed"}}}, want: []string{"C12"}},
		{name: "rejects a bad rawDeploymentServiceConfig", set: map[string]any{"rhoai": map[string]any{"rawDeploymentServiceConfig": "Headful"}}, want: []string{`rhoai:rhoai.rawDeploymentServiceConfig: found "Headful"`}},
		{name: "rejects an unknown gateway TLS mode", set: map[string]any{"gateway": map[string]any{"tls": "acme"}}, want: []string{`rhoai:gateway.tls: found "acme"`}},
	}
	require.GreaterOrEqual(t, len(cases), 20)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := testkit.Config()
			for k, v := range tc.set {
				b.Set(k, v)
			}
			cfg := b.Build()
			for _, k := range tc.drop {
				delete(cfg, k)
			}
			rec, err := testkit.Run(cfg, testkit.OpenShift("BareMetal"), false)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), "nothing was changed")
			assert.Empty(t, rec.All(), "no resource (not even the provider) is registered on bad config")
		})
	}
}

func TestConfig_reportsEveryProblemAtOnce(t *testing.T) {
	cfg := testkit.Config().
		Set("platform", "gcp").
		Set("models", model(map[string]any{"replicas": 0, "uri": "x"})).
		Set("operators", map[string]any{"rhcl": map[string]any{"startingCSV": "rhcl-operator.v1.4.0"}}).
		Build()
	rec, err := testkit.Run(cfg, testkit.OpenShift("BareMetal"), false)
	require.Error(t, err)
	for _, w := range []string{"rhoai:platform", "rhoai:models[0].replicas", "rhoai:models[0].uri", "rhoai:operators.rhcl.startingCSV"} {
		assert.Contains(t, err.Error(), w)
	}
	assert.Empty(t, rec.All())
}

func TestConfig_secretValuesNeverAppearInErrors(t *testing.T) {
	cfg := testkit.Config().Set("platform", "gcp").Build()
	_, err := testkit.Run(cfg, testkit.OpenShift("BareMetal"), false)
	require.Error(t, err)
	for _, secret := range []string{"route53-secret-value", "db-secret-value", "AKIAEXAMPLE"} {
		assert.NotContains(t, err.Error(), secret)
	}
}

// Cluster facts that contradict config fail before anything is registered.
func TestConfig_rejectsZonesOutsideTheRegion(t *testing.T) {
	cfg := testkit.Config().AWS().Set("gpu", map[string]any{"region": "us-west-2"}).Build()
	rec, err := testkit.Run(cfg, testkit.OpenShift("AWS"), false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rhoai:gpu.zones: found us-east-2a, us-east-2b, us-east-2c, not in region us-west-2")
	assert.Contains(t, err.Error(), "nothing was changed")
	assert.Empty(t, rec.All())
}
