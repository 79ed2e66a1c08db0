package ocpsim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Namespaces every OpenShift cluster has.
var platformNamespaces = []string{
	"openshift-config", "openshift-config-managed", "openshift-ingress", "openshift-ingress-operator",
	"openshift-monitoring", "openshift-marketplace", "openshift-machine-api", "openshift-cloud-credential-operator",
	"openshift-operators", "openshift-kube-apiserver", "openshift-service-ca",
}

// Platform object names.
const (
	ingressNamespace     = "openshift-ingress"
	configNamespace      = "openshift-config"
	machineAPINamespace  = "openshift-machine-api"
	ccoNamespace         = "openshift-cloud-credential-operator"
	kasNamespace         = "openshift-kube-apiserver"
	serviceCAConfigMap   = "openshift-service-ca.crt"
	rootCAConfigMap      = "kube-root-ca.crt"
	servingCertAnn       = "service.beta.openshift.io/serving-cert-secret-name"
	servingCertAlphaAnn  = "service.alpha.openshift.io/serving-cert-secret-name"
	originatingService   = "service.beta.openshift.io/originating-service-name"
	gpuCountAnnotation   = "ocpsim.rhoai.dev/gpu-count" // the hardware a node has (the device plugin reports it)
	defaultStorageClass  = "storageclass.kubernetes.io/is-default-class"
	ccoDeprovisionFinal  = "cloudcredential.openshift.io/deprovision"
	kubeAPIServerRevName = "config-"
)

// Bootstrap registers the CRDs that exist on OpenShift from the start and
// creates the platform singletons, nodes and catalog. It is idempotent.
func (s *Sim) Bootstrap(ctx context.Context) error {
	s.stepMu.Lock()
	defer s.stepMu.Unlock()
	p := newPass(ctx, s)
	if err := p.registerCRDs(PlatformCRDs); err != nil {
		return fmt.Errorf("ocpsim: bootstrap: %w", err)
	}
	if err := s.waitEstablished(ctx, PlatformCRDs); err != nil {
		return fmt.Errorf("ocpsim: bootstrap: %w", err)
	}
	steps := []struct {
		what string
		fn   func(*pass) error
	}{
		{"namespaces", s.bootstrapNamespaces},
		{"cluster configuration", s.bootstrapConfig},
		{"storage and pull secret", s.bootstrapStorage},
		{"OLM catalog", s.bootstrapCatalog},
		{"nodes", s.bootstrapNodes},
	}
	for _, st := range steps {
		p = newPass(ctx, s) // fresh reads: the CRDs are served now
		if err := st.fn(p); err != nil {
			return fmt.Errorf("ocpsim: bootstrap %s: %w", st.what, err)
		}
	}
	s.logf("ocpsim: bootstrapped OpenShift %s on %s (%s)", s.opts.Version, s.opts.Platform, s.opts.BaseDomain)
	return nil
}

// waitEstablished waits until the API server serves the CRDs (Standalone:
// marks them itself).
func (s *Sim) waitEstablished(ctx context.Context, crds []CRD) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := newPass(ctx, s)
		if s.opts.Standalone {
			if err := s.reconcileCRDs(p); err != nil {
				return err
			}
			p = newPass(ctx, s)
		}
		var missing []string
		for _, c := range crds {
			if !p.crdEstablished(c.Name()) {
				missing = append(missing, c.Name())
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("CRDs not Established after 60s: %v", missing)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Sim) bootstrapNamespaces(p *pass) error {
	for _, ns := range platformNamespaces {
		o := newObject("v1", "Namespace", "", ns)
		o.SetLabels(map[string]string{"openshift.io/cluster-monitoring": "true"})
		if _, err := p.create(gvrNamespaces, o); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) bootstrapConfig(p *pass) error {
	o := s.opts
	cv := newObject("config.openshift.io/v1", "ClusterVersion", "", "version")
	cv.Object["spec"] = map[string]any{"clusterID": "5b1f6a8e-9c1d-4d7e-a0c4-3f2b8e6d9a11", "channel": "stable-4.21"}
	cv.Object["status"] = map[string]any{
		"desired":     map[string]any{"version": o.Version, "image": "quay.io/openshift-release-dev/ocp-release@sha256:" + fmt.Sprintf("%064x", 421)},
		"history":     []any{map[string]any{"state": "Completed", "version": o.Version, "startedTime": s.stamp(), "completionTime": s.stamp(), "verified": true}},
		"versionHash": "ocpsim", "observedGeneration": int64(1),
		"conditions": []any{
			map[string]any{"type": "Available", "status": "True", "message": "Done applying " + o.Version, "lastTransitionTime": s.stamp()},
			map[string]any{"type": "Progressing", "status": "False", "message": "Cluster version is " + o.Version, "lastTransitionTime": s.stamp()},
		},
	}
	infra := newObject("config.openshift.io/v1", "Infrastructure", "", "cluster")
	platformStatus := map[string]any{"type": string(o.Platform)}
	if o.Platform == AWS {
		platformStatus["aws"] = map[string]any{"region": o.Region}
	}
	infra.Object["spec"] = map[string]any{"platformSpec": map[string]any{"type": string(o.Platform)}, "cloudConfig": map[string]any{"name": ""}}
	infra.Object["status"] = map[string]any{
		"infrastructureName": o.InfraID, "platform": string(o.Platform), "platformStatus": platformStatus,
		"apiServerURL": "https://api." + o.BaseDomain + ":6443", "apiServerInternalURI": "https://api-int." + o.BaseDomain + ":6443",
		"controlPlaneTopology": "HighlyAvailable", "infrastructureTopology": "HighlyAvailable", "cpuPartitioning": "None",
		"etcdDiscoveryDomain": "",
	}
	dns := newObject("config.openshift.io/v1", "DNS", "", "cluster")
	dns.Object["spec"] = map[string]any{"baseDomain": o.BaseDomain}
	ing := newObject("config.openshift.io/v1", "Ingress", "", "cluster")
	ing.Object["spec"] = map[string]any{"domain": o.AppsDomain, "loadBalancer": map[string]any{"platform": map[string]any{"type": ""}}}
	apiServer := newObject("config.openshift.io/v1", "APIServer", "", "cluster")
	apiServer.Object["spec"] = map[string]any{"audit": map[string]any{"profile": "Default"}}
	ic := newObject("operator.openshift.io/v1", "IngressController", "openshift-ingress-operator", "default")
	ic.Object["spec"] = map[string]any{"replicas": int64(2), "httpErrorCodePages": map[string]any{"name": ""}, "tuningOptions": map[string]any{"reloadInterval": "0s"}}
	ic.Object["status"] = map[string]any{"availableReplicas": int64(2), "domain": o.AppsDomain, "selector": "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=default",
		"conditions": []any{map[string]any{"type": "Available", "status": "True", "lastTransitionTime": s.stamp()}}}
	kas := newObject("operator.openshift.io/v1", "KubeAPIServer", "", "cluster")
	kas.Object["spec"] = map[string]any{"managementState": "Managed", "logLevel": "Normal", "operatorLogLevel": "Normal",
		"observedConfig": map[string]any{"servingInfo": map[string]any{"namedCertificates": []any{}}}}
	kas.Object["status"] = map[string]any{"latestAvailableRevision": int64(1), "nodeStatuses": s.masterStatuses(1)}
	creations := []struct {
		res schema.GroupVersionResource
		obj *unstructured.Unstructured
	}{
		{gvrClusterVersions, cv}, {gvrInfrastructures, infra}, {gvrDNSes, dns}, {gvrIngressConfigs, ing},
		{gvrAPIServers, apiServer}, {gvrIngressCtrls, ic}, {gvrKubeAPIServers, kas},
		{gvrConfigMaps, s.revisionConfigMap(1, nil)},
		{gvrClusterOperators, s.clusterOperator("ingress",
			cond{Type: "Available", Status: "True", Reason: "IngressAvailable", Message: "The \"default\" ingress controller reports Available=True."},
			cond{Type: "Progressing", Status: "False", Reason: "AsExpected", Message: "desired and current number of IngressControllers are equal"},
			cond{Type: "Degraded", Status: "False", Reason: "IngressNotDegraded"})},
		{gvrClusterOperators, s.clusterOperator("kube-apiserver",
			cond{Type: "Available", Status: "True", Reason: "AsExpected", Message: "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 1"},
			cond{Type: "Progressing", Status: "False", Reason: "AsExpected", Message: "NodeInstallerProgressing: 3 nodes are at revision 1"},
			cond{Type: "Degraded", Status: "False", Reason: "AsExpected"})},
	}
	for _, c := range creations {
		if _, err := p.create(c.res, c.obj); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) bootstrapStorage(p *pass) error {
	sc := newObject("storage.k8s.io/v1", "StorageClass", "", "lvms-vg1")
	sc.Object["provisioner"] = "topolvm.io"
	sc.Object["parameters"] = map[string]any{"csi.storage.k8s.io/fstype": "xfs", "topolvm.io/device-class": "vg1"}
	if s.opts.Platform == AWS {
		sc = newObject("storage.k8s.io/v1", "StorageClass", "", "gp3-csi")
		sc.Object["provisioner"] = "ebs.csi.aws.com"
		sc.Object["parameters"] = map[string]any{"type": "gp3", "encrypted": "true"}
	}
	sc.SetAnnotations(map[string]string{defaultStorageClass: "true"})
	sc.Object["volumeBindingMode"] = "WaitForFirstConsumer"
	sc.Object["reclaimPolicy"] = "Delete"
	sc.Object["allowVolumeExpansion"] = true
	if _, err := p.create(gvrStorageClasses, sc); err != nil {
		return err
	}
	auth := base64.StdEncoding.EncodeToString([]byte("ocpsim|pull:not-a-real-token"))
	cfg, err := json.Marshal(map[string]any{"auths": map[string]any{
		"registry.redhat.io":  map[string]any{"auth": auth, "email": "ocpsim@example.com"},
		"cloud.openshift.com": map[string]any{"auth": auth, "email": "ocpsim@example.com"},
		"quay.io":             map[string]any{"auth": auth, "email": "ocpsim@example.com"},
	}})
	if err != nil {
		return fmt.Errorf("encoding the pull secret: %w", err)
	}
	pull := newObject("v1", "Secret", configNamespace, "pull-secret")
	pull.Object["type"] = "kubernetes.io/dockerconfigjson"
	pull.Object["data"] = map[string]any{".dockerconfigjson": base64.StdEncoding.EncodeToString(cfg)}
	if _, err := p.create(gvrSecrets, pull); err != nil {
		return err
	}
	// The router's own default certificate (the MaaS gateway's fallback, docs/decisions.md D3).
	crt, keyPEM, err := s.ca.issue([]string{"*." + s.opts.AppsDomain}, s.now(), 2*365*24*time.Hour)
	if err != nil {
		return err
	}
	router := newObject("v1", "Secret", ingressNamespace, "router-certs-default")
	router.Object["type"] = "kubernetes.io/tls"
	router.Object["data"] = map[string]any{"tls.crt": base64.StdEncoding.EncodeToString(crt), "tls.key": base64.StdEncoding.EncodeToString(keyPEM)}
	if _, err := p.create(gvrSecrets, router); err != nil {
		return err
	}
	if s.opts.MonitoringConfig != "" {
		cm := newObject("v1", "ConfigMap", "openshift-monitoring", "cluster-monitoring-config")
		cm.Object["data"] = map[string]any{"config.yaml": s.opts.MonitoringConfig}
		if _, err := p.create(gvrConfigMaps, cm); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) bootstrapCatalog(p *pass) error {
	for _, src := range []string{"redhat-operators", "certified-operators", "community-operators", "redhat-marketplace"} {
		cs := newObject(olmAPIVersion, "CatalogSource", marketplaceNamespace, src)
		cs.Object["spec"] = map[string]any{"sourceType": "grpc", "image": "registry.redhat.io/redhat/" + src + "-index:v4.21", "displayName": src, "publisher": "Red Hat"}
		cs.Object["status"] = map[string]any{"connectionState": map[string]any{"lastObservedState": "READY", "address": src + "." + marketplaceNamespace + ".svc:50051"}}
		if _, err := p.create(gvrCatalogSources, cs); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(s.catalog) {
		if _, err := p.create(gvrPackageManifests, s.packageManifest(s.catalog[name])); err != nil {
			return err
		}
	}
	og := newObject("operators.coreos.com/v1", "OperatorGroup", "openshift-operators", "global-operators")
	og.Object["spec"] = map[string]any{"upgradeStrategy": "Default"}
	_, err := p.create(gvrOperatorGroups, og)
	return err
}

func (s *Sim) masterStatuses(rev int64) []any {
	var out []any
	for i := range 3 {
		out = append(out, map[string]any{"nodeName": fmt.Sprintf("master-%d", i), "currentRevision": rev})
	}
	return out
}

// revisionConfigMap is the kube-apiserver's config of one revision.
func (s *Sim) revisionConfigMap(rev int64, named []any) *unstructured.Unstructured {
	if named == nil {
		named = []any{}
	}
	cfg, _ := json.Marshal(map[string]any{
		"apiVersion": "kubecontrolplane.config.openshift.io/v1", "kind": "KubeAPIServerConfig",
		"servingInfo": map[string]any{"bindAddress": "0.0.0.0:6443", "namedCertificates": named},
	})
	cm := newObject("v1", "ConfigMap", kasNamespace, kubeAPIServerRevName+strconv.FormatInt(rev, 10))
	cm.Object["data"] = map[string]any{"config.yaml": string(cfg)}
	return cm
}

func (s *Sim) clusterOperator(name string, cs ...cond) *unstructured.Unstructured {
	co := newObject("config.openshift.io/v1", "ClusterOperator", "", name)
	co.Object["spec"] = map[string]any{}
	st := map[string]any{"versions": []any{map[string]any{"name": "operator", "version": s.opts.Version}}}
	setConditions(st, s.now(), cs...)
	co.Object["status"] = st
	return co
}

// reconcileNamespaces publishes the service CA bundle and root CA
// ConfigMaps in every active namespace, as OpenShift does.
func (s *Sim) reconcileNamespaces(p *pass) error {
	nss, err := p.list(gvrNamespaces)
	if err != nil {
		return err
	}
	cms, err := p.list(gvrConfigMaps)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, cm := range cms {
		have[key(cm.GetNamespace(), cm.GetName())] = true
	}
	for _, ns := range nss {
		if deleting(ns) || str(ns, "status", "phase") == "Terminating" {
			continue
		}
		if !have[key(ns.GetName(), serviceCAConfigMap)] {
			cm := newObject("v1", "ConfigMap", ns.GetName(), serviceCAConfigMap)
			cm.SetAnnotations(map[string]string{"service.beta.openshift.io/inject-cabundle": "true"})
			cm.Object["data"] = map[string]any{"service-ca.crt": string(s.ca.certPEM)}
			if _, err := p.create(gvrConfigMaps, cm); err != nil {
				return err
			}
		}
		// The root CA publisher's ConfigMap: every pod's projected service
		// account token volume mounts it.
		if !have[key(ns.GetName(), rootCAConfigMap)] {
			cm := newObject("v1", "ConfigMap", ns.GetName(), rootCAConfigMap)
			cm.Object["data"] = map[string]any{"ca.crt": string(s.ca.certPEM)}
			if _, err := p.create(gvrConfigMaps, cm); err != nil {
				return err
			}
		}
	}
	return nil
}

// reconcileServiceCA plays the service-ca operator: a Service annotated
// with serving-cert-secret-name gets a serving certificate Secret. Like the
// real one, it overwrites an existing Secret of that name it did not issue
// (docs/decisions.md D3: never annotate for an existing secret).
func (s *Sim) reconcileServiceCA(p *pass) error {
	svcs, err := p.list(gvrServices)
	if err != nil {
		return err
	}
	for _, svc := range svcs {
		ann := svc.GetAnnotations()
		name := ann[servingCertAnn]
		if name == "" {
			name = ann[servingCertAlphaAnn]
		}
		if name == "" || deleting(svc) {
			continue
		}
		if err := s.ensureServingCert(p, svc, name); err != nil {
			return fmt.Errorf("service-ca for Service %s: %w", key(svc.GetNamespace(), svc.GetName()), err)
		}
	}
	return nil
}

func (s *Sim) ensureServingCert(p *pass, svc *unstructured.Unstructured, name string) error {
	ns := svc.GetNamespace()
	existing, err := p.get(gvrSecrets, ns, name)
	if err != nil {
		return err
	}
	if existing != nil && existing.GetAnnotations()[originatingService] == svc.GetName() {
		return s.annotateSigned(p, svc)
	}
	hosts := []string{svc.GetName() + "." + ns + ".svc", svc.GetName() + "." + ns + ".svc.cluster.local"}
	crt, keyPEM, err := s.ca.issue(hosts, s.now(), 2*365*24*time.Hour)
	if err != nil {
		return err
	}
	annotations := map[string]string{
		originatingService: svc.GetName(), "service.beta.openshift.io/originating-service-uid": string(svc.GetUID()),
		"service.beta.openshift.io/expiry": s.now().Add(2 * 365 * 24 * time.Hour).UTC().Format(time.RFC3339),
	}
	data := map[string]any{"tls.crt": base64.StdEncoding.EncodeToString(crt), "tls.key": base64.StdEncoding.EncodeToString(keyPEM)}
	if existing != nil {
		s.logf("ocpsim: service-ca overwrote Secret %s/%s (it was not issued for Service %s)", ns, name, svc.GetName())
		if err := p.mutate(gvrSecrets, existing, func(o *unstructured.Unstructured) {
			a := o.GetAnnotations()
			if a == nil {
				a = map[string]string{}
			}
			for k, v := range annotations {
				a[k] = v
			}
			o.SetAnnotations(a)
			o.Object["data"] = data
		}); err != nil {
			return err
		}
		return s.annotateSigned(p, svc)
	}
	sec := newObject("v1", "Secret", ns, name)
	sec.SetAnnotations(annotations)
	setOwner(sec, svc, false)
	sec.Object["type"] = "kubernetes.io/tls"
	sec.Object["data"] = data
	if _, err := p.create(gvrSecrets, sec); err != nil {
		return err
	}
	return s.annotateSigned(p, svc)
}

func (s *Sim) annotateSigned(p *pass, svc *unstructured.Unstructured) error {
	const signedBy = "service.beta.openshift.io/serving-cert-signed-by"
	if svc.GetAnnotations()[signedBy] != "" {
		return nil
	}
	return p.mutate(gvrServices, svc, func(o *unstructured.Unstructured) {
		a := o.GetAnnotations()
		a[signedBy] = "openshift-service-serving-signer@1700000000"
		o.SetAnnotations(a)
	})
}

// reconcileCredentialsRequests plays the Cloud Credential Operator in mint
// mode on AWS: the Secret named by spec.secretRef (keys aws_access_key_id
// and aws_secret_access_key), status.provisioned and lastSyncGeneration;
// MissingTargetNamespace while that namespace is absent; the deprovision
// finalizer, removed after deleting the Secret.
func (s *Sim) reconcileCredentialsRequests(p *pass) error {
	crs, err := p.list(gvrCredRequests)
	if err != nil {
		return err
	}
	var errs []error
	for _, cr := range crs {
		if err := s.reconcileCredentialsRequest(p, cr); err != nil {
			errs = append(errs, fmt.Errorf("CredentialsRequest %s: %w", key(cr.GetNamespace(), cr.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileCredentialsRequest(p *pass, cr *unstructured.Unstructured) error {
	secNS, secName := str(cr, "spec", "secretRef", "namespace"), str(cr, "spec", "secretRef", "name")
	if deleting(cr) {
		if err := p.remove(gvrSecrets, secNS, secName); err != nil {
			return err
		}
		return p.releaseFinalizer(gvrCredRequests, cr, ccoDeprovisionFinal)
	}
	if s.opts.Platform != AWS || str(cr, "spec", "providerSpec", "kind") != "AWSProviderSpec" {
		return nil // CCO provisions only for the cluster's own cloud
	}
	if err := p.addFinalizer(gvrCredRequests, cr, ccoDeprovisionFinal); err != nil {
		return err
	}
	if cr, _ = p.get(gvrCredRequests, cr.GetNamespace(), cr.GetName()); cr == nil {
		return nil
	}
	if !p.exists(gvrNamespaces, "", secNS) {
		return p.patchStatus(gvrCredRequests, cr, func(st map[string]any) {
			st["provisioned"] = false
			setConditions(st, s.now(), cond{Type: "MissingTargetNamespace", Status: "True", Reason: "NamespaceMissing",
				Message: fmt.Sprintf("target namespace %v not found", secNS)})
		})
	}
	if !s.elapsed("cco/"+string(cr.GetUID()), s.opts.Delays.CredentialsProvision) {
		return nil
	}
	if !p.exists(gvrSecrets, secNS, secName) {
		sec := newObject("v1", "Secret", secNS, secName)
		sec.SetAnnotations(map[string]string{"cloudcredential.openshift.io/credentials-request": key(cr.GetNamespace(), cr.GetName())})
		sec.Object["type"] = "Opaque"
		sec.Object["data"] = map[string]any{
			"aws_access_key_id":     base64.StdEncoding.EncodeToString([]byte("AKIAOCPSIM" + suffix(string(cr.GetUID())))),
			"aws_secret_access_key": base64.StdEncoding.EncodeToString([]byte("ocpsim-not-a-secret-" + suffix(string(cr.GetUID())+"k"))),
		}
		if _, err := p.create(gvrSecrets, sec); err != nil {
			return err
		}
	}
	return p.patchStatus(gvrCredRequests, cr, func(st map[string]any) {
		st["provisioned"] = true
		st["lastSyncGeneration"] = cr.GetGeneration()
		if _, ok := st["lastSyncTimestamp"]; !ok {
			st["lastSyncTimestamp"] = s.stamp()
		}
		st["providerStatus"] = map[string]any{"apiVersion": "cloudcredential.openshift.io/v1", "kind": "AWSProviderStatus",
			"user": s.opts.InfraID + "-" + cr.GetName() + "-" + suffix(string(cr.GetUID())), "policy": s.opts.InfraID + "-" + cr.GetName() + "-policy"}
		dropCondition(st, "MissingTargetNamespace")
	})
}

// reconcileIngressOperator: the router serves IngressController default's
// spec.defaultCertificate; a missing Secret degrades ClusterOperator
// ingress (C4), a change rolls the router out for Delays.Rollout.
func (s *Sim) reconcileIngressOperator(p *pass) error {
	ic, err := p.get(gvrIngressCtrls, "openshift-ingress-operator", "default")
	if err != nil || ic == nil {
		return err
	}
	co, err := p.get(gvrClusterOperators, "", "ingress")
	if err != nil || co == nil {
		return err
	}
	certName := str(ic, "spec", "defaultCertificate", "name")
	const seenKey, rollout = "ingress/defaultCertificate", "ingress/rollout"
	if prev, ok := s.seen[seenKey]; !ok {
		s.seen[seenKey] = certName
	} else if prev != certName {
		s.seen[seenKey] = certName
		s.since[rollout] = s.now()
	}
	available := cond{Type: "Available", Status: "True", Reason: "IngressAvailable", Message: "The \"default\" ingress controller reports Available=True."}
	progressing := cond{Type: "Progressing", Status: "False", Reason: "AsExpected", Message: "desired and current number of IngressControllers are equal"}
	degraded := cond{Type: "Degraded", Status: "False", Reason: "IngressNotDegraded"}
	switch {
	case certName != "" && !p.exists(gvrSecrets, ingressNamespace, certName):
		degraded = cond{Type: "Degraded", Status: "True", Reason: "IngressDegraded",
			Message: fmt.Sprintf("The \"default\" ingress controller reports Degraded=True: DegradedConditions: secret %q not found in namespace %s", certName, ingressNamespace)}
	case s.rolling(rollout):
		progressing = cond{Type: "Progressing", Status: "True", Reason: "Reconciling",
			Message: "ingresscontroller \"default\" is progressing: DeploymentRollingOut=True (DeploymentRollingOut: Waiting for router deployment rollout to finish: 1 of 2 updated replica(s) are available...)."}
	}
	return p.patchStatus(gvrClusterOperators, co, func(st map[string]any) {
		setConditions(st, s.now(), available, progressing, degraded)
	})
}

// rolling reports whether a rollout started at since[key] is still running.
func (s *Sim) rolling(key string) bool {
	t, ok := s.since[key]
	if !ok {
		return false
	}
	if s.now().Sub(t) >= s.opts.Delays.Rollout {
		delete(s.since, key)
		return false
	}
	return true
}

// reconcileKubeAPIServer plays the kube-apiserver operator for the API
// server's named certificates (C18): it observes APIServer cluster into
// KubeAPIServer cluster spec.observedConfig, writes a new revision's config
// ConfigMap, then rolls the three control-plane nodes to it.
func (s *Sim) reconcileKubeAPIServer(p *pass) error {
	apis, err := p.get(gvrAPIServers, "", "cluster")
	if err != nil || apis == nil {
		return err
	}
	kas, err := p.get(gvrKubeAPIServers, "", "cluster")
	if err != nil || kas == nil {
		return err
	}
	var want []any
	for i, raw := range slice(apis, "spec", "servingCerts", "namedCertificates") {
		m, _ := raw.(map[string]any)
		dir := fmt.Sprintf("/etc/kubernetes/static-pod-certs/secrets/user-serving-cert-%03d", i)
		want = append(want, map[string]any{"names": m["names"], "certFile": dir + "/tls.crt", "keyFile": dir + "/tls.key"})
	}
	observed := slice(kas, "spec", "observedConfig", "servingInfo", "namedCertificates")
	latest := num(kas, "status", "latestAvailableRevision")
	if !jsonEqual(namesOf(observed), namesOf(want)) {
		latest++
		if _, err := p.create(gvrConfigMaps, s.revisionConfigMap(latest, want)); err != nil {
			return err
		}
		if err := p.mutate(gvrKubeAPIServers, kas, func(o *unstructured.Unstructured) {
			if want == nil {
				want = []any{}
			}
			set(o, want, "spec", "observedConfig", "servingInfo", "namedCertificates")
		}); err != nil {
			return err
		}
		if kas, err = p.get(gvrKubeAPIServers, "", "cluster"); err != nil || kas == nil {
			return err
		}
		if err := p.patchStatus(gvrKubeAPIServers, kas, func(st map[string]any) { st["latestAvailableRevision"] = latest }); err != nil {
			return err
		}
		s.since["kas/rollout"] = s.now()
		s.logf("ocpsim: kube-apiserver revision %d (named certificates %v)", latest, namesOf(want))
	}
	current := latest
	if s.rolling("kas/rollout") {
		current = latest - 1
	}
	if kas, err = p.get(gvrKubeAPIServers, "", "cluster"); err != nil || kas == nil {
		return err
	}
	if err := p.patchStatus(gvrKubeAPIServers, kas, func(st map[string]any) { st["nodeStatuses"] = s.masterStatuses(current) }); err != nil {
		return err
	}
	co, err := p.get(gvrClusterOperators, "", "kube-apiserver")
	if err != nil || co == nil {
		return err
	}
	progressing := cond{Type: "Progressing", Status: "False", Reason: "AsExpected", Message: fmt.Sprintf("NodeInstallerProgressing: 3 nodes are at revision %d", latest)}
	if current != latest {
		progressing = cond{Type: "Progressing", Status: "True", Reason: "NodeInstaller",
			Message: fmt.Sprintf("NodeInstallerProgressing: 3 nodes are at revision %d; 0 nodes have achieved new revision %d", current, latest)}
	}
	return p.patchStatus(gvrClusterOperators, co, func(st map[string]any) {
		setConditions(st, s.now(),
			cond{Type: "Available", Status: "True", Reason: "AsExpected", Message: fmt.Sprintf("StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision %d", current)},
			progressing, cond{Type: "Degraded", Status: "False", Reason: "AsExpected"})
	})
}

func namesOf(certs []any) []any {
	out := []any{}
	for _, raw := range certs {
		m, _ := raw.(map[string]any)
		out = append(out, m["names"])
	}
	return out
}

// authority is the simulated cluster's CA: it signs service-ca serving
// certificates and cert-manager's certificates, and fills caBundles.
type authority struct {
	certPEM []byte
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	serial  int64
}

func newAuthority(now time.Time) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "openshift-service-serving-signer@ocpsim"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-signing the CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the CA: %w", err)
	}
	return &authority{certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), cert: cert, key: key, serial: 1}, nil
}

// issue signs a serving certificate for hosts.
func (a *authority) issue(hosts []string, now time.Time, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating a key: %w", err)
	}
	a.serial++
	cn := ""
	if len(hosts) > 0 {
		cn = hosts[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(a.serial), Subject: pkix.Name{CommonName: cn}, DNSNames: slices.Clone(hosts),
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, fmt.Errorf("signing a certificate for %v: %w", hosts, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding a key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}
