package tests

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/rhoai-pulumi/installer/"

// Shipped code may import only the project packages listed for it, by exact
// path. Layers know nothing of the layers above them or of stacks/; the
// bottom layers (olm, readiness, preflight) and internal/ import no layer;
// nothing that ships imports test infrastructure (tests/, bench/).
var (
	shared = []string{"internal/kube", "internal/manifest", "internal/gatewayapi"}
	layer  = append([]string{"components/readiness", "components/olm"}, shared...)
)

func allowedImports(pkg string) (allowed []string, shipped bool) {
	switch {
	case strings.HasPrefix(pkg, "tests/") || pkg == "tests" || strings.HasPrefix(pkg, "bench/") || pkg == "bench":
		return nil, false // test infrastructure may import anything
	case pkg == ".", pkg == "cmd/rhoai":
		return []string{"stacks"}, true
	case pkg == "cmd/maas-check":
		return []string{"internal/maascheck"}, true
	case pkg == "stacks":
		return append(componentPackages(), shared...), true
	case pkg == "components/readiness", pkg == "components/preflight":
		return shared, true
	case pkg == "components/olm":
		return append([]string{"components/readiness"}, shared...), true
	case strings.HasPrefix(pkg, "components/"):
		return layer, true
	case pkg == "internal/maascheck":
		return []string{"internal/kube"}, true
	case pkg == "internal/kube", pkg == "internal/manifest", pkg == "internal/gatewayapi":
		return nil, true
	}
	return nil, true // an unlisted shipped package may import nothing of the project: add it above
}

func componentPackages() []string {
	entries, _ := os.ReadDir("../components")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, "components/"+e.Name())
		}
	}
	return out
}

func TestImportDirection(t *testing.T) {
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		allowed, shipped := allowedImports(pkg)
		if !shipped {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range file.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			checked++
			target := strings.TrimPrefix(p, module)
			assert.True(t, slices.Contains(allowed, target), "%s (package %s) imports %s, which is not in its allowlist %v", path, pkg, target, allowed)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 10, "the walk found the project's imports")
}

// The allowlist itself never admits test infrastructure into shipped code,
// whatever its name shares with a shipped package (internal/kube vs the
// former internal/kubeenv and internal/kubetest).
func TestImportDirection_noTestInfrastructureInShippedCode(t *testing.T) {
	for _, pkg := range append(componentPackages(), ".", "stacks", "cmd/rhoai", "cmd/maas-check", "internal/kube", "internal/maascheck") {
		allowed, shipped := allowedImports(pkg)
		require.True(t, shipped, pkg)
		for _, infra := range []string{"tests/kubetest", "tests/kubeenv", "tests/pulumitest", "tests/ocpsim", "tests/testkit", "bench", "internal/kubeenv", "internal/kubetest"} {
			assert.False(t, slices.Contains(allowed, infra), "%s may import %s", pkg, infra)
		}
	}
}
