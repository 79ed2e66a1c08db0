package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/components/serving"
)

// Phases 5 and 6: the llm-d gateway and models, and Models-as-a-Service.
// The MaaS gateway comes first: published models are created routed to it
// (C15), so no second apply re-points them.
type phase56 struct {
	MaaSGateway *maas.Gateway // nil with MaaS disabled
	Serving     *serving.Serving
	MaaS        *maas.MaaS // nil with MaaS disabled
}

func (w *wiring) phase56(ctx *pulumi.Context, l *Layers) (*phase56, error) {
	cfg := w.cfg
	models := w.modelArgs()
	ingressSecret := readiness.Prerequisite{}
	if l.TLS != nil && cfg.IngressCertificateEnabled() {
		ingressSecret = l.TLS.IngressCertificateReady()
	}
	p := &phase56{}
	var err error
	if cfg.MaaSEnabled() {
		p.MaaSGateway, err = maas.NewGateway(ctx, "maas-gateway", &maas.GatewayArgs{
			AppsDomain: w.facts.AppsDomain, ModelNamespaces: serving.PublishedNamespaces(models),
			TLSSecretName: cfg.Gateway.Secret,
			GatewayClass:  l.Connectivity.GatewayClasses.Prerequisite(),
			TLSSecret:     ingressSecret,
			Render:        cfg.Mode == Render,
			Gates:         w.gates,
		}, w.k8s())
		if err != nil {
			return nil, err
		}
	}
	servingArgs := &serving.ServingArgs{
		AppsDomain:   w.facts.AppsDomain,
		Models:       models,
		GatewayClass: l.Connectivity.GatewayClasses.Prerequisite(),
		DSCReady:     l.OpenShiftAI.DSCReady(), // C11
		GPU:          l.GPU.Prerequisite(),     // C6
		Gates:        w.gates,
	}
	if cfg.Gateway.TLS == "selfSigned" {
		servingArgs.TLS = serving.GatewayTLS{SelfSigned: true}
		servingArgs.CertManager = l.TLS.CertManagerReady()
	} else {
		servingArgs.TLS = serving.GatewayTLS{SecretName: cfg.Gateway.Secret}
		servingArgs.TLSSecret = ingressSecret
	}
	if p.MaaSGateway != nil {
		servingArgs.MaaSGateway = p.MaaSGateway.Prerequisite() // C15
	}
	if p.Serving, err = serving.NewServing(ctx, "serving", servingArgs, w.k8s()); err != nil {
		return nil, err
	}
	if !cfg.MaaSEnabled() {
		return p, nil
	}
	maasArgs := &maas.MaaSArgs{
		Gateway:                 p.MaaSGateway,
		AppsDomain:              w.facts.AppsDomain,
		Database:                w.databaseArgs(ctx),
		APIKeyMaxExpirationDays: cfg.MaaS.APIKeyMaxExpirationDays,
		Subscriptions:           subscriptions(cfg),
		AuthPolicies:            authPolicies(cfg),
		Render:                  cfg.Mode == Render,
		DSCReady:                l.OpenShiftAI.DSCReady(),              // C12
		Authorino:               l.Connectivity.Prerequisite(),         // C13: Kuadrant made Authorino
		DashboardConfig:         l.OpenShiftAI.DashboardConfigExists(), // C17
		// The database lives in redhat-ods-applications, which the RHOAI operator creates.
		After: l.OpenShiftAI.ApplicationsNamespaceReady(),
		Gates: w.gates,
	}
	for _, m := range p.Serving.Published() {
		maasArgs.Models = append(maasArgs.Models, maas.PublishedModel{Name: m.Name, Namespace: m.Namespace, After: m.Prerequisite()})
	}
	if p.MaaS, err = maas.NewMaaS(ctx, "maas", maasArgs, w.k8s()); err != nil {
		return nil, err
	}
	for _, warning := range p.MaaS.Warnings() {
		_ = ctx.Log.Warn("maas: "+warning, nil)
	}
	return p, nil
}

func (w *wiring) modelArgs() []serving.ModelArgs {
	out := []serving.ModelArgs{}
	for _, m := range w.cfg.Models {
		out = append(out, serving.ModelArgs{
			Name: m.Name, Namespace: m.Namespace, DisplayName: m.DisplayName, ServedName: m.ServedName, URI: m.URI,
			Replicas: deref(m.Replicas), GPUs: deref(m.GPUs), CPU: m.CPU, Memory: m.Memory, VLLMArgs: m.VLLMArgs,
			Image: m.Image, HardwareProfile: m.HardwareProfile, StartupProbe: m.StartupProbe,
			Publish: IsTrue(m.Publish, true) && w.cfg.MaaSEnabled(),
		})
	}
	return out
}

// databaseArgs: a configured external URL or password (Pulumi secrets from
// config), a generated password, or, in render mode, nothing secret at all.
func (w *wiring) databaseArgs(ctx *pulumi.Context) maas.DatabaseArgs {
	cfg := w.cfg
	db := maas.DatabaseArgs{Image: cfg.MaaS.DatabaseImage, StorageSize: cfg.MaaS.DatabaseStorage}
	switch {
	case cfg.Secrets.HasDatabaseURL:
		db.ExternalURL = config.RequireSecret(ctx, KeyDatabaseURL)
	case cfg.Secrets.HasDatabasePassword:
		db.Password = config.RequireSecret(ctx, KeyDatabasePassword)
	case cfg.Mode == Render:
		_ = ctx.Log.Warn("render: Secret redhat-ods-applications/maas-db-config is not rendered (secret values never go to disk); supply it with keys password and DB_CONNECTION_URL", nil)
		db.SecretSupplied = true
	}
	return db
}

func subscriptions(cfg Config) []maas.Subscription {
	var out []maas.Subscription
	for _, s := range cfg.MaaS.Subscriptions {
		sub := maas.Subscription{Name: s.Name, Groups: s.Groups, Users: s.Users, Priority: s.Priority}
		for _, m := range s.Models {
			sub.Models = append(sub.Models, maas.ModelLimits{Model: m.Model, Namespace: m.Namespace,
				Limits: []maas.TokenRateLimit{{Limit: int64(m.Limit), Window: m.Window}}})
		}
		out = append(out, sub)
	}
	return out
}

func authPolicies(cfg Config) []maas.AuthPolicy {
	var out []maas.AuthPolicy
	for _, p := range cfg.MaaS.AuthPolicies {
		pol := maas.AuthPolicy{Name: p.Name, Groups: p.Groups, Users: p.Users}
		for _, name := range p.Models {
			if m, ok := cfg.Model(name); ok {
				pol.Models = append(pol.Models, maas.ModelRef{Name: m.Name, Namespace: m.Namespace})
			}
		}
		out = append(out, pol)
	}
	return out
}
