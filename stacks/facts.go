package stacks

import (
	"context"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/preflight"
	"github.com/rhoai-pulumi/installer/internal/kube"
)

// Facts are the cluster values the layers need: read from the cluster at
// preview and up (live), overridden by config, and taken from config alone in
// render mode.
type Facts struct {
	BaseDomain               string
	AppsDomain               string
	Region                   string
	InfrastructureID         string
	AMI                      string
	Zones                    []string
	GPUChannel               string
	ExistingMonitoringConfig string
}

// gatherFacts runs the phase 0 preflight (every finding at once) and the
// discovery, before any resource is registered. Render mode skips both.
func gatherFacts(ctx *pulumi.Context, cfg Config, cluster *kube.Cluster) (Facts, error) {
	f := Facts{
		BaseDomain: cfg.Cluster.BaseDomain, AppsDomain: cfg.Cluster.AppsDomain,
		Region: cfg.GPU.Region, InfrastructureID: cfg.GPU.InfrastructureID, AMI: cfg.GPU.AMI,
		Zones: cfg.GPU.Zones, GPUChannel: cfg.Resolved("gpu").Channel,
	}
	if cfg.Mode == Render {
		if f.GPUChannel == "" {
			f.GPUChannel = DefaultGPUChannel
		}
		return f, nil
	}
	client, err := cluster.Dynamic()
	if err != nil {
		return f, fmt.Errorf("preflight: connecting to the cluster (rhoai:cluster.kubeconfig / context): %w; to run without a cluster use the render stack", err)
	}
	bg := context.Background()
	report := preflight.Check(bg, client, preflight.Options{MinVersion: cfg.Cluster.MinVersion, Platform: string(cfg.Platform)})
	for _, w := range report.Warnings() {
		_ = ctx.Log.Warn(w.String(), nil)
	}
	if err := report.Err(); err != nil {
		if !cfg.Cluster.SkipPreflight {
			return f, fmt.Errorf("%w\n(nothing was changed; fix the findings, or set rhoai:cluster.skipPreflight true to proceed at your own risk)", err)
		}
		_ = ctx.Log.Warn("preflight findings ignored (cluster.skipPreflight): "+err.Error(), nil)
	}
	found, err := preflight.Discover(bg, client)
	if err != nil {
		return f, fmt.Errorf("reading cluster facts: %w", err)
	}
	return mergeFacts(f, found, cfg), nil
}

// mergeFacts: config wins over what the cluster says.
func mergeFacts(f Facts, d preflight.Facts, cfg Config) Facts {
	pick := func(configured, discovered string) string {
		if configured != "" {
			return configured
		}
		return discovered
	}
	f.BaseDomain = pick(f.BaseDomain, d.BaseDomain)
	f.AppsDomain = pick(cfg.Cluster.AppsDomain, d.AppsDomain)
	if f.AppsDomain == "" && f.BaseDomain != "" {
		f.AppsDomain = "apps." + f.BaseDomain
	}
	f.Region = pick(f.Region, d.AWSRegion)
	f.InfrastructureID = pick(f.InfrastructureID, d.InfrastructureName)
	f.GPUChannel = pick(f.GPUChannel, d.GPUChannel)
	if f.GPUChannel == "" {
		f.GPUChannel = DefaultGPUChannel
	}
	f.ExistingMonitoringConfig = d.ExistingMonitoringConfig
	zones := map[string]bool{}
	for _, ms := range d.WorkerMachineSets {
		if ms.GPU {
			continue
		}
		if f.AMI == "" && ms.AMI != "" {
			f.AMI = ms.AMI
		}
		if ms.Zone != "" {
			zones[ms.Zone] = true
		}
	}
	if len(f.Zones) == 0 {
		for z := range zones {
			f.Zones = append(f.Zones, z)
		}
		sort.Strings(f.Zones)
	}
	return f
}
