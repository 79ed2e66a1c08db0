package lws

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// LWSReadyGate proves the LeaderWorkerSet API is served (C9).
const LWSReadyGate = "lwsReady"

// ReadyTimeout: the operand registers its CRD and rolls out one controller.
const ReadyTimeout = 10 * time.Minute

// lwsReadyGate: the operand (not OLM) creates the leaderworkersets CRD and
// the controller Deployment, so only a Go check sees them.
func lwsReadyGate() readiness.Gate {
	return readiness.Gate{
		Name: LWSReadyGate, Constraint: "C9", Layer: "lws",
		Object:  "LeaderWorkerSetOperator " + OperatorName,
		Expect:  fmt.Sprintf("CRD %s Established and Deployment %s/%s Available", OperandCRD, Namespace, ControllerDeployment),
		Hint:    fmt.Sprintf("check: oc get leaderworkersetoperator %s -o yaml; oc get deploy,pods -n %s", OperatorName, Namespace),
		Timeout: ReadyTimeout,
		Check:   readiness.All(readiness.CRDEstablished(OperandCRD), controllerAvailable(Namespace, ControllerDeployment)),
	}
}

// controllerAvailable waits for an operand Deployment to be Available;
// Progressing=False with ProgressDeadlineExceeded is terminal (the rollout
// gave up: image pull, crash loop, quota), with the Deployment's message.
func controllerAvailable(ns, name string) readiness.Check {
	return func(ctx context.Context, c dynamic.Interface) (readiness.Status, error) {
		d, err := c.Resource(kube.Deployments).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return readiness.NotYet("Deployment %s/%s not created yet", ns, name), nil
		}
		if err != nil {
			return readiness.NotYet("reading Deployment %s/%s", ns, name), err
		}
		if cond, ok := kube.FindCondition(d, "Available"); ok && cond.Status == "True" {
			return readiness.Ready(fmt.Sprintf("Deployment %s/%s Available", ns, name)), nil
		}
		if cond, ok := kube.FindCondition(d, "Progressing"); ok && cond.Status == "False" && cond.Reason == "ProgressDeadlineExceeded" {
			return readiness.Failed("Deployment %s/%s Progressing=False (%s): %s", ns, name, cond.Reason, cond.Message), nil
		}
		cond, _ := kube.FindCondition(d, "Available")
		return readiness.NotYet("Deployment %s/%s not Available yet (%d/%d replicas ready; Available=%q %s)",
			ns, name, kube.Int(d, "status", "readyReplicas"), kube.Int(d, "spec", "replicas"), cond.Status, cond.Message), nil
	}
}
