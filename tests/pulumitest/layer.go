package pulumitest

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// StandIn registers a ConfigMap named name in namespace default: a cheap
// resource standing for another layer's object.
func StandIn(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*corev1.ConfigMap, error) {
	return corev1.NewConfigMap(ctx, name, &corev1.ConfigMapArgs{Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String("default")}}, opts...)
}

// Layer is a component that dependents wait for through its Prerequisite.
type Layer interface {
	Prerequisite() readiness.Prerequisite
}

// RunLayer runs one layer under mocks (an up) the way a stack wires it: after
// a stand-in "upstream" it gets as after, and before a stand-in named
// dependent that takes the layer's Prerequisite through gates, the binder the
// layer was given (its gates bound as hooks when gatesOn). newLayer builds
// the layer with gates and after in its args; any other stand-in it needs it
// makes with StandIn.
func RunLayer[L Layer](gatesOn bool, dependent string, newLayer func(ctx *pulumi.Context, gates *readiness.Binder, after readiness.Prerequisite) (L, error)) (*Recorder, L, error) {
	var layer L
	rec, err := Run(func(ctx *pulumi.Context) error {
		gates := readiness.NewBinder(ctx, readiness.NewWaiter(nil), gatesOn)
		upstream, err := StandIn(ctx, "upstream")
		if err != nil {
			return err
		}
		layer, err = newLayer(ctx, gates, readiness.After(upstream))
		if err != nil {
			return err
		}
		opts, err := gates.Options(layer.Prerequisite())
		if err != nil {
			return err
		}
		_, err = StandIn(ctx, dependent, opts...)
		return err
	}, nil, false, nil)
	return rec, layer, err
}
