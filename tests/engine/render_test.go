// Package engine runs the real program (stacks.Program, the one main.go runs)
// through the real Pulumi engine with the Automation API: a local file
// backend, passphrase secrets, and the Kubernetes provider. Set
// RHOAI_ENGINE_TESTS=1 with the pinned CLI and plugin on PATH
// (scripts/toolchain.sh; scripts/test does both).
package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/stacks"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

const dbPassword = "engine-db-Password-7f3a"

func requireEngine(t *testing.T) {
	t.Helper()
	if testing.Short() || os.Getenv("RHOAI_ENGINE_TESTS") != "1" {
		t.Skip("set RHOAI_ENGINE_TESTS=1 with the pinned pulumi CLI and kubernetes plugin on PATH (scripts/test does)")
	}
}

// renderStack is a stack of the real project in a temp dir: Pulumi.yaml from
// the repository, config of the render stack plus a secret.
func renderStack(t *testing.T, ctx context.Context) (s auto.Stack, rendered, stateDir string) {
	t.Helper()
	tmp := t.TempDir()
	rendered = filepath.Join(tmp, "rendered")
	s, state, err := testkit.InlineStack(ctx, tmp, "engine-render", "engine-test")
	require.NoError(t, err)
	// Structured keys are set by path, as a user does (pulumi config set --path):
	// the project schema types them as objects.
	require.NoError(t, s.SetAllConfigWithOptions(ctx, auto.ConfigMap{
		"rhoai:platform":           {Value: "baremetal"},
		"rhoai:mode":               {Value: "render"},
		"rhoai:renderDir":          {Value: rendered},
		"rhoai:cluster.baseDomain": {Value: "cluster.example.com"},
		"rhoai:tls.cloud":          {Value: "none"},
		"rhoai:tls.route53.mode":   {Value: "static"},
	}, &auto.ConfigOptions{Path: true}))
	require.NoError(t, s.SetConfig(ctx, "rhoai:"+stacks.KeyDatabasePassword, auto.ConfigValue{Value: dbPassword, Secret: true}))
	return s, rendered, state
}

func manifests(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	require.NoError(t, err)
	return files
}

// a. Render mode: up writes every manifest, a second up changes nothing,
// destroy removes them; the state holds no plaintext secret (e).
func TestEngine_renderUpRerunDestroy(t *testing.T) {
	requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	s, rendered, stateDir := renderStack(t, ctx)
	timed := func(name string, f func()) {
		start := time.Now()
		f()
		t.Logf("TIMING %s: %s", name, time.Since(start).Round(time.Millisecond))
	}

	var up auto.UpResult
	timed("up", func() {
		var err error
		up, err = s.Up(ctx)
		require.NoError(t, err)
	})
	created := (*up.Summary.ResourceChanges)["create"]
	files := manifests(t, rendered)
	t.Logf("up created %d resources, rendered %d manifests", created, len(files))
	assert.GreaterOrEqual(t, len(files), 60, "every object of phases 1–6 is rendered")
	assert.FileExists(t, filepath.Join(rendered, "1-manifest", "serving.kserve.io_v1alpha2-llminferenceservice-llm-d-demo-qwen3-8b.yaml"))

	timed("second up (expect no changes)", func() {
		_, err := s.Up(ctx, optup.ExpectNoChanges())
		require.NoError(t, err)
	})
	timed("preview (expect no changes)", func() {
		res, err := s.Preview(ctx, optpreview.ExpectNoChanges())
		require.NoError(t, err)
		assert.Zero(t, res.ChangeSummary["create"]+res.ChangeSummary["update"]+res.ChangeSummary["delete"], res.ChangeSummary)
	})

	// The state file as the backend stores it (auto's Export decrypts).
	raw, err := os.ReadFile(filepath.Join(stateDir, ".pulumi", "stacks", "rhoai", "engine-render.json"))
	require.NoError(t, err)
	state := string(raw)
	assert.False(t, strings.Contains(state, dbPassword), "the state holds the database password only encrypted")
	assert.True(t, strings.Contains(state, `"ciphertext"`), "secrets are stored encrypted")
	assert.FileExists(t, filepath.Join(rendered, "1-manifest", "v1-secret-redhat-ods-applications-maas-db-config.yaml"), "a configured password is rendered (the provider warns)")

	outputs, err := s.Outputs(ctx)
	require.NoError(t, err)
	for name, v := range outputs {
		assert.NotContains(t, strings.ToLower(toString(v.Value)), strings.ToLower(dbPassword), "output %s", name)
	}
	assert.Equal(t, "https://maas.apps.cluster.example.com/maas-api", outputs["maasApiUrl"].Value)

	timed("destroy", func() {
		_, err := s.Destroy(ctx, optdestroy.RunProgram(true))
		require.NoError(t, err)
	})
	assert.Empty(t, manifests(t, rendered), "destroy removes every rendered manifest")
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
