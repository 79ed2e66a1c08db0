package ocpsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Package is one OperatorHub package of the simulated catalog.
type Package struct {
	Name           string
	Source         string              // catalog: redhat-operators, certified-operators, community-operators
	DisplayName    string              //
	DefaultChannel string              //
	Channels       map[string][]string // channel -> CSV names, oldest first; the last is the channel head
	InstallModes   []string            // supported: OwnNamespace, SingleNamespace, AllNamespaces
	Dependencies   []string            // packages OLM resolves into the same InstallPlan
}

func (p Package) head(channel string) string {
	entries := p.Channels[channel]
	if len(entries) == 0 {
		return ""
	}
	return entries[len(entries)-1]
}

// DefaultCatalog is what the simulated OperatorHub offers: every package
// the program subscribes to, at the channels of docs/decisions.md
// "Operator subscriptions". Where
// a newer CSV than the program's pin sits at the channel head (COO 1.5.0,
// RHCL 1.4.1), OLM proposes an upgrade InstallPlan the program must leave
// unapproved.
func DefaultCatalog() []Package {
	own := []string{"OwnNamespace", "SingleNamespace"}
	all := []string{"AllNamespaces"}
	both := []string{"OwnNamespace", "SingleNamespace", "AllNamespaces"}
	return []Package{
		{Name: "openshift-gitops-operator", Source: "redhat-operators", DisplayName: "Red Hat OpenShift GitOps", DefaultChannel: "latest",
			Channels: map[string][]string{"latest": {"openshift-gitops-operator.v1.18.1", "openshift-gitops-operator.v1.19.0"}, "gitops-1.19": {"openshift-gitops-operator.v1.19.0"}}, InstallModes: all},
		{Name: "openshift-cert-manager-operator", Source: "redhat-operators", DisplayName: "cert-manager Operator for Red Hat OpenShift", DefaultChannel: "stable-v1",
			Channels: map[string][]string{"stable-v1": {"cert-manager-operator.v1.17.0", "cert-manager-operator.v1.18.0"}}, InstallModes: both},
		{Name: "nfd", Source: "redhat-operators", DisplayName: "Node Feature Discovery Operator", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"nfd.4.21.0-202602031240"}}, InstallModes: own},
		{Name: "gpu-operator-certified", Source: "certified-operators", DisplayName: "NVIDIA GPU Operator", DefaultChannel: "v26.3",
			Channels: map[string][]string{"v25.10": {"gpu-operator-certified.v25.10.1"}, "v26.3": {"gpu-operator-certified.v26.3.0", "gpu-operator-certified.v26.3.3"}}, InstallModes: own},
		{Name: "rhcl-operator", Source: "redhat-operators", DisplayName: "Red Hat Connectivity Link", DefaultChannel: "stable",
			Channels:     map[string][]string{"stable": {"rhcl-operator.v1.3.3", "rhcl-operator.v1.3.4", "rhcl-operator.v1.4.1"}},
			InstallModes: all, Dependencies: []string{"authorino-operator", "limitador-operator", "dns-operator"}},
		{Name: "authorino-operator", Source: "redhat-operators", DisplayName: "Authorino Operator", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"authorino-operator.v0.22.0"}}, InstallModes: all},
		{Name: "limitador-operator", Source: "redhat-operators", DisplayName: "Limitador Operator", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"limitador-operator.v0.16.0"}}, InstallModes: all},
		{Name: "dns-operator", Source: "redhat-operators", DisplayName: "DNS Operator", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"dns-operator.v0.15.0"}}, InstallModes: all},
		{Name: "leader-worker-set", Source: "redhat-operators", DisplayName: "Red Hat build of Leader Worker Set", DefaultChannel: "stable-v1.0",
			Channels: map[string][]string{"stable-v1.0": {"leader-worker-set.v1.0.0"}}, InstallModes: own},
		{Name: "tempo-product", Source: "redhat-operators", DisplayName: "Tempo Operator", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"tempo-operator.v0.18.0-1"}}, InstallModes: all},
		{Name: "opentelemetry-product", Source: "redhat-operators", DisplayName: "Red Hat build of OpenTelemetry", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"opentelemetry-operator.v0.140.0-1"}}, InstallModes: all},
		{Name: "cluster-observability-operator", Source: "redhat-operators", DisplayName: "Cluster Observability Operator", DefaultChannel: "stable",
			Channels: map[string][]string{"stable": {"cluster-observability-operator.v1.3.0", "cluster-observability-operator.v1.4.0", "cluster-observability-operator.v1.5.0"}}, InstallModes: all},
		{Name: "grafana-operator", Source: "community-operators", DisplayName: "Grafana Operator", DefaultChannel: "v5",
			Channels: map[string][]string{"v5": {"grafana-operator.v5.20.0"}}, InstallModes: all},
		{Name: "rhods-operator", Source: "redhat-operators", DisplayName: "Red Hat OpenShift AI", DefaultChannel: "stable-3.x",
			Channels: map[string][]string{"stable-3.x": {"rhods-operator.3.3.1", "rhods-operator.3.4.0"}, "fast-3.x": {"rhods-operator.3.3.1"}, "stable-3.4": {"rhods-operator.3.4.0"}}, InstallModes: all},
	}
}

// OLM object names and labels.
const (
	marketplaceNamespace = "openshift-marketplace"
	annDependencyOf      = "ocpsim.rhoai.dev/dependency-of" // a Subscription OLM created for a dependency
	olmAPIVersion        = "operators.coreos.com/v1alpha1"
)

// CSVLabel is the label OLM puts on a package's CSV (and Subscription):
// operators.coreos.com/<package>.<namespace>, where OLM cuts the name part
// (the Operator's name) to the 63 characters a label key allows and trims
// trailing non-alphanumerics, e.g. for cluster-observability-operator in
// openshift-cluster-observability-operator.
func CSVLabel(pkg, ns string) string {
	name := pkg + "." + ns
	if len(name) > 63 {
		name = strings.TrimRightFunc(name[:63], func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		})
	}
	return "operators.coreos.com/" + name
}

// propertiesAnnotation carries the bundle's properties (olm.package) on a
// CSV, as OLM writes them.
const propertiesAnnotation = "operatorframework.io/properties"

// csvPackage reads the package from the CSV's properties annotation.
func csvPackage(csv *unstructured.Unstructured) string {
	var props struct {
		Properties []struct {
			Type  string `json:"type"`
			Value struct {
				PackageName string `json:"packageName"`
			} `json:"value"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(csv.GetAnnotations()[propertiesAnnotation]), &props); err != nil {
		return ""
	}
	for _, p := range props.Properties {
		if p.Type == "olm.package" {
			return p.Value.PackageName
		}
	}
	return ""
}

func csvProperties(pkg, version string) string {
	raw, _ := json.Marshal(map[string]any{"properties": []any{map[string]any{
		"type": "olm.package", "value": map[string]any{"packageName": pkg, "version": version}}}})
	return string(raw)
}

// packageOfCSV finds the catalog package that ships a CSV name.
func (s *Sim) packageOfCSV(csvName string) (Package, bool) {
	for _, name := range sortedKeys(s.catalog) {
		pkg := s.catalog[name]
		for _, entries := range pkg.Channels {
			if slices.Contains(entries, csvName) {
				return pkg, true
			}
		}
	}
	return Package{}, false
}

// operatorCSV returns the Succeeded CSV of a package, if the operator runs.
func (p *pass) operatorCSV(pkg string) *unstructured.Unstructured {
	csvs, err := p.list(gvrCSVs)
	if err != nil {
		return nil
	}
	for _, csv := range csvs {
		if deleting(csv) || csvPackage(csv) != pkg {
			continue
		}
		if str(csv, "status", "phase") == "Succeeded" {
			return csv
		}
	}
	return nil
}

// operatorRunning: the package's CSV exists and is Succeeded. Deleting the
// CSV removes the operator (its Deployment goes with it), whatever the
// Subscription says.
func (p *pass) operatorRunning(pkg string) bool { return p.operatorCSV(pkg) != nil }

// subscribed: some Subscription asks for package pkg.
func (p *pass) subscribed(pkg string) bool {
	subs, err := p.list(gvrSubscriptions)
	if err != nil {
		return false
	}
	for _, s := range subs {
		if str(s, "spec", "name") == pkg && !deleting(s) {
			return true
		}
	}
	return false
}

func (s *Sim) reconcileSubscriptions(p *pass) error {
	subs, err := p.list(gvrSubscriptions)
	if err != nil {
		return err
	}
	var errs []error
	for _, sub := range subs {
		if deleting(sub) {
			continue
		}
		if err := s.reconcileSubscription(p, sub); err != nil {
			errs = append(errs, fmt.Errorf("Subscription %s: %w", key(sub.GetNamespace(), sub.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileSubscription(p *pass, sub *unstructured.Unstructured) error {
	ns, pkgName := sub.GetNamespace(), str(sub, "spec", "name")
	label := CSVLabel(pkgName, ns)
	if _, ok := sub.GetLabels()[label]; !ok {
		if err := p.mutate(gvrSubscriptions, sub, func(o *unstructured.Unstructured) {
			l := o.GetLabels()
			if l == nil {
				l = map[string]string{}
			}
			l[label] = ""
			o.SetLabels(l)
		}); err != nil {
			return err
		}
		if sub, _ = p.get(gvrSubscriptions, ns, sub.GetName()); sub == nil {
			return nil
		}
	}
	if sub.GetAnnotations()[annDependencyOf] != "" {
		return nil // resolved and installed with its parent's plan
	}
	planName := str(sub, "status", "installPlanRef", "name")
	if planName == "" {
		return s.resolve(p, sub)
	}
	plan, err := p.get(gvrInstallPlans, ns, planName)
	if err != nil {
		return err
	}
	if plan == nil {
		// The referenced plan was deleted: with state UpgradePending OLM
		// drops the reference and resolves again (subscription/state.go
		// InstallPlanNotFound) — the way out of a failed plan.
		if str(sub, "status", "state") != "UpgradePending" {
			return nil
		}
		return p.patchStatus(gvrSubscriptions, sub, func(st map[string]any) {
			delete(st, "installPlanRef")
			delete(st, "installplan")
			delete(st, "currentCSV")
			st["state"] = ""
			dropCondition(st, "InstallPlanFailed")
		})
	}
	switch phase := str(plan, "status", "phase"); {
	case phase == "Failed":
		return nil // terminal: "Complete and Failed are terminal phases"
	case boolean(plan, "spec", "approved") && phase != "Complete":
		if f, ok := s.installPlanFault(str(sub, "spec", "name")); ok {
			return s.failPlan(p, sub, plan, f.Message)
		}
		return s.install(p, sub, plan)
	}
	if str(plan, "status", "phase") == "Complete" {
		return s.proposeUpgrade(p, sub)
	}
	return nil
}

// resolve finds the CSV to install and creates the first InstallPlan
// (approved unless Manual), or reports ResolutionFailed.
func (s *Sim) resolve(p *pass, sub *unstructured.Unstructured) error {
	if !s.elapsed("resolve/"+string(sub.GetUID()), s.opts.Delays.Resolve) {
		return nil
	}
	pkgName, channel := str(sub, "spec", "name"), str(sub, "spec", "channel")
	source, starting := str(sub, "spec", "source"), str(sub, "spec", "startingCSV")
	pkg, ok := s.catalog[pkgName]
	fail := func(msg string) error {
		return p.patchStatus(gvrSubscriptions, sub, func(st map[string]any) {
			st["lastUpdated"] = s.stamp()
			setConditions(st, s.now(), cond{Type: "ResolutionFailed", Status: "True", Reason: "ConstraintsNotSatisfiable", Message: msg})
		})
	}
	if !ok || (source != "" && source != pkg.Source) {
		return fail(fmt.Sprintf("constraints not satisfiable: no operators found in package %s in the catalog referenced by subscription %s", pkgName, sub.GetName()))
	}
	if channel == "" {
		channel = pkg.DefaultChannel
	}
	if _, ok := pkg.Channels[channel]; !ok {
		return fail(fmt.Sprintf("constraints not satisfiable: no operators found in channel %s of package %s in the catalog referenced by subscription %s", channel, pkgName, sub.GetName()))
	}
	target := pkg.head(channel)
	if starting != "" {
		if !slices.Contains(pkg.Channels[channel], starting) {
			return fail(fmt.Sprintf("constraints not satisfiable: no operators found with name %s in channel %s of package %s in the catalog referenced by subscription %s, subscription %s exists", starting, channel, pkgName, sub.GetName(), sub.GetName()))
		}
		target = starting
	}
	csvs := []string{target}
	for _, dep := range pkg.Dependencies {
		if d, ok := s.catalog[dep]; ok {
			csvs = append(csvs, d.head(d.DefaultChannel))
		}
	}
	return s.createPlan(p, sub, "install-"+suffix(string(sub.GetUID())), csvs)
}

// createPlan creates an InstallPlan owned by the Subscription and points
// the Subscription at it.
func (s *Sim) createPlan(p *pass, sub *unstructured.Unstructured, name string, csvs []string) error {
	ns := sub.GetNamespace()
	manual := str(sub, "spec", "installPlanApproval") == "Manual"
	plan := newObject(olmAPIVersion, "InstallPlan", ns, name)
	setOwner(plan, sub, false)
	names := make([]any, len(csvs))
	for i, c := range csvs {
		names[i] = c
	}
	approval := "Automatic"
	if manual {
		approval = "Manual"
	}
	plan.Object["spec"] = map[string]any{"approval": approval, "approved": !manual, "clusterServiceVersionNames": names, "generation": int64(1)}
	phase := "Installing"
	if manual {
		phase = "RequiresApproval"
	}
	plan.Object["status"] = map[string]any{"phase": phase, "catalogSources": []any{str(sub, "spec", "source")}}
	created, err := p.create(gvrInstallPlans, plan)
	if err != nil {
		return err
	}
	if created == nil {
		if created, err = p.get(gvrInstallPlans, ns, name); err != nil || created == nil {
			return err
		}
	}
	s.logf("ocpsim: OLM created InstallPlan %s/%s for %v (approved %t)", ns, name, csvs, !manual)
	return p.patchStatus(gvrSubscriptions, sub, func(st map[string]any) {
		st["installPlanRef"] = map[string]any{"apiVersion": olmAPIVersion, "kind": "InstallPlan", "name": name, "namespace": ns,
			"resourceVersion": created.GetResourceVersion(), "uid": string(created.GetUID())}
		st["installplan"] = map[string]any{"apiVersion": olmAPIVersion, "kind": "InstallPlan", "name": name, "uuid": string(created.GetUID())}
		st["installPlanGeneration"] = int64(1)
		st["currentCSV"] = csvs[0]
		st["state"] = "UpgradePending"
		st["lastUpdated"] = s.stamp()
		dropCondition(st, "ResolutionFailed")
		setConditions(st, s.now(), cond{Type: "CatalogSourcesUnhealthy", Status: "False", Reason: "AllCatalogSourcesHealthy", Message: "all available catalogsources are healthy"})
		if manual {
			setConditions(st, s.now(), cond{Type: "InstallPlanPending", Status: "True", Reason: "RequiresApproval"})
		}
	})
}

// failPlan is ExecutePlan failing for good: the plan Failed with its
// Installed condition, the Subscription InstallPlanFailed with the same
// message (catalog operator.go transitionInstallPlanState, subscription/state.go).
func (s *Sim) failPlan(p *pass, sub, plan *unstructured.Unstructured, msg string) error {
	s.logf("ocpsim: OLM InstallPlan %s/%s Failed: %s", plan.GetNamespace(), plan.GetName(), msg)
	if err := p.patchStatus(gvrInstallPlans, plan, func(st map[string]any) {
		st["phase"], st["message"] = "Failed", msg
		setConditions(st, s.now(), cond{Type: "Installed", Status: "False", Reason: "InstallComponentFailed", Message: msg})
	}); err != nil {
		return err
	}
	return p.patchStatus(gvrSubscriptions, sub, func(st map[string]any) {
		st["lastUpdated"] = s.stamp()
		dropCondition(st, "InstallPlanPending")
		setConditions(st, s.now(), cond{Type: "InstallPlanFailed", Status: "True", Reason: "InstallComponentFailed", Message: msg})
	})
}

// install executes an approved plan, steps in OLM's order: the CSVs (and
// the Subscriptions OLM creates for dependencies), then their CRDs (CRD
// steps run in the plan, before the CSV succeeds: the CSV waits in Pending,
// RequirementsNotMet, until they are Established; api
// installplan_types.go OrderSteps, catalog step.go NewCRDV1Step), a
// replaced CSV removed, the plan Complete, the Subscription AtLatestKnown
// (the plan's Complete says nothing about the operator being ready).
func (s *Sim) install(p *pass, sub *unstructured.Unstructured, plan *unstructured.Unstructured) error {
	ns := sub.GetNamespace()
	names, _, _ := unstructured.NestedStringSlice(plan.Object, "spec", "clusterServiceVersionNames")
	if len(names) == 0 {
		return nil
	}
	for i, name := range names {
		pkg, ok := s.packageOfCSV(name)
		if !ok {
			continue
		}
		if i > 0 {
			if err := s.ensureDependencySubscription(p, sub, plan, pkg, name); err != nil {
				return err
			}
		}
		if err := s.ensureCSV(p, ns, pkg, name); err != nil {
			return err
		}
		if err := p.registerCRDs(OperatorCRDs[pkg.Name]); err != nil {
			return err
		}
	}
	if err := p.patchStatus(gvrInstallPlans, plan, func(st map[string]any) { st["phase"] = "Complete" }); err != nil {
		return err
	}
	s.logf("ocpsim: OLM installed %v in %s", names, ns)
	return p.patchStatus(gvrSubscriptions, sub, func(st map[string]any) {
		st["installedCSV"] = names[0]
		st["currentCSV"] = names[0]
		st["state"] = "AtLatestKnown"
		st["lastUpdated"] = s.stamp()
		dropCondition(st, "InstallPlanPending")
	})
}

// proposeUpgrade: with the channel head newer than the installed CSV, OLM
// creates the next InstallPlan (approved only with Automatic approval).
func (s *Sim) proposeUpgrade(p *pass, sub *unstructured.Unstructured) error {
	pkg, ok := s.catalog[str(sub, "spec", "name")]
	if !ok {
		return nil
	}
	channel := str(sub, "spec", "channel")
	if channel == "" {
		channel = pkg.DefaultChannel
	}
	head, installed := pkg.head(channel), str(sub, "status", "installedCSV")
	if head == "" || installed == "" || head == installed || str(sub, "status", "currentCSV") == head {
		return nil
	}
	return s.createPlan(p, sub, "install-"+suffix(string(sub.GetUID())+"/"+head), []string{head})
}

func (s *Sim) ensureDependencySubscription(p *pass, parent, plan *unstructured.Unstructured, pkg Package, csv string) error {
	ns := parent.GetNamespace()
	name := fmt.Sprintf("%s-%s-%s-%s", pkg.Name, pkg.DefaultChannel, pkg.Source, marketplaceNamespace)
	if p.exists(gvrSubscriptions, ns, name) {
		return nil
	}
	sub := newObject(olmAPIVersion, "Subscription", ns, name)
	sub.SetLabels(map[string]string{CSVLabel(pkg.Name, ns): ""})
	sub.SetAnnotations(map[string]string{annDependencyOf: parent.GetName()})
	sub.Object["spec"] = map[string]any{"channel": pkg.DefaultChannel, "name": pkg.Name, "source": pkg.Source,
		"sourceNamespace": marketplaceNamespace, "installPlanApproval": str(parent, "spec", "installPlanApproval")}
	sub.Object["status"] = map[string]any{
		"installedCSV": csv, "currentCSV": csv, "state": "AtLatestKnown", "lastUpdated": s.stamp(),
		"installPlanRef": map[string]any{"apiVersion": olmAPIVersion, "kind": "InstallPlan", "name": plan.GetName(), "namespace": ns, "uid": string(plan.GetUID())},
	}
	_, err := p.create(gvrSubscriptions, sub)
	return err
}

// ensureCSV creates a CSV in phase Pending, replacing another CSV of the
// same package (an upgrade).
func (s *Sim) ensureCSV(p *pass, ns string, pkg Package, name string) error {
	existing, err := p.in(gvrCSVs, ns)
	if err != nil {
		return err
	}
	for _, c := range existing {
		if c.GetName() == name {
			return nil
		}
	}
	version := name[strings.Index(name, ".")+1:]
	csv := newObject(olmAPIVersion, "ClusterServiceVersion", ns, name)
	csv.SetLabels(map[string]string{CSVLabel(pkg.Name, ns): "", "olm.managed": "true"})
	csv.SetAnnotations(map[string]string{"olm.operatorNamespace": ns, "capabilities": "Seamless Upgrades",
		propertiesAnnotation: csvProperties(pkg.Name, strings.TrimPrefix(version, "v"))})
	var modes, owned []any
	for _, m := range []string{"OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces"} {
		modes = append(modes, map[string]any{"type": m, "supported": slices.Contains(pkg.InstallModes, m)})
	}
	for _, c := range OperatorCRDs[pkg.Name] {
		owned = append(owned, map[string]any{"name": c.Name(), "kind": c.Kind, "version": c.Versions[len(c.Versions)-1]})
	}
	csv.Object["spec"] = map[string]any{
		"displayName": pkg.DisplayName, "version": strings.TrimPrefix(version, "v"), "installModes": modes,
		"install":                   map[string]any{"strategy": "deployment"},
		"customresourcedefinitions": map[string]any{"owned": owned},
	}
	csv.Object["status"] = map[string]any{"phase": "Pending", "reason": "RequirementsUnknown", "message": "requirements not yet checked",
		"lastUpdateTime": s.stamp(), "lastTransitionTime": s.stamp()}
	if _, err := p.create(gvrCSVs, csv); err != nil {
		return err
	}
	for _, c := range existing {
		if csvPackage(c) == pkg.Name && c.GetName() != name {
			if err := p.remove(gvrCSVs, ns, c.GetName()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Sim) reconcileCSVs(p *pass) error {
	csvs, err := p.list(gvrCSVs)
	if err != nil {
		return err
	}
	var errs []error
	for _, csv := range csvs {
		if deleting(csv) {
			continue
		}
		if err := s.reconcileCSV(p, csv); err != nil {
			errs = append(errs, fmt.Errorf("CSV %s: %w", key(csv.GetNamespace(), csv.GetName()), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sim) reconcileCSV(p *pass, csv *unstructured.Unstructured) error {
	pkg := csvPackage(csv)
	timer := "csv/" + string(csv.GetUID())
	phase, reason, msg := "Succeeded", "InstallSucceeded", "install strategy completed with no errors"
	if f, ok := s.csvFault(pkg, csv.GetName()); ok {
		phase, reason, msg = "Failed", f.Reason, f.Message
	} else if r, m := s.operatorGroupProblem(p, csv); r != "" {
		// OperatorGroup checks run before the phase switch (olm operator.go
		// transitionCSVState pre-switch).
		phase, reason, msg = "Failed", r, m
	} else if missing := p.missingCRDs(OperatorCRDs[pkg]); missing != "" {
		phase, reason, msg = "Pending", "RequirementsNotMet", "one or more requirements couldn't be found: "+missing
	} else if !s.elapsed(timer, s.opts.Delays.CSVInstall) {
		phase, reason, msg = "Installing", "InstallWaiting", "installing: waiting for deployment "+pkg+" to become ready: deployment \""+pkg+"\" not available: Deployment does not have minimum availability."
	}
	if phase == "Failed" {
		s.reset(timer)
	}
	return s.writeCSVPhase(p, csv, phase, reason, msg)
}

func (s *Sim) writeCSVPhase(p *pass, csv *unstructured.Unstructured, phase, reason, msg string) error {
	if str(csv, "status", "phase") == phase && str(csv, "status", "reason") == reason && str(csv, "status", "message") == msg {
		return nil
	}
	s.logf("ocpsim: CSV %s/%s %s (%s)", csv.GetNamespace(), csv.GetName(), phase, reason)
	return p.patchStatus(gvrCSVs, csv, func(st map[string]any) {
		st["phase"], st["reason"], st["message"] = phase, reason, msg
		st["lastUpdateTime"], st["lastTransitionTime"] = s.stamp(), s.stamp()
		history, _ := st["conditions"].([]any)
		history = append(history, map[string]any{"phase": phase, "reason": reason, "message": msg,
			"lastUpdateTime": s.stamp(), "lastTransitionTime": s.stamp()})
		if len(history) > 10 {
			history = history[len(history)-10:]
		}
		st["conditions"] = history
	})
}

// operatorGroupProblem is OLM's check of the namespace's OperatorGroup
// against the CSV's install modes.
func (s *Sim) operatorGroupProblem(p *pass, csv *unstructured.Unstructured) (string, string) {
	ogs, err := p.in(gvrOperatorGroups, csv.GetNamespace())
	if err != nil {
		return "", ""
	}
	switch len(ogs) {
	case 0:
		return "NoOperatorGroup", "csv in namespace with no operatorgroups"
	case 1:
	default:
		return "TooManyOperatorGroups", "csv created in namespace with multiple operatorgroups, can't pick one automatically"
	}
	targets, _, _ := unstructured.NestedStringSlice(ogs[0].Object, "spec", "targetNamespaces")
	mode, what := "AllNamespaces", "watch all namespaces"
	switch {
	case len(targets) == 1 && targets[0] == csv.GetNamespace():
		mode, what = "OwnNamespace", "watch own namespace"
	case len(targets) == 1:
		mode, what = "SingleNamespace", "watch 1 namespaces"
	case len(targets) > 1:
		mode, what = "MultiNamespace", fmt.Sprintf("watch %d namespaces", len(targets))
	}
	for _, raw := range slice(csv, "spec", "installModes") {
		m, _ := raw.(map[string]any)
		if m["type"] == mode {
			if m["supported"] == true {
				return "", ""
			}
			break
		}
	}
	return "UnsupportedOperatorGroup", fmt.Sprintf("%s InstallModeType not supported, cannot configure to %s", mode, what)
}

func (s *Sim) reconcileOperatorGroups(p *pass) error {
	ogs, err := p.list(gvrOperatorGroups)
	if err != nil {
		return err
	}
	for _, og := range ogs {
		targets := slice(og, "spec", "targetNamespaces")
		if len(targets) == 0 {
			targets = []any{""}
		}
		if err := p.patchStatus(gvrOperatorGroups, og, func(st map[string]any) {
			if !jsonEqual(st["namespaces"], targets) {
				st["namespaces"] = targets
				st["lastUpdated"] = s.stamp()
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// packageManifest is the catalog entry the program reads (e.g. the GPU
// operator's defaultChannel).
func (s *Sim) packageManifest(pkg Package) *unstructured.Unstructured {
	pm := newObject("packages.operators.coreos.com/v1", "PackageManifest", marketplaceNamespace, pkg.Name)
	pm.SetLabels(map[string]string{"catalog": pkg.Source, "catalog-namespace": marketplaceNamespace, "operatorframework.io/arch.amd64": "supported"})
	var channels []any
	for _, ch := range sortedKeys(pkg.Channels) {
		var entries []any
		for _, e := range pkg.Channels[ch] {
			entries = append(entries, map[string]any{"name": e, "version": strings.TrimPrefix(e[strings.Index(e, ".")+1:], "v")})
		}
		var modes []any
		for _, m := range []string{"OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces"} {
			modes = append(modes, map[string]any{"type": m, "supported": slices.Contains(pkg.InstallModes, m)})
		}
		channels = append(channels, map[string]any{"name": ch, "currentCSV": pkg.head(ch), "entries": entries,
			"currentCSVDesc": map[string]any{"displayName": pkg.DisplayName, "installModes": modes}})
	}
	pm.Object["status"] = map[string]any{
		"catalogSource": pkg.Source, "catalogSourceNamespace": marketplaceNamespace, "catalogSourceDisplayName": pkg.Source,
		"packageName": pkg.Name, "defaultChannel": pkg.DefaultChannel, "channels": channels,
		"provider": map[string]any{"name": "Red Hat"},
	}
	return pm
}

func (s *Sim) stamp() string { return s.now().UTC().Format(time.RFC3339) }
