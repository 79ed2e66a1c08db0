package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// `pulumi preview` lists the whole stack: a dry run registers exactly the
// resources an up registers (nothing is created inside an apply).
func TestPreview_listsTheWholeStack(t *testing.T) {
	for _, tc := range []struct {
		stack    string
		cfg      map[string]any
		platform string
	}{
		{"aws-dev", testkit.Config().AWS().Build(), "AWS"},
		{"baremetal", testkit.Config().Build(), "BareMetal"},
		{"render", testkit.Config().Render().Build(), ""},
	} {
		t.Run(tc.stack, func(t *testing.T) {
			var cluster dynamic.Interface // render mode reads no cluster
			if tc.platform != "" {
				cluster = testkit.OpenShift(tc.platform)
			}
			up, err := testkit.Run(tc.cfg, cluster, false)
			require.NoError(t, err)
			preview, err := testkit.Run(tc.cfg, cluster, true)
			require.NoError(t, err)
			assert.Equal(t, pulumitest.Names(up.All()), pulumitest.Names(preview.All()))
		})
	}
}
