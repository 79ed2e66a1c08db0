package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Secret config keys: read only with the secret getters.
const (
	KeyDatabasePassword   = "maasDatabasePassword"
	KeyDatabaseURL        = "maasDatabaseUrl"
	KeyRoute53AccessKeyID = "route53AccessKeyId"
	KeyRoute53SecretKey   = "route53SecretAccessKey"
)

// LoadConfig reads every key, applies the defaults and validates, returning
// all problems at once before any resource is registered.
func LoadConfig(ctx *pulumi.Context) (Config, error) {
	var c Config
	var ps problems
	c.Platform = Platform(config.Get(ctx, "platform"))
	c.Mode = Mode(config.Get(ctx, "mode"))
	c.RenderDir = config.Get(ctx, "renderDir")
	objects := []struct {
		key  string
		into any
	}{
		{"cluster", &c.Cluster}, {"operators", &c.Operators}, {"tls", &c.TLS}, {"gpu", &c.GPU},
		{"observability", &c.Observability}, {"rhoai", &c.RHOAI}, {"gateway", &c.Gateway},
		{"models", &c.Models}, {"maas", &c.MaaS},
	}
	for _, o := range objects {
		raw, ok := ctx.GetConfig("rhoai:" + o.key)
		if !ok || strings.TrimSpace(raw) == "" {
			continue
		}
		ps = append(ps, decodeStrict(o.key, raw, o.into)...)
	}
	c.Secrets = SecretConfig{
		HasDatabasePassword: isSet(ctx, KeyDatabasePassword),
		HasDatabaseURL:      isSet(ctx, KeyDatabaseURL),
		HasRoute53Keys:      isSet(ctx, KeyRoute53AccessKeyID) && isSet(ctx, KeyRoute53SecretKey),
	}
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		ps = append(ps, err)
	}
	if len(ps) > 0 {
		return c, fmt.Errorf("invalid stack configuration (nothing was changed):\n%w", errors.Join(ps...))
	}
	return c, nil
}

// isSet checks presence only; the value is never read or printed here.
func isSet(ctx *pulumi.Context, key string) bool {
	v, ok := ctx.GetConfig("rhoai:" + key)
	return ok && v != ""
}
