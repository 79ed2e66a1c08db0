package testkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/stacks"
)

// RunContext is the context the program's waits end with, set before each
// run to that run's context: cancelling a run (as the Automation API does
// on Ctrl-C) then also ends the gates it waits in, as cmd/rhoai's end with
// Ctrl-C. The zero value means the stack's creation context.
type RunContext struct {
	v atomic.Pointer[context.Context]
}

// Set makes ctx the context of the next runs.
func (r *RunContext) Set(ctx context.Context) { r.v.Store(&ctx) }

func (r *RunContext) get(fallback context.Context) context.Context {
	if r == nil {
		return fallback
	}
	if c := r.v.Load(); c != nil {
		return *c
	}
	return fallback
}

// InlineStack creates stack name of the real project (stacks.Program, what
// main.go runs) through the Automation API in dir: the repository's
// Pulumi.yaml in dir/work, a local file backend in dir/state (returned),
// passphrase secrets and a private PULUMI_HOME. The caller sets the config.
// run (may be nil) gives each run's waits their context.
func InlineStack(ctx context.Context, dir, name, passphrase string, run *RunContext) (auto.Stack, string, error) {
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
	// The program's gates end with the run's context, as cmd/rhoai's end
	// with Ctrl-C.
	program := func(pctx *pulumi.Context) error {
		return stacks.Run(pctx, stacks.Environment{Context: run.get(ctx)})
	}
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
