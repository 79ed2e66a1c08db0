package observability

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestMergeUserWorkload(t *testing.T) {
	cases := []struct {
		name     string
		existing string
		want     map[string]any // parsed result; nil when an error is expected
		same     bool           // result must equal existing byte for byte
		wantErr  string
	}{
		{
			name:     "an absent config becomes just enableUserWorkload",
			existing: "",
			want:     map[string]any{"enableUserWorkload": true},
		},
		{
			name:     "a whitespace-only config counts as absent",
			existing: "  \n",
			want:     map[string]any{"enableUserWorkload": true},
		},
		{
			name:     "a comment-only config counts as absent",
			existing: "# managed by the platform team\n",
			want:     map[string]any{"enableUserWorkload": true},
		},
		{
			name: "keeps every other key, nested values and integers",
			existing: "prometheusK8s:\n  retention: 15d\n  volumeClaimTemplate:\n    spec:\n      resources:\n        requests:\n          storage: 40Gi\n" +
				"alertmanagerMain:\n  enableUserAlertmanagerConfig: true\nthanosQuerier:\n  replicas: 3\n",
			want: map[string]any{
				"enableUserWorkload": true,
				"prometheusK8s": map[string]any{
					"retention":           "15d",
					"volumeClaimTemplate": map[string]any{"spec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": "40Gi"}}}},
				},
				"alertmanagerMain": map[string]any{"enableUserAlertmanagerConfig": true},
				"thanosQuerier":    map[string]any{"replicas": float64(3)},
			},
		},
		{
			name:     "an already enabled config is returned unchanged, comments included",
			existing: "# keep me\nenableUserWorkload: true\nprometheusK8s: {retention: 7d}\n",
			same:     true,
		},
		{
			name:     "turns false into true and keeps the rest",
			existing: "enableUserWorkload: false\nprometheusK8s:\n  retention: 7d\n",
			want:     map[string]any{"enableUserWorkload": true, "prometheusK8s": map[string]any{"retention": "7d"}},
		},
		{
			name:     "replaces a quoted true string by the boolean",
			existing: "enableUserWorkload: \"true\"\n",
			want:     map[string]any{"enableUserWorkload": true},
		},
		{
			name:     "rejects YAML that does not parse",
			existing: "prometheusK8s: [retention: 7d\n",
			wantErr:  "openshift-monitoring/cluster-monitoring-config key config.yaml is not valid YAML",
		},
		{
			name:     "rejects a list",
			existing: "- enableUserWorkload: true\n",
			wantErr:  "holds a YAML list; expected a mapping",
		},
		{
			name:     "rejects a scalar",
			existing: "enableUserWorkload\n",
			wantErr:  "holds a YAML string; expected a mapping",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MergeUserWorkload(tc.existing)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			if tc.same {
				assert.Equal(t, tc.existing, got)
				return
			}
			var parsed map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(got), &parsed), got)
			assert.Equal(t, tc.want, parsed)
			again, err := MergeUserWorkload(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "merging the result again changes nothing")
		})
	}
}
