package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/awsiam"
	"github.com/rhoai-pulumi/installer/components/connectivity"
	"github.com/rhoai-pulumi/installer/components/gitops"
	"github.com/rhoai-pulumi/installer/components/gpu"
	"github.com/rhoai-pulumi/installer/components/gpucapacity"
	"github.com/rhoai-pulumi/installer/components/lws"
	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/observability"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/rhoai"
	"github.com/rhoai-pulumi/installer/components/serving"
	"github.com/rhoai-pulumi/installer/components/tls"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// wiring carries what every layer's wiring needs.
type wiring struct {
	cfg      Config
	facts    Facts
	gates    *readiness.Binder
	provider *kubernetes.Provider
	aws      *aws.Provider // nil on baremetal
	all      *readiness.Registered
}

// k8s is the explicit provider for every component (children inherit it).
func (w *wiring) k8s() pulumi.ResourceOption { return pulumi.Providers(w.provider) }

// Layers is everything deploy registered, one field per layer, for outputs
// and tests. A layer that config turns off is nil.
type Layers struct {
	GitOps        *gitops.GitOps
	Route53       *awsiam.Route53Access    // tls.cloud aws
	TLS           *tls.TLS                 // tls.enabled
	Capacity      *gpucapacity.GPUCapacity // platform aws
	GPU           *gpu.GPU
	Connectivity  *connectivity.Connectivity
	LWS           *lws.LeaderWorkerSet
	Observability *observability.Observability
	OpenShiftAI   *rhoai.OpenShiftAI
	MaaSGateway   *maas.Gateway // maas.enabled
	Serving       *serving.Serving
	MaaS          *maas.MaaS // maas.enabled

	// SecretsToSupply are the Secrets render mode does not write.
	SecretsToSupply []manifest.SecretToSupply
}

// deploy registers the layers in the order of the graph. Each edge between
// layers is stated once, in the dependent layer's wiring (stacks/<layer>.go),
// with its constraint id; independent layers (GPU capacity, TLS, the
// operators RHOAI needs) have no edge between them and converge in parallel.
func deploy(ctx *pulumi.Context, w *wiring) (*Layers, error) {
	l := &Layers{}
	for _, layer := range []func(*pulumi.Context, *Layers) error{
		w.gpuCapacity, // first: EC2 nodes take 5–15 minutes (rationale, phase 2)
		w.gitOps, w.tls, w.gpu,
		w.connectivity, w.lws, w.observability, w.openShiftAI,
		w.maasGateway, // before serving: published models are created routed to it (C15)
		w.serving, w.maas,
	} {
		if err := layer(ctx, l); err != nil {
			return nil, err
		}
	}
	// C18: the API serving-certificate switch goes after everything else:
	// every custom resource registered so far (not the layer components: a
	// DependsOn on a component can miss children, see readiness.Registered).
	if l.TLS != nil {
		if err := l.TLS.SwitchAPIServerCertificate(ctx, readiness.After(w.all.Resources()...)); err != nil {
			return nil, err
		}
	}
	return l, nil
}
