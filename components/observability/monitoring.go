package observability

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// The cluster monitoring ConfigMap: it may already exist with the user's
// settings (retention, storage, node selectors), so it is merged, never clobbered.
const (
	MonitoringNamespace     = "openshift-monitoring"
	MonitoringConfigMapName = "cluster-monitoring-config"
	MonitoringConfigKey     = "config.yaml"
	enableUserWorkloadKey   = "enableUserWorkload"
)

// MergeUserWorkload returns the cluster-monitoring-config config.yaml with
// enableUserWorkload: true and every other key of existing kept. An empty
// existing (no ConfigMap, no key, render mode) gives just that key. When the
// key is already true, existing is returned unchanged (its comments and
// layout kept); otherwise the document is re-serialised with sorted keys, so a
// second merge of the result changes nothing. YAML that is not a mapping is an
// error: the monitoring operator would reject it too.
func MergeUserWorkload(existing string) (string, error) {
	if strings.TrimSpace(existing) == "" {
		return enableUserWorkloadKey + ": true\n", nil
	}
	var doc any
	useNumber := func(d *json.Decoder) *json.Decoder { d.UseNumber(); return d } // keep integers exact
	if err := yaml.Unmarshal([]byte(existing), &doc, useNumber); err != nil {
		return "", fmt.Errorf("ConfigMap %s/%s key %s is not valid YAML: %w; fix it with: oc -n %[1]s edit configmap %[2]s",
			MonitoringNamespace, MonitoringConfigMapName, MonitoringConfigKey, err)
	}
	settings := map[string]any{}
	switch d := doc.(type) {
	case nil: // only comments, or null
	case map[string]any:
		if on, _ := d[enableUserWorkloadKey].(bool); on {
			return existing, nil
		}
		settings = d
	default:
		return "", fmt.Errorf("ConfigMap %s/%s key %s holds a YAML %s; expected a mapping of settings such as %s: true; fix it with: oc -n %[1]s edit configmap %[2]s",
			MonitoringNamespace, MonitoringConfigMapName, MonitoringConfigKey, yamlKind(doc), enableUserWorkloadKey)
	}
	settings[enableUserWorkloadKey] = true
	out, err := yaml.Marshal(settings)
	if err != nil {
		return "", fmt.Errorf("encoding the merged %s: %w", MonitoringConfigKey, err)
	}
	return string(out), nil
}

func yamlKind(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// newMonitoringConfig server-side-applies the merged config.yaml. A Patch
// (not a ConfigMap) because the object may already exist (pulumi-kubernetes
// ≥4.29 fails to create an existing object); if it does not, the patch
// creates it, which is what we want here.
//
// RetainOnDelete: on destroy a Patch relinquishes its field manager's fields,
// and data["config.yaml"] is one field we own entirely. Relinquishing it would
// delete the whole key — the user's other monitoring settings with it, not
// just enableUserWorkload. So destroy leaves the ConfigMap as it is; turning
// user-workload monitoring off is the user's call.
func newMonitoringConfig(ctx *pulumi.Context, name, merged string, release bool, opts ...pulumi.ResourceOption) (*corev1.ConfigMapPatch, error) {
	cm, err := corev1.NewConfigMapPatch(ctx, name+"-monitoring-config", &corev1.ConfigMapPatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name:        pulumi.String(MonitoringConfigMapName),
			Namespace:   pulumi.String(MonitoringNamespace),
			Annotations: manifest.StringMap(map[string]string{manifest.PatchForceAnnotation: "true"}),
		},
		Data: pulumi.StringMap{MonitoringConfigKey: pulumi.String(merged)},
	}, append(opts, pulumi.RetainOnDelete(!release))...)
	if err != nil {
		return nil, fmt.Errorf("observability %q: creating ConfigMapPatch %s/%s: %w", name, MonitoringNamespace, MonitoringConfigMapName, err)
	}
	return cm, nil
}
