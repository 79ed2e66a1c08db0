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
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/fake"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

type fakeClock struct {
	now     time.Time
	onSleep func()
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	if c.onSleep != nil {
		c.onSleep()
	}
	return nil
}

func fromJSON(t *testing.T, js string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	require.NoError(t, u.UnmarshalJSON([]byte(js)), js)
	return u
}

func newClient(objs ...runtime.Object) *fake.FakeDynamicClient {
	return fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		kube.CRDs: "CustomResourceDefinitionList", kube.Deployments: "DeploymentList",
	}, objs...)
}

func crd(t *testing.T, conditions string) *unstructured.Unstructured {
	return fromJSON(t, `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
		"metadata":{"name":"leaderworkersets.leaderworkerset.x-k8s.io"},"status":{"conditions":`+conditions+`}}`)
}

func deployment(t *testing.T, ready int, conditions string) *unstructured.Unstructured {
	return fromJSON(t, fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment",
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
			st, err := lwsReadyGate().Check(context.Background(), newClient(tc.objs(t)...))
			require.NoError(t, err)
			assert.Equal(t, tc.wantReady, st.Ready, st.Message)
			assert.Equal(t, tc.wantTerminal, st.Terminal, st.Message)
			for _, m := range tc.wantMsg {
				assert.Contains(t, st.Message, m)
			}
		})
	}
}

func waiter(c dynamic.Interface, clk readiness.Clock) *readiness.Waiter {
	return &readiness.Waiter{Client: func() (dynamic.Interface, error) { return c, nil }, Clock: clk, Interval: 2 * time.Second, MaxInterval: 10 * time.Second}
}

func TestLWSReady_waiting(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	t.Run("passes once the controller becomes Available", func(t *testing.T) {
		c := newClient(crd(t, established), deployment(t, 0, rollingOut))
		polls := 0
		clk := &fakeClock{now: start, onSleep: func() {
			if polls++; polls == 2 {
				_, err := c.Resource(kube.Deployments).Namespace("openshift-lws-operator").Update(context.Background(), deployment(t, 2, available), metav1.UpdateOptions{})
				require.NoError(t, err)
			}
		}}
		require.NoError(t, waiter(c, clk).Wait(context.Background(), lwsReadyGate()))
	})

	t.Run("fails at once on a rollout that gave up", func(t *testing.T) {
		clk := &fakeClock{now: start}
		err := waiter(newClient(crd(t, established), deployment(t, 0, gaveUp)), clk).Wait(context.Background(), lwsReadyGate())
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTerminal), err)
		assert.Contains(t, err.Error(), "lws: gate lwsReady (C9)")
		assert.Contains(t, err.Error(), "has timed out progressing")
		assert.Equal(t, start, clk.now)
	})

	t.Run("times out after 10 minutes naming what it saw last", func(t *testing.T) {
		clk := &fakeClock{now: start}
		err := waiter(newClient(deployment(t, 2, available)), clk).Wait(context.Background(), lwsReadyGate())
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTimeout), err)
		assert.Equal(t, 10*time.Minute, clk.now.Sub(start))
		assert.Contains(t, err.Error(), "CRD leaderworkersets.leaderworkerset.x-k8s.io not registered yet")
		assert.Contains(t, err.Error(), "oc get leaderworkersetoperator cluster")
	})
}
