package ocpsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

func TestOLM_install(t *testing.T) {
	tests := []struct {
		name      string
		op        operator
		csv       string
		crd       string
		extraCSVs []string // dependencies OLM resolved into the same plan
	}{
		{"Automatic installs the channel head", opCertManager, "cert-manager-operator.v1.18.0", "certificates.cert-manager.io", nil},
		{"Automatic with a pin installs the pin", opRHOAI, "rhods-operator.3.4.0", "datascienceclusters.datasciencecluster.opendatahub.io", nil},
		{"OwnNamespace operator", opNFD, "nfd.4.21.0-202602031240", "nodefeaturediscoveries.nfd.openshift.io", nil},
		{"Manual pin is installed once the program approves its plan", opRHCL, "rhcl-operator.v1.3.4", "authpolicies.kuadrant.io",
			[]string{"authorino-operator.v0.22.0", "limitador-operator.v0.16.0", "dns-operator.v0.15.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.install(tc.op)
			sub := f.must(gvrSubscriptions, tc.op.ns, tc.op.subscription())
			assert.Equal(t, tc.csv, str(sub, "status", "installedCSV"))
			assert.True(t, waitForHolds(sub, "jsonpath={.status.installedCSV}"), "the program's Subscription waitFor")
			assert.True(t, waitForHolds(sub, "jsonpath={.status.installPlanRef.name}"), "the program's Manual Subscription waitFor")
			assert.Contains(t, sub.GetLabels(), CSVLabel(tc.op.pkg, tc.op.ns))
			csv := f.must(gvrCSVs, tc.op.ns, tc.csv)
			assert.Contains(t, csv.GetLabels(), CSVLabel(tc.op.pkg, tc.op.ns), "removeCSVs finds the CSV by this label")
			assert.True(t, f.check(readiness.CRDEstablished(tc.crd)).Ready)
			for _, dep := range tc.extraCSVs {
				assert.Equal(t, "Succeeded", str(f.must(gvrCSVs, tc.op.ns, dep), "status", "phase"), dep)
			}
		})
	}
}

// C1: the operator's CRDs appear only once its CSV is Succeeded.
// CRDs are InstallPlan steps: they exist once the plan ran, while the CSV
// is still installing (catalog step.go NewCRDV1Step; the plan's Complete
// says nothing about the operator being ready), so only the CSV gate, not
// the CRD's presence, proves the operator can serve its CRs (C1).
func TestOLM_crdsAreInstallPlanSteps(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Delays.CSVInstall = 90 * time.Second })
	f.subscribe(opCertManager)
	f.settle()
	csv := f.must(gvrCSVs, opCertManager.ns, "cert-manager-operator.v1.18.0")
	assert.Equal(t, "Installing", str(csv, "status", "phase"))
	sub := f.must(gvrSubscriptions, opCertManager.ns, opCertManager.pkg)
	assert.Equal(t, "Complete", str(f.must(gvrInstallPlans, opCertManager.ns, str(sub, "status", "installPlanRef", "name")), "status", "phase"))
	for _, c := range OperatorCRDs[opCertManager.pkg] {
		assert.True(t, isTrue(f.must(gvrCRDs, "", c.Name()), "Established"), "%s is created by the plan, before the CSV Succeeded", c.Name())
	}
	st := f.check(readiness.CSVSucceeded(opCertManager.ns, opCertManager.pkg, ""))
	assert.False(t, st.Ready)
	assert.Contains(t, st.Message, "Installing")

	f.clock.advance(90 * time.Second)
	f.settle()
	assert.True(t, f.check(readiness.CSVSucceeded(opCertManager.ns, opCertManager.pkg, "")).Ready)
}

func TestOLM_manualPlanWaitsForApproval(t *testing.T) {
	f := newFixture(t)
	f.subscribe(opCOO)
	f.settle()
	sub := f.must(gvrSubscriptions, opCOO.ns, opCOO.subscription())
	assert.Empty(t, str(sub, "status", "installedCSV"))
	assert.Equal(t, "UpgradePending", str(sub, "status", "state"))
	plan := f.must(gvrInstallPlans, opCOO.ns, str(sub, "status", "installPlanRef", "name"))
	assert.False(t, boolean(plan, "spec", "approved"))
	assert.Equal(t, "RequiresApproval", str(plan, "status", "phase"))
	names, _, _ := unstructured.NestedStringSlice(plan.Object, "spec", "clusterServiceVersionNames")
	assert.Equal(t, []string{"cluster-observability-operator.v1.4.0"}, names)
	assert.Empty(t, f.get(gvrCSVs, opCOO.ns, "cluster-observability-operator.v1.4.0"), "nothing installs before approval")

	// The program approves the pinned plan; OLM then proposes 1.5.0, which
	// the program must leave alone.
	f.install(opCOO)
	plans, err := f.sim.store.list(f.ctx, gvrInstallPlans)
	require.NoError(t, err)
	approved := map[string]bool{}
	for _, p := range plans {
		names, _, _ := unstructured.NestedStringSlice(p.Object, "spec", "clusterServiceVersionNames")
		approved[names[0]] = boolean(p, "spec", "approved")
	}
	assert.Equal(t, map[string]bool{"cluster-observability-operator.v1.4.0": true, "cluster-observability-operator.v1.5.0": false}, approved)
	sub = f.must(gvrSubscriptions, opCOO.ns, opCOO.subscription())
	assert.Equal(t, "cluster-observability-operator.v1.4.0", str(sub, "status", "installedCSV"))
	assert.Equal(t, "cluster-observability-operator.v1.5.0", str(sub, "status", "currentCSV"))
	assert.True(t, f.check(readiness.CSVSucceeded(opCOO.ns, opCOO.subscription(), opCOO.startingCSV)).Ready)
}

func TestOLM_automaticUpgradesToTheHead(t *testing.T) {
	f := newFixture(t)
	op := opRHOAI
	op.startingCSV = "rhods-operator.3.3.1"
	f.install(op)
	f.settle()
	sub := f.must(gvrSubscriptions, op.ns, op.pkg)
	assert.Equal(t, "rhods-operator.3.4.0", str(sub, "status", "installedCSV"))
	assert.Nil(t, f.get(gvrCSVs, op.ns, "rhods-operator.3.3.1"), "the replaced CSV is removed")
	assert.Equal(t, "Succeeded", str(f.must(gvrCSVs, op.ns, "rhods-operator.3.4.0"), "status", "phase"))
}

func TestOLM_failures(t *testing.T) {
	tests := []struct {
		name    string
		op      operator
		mutate  func(f *fixture)
		want    string // in the Subscription condition or the CSV message
		onCSV   bool
		noGroup bool
	}{
		{"unknown channel fails resolution", operator{pkg: "nfd", ns: "openshift-nfd", channel: "beta", own: true}, nil,
			"no operators found in channel beta of package nfd", false, false},
		{"a pin outside the channel fails resolution", operator{pkg: "rhods-operator", ns: "redhat-ods-operator", channel: "fast-3.x", startingCSV: "rhods-operator.3.4.0"}, nil,
			"no operators found with name rhods-operator.3.4.0 in channel fast-3.x", false, false},
		{"wrong catalog source fails resolution", operator{pkg: "gpu-operator-certified", ns: "nvidia-gpu-operator", channel: "v26.3", own: true}, nil,
			"no operators found in package gpu-operator-certified", false, false},
		{"an AllNamespaces OperatorGroup for an OwnNamespace operator fails the CSV", operator{pkg: "leader-worker-set", ns: "openshift-lws-operator", channel: "stable-v1.0"}, nil,
			"AllNamespaces InstallModeType not supported", true, false},
		{"no OperatorGroup fails the CSV", opTempo, func(f *fixture) { f.delete(gvrOperatorGroups, opTempo.ns, opTempo.ns) },
			"no operatorgroups", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.subscribe(tc.op)
			if tc.mutate != nil {
				tc.mutate(f)
			}
			f.settle()
			st := f.check(readiness.CSVSucceeded(tc.op.ns, tc.op.subscription(), ""))
			assert.False(t, st.Ready)
			assert.Contains(t, st.Message, tc.want)
			assert.Equal(t, tc.onCSV, st.Terminal, "a Failed CSV is terminal for the program's gate")
		})
	}
}

func TestOLM_deletions(t *testing.T) {
	f := newFixture(t)
	f.install(opCertManager)
	f.settle()
	require.NotNil(t, f.get(gvrCertManagers, "", "cluster"))

	f.delete(gvrSubscriptions, opCertManager.ns, opCertManager.pkg)
	f.settle()
	csv := f.must(gvrCSVs, opCertManager.ns, "cert-manager-operator.v1.18.0")
	assert.Equal(t, "Succeeded", str(csv, "status", "phase"), "deleting the Subscription leaves the CSV, as OLM does")

	f.delete(gvrCSVs, opCertManager.ns, "cert-manager-operator.v1.18.0")
	f.delete(gvrCertManagers, "", "cluster")
	f.settle()
	assert.Nil(t, f.get(gvrCertManagers, "", "cluster"), "the operator is gone with its CSV: nothing re-creates CertManager cluster")
	assert.NotNil(t, f.get(gvrCRDs, "", "certificates.cert-manager.io"), "OLM leaves the CRDs")
}

func TestOLM_packageManifests(t *testing.T) {
	f := newFixture(t)
	for _, p := range DefaultCatalog() {
		pm := f.must(gvrPackageManifests, "openshift-marketplace", p.Name)
		assert.Equal(t, p.DefaultChannel, str(pm, "status", "defaultChannel"), p.Name)
	}
}

func TestCSVLabel(t *testing.T) {
	tests := []struct{ pkg, ns, want string }{
		{"nfd", "openshift-nfd", "operators.coreos.com/nfd.openshift-nfd"},
		// OLM cuts the Operator name to 63 characters (a label key's name part) and trims the trailing "-".
		{"cluster-observability-operator", "openshift-cluster-observability-operator", "operators.coreos.com/cluster-observability-operator.openshift-cluster-observability"},
	}
	for _, tc := range tests {
		t.Run(tc.pkg, func(t *testing.T) {
			got := CSVLabel(tc.pkg, tc.ns)
			assert.Equal(t, tc.want, got)
			assert.Empty(t, validation.IsQualifiedName(got))
		})
	}
}
