package stacks

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/gpu"
	"github.com/rhoai-pulumi/installer/components/gpucapacity"
	"github.com/rhoai-pulumi/installer/components/maas"
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
	GPUChannelFrom           string // where GPUChannel came from, for the preview log
	ExistingMonitoringConfig string
}

// gatherFacts runs the phase 0 preflight (every finding at once) and the
// discovery, before any resource is registered. Render mode skips both.
func gatherFacts(ctx *pulumi.Context, bg context.Context, cfg Config, cluster *kube.Cluster) (Facts, error) {
	f := Facts{
		BaseDomain: cfg.Cluster.BaseDomain, AppsDomain: cfg.Cluster.AppsDomain,
		Region: cfg.GPU.Region, InfrastructureID: cfg.GPU.InfrastructureID, AMI: cfg.GPU.AMI,
		Zones: cfg.GPU.Zones, GPUChannel: cfg.Catalog("gpu").Channel, GPUChannelFrom: "config rhoai:operators.gpu.channel",
	}
	if cfg.Mode == Render {
		if f.GPUChannel == "" {
			f.GPUChannel, f.GPUChannelFrom = gpu.NVIDIAOperator.Default.Channel, "the program's default (render mode reads no catalog)"
		}
		return f, nil
	}
	client, err := cluster.Dynamic()
	if err != nil {
		return f, fmt.Errorf("preflight: connecting to the cluster (rhoai:cluster.kubeconfig / context): %w; to run without a cluster use the render stack", err)
	}
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
	if cfg.MaaSEnabled() {
		// A re-run on a cluster whose MaaS is already deployed can tell its
		// API now; a fresh one is told by the tenantExists gate.
		missing, err := maas.TenantAPIMissing(bg, client)
		if err != nil {
			return f, fmt.Errorf("reading cluster facts: which MaaS API the cluster serves: %w", err)
		}
		if missing != "" {
			return f, fmt.Errorf("rhoai:maas: %s\n(nothing was changed)", missing)
		}
	}
	installed, err := preflight.SubscriptionChannel(bg, client, gpu.GPUOperatorNamespace, gpu.NVIDIAOperator.Name)
	if err != nil {
		return f, fmt.Errorf("reading cluster facts: %w", err)
	}
	f = mergeFacts(f, found, cfg)
	if err := f.resolveGPUChannel(installed, found); err != nil {
		return f, err
	}
	if err := f.checkPlacement(cfg); err != nil {
		return f, err
	}
	_ = ctx.Log.Info(fmt.Sprintf("gpu: NVIDIA GPU operator channel %s (%s)", f.GPUChannel, f.GPUChannelFrom), nil)
	return f, nil
}

// resolveGPUChannel picks the GPU operator channel once: config, else the
// installed Subscription's channel (so a newer catalog default does not move
// the install by itself), else the catalog's defaultChannel, as NVIDIA's
// install docs do. A channel the catalog does not offer fails before
// anything changes.
func (f *Facts) resolveGPUChannel(installed string, found preflight.Facts) error {
	switch {
	case f.GPUChannel != "":
	case installed != "":
		f.GPUChannel, f.GPUChannelFrom = installed, "kept from the installed Subscription "+gpu.GPUOperatorNamespace+"/"+gpu.NVIDIAOperator.Name
	case found.GPUChannel != "":
		f.GPUChannel, f.GPUChannelFrom = found.GPUChannel, "the catalog's default channel, resolved once; later runs keep it"
	default:
		return fmt.Errorf("config rhoai:operators.gpu: found no PackageManifest openshift-marketplace/%s, expected the %s catalog to offer it; check: oc get packagemanifest %s -n openshift-marketplace (nothing was changed)",
			gpu.NVIDIAOperator.Name, gpu.NVIDIAOperator.Default.Source, gpu.NVIDIAOperator.Name)
	}
	if f.GPUChannel != found.GPUChannel && found.GPUChannel != "" {
		f.GPUChannelFrom += "; the catalog's default is now " + found.GPUChannel + ": set rhoai:operators.gpu.channel to move"
	}
	if len(found.GPUChannels) > 0 && !slices.Contains(found.GPUChannels, f.GPUChannel) {
		return fmt.Errorf("config rhoai:operators.gpu.channel: found %q (%s), expected one of the catalog's channels %s; run: pulumi config set --path 'rhoai:operators.gpu.channel' %s (nothing was changed)",
			f.GPUChannel, f.GPUChannelFrom, strings.Join(found.GPUChannels, ", "), found.GPUChannel)
	}
	return nil
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

// checkPlacement: on aws the GPU zones must lie in the region, whichever of
// them came from config and which from the cluster; checked before anything
// is registered.
func (f Facts) checkPlacement(cfg Config) error {
	if cfg.Platform != AWS {
		return nil
	}
	var bad []string
	for _, z := range f.Zones {
		if !gpucapacity.ZoneInRegion(z, f.Region) {
			bad = append(bad, z)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("config rhoai:gpu.zones: found %s, not in region %s (rhoai:gpu.region, else the cluster's), expected zones of that region such as %sa; set both together (nothing was changed)",
		strings.Join(bad, ", "), f.Region, f.Region)
}
