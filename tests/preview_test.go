package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// `pulumi preview` lists the whole stack: a dry run registers exactly the
// resources an up registers. The preview mocks answer as the engine does
// (IDs unknown), so a resource registered inside an ApplyT on an ID is
// missing from the preview and fails this test; tests/engine compares a
// real engine preview with an up.
func TestPreview_listsTheWholeStack(t *testing.T) {
	for _, st := range loadShippedStacks(t) {
		t.Run(st.name, func(t *testing.T) {
			f := factsOf(st.config)
			up, err := testkit.Run(st.config, f.cluster(), false)
			require.NoError(t, err)
			preview, err := testkit.Run(st.config, f.cluster(), true)
			require.NoError(t, err)
			assert.Equal(t, pulumitest.Names(up.All()), pulumitest.Names(preview.All()))
		})
	}
}
