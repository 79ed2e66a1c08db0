package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// UserSets is what a user adds to a shipped stack before `pulumi up`, per
// the README; OptionalSets are documented optional settings a test may add.
// Each key must appear in the README in a `pulumi config set` command, so a
// fixture cannot quietly add what a user would not have.
var (
	UserSets = map[string]map[string]any{
		"baremetal": {"route53AccessKeyId": "AKIAEXAMPLE", "route53SecretAccessKey": "route53-secret-value"},
	}
	OptionalSets = map[string]any{"maasDatabasePassword": "db-secret-value"}
)

// ShippedStacks names the repository's Pulumi.<name>.yaml stacks.
func ShippedStacks() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(RepoRoot(), "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names, nil
}

// Shipped loads Pulumi.<name>.yaml verbatim (keys without the rhoai:
// prefix) plus UserSets[name] and the optional keys given, each checked
// against the README.
func Shipped(name string, optional ...string) (map[string]any, error) {
	file := filepath.Join(RepoRoot(), "Pulumi."+name+".yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the shipped stack: %w", err)
	}
	var doc struct {
		Config map[string]any `json:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	cfg := map[string]any{}
	for k, v := range doc.Config {
		key, ok := strings.CutPrefix(k, "rhoai:")
		if !ok {
			return nil, fmt.Errorf("%s: key %s is not in the project namespace", file, k)
		}
		if m, secure := v.(map[string]any); secure && m["secure"] != nil {
			return nil, fmt.Errorf("%s: %s is encrypted; a shipped stack holds no secret", file, k)
		}
		cfg[key] = v
	}
	readme, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		return nil, err
	}
	add := func(k string, v any) error {
		cmd := regexp.MustCompile(`pulumi config set (--secret )?(--path )?'?rhoai:` + regexp.QuoteMeta(k) + `\b`)
		if !cmd.Match(readme) {
			return fmt.Errorf("the test sets %s on stack %s, but the README tells no user to", k, name)
		}
		cfg[k] = v
		return nil
	}
	for k, v := range UserSets[name] {
		if err := add(k, v); err != nil {
			return nil, err
		}
	}
	for _, k := range optional {
		v, ok := OptionalSets[k]
		if !ok {
			return nil, fmt.Errorf("no optional value for %s", k)
		}
		if err := add(k, v); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}
