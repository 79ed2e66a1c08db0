package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/serving"
)

// maasGateway: maas-default-gateway, registered before serving so published
// models are created routed to it (C15).
func (w *wiring) maasGateway(ctx *pulumi.Context, l *Layers) error {
	cfg := w.cfg
	if !cfg.MaaSEnabled() {
		return nil
	}
	var err error
	l.MaaSGateway, err = maas.NewGateway(ctx, "maas-gateway", &maas.GatewayArgs{
		AppsDomain: w.facts.AppsDomain, ModelNamespaces: serving.PublishedNamespaces(w.modelArgs()),
		TLSSecretName: cfg.Gateway.Secret,
		GatewayClass:  l.Connectivity.GatewayClasses.Prerequisite(),
		TLSSecret:     w.ingressSecret(l),
		Render:        cfg.Mode == Render,
		Gates:         w.gates,
	}, w.k8s())
	return err
}

// maas: Models-as-a-Service (rationale phase 6): database, enablement (C12),
// Authorino TLS (C13), Tenant (C14), publication (C15, C16), dashboard flags (C17).
func (w *wiring) maas(ctx *pulumi.Context, l *Layers) error {
	cfg := w.cfg
	if !cfg.MaaSEnabled() {
		return nil
	}
	args := &maas.MaaSArgs{
		Gateway:                 l.MaaSGateway,
		AppsDomain:              w.facts.AppsDomain,
		Database:                w.databaseArgs(ctx),
		APIKeyMaxExpirationDays: deref(cfg.MaaS.APIKeyMaxExpirationDays),
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
	for _, m := range l.Serving.Published() {
		args.Models = append(args.Models, maas.PublishedModel{Name: m.Name, Namespace: m.Namespace, After: m.Prerequisite()})
	}
	var err error
	if l.MaaS, err = maas.NewMaaS(ctx, "maas", args, w.k8s()); err != nil {
		return err
	}
	for _, warning := range l.MaaS.Warnings() {
		_ = ctx.Log.Warn("maas: "+warning, nil)
	}
	l.SecretsToSupply = append(l.SecretsToSupply, l.MaaS.SecretsToSupply...)
	return nil
}

// databaseArgs: a configured external URL or password (Pulumi secrets from
// config), a generated password, or, in render mode, nothing secret at all.
func (w *wiring) databaseArgs(ctx *pulumi.Context) maas.DatabaseArgs {
	cfg := w.cfg
	db := maas.DatabaseArgs{Image: cfg.MaaS.DatabaseImage, StorageSize: cfg.MaaS.DatabaseStorage}
	switch {
	case cfg.Mode == Render:
		// Render mode writes no secret value: the GitOps side supplies
		// maas-db-config (render/SECRETS.md lists it).
		db.SecretSupplied = true
	case cfg.Secrets.HasDatabaseURL:
		db.ExternalURL = config.RequireSecret(ctx, KeyDatabaseURL)
	case cfg.Secrets.HasDatabasePassword:
		db.Password = config.RequireSecret(ctx, KeyDatabasePassword)
	}
	return db
}

func subscriptions(cfg Config) []maas.Subscription {
	var out []maas.Subscription
	for _, s := range cfg.MaaS.Subscriptions {
		sub := maas.Subscription{Name: s.Name, Groups: s.Groups, Users: s.Users, Priority: s.Priority}
		for _, m := range s.Models {
			model, _ := cfg.Model(m.Model) // validated: a published model
			sub.Models = append(sub.Models, maas.ModelLimits{Model: m.Model, Namespace: model.Namespace,
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
