package stacks

import "regexp"

// OperatorDefaults is one operator's subscription as the rationale installs
// it (manifests.md, confirmations.md §1). Config may override channel,
// source, approval and the pin; the pin must stay inside PinPattern.
type OperatorDefaults struct {
	Package     string
	Channel     string
	Source      string
	Approval    string
	StartingCSV string
	// PinPattern, when set, bounds the pin: RHCL 1.3.x (1.4.0 breaks MaaS
	// auth), COO 1.4.x (1.5.0 crash-loops the RHOAI Perses image), RHOAI 3.4.x.
	PinPattern *regexp.Regexp
	PinRule    string
}

// KnownOperators are the keys accepted under rhoai:operators.
var KnownOperators = map[string]OperatorDefaults{
	"gitops":        {Package: "openshift-gitops-operator", Channel: "latest", Source: "redhat-operators", Approval: "Automatic"},
	"certManager":   {Package: "openshift-cert-manager-operator", Channel: "stable-v1", Source: "redhat-operators", Approval: "Automatic"},
	"nfd":           {Package: "nfd", Channel: "stable", Source: "redhat-operators", Approval: "Automatic"},
	"gpu":           {Package: "gpu-operator-certified", Channel: "", Source: "certified-operators", Approval: "Automatic"},
	"rhcl":          {Package: "rhcl-operator", Channel: "stable", Source: "redhat-operators", Approval: "Manual", StartingCSV: "rhcl-operator.v1.3.4", PinPattern: regexp.MustCompile(`^rhcl-operator\.v1\.3\.\d+$`), PinRule: "rhcl-operator.v1.3.x (RHOAI 3.4 MaaS is validated on RHCL 1.3; 1.4.0 returns 500 AUTH_FAILURE)"},
	"lws":           {Package: "leader-worker-set", Channel: "stable-v1.0", Source: "redhat-operators", Approval: "Automatic"},
	"tempo":         {Package: "tempo-product", Channel: "stable", Source: "redhat-operators", Approval: "Automatic"},
	"opentelemetry": {Package: "opentelemetry-product", Channel: "stable", Source: "redhat-operators", Approval: "Automatic"},
	"grafana":       {Package: "grafana-operator", Channel: "v5", Source: "community-operators", Approval: "Automatic"},
	"coo":           {Package: "cluster-observability-operator", Channel: "stable", Source: "redhat-operators", Approval: "Manual", StartingCSV: "cluster-observability-operator.v1.4.0", PinPattern: regexp.MustCompile(`^cluster-observability-operator\.v1\.4\.\d+$`), PinRule: "cluster-observability-operator.v1.4.x (COO 1.5.0 crash-loops the RHOAI 3.4 Perses image)"},
	"rhoai":         {Package: "rhods-operator", Channel: "stable-3.x", Source: "redhat-operators", Approval: "Automatic", StartingCSV: "rhods-operator.3.4.0", PinPattern: regexp.MustCompile(`^rhods-operator\.3\.4\.\d+$`), PinRule: "rhods-operator.3.4.x (this program installs RHOAI 3.4)"},
}

// DefaultGPUChannel is used in render mode, where the packagemanifest cannot
// be read; live runs read its defaultChannel (confirmations.md §1).
const DefaultGPUChannel = "v26.3"

// Resolved is an operator's effective subscription after overrides.
func (c Config) Resolved(key string) OperatorDefaults {
	d := KnownOperators[key]
	if o, ok := c.Operators[key]; ok {
		if o.Channel != "" {
			d.Channel = o.Channel
		}
		if o.Source != "" {
			d.Source = o.Source
		}
		if o.Approval != "" {
			d.Approval = o.Approval
		}
		if o.StartingCSV != "" {
			d.StartingCSV = o.StartingCSV
		}
	}
	return d
}
