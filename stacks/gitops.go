package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/gitops"
)

// gitOps: the OpenShift GitOps operator (rationale phase 1), the team's day-2 tool.
func (w *wiring) gitOps(ctx *pulumi.Context, l *Layers) error {
	g, err := gitops.NewGitOps(ctx, "gitops", &gitops.GitOpsArgs{Catalog: w.cfg.Catalog("gitops"), Gates: w.gates}, w.k8s())
	l.GitOps = g
	return err
}
