// Package preflight holds the Phase 0 cluster validation (installation
// rationale, "Phase 0 — Cluster Validation") and the read-only cluster facts
// the program needs at preview and up (base and apps domains, platform, infra
// ID, worker MachineSets, the GPU operator channel, the existing monitoring
// config).
//
// It is plain client-go, not a Pulumi component: stacks/ calls Check and
// Discover inside the program before any resource is registered, and skips
// both in render mode (no cluster).
package preflight

import (
	"context"
	"fmt"

	"k8s.io/client-go/dynamic"
)

// Check names, as they appear in findings.
const (
	CheckOpenShiftVersion    = "openshiftVersion"
	CheckClusterAdmin        = "clusterAdmin"
	CheckDefaultStorageClass = "defaultStorageClass"
	CheckPullSecret          = "pullSecret"
	CheckNoOpenDataHub       = "noOpenDataHub"
	CheckNoServiceMesh2      = "noServiceMesh2"
	// CheckConflictingOperators reports a failed Subscription or CSV list,
	// which both noOpenDataHub and noServiceMesh2 need.
	CheckConflictingOperators = "conflictingOperators"
	CheckPlatform             = "platform"
	CheckOptions              = "options"
)

// DefaultMinVersion is the oldest OpenShift release RHOAI 3.4 + llm-d is
// validated on (the Gateway API controller ships from 4.20; 3.4 is validated on 4.21).
const DefaultMinVersion = "4.21"

// PlatformAWS is the Options.Platform value of the aws-dev stack.
const PlatformAWS = "aws"

// Options tune Check; the zero value checks against DefaultMinVersion and
// skips the platform check.
type Options struct {
	// MinVersion is the oldest accepted OpenShift "major.minor"; empty means DefaultMinVersion.
	MinVersion string
	// Platform is the stack's platform; "aws" requires an AWS cluster.
	// Any other value skips the platform check.
	Platform string
}

func (o Options) withDefaults() Options {
	if o.MinVersion == "" {
		o.MinVersion = DefaultMinVersion
	}
	return o
}

// Check runs every Phase 0 check against the cluster and reports every
// finding at once; nothing stops at the first failure. API errors (a
// Forbidden list included) become findings: Check itself never fails.
func Check(ctx context.Context, c dynamic.Interface, opts Options) Report {
	opts = opts.withDefaults()
	var r Report
	r.add(checkVersion(ctx, c, opts.MinVersion)...)
	r.add(checkClusterAdmin(ctx, c)...)
	r.add(checkDefaultStorageClass(ctx, c)...)
	r.add(checkPullSecret(ctx, c)...)
	r.add(checkConflictingOperators(ctx, c)...)
	if opts.Platform == PlatformAWS {
		r.add(checkAWSPlatform(ctx, c)...)
	}
	return r
}

func key(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func gvrString(resource, group string) string {
	if group == "" {
		return resource
	}
	return fmt.Sprintf("%s.%s", resource, group)
}
