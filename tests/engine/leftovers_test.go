package engine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// auditPolicy records writes to the kinds whose finalizers the platform's
// controllers own, so a test can tell whether anything but those
// controllers (the simulator, user agent "ocpsim") edited a finalizer.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Request
  verbs: [patch, update]
  resources:
  - group: maas.opendatahub.io
    resources: [tenants, maasmodelrefs, maassubscriptions, maasauthpolicies]
  - group: serving.kserve.io
    resources: [llminferenceservices]
- level: None
`

// auditArgs writes the policy into dir and returns the API server flags
// that log to dir/audit.log.
func auditArgs(dir string) ([]string, string, error) {
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, "", fmt.Errorf("writing the audit policy: %w", err)
	}
	log := filepath.Join(dir, "audit.log")
	return []string{"--audit-policy-file=" + policy, "--audit-log-path=" + log, "--audit-log-format=json", "--audit-log-mode=blocking"}, log, nil
}

// finalizerEdits lists the audited writes that touched metadata.finalizers
// from any client but the simulator and the garbage collector: what
// stripping a finalizer looks like.
func finalizerEdits(log string) ([]string, error) {
	f, err := os.Open(log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			Verb      string `json:"verb"`
			UserAgent string `json:"userAgent"`
			ObjectRef struct {
				Resource, Namespace, Name, Subresource string
			} `json:"objectRef"`
			RequestObject struct {
				Metadata map[string]json.RawMessage `json:"metadata"`
			} `json:"requestObject"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("audit log line: %w", err)
		}
		// The simulator plays the controllers that own the finalizers; the
		// garbage collector owns foregroundDeletion (a foreground delete).
		if strings.HasPrefix(e.UserAgent, "ocpsim") || strings.HasPrefix(e.UserAgent, "kube-controller-manager/") || e.ObjectRef.Subresource != "" {
			continue
		}
		if _, touched := e.RequestObject.Metadata["finalizers"]; touched {
			out = append(out, fmt.Sprintf("%s %s %s/%s by %q", e.Verb, e.ObjectRef.Resource, e.ObjectRef.Namespace, e.ObjectRef.Name, e.UserAgent))
		}
	}
	return out, sc.Err()
}

// tenantTracked are the kinds maas-controller applies for a Tenant, each
// tracked by its labels (models-as-a-service@v0.1.1
// maas-controller/pkg/controller/maas/tenantreconcile).
var tenantTracked = []schema.GroupVersionResource{
	kube.Deployments, {Version: "v1", Resource: "services"}, {Version: "v1", Resource: "configmaps"}, kube.CronJobs,
	{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"},
	{Group: "kuadrant.io", Version: "v1", Resource: "authpolicies"}, kube.TokenRateLimitPolicies,
	{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"},
}

// maasLeftovers lists what is left of the Tenant after destroy: its
// label-tracked children in every namespace and cluster-wide, the Tenant
// and the namespace maas-controller made.
func (l *live) maasLeftovers() []string {
	var left []string
	for _, g := range tenantTracked {
		list, err := l.dyn.Resource(g).List(l.ctx, metav1.ListOptions{LabelSelector: maas.TrackedBy})
		if apierrors.IsNotFound(err) {
			continue // the API is not served (any more)
		}
		if err != nil {
			l.t.Fatalf("listing %s by %s: %v", g.Resource, maas.TrackedBy, err)
		}
		for _, o := range list.Items {
			left = append(left, fmt.Sprintf("%s %s/%s", g.Resource, o.GetNamespace(), o.GetName()))
		}
	}
	for _, o := range []kubeObject{
		{apiVersion: "maas.opendatahub.io/v1alpha1", kind: "Tenant", namespace: maas.TenantNamespace, name: maas.TenantName},
		{apiVersion: "v1", kind: "Namespace", name: maas.TenantNamespace},
	} {
		ok, err := l.exists(o)
		if err != nil {
			l.t.Fatalf("reading %s: %v", o, err)
		}
		if ok {
			left = append(left, o.String())
		}
	}
	return left
}
