package preflight

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Cluster objects the checks read.
const (
	clusterVersionName  = "version"
	clusterConfigName   = "cluster" // Infrastructure, DNS and Ingress config singletons
	pullSecretNamespace = "openshift-config"
	pullSecretName      = "pull-secret"
	pullSecretKey       = ".dockerconfigjson"
	redHatRegistry      = "registry.redhat.io"

	defaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"

	odhPackage        = "opendatahub-operator"
	serviceMesh2Pkg   = "servicemeshoperator" // 2.x; servicemeshoperator3 (3.x) is fine
	copiedFromLabel   = "olm.copiedFrom"      // OLM's copies of AllNamespaces CSVs
	awsPlatformType   = "AWS"
	fixAsClusterAdmin = "run as a cluster-admin user (oc login, or set cluster.kubeconfig / cluster.context)"
)

// list reads every object of a resource, page by page; ns "" means all
// namespaces (or cluster scope).
func list(ctx context.Context, c dynamic.Interface, gvr schema.GroupVersionResource, ns string) ([]unstructured.Unstructured, error) {
	var r dynamic.ResourceInterface = c.Resource(gvr)
	if ns != "" {
		r = c.Resource(gvr).Namespace(ns)
	}
	var out []unstructured.Unstructured
	opts := metav1.ListOptions{Limit: 500}
	for {
		l, err := r.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.GetContinue() == "" {
			return out, nil
		}
		opts.Continue = l.GetContinue()
	}
}

// apiFinding turns a failed API call into a finding; a Forbidden names the
// permission the user lacks.
func apiFinding(check, object, verb string, gvr schema.GroupVersionResource, scope string, err error) Finding {
	perm := fmt.Sprintf("permission to %s %s %s", verb, gvrString(gvr.Resource, gvr.Group), scope)
	if apierrors.IsForbidden(err) {
		return Finding{Check: check, Object: object, Severity: Error,
			Found:    "access denied: " + err.Error(),
			Expected: perm,
			Fix:      fixAsClusterAdmin,
		}
	}
	return Finding{Check: check, Object: object, Severity: Error,
		Found:    "API error: " + err.Error(),
		Expected: "to " + verb + " " + object,
		Fix:      "check that the API server is reachable with the configured kubeconfig and context",
	}
}

// --- OpenShift version ---------------------------------------------------

func checkVersion(ctx context.Context, c dynamic.Interface, minVersion string) []Finding {
	wantMaj, wantMin, ok := parseMajorMinor(minVersion)
	if !ok {
		return []Finding{{Check: CheckOptions, Object: "Options.MinVersion", Severity: Error,
			Found: strconv.Quote(minVersion), Expected: `a "major.minor" version such as 4.21`,
			Fix: "fix the minimum OpenShift version passed to preflight"}}
	}
	object := "ClusterVersion " + clusterVersionName
	want := fmt.Sprintf("OpenShift %d.%d or later", wantMaj, wantMin)
	cv, err := kube.Get(ctx, c, kube.ClusterVersions, "", clusterVersionName)
	if err != nil {
		return []Finding{apiFinding(CheckOpenShiftVersion, object, "get", kube.ClusterVersions, "at cluster scope", err)}
	}
	if cv == nil {
		return []Finding{{Check: CheckOpenShiftVersion, Object: object, Severity: Error,
			Found: "no ClusterVersion (not an OpenShift cluster?)", Expected: want,
			Fix: "point the kubeconfig (cluster.kubeconfig / cluster.context) at an OpenShift cluster"}}
	}
	v := clusterVersion(cv)
	gotMaj, gotMin, ok := parseMajorMinor(v)
	if !ok {
		return []Finding{{Check: CheckOpenShiftVersion, Object: object, Severity: Error,
			Found: fmt.Sprintf("version %q in status (no Completed history entry, desired.version unreadable)", v), Expected: want,
			Fix: "check the cluster's upgrade status: oc get clusterversion version"}}
	}
	if gotMaj < wantMaj || (gotMaj == wantMaj && gotMin < wantMin) {
		return []Finding{{Check: CheckOpenShiftVersion, Object: object, Severity: Error,
			Found: v, Expected: want,
			Fix: "upgrade the cluster (oc adm upgrade) or use a newer one: llm-d needs the built-in Gateway API controller and RHOAI 3.4 is validated on 4.21"}}
	}
	return nil
}

// clusterVersion is the newest fully applied version: the first
// status.history entry in state Completed (history is newest first; a
// Partial entry is an upgrade in progress), else status.desired.version.
func clusterVersion(cv *unstructured.Unstructured) string {
	history, _, _ := unstructured.NestedSlice(cv.Object, "status", "history")
	for _, h := range history {
		m, ok := h.(map[string]any)
		if !ok {
			continue
		}
		if state, _ := m["state"].(string); state == "Completed" {
			if v, _ := m["version"].(string); v != "" {
				return v
			}
		}
	}
	return kube.String(cv, "status", "desired", "version")
}

// parseMajorMinor reads "4.21", "4.21.3" or "4.22.0-ec.1" as numbers, so that
// 4.3 sorts before 4.21.
func parseMajorMinor(v string) (int, int, bool) {
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	minor := parts[1]
	if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = minor[:i]
	}
	maj, err1 := strconv.Atoi(parts[0])
	mn, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil || maj < 0 || mn < 0 {
		return 0, 0, false
	}
	return maj, mn, true
}

// --- cluster-admin -------------------------------------------------------

func checkClusterAdmin(ctx context.Context, c dynamic.Interface) []Finding {
	const object = "SelfSubjectAccessReview (verb * on */*)"
	body, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&authorizationv1.SelfSubjectAccessReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SelfSubjectAccessReview"},
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "*", Group: "*", Resource: "*"},
		},
	})
	if err != nil {
		return []Finding{apiFinding(CheckClusterAdmin, object, "encode", kube.SelfSubjectReviews, "", err)}
	}
	res, err := c.Resource(kube.SelfSubjectReviews).Create(ctx, &unstructured.Unstructured{Object: body}, metav1.CreateOptions{})
	if err != nil {
		return []Finding{apiFinding(CheckClusterAdmin, object, "create", kube.SelfSubjectReviews, "", err)}
	}
	if allowed, _, _ := unstructured.NestedBool(res.Object, "status", "allowed"); allowed {
		return nil
	}
	found := "the current user may not perform every verb on every resource"
	if reason := kube.String(res, "status", "reason"); reason != "" {
		found += " (" + reason + ")"
	}
	return []Finding{{Check: CheckClusterAdmin, Object: object, Severity: Error,
		Found: found, Expected: "cluster-admin rights (the install creates CRDs, operators and cluster config)",
		Fix: fixAsClusterAdmin + ", or grant them: oc adm policy add-cluster-role-to-user cluster-admin <user>"}}
}

// --- default StorageClass -----------------------------------------------

func checkDefaultStorageClass(ctx context.Context, c dynamic.Interface) []Finding {
	const object = "StorageClasses"
	scs, err := list(ctx, c, kube.StorageClasses, "")
	if err != nil {
		return []Finding{apiFinding(CheckDefaultStorageClass, object, "list", kube.StorageClasses, "at cluster scope", err)}
	}
	var all, defaults []string
	for _, sc := range scs {
		all = append(all, sc.GetName())
		a := sc.GetAnnotations()
		if a[defaultClassAnnotation] == "true" || (a[defaultClassAnnotation] == "" && a[betaDefaultClassAnnotation] == "true") {
			defaults = append(defaults, sc.GetName())
		}
	}
	sort.Strings(all)
	sort.Strings(defaults)
	expected := "exactly one StorageClass annotated " + defaultClassAnnotation + "=true"
	switch {
	case len(defaults) == 0:
		found := "no default StorageClass (none exist)"
		candidate := "<name>"
		if len(all) > 0 {
			found = "no default StorageClass among " + strings.Join(all, ", ")
			candidate = all[0]
		}
		return []Finding{{Check: CheckDefaultStorageClass, Object: object, Severity: Error,
			Found: found, Expected: expected,
			Fix: fmt.Sprintf(`mark one with dynamic provisioning as default (the model registry and MaaS PostgreSQL PVCs stay Pending otherwise): oc annotate storageclass %s %s=true`, candidate, defaultClassAnnotation)}}
	case len(defaults) > 1:
		return []Finding{{Check: CheckDefaultStorageClass, Object: object, Severity: Warning,
			Found: fmt.Sprintf("%d default StorageClasses (%s)", len(defaults), strings.Join(defaults, ", ")), Expected: expected,
			Fix: fmt.Sprintf("PVCs without a storageClassName get the most recently created default; keep one: oc annotate storageclass <name> %s-", defaultClassAnnotation)}}
	}
	return nil
}

// --- pull secret ----------------------------------------------------------

// checkPullSecret looks for registry.redhat.io credentials in the global pull
// secret. No message ever contains any part of the secret: not a value, not
// a parser error (JSON errors quote the input), not the other registries.
func checkPullSecret(ctx context.Context, c dynamic.Interface) []Finding {
	object := "Secret " + key(pullSecretNamespace, pullSecretName)
	expected := "data[" + pullSecretKey + "] with an auths entry for " + redHatRegistry
	fix := "merge your " + redHatRegistry + " credentials (console.redhat.com/openshift/install/pull-secret) into the global pull secret: " +
		"oc set data secret/" + pullSecretName + " -n " + pullSecretNamespace + " --from-file=" + pullSecretKey + "=<merged file>; " +
		"GPU nodes pull the model's ModelCar image from " + redHatRegistry
	finding := func(found string) []Finding {
		return []Finding{{Check: CheckPullSecret, Object: object, Severity: Error, Found: found, Expected: expected, Fix: fix}}
	}
	s, err := kube.Get(ctx, c, kube.Secrets, pullSecretNamespace, pullSecretName)
	if err != nil {
		return []Finding{apiFinding(CheckPullSecret, object, "get", kube.Secrets, "in namespace "+pullSecretNamespace, err)}
	}
	if s == nil {
		return finding("no such Secret")
	}
	encoded, found, _ := unstructured.NestedString(s.Object, "data", pullSecretKey)
	if !found || encoded == "" {
		return finding("no data[" + pullSecretKey + "]")
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return finding("data[" + pullSecretKey + "] is not valid base64")
	}
	var cfg struct {
		Auths map[string]struct {
			Auth     string `json:"auth"`
			Username string `json:"username"`
			Password string `json:"password"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return finding("data[" + pullSecretKey + "] is not a JSON docker config")
	}
	for host, entry := range cfg.Auths {
		if normalizeRegistry(host) != redHatRegistry {
			continue
		}
		if entry.Auth != "" || (entry.Username != "" && entry.Password != "") {
			return nil
		}
		return finding("an auths entry for " + redHatRegistry + " without credentials")
	}
	return finding("no auths entry for " + redHatRegistry)
}

// normalizeRegistry accepts "https://registry.redhat.io/" as registry.redhat.io.
func normalizeRegistry(host string) string {
	host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	return strings.ToLower(strings.TrimSuffix(host, "/"))
}

// --- conflicting operators -----------------------------------------------

// checkConflictingOperators reports Open Data Hub (shares CRDs with RHOAI)
// and Service Mesh 2.x (its Envoy conflicts with the llm-d gateway) from one
// list of Subscriptions and one of CSVs, in all namespaces.
func checkConflictingOperators(ctx context.Context, c dynamic.Interface) []Finding {
	var out []Finding
	subs, err := list(ctx, c, kube.Subscriptions, "")
	if err != nil && !apierrors.IsNotFound(err) { // NotFound: OLM's API is not served, nothing installed
		out = append(out, apiFinding(CheckConflictingOperators, "Subscriptions (all namespaces)", "list", kube.Subscriptions, "in all namespaces", err))
	}
	for _, s := range subs {
		object := "Subscription " + key(s.GetNamespace(), s.GetName())
		csv := kube.String(&s, "status", "installedCSV")
		removeCSV := ""
		if csv != "" {
			removeCSV = fmt.Sprintf("; oc delete csv -n %s %s", s.GetNamespace(), csv)
		}
		switch kube.String(&s, "spec", "name") {
		case odhPackage:
			out = append(out, odhFinding(object, "a Subscription to package "+odhPackage,
				fmt.Sprintf("oc delete subscription -n %s %s%s", s.GetNamespace(), s.GetName(), removeCSV)))
		case serviceMesh2Pkg:
			out = append(out, sm2Finding(object, "a Subscription to package "+serviceMesh2Pkg+" (Service Mesh 2.x)",
				fmt.Sprintf("oc delete subscription -n %s %s%s", s.GetNamespace(), s.GetName(), removeCSV)))
		}
	}
	csvs, err := list(ctx, c, kube.CSVs, "")
	if err != nil && !apierrors.IsNotFound(err) {
		out = append(out, apiFinding(CheckConflictingOperators, "ClusterServiceVersions (all namespaces)", "list", kube.CSVs, "in all namespaces", err))
	}
	for _, csv := range originalCSVs(csvs) {
		object := "ClusterServiceVersion " + key(csv.GetNamespace(), csv.GetName())
		remove := fmt.Sprintf("oc delete csv -n %s %s", csv.GetNamespace(), csv.GetName())
		switch {
		case strings.HasPrefix(csv.GetName(), odhPackage+"."):
			out = append(out, odhFinding(object, "an installed Open Data Hub operator CSV", remove))
		case strings.HasPrefix(csv.GetName(), serviceMesh2Pkg+"."): // not servicemeshoperator3.*
			out = append(out, sm2Finding(object, "an installed Service Mesh 2.x operator CSV", remove))
		}
	}
	return out
}

// originalCSVs drops OLM's per-namespace copies of an AllNamespaces CSV, so
// one operator yields one finding (a copy stands in when the original is not visible).
func originalCSVs(csvs []unstructured.Unstructured) []unstructured.Unstructured {
	byName := map[string]int{}
	var out []unstructured.Unstructured
	for _, csv := range csvs {
		_, copied := csv.GetLabels()[copiedFromLabel]
		copied = copied || kube.String(&csv, "status", "reason") == "Copied"
		i, seen := byName[csv.GetName()]
		switch {
		case !seen:
			byName[csv.GetName()] = len(out)
			out = append(out, csv)
		case !copied:
			out[i] = csv
		}
	}
	return out
}

func odhFinding(object, found, remove string) Finding {
	return Finding{Check: CheckNoOpenDataHub, Object: object, Severity: Error,
		Found:    found,
		Expected: "no Open Data Hub operator (it shares CRDs with RHOAI and the two operators reconcile against each other)",
		Fix:      "uninstall Open Data Hub first (its DataScienceCluster and DSCInitialization, then the operator): " + remove,
	}
}

func sm2Finding(object, found, remove string) Finding {
	return Finding{Check: CheckNoServiceMesh2, Object: object, Severity: Error,
		Found:    found,
		Expected: "no OpenShift Service Mesh 2.x (its Envoy proxy conflicts with the llm-d gateway; OpenShift 4.20+ installs Service Mesh 3 itself for Gateway API)",
		Fix:      "remove Service Mesh 2.x (its ServiceMeshControlPlanes, then the operator): " + remove,
	}
}

// --- platform -------------------------------------------------------------

func checkAWSPlatform(ctx context.Context, c dynamic.Interface) []Finding {
	object := "Infrastructure " + clusterConfigName
	expected := "platform AWS (the aws-dev stack creates AWS GPU MachineSets and Route53 DNS-01 credentials)"
	fix := "the aws-dev stack needs an AWS cluster; use the baremetal stack: pulumi stack select baremetal"
	infra, err := kube.Get(ctx, c, kube.Infrastructures, "", clusterConfigName)
	if err != nil {
		return []Finding{apiFinding(CheckPlatform, object, "get", kube.Infrastructures, "at cluster scope", err)}
	}
	if infra == nil {
		return []Finding{{Check: CheckPlatform, Object: object, Severity: Error, Found: "no Infrastructure cluster", Expected: expected, Fix: fix}}
	}
	if t := platformType(infra); t != awsPlatformType {
		found := "platform " + t
		if t == "" {
			found = "no platform type in status"
		}
		return []Finding{{Check: CheckPlatform, Object: object, Severity: Error, Found: found, Expected: expected, Fix: fix}}
	}
	return nil
}

// platformType reads status.platformStatus.type, falling back to the
// deprecated status.platform.
func platformType(infra *unstructured.Unstructured) string {
	if t := kube.String(infra, "status", "platformStatus", "type"); t != "" {
		return t
	}
	return kube.String(infra, "status", "platform")
}
