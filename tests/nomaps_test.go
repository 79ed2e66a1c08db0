package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Specs are typed structs turned into maps by manifest.Untyped only
// (docs/components.md): no component writes a spec as an untyped map literal.
func TestNoUntypedSpecLiterals(t *testing.T) {
	literal := regexp.MustCompile(`(map\[string\](any|interface\{\})|kubernetes\.UntypedArgs)\{\s*"`)
	// Only the top-level wrapper around a typed body is allowed.
	allowedSpecKey := regexp.MustCompile(`UntypedArgs\{"(spec|data|stringData|metadata)": [a-zA-Z.]+(\(|\})`)
	files := 0
	err := filepath.WalkDir("../components", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if strings.Contains(path, "internal/") {
			return nil
		}
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		files++
		for i, line := range strings.Split(string(raw), "\n") {
			if literal.MatchString(line) && !allowedSpecKey.MatchString(line) {
				assert.Fail(t, "untyped spec literal", "%s:%d: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, files, 5)
}
