package serving

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Labels and annotations of alpha-hack-program/llm-d-guide@1f391b7
// gitops/instance/llm-d/inference/templates/{intelligent-inference,connections}.yaml.
var (
	namespaceLabels = map[string]string{"modelmesh-enabled": "false", "opendatahub.io/dashboard": "true"}
	secretLabels    = map[string]string{"opendatahub.io/dashboard": "true"}
	llmisvcLabels   = map[string]string{
		"networking.kserve.io/visibility":  "exposed",
		"opendatahub.io/dashboard":         "true",
		"opendatahub.io/genai-asset":       "true",
		"monitoring.opendatahub.io/scrape": "true",
		"llm-d.ai/well-lit-path":           "intelligent-inference",
	}
)

// newModel registers the model's Namespace (once per namespace), its
// connection Secret and its LLMInferenceService.
func (s *Serving) newModel(ctx *pulumi.Context, name string, a ServingArgs, m ModelArgs) error {
	parent := pulumi.Parent(s)
	ns, ok := s.Namespaces[m.Namespace]
	if !ok {
		nsOpts, err := a.Gates.Options(a.After)
		if err != nil {
			return fmt.Errorf("serving %q: binding prerequisites of Namespace %s: %w", name, m.Namespace, err)
		}
		ns, err = corev1.NewNamespace(ctx, name+"-ns-"+m.Namespace, &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(m.Namespace), Labels: manifest.StringMap(namespaceLabels)},
		}, append(nsOpts, parent)...)
		if err != nil {
			return fmt.Errorf("serving %q: creating Namespace %s: %w", name, m.Namespace, err)
		}
		s.Namespaces[m.Namespace] = ns
	}

	connection := m.Name + connectionSecretSuffix
	svcAfter := []pulumi.Resource{ns}
	var secret *corev1.Secret
	if a.SecretsSupplied {
		// Render mode writes no Secret: the GitOps side supplies it.
		s.SecretsToSupply = append(s.SecretsToSupply, manifest.SecretToSupply{
			Namespace: m.Namespace, Name: connection, UsedBy: "the dashboard connection of LLMInferenceService " + m.Namespace + "/" + m.Name,
			Keys: []manifest.SecretKey{{Name: "URI", Holds: "the model URI: " + m.URI}},
		})
	} else {
		secretOpts, err := a.Gates.Options(a.After, readiness.After(ns))
		if err != nil {
			return fmt.Errorf("serving %q: binding prerequisites of Secret %s/%s: %w", name, m.Namespace, connection, err)
		}
		secret, err = corev1.NewSecret(ctx, name+"-"+m.Name+"-connection", &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(connection), Namespace: pulumi.String(m.Namespace),
				Labels: manifest.StringMap(secretLabels),
				Annotations: manifest.StringMap(map[string]string{
					"opendatahub.io/connection-type-protocol": "uri",
					"opendatahub.io/connection-type-ref":      "uri-v1",
					"openshift.io/display-name":               connection,
				}),
			},
			Type:       pulumi.String("Opaque"),
			StringData: pulumi.StringMap{"URI": pulumi.String(m.URI)},
		}, append(secretOpts, parent)...)
		if err != nil {
			return fmt.Errorf("serving %q: creating Secret %s/%s: %w", name, m.Namespace, connection, err)
		}
		svcAfter = append(svcAfter, secret)
	}

	// C11: DSC Ready (KServe, odh-model-controller) and C6: allocatable GPUs
	// before any LLMInferenceService. C15: a published model is routed to the
	// MaaS gateway from its creation, so it waits for that gateway instead
	// of the llm-d one.
	route := readiness.After(s.Gateway)
	if m.Publish {
		route = a.MaaSGateway
	}
	svcOpts, err := a.Gates.Options(a.After, a.DSCReady, a.GPU, route, readiness.After(svcAfter...))
	if err != nil {
		return fmt.Errorf("serving %q: binding prerequisites of LLMInferenceService %s/%s: %w", name, m.Namespace, m.Name, err)
	}
	svc, err := apiextensions.NewCustomResource(ctx, name+"-"+m.Name+"-llmisvc", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("serving.kserve.io/v1alpha2"),
		Kind:       pulumi.String("LLMInferenceService"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(m.Name), Namespace: pulumi.String(m.Namespace),
			Labels:      manifest.StringMap(llmisvcLabels),
			Annotations: manifest.StringMap(manifest.Merge(m.annotations(), manifest.WaitFor(ModelTimeout, "condition=Ready"))),
		},
		OtherFields: kubernetes.UntypedArgs{"spec": manifest.MustUntyped(m.spec(a))},
	}, append(svcOpts, parent, manifest.Timeouts(ModelTimeout))...)
	if err != nil {
		return fmt.Errorf("serving %q: creating LLMInferenceService %s/%s: %w", name, m.Namespace, m.Name, err)
	}

	host := gatewayHost(a.AppsDomain)
	if m.Publish {
		host = a.MaaSHost
	}
	s.Models = append(s.Models, &Model{
		Name: m.Name, Namespace: m.Namespace, DisplayName: m.DisplayName, ServedName: m.ServedName, Published: m.Publish,
		Endpoint: "https://" + host + "/" + m.Namespace + "/" + m.Name,
		Secret:   secret, Service: svc,
	})
	return nil
}

func (m ModelArgs) annotations() map[string]string {
	return map[string]string{
		// Absent means on (opendatahub-io/kserve@odh-v3.4
		// pkg/apis/serving/v1alpha2/llm_inference_service_types_func_ocp.go,
		// IsAuthEnabled); written out so the intent is visible.
		"security.opendatahub.io/enable-auth":       strconv.FormatBool(!m.DisableAuth),
		"opendatahub.io/hardware-profile-name":      m.HardwareProfile,
		"opendatahub.io/hardware-profile-namespace": m.HardwareProfileNamespace,
		"opendatahub.io/connections":                m.Name + connectionSecretSuffix,
		"opendatahub.io/model-type":                 "generative",
		"opendatahub.io/runtime-version":            m.RuntimeVersion,
		"openshift.io/display-name":                 m.DisplayName,
	}
}

func (m ModelArgs) spec(a ServingArgs) LLMInferenceServiceSpec {
	gateway := RouterGateway{}
	if m.Publish {
		gateway.Refs = []ObjectRef{{Name: a.MaaSGatewayName, Namespace: a.MaaSGatewayNamespace}}
	}
	resources := map[string]string{"cpu": m.CPU, "memory": m.Memory, GPUResource: strconv.Itoa(m.GPUs)}
	c := Container{
		Name:      mainContainer,
		Image:     m.Image,
		Resources: Resources{Limits: resources, Requests: resources},
	}
	if m.VLLMArgs != "" {
		// Sent once, in full: the list replaces the preset's, and a duplicate
		// is rejected (alpha-hack-program/llm-d-guide@1f391b7
		// docs/phases/05-llmd-quickstart.md, troubleshooting).
		c.Env = []EnvVar{{Name: VLLMArgsEnv, Value: m.VLLMArgs}}
	}
	health := &HTTPGetAction{Path: "/health", Port: 8000, Scheme: "HTTPS"}
	if *m.StartupProbe {
		// docs/decisions.md D9: the rationale's startup probe; vLLM loads weights for 2–5 min.
		c.LivenessProbe = &Probe{InitialDelaySeconds: 10}
		c.StartupProbe = &Probe{HTTPGet: health, InitialDelaySeconds: 15, TimeoutSeconds: 10, PeriodSeconds: 10, FailureThreshold: startupProbeFailureLimit}
	} else {
		// docs/decisions.md D9: what llm-d-guide's chart renders without it.
		c.LivenessProbe = &Probe{HTTPGet: health, InitialDelaySeconds: 120}
	}
	return LLMInferenceServiceSpec{
		Replicas: m.Replicas,
		Model:    ModelSpec{URI: m.URI, Name: m.ServedName},
		Router:   RouterSpec{Gateway: gateway},
		Template: PodTemplate{
			Tolerations: []Toleration{{Key: GPUResource, Operator: "Exists", Effect: "NoSchedule"}},
			Containers:  []Container{c},
		},
	}
}
