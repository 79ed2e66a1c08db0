package preflight

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// awsMachineSet is an installer-made worker MachineSet (the shape the GPU
// MachineSets copy).
func awsMachineSet(name, role, zone, instanceType string) *unstructured.Unstructured {
	return kubetest.Object("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", name, map[string]any{
		"spec": map[string]any{
			"replicas": int64(1),
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{
					"machine.openshift.io/cluster-api-cluster":      "ocp-x7k2p",
					"machine.openshift.io/cluster-api-machine-role": role,
					"machine.openshift.io/cluster-api-machine-type": role,
				}},
				"spec": map[string]any{
					"providerSpec": map[string]any{"value": map[string]any{
						"apiVersion":         "machine.openshift.io/v1beta1",
						"kind":               "AWSMachineProviderConfig",
						"ami":                map[string]any{"id": "ami-0abc123"},
						"instanceType":       instanceType,
						"iamInstanceProfile": map[string]any{"id": "ocp-x7k2p-worker-profile"},
						"placement":          map[string]any{"availabilityZone": zone, "region": "us-east-2"},
						"securityGroups": []any{
							map[string]any{"filters": []any{map[string]any{"name": "tag:Name", "values": []any{"ocp-x7k2p-node"}}}},
							map[string]any{"filters": []any{map[string]any{"name": "tag:Name", "values": []any{"ocp-x7k2p-lb"}}}},
						},
						"subnet": map[string]any{"filters": []any{map[string]any{"name": "tag:Name", "values": []any{"ocp-x7k2p-subnet-private-" + zone}}}},
					}},
				},
			},
		},
	})
}

func fullCluster() []runtime.Object {
	gpu := awsMachineSet("ocp-x7k2p-gpu-worker-us-east-2a", "worker", "us-east-2a", "g5.2xlarge")
	spec := gpu.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	spec["metadata"] = map[string]any{"labels": map[string]any{"node-role.kubernetes.io/gpu-worker": ""}}
	spec["taints"] = []any{map[string]any{"key": "nvidia.com/gpu", "effect": "NoSchedule"}}
	return []runtime.Object{
		kubetest.Object("config.openshift.io/v1", "DNS", "", "cluster", map[string]any{"spec": map[string]any{"baseDomain": "ocp.example.com"}}),
		kubetest.Object("config.openshift.io/v1", "Ingress", "", "cluster", map[string]any{"spec": map[string]any{"domain": "apps.ocp.example.com"}}),
		infrastructure("AWS", "us-east-2"),
		clusterVersionObj("4.21.3"),
		awsMachineSet("ocp-x7k2p-worker-us-east-2b", "worker", "us-east-2b", "m6i.xlarge"),
		awsMachineSet("ocp-x7k2p-worker-us-east-2a", "worker", "us-east-2a", "m6i.xlarge"),
		awsMachineSet("ocp-x7k2p-infra-us-east-2a", "infra", "us-east-2a", "m6i.2xlarge"),
		gpu,
		kubetest.Object("packages.operators.coreos.com/v1", "PackageManifest", "openshift-marketplace", "gpu-operator-certified",
			map[string]any{"status": map[string]any{"defaultChannel": "v25.10", "catalogSource": "certified-operators",
				"channels": []any{map[string]any{"name": "v25.3"}, map[string]any{"name": "v25.10"}}}}),
		kubetest.Object("v1", "ConfigMap", "openshift-monitoring", "cluster-monitoring-config",
			map[string]any{"data": map[string]any{"config.yaml": "enableUserWorkload: true\n"}}),
	}
}

func ref(filterValue string) AWSResourceReference {
	return AWSResourceReference{Filters: []AWSFilter{{Name: "tag:Name", Values: []string{filterValue}}}}
}

func wantWorker(name, zone, instanceType string, gpu bool) MachineSet {
	return MachineSet{
		Name: name, Zone: zone, Region: "us-east-2", AMI: "ami-0abc123", InstanceType: instanceType,
		IAMInstanceProfile: AWSResourceReference{ID: "ocp-x7k2p-worker-profile"},
		Subnet:             ref("ocp-x7k2p-subnet-private-" + zone),
		SecurityGroups:     []AWSResourceReference{ref("ocp-x7k2p-node"), ref("ocp-x7k2p-lb")},
		GPU:                gpu,
	}
}

func TestDiscover(t *testing.T) {
	forbidden := func(verb, resource string) func(c *fake.FakeDynamicClient) {
		return func(c *fake.FakeDynamicClient) {
			c.PrependReactor(verb, resource, func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", errors.New("denied"))
			})
		}
	}
	cases := []struct {
		name    string
		objects []runtime.Object
		react   func(c *fake.FakeDynamicClient)
		want    Facts
		wantErr []string // substrings of the joined error
	}{
		{
			name:    "reads every fact from a full AWS cluster",
			objects: fullCluster(),
			want: Facts{
				BaseDomain: "ocp.example.com", AppsDomain: "apps.ocp.example.com",
				PlatformType: "AWS", AWSRegion: "us-east-2", InfrastructureName: "ocp-x7k2p", Version: "4.21.3",
				WorkerMachineSets: []MachineSet{
					wantWorker("ocp-x7k2p-gpu-worker-us-east-2a", "us-east-2a", "g5.2xlarge", true),
					wantWorker("ocp-x7k2p-worker-us-east-2a", "us-east-2a", "m6i.xlarge", false),
					wantWorker("ocp-x7k2p-worker-us-east-2b", "us-east-2b", "m6i.xlarge", false),
				},
				GPUChannel:               "v25.10",
				GPUChannels:              []string{"v25.3", "v25.10"},
				ExistingMonitoringConfig: "enableUserWorkload: true\n",
			},
		},
		{
			name: "absent optional objects give empty values and no error",
		},
		{
			name: "a bare-metal cluster has no region and no MachineSets",
			objects: []runtime.Object{
				infrastructure("BareMetal", ""),
				kubetest.Object("config.openshift.io/v1", "DNS", "", "cluster", map[string]any{"spec": map[string]any{"baseDomain": "lab.example.com"}}),
			},
			want: Facts{PlatformType: "BareMetal", InfrastructureName: "ocp-x7k2p", BaseDomain: "lab.example.com"},
		},
		{
			name:    "a Machine API that is not served is not an error",
			objects: []runtime.Object{infrastructure("None", "")},
			react: func(c *fake.FakeDynamicClient) {
				c.PrependReactor("list", "machinesets", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "machine.openshift.io", Resource: "machinesets"}, "")
				})
			},
			want: Facts{PlatformType: "None", InfrastructureName: "ocp-x7k2p"},
		},
		{
			name:    "failing API calls are errors naming the object, and the rest is still read",
			objects: fullCluster(),
			react: func(c *fake.FakeDynamicClient) {
				forbidden("list", "machinesets")(c)
				c.PrependReactor("get", "infrastructures", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewInternalError(errors.New("etcd unavailable"))
				})
			},
			want: Facts{
				BaseDomain: "ocp.example.com", AppsDomain: "apps.ocp.example.com", Version: "4.21.3",
				GPUChannel: "v25.10", GPUChannels: []string{"v25.3", "v25.10"}, ExistingMonitoringConfig: "enableUserWorkload: true\n",
			},
			wantErr: []string{
				"preflight: reading Infrastructure cluster: ",
				"etcd unavailable",
				"preflight: reading MachineSets in openshift-machine-api: ",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := kubetest.Client(tc.objects...)
			if tc.react != nil {
				tc.react(c)
			}
			got, err := Discover(context.Background(), c)
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				for _, s := range tc.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				var status apierrors.APIStatus
				assert.True(t, errors.As(err, &status), "the API error is wrapped with %%w")
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSubscriptionChannel(t *testing.T) {
	c := kubetest.Client(kubetest.Object("operators.coreos.com/v1alpha1", "Subscription", "nvidia-gpu-operator", "gpu-operator-certified",
		map[string]any{"spec": map[string]any{"channel": "v25.3", "name": "gpu-operator-certified"}}))
	got, err := SubscriptionChannel(context.Background(), c, "nvidia-gpu-operator", "gpu-operator-certified")
	require.NoError(t, err)
	assert.Equal(t, "v25.3", got, "the installed channel")
	got, err = SubscriptionChannel(context.Background(), c, "nvidia-gpu-operator", "absent")
	require.NoError(t, err)
	assert.Empty(t, got, "no Subscription yet")
}
