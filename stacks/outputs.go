package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// exportOutputs: what a user needs after `pulumi up` (and what
// cmd/maas-check reads): URLs, each model's endpoint, the tiers, and a ready
// command to create an API key and call a model. No secret is exported.
func exportOutputs(ctx *pulumi.Context, cfg Config, facts Facts, l *Layers) {
	ctx.Export("appsDomain", pulumi.String(facts.AppsDomain))
	// RHOAI 3.4 serves the dashboard at rh-ai.<apps domain>; the 3.3 host
	// data-science-gateway.<apps domain> redirects there.
	ctx.Export("dashboardUrl", pulumi.String("https://rh-ai."+facts.AppsDomain))
	ctx.Export("llmdGatewayUrl", pulumi.String(l.Serving.GatewayURL))
	models := pulumi.Array{}
	for _, m := range l.Serving.Models {
		models = append(models, pulumi.Map{
			"name": pulumi.String(m.Name), "namespace": pulumi.String(m.Namespace),
			"servedName": pulumi.String(m.ServedName), "published": pulumi.Bool(m.Published),
			"endpoint": pulumi.String(m.Endpoint),
		})
	}
	ctx.Export("models", models)
	if l.MaaS == nil {
		return
	}
	ctx.Export("maasUrl", pulumi.String(l.MaaS.URL))
	ctx.Export("maasApiUrl", pulumi.String(l.MaaS.APIURL))
	subs := pulumi.Array{}
	for _, s := range l.MaaS.Tiers {
		limits := pulumi.Array{}
		for _, m := range s.Models {
			for _, lim := range m.Limits {
				limits = append(limits, pulumi.Map{
					"name": pulumi.String(m.Model), "namespace": pulumi.String(m.Namespace),
					"limit": pulumi.Int(int(lim.Limit)), "window": pulumi.String(lim.Window),
				})
			}
		}
		subs = append(subs, pulumi.Map{
			"name": pulumi.String(s.Name), "priority": pulumi.Int(s.Priority),
			"groups": pulumi.ToStringArray(s.Groups), "models": limits,
		})
	}
	ctx.Export("subscriptions", subs)
	ctx.Export("tryIt", pulumi.String(tryIt(l)))
}

// tryIt is a copy-paste recipe: create a key with the user's OpenShift
// token, then call the first published model through the MaaS gateway.
func tryIt(l *Layers) string {
	if len(l.MaaS.Tiers) == 0 || len(l.Serving.Published()) == 0 {
		return "no model is published through MaaS"
	}
	m := l.Serving.Published()[0]
	return "KEY=$(curl -sS -X POST " + l.MaaS.APIURL + "/v1/api-keys -H \"Authorization: Bearer $(oc whoami -t)\" -H 'Content-Type: application/json' " +
		"-d '{\"name\":\"try-it\",\"expiresIn\":\"1d\",\"subscription\":\"" + l.MaaS.Tiers[0].Name + "\"}' | jq -r .key) && " +
		"curl -sS " + m.Endpoint + "/v1/chat/completions -H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' " +
		"-d '{\"model\":\"" + m.ServedName + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":32}'"
}
