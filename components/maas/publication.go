package maas

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/kube"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// newPublication registers a MaaSModelRef per published model, then the
// MaaSSubscriptions, then the MaaSAuthPolicies. The edges also give the
// destroy order MaaSAuthPolicy, MaaSSubscription, MaaSModelRef, then the
// Tenant patch (alpha-hack-program/llm-d-guide@1f391b7 docs/demos/maas-reset.md;
// docs/decisions.md "MaaS teardown").
func (m *MaaS) newPublication(ctx *pulumi.Context, name string, a MaaSArgs, tenant readiness.Prerequisite) error {
	parent := pulumi.Parent(m)
	for _, pm := range a.Models {
		key := pm.Namespace + "/" + pm.Name
		// C15: the model's LLMInferenceService, created routed to
		// maas-default-gateway, is Ready; and the Tenant is configured.
		opts, err := a.Gates.Options(a.After, pm.After, tenant)
		if err != nil {
			return fmt.Errorf("maas %q: binding prerequisites of MaaSModelRef %s: %w", name, key, err)
		}
		spec := manifest.MustUntyped(MaaSModelRefSpec{ModelRef: ModelKindRef{Kind: "LLMInferenceService", Name: pm.Name}})
		logical := name + "-modelref-" + pm.Namespace + "-" + pm.Name
		// No waitFor: phase=Ready could not tell Invalid (final) from the
		// states maas-controller heals; the gate on the Stash after it can.
		ref, err := apiextensions.NewCustomResource(ctx, logical, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("maas.opendatahub.io/v1alpha1"),
			Kind:        pulumi.String("MaaSModelRef"),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(pm.Name), Namespace: pulumi.String(pm.Namespace)},
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, append(opts, parent)...)
		if err != nil {
			return fmt.Errorf("maas %q: creating MaaSModelRef %s: %w", name, key, err)
		}
		ready, err := a.Gates.Await(ctx, logical+"-ready", pulumi.ToMap(spec), readiness.After(ref),
			[]readiness.Gate{modelRefReadyGate(pm.Namespace, pm.Name)}, parent)
		if err != nil {
			return fmt.Errorf("maas %q: %w", name, err)
		}
		m.ModelRefs[key], m.ModelRefsReady[key] = ref, ready
	}

	var subscriptions []pulumi.Resource
	for _, s := range a.Subscriptions {
		spec := MaaSSubscriptionSpec{Owner: subjects(s.Groups, s.Users), Priority: s.Priority}
		var refs []pulumi.Resource
		for _, ml := range s.Models {
			spec.ModelRefs = append(spec.ModelRefs, SubscriptionModelRef{Name: ml.Model, Namespace: ml.Namespace, TokenRateLimits: ml.Limits})
			refs = append(refs, m.ModelRefs[ml.Namespace+"/"+ml.Model], m.ModelRefsReady[ml.Namespace+"/"+ml.Model])
		}
		// C16: after every MaaSModelRef it names is Ready. (maas-controller
		// needs only that the refs exist and their HTTPRoutes are found,
		// maassubscription_controller.go validateModelRefs, and heals a
		// subscription made earlier; the order avoids a Degraded phase in
		// between.)
		res, err := m.policy(ctx, name, a, "subscription", "MaaSSubscription", s.Name, spec, refs)
		if err != nil {
			return err
		}
		m.Subscriptions[s.Name] = res
		subscriptions = append(subscriptions, res)
	}

	for _, p := range a.AuthPolicies {
		spec := MaaSAuthPolicySpec{Subjects: subjects(p.Groups, p.Users)}
		var refs []pulumi.Resource
		for _, r := range p.Models {
			spec.ModelRefs = append(spec.ModelRefs, ObjectRef{Name: r.Name, Namespace: r.Namespace})
			refs = append(refs, m.ModelRefs[r.Namespace+"/"+r.Name], m.ModelRefsReady[r.Namespace+"/"+r.Name])
		}
		// C16 as above; after the subscriptions so that destroy removes the
		// auth policies first (teardown 2).
		res, err := m.policy(ctx, name, a, "authpolicy", "MaaSAuthPolicy", p.Name, spec, append(refs, subscriptions...))
		if err != nil {
			return err
		}
		m.AuthPolicies[p.Name] = res
	}
	return nil
}

func (m *MaaS) policy(ctx *pulumi.Context, name string, a MaaSArgs, logical, kind, objName string, spec any, deps []pulumi.Resource) (*apiextensions.CustomResource, error) {
	opts, err := a.Gates.Options(a.After, readiness.After(deps...))
	if err != nil {
		return nil, fmt.Errorf("maas %q: binding prerequisites of %s %s/%s: %w", name, kind, TenantNamespace, objName, err)
	}
	body, err := manifest.Untyped(spec)
	if err != nil {
		return nil, fmt.Errorf("maas %q: %s %s/%s spec: %w", name, kind, TenantNamespace, objName, err)
	}
	res, err := apiextensions.NewCustomResource(ctx, name+"-"+logical+"-"+objName, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("maas.opendatahub.io/v1alpha1"),
		Kind:        pulumi.String(kind),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(objName), Namespace: pulumi.String(TenantNamespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": body},
	}, append(opts, pulumi.Parent(m))...)
	if err != nil {
		return nil, fmt.Errorf("maas %q: creating %s %s/%s: %w", name, kind, TenantNamespace, objName, err)
	}
	gateName := SubscriptionActiveGate
	gvr := kube.MaaSSubscriptions
	if kind == "MaaSAuthPolicy" {
		gateName, gvr = AuthPolicyActiveGate, kube.MaaSAuthPolicies
	}
	gate := phaseGate(gateName, "C16", gvr, kind, TenantNamespace, objName, "Active", PolicyTimeout)
	active, err := a.Gates.Await(ctx, name+"-"+logical+"-"+objName+"-active", pulumi.ToMap(body), readiness.After(res), []readiness.Gate{gate}, pulumi.Parent(m))
	if err != nil {
		return nil, fmt.Errorf("maas %q: %w", name, err)
	}
	m.Active = append(m.Active, active)
	return res, nil
}

func subjects(groups, users []string) Subjects {
	s := Subjects{Users: users}
	for _, g := range groups {
		s.Groups = append(s.Groups, GroupRef{Name: g})
	}
	return s
}
