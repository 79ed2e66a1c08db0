package readiness

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type schemaGVR = schema.GroupVersionResource

var getOpts = metav1.GetOptions{}
