package observability

import "fmt"

// The llm-d "intelligent inference" Perses dashboard: vLLM latency (TTFT,
// inter-token, end-to-end), token throughput, load, KV and prefix cache, and
// GPU utilisation. It is shown in the console (Observe → Dashboards → Perses)
// once the monitoring UIPlugin enables Perses; metrics come from user-workload
// monitoring (vLLM pods) and the NVIDIA DCGM exporter.

// Grid geometry: Perses grids are 24 columns wide.
const (
	GridColumns     = 24
	panelWidth      = GridColumns / 2
	panelHeight     = 8
	PanelRefPrefix  = "#/spec/panels/"
	rateWindow      = "5m"
	dashboardWindow = "1h"
)

// Variable names, referenced in queries as $namespace and $model_name.
const (
	namespaceVar = "namespace"
	modelVar     = "model_name"
	// selector narrows vLLM series to the chosen namespaces and models.
	selector = `namespace=~"$namespace",model_name=~"$model_name"`
)

type dashboardPanel struct {
	key   string
	panel Panel
}

type dashboardSection struct {
	title  string
	panels []dashboardPanel
}

// IntelligentInferenceDashboard is the spec.config of the PersesDashboard
// llm-d-intelligent-inference.
func IntelligentInferenceDashboard() DashboardSpec {
	spec := DashboardSpec{
		Display: &Display{
			Name:        "llm-d Intelligent Inference",
			Description: "vLLM serving on llm-d: latency, throughput, load, KV and prefix cache, GPU utilisation",
		},
		Duration:        dashboardWindow,
		RefreshInterval: "30s",
		Variables: []Variable{
			labelVariable(namespaceVar, "Namespace", "vllm:num_requests_running"),
			labelVariable(modelVar, "Model", `vllm:num_requests_running{namespace=~"$namespace"}`),
		},
		Panels: map[string]Panel{},
	}
	for _, s := range dashboardSections() {
		grid := GridSpec{Display: &GridDisplay{Title: s.title, Collapse: &Collapse{Open: true}}}
		for i, p := range s.panels {
			spec.Panels[p.key] = p.panel
			width := panelWidth
			if i == len(s.panels)-1 && i%2 == 0 {
				width = GridColumns // a last panel alone takes the whole row
			}
			grid.Items = append(grid.Items, GridItem{
				X: (i % 2) * panelWidth, Y: (i / 2) * panelHeight, Width: width, Height: panelHeight,
				Content: Ref{Ref: PanelRefPrefix + p.key},
			})
		}
		spec.Layouts = append(spec.Layouts, Layout{Kind: "Grid", Spec: grid})
	}
	return spec
}

func dashboardSections() []dashboardSection {
	return []dashboardSection{
		{title: "Latency", panels: []dashboardPanel{
			{"timeToFirstToken", chart("Time to first token", "Quantiles of the delay before the first generated token", "seconds",
				quantiles("vllm:time_to_first_token_seconds")...)},
			{"interTokenLatency", chart("Inter-token latency", "Quantiles of the time per output token after the first", "seconds",
				quantiles("vllm:time_per_output_token_seconds")...)},
			{"endToEndLatency", chart("End-to-end request latency", "Quantiles of the whole request duration", "seconds",
				quantiles("vllm:e2e_request_latency_seconds")...)},
		}},
		{title: "Throughput and load", panels: []dashboardPanel{
			{"tokenThroughput", chart("Token throughput", "Prompt and generated tokens per second", "decimal",
				prometheus(fmt.Sprintf(`sum by (model_name) (rate(vllm:prompt_tokens_total{%s}[%s]))`, selector, rateWindow), "prompt {{model_name}}"),
				prometheus(fmt.Sprintf(`sum by (model_name) (rate(vllm:generation_tokens_total{%s}[%s]))`, selector, rateWindow), "generated {{model_name}}"))},
			{"requestQueue", chart("Running and waiting requests", "Requests being decoded and requests queued, per model", "decimal",
				prometheus(fmt.Sprintf(`sum by (model_name) (vllm:num_requests_running{%s})`, selector), "running {{model_name}}"),
				prometheus(fmt.Sprintf(`sum by (model_name) (vllm:num_requests_waiting{%s})`, selector), "waiting {{model_name}}"))},
		}},
		{title: "Cache", panels: []dashboardPanel{
			// vLLM v1 renamed gpu_cache_usage_perc to kv_cache_usage_perc; show whichever the pod exports.
			{"kvCacheUsage", chart("KV-cache usage", "Fraction of KV-cache blocks in use, per vLLM pod", "percent-decimal",
				prometheus(fmt.Sprintf(`max by (model_name, pod) (vllm:kv_cache_usage_perc{%[1]s} or vllm:gpu_cache_usage_perc{%[1]s})`, selector), "{{model_name}} {{pod}}"))},
			{"prefixCacheHitRate", chart("Prefix cache hit rate", "Prefix-cache hits over queried tokens: what llm-d's prefix-aware routing buys", "percent-decimal",
				prometheus(fmt.Sprintf(`sum by (model_name) (rate(vllm:prefix_cache_hits_total{%[1]s}[%[2]s])) / sum by (model_name) (rate(vllm:prefix_cache_queries_total{%[1]s}[%[2]s]))`, selector, rateWindow), "{{model_name}}"))},
		}},
		{title: "GPU", panels: []dashboardPanel{
			{"gpuUtilization", chart("GPU utilisation", "NVIDIA DCGM exporter: GPU busy percentage per node and device", "percent",
				prometheus(`avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL)`, "{{Hostname}} GPU {{gpu}}"))},
		}},
	}
}

func labelVariable(name, display, matcher string) Variable {
	return Variable{Kind: "ListVariable", Spec: ListVariableSpec{
		Name: name, Display: VariableDisplay{Name: display},
		AllowAllValue: true, AllowMultiple: true, CustomAllValue: ".*",
		Plugin: Plugin{Kind: "PrometheusLabelValuesVariable", Spec: PrometheusLabelValuesSpec{LabelName: name, Matchers: []string{matcher}}},
	}}
}

func chart(name, description, unit string, queries ...Query) Panel {
	zero := 0
	return Panel{Kind: "Panel", Spec: PanelSpec{
		Display: Display{Name: name, Description: description},
		Plugin: Plugin{Kind: "TimeSeriesChart", Spec: TimeSeriesChartSpec{
			Legend: &Legend{Position: "bottom"},
			YAxis:  &YAxis{Format: &Format{Unit: unit}, Min: &zero},
		}},
		Queries: queries,
	}}
}

func prometheus(query, seriesName string) Query {
	return Query{Kind: "TimeSeriesQuery", Spec: QuerySpec{Plugin: Plugin{
		Kind: "PrometheusTimeSeriesQuery",
		Spec: PrometheusQuerySpec{Query: query, SeriesNameFormat: seriesName},
	}}}
}

// quantiles charts p50, p95 and p99 of a vLLM histogram per model.
func quantiles(histogram string) []Query {
	var out []Query
	for _, q := range []struct{ value, label string }{{"0.5", "p50"}, {"0.95", "p95"}, {"0.99", "p99"}} {
		out = append(out, prometheus(
			fmt.Sprintf(`histogram_quantile(%s, sum by (le, model_name) (rate(%s_bucket{%s}[%s])))`, q.value, histogram, selector, rateWindow),
			q.label+" {{model_name}}"))
	}
	return out
}
