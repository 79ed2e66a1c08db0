package maas

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// newAuthorinoTLS turns on TLS between the gateway's Envoy and Authorino
// (steps 4a–4c of alpha-hack-program/llm-d-guide@1f391b7 docs/phases/06-maas.md;
// opendatahub-io/models-as-a-service@v0.1.1 scripts/setup-authorino-tls.sh).
// Kuadrant creates the Authorino CR and
// authorino-operator its Service and Deployment, so each step is a Patch
// behind a gate proving its target exists. The result carries the rollout
// gate: what the bootstrap annotation (C13) waits for.
func (m *MaaS) newAuthorinoTLS(ctx *pulumi.Context, name string, a MaaSArgs) (readiness.Prerequisite, error) {
	parent := pulumi.Parent(m)
	svcExists, crExists, depExists := authorinoExistsGates()

	// (a) service-ca issues authorino-server-cert for the annotated Service.
	svcOpts, err := a.Gates.Options(a.After, a.Authorino, readiness.Prerequisite{Gates: []readiness.Gate{svcExists}})
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of the Service %s/%s patch: %w", name, KuadrantNamespace, AuthorinoServiceName, err)
	}
	svc, err := corev1.NewServicePatch(ctx, name+"-authorino-service", &corev1.ServicePatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name: pulumi.String(AuthorinoServiceName), Namespace: pulumi.String(KuadrantNamespace),
			Annotations: patchAnnotations(AuthorinoFieldManager, map[string]string{ServingCertAnnotation: AuthorinoCertSecret}),
		},
	}, append(svcOpts, parent)...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: patching Service %s/%s: %w", name, KuadrantNamespace, AuthorinoServiceName, err)
	}

	// (b) listener TLS with that secret, plus the service CA mounted through
	// the CR (docs/decisions.md D10): a volume patched onto the Deployment would
	// be reverted by authorino-operator's volume mutators
	// (Kuadrant/authorino-operator@v0.22.0 pkg/reconcilers/deployment_mutator.go).
	crOpts, err := a.Gates.Options(a.After, a.Authorino, readiness.Prerequisite{
		Resources: []pulumi.Resource{svc}, Gates: []readiness.Gate{crExists, authorinoCertGate()},
	})
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of the Authorino %s/%s patch: %w", name, KuadrantNamespace, AuthorinoName, err)
	}
	cr, err := apiextensions.NewCustomResourcePatch(ctx, name+"-authorino", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("operator.authorino.kuadrant.io/v1beta1"),
		Kind:       pulumi.String("Authorino"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(AuthorinoName), Namespace: pulumi.String(KuadrantNamespace),
			Annotations: patchAnnotations(AuthorinoFieldManager, nil),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(AuthorinoPatch{
			Listener: AuthorinoListener{TLS: AuthorinoTLS{Enabled: true, CertSecretRef: SecretRef{Name: AuthorinoCertSecret}}},
			Volumes: AuthorinoVolumes{Items: []AuthorinoVolume{{
				Name: ServiceCAVolume, MountPath: ServiceCAMountPath,
				ConfigMaps: []string{ServiceCAConfigMap},
				Items:      []KeyToPath{{Key: "service-ca.crt", Path: "service-ca-bundle.crt"}},
			}}},
		})},
	}, append(crOpts, parent)...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: patching Authorino %s/%s: %w", name, KuadrantNamespace, AuthorinoName, err)
	}

	// (c) the CA bundle env (the CR has no env field). authorino-operator's
	// Deployment mutators compare the container count, image, args, service
	// account, labels, volumes and volume mounts, not env
	// (Kuadrant/authorino-operator pkg/reconcilers/deployment_mutator.go), and
	// it updates the object it read, so this patch survives its reconciles as
	// the references expect; were a later operator to revert it, the rollout
	// gate below would time out naming the missing env.
	depOpts, err := a.Gates.Options(a.After, a.Authorino, readiness.Prerequisite{
		Resources: []pulumi.Resource{cr}, Gates: []readiness.Gate{depExists},
	})
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of the Deployment %s/%s patch: %w", name, KuadrantNamespace, AuthorinoDeploymentName, err)
	}
	dep, err := appsv1.NewDeploymentPatch(ctx, name+"-authorino-deployment", &appsv1.DeploymentPatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name: pulumi.String(AuthorinoDeploymentName), Namespace: pulumi.String(KuadrantNamespace),
			Annotations: patchAnnotations(AuthorinoFieldManager, nil),
		},
		Spec: &appsv1.DeploymentSpecPatchArgs{Template: &corev1.PodTemplateSpecPatchArgs{Spec: &corev1.PodSpecPatchArgs{
			Containers: corev1.ContainerPatchArray{&corev1.ContainerPatchArgs{
				Name: pulumi.String(AuthorinoContainer),
				Env: corev1.EnvVarPatchArray{
					&corev1.EnvVarPatchArgs{Name: pulumi.String("SSL_CERT_FILE"), Value: pulumi.String(ServiceCABundle)},
					&corev1.EnvVarPatchArgs{Name: pulumi.String("REQUESTS_CA_BUNDLE"), Value: pulumi.String(ServiceCABundle)},
				},
			}},
		}}},
	}, append(depOpts, parent)...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: patching Deployment %s/%s: %w", name, KuadrantNamespace, AuthorinoDeploymentName, err)
	}
	m.AuthorinoService, m.Authorino, m.AuthorinoDeployment = svc, cr, dep
	return readiness.Prerequisite{Resources: []pulumi.Resource{svc, cr, dep}, Gates: []readiness.Gate{authorinoRolledOutGate()}}, nil
}
