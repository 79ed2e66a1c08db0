package gpucapacity

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
)

const offeringsToken = "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"

// offerings is what EC2 would answer in us-east-2 for these types: us-east-2c
// lacks g5.2xlarge (a real situation for GPU types), us-east-2d offers none of ours.
var offerings = map[string][]string{
	"us-east-2a": {"g5.2xlarge", "g6.2xlarge", "p4d.24xlarge"},
	"us-east-2b": {"g5.2xlarge"},
	"us-east-2c": {"g6.2xlarge"},
	"us-east-2d": {"p4d.24xlarge"},
}

// offeringsMock answers DescribeInstanceTypeOfferings like EC2: one
// (type, location) pair per offering that passes both filters.
func offeringsMock(t *testing.T, table map[string][]string, requests *[]resource.PropertyMap) func(resource.PropertyMap) (resource.PropertyMap, error) {
	return func(args resource.PropertyMap) (resource.PropertyMap, error) {
		*requests = append(*requests, args)
		filters := map[string][]string{}
		for _, f := range args["filters"].ArrayValue() {
			obj := f.ObjectValue()
			for _, v := range obj["values"].ArrayValue() {
				filters[obj["name"].StringValue()] = append(filters[obj["name"].StringValue()], v.StringValue())
			}
		}
		var types, locations []any
		zones := make([]string, 0, len(table))
		for z := range table {
			zones = append(zones, z)
		}
		slices.Sort(zones)
		for _, zone := range zones {
			if !slices.Contains(filters["location"], zone) {
				continue
			}
			for _, typ := range table[zone] {
				if slices.Contains(filters["instance-type"], typ) {
					types, locations = append(types, typ), append(locations, zone)
				}
			}
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": "us-east-2", "instanceTypes": types, "locations": locations,
			"locationType": args["locationType"].StringValue(),
		}), nil
	}
}

func baseArgs() GPUCapacityArgs {
	return GPUCapacityArgs{
		InfrastructureID: "ocp-x7k2p",
		Region:           "us-east-2",
		AMI:              "ami-0123456789abcdef0",
		Zones:            []string{"us-east-2a", "us-east-2b", "us-east-2c", "us-east-2d"},
		InstanceTypes:    []string{"g5.2xlarge", "g6.2xlarge"},
	}
}

type run struct {
	rec      *pulumitest.Recorder
	gpu      *GPUCapacity
	requests []resource.PropertyMap
	err      error
}

func deploy(t *testing.T, args GPUCapacityArgs, table map[string][]string) run {
	t.Helper()
	var r run
	rec := pulumitest.NewRecorder()
	rec.Calls = map[string]func(resource.PropertyMap) (resource.PropertyMap, error){
		offeringsToken: offeringsMock(t, table, &r.requests),
	}
	r.rec, r.err = pulumitest.Run(func(ctx *pulumi.Context) error {
		a := args
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		g, err := NewGPUCapacity(ctx, "gpu", &a)
		if err != nil {
			return err
		}
		r.gpu = g
		// A GPU workload takes the prerequisite (C6).
		_, err = pulumi.NewStash(ctx, "workload", &pulumi.StashArgs{Input: pulumi.String("x")}, mustOptions(t, a.Gates, g.Prerequisite())...)
		return err
	}, nil, false, rec)
	return r
}

func mustOptions(t *testing.T, b *readiness.Binder, p readiness.Prerequisite) []pulumi.ResourceOption {
	opts, err := b.Options(p)
	require.NoError(t, err)
	return opts
}

func TestGPUCapacity_oneMachineSetPerZoneWithFallback(t *testing.T) {
	cases := []struct {
		name  string
		types []string
		want  map[string]string // MachineSet name -> instance type
	}{
		{
			name:  "a zone lacking the primary type gets the fallback and a zone offering neither is skipped",
			types: []string{"g5.2xlarge", "g6.2xlarge"},
			want: map[string]string{
				"ocp-x7k2p-gpu-worker-us-east-2a": "g5.2xlarge",
				"ocp-x7k2p-gpu-worker-us-east-2b": "g5.2xlarge",
				"ocp-x7k2p-gpu-worker-us-east-2c": "g6.2xlarge",
			},
		},
		{
			name:  "the fallback listed first wins wherever it is offered",
			types: []string{"g6.2xlarge", "g5.2xlarge"},
			want: map[string]string{
				"ocp-x7k2p-gpu-worker-us-east-2a": "g6.2xlarge",
				"ocp-x7k2p-gpu-worker-us-east-2b": "g5.2xlarge",
				"ocp-x7k2p-gpu-worker-us-east-2c": "g6.2xlarge",
			},
		},
		{
			name:  "without a fallback the zone lacking the primary is skipped",
			types: nil, // default g5.2xlarge
			want: map[string]string{
				"ocp-x7k2p-gpu-worker-us-east-2a": "g5.2xlarge",
				"ocp-x7k2p-gpu-worker-us-east-2b": "g5.2xlarge",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			args.InstanceTypes = tc.types
			r := deploy(t, args, offerings)
			require.NoError(t, r.err)

			got := map[string]string{}
			for _, res := range r.rec.Custom() {
				if res.Kind() != "MachineSet" {
					continue
				}
				assert.Equal(t, "kubernetes:machine.openshift.io/v1beta1:MachineSet", res.Type)
				assert.Equal(t, "gpu", res.Parent)
				obj := res.Object()
				md := obj["metadata"].(map[string]any)
				assert.Equal(t, "openshift-machine-api", md["namespace"])
				pv := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["providerSpec"].(map[string]any)["value"].(map[string]any)
				got[md["name"].(string)] = pv["instanceType"].(string)
			}
			assert.Equal(t, tc.want, got)

			require.Len(t, r.requests, 1, "one offerings lookup")
			req := r.requests[0]
			assert.Equal(t, "availability-zone", req["locationType"].StringValue())
			filters := map[string][]string{}
			for _, f := range req["filters"].ArrayValue() {
				for _, v := range f.ObjectValue()["values"].ArrayValue() {
					filters[f.ObjectValue()["name"].StringValue()] = append(filters[f.ObjectValue()["name"].StringValue()], v.StringValue())
				}
			}
			wantTypes := tc.types
			if wantTypes == nil {
				wantTypes = []string{"g5.2xlarge"}
			}
			assert.Equal(t, map[string][]string{"instance-type": wantTypes, "location": args.Zones}, filters)
		})
	}
}

// The MachineSet for the fallback zone, field by field (llm-d-guide's
// gitops/instance/machine-sets/gpu-worker/templates/machineset.yaml).
const wantMachineSet2c = `{
  "apiVersion": "machine.openshift.io/v1beta1",
  "kind": "MachineSet",
  "metadata": {
    "name": "ocp-x7k2p-gpu-worker-us-east-2c",
    "namespace": "openshift-machine-api",
    "labels": {"machine.openshift.io/cluster-api-cluster": "ocp-x7k2p"},
    "annotations": {
      "pulumi.com/waitFor": "jsonpath={.status.readyReplicas}=2",
      "pulumi.com/timeoutSeconds": "1200"
    }
  },
  "spec": {
    "replicas": 2,
    "selector": {"matchLabels": {
      "machine.openshift.io/cluster-api-cluster": "ocp-x7k2p",
      "machine.openshift.io/cluster-api-machineset": "ocp-x7k2p-gpu-worker-us-east-2c"}},
    "template": {
      "metadata": {"labels": {
        "machine.openshift.io/cluster-api-cluster": "ocp-x7k2p",
        "machine.openshift.io/cluster-api-machine-role": "worker",
        "machine.openshift.io/cluster-api-machine-type": "worker",
        "machine.openshift.io/cluster-api-machineset": "ocp-x7k2p-gpu-worker-us-east-2c"}},
      "spec": {
        "metadata": {"labels": {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/gpu-worker": ""}},
        "taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}],
        "providerSpec": {"value": {
          "apiVersion": "awsproviderconfig.openshift.io/v1beta1",
          "kind": "AWSMachineProviderConfig",
          "ami": {"id": "ami-0123456789abcdef0"},
          "instanceType": "g6.2xlarge",
          "blockDevices": [{"ebs": {"iops": 0, "volumeSize": 120, "volumeType": "gp2"}}],
          "credentialsSecret": {"name": "aws-cloud-credentials"},
          "deviceIndex": 0,
          "iamInstanceProfile": {"id": "ocp-x7k2p-worker-profile"},
          "placement": {"availabilityZone": "us-east-2c", "region": "us-east-2"},
          "securityGroups": [
            {"filters": [{"name": "tag:Name", "values": ["ocp-x7k2p-node"]}]},
            {"filters": [{"name": "tag:Name", "values": ["ocp-x7k2p-lb"]}]}],
          "subnet": {"filters": [{"name": "tag:Name", "values": ["ocp-x7k2p-subnet-private-us-east-2c"]}]},
          "tags": [{"name": "kubernetes.io/cluster/ocp-x7k2p", "value": "owned"}],
          "userDataSecret": {"name": "worker-user-data"}
        }}
      }
    }
  }
}`

func TestGPUCapacity_machineSetFieldsAsManifests(t *testing.T) {
	args := baseArgs()
	args.ReplicasPerZone = 2
	r := deploy(t, args, offerings)
	require.NoError(t, r.err)
	found := r.rec.Find("MachineSet", "openshift-machine-api", "ocp-x7k2p-gpu-worker-us-east-2c")
	require.Len(t, found, 1)
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(wantMachineSet2c), &want))
	got := found[0].Object()
	// JSON numbers decode as float64 on both sides once normalised.
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	var norm map[string]any
	require.NoError(t, json.Unmarshal(raw, &norm))
	assert.Equal(t, want, norm)
	assert.Equal(t, "gpu-machineset-us-east-2c", found[0].Name)
}

func TestGPUCapacity_overridesNaming(t *testing.T) {
	args := baseArgs()
	args.Zones = []string{"us-east-2a"}
	args.SubnetNameFormat = "custom-{infraID}-{zone}"
	args.SecurityGroupNames = []string{"sg-a", "sg-b", "sg-c"}
	args.IAMInstanceProfile = "my-profile"
	args.VolumeSize = 300
	r := deploy(t, args, offerings)
	require.NoError(t, r.err)
	found := r.rec.Find("MachineSet", "openshift-machine-api", "ocp-x7k2p-gpu-worker-us-east-2a")
	require.Len(t, found, 1)
	pv := found[0].Object()["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["providerSpec"].(map[string]any)["value"].(map[string]any)
	assert.Equal(t, []any{"custom-ocp-x7k2p-us-east-2a"}, pv["subnet"].(map[string]any)["filters"].([]any)[0].(map[string]any)["values"])
	assert.Len(t, pv["securityGroups"], 3)
	assert.Equal(t, map[string]any{"id": "my-profile"}, pv["iamInstanceProfile"])
	assert.EqualValues(t, 300, pv["blockDevices"].([]any)[0].(map[string]any)["ebs"].(map[string]any)["volumeSize"])
}

func TestGPUCapacity_noZoneOffersAnyType(t *testing.T) {
	args := baseArgs()
	args.InstanceTypes = []string{"g4dn.xlarge", "p5.48xlarge"}
	r := deploy(t, args, offerings)
	require.Error(t, r.err)
	for _, want := range []string{"g4dn.xlarge", "p5.48xlarge", "us-east-2a", "us-east-2d", "gpu.instanceTypes"} {
		assert.Contains(t, r.err.Error(), want)
	}
	for _, res := range r.rec.Custom() {
		assert.NotEqual(t, "MachineSet", res.Kind(), "nothing created")
	}
}

func TestGPUCapacity_dependentsWaitForMachinesAndGate(t *testing.T) {
	r := deploy(t, baseArgs(), offerings)
	require.NoError(t, r.err)
	require.NotNil(t, r.gpu)
	hook := r.gpu.Gate.HookName()
	assert.Equal(t, "C6", r.gpu.Gate.Constraint)

	workload, ok := r.rec.Get("workload")
	require.True(t, ok)
	assert.True(t, workload.HasGate(hook), "C6: the workload carries machinesProvisioned, hooks %v", workload.Hooks)
	for _, z := range []string{"us-east-2a", "us-east-2b", "us-east-2c"} {
		assert.True(t, r.rec.Reaches("workload", "gpu-machineset-"+z), z)
	}

	watch, ok := r.rec.Get("gpu-machines-provisioned")
	require.True(t, ok)
	assert.True(t, watch.HasGate(hook), "the watch polls beside the MachineSets")
	for _, d := range watch.Deps {
		assert.NotContains(t, d, "gpu-machineset-", "the watch must not wait for the MachineSets' waitFor")
	}
	for _, z := range []string{"us-east-2a", "us-east-2b", "us-east-2c"} {
		ms, _ := r.rec.Get("gpu-machineset-" + z)
		assert.Empty(t, ms.Hooks.BeforeCreate, "the MachineSet itself is not gated on its own Machines")
	}
	assert.Equal(t, []ZoneChoice{
		{Zone: "us-east-2a", InstanceType: "g5.2xlarge", MachineSet: "ocp-x7k2p-gpu-worker-us-east-2a"},
		{Zone: "us-east-2b", InstanceType: "g5.2xlarge", MachineSet: "ocp-x7k2p-gpu-worker-us-east-2b"},
		{Zone: "us-east-2c", InstanceType: "g6.2xlarge", MachineSet: "ocp-x7k2p-gpu-worker-us-east-2c"},
	}, r.gpu.Choices)
}

func TestGPUCapacity_appliesAfterToMachineSets(t *testing.T) {
	var r run
	rec := pulumitest.NewRecorder()
	rec.Calls = map[string]func(resource.PropertyMap) (resource.PropertyMap, error){offeringsToken: offeringsMock(t, offerings, &r.requests)}
	_, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		first, err := pulumi.NewStash(ctx, "first", &pulumi.StashArgs{Input: pulumi.String("x")})
		if err != nil {
			return err
		}
		a := baseArgs()
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		a.After = readiness.After(first)
		_, err = NewGPUCapacity(ctx, "gpu", &a)
		return err
	}, nil, false, rec)
	require.NoError(t, err)
	assert.True(t, rec.Reaches("gpu-machineset-us-east-2a", "first"))
	assert.True(t, rec.Reaches("gpu-machines-provisioned", "first"))
}

func TestGPUCapacityArgs_Validate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*GPUCapacityArgs)
		want string
	}{
		{"rejects a zone outside the region", func(a *GPUCapacityArgs) { a.Zones = []string{"eu-west-1a"} }, `zone "eu-west-1a" is not in region us-east-2`},
		{"rejects no zones", func(a *GPUCapacityArgs) { a.Zones = nil }, "no candidate zones"},
		{"rejects a malformed AMI", func(a *GPUCapacityArgs) { a.AMI = "rhcos-4.21" }, `AMI "rhcos-4.21"`},
		{"rejects a malformed instance type", func(a *GPUCapacityArgs) { a.InstanceTypes = []string{"g5-2xlarge"} }, `instance type "g5-2xlarge"`},
		{"rejects negative replicas", func(a *GPUCapacityArgs) { a.ReplicasPerZone = -1 }, "replicas per zone -1"},
		{"rejects a subnet format without the zone", func(a *GPUCapacityArgs) { a.SubnetNameFormat = "{infraID}-private" }, "has no {zone}"},
		{"rejects an empty infrastructure ID", func(a *GPUCapacityArgs) { a.InfrastructureID = "" }, "infrastructure ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			tc.edit(&a)
			r := deploy(t, a, offerings)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tc.want)
			assert.Empty(t, r.requests, "no AWS call on invalid args")
		})
	}
}

func TestGPUCapacity_previewLooksUpOfferingsToo(t *testing.T) {
	var requests []resource.PropertyMap
	rec := pulumitest.NewRecorder()
	rec.Calls = map[string]func(resource.PropertyMap) (resource.PropertyMap, error){offeringsToken: offeringsMock(t, offerings, &requests)}
	_, err := pulumitest.Run(func(ctx *pulumi.Context) error {
		a := baseArgs()
		a.Gates = readiness.NewBinder(ctx, readiness.NewWaiter(nil), true)
		_, err := NewGPUCapacity(ctx, "gpu", &a)
		return err
	}, nil, true, rec)
	require.NoError(t, err)
	assert.Len(t, requests, 1)
	assert.Len(t, rec.Find("MachineSet", "openshift-machine-api", "ocp-x7k2p-gpu-worker-us-east-2c"), 1)
}
