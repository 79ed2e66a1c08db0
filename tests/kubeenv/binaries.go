package kubeenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrBinaryNotFound is wrapped by Start when a control-plane binary is missing.
var ErrBinaryNotFound = errors.New("binary not found")

// toolchainScript is named in errors so that a missing binary says how to fix it.
const toolchainScript = "scripts/kube-toolchain.sh"

// binDirs returns the directories searched before PATH: explicit first, then
// $RHOAI_TOOLCHAIN_DIR/bin, then $HOME/.cache/rhoai-installer/toolchain/bin.
func binDirs(explicit string, getenv func(string) string) []string {
	var dirs []string
	add := func(d string) {
		if d == "" {
			return
		}
		for _, seen := range dirs {
			if seen == d {
				return
			}
		}
		dirs = append(dirs, d)
	}
	add(explicit)
	if d := getenv("RHOAI_TOOLCHAIN_DIR"); d != "" {
		add(filepath.Join(d, "bin"))
	}
	if h := getenv("HOME"); h != "" {
		add(filepath.Join(h, ".cache", "rhoai-installer", "toolchain", "bin"))
	}
	return dirs
}

// findBinary looks for an executable name in dirs, then via lookPath.
func findBinary(name string, dirs []string, lookPath func(string) (string, error)) (string, error) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if isExecutable(p) {
			return p, nil
		}
	}
	if p, err := lookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: %s (looked in %s and PATH); run %s, or `source %s`, to provide it",
		ErrBinaryNotFound, name, strings.Join(dirs, ", "), toolchainScript, toolchainScript)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// binaries are the resolved paths of the control-plane programs.
type binaries struct {
	etcd, apiServer, controllerManager string
}

func findBinaries(explicit string) (binaries, error) {
	dirs := binDirs(explicit, os.Getenv)
	var b binaries
	var errs []error
	for _, t := range []struct {
		name string
		dst  *string
	}{
		{"etcd", &b.etcd},
		{"kube-apiserver", &b.apiServer},
		{"kube-controller-manager", &b.controllerManager},
	} {
		p, err := findBinary(t.name, dirs, exec.LookPath)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		*t.dst = p
	}
	return b, errors.Join(errs...)
}
