package ocpsim

// LeaderWorkerSet operator and the Cluster Observability Operator
// (phases 3 and 4; docs/decisions.md "Operator subscriptions").
const (
	lwsPackage   = "leader-worker-set"
	lwsNamespace = "openshift-lws-operator"
	cooPackage   = "cluster-observability-operator"
)

// reconcileLWS: LeaderWorkerSetOperator cluster makes the operand register
// leaderworkersets.leaderworkerset.x-k8s.io and run
// lws-controller-manager (C9).
func (s *Sim) reconcileLWS(p *pass) error {
	if !p.operatorRunning(lwsPackage) {
		return nil
	}
	crs, err := p.list(gvrLWSOperators)
	if err != nil {
		return err
	}
	for _, cr := range crs {
		if deleting(cr) || cr.GetName() != "cluster" || str(cr, "spec", "managementState") == "Removed" {
			continue
		}
		if !s.elapsed("lws/"+string(cr.GetUID()), s.opts.Delays.OperandReady) {
			continue
		}
		if err := p.registerCRDs(LWSCRDs); err != nil {
			return err
		}
		dep, err := s.ensureDeployment(p, deploymentSpec{namespace: lwsNamespace, name: "lws-controller-manager", container: "manager",
			labels: map[string]string{"control-plane": "controller-manager", "app.kubernetes.io/name": "lws"}})
		if err != nil {
			return err
		}
		ok := dep != nil && isTrue(dep, "Available")
		if err := p.patchStatus(gvrLWSOperators, cr, func(st map[string]any) {
			st["observedGeneration"] = cr.GetGeneration()
			st["readyReplicas"] = int64(boolInt(ok))
			setConditions(st, s.now(),
				cond{Type: "Available", Status: boolStatus(ok), Reason: ifElse(ok, "AsExpected", "Deploying")},
				cond{Type: "Progressing", Status: boolStatus(!ok), Reason: ifElse(ok, "AsExpected", "Deploying")},
				cond{Type: "Degraded", Status: "False", Reason: "AsExpected"})
		}); err != nil {
			return err
		}
	}
	return nil
}

// reconcileUIPlugins: each UIPlugin Reconciled and Available after
// Delays.OperandReady (the monitoring plugin with Perses enabled deploys
// Perses; its CRDs came with the COO bundle).
func (s *Sim) reconcileUIPlugins(p *pass) error {
	if !p.operatorRunning(cooPackage) {
		return nil
	}
	plugins, err := p.list(gvrUIPlugins)
	if err != nil {
		return err
	}
	for _, pl := range plugins {
		if deleting(pl) || !s.elapsed("uiplugin/"+string(pl.GetUID()), s.opts.Delays.OperandReady) {
			continue
		}
		if err := p.patchStatus(gvrUIPlugins, pl, func(st map[string]any) {
			setConditions(st, s.now(),
				cond{Type: "Reconciled", Status: "True", Reason: "UIPluginReconciled", Message: "Reconciliation was successful"},
				cond{Type: "Available", Status: "True", Reason: "UIPluginAvailable", Message: "UIPlugin is available"},
				cond{Type: "Degraded", Status: "False", Reason: "UIPluginNotDegraded"})
		}); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
