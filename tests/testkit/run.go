package testkit

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/stacks"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

// Offerings: us-east-2c lacks g5.2xlarge and gets the fallback.
var Offerings = map[string][]string{
	"us-east-2a": {"g5.2xlarge", "g6.2xlarge"},
	"us-east-2b": {"g5.2xlarge"},
	"us-east-2c": {"g6.2xlarge"},
	"us-west-2a": {"g5.2xlarge"}, // for a stack whose gpu.region and zones move to us-west-2
}

// HostedZones are the public Route53 zones of the simulated AWS account.
var HostedZones = map[string]string{BaseDomain: "Z0123456789ABCDEFGHIJ", "example.org": "Z0ORG0000000000000000"}

// AWSCalls mocks the AWS invokes the aws stack makes.
func AWSCalls() map[string]func(resource.PropertyMap) (resource.PropertyMap, error) {
	return map[string]func(resource.PropertyMap) (resource.PropertyMap, error){
		"aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": func(args resource.PropertyMap) (resource.PropertyMap, error) {
			var types, locations []any
			for zone, offered := range Offerings {
				for _, t := range offered {
					types = append(types, t)
					locations = append(locations, zone)
				}
			}
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": "offerings", "instanceTypes": types, "locations": locations, "locationTypes": repeat("availability-zone", len(types)),
			}), nil
		},
		"aws:route53/getZone:getZone": func(args resource.PropertyMap) (resource.PropertyMap, error) {
			name := strings.TrimSuffix(args["name"].StringValue(), ".")
			id, ok := HostedZones[name]
			if !ok || args["privateZone"].BoolValue() {
				return nil, fmt.Errorf("no matching Route53Zone found for %s", name)
			}
			return resource.NewPropertyMapFromMap(map[string]any{"id": id, "zoneId": id,
				"name": name, "arn": "arn:aws:route53:::hostedzone/" + id}), nil
		},
	}
}

func repeat(s string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// Run runs the real program (stacks.Run) under mocks, against a fake cluster
// (nil in render mode), as an `up` unless preview.
func Run(cfg map[string]any, cluster dynamic.Interface, preview bool) (*pulumitest.Recorder, error) {
	rec := pulumitest.NewRecorder()
	rec.Calls = AWSCalls()
	rec.Outputs = func(r pulumitest.Resource) resource.PropertyMap {
		if r.Type == "random:index/randomPassword:RandomPassword" {
			return resource.PropertyMap{"result": resource.MakeSecret(resource.NewStringProperty("generated-db-password"))}
		}
		return nil
	}
	program := func(ctx *pulumi.Context) error {
		return stacks.Run(ctx, stacks.Environment{Cluster: cluster, WriteFile: rec.WriteFile})
	}
	return pulumitest.Run(program, cfg, preview, rec)
}

// MustFind returns the single custom registration of a kind/namespace/name.
func MustFind(rec *pulumitest.Recorder, kind, ns, name string) (pulumitest.Resource, error) {
	found := rec.Find(kind, ns, name)
	if len(found) != 1 {
		return pulumitest.Resource{}, fmt.Errorf("found %d %s %s/%s (registered: %s)", len(found), kind, ns, name, strings.Join(pulumitest.Names(rec.Custom()), ", "))
	}
	return found[0], nil
}

// RunWith is Run (an up) with a caller's recorder, e.g. to count invokes.
func RunWith(rec *pulumitest.Recorder, cfg map[string]any, cluster dynamic.Interface) (*pulumitest.Recorder, error) {
	program := func(ctx *pulumi.Context) error {
		return stacks.Run(ctx, stacks.Environment{Cluster: cluster, WriteFile: rec.WriteFile})
	}
	return pulumitest.Run(program, cfg, false, rec)
}
