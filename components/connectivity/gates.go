package connectivity

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// KuadrantReadyGate proves the Kuadrant CR is Ready: Authorino and Limitador
// deployed, every dependency found (C8).
const KuadrantReadyGate = "kuadrantReady"

// OperatorPodSelector selects the kuadrant-operator pod of RHCL
// (kuadrant-operator@v1.3.1 bundle/manifests/kuadrant-operator.clusterserviceversion.yaml:
// Deployment kuadrant-operator-controller-manager).
const OperatorPodSelector = "app=kuadrant,control-plane=controller-manager"

// dependencyCRDs are the CRDs by which kuadrant-operator finds each
// dependency it names in MissingDependency (kuadrant-operator@v1.3.1
// internal/controller/state_of_the_world.go, internal/istio/utils.go,
// internal/envoygateway/utils.go, internal/authorino/conditions.go). A
// provider is found when any one of its alternatives is complete.
var dependencyCRDs = map[string][][]string{
	"Gateway API": {{"httproutes.gateway.networking.k8s.io"}},
	"Gateway API provider (istio / envoy gateway)": {
		{"wasmplugins.extensions.istio.io", "envoyfilters.networking.istio.io", "peerauthentications.security.istio.io"},
		{"envoyextensionpolicies.gateway.envoyproxy.io", "envoypatchpolicies.gateway.envoyproxy.io"},
	},
	"Authorino Operator": {{"authorinos.operator.authorino.kuadrant.io", "authconfigs.authorino.kuadrant.io"}},
	"Limitador Operator": {{"limitadors.limitador.kuadrant.io"}},
}

// missingNames reads the dependency names out of MissingDependency's
// message: "[a, b] is not installed, please restart Kuadrant Operator pod
// once dependency has been installed" (kuadrant-operator@v1.3.1
// internal/kuadrant/errors.go ErrDependencyNotInstalled).
var missingNames = regexp.MustCompile(`^\[(.*)\] is not installed`)

func kuadrantReadyGate(ns string) readiness.Gate {
	return readiness.Gate{
		Name: KuadrantReadyGate, Constraint: "C8", Layer: "connectivity",
		Object:  "Kuadrant " + ns + "/" + KuadrantName,
		Expect:  "condition Ready=True (Authorino and Limitador deployed, every dependency found)",
		Hint:    "check: oc get kuadrant " + KuadrantName + " -n " + ns + " -o jsonpath='{.status.conditions}'; oc logs -n " + ns + " -l " + OperatorPodSelector,
		Timeout: KuadrantTimeout,
		Check:   KuadrantReady(ns),
	}
}

// KuadrantReady waits for Kuadrant Ready=True. Reason MissingDependency is
// permanent until the operator pod restarts: kuadrant-operator probes its
// dependencies only at start (kuadrant-operator@v1.3.1
// internal/controller/state_of_the_world.go getOptions) and says so ("please
// restart Kuadrant Operator pod once dependency has been installed"). So
// once the CRDs of every dependency it names exist, the check does what the
// message asks a human to do, once per run: it deletes the operator pod (its
// Deployment makes a new one, which probes again), then waits. While a
// dependency is really absent it waits, naming it. LimitadorNotReady and
// AuthorinoNotReady clear by themselves.
func KuadrantReady(ns string) readiness.Check {
	var mu sync.Mutex
	var restarted time.Time // once per run
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		k, err := kube.Get(ctx, c, kube.Kuadrants, ns, KuadrantName)
		if err != nil || k == nil {
			return readiness.NotYet("Kuadrant %s/%s not found", ns, KuadrantName), err
		}
		cond, ok := kube.FindCondition(k, "Ready")
		switch {
		case !ok:
			return readiness.NotYet("Kuadrant %s/%s has no Ready condition yet", ns, KuadrantName), nil
		case cond.Status == "True":
			return readiness.Ready(fmt.Sprintf("Kuadrant %s/%s Ready", ns, KuadrantName)), nil
		case cond.Reason != "MissingDependency":
			return readiness.NotYet("Kuadrant %s/%s Ready=%s (%s): %s", ns, KuadrantName, cond.Status, cond.Reason, cond.Message), nil
		}
		mu.Lock()
		defer mu.Unlock()
		if !restarted.IsZero() {
			return readiness.NotYet("Kuadrant %s/%s MissingDependency: %s (the operator pod was restarted at %s; waiting for it to probe again)", ns, KuadrantName, cond.Message, restarted.Format(time.TimeOnly)), nil
		}
		absent, err := absentDependencies(ctx, c, cond.Message)
		if err != nil {
			return readiness.NotYet("reading the CRDs Kuadrant depends on"), err
		}
		if len(absent) > 0 {
			return readiness.NotYet("Kuadrant %s/%s MissingDependency: %s (still absent: %s)", ns, KuadrantName, cond.Message, strings.Join(absent, ", ")), nil
		}
		pods := c.Resource(kube.Pods).Namespace(ns)
		if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: OperatorPodSelector}); err != nil {
			return readiness.NotYet("restarting the kuadrant-operator pod (%s in %s)", OperatorPodSelector, ns), err
		}
		restarted = time.Now()
		return readiness.NotYet("Kuadrant %s/%s MissingDependency: %s; its dependencies are installed now, so the operator pod was restarted as the message asks", ns, KuadrantName, cond.Message), nil
	}
}

// absentDependencies names the dependencies of a MissingDependency message
// whose CRDs are still not all there (an unknown name counts as present: a
// restart is the only thing left to try).
func absentDependencies(ctx context.Context, c dynamic.Interface, message string) ([]string, error) {
	m := missingNames.FindStringSubmatch(message)
	if m == nil {
		return nil, nil
	}
	var absent []string
	for _, name := range strings.Split(m[1], ", ") {
		alternatives, known := dependencyCRDs[name]
		if !known {
			continue
		}
		found := false
		for _, crds := range alternatives {
			all := true
			for _, crd := range crds {
				obj, err := kube.Get(ctx, c, kube.CRDs, "", crd)
				if err != nil {
					return nil, err
				}
				all = all && obj != nil
			}
			found = found || all
		}
		if !found {
			absent = append(absent, name)
		}
	}
	return absent, nil
}
