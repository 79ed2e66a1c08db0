package stacks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Program is the whole installation: what main.go runs with pulumi.Run and
// what the Automation API runs inline (cmd/rhoai, engine tests).
func Program(ctx *pulumi.Context) error {
	return Run(ctx, Environment{})
}

// Environment is what the program reads besides config; tests replace the
// cluster with a fake client.
type Environment struct {
	// Cluster, when set, is used for preflight, discovery and gates instead
	// of a client built from the kubeconfig.
	Cluster dynamic.Interface
	// WriteFile, when set, receives the files the program writes itself
	// (render mode's SECRETS.md) instead of the disk.
	WriteFile func(path string, data []byte) error
	// Context, when set, ends preflight and every gate when it ends: the
	// Automation API runner cancels it on Ctrl-C (an inline program's hooks
	// run in the runner's process, and the engine does not cancel them).
	Context context.Context
}

// Run loads and validates the config, then wires every layer.
func Run(ctx *pulumi.Context, env Environment) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	cluster := &kube.Cluster{Kubeconfig: cfg.Cluster.Kubeconfig, Context: cfg.Cluster.Context}
	if env.Cluster != nil {
		cluster = kube.NewStatic(env.Cluster)
	}
	waiter := readiness.NewWaiter(cluster.Dynamic)
	waiter.Log = func(msg string) { _ = ctx.Log.Info(msg, nil) }
	waiter.Warn = func(msg string) { _ = ctx.Log.Warn(msg, nil) }
	gates := readiness.NewBinder(ctx, waiter, cfg.Mode == Live)
	gates.CancelWith(env.Context)
	facts, err := gatherFacts(ctx, gates.Context(), cfg, cluster)
	if err != nil {
		return err
	}
	if facts.BaseDomain == "" || facts.AppsDomain == "" {
		return fmt.Errorf("config rhoai:cluster.baseDomain: found nothing in config or on the cluster (dns.config/cluster), expected the cluster's base domain; run: pulumi config set --path 'rhoai:cluster.baseDomain' <domain>")
	}
	provider, err := newProvider(ctx, cfg)
	if err != nil {
		return err
	}
	all, err := readiness.Record(ctx)
	if err != nil {
		return err
	}
	gates.Track(all)
	layers, err := deploy(ctx, &wiring{cfg: cfg, facts: facts, gates: gates, provider: provider, all: all})
	if err != nil {
		return err
	}
	exportOutputs(ctx, cfg, facts, layers)
	return handOffSecrets(ctx, cfg, layers.SecretsToSupply, env.writeFile)
}

// newProvider is the explicit Kubernetes provider every resource uses: the
// configured kubeconfig and context, or the render folder.
func newProvider(ctx *pulumi.Context, cfg Config) (*kubernetes.Provider, error) {
	args := &kubernetes.ProviderArgs{
		EnableServerSideApply:       pulumi.Bool(true),
		SuppressDeprecationWarnings: pulumi.Bool(true),
	}
	if cfg.Mode == Render {
		args.RenderYamlToDirectory = pulumi.String(cfg.RenderDir)
	} else {
		if cfg.Cluster.Kubeconfig != "" {
			args.Kubeconfig = pulumi.String(cfg.Cluster.Kubeconfig)
		}
		if cfg.Cluster.Context != "" {
			args.Context = pulumi.String(cfg.Cluster.Context)
		}
	}
	// Without an identifier, a changed kubeconfig (e.g. a rotated token)
	// would replace the provider and with it every resource.
	if cfg.Cluster.ClusterIdentifier != "" {
		args.ClusterIdentifier = pulumi.String(cfg.Cluster.ClusterIdentifier)
	}
	p, err := kubernetes.NewProvider(ctx, "k8s", args)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes provider: %w", err)
	}
	return p, nil
}

func (env Environment) writeFile(path string, data []byte) error {
	if env.WriteFile != nil {
		return env.WriteFile(path, data)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
