package tls

import (
	"sync"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

const base = "mycluster.example.com"

// Stand-ins for what other layers hand over, with gates of their own.
var (
	credsGate    = readiness.Gate{Name: "credentialsProvisioned", Object: "CredentialsRequest openshift-cloud-credential-operator/cert-manager"}
	everythingGt = readiness.Gate{Name: "everythingElse", Object: "DataScienceCluster default-dsc"}
)

type fixture struct {
	rec *pulumitest.Recorder
	tls *TLS
	// outputs read back through the component's Outputs
	mu      sync.Mutex
	outputs map[string]string
}

// program registers what stacks/ would: an AWS-layer Secret (the Credentials
// prerequisite), NewTLS, a last layer (what the API switch follows), and two dependents
// taking the layer's prerequisites.
func run(t *testing.T, mutate func(*TLSArgs), gatesOn bool) (*fixture, error) {
	t.Helper()
	f := &fixture{outputs: map[string]string{}}
	rec, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		awsSecret, err := corev1.NewSecret(ctx, "aws-layer-secret", &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("aws-creds"), Namespace: pulumi.String("cert-manager")},
		})
		if err != nil {
			return err
		}
		last, err := corev1.NewConfigMap(ctx, "last-layer", &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("last"), Namespace: pulumi.String("default")},
		})
		if err != nil {
			return err
		}
		a := DefaultTLSArgs()
		a.BaseDomain, a.Region = base, "us-east-2"
		a.Credentials = readiness.Prerequisite{Resources: []pulumi.Resource{awsSecret}, Gates: []readiness.Gate{credsGate}}
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), gatesOn)
		if mutate != nil {
			mutate(&a)
		}
		tl, err := NewTLS(ctx, "tls", &a)
		if err != nil {
			return err
		}
		f.tls = tl
		// stacks/ switches the API certificate after everything else (C18).
		if err := tl.SwitchAPIServerCertificate(ctx, readiness.Prerequisite{Resources: []pulumi.Resource{last}, Gates: []readiness.Gate{everythingGt}}); err != nil {
			return err
		}
		for k, o := range map[string]pulumi.StringOutput{"issuerName": tl.IssuerName, "ingressSecretName": tl.IngressSecretName, "apiSecretName": tl.APISecretName} {
			k := k
			o.ApplyT(func(v string) string {
				f.mu.Lock()
				defer f.mu.Unlock()
				f.outputs[k] = v
				return v
			})
		}
		depOpts, err := a.Gates.Options(tl.Prerequisite())
		if err != nil {
			return err
		}
		if _, err := apiextensions.NewCustomResource(ctx, "dependent-issuer", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("cert-manager.io/v1"), Kind: pulumi.String("Issuer"),
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("selfsigned"), Namespace: pulumi.String("openshift-ingress")},
		}, depOpts...); err != nil {
			return err
		}
		gwOpts, err := a.Gates.Options(tl.IngressCertificateReady())
		if err != nil {
			return err
		}
		_, err = corev1.NewConfigMap(ctx, "dependent-gateway", &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("gw"), Namespace: pulumi.String("openshift-ingress")},
		}, gwOpts...)
		return err
	}, nil, false, nil)
	f.rec = rec
	return f, err
}

func one(t *testing.T, rec *pulumitest.Recorder, kind, ns, name string) pulumitest.Resource {
	t.Helper()
	rs := rec.Find(kind, ns, name)
	require.Len(t, rs, 1, "%s %s/%s among %v", kind, ns, name, pulumitest.Names(rec.Custom()))
	return rs[0]
}

func metadata(r pulumitest.Resource) map[string]any { return r.Object()["metadata"].(map[string]any) }
func spec(r pulumitest.Resource) map[string]any     { return r.Object()["spec"].(map[string]any) }

func hook(name, object string) string {
	return readiness.Gate{Name: name, Object: object}.HookName()
}

func TestTLS_objectsReproduceTheManifests(t *testing.T) {
	f, err := run(t, nil, true)
	require.NoError(t, err)
	rec := f.rec

	monitoring := map[string]any{"openshift.io/cluster-monitoring": "true"}
	for _, ns := range []string{"cert-manager-operator", "cert-manager"} {
		r := one(t, rec, "Namespace", "", ns)
		assert.Equal(t, "kubernetes:core/v1:Namespace", r.Type)
		assert.Equal(t, monitoring, metadata(r)["labels"], ns)
	}

	og := one(t, rec, "OperatorGroup", "cert-manager-operator", "openshift-cert-manager-operator")
	assert.Equal(t, map[string]any{"upgradeStrategy": "Default"}, spec(og), "AllNamespaces")

	sub := one(t, rec, "Subscription", "cert-manager-operator", "openshift-cert-manager-operator")
	assert.Equal(t, map[string]any{
		"channel": "stable-v1", "installPlanApproval": "Automatic", "name": "openshift-cert-manager-operator",
		"source": "redhat-operators", "sourceNamespace": "openshift-marketplace",
		"config": map[string]any{"env": []any{map[string]any{"name": "CLOUD_CREDENTIALS_SECRET_NAME", "value": "aws-creds"}}},
	}, spec(sub))

	cm := one(t, rec, "CertManagerPatch", "", "cluster")
	assert.Equal(t, "kubernetes:operator.openshift.io/v1alpha1:CertManagerPatch", cm.Type)
	assert.NotContains(t, metadata(cm), "namespace")
	assert.Equal(t, "true", metadata(cm)["annotations"].(map[string]any)["pulumi.com/patchForce"])
	assert.Equal(t, map[string]any{
		"managementState": "Managed",
		"controllerConfig": map[string]any{"overrideArgs": []any{
			"--dns01-recursive-nameservers-only", "--dns01-recursive-nameservers=8.8.8.8:53,1.1.1.1:53", "--enable-certificate-owner-ref",
		}},
	}, spec(cm))

	secretRefs := map[string]any{
		"region":                   "us-east-2",
		"accessKeyIDSecretRef":     map[string]any{"name": "aws-creds", "key": "aws_access_key_id"},
		"secretAccessKeySecretRef": map[string]any{"name": "aws-creds", "key": "aws_secret_access_key"},
	}
	for _, tc := range []struct{ name, server, key string }{
		{"letsencrypt", "https://acme-v02.api.letsencrypt.org/directory", "letsencrypt-key"},
		{"letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory", "letsencrypt-staging-key"},
	} {
		r := one(t, rec, "ClusterIssuer", "", tc.name)
		assert.Equal(t, "kubernetes:cert-manager.io/v1:ClusterIssuer", r.Type)
		assert.Equal(t, map[string]any{"acme": map[string]any{
			"server":              tc.server,
			"privateKeySecretRef": map[string]any{"name": tc.key},
			"solvers":             []any{map[string]any{"dns01": map[string]any{"route53": secretRefs}}},
		}}, spec(r), tc.name)
		assert.Equal(t, map[string]any{"pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "300"}, metadata(r)["annotations"])
	}

	issuerRef := map[string]any{"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"}
	for _, tc := range []struct {
		ns, name string
		want     map[string]any
	}{
		{"openshift-ingress", "ocp-ingress", map[string]any{"isCA": false, "commonName": "apps." + base,
			"dnsNames": []any{"apps." + base, "*.apps." + base}, "issuerRef": issuerRef, "secretName": "ingress-certs"}},
		{"openshift-config", "ocp-api", map[string]any{"isCA": false, "commonName": "api." + base,
			"dnsNames": []any{"api." + base}, "issuerRef": issuerRef, "secretName": "api-certs"}},
	} {
		r := one(t, rec, "Certificate", tc.ns, tc.name)
		assert.Equal(t, "kubernetes:cert-manager.io/v1:Certificate", r.Type)
		assert.Equal(t, tc.want, spec(r), tc.name)
		assert.Nil(t, metadata(r)["annotations"], "no waitFor: the certificateReady gate of the dependents, which fails on a failed order")
	}

	ic := one(t, rec, "IngressControllerPatch", "openshift-ingress-operator", "default")
	assert.Equal(t, "kubernetes:operator.openshift.io/v1:IngressControllerPatch", ic.Type)
	assert.Equal(t, map[string]any{"defaultCertificate": map[string]any{"name": "ingress-certs"}}, spec(ic))
	assert.Equal(t, "true", metadata(ic)["annotations"].(map[string]any)["pulumi.com/patchForce"])

	assert.Empty(t, rec.Find("APIServerPatch", "", "cluster"), "the API switch is opt-in")
	assert.Len(t, rec.Find("Secret", "cert-manager", "aws-creds"), 1, "only the AWS layer's Secret in secret mode")

	for _, r := range []pulumitest.Resource{cm, ic, one(t, rec, "ClusterIssuer", "", "letsencrypt"), one(t, rec, "Namespace", "", "cert-manager")} {
		assert.Equal(t, "tls", r.Parent, r.Name)
	}
	comp, ok := rec.Get("tls")
	require.True(t, ok)
	assert.Equal(t, "rhoai:tls:TLS", comp.Type)

	assert.Equal(t, map[string]string{"issuerName": "letsencrypt", "ingressSecretName": "ingress-certs", "apiSecretName": "api-certs"}, f.outputs)
}

func TestTLS_constraintEdgesAndGates(t *testing.T) {
	f, err := run(t, nil, true)
	require.NoError(t, err)
	rec := f.rec
	sub := one(t, rec, "Subscription", "cert-manager-operator", "openshift-cert-manager-operator").Name
	operand := one(t, rec, "Namespace", "", "cert-manager").Name
	cm := one(t, rec, "CertManagerPatch", "", "cluster")
	prod := one(t, rec, "ClusterIssuer", "", "letsencrypt")
	staging := one(t, rec, "ClusterIssuer", "", "letsencrypt-staging")
	ingressCert := one(t, rec, "Certificate", "openshift-ingress", "ocp-ingress")
	apiCert := one(t, rec, "Certificate", "openshift-config", "ocp-api")
	ic := one(t, rec, "IngressControllerPatch", "openshift-ingress-operator", "default")

	csv := hook("csvSucceeded", "Subscription cert-manager-operator/openshift-cert-manager-operator")
	crdCM := hook("crdEstablished", "CustomResourceDefinition certmanagers.operator.openshift.io")
	crdIssuer := hook("crdEstablished", "CustomResourceDefinition clusterissuers.cert-manager.io")
	crdCert := hook("crdEstablished", "CustomResourceDefinition certificates.cert-manager.io")
	available := hook("certManagerAvailable", "Deployments in cert-manager")
	configured := hook("certManagerConfigured", "Deployment cert-manager/cert-manager")

	edges := []struct {
		name          string
		after, before string
	}{
		{"the operand namespace exists before the operator would create it", sub, operand},
		{"C1: CertManager is patched after the Subscription", cm.Name, sub},
		{"C2: the production issuer waits for the CertManager configuration", prod.Name, cm.Name},
		{"C2: the staging issuer waits for the DNS-01 credentials", staging.Name, "aws-layer-secret"},
		{"C2: the production issuer waits for the DNS-01 credentials", prod.Name, "aws-layer-secret"},
		{"C3: ocp-ingress waits for the chosen issuer", ingressCert.Name, prod.Name},
		{"C3: ocp-api waits for the chosen issuer", apiCert.Name, prod.Name},
		{"C4: the router switch waits for ocp-ingress", ic.Name, ingressCert.Name},
		{"teardown 6: the router switch is relinquished before its Secret's Certificate and the issuer go", ic.Name, prod.Name},
		{"a layer's cert-manager Issuer waits for the CertManager configuration", "dependent-issuer", cm.Name},
		{"the MaaS gateway waits for ocp-ingress", "dependent-gateway", ingressCert.Name},
	}
	for _, e := range edges {
		t.Run(e.name, func(t *testing.T) {
			assert.True(t, rec.Reaches(e.after, e.before), "%s should depend on %s", e.after, e.before)
			assert.False(t, rec.Reaches(e.before, e.after), "cycle between %s and %s", e.after, e.before)
		})
	}
	assert.False(t, rec.Reaches(ingressCert.Name, staging.Name), "C3 edges only to the chosen issuer")

	gates := []struct {
		name     string
		resource pulumitest.Resource
		hooks    []string
	}{
		{"CertManager is patched only once the operator created it", cm, []string{csv, crdCM, hook("certManagerExists", "CertManager cluster")}},
		{"issuers wait for a usable cert-manager and the credentials gate", prod, []string{csv, crdIssuer, crdCert, available, configured, credsGate.HookName()}},
		{"the staging issuer carries the same gates", staging, []string{available, configured, credsGate.HookName()}},
		{"the router is patched only once IngressController default exists", ic, []string{hook("ingressControllerExists", "IngressController openshift-ingress-operator/default")}},
		{"C4: the router is patched only once ocp-ingress is issued", ic, []string{hook("certificateReady", "Certificate openshift-ingress/ocp-ingress")}},
	}
	for _, g := range gates {
		t.Run(g.name, func(t *testing.T) {
			for _, h := range g.hooks {
				assert.True(t, g.resource.HasGate(h), "missing %s on %s: %v", h, g.resource.Name, g.resource.Hooks.BeforeCreate)
			}
		})
	}
	dep, ok := rec.Get("dependent-issuer")
	require.True(t, ok)
	for _, h := range []string{csv, crdIssuer, available, configured} {
		assert.True(t, dep.HasGate(h), "Prerequisite() lacks %s", h)
	}
}

func TestTLS_stagingIssuerSignsTheCertificatesWhenChosen(t *testing.T) {
	f, err := run(t, func(a *TLSArgs) { a.Issuer = StagingIssuer }, true)
	require.NoError(t, err)
	for _, c := range [][2]string{{"openshift-ingress", "ocp-ingress"}, {"openshift-config", "ocp-api"}} {
		r := one(t, f.rec, "Certificate", c[0], c[1])
		assert.Equal(t, "letsencrypt-staging", spec(r)["issuerRef"].(map[string]any)["name"])
		assert.True(t, f.rec.Reaches(r.Name, one(t, f.rec, "ClusterIssuer", "", "letsencrypt-staging").Name))
	}
	assert.Equal(t, "letsencrypt-staging", f.outputs["issuerName"])
}

func TestTLS_credentialModes(t *testing.T) {
	refs := map[string]any{
		"accessKeyIDSecretRef":     map[string]any{"name": "aws-creds", "key": "aws_access_key_id"},
		"secretAccessKeySecretRef": map[string]any{"name": "aws-creds", "key": "aws_secret_access_key"},
	}
	cases := []struct {
		name        string
		mutate      func(*TLSArgs)
		wantRoute53 map[string]any
		wantEnv     bool
		wantSecret  bool
		wantEmail   string
	}{
		{
			name:        "secret mode references the AWS layer's Secret with a pinned zone and e-mail",
			mutate:      func(a *TLSArgs) { a.HostedZoneID, a.Email = "Z0123456789ABC", "ops@example.com" },
			wantRoute53: merge(map[string]any{"region": "us-east-2", "hostedZoneID": "Z0123456789ABC"}, refs),
			wantEnv:     true,
			wantEmail:   "ops@example.com",
		},
		{
			name: "sts mode uses ambient credentials and a role, with no secret reference",
			mutate: func(a *TLSArgs) {
				a.CredentialsMode, a.Role = CredentialsSTS, pulumi.String("arn:aws:iam::123456789012:role/cert-manager")
			},
			wantRoute53: map[string]any{"region": "us-east-2", "role": "arn:aws:iam::123456789012:role/cert-manager"},
			wantEnv:     true,
		},
		{
			name: "sts mode with the AWS layer's role output exchanges cert-manager's token, with no secret reference",
			mutate: func(a *TLSArgs) {
				a.CredentialsMode, a.CloudCredentialsSecret, a.ServiceAccountRef = CredentialsSTS, "", "cert-manager"
				a.Role = pulumi.String("arn:aws:iam::123456789012:role/infra-cert-manager-route53").ToStringOutput().ApplyT(func(s string) string { return s }).(pulumi.StringOutput)
			},
			wantRoute53: map[string]any{"region": "us-east-2", "role": "arn:aws:iam::123456789012:role/infra-cert-manager-route53",
				"auth": map[string]any{"kubernetes": map[string]any{"serviceAccountRef": map[string]any{"name": "cert-manager"}}}},
		},
		{
			name: "static mode on bare metal creates the Secret and sets no operator env",
			mutate: func(a *TLSArgs) {
				a.CredentialsMode, a.CloudCredentialsSecret, a.Credentials = CredentialsStatic, "", readiness.Prerequisite{}
				a.AccessKeyID = pulumi.ToSecret(pulumi.String("AKIAEXAMPLE")).(pulumi.StringOutput)
				a.SecretAccessKey = pulumi.String("wJalrXUtnFEMI/K7MDENG") // even a plain value is stored secret
			},
			wantRoute53: merge(map[string]any{"region": "us-east-2"}, refs),
			wantSecret:  true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := run(t, tc.mutate, true)
			require.NoError(t, err)
			for _, name := range []string{"letsencrypt", "letsencrypt-staging"} {
				acme := spec(one(t, f.rec, "ClusterIssuer", "", name))["acme"].(map[string]any)
				solver := acme["solvers"].([]any)[0].(map[string]any)
				assert.Equal(t, tc.wantRoute53, solver["dns01"].(map[string]any)["route53"], name)
				if tc.wantEmail != "" {
					assert.Equal(t, tc.wantEmail, acme["email"])
				} else {
					assert.NotContains(t, acme, "email", "no ACME email unless given")
				}
			}
			sub := spec(one(t, f.rec, "Subscription", "cert-manager-operator", "openshift-cert-manager-operator"))
			if tc.wantEnv {
				assert.Contains(t, sub, "config")
			} else {
				assert.NotContains(t, sub, "config")
			}
			static, ok := f.rec.Get("tls-dns01-credentials")
			if !tc.wantSecret {
				assert.False(t, ok, "no Secret made by this layer")
				return
			}
			require.True(t, ok)
			md := metadata(static)
			assert.Equal(t, "aws-creds", md["name"])
			assert.Equal(t, "cert-manager", md["namespace"])
			sd, ok := static.Inputs["stringData"]
			require.True(t, ok)
			require.True(t, sd.IsSecret(), "stringData must be a Pulumi secret, found %v", sd)
			assert.Equal(t, map[string]any{"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG"},
				sd.SecretValue().Element.Mappable())
			for _, name := range []string{"letsencrypt", "letsencrypt-staging"} {
				assert.True(t, f.rec.Reaches(one(t, f.rec, "ClusterIssuer", "", name).Name, "tls-dns01-credentials"), "C2: %s after the Secret", name)
			}
			assert.True(t, f.rec.Reaches("tls-dns01-credentials", one(t, f.rec, "Namespace", "", "cert-manager").Name))
		})
	}
}

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestTLS_apiServerSwitch(t *testing.T) {
	cases := []struct {
		name string
		on   bool
	}{
		{"is absent by default", false},
		{"when opted in goes after everything else and after ocp-api", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := run(t, func(a *TLSArgs) { a.APIServerCertificate = tc.on }, true)
			require.NoError(t, err)
			patches := f.rec.Find("APIServerPatch", "", "cluster")
			if !tc.on {
				assert.Empty(t, patches)
				assert.Empty(t, f.tls.APICertificateServed().Gates)
				return
			}
			require.Len(t, patches, 1)
			p := patches[0]
			assert.Equal(t, "kubernetes:config.openshift.io/v1:APIServerPatch", p.Type)
			assert.Equal(t, "true", metadata(p)["annotations"].(map[string]any)["pulumi.com/patchForce"])
			assert.Equal(t, map[string]any{"servingCerts": map[string]any{"namedCertificates": []any{
				map[string]any{"names": []any{"api." + base}, "servingCertificate": map[string]any{"name": "api-certs"}},
			}}}, spec(p))
			apiCert := one(t, f.rec, "Certificate", "openshift-config", "ocp-api").Name
			assert.True(t, f.rec.Reaches(p.Name, apiCert), "C4: after ocp-api Ready")
			assert.True(t, f.rec.Reaches(p.Name, "last-layer"), "C18: after everything else")
			assert.True(t, f.rec.Reaches(p.Name, one(t, f.rec, "ClusterIssuer", "", "letsencrypt").Name), "teardown 6: relinquished before the issuer goes")
			assert.True(t, p.HasGate(everythingGt.HookName()), "C18: the last layer's gates too")
			assert.True(t, p.HasGate(hook("apiServerExists", "APIServer cluster")))
			assert.True(t, p.HasGate(hook("certificateReady", "Certificate openshift-config/ocp-api")), "C4: after ocp-api is issued")
			served := f.tls.APICertificateServed()
			require.Len(t, served.Gates, 1)
			assert.Equal(t, "ClusterOperator kube-apiserver", served.Gates[0].Object)
			assert.Equal(t, []pulumi.Resource{f.tls.APIServer}, served.Resources)
		})
	}
}

func TestTLS_ingressSwitchCanBeSkipped(t *testing.T) {
	f, err := run(t, func(a *TLSArgs) { a.SkipIngressCertificate = true }, true)
	require.NoError(t, err)
	assert.Empty(t, f.rec.Find("IngressControllerPatch", "openshift-ingress-operator", "default"))
	assert.Nil(t, f.tls.IngressController)
	one(t, f.rec, "Certificate", "openshift-ingress", "ocp-ingress") // still issued
}

func TestTLS_givenOperandNamespaceIsUsed(t *testing.T) {
	var given *corev1.Namespace
	rec, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		ns, err := NewOperandNamespace(ctx, "early")
		if err != nil {
			return err
		}
		given = ns
		a := DefaultTLSArgs()
		a.BaseDomain, a.Region, a.CredentialsMode = base, "us-east-1", CredentialsStatic
		a.AccessKeyID, a.SecretAccessKey = pulumi.String("a"), pulumi.String("b")
		a.OperandNamespace = ns
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		_, err = NewTLS(ctx, "tls", &a)
		return err
	}, nil, false, nil)
	require.NoError(t, err)
	require.NotNil(t, given)
	assert.Len(t, rec.Find("Namespace", "", "cert-manager"), 1, "not created twice")
	assert.True(t, rec.Reaches("tls-cert-manager-subscription", "early-operand-namespace"))
	assert.True(t, rec.Reaches("tls-dns01-credentials", "early-operand-namespace"))
}

func TestTLS_renderModeKeepsEdgesWithoutHooks(t *testing.T) {
	f, err := run(t, func(a *TLSArgs) { a.APIServerCertificate = true }, false)
	require.NoError(t, err)
	for _, r := range f.rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, f.rec.Reaches("tls-ingresscontroller-default", "tls-certificate-ingress"))
	assert.True(t, f.rec.Reaches("tls-issuer-letsencrypt", "tls-certmanager"))
}

func TestTLSArgs_Validate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*TLSArgs)
		want   []string
	}{
		{"rejects an empty base domain", func(a *TLSArgs) { a.BaseDomain = "" }, []string{"baseDomain: empty"}},
		{"rejects the apps domain as base domain", func(a *TLSArgs) { a.BaseDomain = "apps." + base }, []string{"not the apps domain"}},
		{"rejects a region that is not an AWS region", func(a *TLSArgs) { a.Region = "east" }, []string{`region: found "east"`}},
		{"rejects an unknown issuer", func(a *TLSArgs) { a.Issuer = "zerossl" }, []string{`issuer: found "zerossl"`}},
		{"rejects a nameserver without a port", func(a *TLSArgs) { a.RecursiveNameservers = []string{"8.8.8.8"} }, []string{`recursiveNameservers[0]: found "8.8.8.8"`}},
		{"rejects secret mode without the AWS layer's prerequisite", func(a *TLSArgs) { a.Credentials = readiness.Prerequisite{} }, []string{"credentials: no prerequisite"}},
		{"rejects sts mode without the operator's credentials secret or a service account", func(a *TLSArgs) { a.CredentialsMode, a.CloudCredentialsSecret = CredentialsSTS, "" },
			[]string{"cloudCredentialsSecret: empty with credentialsMode sts"}},
		{"rejects a service account without a role", func(a *TLSArgs) { a.CredentialsMode, a.ServiceAccountRef = CredentialsSTS, "cert-manager" },
			[]string{`role: empty with serviceAccountRef "cert-manager"`}},
		{"rejects a service account outside sts mode", func(a *TLSArgs) {
			a.ServiceAccountRef, a.Role = "cert-manager", pulumi.String("arn:aws:iam::123456789012:role/x")
		},
			[]string{`serviceAccountRef: given with credentialsMode "secret"`}},
		{"rejects static mode without keys", func(a *TLSArgs) { a.CredentialsMode = CredentialsStatic },
			[]string{"accessKeyID: empty", "secretAccessKey: empty"}},
		{"rejects keys given outside static mode", func(a *TLSArgs) { a.AccessKeyID = pulumi.String("x") }, []string{"where they would be ignored"}},
		{"rejects an unknown credentials mode", func(a *TLSArgs) { a.CredentialsMode = "irsa" }, []string{`credentialsMode: found "irsa"`}},
		{"rejects a malformed role", func(a *TLSArgs) { a.Role = pulumi.String("cert-manager") }, []string{`role: found "cert-manager"`}},
		{"reports every problem at once", func(a *TLSArgs) { a.BaseDomain, a.Region, a.Issuer = "", "", "x" },
			[]string{"baseDomain: empty", `region: found ""`, `issuer: found "x"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := run(t, tc.mutate, true)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, f.rec.Find("Subscription", "cert-manager-operator", "openshift-cert-manager-operator"), "nothing registered on invalid args")
		})
	}
}

func TestTLS_apiSwitchNeedsWhatGoesBeforeIt(t *testing.T) {
	_, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		a := DefaultTLSArgs()
		a.BaseDomain, a.Region, a.APIServerCertificate = base, "us-east-2", true
		a.Credentials = readiness.Prerequisite{Gates: []readiness.Gate{credsGate}}
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		tl, err := NewTLS(ctx, "tls", &a)
		if err != nil {
			return err
		}
		return tl.SwitchAPIServerCertificate(ctx, readiness.Prerequisite{})
	}, nil, false, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "C18")
}
