package ocpsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/tls"
)

// The program's override args (components/tls overrideArgs).
var overrideArgs = []string{"--dns01-recursive-nameservers-only", "--dns01-recursive-nameservers=8.8.8.8:53,1.1.1.1:53", "--enable-certificate-owner-ref"}

func certManagerInstalled(t *testing.T, opts ...func(*Options)) *fixture {
	f := newFixture(t, opts...)
	f.create(gvrNamespaces, namespace("cert-manager"))
	f.install(opCertManager)
	f.settle()
	return f
}

func TestCertManager_operand(t *testing.T) {
	f := certManagerInstalled(t)
	assert.True(t, f.check(readiness.Exists(gvrCertManagers, "CertManager", "", "cluster")).Ready, "the program patches CertManager cluster only once it exists")
	for _, d := range []string{"cert-manager", "cert-manager-webhook", "cert-manager-cainjector"} {
		assert.True(t, f.check(readiness.DeploymentAvailable("cert-manager", d)).Ready, d)
		assert.Equal(t, "cert-manager", f.must(gvrDeployments, "cert-manager", d).GetLabels()["app.kubernetes.io/instance"])
	}
	st := f.check(tls.WebhookCAInjected(tls.WebhookConfiguration))
	assert.True(t, st.Ready, st.Message)
	assert.False(t, f.check(tls.ControllerConfigured(overrideArgs)).Ready, "no override args before the patch")

	f.edit(gvrCertManagers, "", "cluster", func(o *unstructured.Unstructured) {
		set(o, toAnySlice(overrideArgs), "spec", "controllerConfig", "overrideArgs")
	})
	f.settle()
	st = f.check(tls.ControllerConfigured(overrideArgs))
	assert.True(t, st.Ready, st.Message)
}

func TestCertManager_rejectsUnsupportedArgs(t *testing.T) {
	f := certManagerInstalled(t)
	f.edit(gvrCertManagers, "", "cluster", func(o *unstructured.Unstructured) {
		set(o, []any{"--no-such-flag=1"}, "spec", "controllerConfig", "overrideArgs")
	})
	f.settle()
	st := f.check(tls.ControllerConfigured([]string{"--no-such-flag=1"}))
	assert.True(t, st.Terminal)
	assert.Contains(t, st.Message, `validation failed due to unsupported arg "--no-such-flag"="1"`)
}

func clusterIssuer(name string, route53Secret string) *unstructured.Unstructured {
	solver := map[string]any{"region": "us-east-2"}
	if route53Secret != "" {
		solver["accessKeyIDSecretRef"] = map[string]any{"name": route53Secret, "key": "aws_access_key_id"}
		solver["secretAccessKeySecretRef"] = map[string]any{"name": route53Secret, "key": "aws_secret_access_key"}
	}
	return obj("cert-manager.io/v1", "ClusterIssuer", "", name, map[string]any{"acme": map[string]any{
		"server":              "https://acme-v02.api.letsencrypt.org/directory",
		"privateKeySecretRef": map[string]any{"name": name + "-key"},
		"solvers":             []any{map[string]any{"dns01": map[string]any{"route53": solver}}},
	}})
}

func certificate(ns, name, secret, issuer string) *unstructured.Unstructured {
	return obj("cert-manager.io/v1", "Certificate", ns, name, map[string]any{
		"commonName": "apps.ocp.example.com", "dnsNames": []any{"apps.ocp.example.com", "*.apps.ocp.example.com"},
		"secretName": secret, "issuerRef": map[string]any{"name": issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"},
	})
}

func TestCertManager_issuance(t *testing.T) {
	tests := []struct {
		name       string
		withKeys   bool
		ownerRef   bool
		wantReady  bool
		wantReason string
	}{
		{"issues with the DNS-01 credentials present", true, true, true, "Ready"},
		{"fails (and retries) while the Route53 credentials Secret is missing", false, false, false, "Failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := certManagerInstalled(t, func(o *Options) {
				o.Delays.IssuerRegister = 10 * time.Second
				o.Delays.CertIssue = 2 * time.Minute
			})
			if tc.ownerRef {
				f.edit(gvrCertManagers, "", "cluster", func(o *unstructured.Unstructured) {
					set(o, toAnySlice(overrideArgs), "spec", "controllerConfig", "overrideArgs")
				})
			}
			if tc.withKeys {
				f.create(gvrSecrets, obj("v1", "Secret", "cert-manager", "aws-creds", nil))
			}
			f.create(gvrClusterIssuers, clusterIssuer("letsencrypt", "aws-creds"))
			f.settle()
			assert.False(t, waitForHolds(f.must(gvrClusterIssuers, "", "letsencrypt"), "condition=Ready"), "ACME registration takes a while")
			f.clock.advance(10 * time.Second)
			f.settle()
			issuer := f.must(gvrClusterIssuers, "", "letsencrypt")
			require.True(t, waitForHolds(issuer, "condition=Ready"))
			assert.NotNil(t, f.get(gvrSecrets, "cert-manager", "letsencrypt-key"), "the ACME account key")

			f.create(gvrCertificates, certificate("openshift-ingress", "ocp-ingress", "ingress-certs", "letsencrypt"))
			f.settle()
			f.clock.advance(2 * time.Minute)
			f.settle()
			cert := f.must(gvrCertificates, "openshift-ingress", "ocp-ingress")
			assert.Equal(t, tc.wantReady, waitForHolds(cert, "condition=Ready"))
			c, _ := condition(cert, "Ready")
			assert.Equal(t, tc.wantReason, c.Reason)
			sec := f.get(gvrSecrets, "openshift-ingress", "ingress-certs")
			assert.Equal(t, tc.wantReady, sec != nil)
			if sec != nil {
				assert.Equal(t, "kubernetes.io/tls", str(sec, "type"))
				assert.Equal(t, tc.ownerRef, len(sec.GetOwnerReferences()) == 1, "--enable-certificate-owner-ref")
			}
			if !tc.withKeys {
				assert.Contains(t, c.Message, `secret "aws-creds" not found`)
				f.create(gvrSecrets, obj("v1", "Secret", "cert-manager", "aws-creds", nil))
				f.settle()
				f.clock.advance(2 * time.Minute)
				f.settle()
				assert.True(t, waitForHolds(f.must(gvrCertificates, "openshift-ingress", "ocp-ingress"), "condition=Ready"), "cert-manager retries")
			}
		})
	}
}

func TestCertManager_selfSignedIssuer(t *testing.T) {
	f := certManagerInstalled(t)
	f.create(gvrIssuers, obj("cert-manager.io/v1", "Issuer", "openshift-ingress", "selfsigned", map[string]any{"selfSigned": map[string]any{}}))
	cert := certificate("openshift-ingress", "serving", "serving-tls", "selfsigned")
	set(cert, "Issuer", "spec", "issuerRef", "kind")
	f.create(gvrCertificates, cert)
	f.settle()
	assert.True(t, waitForHolds(f.must(gvrIssuers, "openshift-ingress", "selfsigned"), "condition=Ready"))
	assert.True(t, waitForHolds(f.must(gvrCertificates, "openshift-ingress", "serving"), "condition=Ready"))
}
