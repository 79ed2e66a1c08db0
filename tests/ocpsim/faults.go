package ocpsim

import "fmt"

// FaultKind names an injectable failure.
type FaultKind string

// Faults the simulator can inject.
const (
	// CSVFailed: the CSV of Fault.Package (or the CSV named Fault.Name)
	// goes to phase Failed with Fault.Reason (default
	// InstallComponentFailedNoRetry, which OLM does not retry) and
	// Fault.Message. Cleared (the human fixed what it needed), OLM
	// re-evaluates it: Installing, then Succeeded. A retryable reason
	// (InstallCheckFailed, ...) is the same here as in OLM, which re-checks a
	// Failed CSV on every sync (olm operator.go transitionCSVState).
	CSVFailed FaultKind = "CSVFailed"
	// InstallPlanFailed: the InstallPlan of Fault.Package's Subscription
	// fails as OLM's ExecutePlan failure does: phase Failed, condition
	// Installed=False InstallComponentFailed with Fault.Message, and the
	// Subscription's InstallPlanFailed=True with the same message (catalog
	// operator.go transitionInstallPlanState; subscription/state.go). OLM
	// never retries a failed plan; deleting it makes OLM resolve again,
	// which is how a test recovers (Clear, then delete the plan).
	InstallPlanFailed FaultKind = "InstallPlanFailed"
	// CertificateFailed: Certificate Fault.Namespace/Fault.Name reports
	// Ready=False (and Issuing=False) with Fault.Reason and Fault.Message.
	// Cleared, cert-manager retries and issues it.
	CertificateFailed FaultKind = "CertificateFailed"
	// InsufficientCapacity: new Machines of MachineSet Fault.Name (every
	// GPU MachineSet when empty) cannot launch: the AWS provider reports
	// MachineCreation=False with an InsufficientInstanceCapacity message in
	// status.providerStatus and retries (phase Provisioning). With
	// Fault.Terminal the Machine also gets errorReason/errorMessage and
	// phase Failed, which the machine API never retries: after Clear, delete
	// the Machine so its MachineSet replaces it.
	InsufficientCapacity FaultKind = "InsufficientCapacity"
	// MaaSWithoutTenant: MaaS deploys the models-as-a-service v0.1.0
	// manifests opendatahub-operator@v3.4.0 get_all_manifests.sh pins
	// (855933f3): MaaSModelRef, MaaSSubscription, MaaSAuthPolicy and
	// ExternalModel CRDs, no Tenant CRD, and a maas-controller that creates no
	// Tenant. Cleared (the cluster moved to a MaaS with the Tenant, v0.1.1),
	// the Tenant CRD is registered and maas-controller creates the Tenant.
	MaaSWithoutTenant FaultKind = "MaaSWithoutTenant"
	// KuadrantStartedEarly: kuadrant-operator's running pod probed its
	// dependencies before the Istio CRDs existed, so Kuadrant reports
	// Ready=False MissingDependency (kuadrant-operator@v1.3.1
	// internal/kuadrant/errors.go) until that pod restarts; the fault ends
	// with the pod (a restarted pod probes again), Clear is not needed.
	KuadrantStartedEarly FaultKind = "KuadrantStartedEarly"
)

// Fault is one injected failure.
type Fault struct {
	Kind      FaultKind
	Package   string // CSVFailed: the OLM package (any of its CSVs)
	Namespace string // CertificateFailed: the Certificate's namespace
	Name      string // CSV name, Certificate name or MachineSet name
	Reason    string // CSVFailed reason (default InstallComponentFailedNoRetry); CertificateFailed reason (default "Failed")
	Message   string // the operator's message; a realistic default per kind
	Terminal  bool   // InsufficientCapacity: Machine phase Failed
}

type faultKey struct {
	kind          FaultKind
	pkg, ns, name string
}

func (f Fault) key() faultKey { return faultKey{f.Kind, f.Package, f.Namespace, f.Name} }

func (f Fault) withDefaults() Fault {
	switch f.Kind {
	case CSVFailed:
		if f.Reason == "" {
			f.Reason = "InstallComponentFailedNoRetry"
		}
		if f.Message == "" {
			f.Message = "install strategy failed: deployments.apps \"controller-manager\" is forbidden: User \"system:serviceaccount:openshift-operator-lifecycle-manager:olm-operator-serviceaccount\" cannot create resource \"deployments\" in API group \"apps\""
		}
	case InstallPlanFailed:
		if f.Message == "" {
			f.Message = "error validating existing CRs against new CRD's schema for \"kuadrants.kuadrant.io\": error validating kuadrant.io/v1beta1, Kind=Kuadrant \"kuadrant-system/kuadrant\": updated validation is too restrictive"
		}
	case CertificateFailed:
		if f.Reason == "" {
			f.Reason = "Failed"
		}
		if f.Message == "" {
			f.Message = "The certificate request has failed to complete and will be retried: Failed to wait for order resource to become ready: order is in \"invalid\" state: 403 urn:ietf:params:acme:error:unauthorized: Incorrect TXT record found at _acme-challenge"
		}
	case InsufficientCapacity:
		if f.Message == "" {
			f.Message = "InsufficientInstanceCapacity: We currently do not have sufficient capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity."
		}
	}
	return f
}

// Inject makes a failure happen from the next pass on.
func (s *Sim) Inject(f Fault) error {
	switch f.Kind {
	case CSVFailed:
		if f.Package == "" && f.Name == "" {
			return fmt.Errorf("ocpsim: fault %s needs Package or Name", f.Kind)
		}
	case InstallPlanFailed:
		if f.Package == "" {
			return fmt.Errorf("ocpsim: fault %s needs Package", f.Kind)
		}
	case CertificateFailed:
		if f.Namespace == "" || f.Name == "" {
			return fmt.Errorf("ocpsim: fault %s needs Namespace and Name of the Certificate", f.Kind)
		}
	case InsufficientCapacity, MaaSWithoutTenant, KuadrantStartedEarly:
	default:
		return fmt.Errorf("ocpsim: unknown fault kind %q; expected %s, %s, %s, %s, %s or %s", f.Kind, CSVFailed, InstallPlanFailed, CertificateFailed, InsufficientCapacity, MaaSWithoutTenant, KuadrantStartedEarly)
	}
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults[f.key()] = f.withDefaults()
	s.logf("ocpsim: injected fault %s %s", f.Kind, key(f.Namespace, f.Package+f.Name))
	return nil
}

// Clear removes an injected failure (matched by kind and target); the
// simulated operator recovers the way the real one does.
func (s *Sim) Clear(f Fault) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	delete(s.faults, f.key())
}

// ClearAll removes every injected failure.
func (s *Sim) ClearAll() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = map[faultKey]Fault{}
}

// fault returns the active fault matching pred.
func (s *Sim) fault(kind FaultKind, pred func(Fault) bool) (Fault, bool) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for _, f := range s.faults {
		if f.Kind == kind && pred(f) {
			return f, true
		}
	}
	return Fault{}, false
}

func (s *Sim) csvFault(pkg, csv string) (Fault, bool) {
	return s.fault(CSVFailed, func(f Fault) bool {
		return (f.Package != "" && f.Package == pkg) || (f.Name != "" && f.Name == csv)
	})
}

func (s *Sim) installPlanFault(pkg string) (Fault, bool) {
	return s.fault(InstallPlanFailed, func(f Fault) bool { return f.Package == pkg })
}

func (s *Sim) certificateFault(ns, name string) (Fault, bool) {
	return s.fault(CertificateFailed, func(f Fault) bool { return f.Namespace == ns && f.Name == name })
}

func (s *Sim) capacityFault(machineSet string, gpu bool) (Fault, bool) {
	return s.fault(InsufficientCapacity, func(f Fault) bool {
		return f.Name == machineSet || (f.Name == "" && gpu)
	})
}
