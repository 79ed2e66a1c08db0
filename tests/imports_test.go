package tests

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/rhoai-pulumi/installer/"

// allowedImports: which project packages each package may import. Layers
// know nothing of the layers above them or of stacks/; the bottom layers
// (olm, readiness) and internal import no layer.
func allowedImports(pkg string) func(string) bool {
	bottom := func(imp string) bool {
		return strings.HasPrefix(imp, "internal/kube") || strings.HasPrefix(imp, "internal/manifest") || strings.HasPrefix(imp, "internal/pulumitest") ||
			imp == "internal/gatewayapi"
	}
	switch {
	case pkg == "internal/maascheck", pkg == "internal/kubetest", pkg == "internal/pulumitest": // the test kits build Waiters and Binders
		return func(imp string) bool { return bottom(imp) || imp == "components/readiness" }
	case strings.HasPrefix(pkg, "internal/"):
		return bottom
	case pkg == "components/readiness", pkg == "components/preflight":
		return bottom
	case pkg == "components/olm":
		return func(imp string) bool { return bottom(imp) || imp == "components/readiness" }
	case strings.HasPrefix(pkg, "components/"):
		return func(imp string) bool {
			return bottom(imp) || imp == "components/readiness" || imp == "components/olm"
		}
	case pkg == "stacks":
		return func(imp string) bool { return strings.HasPrefix(imp, "components/") || bottom(imp) }
	case strings.HasPrefix(pkg, "cmd/"), pkg == ".", pkg == "tests", strings.HasPrefix(pkg, "tests/"), pkg == "bench":
		return func(string) bool { return true }
	}
	return func(string) bool { return false }
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
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		require.NoError(t, err)
		allowed := allowedImports(pkg)
		for _, imp := range file.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			checked++
			target := strings.TrimPrefix(p, module)
			assert.True(t, allowed(target), "%s imports %s, which its layer may not import", path, target)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 10, "the walk found the project's imports")
}
