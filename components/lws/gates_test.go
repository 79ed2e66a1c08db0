package lws

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func crd(t *testing.T, conditions string) *unstructured.Unstructured {
	return kubetest.FromJSON(t, `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
		"metadata":{"name":"leaderworkersets.leaderworkerset.x-k8s.io"},"status":{"conditions":`+conditions+`}}`)
}

func deployment(t *testing.T, ready int, conditions string) *unstructured.Unstructured {
	return kubetest.FromJSON(t, fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment",
		"metadata":{"name":"lws-controller-manager","namespace":"openshift-lws-operator"},
		"spec":{"replicas":2},"status":{"readyReplicas":%d,"conditions":%s}}`, ready, conditions))
}

const (
	established = `[{"type":"NamesAccepted","status":"True"},{"type":"Established","status":"True"}]`
	available   = `[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]`
	rollingOut  = `[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable","message":"Deployment does not have minimum availability."},{"type":"Progressing","status":"True","reason":"ReplicaSetUpdated"}]`
	gaveUp      = `[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"},{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"lws-controller-manager-5d4\" has timed out progressing."}]`
)

func TestLWSReady(t *testing.T) {
	cases := []struct {
		name         string
		objs         func(t *testing.T) []runtime.Object
		wantReady    bool
		wantTerminal bool
		wantMsg      []string
	}{
		{
			name: "ready when the operand CRD is Established and the controller Available",
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{crd(t, established), deployment(t, 2, available)}
			},
			wantReady: true, wantMsg: []string{"leaderworkersets.leaderworkerset.x-k8s.io Established", "lws-controller-manager Available"},
		},
		{
			name:    "not yet before the operand registers its CRD",
			objs:    func(t *testing.T) []runtime.Object { return []runtime.Object{deployment(t, 2, available)} },
			wantMsg: []string{"CRD leaderworkersets.leaderworkerset.x-k8s.io not registered yet"},
		},
		{
			name:    "not yet before the controller Deployment exists",
			objs:    func(t *testing.T) []runtime.Object { return []runtime.Object{crd(t, established)} },
			wantMsg: []string{"Deployment openshift-lws-operator/lws-controller-manager not created yet"},
		},
		{
			name: "not yet while the controller rolls out",
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{crd(t, established), deployment(t, 1, rollingOut)}
			},
			wantMsg: []string{"1/2 replicas ready", "Deployment does not have minimum availability."},
		},
		{
			name: "terminal when the rollout exceeded its progress deadline, with the Deployment's message",
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{crd(t, established), deployment(t, 0, gaveUp)}
			},
			wantTerminal: true, wantMsg: []string{"ProgressDeadlineExceeded", `ReplicaSet "lws-controller-manager-5d4" has timed out progressing.`},
		},
		{
			name: "terminal when the operand CRD's names clash",
			objs: func(t *testing.T) []runtime.Object {
				return []runtime.Object{crd(t, `[{"type":"NamesAccepted","status":"False","reason":"MultipleNames","message":"lws is already in use"}]`)}
			},
			wantTerminal: true, wantMsg: []string{"NamesAccepted=False", "lws is already in use"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := lwsReadyGate().Check(context.Background(), kubetest.Client(tc.objs(t)...))
			require.NoError(t, err)
			assert.Equal(t, tc.wantReady, st.Ready, st.Message)
			assert.Equal(t, tc.wantTerminal, st.Terminal, st.Message)
			for _, m := range tc.wantMsg {
				assert.Contains(t, st.Message, m)
			}
		})
	}
}

func TestLWSReady_waiting(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	t.Run("passes once the controller becomes Available", func(t *testing.T) {
		c := kubetest.Client(crd(t, established), deployment(t, 0, rollingOut))
		polls := 0
		clk := &kubetest.Clock{At: start, OnSleep: func() {
			if polls++; polls == 2 {
				_, err := c.Resource(kube.Deployments).Namespace("openshift-lws-operator").Update(context.Background(), deployment(t, 2, available), metav1.UpdateOptions{})
				require.NoError(t, err)
			}
		}}
		require.NoError(t, kubetest.Waiter(c, clk).Wait(context.Background(), lwsReadyGate()))
	})

	t.Run("fails at once on a rollout that gave up", func(t *testing.T) {
		clk := &kubetest.Clock{At: start}
		err := kubetest.Waiter(kubetest.Client(crd(t, established), deployment(t, 0, gaveUp)), clk).Wait(context.Background(), lwsReadyGate())
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTerminal), err)
		assert.Contains(t, err.Error(), "lws: gate lwsReady (C9)")
		assert.Contains(t, err.Error(), "has timed out progressing")
		assert.Equal(t, start, clk.Now())
	})

	t.Run("times out after 10 minutes naming what it saw last", func(t *testing.T) {
		clk := &kubetest.Clock{At: start}
		err := kubetest.Waiter(kubetest.Client(deployment(t, 2, available)), clk).Wait(context.Background(), lwsReadyGate())
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTimeout), err)
		assert.Equal(t, 10*time.Minute, clk.Now().Sub(start))
		assert.Contains(t, err.Error(), "CRD leaderworkersets.leaderworkerset.x-k8s.io not registered yet")
		assert.Contains(t, err.Error(), "oc get leaderworkersetoperator cluster")
	})
}
