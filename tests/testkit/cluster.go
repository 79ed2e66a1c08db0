// Package testkit builds fixtures for the cross-cutting tests: a fake
// OpenShift cluster (dynamic client) that passes preflight, and stack
// configurations, e.g. testkit.Config().AWS().WithModels(3).Build().
package testkit

import (
	"encoding/base64"
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic/fake"

	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

// Cluster facts of the fake OpenShift cluster.
const (
	BaseDomain = "ocp.example.com"
	AppsDomain = "apps.ocp.example.com"
	Region     = "us-east-2"
	InfraID    = "ocp-x7k2p"
	AMI        = "ami-0123456789abcdef0"
)

// Zones are the zones of the fake cluster's worker MachineSets.
var Zones = []string{"us-east-2a", "us-east-2b", "us-east-2c"}

// OpenShift returns a fake OpenShift 4.21 cluster on AWS (platform "AWS") or
// bare metal ("BareMetal") that passes every preflight check.
func OpenShift(platform string) *fake.FakeDynamicClient {
	pull, _ := json.Marshal(map[string]any{"auths": map[string]any{
		"registry.redhat.io": map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte("user:pass"))},
	}})
	platformStatus := map[string]any{"type": platform}
	if platform == "AWS" {
		platformStatus["aws"] = map[string]any{"region": Region}
	}
	objs := []runtime.Object{
		kubetest.Object("config.openshift.io/v1", "ClusterVersion", "", "version", map[string]any{"status": map[string]any{
			"desired": map[string]any{"version": "4.21.2"},
			"history": []any{map[string]any{"state": "Completed", "version": "4.21.2"}},
		}}),
		kubetest.Object("storage.k8s.io/v1", "StorageClass", "", "gp3-csi", map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"storageclass.kubernetes.io/is-default-class": "true"}},
		}),
		kubetest.Object("v1", "Secret", "openshift-config", "pull-secret", map[string]any{
			"data": map[string]any{".dockerconfigjson": base64.StdEncoding.EncodeToString(pull)},
		}),
		kubetest.Object("config.openshift.io/v1", "Infrastructure", "", "cluster", map[string]any{"status": map[string]any{
			"infrastructureName": InfraID, "platform": platform, "platformStatus": platformStatus,
		}}),
		kubetest.Object("config.openshift.io/v1", "DNS", "", "cluster", map[string]any{"spec": map[string]any{"baseDomain": BaseDomain}}),
		kubetest.Object("config.openshift.io/v1", "Ingress", "", "cluster", map[string]any{"spec": map[string]any{"domain": AppsDomain}}),
		kubetest.Object("packages.operators.coreos.com/v1", "PackageManifest", "openshift-marketplace", "gpu-operator-certified", map[string]any{
			"status": map[string]any{"defaultChannel": "v26.3"},
		}),
	}
	// kubetest.Object sets metadata after the fields, so re-apply the annotations.
	objs[1].(*unstructured.Unstructured).SetAnnotations(map[string]string{"storageclass.kubernetes.io/is-default-class": "true"})
	if platform == "AWS" {
		for _, z := range Zones {
			objs = append(objs, workerMachineSet(z))
		}
	}
	client := kubetest.Client(objs...)
	kubetest.AnswerAccessReviews(client, true) // the test user is cluster-admin
	return client
}

func workerMachineSet(zone string) *unstructured.Unstructured {
	name := InfraID + "-worker-" + zone
	return kubetest.Object("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", name, map[string]any{"spec": map[string]any{
		"replicas": int64(1),
		"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"machine.openshift.io/cluster-api-machine-role": "worker"}},
			"spec": map[string]any{"providerSpec": map[string]any{"value": map[string]any{
				"ami":          map[string]any{"id": AMI},
				"instanceType": "m6i.xlarge",
				"placement":    map[string]any{"availabilityZone": zone, "region": Region},
			}}},
		},
	}})
}
