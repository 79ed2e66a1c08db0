package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// requiredCLIVersion is the Pulumi CLI matching the pinned SDK.
var requiredCLIVersion = semver.MustParse("3.274.1")

const (
	envPassphrase     = "PULUMI_CONFIG_PASSPHRASE"
	envPassphraseFile = "PULUMI_CONFIG_PASSPHRASE_FILE"
	envBackend        = "PULUMI_BACKEND_URL"
	envToolchainDir   = "RHOAI_TOOLCHAIN_DIR"
	defaultStack      = "render"
)

// lookupFunc has the signature of os.LookupEnv.
type lookupFunc func(string) (string, bool)

// findRepoRoot walks up from start to the first directory holding Pulumi.yaml.
func findRepoRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", start, err)
	}
	for {
		if fi, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil && !fi.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any parent directory", start)
		}
		dir = parent
	}
}

// passphraseEnv applies the secrets passphrase rule: a passphrase (or file) from
// the environment is used as is; otherwise only the render stack may run, with
// an empty passphrase (returned as extra env plus a warning).
func passphraseEnv(stack string, lookup lookupFunc) (map[string]string, string, error) {
	if _, ok := lookup(envPassphrase); ok {
		return nil, "", nil
	}
	if f, ok := lookup(envPassphraseFile); ok && f != "" {
		return nil, "", nil
	}
	if path.Base(stack) != defaultStack {
		return nil, "", fmt.Errorf("stack %q needs a secrets passphrase: set %s or %s",
			stack, envPassphrase, envPassphraseFile)
	}
	warn := fmt.Sprintf("warning: %s is not set; using an EMPTY secrets passphrase for stack %q",
		envPassphrase, stack)
	return map[string]string{envPassphrase: ""}, warn, nil
}

// resolveBackend picks the state backend URL: flag, then PULUMI_BACKEND_URL,
// then file://$HOME/.pulumi-rhoai. Local file backends are created.
func resolveBackend(flagValue string, lookup lookupFunc, home string) (string, error) {
	backend := flagValue
	if backend == "" {
		if v, ok := lookup(envBackend); ok && v != "" {
			backend = v
		} else {
			backend = "file://" + filepath.Join(home, ".pulumi-rhoai")
		}
	}
	if dir, ok := strings.CutPrefix(backend, "file://"); ok {
		dir, _, _ = strings.Cut(dir, "?") // drop options such as ?no_tmp_dir=true
		if dir == "~" || strings.HasPrefix(dir, "~/") {
			dir = filepath.Join(home, dir[1:])
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("creating backend directory %s: %w", dir, err)
		}
	}
	return backend, nil
}

// toolchainBin returns the first toolchain bin dir holding a pulumi binary:
// $RHOAI_TOOLCHAIN_DIR/bin, then $HOME/.cache/rhoai-installer/toolchain/bin.
func toolchainBin(lookup lookupFunc, home string) string {
	var dirs []string
	if d, ok := lookup(envToolchainDir); ok && d != "" {
		dirs = append(dirs, filepath.Join(d, "bin"))
	}
	dirs = append(dirs, filepath.Join(home, ".cache", "rhoai-installer", "toolchain", "bin"))
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "pulumi")); err == nil && !fi.IsDir() {
			return d
		}
	}
	return ""
}

// pulumiCLI prepends the toolchain bin dir (if any) to PATH, so the CLI and
// the kubernetes plugin beside it are found, and checks the CLI version.
func pulumiCLI(home string) (auto.PulumiCommand, error) {
	if bin := toolchainBin(os.LookupEnv, home); bin != "" {
		if err := os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH")); err != nil {
			return nil, fmt.Errorf("setting PATH: %w", err)
		}
	}
	const hint = "run scripts/toolchain.sh (or install Pulumi CLI v3.274.1)"
	if _, err := exec.LookPath("pulumi"); err != nil {
		return nil, fmt.Errorf("pulumi CLI not found on PATH; %s: %w", hint, err)
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Version: requiredCLIVersion})
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI v%s required; %s: %w", requiredCLIVersion, hint, err)
	}
	return cmd, nil
}

var errNotConfirmed = errors.New("not confirmed; re-run with --yes to skip the question")
