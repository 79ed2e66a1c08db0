package ocpsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/preflight"
	"github.com/rhoai-pulumi/installer/components/tls"
)

func TestBootstrap(t *testing.T) {
	tests := []struct {
		name     string
		opts     []func(*Options)
		platform string
		region   string
		workers  int // worker MachineSets discovered
	}{
		{"bare metal passes preflight and has no machine API workers", nil, "BareMetal", "", 0},
		{"AWS passes preflight and offers worker MachineSets to copy", []func(*Options){onAWS}, "AWS", "us-east-2", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			report := preflight.Check(f.ctx, f.c, preflight.Options{MinVersion: "4.21", Platform: map[string]string{"AWS": "aws", "BareMetal": "baremetal"}[tc.platform]})
			require.NoError(t, report.Err())
			facts, err := preflight.Discover(f.ctx, f.c)
			require.NoError(t, err)
			assert.Equal(t, "ocp.example.com", facts.BaseDomain)
			assert.Equal(t, "apps.ocp.example.com", facts.AppsDomain)
			assert.Equal(t, tc.platform, facts.PlatformType)
			assert.Equal(t, tc.region, facts.AWSRegion)
			assert.Equal(t, "ocp-x7k2p", facts.InfrastructureName)
			assert.Equal(t, "4.21.2", facts.Version)
			assert.Equal(t, "v26.3", facts.GPUChannel)
			assert.Len(t, facts.WorkerMachineSets, tc.workers)
			for _, ms := range facts.WorkerMachineSets {
				assert.Equal(t, "ami-0123456789abcdef0", ms.AMI)
				assert.False(t, ms.GPU)
			}
			for _, ns := range platformNamespaces {
				assert.NotNil(t, f.get(gvrNamespaces, "", ns), ns)
			}
			sc := f.must(gvrStorageClasses, "", map[string]string{"AWS": "gp3-csi", "BareMetal": "lvms-vg1"}[tc.platform])
			assert.Equal(t, "WaitForFirstConsumer", str(sc, "volumeBindingMode"))
			for _, c := range PlatformCRDs {
				assert.True(t, isTrue(f.must(gvrCRDs, "", c.Name()), "Established"), c.Name())
			}
			f.must(gvrIngressCtrls, "openshift-ingress-operator", "default")
			f.must(gvrAPIServers, "", "cluster")
			f.must(gvrOperatorGroups, "openshift-operators", "global-operators")
		})
	}
}

func TestBootstrap_isIdempotent(t *testing.T) {
	f := newFixture(t, onAWS)
	require.NoError(t, f.sim.Bootstrap(f.ctx))
	machines, err := f.sim.store.list(f.ctx, gvrMachines)
	require.NoError(t, err)
	assert.Len(t, machines, 3)
}

func TestServiceCA(t *testing.T) {
	f := newFixture(t)
	f.create(gvrNamespaces, namespace("demo"))
	svc := obj("v1", "Service", "demo", "api", map[string]any{"ports": []any{map[string]any{"port": int64(443)}}})
	svc.SetAnnotations(map[string]string{servingCertAnn: "api-tls"})
	f.create(gvrServices, svc)
	// An existing secret of another origin is overwritten (docs/decisions.md D3).
	other := obj("v1", "Secret", "demo", "other-tls", nil)
	other.Object["data"] = map[string]any{"tls.crt": "b3JpZ2luYWw="}
	f.create(gvrSecrets, other)
	svc2 := obj("v1", "Service", "demo", "web", nil)
	svc2.SetAnnotations(map[string]string{servingCertAnn: "other-tls"})
	f.create(gvrServices, svc2)
	f.settle()

	sec := f.must(gvrSecrets, "demo", "api-tls")
	assert.Equal(t, "kubernetes.io/tls", str(sec, "type"))
	assert.NotEmpty(t, str(sec, "data", "tls.crt"))
	assert.Equal(t, "api", sec.GetAnnotations()[originatingService])
	assert.NotEqual(t, "b3JpZ2luYWw=", str(f.must(gvrSecrets, "demo", "other-tls"), "data", "tls.crt"))
	assert.NotEmpty(t, f.must(gvrConfigMaps, "demo", serviceCAConfigMap).Object["data"])
}

func TestCredentialsRequest(t *testing.T) {
	tests := []struct {
		name        string
		opts        []func(*Options)
		targetNS    bool
		provisioned bool
		missingNS   bool
	}{
		{"AWS provisions the secret", []func(*Options){onAWS}, true, true, false},
		{"AWS waits for the target namespace", []func(*Options){onAWS}, false, false, true},
		{"bare metal never provisions AWS credentials", nil, true, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			if tc.targetNS {
				f.create(gvrNamespaces, namespace("cert-manager"))
			}
			f.create(gvrCredRequests, obj("cloudcredential.openshift.io/v1", "CredentialsRequest", ccoNamespace, "cert-manager", map[string]any{
				"providerSpec": map[string]any{"apiVersion": "cloudcredential.openshift.io/v1", "kind": "AWSProviderSpec"},
				"secretRef":    map[string]any{"name": "aws-creds", "namespace": "cert-manager"},
			}))
			f.settle()
			cr := f.must(gvrCredRequests, ccoNamespace, "cert-manager")
			assert.Equal(t, tc.provisioned, boolean(cr, "status", "provisioned"))
			assert.Equal(t, tc.provisioned, f.get(gvrSecrets, "cert-manager", "aws-creds") != nil)
			_, missing := condition(cr, "MissingTargetNamespace")
			assert.Equal(t, tc.missingNS, missing)
			if tc.provisioned {
				assert.Equal(t, cr.GetGeneration(), num(cr, "status", "lastSyncGeneration"))
				f.delete(gvrCredRequests, ccoNamespace, "cert-manager")
				f.settle()
				assert.Nil(t, f.get(gvrCredRequests, ccoNamespace, "cert-manager"), "CCO deprovisions and removes its finalizer")
				assert.Nil(t, f.get(gvrSecrets, "cert-manager", "aws-creds"))
			}
		})
	}
}

func TestIngressCertificateSwitch(t *testing.T) {
	f := newFixture(t)
	f.mergePatch(gvrIngressCtrls, "openshift-ingress-operator", "default", map[string]any{"spec": map[string]any{"defaultCertificate": map[string]any{"name": "ingress-certs"}}})
	f.settle()
	co := f.must(gvrClusterOperators, "", "ingress")
	c, _ := condition(co, "Degraded")
	assert.Equal(t, "True", c.Status, "C4: a router pointed at a missing secret degrades ingress")
	assert.Contains(t, c.Message, `secret "ingress-certs" not found`)

	f.create(gvrSecrets, obj("v1", "Secret", "openshift-ingress", "ingress-certs", nil))
	f.settle()
	co = f.must(gvrClusterOperators, "", "ingress")
	assert.True(t, isTrue(co, "Available"))
	assert.False(t, isTrue(co, "Degraded"))
}

func TestAPIServerNamedCertificate(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.Rollout = 3 * 60e9 })
	host := "api.ocp.example.com"
	served := tls.NamedCertificateServed(host)
	assert.False(t, f.check(served).Ready)

	f.mergePatch(gvrAPIServers, "", "cluster", map[string]any{"spec": map[string]any{"servingCerts": map[string]any{
		"namedCertificates": []any{map[string]any{"names": []any{host}, "servingCertificate": map[string]any{"name": "api-certs"}}}}}})
	f.settle()
	st := f.check(served)
	assert.False(t, st.Ready, "nodes still on the old revision during the rollout")
	assert.Contains(t, st.Message, "revision")

	f.clock.advance(3 * 60e9)
	f.settle()
	st = f.check(served)
	assert.True(t, st.Ready, st.Message)
}
