// Package testkit builds fixtures for the cross-cutting tests: a fake
// OpenShift cluster (dynamic client) that passes preflight, and stack
// configurations, e.g. testkit.Config().AWS().WithModels(3).Build().
package testkit

import (
	"encoding/base64"
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rhoai-pulumi/installer/internal/kube"
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

func object(apiVersion, kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

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
		object("config.openshift.io/v1", "ClusterVersion", "", "version", map[string]any{"status": map[string]any{
			"desired": map[string]any{"version": "4.21.2"},
			"history": []any{map[string]any{"state": "Completed", "version": "4.21.2"}},
		}}),
		object("storage.k8s.io/v1", "StorageClass", "", "gp3-csi", map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"storageclass.kubernetes.io/is-default-class": "true"}},
		}),
		object("v1", "Secret", "openshift-config", "pull-secret", map[string]any{
			"data": map[string]any{".dockerconfigjson": base64.StdEncoding.EncodeToString(pull)},
		}),
		object("config.openshift.io/v1", "Infrastructure", "", "cluster", map[string]any{"status": map[string]any{
			"infrastructureName": InfraID, "platform": platform, "platformStatus": platformStatus,
		}}),
		object("config.openshift.io/v1", "DNS", "", "cluster", map[string]any{"spec": map[string]any{"baseDomain": BaseDomain}}),
		object("config.openshift.io/v1", "Ingress", "", "cluster", map[string]any{"spec": map[string]any{"domain": AppsDomain}}),
		object("packages.operators.coreos.com/v1", "PackageManifest", "openshift-marketplace", "gpu-operator-certified", map[string]any{
			"status": map[string]any{"defaultChannel": "v26.3"},
		}),
	}
	// object() sets metadata after the fields, so re-apply the annotations.
	objs[1].(*unstructured.Unstructured).SetAnnotations(map[string]string{"storageclass.kubernetes.io/is-default-class": "true"})
	if platform == "AWS" {
		for _, z := range Zones {
			objs = append(objs, workerMachineSet(z))
		}
	}
	lists := map[schema.GroupVersionResource]string{
		kube.Subscriptions: "SubscriptionList", kube.CSVs: "ClusterServiceVersionList", kube.InstallPlans: "InstallPlanList",
		kube.PackageManifests: "PackageManifestList", kube.CRDs: "CustomResourceDefinitionList", kube.Nodes: "NodeList",
		kube.Namespaces: "NamespaceList", kube.Secrets: "SecretList", kube.ConfigMaps: "ConfigMapList",
		kube.Deployments: "DeploymentList", kube.StorageClasses: "StorageClassList", kube.ClusterVersions: "ClusterVersionList",
		kube.Infrastructures: "InfrastructureList", kube.DNSes: "DNSList", kube.IngressConfigs: "IngressList",
		kube.SelfSubjectReviews: "SelfSubjectAccessReviewList", kube.Machines: "MachineList", kube.MachineSets: "MachineSetList",
	}
	client := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
	// The test user is cluster-admin.
	client.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		review := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured).DeepCopy()
		_ = unstructured.SetNestedField(review.Object, true, "status", "allowed")
		return true, review, nil
	})
	return client
}

func workerMachineSet(zone string) *unstructured.Unstructured {
	name := InfraID + "-worker-" + zone
	return object("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api", name, map[string]any{"spec": map[string]any{
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
