package gpucapacity

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// Defaults (alpha-hack-program/llm-d-guide@1f391b7 RATIONALE.md phase 2:
// g5.2xlarge, NVIDIA A10G; gitops/instance/machine-sets/gpu-worker/values.yaml:
// 120 GiB gp2 root volume). Every zone that offers the type gets one.
const (
	DefaultInstanceType     = "g5.2xlarge"
	DefaultReplicasPerZone  = 1
	DefaultVolumeSize       = 120 // GiB
	DefaultVolumeType       = "gp2"
	DefaultSubnetNameFormat = "{infraID}-subnet-private-{zone}"
)

// GPUCapacityArgs comes from validated config and the cluster's worker
// MachineSets (stacks/); the component reads neither.
type GPUCapacityArgs struct {
	InfrastructureID string   // infrastructure/cluster .status.infrastructureName
	Region           string   // e.g. us-east-2
	AMI              string   // ami-..., copied from a worker MachineSet
	Zones            []string // candidate zones, e.g. those of the worker MachineSets
	// InstanceTypes: primary first, then fallbacks for zones that do not
	// offer it. Default [g5.2xlarge].
	InstanceTypes   []string
	ReplicasPerZone int    // default 1
	VolumeSize      int    // root volume GiB, default 120
	VolumeType      string // default gp2
	// SubnetNameFormat is the subnet's tag:Name with {infraID} and {zone}
	// replaced; default {infraID}-subnet-private-{zone}.
	SubnetNameFormat string
	// SecurityGroupNames are tag:Name values; default <infraID>-node, <infraID>-lb.
	SecurityGroupNames []string
	IAMInstanceProfile string // default <infraID>-worker-profile

	Gates *readiness.Binder
	After readiness.Prerequisite
}

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	amiID        = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)
	instanceType = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

func (a GPUCapacityArgs) withDefaults() GPUCapacityArgs {
	if len(a.InstanceTypes) == 0 {
		a.InstanceTypes = []string{DefaultInstanceType}
	}
	if a.ReplicasPerZone == 0 {
		a.ReplicasPerZone = DefaultReplicasPerZone
	}
	if a.VolumeSize == 0 {
		a.VolumeSize = DefaultVolumeSize
	}
	if a.VolumeType == "" {
		a.VolumeType = DefaultVolumeType
	}
	if a.SubnetNameFormat == "" {
		a.SubnetNameFormat = DefaultSubnetNameFormat
	}
	if len(a.SecurityGroupNames) == 0 && a.InfrastructureID != "" {
		a.SecurityGroupNames = []string{a.InfrastructureID + "-node", a.InfrastructureID + "-lb"}
	}
	if a.IAMInstanceProfile == "" && a.InfrastructureID != "" {
		a.IAMInstanceProfile = a.InfrastructureID + "-worker-profile"
	}
	return a
}

// ValidAMI: an EC2 image ID such as ami-0123456789abcdef0.
func ValidAMI(s string) bool { return amiID.MatchString(s) }

// ValidInstanceType: an EC2 instance type such as g5.2xlarge.
func ValidInstanceType(s string) bool { return instanceType.MatchString(s) }

// ZoneInRegion: an availability zone is its region plus a letter suffix.
func ZoneInRegion(zone, region string) bool {
	return strings.HasPrefix(zone, region) && len(zone) > len(region)
}

// Validate reports every problem at once.
func (a GPUCapacityArgs) Validate() error {
	var errs []error
	if !dnsLabel.MatchString(a.InfrastructureID) {
		errs = append(errs, fmt.Errorf("infrastructure ID %q is not a DNS label such as mycluster-x7k2p", a.InfrastructureID))
	}
	if a.Region == "" {
		errs = append(errs, errors.New("region is empty; expected an AWS region such as us-east-2"))
	}
	if !ValidAMI(a.AMI) {
		errs = append(errs, fmt.Errorf("AMI %q is not an AMI id such as ami-0123456789abcdef0", a.AMI))
	}
	if len(a.Zones) == 0 {
		errs = append(errs, errors.New("no candidate zones; expected the availability zones of the worker MachineSets, e.g. us-east-2a"))
	}
	seen := map[string]bool{}
	for _, z := range a.Zones {
		switch {
		case seen[z]:
			errs = append(errs, fmt.Errorf("zone %q listed twice", z))
		case a.Region != "" && !ZoneInRegion(z, a.Region):
			errs = append(errs, fmt.Errorf("zone %q is not in region %s; expected e.g. %sa", z, a.Region, a.Region))
		}
		seen[z] = true
	}
	seen = map[string]bool{}
	for _, t := range a.InstanceTypes {
		switch {
		case !ValidInstanceType(t):
			errs = append(errs, fmt.Errorf("instance type %q is not an EC2 instance type such as g5.2xlarge", t))
		case seen[t]:
			errs = append(errs, fmt.Errorf("instance type %q listed twice", t))
		}
		seen[t] = true
	}
	if a.ReplicasPerZone < 1 {
		errs = append(errs, fmt.Errorf("replicas per zone %d; expected an integer >= 1", a.ReplicasPerZone))
	}
	if a.VolumeSize < 16 {
		errs = append(errs, fmt.Errorf("volume size %d GiB; expected >= 16 (default %d)", a.VolumeSize, DefaultVolumeSize))
	}
	if !strings.Contains(a.SubnetNameFormat, "{zone}") {
		errs = append(errs, fmt.Errorf("subnet name format %q has no {zone}; expected e.g. %s", a.SubnetNameFormat, DefaultSubnetNameFormat))
	}
	if a.InfrastructureID != "" {
		if n := len(machineSetName(a.InfrastructureID, longestZone(a.Zones))); n > 63 {
			errs = append(errs, fmt.Errorf("MachineSet name %s is %d characters; label values allow 63", machineSetName(a.InfrastructureID, longestZone(a.Zones)), n))
		}
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}

func longestZone(zones []string) string {
	long := ""
	for _, z := range zones {
		if len(z) > len(long) {
			long = z
		}
	}
	return long
}

// machineSetName is <infraID>-gpu-worker-<zone> (alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/machine-sets/gpu-worker/templates/machineset.yaml).
func machineSetName(infraID, zone string) string { return infraID + "-gpu-worker-" + zone }

func (a GPUCapacityArgs) subnetName(zone string) string {
	return strings.NewReplacer("{infraID}", a.InfrastructureID, "{zone}", zone).Replace(a.SubnetNameFormat)
}
