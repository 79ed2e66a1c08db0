package olm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/labels"
)

func TestCSVLabel(t *testing.T) {
	tests := []struct{ pkg, ns, want string }{
		{"openshift-cert-manager-operator", "cert-manager-operator", "operators.coreos.com/openshift-cert-manager-operator.cert-manager-operator"},
		// 71 characters: OLM cuts the name part to 63 and drops the trailing "-".
		{"cluster-observability-operator", "openshift-cluster-observability-operator", "operators.coreos.com/cluster-observability-operator.openshift-cluster-observability"},
	}
	for _, tt := range tests {
		got := CSVLabel(tt.pkg, tt.ns)
		assert.Equal(t, tt.want, got)
		_, err := labels.Parse(got)
		assert.NoError(t, err, "usable as a label selector")
	}
}
