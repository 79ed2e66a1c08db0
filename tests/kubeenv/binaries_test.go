package kubeenv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBinDirs(t *testing.T) {
	home := filepath.Join("/home", "u", ".cache", "rhoai-installer", "toolchain", "bin")
	tests := []struct {
		name     string
		explicit string
		env      map[string]string
		want     []string
	}{
		{"home only", "", map[string]string{"HOME": "/home/u"}, []string{home}},
		{"toolchain dir first", "", map[string]string{"HOME": "/home/u", "RHOAI_TOOLCHAIN_DIR": "/tc"}, []string{"/tc/bin", home}},
		{"explicit first", "/x", map[string]string{"HOME": "/home/u", "RHOAI_TOOLCHAIN_DIR": "/tc"}, []string{"/x", "/tc/bin", home}},
		{"no duplicates", "/home/u/.cache/rhoai-installer/toolchain/bin", map[string]string{"HOME": "/home/u"}, []string{home}},
		{"nothing set", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := binDirs(tt.explicit, func(k string) string { return tt.env[k] })
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFindBinary(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	writeExec := func(dir, name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), mode))
		return p
	}
	inFirst := writeExec(first, "etcd", 0o755)
	inSecond := writeExec(second, "kube-apiserver", 0o755)
	writeExec(first, "kube-apiserver", 0o644) // not executable: skipped
	onPath := func(name string) (string, error) {
		if name == "kube-controller-manager" {
			return "/usr/bin/kube-controller-manager", nil
		}
		return "", errors.New("not found")
	}
	tests := []struct {
		name, bin, want string
		wantErr         bool
	}{
		{"first dir", "etcd", inFirst, false},
		{"skips non-executable", "kube-apiserver", inSecond, false},
		{"falls back to PATH", "kube-controller-manager", "/usr/bin/kube-controller-manager", false},
		{"missing", "kubelet", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBinary(tt.bin, []string{first, second}, onPath)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrBinaryNotFound)
				assert.Contains(t, err.Error(), "scripts/kube-toolchain.sh")
				assert.Contains(t, err.Error(), tt.bin)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
