package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/lws"
)

// lws: the LeaderWorkerSet operator and its operand (rationale phase 3.2).
func (w *wiring) lws(ctx *pulumi.Context, l *Layers) error {
	leader, err := lws.NewLeaderWorkerSet(ctx, "lws", &lws.LeaderWorkerSetArgs{
		Catalog: w.cfg.Catalog("lws"), Gates: w.gates,
	}, w.k8s())
	l.LWS = leader
	return err
}
