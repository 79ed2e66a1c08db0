package tls

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/olm"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// NewOperandNamespace creates Namespace cert-manager (logical name
// <name>-operand-namespace). NewTLS calls it unless TLSArgs.OperandNamespace
// is given; call it yourself when another layer (the AWS layer's aws-creds
// Secret) must put objects there before NewTLS can run.
func NewOperandNamespace(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*corev1.Namespace, error) {
	ns, err := corev1.NewNamespace(ctx, name+"-operand-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:   pulumi.String(OperandNamespace),
			Labels: pulumi.StringMap{"openshift.io/cluster-monitoring": pulumi.String("true")},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("tls %q: creating Namespace %s: %w", name, OperandNamespace, err)
	}
	return ns, nil
}

// installCertManager: operand Namespace, operator, CertManager cluster patch,
// and (static mode) the credentials Secret.
func (t *TLS) installCertManager(ctx *pulumi.Context, name string, a TLSArgs) error {
	parent := pulumi.Parent(t)
	afterOpts, err := a.Gates.Options(a.After)
	if err != nil {
		return fmt.Errorf("tls %q: binding prerequisites: %w", name, err)
	}
	t.OperandNamespace = a.OperandNamespace
	if t.OperandNamespace == nil {
		if t.OperandNamespace, err = NewOperandNamespace(ctx, name, append(afterOpts, parent)...); err != nil {
			return err
		}
	}
	// The operator applies Namespace cert-manager itself: create ours first,
	// or ours would fail with AlreadyExists.
	op, err := olm.NewOperator(ctx, name+"-cert-manager", a.operatorArgs(readiness.Join(a.After, readiness.After(t.OperandNamespace))), parent)
	if err != nil {
		return fmt.Errorf("tls %q: installing operator %s: %w", name, Operator.Name, err)
	}
	t.Operator = op

	// C1 + "Create or patch": the operator creates CertManager cluster; patch
	// it only once it exists.
	cmOpts, err := a.Gates.Options(a.After, op.Prerequisite(), readiness.Prerequisite{Gates: []readiness.Gate{certManagerExistsGate()}})
	if err != nil {
		return fmt.Errorf("tls %q: binding prerequisites of CertManager %s: %w", name, CertManagerName, err)
	}
	spec, err := manifest.Untyped(CertManagerSpec{
		ManagementState:  Managed,
		ControllerConfig: &CertManagerDeployment{OverrideArgs: a.overrideArgs()},
	})
	if err != nil {
		return fmt.Errorf("tls %q: CertManager %s spec: %w", name, CertManagerName, err)
	}
	t.CertManager, err = apiextensions.NewCustomResourcePatch(ctx, name+"-certmanager", &apiextensions.CustomResourcePatchArgs{
		ApiVersion:  pulumi.String("operator.openshift.io/v1alpha1"),
		Kind:        pulumi.String("CertManager"),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(CertManagerName), Annotations: patchForce()},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(cmOpts, parent)...)
	if err != nil {
		return fmt.Errorf("tls %q: patching CertManager %s: %w", name, CertManagerName, err)
	}
	t.certManagerReady = readiness.Join(
		readiness.Prerequisite{Resources: []pulumi.Resource{t.CertManager}, Gates: op.Gates},
		readiness.Prerequisite{Gates: []readiness.Gate{certManagerAvailableGate(), certManagerConfiguredGate(a.overrideArgs())}},
	)

	if a.CredentialsMode == CredentialsStatic {
		secOpts, err := a.Gates.Options(a.After, readiness.After(t.OperandNamespace))
		if err != nil {
			return fmt.Errorf("tls %q: binding prerequisites of Secret %s/%s: %w", name, OperandNamespace, a.CredentialsSecret, err)
		}
		t.CredentialsSecret, err = corev1.NewSecret(ctx, name+"-dns01-credentials", &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(a.CredentialsSecret), Namespace: pulumi.String(OperandNamespace)},
			Type:     pulumi.String("Opaque"),
			StringData: pulumi.StringMap{
				a.AccessKeyIDKey:     pulumi.ToSecret(a.AccessKeyID).(pulumi.StringOutput),
				a.SecretAccessKeyKey: pulumi.ToSecret(a.SecretAccessKey).(pulumi.StringOutput),
			},
		}, append(secOpts, parent, pulumi.AdditionalSecretOutputs([]string{"data", "stringData"}))...)
		if err != nil {
			return fmt.Errorf("tls %q: creating Secret %s/%s: %w", name, OperandNamespace, a.CredentialsSecret, err)
		}
	}
	return nil
}

func patchForce() pulumi.StringMap {
	return pulumi.StringMap{manifest.PatchForceAnnotation: pulumi.String("true")}
}
