package ocpsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

func TestInject_rejectsIncompleteFaults(t *testing.T) {
	f := newFixture(t)
	for _, fault := range []Fault{{Kind: CSVFailed}, {Kind: CertificateFailed, Name: "x"}, {Kind: "Nope"}} {
		assert.Error(t, f.sim.Inject(fault), fault.Kind)
	}
}

// A CSV that OLM will not retry fails the gate at once with OLM's reason
// and message; one OLM re-checks keeps it waiting. Cleared, the CSV
// succeeds.
func TestFault_CSVFailed(t *testing.T) {
	tests := []struct {
		name     string
		fault    Fault
		terminal bool
	}{
		{"a reason OLM does not retry, by package", Fault{Kind: CSVFailed, Package: "rhods-operator"}, true},
		{"a reason OLM does not retry, by CSV name", Fault{Kind: CSVFailed, Name: "rhods-operator.3.4.0", Reason: "InvalidInstallStrategy", Message: "install strategy invalid: json: cannot unmarshal"}, true},
		{"a reason OLM re-checks", Fault{Kind: CSVFailed, Package: "rhods-operator", Reason: "InstallCheckFailed", Message: "install timeout"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			require.NoError(t, f.sim.Inject(tc.fault))
			f.subscribe(opRHOAI)
			f.settle()
			gate := readiness.CSVSucceeded(opRHOAI.ns, opRHOAI.pkg, "")
			st := f.check(gate)
			fault := tc.fault.withDefaults()
			assert.Equal(t, tc.terminal, st.Terminal, st.Message)
			assert.False(t, st.Ready)
			assert.Contains(t, st.Message, "phase Failed ("+fault.Reason+")")
			assert.Contains(t, st.Message, fault.Message, "the gate surfaces the operator's message")

			f.sim.Clear(tc.fault)
			f.settle()
			st = f.check(gate)
			assert.True(t, st.Ready, "OLM retries once the cause is gone: %s", st.Message)
		})
	}
}

// A failed InstallPlan is terminal: OLM does not retry it. Deleting it makes
// OLM resolve again, and the next plan installs.
func TestFault_InstallPlanFailed(t *testing.T) {
	f := newFixture(t)
	fault := Fault{Kind: InstallPlanFailed, Package: "rhods-operator"}
	require.NoError(t, f.sim.Inject(fault))
	f.subscribe(opRHOAI)
	f.settle()
	gate := readiness.CSVSucceeded(opRHOAI.ns, opRHOAI.pkg, "")
	st := f.check(gate)
	require.True(t, st.Terminal, st.Message)
	assert.Contains(t, st.Message, "phase Failed: error validating existing CRs")
	sub := f.must(gvrSubscriptions, opRHOAI.ns, opRHOAI.pkg)
	c, _ := condition(sub, "InstallPlanFailed")
	assert.Equal(t, cond{Type: "InstallPlanFailed", Status: "True", Reason: "InstallComponentFailed", Message: c.Message}, c, "the Subscription says so too")
	plan := str(sub, "status", "installPlanRef", "name")
	assert.Equal(t, "Failed", str(f.must(gvrInstallPlans, opRHOAI.ns, plan), "status", "phase"))

	f.sim.Clear(fault)
	f.settle()
	assert.True(t, f.check(gate).Terminal, "clearing the cause does not revive a failed plan")
	f.delete(gvrInstallPlans, opRHOAI.ns, plan)
	f.settle()
	st = f.check(gate)
	assert.True(t, st.Ready, "after the failed plan is deleted OLM resolves and installs: %s", st.Message)
}

func TestFault_CertificateFailed(t *testing.T) {
	f := certManagerInstalled(t)
	f.create(gvrSecrets, obj("v1", "Secret", "cert-manager", "aws-creds", nil))
	f.create(gvrClusterIssuers, clusterIssuer("letsencrypt", "aws-creds"))
	fault := Fault{Kind: CertificateFailed, Namespace: "openshift-config", Name: "ocp-api", Reason: "Failed", Message: "order is in \"invalid\" state: 403 urn:ietf:params:acme:error:unauthorized"}
	require.NoError(t, f.sim.Inject(fault))
	f.create(gvrCertificates, certificate("openshift-config", "ocp-api", "api-certs", "letsencrypt"))
	f.settle()
	cert := f.must(gvrCertificates, "openshift-config", "ocp-api")
	c, ok := condition(cert, "Ready")
	require.True(t, ok)
	assert.Equal(t, cond{Type: "Ready", Status: "False", Reason: "Failed", Message: fault.Message}, c)
	assert.Nil(t, f.get(gvrSecrets, "openshift-config", "api-certs"))

	f.sim.Clear(fault)
	f.settle()
	assert.True(t, waitForHolds(f.must(gvrCertificates, "openshift-config", "ocp-api"), "condition=Ready"))
	assert.NotNil(t, f.get(gvrSecrets, "openshift-config", "api-certs"))
}

func TestFault_InsufficientCapacity(t *testing.T) {
	tests := []struct {
		name         string
		terminal     bool
		wantPhase    string
		recoversSelf bool
	}{
		{"the AWS provider retries (MachineCreation=False in providerStatus)", false, "Provisioning", true},
		{"terminal: errorReason and phase Failed, never retried", true, "Failed", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, onAWS)
			fault := Fault{Kind: InsufficientCapacity, Name: "ocp-x7k2p-gpu-worker-us-east-2a", Terminal: tc.terminal}
			require.NoError(t, f.sim.Inject(fault))
			f.create(gvrMachineSets, gpuMachineSet("us-east-2a", 1))
			f.settle()
			m := onlyMachine(t, f, "ocp-x7k2p-gpu-worker-us-east-2a")
			assert.Equal(t, tc.wantPhase, str(m, "status", "phase"))
			cc := mapOf(slice(m, "status", "providerStatus", "conditions")[0])
			assert.Equal(t, "MachineCreation", cc["type"])
			assert.Equal(t, "False", cc["status"])
			assert.Contains(t, cc["message"], "InsufficientInstanceCapacity", "components/gpucapacity reads the provider condition")
			if tc.terminal {
				assert.Equal(t, "InsufficientResources", str(m, "status", "errorReason"), "components/gpu reads errorReason/errorMessage")
				assert.Contains(t, str(m, "status", "errorMessage"), "InsufficientInstanceCapacity")
			}
			assert.Empty(t, str(m, "status", "nodeRef", "name"))

			f.sim.Clear(fault)
			f.settle()
			m = onlyMachine(t, f, "ocp-x7k2p-gpu-worker-us-east-2a")
			if !tc.recoversSelf {
				assert.Equal(t, "Failed", str(m, "status", "phase"), "a Failed Machine stays Failed")
				f.delete(gvrMachines, "openshift-machine-api", m.GetName())
				f.settle()
				m = onlyMachine(t, f, "ocp-x7k2p-gpu-worker-us-east-2a")
			}
			assert.Equal(t, "Running", str(m, "status", "phase"))
			assert.Equal(t, int64(1), num(f.must(gvrMachineSets, "openshift-machine-api", "ocp-x7k2p-gpu-worker-us-east-2a"), "status", "readyReplicas"))
		})
	}
}
