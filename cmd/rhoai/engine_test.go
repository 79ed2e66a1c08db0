package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderProgram renders one ConfigMap to YAML files in dir (no cluster needed).
func renderProgram(dir string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := kubernetes.NewProvider(ctx, "render", &kubernetes.ProviderArgs{
			RenderYamlToDirectory: pulumi.String(dir),
		})
		if err != nil {
			return err
		}
		cm, err := corev1.NewConfigMap(ctx, "probe", &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("rhoai-probe"), Namespace: pulumi.String("default")},
			Data:     pulumi.StringMap{"hello": pulumi.String("world")},
		}, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("configMap", cm.Metadata.Name())
		ctx.Export("token", pulumi.ToSecret(pulumi.String("s3cr3t")))
		return nil
	}
}

// TestEngineRoundTrip drives up / preview (no changes) / outputs / destroy
// through the real Pulumi CLI and kubernetes plugin (see scripts/toolchain.sh).
// It mirrors the repo layout: a Pulumi.yaml with `runtime: go` in WorkDir.
func TestEngineRoundTrip(t *testing.T) {
	if testing.Short() || os.Getenv("RHOAI_ENGINE_TESTS") != "1" {
		t.Skip("set RHOAI_ENGINE_TESTS=1 (needs the pulumi CLI and kubernetes plugin)")
	}
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	cli, err := pulumiCLI(home)
	require.NoError(t, err)

	tmp := t.TempDir()
	work, state, rendered := filepath.Join(tmp, "repo"), filepath.Join(tmp, "state"), filepath.Join(tmp, "rendered")
	require.NoError(t, os.MkdirAll(work, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(work, "Pulumi.yaml"),
		[]byte("name: rhoai\nruntime: go\ndescription: engine test\n"), 0o600))
	backend, err := resolveBackend("file://"+state, mapLookup(nil), home)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cfg := stackConfig{
		Stack: "engine-test", WorkDir: work, Backend: backend, CLI: cli,
		Env: map[string]string{envPassphrase: "engine-test", "PULUMI_HOME": filepath.Join(tmp, "home")},
	}
	step := func(name string, f func()) {
		start := time.Now()
		f()
		t.Logf("TIMING %s: %s", name, time.Since(start).Round(time.Millisecond))
	}
	var out, errOut strings.Builder
	s, err := openStack(ctx, cfg, renderProgram(rendered))
	require.NoError(t, err)

	step("up", func() {
		require.NoError(t, runCommand(ctx, s, options{Command: "up", Yes: true}, nil, &out, &errOut), errOut.String())
	})
	t.Logf("up output:\n%s%s", out.String(), errOut.String())
	files, err := filepath.Glob(filepath.Join(rendered, "*", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 1, "rendered manifests")
	body, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(body), "rhoai-probe")

	step("preview (expect no changes)", func() {
		res, err := s.Preview(ctx, optpreview.ExpectNoChanges())
		require.NoError(t, err)
		assert.Equal(t, 3, res.ChangeSummary["same"], res.ChangeSummary)
	})

	out.Reset()
	require.NoError(t, runCommand(ctx, s, options{Command: "outputs"}, nil, &out, &errOut))
	assert.JSONEq(t, `{"configMap":"rhoai-probe","token":"[secret]"}`, out.String())

	step("destroy", func() {
		require.NoError(t, runCommand(ctx, s, options{Command: "destroy", Yes: true}, nil, &out, &errOut), errOut.String())
	})
	files, err = filepath.Glob(filepath.Join(rendered, "*", "*.yaml"))
	require.NoError(t, err)
	assert.Empty(t, files, "destroy removes rendered manifests")
}
