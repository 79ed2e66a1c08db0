package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/serving"
)

// serving: the llm-d gateway and one LLMInferenceService per model
// (rationale phase 5), after the DSC (C11) and GPU capacity (C6); published
// models are routed to the MaaS gateway from their first apply (C15).
func (w *wiring) serving(ctx *pulumi.Context, l *Layers) error {
	cfg := w.cfg
	args := &serving.ServingArgs{
		AppsDomain:   w.facts.AppsDomain,
		Models:       w.modelArgs(),
		GatewayClass: l.Connectivity.GatewayClasses.Prerequisite(),
		DSCReady:     l.OpenShiftAI.DSCReady(), // C11
		GPU:          l.GPU.Prerequisite(),     // C6
		// Render mode writes no Secret, not even the model URI's connection.
		SecretsSupplied: cfg.Mode == Render,
		Gates:           w.gates,
	}
	if cfg.Gateway.TLS == "selfSigned" {
		args.TLS = serving.GatewayTLS{SelfSigned: true}
		args.CertManager = l.TLS.CertManagerReady()
	} else {
		args.TLS = serving.GatewayTLS{SecretName: cfg.Gateway.Secret}
		args.TLSSecret = w.ingressSecret(l)
	}
	if l.MaaSGateway != nil {
		args.MaaSGateway = l.MaaSGateway.Prerequisite() // C15
	}
	var err error
	if l.Serving, err = serving.NewServing(ctx, "serving", args, w.k8s()); err != nil {
		return err
	}
	l.SecretsToSupply = append(l.SecretsToSupply, l.Serving.SecretsToSupply...)
	return nil
}

// ingressSecret is the wildcard certificate's readiness when this program
// issues it (empty otherwise: the router's own secret exists already).
func (w *wiring) ingressSecret(l *Layers) readiness.Prerequisite {
	if l.TLS != nil && w.cfg.IngressCertificateEnabled() {
		return l.TLS.IngressCertificateReady()
	}
	return readiness.Prerequisite{}
}

func (w *wiring) modelArgs() []serving.ModelArgs {
	out := []serving.ModelArgs{}
	for _, m := range w.cfg.Models {
		out = append(out, m.servingArgs(w.cfg.MaaSEnabled()))
	}
	return out
}
