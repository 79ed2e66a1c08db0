package gitops

import (
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// install runs NewGitOps plus a dependent Application that takes the layer's
// prerequisite, as stacks/ would.
func install(t *testing.T, args GitOpsArgs) (*pulumitest.Recorder, error) {
	t.Helper()
	return pulumitest.Run(func(ctx *pulumi.Context) error {
		a := args
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		g, err := NewGitOps(ctx, "gitops", &a)
		if err != nil {
			return err
		}
		opts, err := a.Gates.Options(g.Prerequisite())
		if err != nil {
			return err
		}
		_, err = apiextensions.NewCustomResource(ctx, "dependent-application", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("argoproj.io/v1alpha1"), Kind: pulumi.String("Application"),
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("app"), Namespace: pulumi.String("openshift-gitops")},
		}, opts...)
		return err
	}, nil, false, nil)
}

func TestGitOps_objects(t *testing.T) {
	cases := []struct {
		name     string
		args     GitOpsArgs
		wantSpec map[string]any
	}{
		{
			name: "defaults reproduce llm-d-guide's gitops/operators/openshift-gitops chart",
			args: GitOpsArgs{},
			wantSpec: map[string]any{"channel": "latest", "installPlanApproval": "Automatic", "name": "openshift-gitops-operator",
				"source": "redhat-operators", "sourceNamespace": "openshift-marketplace"},
		},
		{
			name: "a pinned minor channel with a manual CSV",
			args: GitOpsArgs{Catalog: olm.Catalog{Channel: "gitops-1.19", Approval: olm.Manual, StartingCSV: "openshift-gitops-operator.v1.19.0"}},
			wantSpec: map[string]any{"channel": "gitops-1.19", "installPlanApproval": "Manual", "name": "openshift-gitops-operator",
				"source": "redhat-operators", "sourceNamespace": "openshift-marketplace", "startingCSV": "openshift-gitops-operator.v1.19.0"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := install(t, tc.args)
			require.NoError(t, err)

			ns := rec.Find("Namespace", "", "openshift-gitops-operator")
			require.Len(t, ns, 1)
			assert.Equal(t, "kubernetes:core/v1:Namespace", ns[0].Type)
			labels := ns[0].Object()["metadata"].(map[string]any)["labels"]
			assert.Equal(t, map[string]any{"openshift.io/cluster-monitoring": "true"}, labels)

			og := rec.Find("OperatorGroup", "openshift-gitops-operator", "openshift-gitops-operator")
			require.Len(t, og, 1)
			assert.Equal(t, "kubernetes:operators.coreos.com/v1:OperatorGroup", og[0].Type)
			assert.Equal(t, map[string]any{"upgradeStrategy": "Default"}, og[0].Object()["spec"], "AllNamespaces: no targetNamespaces")

			sub := rec.Find("Subscription", "openshift-gitops-operator", "openshift-gitops-operator")
			require.Len(t, sub, 1)
			assert.Equal(t, "kubernetes:operators.coreos.com/v1alpha1:Subscription", sub[0].Type)
			assert.Equal(t, tc.wantSpec, sub[0].Object()["spec"])

			comp, ok := rec.Get("gitops")
			require.True(t, ok)
			assert.Equal(t, "rhoai:gitops:GitOps", comp.Type)
			op, ok := rec.Get(sub[0].Parent)
			require.True(t, ok)
			assert.Equal(t, "gitops", op.Parent, "the operator is a child of the gitops component")
		})
	}
}

func TestGitOps_dependentsWaitForTheCSVAndCRDs(t *testing.T) {
	rec, err := install(t, GitOpsArgs{})
	require.NoError(t, err)
	app, ok := rec.Get("dependent-application")
	require.True(t, ok)
	sub := rec.Find("Subscription", "openshift-gitops-operator", "openshift-gitops-operator")
	require.Len(t, sub, 1)
	assert.True(t, rec.Reaches("dependent-application", sub[0].Name), "C1: an Application waits for the Subscription")
	for _, g := range []readiness.Gate{
		{Name: "csvSucceeded", Object: "Subscription openshift-gitops-operator/openshift-gitops-operator"},
		{Name: "crdEstablished", Object: "CustomResourceDefinition argocds.argoproj.io"},
		{Name: "crdEstablished", Object: "CustomResourceDefinition applications.argoproj.io"},
	} {
		assert.True(t, app.HasGate(g.HookName()), "missing gate %s on %v", g.HookName(), app.Hooks)
	}
}

func TestGitOpsArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		args GitOpsArgs
		want []string
	}{
		{"rejects Manual approval without a pin", GitOpsArgs{Catalog: olm.Catalog{Approval: olm.Manual}}, []string{"startingCSV: found nothing, expected a pinned CSV with Manual approval"}},
		{"rejects an unknown approval and a malformed pin together", GitOpsArgs{Catalog: olm.Catalog{Approval: "Sometimes", StartingCSV: "gitops-1.19"}},
			[]string{`approval: found "Sometimes"`, `startingCSV: found "gitops-1.19"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := install(t, tc.args)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
