package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/connectivity"
)

// connectivity: the GatewayClasses, Red Hat Connectivity Link pinned to
// 1.3.x and the Kuadrant CR (C7; rationale phase 3.1).
func (w *wiring) connectivity(ctx *pulumi.Context, l *Layers) error {
	c, err := connectivity.NewConnectivity(ctx, "connectivity", &connectivity.ConnectivityArgs{
		RHCL: w.cfg.Catalog("rhcl"), Gates: w.gates,
	}, w.k8s())
	l.Connectivity = c
	return err
}
