package stacks

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// SecretsFile is written beside the rendered manifests: the Secrets render
// mode leaves out, for the GitOps side to supply.
const SecretsFile = "SECRETS.md"

// handOffSecrets tells a render-mode user which Secrets to supply: a warning
// per Secret, the stack output secretsToSupply, and <renderDir>/SECRETS.md
// (written on up, not on preview). No value is written, only names and keys.
func handOffSecrets(ctx *pulumi.Context, cfg Config, secrets []manifest.SecretToSupply, write func(string, []byte) error) error {
	if cfg.Mode != Render {
		return nil
	}
	out := pulumi.Array{}
	for _, s := range secrets {
		var keys []string
		for _, k := range s.Keys {
			keys = append(keys, k.Name)
		}
		_ = ctx.Log.Warn(fmt.Sprintf("render: Secret %s/%s is not rendered (no secret value goes to disk); supply it with keys %s (%s)",
			s.Namespace, s.Name, strings.Join(keys, ", "), SecretsFile), nil)
		out = append(out, pulumi.Map{"namespace": pulumi.String(s.Namespace), "name": pulumi.String(s.Name), "keys": pulumi.ToStringArray(keys)})
	}
	ctx.Export("secretsToSupply", out)
	if ctx.DryRun() {
		return nil
	}
	dir := cfg.RenderDir
	if !filepath.IsAbs(dir) && ctx.RootDirectory() != "" {
		dir = filepath.Join(ctx.RootDirectory(), dir) // where the provider renders
	}
	if err := write(filepath.Join(dir, SecretsFile), []byte(secretsDoc(secrets))); err != nil {
		return fmt.Errorf("render: writing %s: %w", filepath.Join(dir, SecretsFile), err)
	}
	return nil
}

func secretsDoc(secrets []manifest.SecretToSupply) string {
	var b strings.Builder
	b.WriteString("# Secrets to supply\n\n")
	b.WriteString("Render mode writes no secret value to disk, so these Secrets are not among the manifests.\n")
	b.WriteString("Create each one in the cluster before (or with) the first sync, from your secret store\n")
	b.WriteString("(External Secrets Operator, Sealed Secrets, Vault, ...), with exactly these keys.\n")
	b.WriteString("See README.md, \"Render mode and GitOps\".\n")
	for _, s := range secrets {
		fmt.Fprintf(&b, "\n## %s/%s\n\nUsed by %s.\n\n| key | value |\n|---|---|\n", s.Namespace, s.Name, s.UsedBy)
		for _, k := range s.Keys {
			fmt.Fprintf(&b, "| `%s` | %s |\n", k.Name, k.Holds)
		}
	}
	return b.String()
}
