// Package engine runs the real program (stacks.Program, the one main.go runs)
// through the real Pulumi engine with the Automation API: a local file
// backend, passphrase secrets, and the Kubernetes provider. Set
// RHOAI_ENGINE_TESTS=1 with the pinned CLI and plugin on PATH
// (scripts/toolchain.sh; scripts/test does both).
package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/stacks"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

const dbPassword = "engine-db-Password-7f3a"

// renderSecrets are every secret a user can configure; render mode must
// write none of them anywhere.
var renderSecrets = map[string]string{
	stacks.KeyDatabasePassword:   dbPassword,
	stacks.KeyDatabaseURL:        "postgresql://maas:engine-url-Secret-91c2@db.example.com:5432/maas",
	stacks.KeyRoute53AccessKeyID: "AKIAENGINERENDER7Q2Z",
	stacks.KeyRoute53SecretKey:   "engine-route53-Secret-5d8e",
}

func requireEngine(t *testing.T) {
	t.Helper()
	if testing.Short() || os.Getenv("RHOAI_ENGINE_TESTS") != "1" {
		t.Skip("set RHOAI_ENGINE_TESTS=1 with the pinned pulumi CLI and kubernetes plugin on PATH (scripts/test does)")
	}
}

// renderStack is a stack of the real project in a temp dir: Pulumi.yaml from
// the repository, config of the render stack plus every secret.
func renderStack(t *testing.T, ctx context.Context) (s auto.Stack, rendered, stateDir string) {
	t.Helper()
	tmp := t.TempDir()
	rendered = filepath.Join(tmp, "rendered")
	s, state, err := testkit.InlineStack(ctx, tmp, "engine-render", "engine-test", nil)
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
	for key, value := range renderSecrets {
		require.NoError(t, s.SetConfig(ctx, "rhoai:"+key, auto.ConfigValue{Value: value, Secret: true}))
	}
	return s, rendered, state
}

// collectURNs gathers the URN of every resource step the engine reports.
func collectURNs(ch <-chan events.EngineEvent, into *[]string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range ch {
			if ev.ResourcePreEvent != nil && ev.ResourcePreEvent.Metadata.Type != "pulumi:pulumi:Stack" {
				*into = append(*into, ev.ResourcePreEvent.Metadata.URN)
			}
		}
	}()
	return done
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

	// A first preview lists exactly what the up then creates: nothing is
	// registered only once outputs are known (inside an ApplyT).
	var previewed, applied []string
	timed("first preview", func() {
		ch := make(chan events.EngineEvent)
		done := collectURNs(ch, &previewed)
		_, err := s.Preview(ctx, optpreview.EventStreams(ch))
		require.NoError(t, err)
		<-done
	})
	var up auto.UpResult
	timed("up", func() {
		ch := make(chan events.EngineEvent)
		done := collectURNs(ch, &applied)
		var err error
		up, err = s.Up(ctx, optup.EventStreams(ch))
		require.NoError(t, err)
		<-done
	})
	sort.Strings(previewed)
	sort.Strings(applied)
	assert.Equal(t, applied, previewed, "the first preview lists what the up applies")
	assert.Greater(t, len(applied), 60)
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
	for _, secret := range renderSecrets {
		assert.NotContains(t, state, secret, "the state holds no configured secret in plain text")
	}

	// No secret value in any rendered file, plain or base64, and no Secret
	// manifest at all: SECRETS.md says what to supply instead.
	secretManifests, err := filepath.Glob(filepath.Join(rendered, "*", "v1-secret-*.yaml"))
	require.NoError(t, err)
	assert.Empty(t, secretManifests, "render writes no Secret")
	walked := 0
	require.NoError(t, filepath.WalkDir(rendered, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		walked++
		content, err := os.ReadFile(path)
		require.NoError(t, err)
		for key, secret := range renderSecrets {
			for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret))} {
				assert.NotContains(t, string(content), form, "%s holds the value of %s", path, key)
			}
		}
		return nil
	}))
	assert.Greater(t, walked, 60)
	handOff, err := os.ReadFile(filepath.Join(rendered, stacks.SecretsFile))
	require.NoError(t, err, "SECRETS.md is written beside the manifests")
	for _, want := range []string{"## redhat-ods-applications/maas-db-config", "`DB_CONNECTION_URL`", "## cert-manager/aws-creds", "`aws_secret_access_key`", "## llm-d-demo/qwen3-8b-connection"} {
		assert.Contains(t, string(handOff), want)
	}

	outputs, err := s.Outputs(ctx)
	require.NoError(t, err)
	raw, err = json.Marshal(outputs)
	require.NoError(t, err)
	for key, secret := range renderSecrets {
		assert.NotContains(t, string(raw), secret, "a stack output holds the value of %s", key)
	}
	assert.Equal(t, "https://maas.apps.cluster.example.com/maas-api", outputs["maasApiUrl"].Value)
	assert.Len(t, outputs["secretsToSupply"].Value, 3, "the output lists the Secrets to supply")

	timed("destroy", func() {
		_, err := s.Destroy(ctx, optdestroy.RunProgram(true))
		require.NoError(t, err)
	})
	assert.Empty(t, manifests(t, rendered), "destroy removes every rendered manifest")
}
