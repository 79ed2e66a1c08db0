package lws

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// install runs NewLeaderWorkerSet under mocks after an upstream resource
// (args.After), with a dependent standing for the RHOAI Subscription (C9).
func install(t *testing.T, args LeaderWorkerSetArgs, gatesOn bool) (*pulumitest.Recorder, *LeaderWorkerSet, error) {
	t.Helper()
	return pulumitest.RunLayer(gatesOn, "rhoai", func(ctx *pulumi.Context, gates *readiness.Binder, after readiness.Prerequisite) (*LeaderWorkerSet, error) {
		a := args
		a.Gates, a.After = gates, after
		return NewLeaderWorkerSet(ctx, "lws", &a)
	})
}

func TestLeaderWorkerSet_objects(t *testing.T) {
	cases := []struct {
		name, channel, kind, namespace, objName, typ string
		clusterScoped                                bool
		wantSpec                                     map[string]any
		wantLabels                                   map[string]any
	}{
		{
			name: "the operator gets its own namespace, monitored", kind: "Namespace", objName: "openshift-lws-operator",
			typ: "kubernetes:core/v1:Namespace", clusterScoped: true,
			wantLabels: map[string]any{"openshift.io/cluster-monitoring": "true"},
		},
		{
			name: "OperatorGroup leader-worker-set targets only its namespace", kind: "OperatorGroup", namespace: "openshift-lws-operator", objName: "leader-worker-set",
			typ:      "kubernetes:operators.coreos.com/v1:OperatorGroup",
			wantSpec: map[string]any{"targetNamespaces": []any{"openshift-lws-operator"}},
		},
		{
			name: "Subscription defaults to channel stable-v1.0", kind: "Subscription", namespace: "openshift-lws-operator", objName: "leader-worker-set",
			typ:      "kubernetes:operators.coreos.com/v1alpha1:Subscription",
			wantSpec: map[string]any{"channel": "stable-v1.0", "installPlanApproval": "Automatic", "name": "leader-worker-set", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "Subscription takes another channel from args", channel: "stable-v1.1", kind: "Subscription", namespace: "openshift-lws-operator", objName: "leader-worker-set",
			typ:      "kubernetes:operators.coreos.com/v1alpha1:Subscription",
			wantSpec: map[string]any{"channel": "stable-v1.1", "installPlanApproval": "Automatic", "name": "leader-worker-set", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "LeaderWorkerSetOperator cluster is cluster-scoped and Managed", kind: "LeaderWorkerSetOperator", objName: "cluster",
			typ: "kubernetes:operator.openshift.io/v1:LeaderWorkerSetOperator", clusterScoped: true,
			wantSpec: map[string]any{"managementState": "Managed", "logLevel": "Normal", "operatorLogLevel": "Normal"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, err := install(t, LeaderWorkerSetArgs{Catalog: olm.Catalog{Channel: tc.channel}}, true)
			require.NoError(t, err)
			found := rec.Find(tc.kind, tc.namespace, tc.objName)
			require.Len(t, found, 1)
			r := found[0]
			assert.Equal(t, tc.typ, r.Type)
			md := r.Object()["metadata"].(map[string]any)
			if tc.clusterScoped {
				assert.NotContains(t, md, "namespace")
			}
			if tc.wantSpec != nil {
				assert.Equal(t, tc.wantSpec, r.Object()["spec"])
			}
			if tc.wantLabels != nil {
				assert.Equal(t, tc.wantLabels, md["labels"])
			}
		})
	}
}

func hook(name, object string) string { return readiness.Gate{Name: name, Object: object}.HookName() }

func TestLeaderWorkerSet_edges(t *testing.T) {
	rec, l, err := install(t, LeaderWorkerSetArgs{}, true)
	require.NoError(t, err)
	csv := hook("csvSucceeded", "Subscription openshift-lws-operator/leader-worker-set")
	crd := hook("crdEstablished", "CustomResourceDefinition leaderworkersetoperators.operator.openshift.io")
	ready := hook("lwsReady", "LeaderWorkerSetOperator cluster")
	cases := []struct {
		name, after, before string
		gates               []string
	}{
		{"C1: the LeaderWorkerSetOperator waits for the CSV and its CRD", "lws-operand", "lws-operator-subscription", []string{csv, crd}},
		{"the Subscription waits for what the layer waits for", "lws-operator-subscription", "upstream", nil},
		{"C9: the RHOAI operator waits for the operand and the LeaderWorkerSet API", "rhoai", "lws-operand", []string{csv, ready}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, rec.Reaches(tc.after, tc.before), "%s should depend on %s", tc.after, tc.before)
			r, ok := rec.Get(tc.after)
			require.True(t, ok)
			for _, g := range tc.gates {
				assert.True(t, r.HasGate(g), "missing gate %s on %s: %v", g, tc.after, r.Hooks)
			}
		})
	}
	assert.False(t, rec.Reaches("lws-operator-subscription", "lws-operand"), "destroy: the operand CR goes before the operator")
	assert.Equal(t, "C9", l.Gate.Constraint)
	assert.Equal(t, 10*time.Minute, l.Gate.Timeout)
	operand, _ := rec.Get("lws-operand")
	assert.False(t, operand.HasGate(ready), "the operand CR must not wait for what it creates")
}

func TestLeaderWorkerSet_renderModeBindsNoHooks(t *testing.T) {
	rec, _, err := install(t, LeaderWorkerSetArgs{}, false)
	require.NoError(t, err)
	for _, r := range rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
	}
	assert.True(t, rec.Reaches("rhoai", "lws-operand"), "edges stay in render mode")
}

func TestLeaderWorkerSetArgs_Validate(t *testing.T) {
	assert.ErrorContains(t, LeaderWorkerSetArgs{}.Validate(), "no gate binder")
	_, err := NewLeaderWorkerSet(nil, "lws", nil)
	assert.ErrorContains(t, err, `lws "lws": args are nil`)
}
