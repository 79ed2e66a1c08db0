package olm

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Gate names.
const (
	CSVSucceededGate   = "csvSucceeded"
	CRDEstablishedGate = "crdEstablished"
)

// gates: the CSV Succeeded (approving the pinned plan first when Manual),
// then each CRD the operator's CRs need Established (C1).
func (a OperatorArgs) gates() []readiness.Gate {
	hint := fmt.Sprintf("check: oc get subscription,installplan,csv -n %s", a.Namespace)
	gates := []readiness.Gate{{
		Name: CSVSucceededGate, Constraint: "C1", Layer: a.Layer,
		Object:  "Subscription " + a.subscriptionKey(),
		Expect:  "the installed CSV in phase Succeeded",
		Hint:    hint,
		Timeout: CSVTimeout,
		Check:   readiness.CSVSucceeded(a.Namespace, a.SubscriptionName, pinIfManual(a)),
	}}
	for _, crd := range a.CRDs {
		gates = append(gates, readiness.Gate{
			Name: CRDEstablishedGate, Constraint: "C1", Layer: a.Layer,
			Object:  "CustomResourceDefinition " + crd,
			Expect:  "condition Established=True",
			Hint:    fmt.Sprintf("the CSV of %s registers it; %s", a.Package, hint),
			Timeout: CRDTimeout,
			Check:   readiness.CRDEstablished(crd),
		})
	}
	return gates
}

func pinIfManual(a OperatorArgs) string {
	if a.Approval == Manual {
		return a.StartingCSV
	}
	return ""
}

// removeCSVs deletes the CSVs OLM labelled for this package in this
// namespace, after the Subscription is gone.
func removeCSVs(ctx context.Context, w *readiness.Waiter, namespace, pkg string) error {
	client, err := w.Client()
	if err != nil {
		return fmt.Errorf("olm %s: connecting to remove its CSV: %w", pkg, err)
	}
	selector := CSVLabel(pkg, namespace)
	csvs, err := client.Resource(kube.CSVs).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return fmt.Errorf("olm %s: listing CSVs with label %s in %s: %w", pkg, selector, namespace, err)
	}
	for _, csv := range csvs.Items {
		if csv.GetLabels()["olm.copiedFrom"] != "" {
			continue // copies follow their original
		}
		err := client.Resource(kube.CSVs).Namespace(namespace).Delete(ctx, csv.GetName(), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("olm %s: deleting CSV %s/%s: %w", pkg, namespace, csv.GetName(), err)
		}
	}
	return nil
}

// CSVLabel is the label OLM puts on a Subscription's CSV:
// operators.coreos.com/<package>.<namespace>, the name part (the Operator's
// name) cut to the 63 characters a label key allows and stripped of
// trailing non-alphanumerics, as OLM's decorators.Operator.ComponentLabelKey
// does (e.g. cluster-observability-operator in
// openshift-cluster-observability-operator: 71 characters). An uncut key is
// not a valid selector: the list fails before it reaches the API server.
func CSVLabel(pkg, namespace string) string {
	name := pkg + "." + namespace
	if len(name) > 63 {
		name = strings.TrimRightFunc(name[:63], func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		})
	}
	return "operators.coreos.com/" + name
}
