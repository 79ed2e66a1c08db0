package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
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
		if err := decodeStrict(raw, o.into); err != nil {
			ps = append(ps, decodeProblem(o.key, err, o.into))
		}
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

// decodeStrict rejects unknown fields, so a typo ("replica") is an error,
// not a silently ignored setting.
func decodeStrict(raw string, into any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	return nil
}

func decodeProblem(key string, err error, into any) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		path := key
		if typeErr.Field != "" {
			path = key + "." + typeErr.Field
		}
		return Problem{Key: path, Found: "a JSON " + typeErr.Value, Expected: "a value of type " + jsonType(typeErr.Type.String())}
	case errors.As(err, &syntaxErr):
		return Problem{Key: key, Found: "a plain value, not structured config", Expected: "a " + jsonType(reflect.TypeOf(into).Elem().String()) + " (set it with pulumi config set --path)"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return Problem{Key: key, Found: "unknown field " + field, Expected: "only the documented fields (README, configuration reference)"}
	default:
		return Problem{Key: key, Found: err.Error(), Expected: "a valid value"}
	}
}

func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "integer"
	case goType == "string" || strings.HasSuffix(goType, "Platform") || strings.HasSuffix(goType, "Mode"):
		return "string"
	case goType == "bool" || goType == "*bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.HasPrefix(goType, "map["):
		return "map"
	default:
		return "object"
	}
}
