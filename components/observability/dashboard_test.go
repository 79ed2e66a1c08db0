package observability

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordedDashboard is spec.config as registered (after the JSON boundary).
func recordedDashboard(t *testing.T) map[string]any {
	t.Helper()
	d, err := deploy(t, ObservabilityArgs{}, true)
	require.NoError(t, err)
	rs := d.rec.Find("PersesDashboard", COONamespace, PersesDashboardName)
	require.Len(t, rs, 1)
	return rs[0].Object()["spec"].(map[string]any)["config"].(map[string]any)
}

func TestDashboard_everyRefPointsAtAPanelAndEveryPanelIsLaidOutOnce(t *testing.T) {
	config := recordedDashboard(t)
	panels := config["panels"].(map[string]any)
	require.NotEmpty(t, panels)
	laidOut := map[string]int{}
	for _, l := range config["layouts"].([]any) {
		layout := l.(map[string]any)
		assert.Equal(t, "Grid", layout["kind"])
		type cell struct{ x, y int }
		used := map[cell]string{}
		for _, it := range layout["spec"].(map[string]any)["items"].([]any) {
			item := it.(map[string]any)
			ref, _ := item["content"].(map[string]any)["$ref"].(string)
			require.True(t, strings.HasPrefix(ref, "#/spec/panels/"), "content.$ref %q", ref)
			key := strings.TrimPrefix(ref, "#/spec/panels/")
			_, exists := panels[key]
			assert.True(t, exists, "$ref %s points at no panel", ref)
			laidOut[key]++
			x, y, w, h := int(item["x"].(float64)), int(item["y"].(float64)), int(item["width"].(float64)), int(item["height"].(float64))
			assert.True(t, x >= 0 && w > 0 && x+w <= 24, "%s: columns %d..%d outside the 24-column grid", key, x, x+w)
			assert.Positive(t, h, key)
			for cx := x; cx < x+w; cx++ {
				for cy := y; cy < y+h; cy++ {
					if other, taken := used[cell{cx, cy}]; taken {
						t.Errorf("%s overlaps %s at (%d,%d)", key, other, cx, cy)
					}
					used[cell{cx, cy}] = key
				}
			}
		}
	}
	for key := range panels {
		assert.Equal(t, 1, laidOut[key], "panel %s laid out %d times", key, laidOut[key])
	}
}

func TestDashboard_panelsAreChartsOfPrometheusQueries(t *testing.T) {
	config := recordedDashboard(t)
	for key, p := range config["panels"].(map[string]any) {
		panel := p.(map[string]any)
		assert.Equal(t, "Panel", panel["kind"], key)
		spec := panel["spec"].(map[string]any)
		assert.NotEmpty(t, spec["display"].(map[string]any)["name"], key)
		assert.Equal(t, "TimeSeriesChart", spec["plugin"].(map[string]any)["kind"], key)
		assert.Contains(t, spec["plugin"].(map[string]any), "spec", "%s: plugin.spec is required", key)
		queries := spec["queries"].([]any)
		require.NotEmpty(t, queries, key)
		for _, q := range queries {
			query := q.(map[string]any)
			assert.Equal(t, "TimeSeriesQuery", query["kind"], key)
			plugin := query["spec"].(map[string]any)["plugin"].(map[string]any)
			assert.Equal(t, "PrometheusTimeSeriesQuery", plugin["kind"], key)
			assert.NotEmpty(t, plugin["spec"].(map[string]any)["query"], key)
		}
	}
}

func TestDashboard_coversTheLLMDSignals(t *testing.T) {
	config := recordedDashboard(t)
	var all []string
	for _, p := range config["panels"].(map[string]any) {
		for _, q := range p.(map[string]any)["spec"].(map[string]any)["queries"].([]any) {
			all = append(all, q.(map[string]any)["spec"].(map[string]any)["plugin"].(map[string]any)["spec"].(map[string]any)["query"].(string))
		}
	}
	queries := strings.Join(all, "\n")
	for _, tc := range []struct{ signal, fragment string }{
		{"time to first token", "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket{"},
		{"inter-token latency", "vllm:time_per_output_token_seconds_bucket{"},
		{"generated tokens", "rate(vllm:generation_tokens_total{"},
		{"prompt tokens", "rate(vllm:prompt_tokens_total{"},
		{"KV-cache usage (vLLM v1 name)", "vllm:kv_cache_usage_perc{"},
		{"KV-cache usage (older name)", "vllm:gpu_cache_usage_perc{"},
		{"prefix cache hits", "vllm:prefix_cache_hits_total{"},
		{"prefix cache queries", "vllm:prefix_cache_queries_total{"},
		{"running requests", "vllm:num_requests_running{"},
		{"waiting requests", "vllm:num_requests_waiting{"},
		{"GPU utilisation", "DCGM_FI_DEV_GPU_UTIL"},
	} {
		t.Run(tc.signal, func(t *testing.T) {
			assert.Contains(t, queries, tc.fragment)
		})
	}
	vars := map[string]bool{}
	for _, v := range config["variables"].([]any) {
		vars[v.(map[string]any)["spec"].(map[string]any)["name"].(string)] = true
	}
	for _, used := range []string{"namespace", "model_name"} {
		if strings.Contains(queries, "$"+used) {
			assert.True(t, vars[used], "queries use $%s but no variable defines it", used)
		}
	}
}
