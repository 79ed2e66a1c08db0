package gpucapacity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ZoneChoice is the instance type chosen for one availability zone.
type ZoneChoice struct {
	Zone         string
	InstanceType string
	MachineSet   string // <infraID>-gpu-worker-<zone>
}

// findOfferingsByZone asks EC2 which of the types each candidate zone offers
// (an invoke: it runs at program time, in preview too, through the AWS
// provider the component inherits). The result maps zone to offered types.
func findOfferingsByZone(ctx *pulumi.Context, a GPUCapacityArgs, opts ...pulumi.InvokeOption) (map[string][]string, error) {
	res, err := ec2.GetInstanceTypeOfferings(ctx, &ec2.GetInstanceTypeOfferingsArgs{
		LocationType: pulumi.StringRef("availability-zone"),
		Filters: []ec2.GetInstanceTypeOfferingsFilter{
			{Name: "instance-type", Values: a.InstanceTypes},
			{Name: "location", Values: a.Zones},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("looking up EC2 instance type offerings for %s in %s: %w", strings.Join(a.InstanceTypes, ", "), strings.Join(a.Zones, ", "), err)
	}
	if len(res.Locations) != len(res.InstanceTypes) {
		return nil, fmt.Errorf("EC2 instance type offerings: %d locations for %d instance types; expected one location per offering", len(res.Locations), len(res.InstanceTypes))
	}
	offered := map[string][]string{}
	for i, zone := range res.Locations {
		offered[zone] = append(offered[zone], res.InstanceTypes[i])
	}
	return offered, nil
}

// chooseTypes picks, for each candidate zone in order, the first instance
// type (in the configured order) the zone offers. Zones offering none are
// returned as skipped.
func chooseTypes(infraID string, zones, types []string, offered map[string][]string) (chosen []ZoneChoice, skipped []string) {
	for _, zone := range zones {
		i := slices.IndexFunc(types, func(t string) bool { return slices.Contains(offered[zone], t) })
		if i < 0 {
			skipped = append(skipped, zone)
			continue
		}
		chosen = append(chosen, ZoneChoice{Zone: zone, InstanceType: types[i], MachineSet: machineSetName(infraID, zone)})
	}
	return chosen, skipped
}
