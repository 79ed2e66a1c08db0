package ocpsim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// cert-manager Operator for Red Hat OpenShift (phase 1; components/tls).
const (
	certManagerPackage   = "openshift-cert-manager-operator"
	certManagerNamespace = "cert-manager"
	certManagerWebhook   = "cert-manager-webhook" // Deployment and ValidatingWebhookConfiguration
	ownerRefArg          = "--enable-certificate-owner-ref"
)

// certManagerDeployments are the operand Deployments and their containers.
var certManagerDeployments = []struct{ name, container, component string }{
	{"cert-manager", "cert-manager-controller", "controller"},
	{"cert-manager-webhook", "cert-manager-webhook", "webhook"},
	{"cert-manager-cainjector", "cert-manager-cainjector", "cainjector"},
}

// supportedControllerArgs are the flags the operator accepts in
// spec.controllerConfig.overrideArgs; anything else fails validation.
var supportedControllerArgs = []string{
	"--dns01-recursive-nameservers", "--dns01-recursive-nameservers-only", "--enable-certificate-owner-ref",
	"--v", "-v", "--acme-http01-solver-nameservers", "--issuer-ambient-credentials", "--acme-http01-solver-resource-limits-cpu",
	"--acme-http01-solver-resource-limits-memory", "--acme-http01-solver-resource-request-cpu", "--acme-http01-solver-resource-request-memory",
}

var certManagerBaseArgs = []string{
	"--v=2", "--cluster-resource-namespace=$(POD_NAMESPACE)", "--leader-election-namespace=kube-system",
	"--acme-http01-solver-image=registry.redhat.io/cert-manager/jetstack-cert-manager-acmesolver-rhel9@sha256:" + strings.Repeat("a", 64),
	"--max-concurrent-challenges=60",
}

// reconcileCertManager plays the cert-manager operator: the operand
// namespace, CertManager cluster (created, never reverted), the three
// Deployments (the controller's args follow spec.controllerConfig
// .overrideArgs, validated), the webhook configuration whose caBundle the
// cainjector fills, and CertManager's per-Deployment conditions.
func (s *Sim) reconcileCertManager(p *pass) error {
	if !p.operatorRunning(certManagerPackage) {
		return nil
	}
	if !p.exists(gvrNamespaces, "", certManagerNamespace) {
		ns := newObject("v1", "Namespace", "", certManagerNamespace)
		if _, err := p.create(gvrNamespaces, ns); err != nil {
			return err
		}
	}
	cm, err := p.get(gvrCertManagers, "", "cluster")
	if err != nil {
		return err
	}
	if cm == nil {
		obj := newObject("operator.openshift.io/v1alpha1", "CertManager", "", "cluster")
		obj.Object["spec"] = map[string]any{"managementState": "Managed", "logLevel": "Normal", "operatorLogLevel": "Normal"}
		if cm, err = p.create(gvrCertManagers, obj); err != nil || cm == nil {
			return err
		}
		s.logf("ocpsim: cert-manager operator created CertManager cluster")
	}
	overrides, _, _ := unstructured.NestedStringSlice(cm.Object, "spec", "controllerConfig", "overrideArgs")
	invalid := ""
	for _, a := range overrides {
		flag, value, _ := strings.Cut(a, "=")
		if !slices.Contains(supportedControllerArgs, flag) {
			invalid = fmt.Sprintf("validation failed due to unsupported arg %q=%q", flag, value)
			break
		}
	}
	args := slices.Clone(certManagerBaseArgs)
	if invalid == "" {
		args = mergeArgs(args, overrides)
	}
	var conds []cond
	for _, d := range certManagerDeployments {
		want := []string{}
		if d.name == "cert-manager" {
			want = args
		}
		dep, err := s.ensureDeployment(p, deploymentSpec{
			namespace: certManagerNamespace, name: d.name, container: d.container,
			labels:  map[string]string{"app": d.component, "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/name": d.component, "app.kubernetes.io/component": d.component},
			args:    want,
			manages: d.name == "cert-manager",
		})
		if err != nil {
			return err
		}
		prefix := d.name + "-deployment"
		if d.name == "cert-manager" {
			prefix = "cert-manager-controller-deployment"
		}
		avail := dep != nil && isTrue(dep, "Available")
		degraded := cond{Type: prefix + "Degraded", Status: "False", Reason: "AsExpected"}
		if d.name == "cert-manager" && invalid != "" {
			degraded = cond{Type: prefix + "Degraded", Status: "True", Reason: "SyncError", Message: invalid}
		}
		conds = append(conds,
			cond{Type: prefix + "Available", Status: boolStatus(avail), Reason: ifElse(avail, "AsExpected", "Deploying")},
			cond{Type: prefix + "Progressing", Status: boolStatus(!avail), Reason: ifElse(avail, "AsExpected", "Deploying")},
			degraded)
	}
	if err := p.patchStatus(gvrCertManagers, cm, func(st map[string]any) { setConditions(st, s.now(), conds...) }); err != nil {
		return err
	}
	return s.ensureWebhookConfiguration(p)
}

// mergeArgs applies override flags: one with the same flag name replaces
// the base arg, others are appended.
func mergeArgs(base, overrides []string) []string {
	out := slices.Clone(base)
	for _, o := range overrides {
		flag, _, _ := strings.Cut(o, "=")
		i := slices.IndexFunc(out, func(a string) bool { f, _, _ := strings.Cut(a, "="); return f == flag })
		if i >= 0 {
			out[i] = o
		} else {
			out = append(out, o)
		}
	}
	return out
}

// ensureWebhookConfiguration creates the cert-manager ValidatingWebhookConfiguration
// and injects its caBundle once the cainjector runs. Its rules match
// nothing the API server serves (there is no webhook server behind it), so
// the real API server never calls it.
func (s *Sim) ensureWebhookConfiguration(p *pass) error {
	injector, err := p.get(gvrDeployments, certManagerNamespace, "cert-manager-cainjector")
	if err != nil {
		return err
	}
	caBundle := ""
	if injector != nil && isTrue(injector, "Available") {
		caBundle = base64.StdEncoding.EncodeToString(s.ca.certPEM)
	}
	vwc, err := p.get(gvrValidatingHooks, "", certManagerWebhook)
	if err != nil {
		return err
	}
	if vwc == nil {
		o := newObject("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", certManagerWebhook)
		o.SetLabels(map[string]string{"app": "webhook", "app.kubernetes.io/instance": "cert-manager"})
		o.SetAnnotations(map[string]string{"cert-manager.io/inject-ca-from-secret": "cert-manager/cert-manager-webhook-ca"})
		none := "None"
		ignore := "Ignore"
		o.Object["webhooks"] = []any{map[string]any{
			"name":                    "webhook.cert-manager.io",
			"admissionReviewVersions": []any{"v1"},
			"sideEffects":             none,
			"failurePolicy":           ignore,
			"timeoutSeconds":          int64(1),
			"clientConfig":            map[string]any{"service": map[string]any{"name": certManagerWebhook, "namespace": certManagerNamespace, "path": "/validate", "port": int64(443)}},
			"rules": []any{map[string]any{"apiGroups": []any{"ocpsim.invalid"}, "apiVersions": []any{"v1"},
				"operations": []any{"CREATE", "UPDATE"}, "resources": []any{"simulated"}, "scope": "*"}},
		}}
		if vwc, err = p.create(gvrValidatingHooks, o); err != nil || vwc == nil {
			return err
		}
	}
	if caBundle == "" {
		return nil
	}
	return p.mutate(gvrValidatingHooks, vwc, func(o *unstructured.Unstructured) {
		hooks := slice(o, "webhooks")
		for i, h := range hooks {
			m := mapOf(h)
			cc := mapOf(m["clientConfig"])
			if cc == nil {
				cc = map[string]any{}
			}
			cc["caBundle"] = caBundle
			m["clientConfig"] = cc
			hooks[i] = m
		}
		o.Object["webhooks"] = hooks
	})
}

// certManagerReady: the operator runs and its controller is Available.
func (p *pass) certManagerReady() bool {
	if !p.operatorRunning(certManagerPackage) {
		return false
	}
	d, err := p.get(gvrDeployments, certManagerNamespace, "cert-manager")
	return err == nil && d != nil && isTrue(d, "Available")
}

// reconcileIssuers: ACME issuers become Ready after account registration
// (their private key Secret appears in the cluster resource namespace);
// self-signed issuers at once; CA issuers once their Secret exists.
func (s *Sim) reconcileIssuers(p *pass) error {
	if !p.certManagerReady() {
		return nil
	}
	var errs []error
	for _, res := range []schemaGVR{{gvrClusterIssuers, true}, {gvrIssuers, false}} {
		issuers, err := p.list(res.gvr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, is := range issuers {
			if deleting(is) {
				continue
			}
			if err := s.reconcileIssuer(p, res, is); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", is.GetKind(), key(is.GetNamespace(), is.GetName()), err))
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileIssuer(p *pass, res schemaGVR, is *unstructured.Unstructured) error {
	secretNS := is.GetNamespace()
	if res.cluster {
		secretNS = certManagerNamespace // --cluster-resource-namespace
	}
	ready := cond{Type: "Ready", Status: "True", Reason: "IsReady"}
	acme := mapAt(is, "spec", "acme")
	switch {
	case acme != nil:
		if !s.elapsed("issuer/"+string(is.GetUID()), s.opts.Delays.IssuerRegister) {
			return nil
		}
		keyName := str(is, "spec", "acme", "privateKeySecretRef", "name")
		if keyName != "" && !p.exists(gvrSecrets, secretNS, keyName) {
			_, keyPEM, err := s.ca.issue([]string{"acme-account"}, s.now(), 24*time.Hour)
			if err != nil {
				return err
			}
			sec := newObject("v1", "Secret", secretNS, keyName)
			sec.Object["type"] = "Opaque"
			sec.Object["data"] = map[string]any{"tls.key": base64.StdEncoding.EncodeToString(keyPEM)}
			if _, err := p.create(gvrSecrets, sec); err != nil {
				return err
			}
		}
		ready = cond{Type: "Ready", Status: "True", Reason: "ACMEAccountRegistered", Message: "The ACME account was registered with the ACME server"}
	case mapAt(is, "spec", "ca") != nil:
		name := str(is, "spec", "ca", "secretName")
		if !p.exists(gvrSecrets, secretNS, name) {
			ready = cond{Type: "Ready", Status: "False", Reason: "ErrGetKeyPair", Message: fmt.Sprintf("Error getting keypair for CA issuer: secret %q not found", name)}
		} else {
			ready.Message = "Signing CA verified"
		}
	}
	return p.patchStatus(res.gvr, is, func(st map[string]any) {
		if acme != nil {
			acmeSt := mapOf(st["acme"])
			if acmeSt == nil {
				acmeSt = map[string]any{}
			}
			acmeSt["uri"] = strings.TrimSuffix(str(is, "spec", "acme", "server"), "/directory") + "/acct/" + strconv.FormatUint(uint64(len(is.GetUID()))*7919, 10)
			if email := str(is, "spec", "acme", "email"); email != "" {
				acmeSt["lastRegisteredEmail"] = email
			}
			acmeSt["lastPrivateKeyHash"] = suffix(string(is.GetUID())) + "="
			st["acme"] = acmeSt
		}
		setConditions(st, s.now(), ready)
	})
}

type schemaGVR struct {
	gvr     schema.GroupVersionResource
	cluster bool
}

// reconcileCertificates issues each Certificate whose issuer is Ready:
// after Delays.CertIssue its Secret (kubernetes.io/tls, owned by the
// Certificate when the controller runs with --enable-certificate-owner-ref)
// and Ready=True. A DNS-01 Route53 solver whose credentials Secret is
// missing fails the order (retried); so does an injected fault.
func (s *Sim) reconcileCertificates(p *pass) error {
	if !p.certManagerReady() {
		return nil
	}
	certs, err := p.list(gvrCertificates)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range certs {
		if deleting(c) {
			continue
		}
		if err := s.reconcileCertificate(p, c); err != nil {
			errs = append(errs, fmt.Errorf("Certificate %s: %w", key(c.GetNamespace(), c.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileCertificate(p *pass, c *unstructured.Unstructured) error {
	ns, secretName := c.GetNamespace(), str(c, "spec", "secretName")
	timer := "cert/" + string(c.GetUID())
	failed := func(reason, msg string) error {
		s.reset(timer)
		return p.patchStatus(gvrCertificates, c, func(st map[string]any) {
			st["lastFailureTime"] = s.stamp()
			st["failedIssuanceAttempts"] = int64(1)
			setConditions(st, s.now(),
				cond{Type: "Ready", Status: "False", Reason: reason, Message: msg},
				cond{Type: "Issuing", Status: "False", Reason: reason, Message: msg})
		})
	}
	if f, ok := s.certificateFault(ns, c.GetName()); ok {
		return failed(f.Reason, f.Message)
	}
	issuer, err := s.certificateIssuer(p, c)
	if err != nil {
		return err
	}
	if issuer == nil || !isTrue(issuer, "Ready") {
		s.reset(timer)
		return p.patchStatus(gvrCertificates, c, func(st map[string]any) {
			setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "DoesNotExist", Message: "Issuing certificate as Secret does not exist"},
				cond{Type: "Issuing", Status: "True", Reason: "DoesNotExist", Message: "Issuing certificate as Secret does not exist"})
		})
	}
	if missing := s.missingSolverSecret(p, issuer); missing != "" {
		return failed("Failed", fmt.Sprintf("The certificate request has failed to complete and will be retried: error getting route53 secret access key: secret %q not found", missing))
	}
	if !s.elapsed(timer, s.opts.Delays.CertIssue) {
		return p.patchStatus(gvrCertificates, c, func(st map[string]any) {
			setConditions(st, s.now(), cond{Type: "Ready", Status: "False", Reason: "DoesNotExist", Message: "Issuing certificate as Secret does not exist"},
				cond{Type: "Issuing", Status: "True", Reason: "DoesNotExist", Message: "Issuing certificate as Secret does not exist"})
		})
	}
	if !p.exists(gvrSecrets, ns, secretName) {
		if err := s.issueCertificateSecret(p, c, issuer); err != nil {
			return err
		}
	}
	notAfter := s.now().Add(90 * 24 * time.Hour)
	return p.patchStatus(gvrCertificates, c, func(st map[string]any) {
		if _, ok := st["notAfter"]; !ok {
			st["notBefore"] = s.stamp()
			st["notAfter"] = notAfter.UTC().Format(time.RFC3339)
			st["renewalTime"] = s.now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)
			st["revision"] = int64(1)
		}
		delete(st, "lastFailureTime")
		delete(st, "failedIssuanceAttempts")
		dropCondition(st, "Issuing")
		setConditions(st, s.now(), cond{Type: "Ready", Status: "True", Reason: "Ready", Message: "Certificate is up to date and has not expired"})
	})
}

func (s *Sim) certificateIssuer(p *pass, c *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	name, kind := str(c, "spec", "issuerRef", "name"), str(c, "spec", "issuerRef", "kind")
	if kind == "ClusterIssuer" {
		return p.get(gvrClusterIssuers, "", name)
	}
	return p.get(gvrIssuers, c.GetNamespace(), name)
}

// missingSolverSecret names a Route53 credentials Secret a DNS-01 solver
// references that does not exist (in the cluster resource namespace for
// ClusterIssuers).
func (s *Sim) missingSolverSecret(p *pass, issuer *unstructured.Unstructured) string {
	ns := issuer.GetNamespace()
	if issuer.GetKind() == "ClusterIssuer" {
		ns = certManagerNamespace
	}
	for _, raw := range slice(issuer, "spec", "acme", "solvers") {
		r53 := mapOf(mapOf(mapOf(raw)["dns01"])["route53"])
		for _, ref := range []string{"accessKeyIDSecretRef", "secretAccessKeySecretRef"} {
			name, _ := mapOf(r53[ref])["name"].(string)
			if name != "" && !p.exists(gvrSecrets, ns, name) {
				return name
			}
		}
	}
	return ""
}

func (s *Sim) issueCertificateSecret(p *pass, c, issuer *unstructured.Unstructured) error {
	dns, _, _ := unstructured.NestedStringSlice(c.Object, "spec", "dnsNames")
	if cn := str(c, "spec", "commonName"); cn != "" && !slices.Contains(dns, cn) {
		dns = append([]string{cn}, dns...)
	}
	crt, keyPEM, err := s.ca.issue(dns, s.now(), 90*24*time.Hour)
	if err != nil {
		return err
	}
	sec := newObject("v1", "Secret", c.GetNamespace(), str(c, "spec", "secretName"))
	sec.SetLabels(map[string]string{"controller.cert-manager.io/fao": "true"})
	sec.SetAnnotations(map[string]string{
		"cert-manager.io/certificate-name": c.GetName(), "cert-manager.io/issuer-name": issuer.GetName(),
		"cert-manager.io/issuer-kind": issuer.GetKind(), "cert-manager.io/issuer-group": "cert-manager.io",
		"cert-manager.io/common-name": str(c, "spec", "commonName"), "cert-manager.io/alt-names": strings.Join(dns, ","),
	})
	cm, err := p.get(gvrCertManagers, "", "cluster")
	if err != nil {
		return err
	}
	if cm != nil {
		args, _, _ := unstructured.NestedStringSlice(cm.Object, "spec", "controllerConfig", "overrideArgs")
		if slices.ContainsFunc(args, func(a string) bool { return a == ownerRefArg || a == ownerRefArg+"=true" }) {
			setOwner(sec, c, true)
		}
	}
	sec.Object["type"] = "kubernetes.io/tls"
	sec.Object["data"] = map[string]any{
		"tls.crt": base64.StdEncoding.EncodeToString(crt), "tls.key": base64.StdEncoding.EncodeToString(keyPEM),
		"ca.crt": base64.StdEncoding.EncodeToString(s.ca.certPEM),
	}
	if _, err := p.create(gvrSecrets, sec); err != nil {
		return err
	}
	s.logf("ocpsim: cert-manager issued Secret %s/%s for Certificate %s", c.GetNamespace(), sec.GetName(), c.GetName())
	return nil
}
