package testkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/stacks"
)

// InlineStack creates stack name of the real project (stacks.Program, what
// main.go runs) through the Automation API in dir: the repository's
// Pulumi.yaml in dir/work, a local file backend in dir/state (returned),
// passphrase secrets and a private PULUMI_HOME. The caller sets the config.
func InlineStack(ctx context.Context, dir, name, passphrase string) (auto.Stack, string, error) {
	work, state := filepath.Join(dir, "work"), filepath.Join(dir, "state")
	for _, d := range []string{work, state} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return auto.Stack{}, "", fmt.Errorf("creating %s: %w", d, err)
		}
	}
	project, err := os.ReadFile(filepath.Join(RepoRoot(), "Pulumi.yaml"))
	if err != nil {
		return auto.Stack{}, "", fmt.Errorf("reading the project file: %w", err)
	}
	if err := os.WriteFile(filepath.Join(work, "Pulumi.yaml"), project, 0o600); err != nil {
		return auto.Stack{}, "", fmt.Errorf("writing the project file: %w", err)
	}
	// The program's gates end with ctx, as cmd/rhoai's end with Ctrl-C.
	program := func(pctx *pulumi.Context) error { return stacks.Run(pctx, stacks.Environment{Context: ctx}) }
	s, err := auto.UpsertStackInlineSource(ctx, name, "rhoai", program,
		auto.WorkDir(work), auto.SecretsProvider("passphrase"),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":       "file://" + state,
			"PULUMI_CONFIG_PASSPHRASE": passphrase,
			"PULUMI_HOME":              filepath.Join(dir, "pulumi-home"),
			"PULUMI_SKIP_UPDATE_CHECK": "true",
		}))
	if err != nil {
		return auto.Stack{}, "", fmt.Errorf("creating stack %s: %w", name, err)
	}
	return s, state, nil
}

// RepoRoot is the module root (two levels above this package).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}
