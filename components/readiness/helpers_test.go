package readiness_test

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

var getOpts = metav1.GetOptions{}
