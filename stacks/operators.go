package stacks

import (
	"slices"
	"strings"

	"github.com/rhoai-pulumi/installer/components/connectivity"
	"github.com/rhoai-pulumi/installer/components/gitops"
	"github.com/rhoai-pulumi/installer/components/gpu"
	"github.com/rhoai-pulumi/installer/components/lws"
	"github.com/rhoai-pulumi/installer/components/observability"
	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/rhoai"
	"github.com/rhoai-pulumi/installer/components/tls"
)

// KnownOperators are the keys accepted under rhoai:operators. Each package,
// its default channel, catalog, approval and pin rule belong to the layer
// that installs it; config overrides them field by field.
var KnownOperators = map[string]olm.Package{
	"gitops":        gitops.Operator,
	"certManager":   tls.Operator,
	"nfd":           gpu.NFDOperator,
	"gpu":           gpu.NVIDIAOperator,
	"rhcl":          connectivity.RHCLOperator,
	"lws":           lws.Operator,
	"tempo":         observability.TempoOperator,
	"opentelemetry": observability.OpenTelemetryOperator,
	"grafana":       observability.GrafanaOperator,
	"coo":           observability.COOOperator,
	"rhoai":         rhoai.Operator,
}

// Catalog is the configured override of one operator (empty fields take the
// layer's defaults).
func (c Config) Catalog(key string) olm.Catalog { return c.Operators[key] }

// Resolved is an operator's effective catalog entry after overrides.
func (c Config) Resolved(key string) olm.Catalog {
	return KnownOperators[key].Resolve(c.Operators[key])
}

func knownOperatorKeys() string {
	keys := make([]string, 0, len(KnownOperators))
	for k := range KnownOperators {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}
