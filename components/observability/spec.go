package observability

// Typed bodies of the observability CRs, json tags as in the CRDs:
// observability.openshift.io/v1alpha1 UIPlugin (observability-operator
// release-1.4) and perses.dev/v1alpha2 PersesDashboard, whose spec.config is
// a Perses v1 dashboard spec (duration, layouts and panels are required).

// UIPluginType is UIPlugin.spec.type; a CEL rule ties it to the object name.
type UIPluginType string

const (
	DashboardsPluginType UIPluginType = "Dashboards" // name must be "dashboards"
	MonitoringPluginType UIPluginType = "Monitoring" // name must be "monitoring"
)

// UIPluginSpec is UIPlugin.spec.
type UIPluginSpec struct {
	Type       UIPluginType            `json:"type"`
	Monitoring *MonitoringPluginConfig `json:"monitoring,omitempty"`
}

// MonitoringPluginConfig is UIPlugin.spec.monitoring.
type MonitoringPluginConfig struct {
	Perses *PersesPluginConfig `json:"perses,omitempty"`
}

// PersesPluginConfig is UIPlugin.spec.monitoring.perses: enabling it makes
// COO deploy Perses and serve the PersesDashboard CRD.
type PersesPluginConfig struct {
	Enabled bool `json:"enabled"`
}

// PersesDashboardSpec is PersesDashboard.spec (perses.dev/v1alpha2).
type PersesDashboardSpec struct {
	Config DashboardSpec `json:"config"`
}

// DashboardSpec is a Perses v1 dashboard spec.
type DashboardSpec struct {
	Display         *Display         `json:"display,omitempty"`
	Duration        string           `json:"duration"`
	RefreshInterval string           `json:"refreshInterval,omitempty"`
	Variables       []Variable       `json:"variables,omitempty"`
	Panels          map[string]Panel `json:"panels"`
	Layouts         []Layout         `json:"layouts"`
}

// Display names a dashboard or a panel.
type Display struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Plugin is a Perses plugin reference; Spec is one of the *Spec types below.
type Plugin struct {
	Kind string `json:"kind"`
	Spec any    `json:"spec"`
}

// Variable is a dashboard variable (kind ListVariable).
type Variable struct {
	Kind string           `json:"kind"`
	Spec ListVariableSpec `json:"spec"`
}

// ListVariableSpec is a ListVariable's spec.
type ListVariableSpec struct {
	Name           string          `json:"name"`
	Display        VariableDisplay `json:"display"`
	AllowAllValue  bool            `json:"allowAllValue"`
	AllowMultiple  bool            `json:"allowMultiple"`
	CustomAllValue string          `json:"customAllValue,omitempty"`
	Plugin         Plugin          `json:"plugin"`
}

// VariableDisplay is a variable's label in the dashboard.
type VariableDisplay struct {
	Name   string `json:"name"`
	Hidden bool   `json:"hidden"`
}

// PrometheusLabelValuesSpec fills a variable from a label's values.
type PrometheusLabelValuesSpec struct {
	LabelName string   `json:"labelName"`
	Matchers  []string `json:"matchers,omitempty"`
}

// Panel is one entry of spec.panels (kind Panel).
type Panel struct {
	Kind string    `json:"kind"`
	Spec PanelSpec `json:"spec"`
}

// PanelSpec is a panel's body.
type PanelSpec struct {
	Display Display `json:"display"`
	Plugin  Plugin  `json:"plugin"`
	Queries []Query `json:"queries,omitempty"`
}

// TimeSeriesChartSpec is the TimeSeriesChart plugin's spec.
type TimeSeriesChartSpec struct {
	Legend *Legend `json:"legend,omitempty"`
	YAxis  *YAxis  `json:"yAxis,omitempty"`
}

// Legend places the series legend.
type Legend struct {
	Position string `json:"position"`
}

// YAxis labels and formats the value axis.
type YAxis struct {
	Label  string  `json:"label,omitempty"`
	Format *Format `json:"format,omitempty"`
	Min    *int    `json:"min,omitempty"`
}

// Format is a Perses value format (unit: seconds, percent, percent-decimal, decimal).
type Format struct {
	Unit string `json:"unit"`
}

// Query is one panel query (kind TimeSeriesQuery).
type Query struct {
	Kind string    `json:"kind"`
	Spec QuerySpec `json:"spec"`
}

// QuerySpec wraps the query plugin.
type QuerySpec struct {
	Plugin Plugin `json:"plugin"`
}

// PrometheusQuerySpec is the PrometheusTimeSeriesQuery plugin's spec.
type PrometheusQuerySpec struct {
	Query            string `json:"query"`
	SeriesNameFormat string `json:"seriesNameFormat,omitempty"`
}

// Layout is one entry of spec.layouts (kind Grid).
type Layout struct {
	Kind string   `json:"kind"`
	Spec GridSpec `json:"spec"`
}

// GridSpec is a titled section of the 24-column grid.
type GridSpec struct {
	Display *GridDisplay `json:"display,omitempty"`
	Items   []GridItem   `json:"items"`
}

// GridDisplay titles a grid section.
type GridDisplay struct {
	Title    string    `json:"title"`
	Collapse *Collapse `json:"collapse,omitempty"`
}

// Collapse says whether a section starts open.
type Collapse struct {
	Open bool `json:"open"`
}

// GridItem places one panel.
type GridItem struct {
	X       int `json:"x"`
	Y       int `json:"y"`
	Width   int `json:"width"`
	Height  int `json:"height"`
	Content Ref `json:"content"`
}

// Ref is a JSON reference, "#/spec/panels/<name>".
type Ref struct {
	Ref string `json:"$ref"`
}
