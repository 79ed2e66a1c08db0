package awsiam

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Gate names and budgets.
const (
	CredentialsProvisionedGate = "credentialsProvisioned"
	CredentialsTimeout         = 10 * time.Minute
)

// CredentialsRequests is the CCO resource the gate reads.
var CredentialsRequests = schema.GroupVersionResource{Group: "cloudcredential.openshift.io", Version: "v1", Resource: "credentialsrequests"}

// terminalConditions are the CredentialsRequest conditions that mean CCO
// will not provision without a human (openshift/cloud-credential-operator@release-4.21
// pkg/apis/cloudcredential/v1/types_credentialsrequest.go). A
// MissingTargetNamespace is only waited out: the namespace may be on its way.
var terminalConditions = []string{"InsufficientCloudCreds", "CredentialsProvisionFailure"}

func credentialsProvisionedGate(a Route53AccessArgs) readiness.Gate {
	return readiness.Gate{
		Name:       CredentialsProvisionedGate,
		Constraint: "C2",
		Layer:      "awsiam",
		Object:     "CredentialsRequest " + CCONamespace + "/" + CredentialsRequestName,
		Expect: fmt.Sprintf("status.provisioned=true for the current generation and Secret %s/%s with keys %s and %s",
			a.Namespace, a.SecretName, AccessKeyIDKey, SecretAccessKeyKey),
		Hint: fmt.Sprintf("check: oc get credentialsrequest %s -n %s -o yaml; oc get cloudcredential cluster -o jsonpath='{.spec.credentialsMode}' "+
			"(Manual/STS clusters need awsiam mode sts)", CredentialsRequestName, CCONamespace),
		Timeout: CredentialsTimeout,
		Check:   credentialsProvisioned(CCONamespace, CredentialsRequestName, a.Namespace, a.SecretName),
	}
}

// credentialsProvisioned waits for CCO to provision the CredentialsRequest
// (provisioned, lastSyncGeneration == generation) and for the Secret it
// writes to hold both keys; InsufficientCloudCreds or
// CredentialsProvisionFailure True is terminal with CCO's message.
func credentialsProvisioned(ns, name, secretNS, secretName string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		cr, err := c.Resource(CredentialsRequests).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return readiness.NotYet("CredentialsRequest %s/%s not found", ns, name), nil
		}
		if err != nil {
			return readiness.NotYet("reading CredentialsRequest %s/%s", ns, name), err
		}
		for _, t := range terminalConditions {
			if cond, ok := kube.FindCondition(cr, t); ok && cond.Status == "True" {
				return readiness.Failed("CredentialsRequest %s/%s %s=True (%s): %s", ns, name, t, cond.Reason, cond.Message), nil
			}
		}
		provisioned, _, _ := unstructured.NestedBool(cr.Object, "status", "provisioned")
		synced := kube.Int(cr, "status", "lastSyncGeneration")
		if !provisioned || synced != cr.GetGeneration() {
			msg := fmt.Sprintf("CredentialsRequest %s/%s provisioned=%t, lastSyncGeneration %d of generation %d", ns, name, provisioned, synced, cr.GetGeneration())
			if cond, ok := kube.FindCondition(cr, "MissingTargetNamespace"); ok && cond.Status == "True" {
				msg += "; MissingTargetNamespace: " + cond.Message
			}
			return readiness.NotYet("%s", msg), nil
		}
		secret, err := c.Resource(kube.Secrets).Namespace(secretNS).Get(ctx, secretName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return readiness.NotYet("CredentialsRequest provisioned but Secret %s/%s not written yet", secretNS, secretName), nil
		}
		if err != nil {
			return readiness.NotYet("reading Secret %s/%s", secretNS, secretName), err
		}
		for _, k := range []string{AccessKeyIDKey, SecretAccessKeyKey} {
			if kube.String(secret, "data", k) == "" {
				return readiness.NotYet("Secret %s/%s has no key %s yet", secretNS, secretName, k), nil
			}
		}
		return readiness.Ready(fmt.Sprintf("CredentialsRequest %s/%s provisioned Secret %s/%s", ns, name, secretNS, secretName)), nil
	}
}
