package olm

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

func install(t *testing.T, args OperatorArgs, gatesOn bool) (*pulumitest.Recorder, *Operator, error) {
	t.Helper()
	var op *Operator
	rec, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		a := args
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), gatesOn)
		var err error
		op, err = NewOperator(ctx, "test-op", &a)
		if err != nil {
			return err
		}
		// A dependent takes the operator's prerequisite in its args (C1):
		// Pulumi does not pass a component's DependsOn down to its children.
		_, err = NewOperator(ctx, "dependent", &OperatorArgs{Package: "dep", Catalog: Catalog{Channel: "c"}, Namespace: "dep-ns", Gates: a.Gates, After: op.Prerequisite()})
		return err
	}, nil, false, nil)
	return rec, op, err
}

func TestOperator_objects(t *testing.T) {
	cases := []struct {
		name        string
		args        OperatorArgs
		wantNS      bool
		wantTargets []any
		wantSpec    map[string]any
	}{
		{
			name:        "own-namespace operator gets a targeted OperatorGroup",
			args:        OperatorArgs{Package: "nfd", Catalog: Catalog{Channel: "stable"}, Namespace: "openshift-nfd", Mode: OwnNamespace},
			wantNS:      true,
			wantTargets: []any{"openshift-nfd"},
			wantSpec:    map[string]any{"channel": "stable", "installPlanApproval": "Automatic", "name": "nfd", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name:     "all-namespaces operator with a pinned manual CSV",
			args:     OperatorArgs{Package: "rhcl-operator", Catalog: Catalog{Channel: "stable", Approval: Manual, StartingCSV: "rhcl-operator.v1.3.4"}, Namespace: "kuadrant-system", OperatorGroupName: "kuadrant"},
			wantNS:   true,
			wantSpec: map[string]any{"channel": "stable", "installPlanApproval": "Manual", "name": "rhcl-operator", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace", "startingCSV": "rhcl-operator.v1.3.4"},
		},
		{
			name:     "openshift-operators gets neither Namespace nor OperatorGroup",
			args:     OperatorArgs{Package: "grafana-operator", Catalog: Catalog{Channel: "v5", Source: "community-operators"}, Namespace: GlobalOperatorsNamespace},
			wantSpec: map[string]any{"channel": "v5", "installPlanApproval": "Automatic", "name": "grafana-operator", "source": "community-operators", "sourceNamespace": "openshift-marketplace"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, err := install(t, tc.args, true)
			require.NoError(t, err)
			ns := rec.Find("Namespace", "", tc.args.Namespace)
			og := rec.Find("OperatorGroup", tc.args.Namespace, "")
			if tc.wantNS {
				require.Len(t, ns, 1)
				ogs := rec.Find("OperatorGroup", tc.args.Namespace, tc.args.withDefaults().OperatorGroupName)
				require.Len(t, ogs, 1)
				spec := ogs[0].Object()["spec"].(map[string]any)
				if tc.wantTargets != nil {
					assert.Equal(t, tc.wantTargets, spec["targetNamespaces"])
				} else {
					assert.Equal(t, "Default", spec["upgradeStrategy"])
					assert.NotContains(t, spec, "targetNamespaces")
				}
			} else {
				assert.Empty(t, ns)
				assert.Empty(t, og)
			}
			subs := rec.Find("Subscription", tc.args.Namespace, tc.args.Package)
			require.Len(t, subs, 1)
			assert.Equal(t, "kubernetes:operators.coreos.com/v1alpha1:Subscription", subs[0].Type)
			assert.Equal(t, tc.wantSpec, subs[0].Object()["spec"])
			assert.Equal(t, "test-op", subs[0].Parent)
		})
	}
}

// The Subscription has no waitFor (it could not see a failed InstallPlan);
// the Stash after it carries the CSV and CRD gates, so the run waits for the
// operator even with no dependent, and its input is the Subscription's spec,
// so a new channel or pin runs the gates again.
func TestOperator_installedCarriesTheGates(t *testing.T) {
	for _, approval := range []Approval{Automatic, Manual} {
		rec, op, err := install(t, OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c", Approval: approval, StartingCSV: "p.v1.0.0"}, Namespace: "ns", CRDs: []string{"things.example.com"}}, true)
		require.NoError(t, err)
		sub := rec.Find("Subscription", "ns", "p")[0]
		assert.NotContains(t, sub.Object()["metadata"], "annotations", "%s: no waitFor on the Subscription", approval)
		installed, ok := rec.Get("test-op-installed")
		require.True(t, ok)
		assert.Equal(t, "pulumi:index:Stash", installed.Type)
		assert.Contains(t, installed.Deps, "test-op-subscription")
		for _, g := range op.Gates {
			assert.True(t, installed.HasGate(g.HookName()), "%s: the Stash carries %s", approval, g.HookName())
		}
		input := installed.Object()["input"].(map[string]any)
		assert.Equal(t, "c", input["channel"])
		assert.Equal(t, "p.v1.0.0", input["startingCSV"])
		assert.Equal(t, string(approval), input["installPlanApproval"])
	}
}

func TestOperator_dependentsCarryTheCSVGate(t *testing.T) {
	rec, op, err := install(t, OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c"}, Namespace: "ns", CRDs: []string{"things.example.com"}}, true)
	require.NoError(t, err)
	require.Len(t, op.Gates, 2)
	assert.True(t, rec.Reaches("dependent-subscription", "test-op-subscription"), "C1: a CR waits for the Subscription")
	depSub, ok := rec.Get("dependent-subscription")
	require.True(t, ok)
	for _, g := range op.Gates {
		assert.True(t, depSub.HasGate(g.HookName()), "missing gate %s on %v", g.HookName(), depSub.Hooks)
	}
	sub, _ := rec.Get("test-op-subscription")
	assert.Equal(t, []string{"olm-remove-csv-test-op"}, sub.Hooks.AfterDelete, "destroy removes the CSV after the Subscription")
}

func TestOperator_renderModeBindsNoHooks(t *testing.T) {
	rec, _, err := install(t, OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c"}, Namespace: "ns"}, false)
	require.NoError(t, err)
	for _, r := range rec.All() {
		assert.Empty(t, r.Hooks.BeforeCreate, r.Name)
		assert.Empty(t, r.Hooks.AfterDelete, r.Name)
	}
	assert.True(t, rec.Reaches("dependent-subscription", "test-op-subscription"), "edges stay in render mode")
}

func TestOperatorArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args OperatorArgs
		want string
	}{
		{"rejects an empty channel", OperatorArgs{Package: "p", Namespace: "ns"}, "channel: found nothing, expected an OLM channel name"},
		{"rejects Manual approval without a pin", OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c", Approval: Manual}, Namespace: "ns"}, "startingCSV: found nothing, expected a pinned CSV with Manual approval"},
		{"rejects a malformed pin", OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c", StartingCSV: "p-1.3"}, Namespace: "ns"}, `startingCSV: found "p-1.3"`},
		{"rejects an unknown approval", OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c", Approval: "Sometimes"}, Namespace: "ns"}, `approval: found "Sometimes"`},
		{"rejects OwnNamespace in openshift-operators", OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c"}, Namespace: GlobalOperatorsNamespace, Mode: OwnNamespace}, "needs its own namespace"},
		{"rejects a namespace that is not a DNS label", OperatorArgs{Package: "p", Catalog: Catalog{Channel: "c"}, Namespace: "Bad_NS"}, "not a DNS label"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := install(t, tc.args, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
