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

func TestFault_CSVFailed(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
	}{
		{"by package", Fault{Kind: CSVFailed, Package: "rhods-operator", Message: "install timeout: deployment rhods-operator not ready"}},
		{"by CSV name", Fault{Kind: CSVFailed, Name: "rhods-operator.3.4.0", Message: "install timeout: deployment rhods-operator not ready"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			require.NoError(t, f.sim.Inject(tc.fault))
			f.subscribe(opRHOAI)
			f.settle()
			gate := readiness.CSVSucceeded(opRHOAI.ns, opRHOAI.pkg, "")
			st := f.check(gate)
			assert.True(t, st.Terminal)
			assert.Contains(t, st.Message, "InstallComponentFailed")
			assert.Contains(t, st.Message, tc.fault.Message, "the gate surfaces the operator's message")
			assert.Nil(t, f.get(gvrCRDs, "", "datascienceclusters.datasciencecluster.opendatahub.io"), "C1: no CRD from a failed CSV")

			f.sim.Clear(tc.fault)
			f.settle()
			st = f.check(gate)
			assert.True(t, st.Ready, "OLM retries once the cause is gone: %s", st.Message)
		})
	}
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
