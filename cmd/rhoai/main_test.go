package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    options
		wantErr string
	}{
		{name: "defaults", args: []string{"up"}, want: options{Command: "up", Stack: "render"}},
		{
			name: "all flags before command",
			args: []string{"--stack", "prod", "--backend", "s3://b", "--yes", "--show-secrets", "destroy"},
			want: options{Command: "destroy", Stack: "prod", Backend: "s3://b", Yes: true, ShowSecrets: true},
		},
		{
			name: "flags after command",
			args: []string{"preview", "-stack=dev", "--yes"},
			want: options{Command: "preview", Stack: "dev", Yes: true},
		},
		{name: "outputs", args: []string{"outputs"}, want: options{Command: "outputs", Stack: "render"}},
		{name: "refresh", args: []string{"--yes", "refresh"}, want: options{Command: "refresh", Stack: "render", Yes: true}},
		{name: "no command", args: nil, wantErr: "missing command"},
		{name: "unknown command", args: []string{"deploy"}, wantErr: `unknown command "deploy"`},
		{name: "two commands", args: []string{"up", "destroy"}, wantErr: "expected one command"},
		{name: "unknown flag", args: []string{"--force", "up"}, wantErr: "flag provided but not defined"},
		{name: "missing flag value", args: []string{"up", "--stack"}, wantErr: "flag needs an argument"},
		{name: "empty stack", args: []string{"--stack=", "up"}, wantErr: "--stack must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseArgsHelp(t *testing.T) {
	var buf strings.Builder
	_, err := parseArgs([]string{"-h"}, &buf)
	require.ErrorIs(t, err, errHelp)
	assert.Contains(t, buf.String(), "usage: rhoai")
}

func TestFindRepoRoot(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.yaml"), []byte("name: rhoai\n"), 0o600))
	deep := filepath.Join(root, "a", "b", "c")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	// A directory named Pulumi.yaml must not count as the project file.
	fake := filepath.Join(root, "a", "Pulumi.yaml")
	require.NoError(t, os.MkdirAll(fake, 0o755))
	bare := t.TempDir()

	tests := []struct {
		name    string
		start   string
		want    string
		wantErr string
	}{
		{name: "at root", start: root, want: root},
		{name: "nested", start: deep, want: root},
		{name: "relative", start: relTo(t, deep), want: root},
		{name: "not found", start: bare, wantErr: "no Pulumi.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findRepoRoot(tt.start)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func relTo(t *testing.T, target string) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, target)
	require.NoError(t, err)
	return rel
}

func TestPassphraseEnv(t *testing.T) {
	tests := []struct {
		name     string
		stack    string
		env      map[string]string
		wantEnv  map[string]string
		wantWarn bool
		wantErr  string
	}{
		{name: "render without passphrase", stack: "render",
			wantEnv: map[string]string{envPassphrase: ""}, wantWarn: true},
		{name: "qualified render stack", stack: "organization/rhoai/render",
			wantEnv: map[string]string{envPassphrase: ""}, wantWarn: true},
		{name: "render with passphrase", stack: "render", env: map[string]string{envPassphrase: "x"}},
		{name: "other stack with passphrase", stack: "prod", env: map[string]string{envPassphrase: "x"}},
		{name: "explicitly empty passphrase", stack: "prod", env: map[string]string{envPassphrase: ""}},
		{name: "other stack with file", stack: "prod", env: map[string]string{envPassphraseFile: "/p"}},
		{name: "other stack without", stack: "prod", wantErr: "set PULUMI_CONFIG_PASSPHRASE"},
		{name: "empty file var does not count", stack: "prod",
			env: map[string]string{envPassphraseFile: ""}, wantErr: "needs a secrets passphrase"},
		{name: "render-like name is not render", stack: "render2", wantErr: "needs a secrets passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, warn, err := passphraseEnv(tt.stack, mapLookup(tt.env))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEnv, env)
			if tt.wantWarn {
				assert.Contains(t, warn, "EMPTY secrets passphrase")
			} else {
				assert.Empty(t, warn)
			}
		})
	}
}

func TestResolveBackend(t *testing.T) {
	home := t.TempDir()
	other := filepath.Join(t.TempDir(), "state")
	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		want    string
		wantDir string
	}{
		{name: "default", want: "file://" + filepath.Join(home, ".pulumi-rhoai"),
			wantDir: filepath.Join(home, ".pulumi-rhoai")},
		{name: "env", env: map[string]string{envBackend: "s3://bucket"}, want: "s3://bucket"},
		{name: "flag beats env", flag: "file://" + other, env: map[string]string{envBackend: "s3://b"},
			want: "file://" + other, wantDir: other},
		{name: "tilde", flag: "file://~/st", want: "file://~/st", wantDir: filepath.Join(home, "st")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveBackend(tt.flag, mapLookup(tt.env), home)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			if tt.wantDir != "" {
				assert.DirExists(t, tt.wantDir)
			}
		})
	}
}

func TestToolchainBin(t *testing.T) {
	home := t.TempDir()
	custom := t.TempDir()
	assert.Empty(t, toolchainBin(mapLookup(nil), home))

	homeBin := filepath.Join(home, ".cache", "rhoai-installer", "toolchain", "bin")
	writeExe(t, filepath.Join(homeBin, "pulumi"))
	assert.Equal(t, homeBin, toolchainBin(mapLookup(nil), home))

	env := map[string]string{envToolchainDir: custom}
	assert.Equal(t, homeBin, toolchainBin(mapLookup(env), home), "custom dir without pulumi is skipped")
	writeExe(t, filepath.Join(custom, "bin", "pulumi"))
	assert.Equal(t, filepath.Join(custom, "bin"), toolchainBin(mapLookup(env), home))
}

func TestMaskOutputs(t *testing.T) {
	outs := auto.OutputMap{
		"url":   {Value: "https://x"},
		"token": {Value: "s3cr3t", Secret: true},
	}
	assert.Equal(t, map[string]any{"url": "https://x", "token": "[secret]"}, maskOutputs(outs, false))
	assert.Equal(t, map[string]any{"url": "https://x", "token": "s3cr3t"}, maskOutputs(outs, true))
}

func TestPrintSummaryAndConfirm(t *testing.T) {
	var b strings.Builder
	printSummary(&b, "preview", map[string]int{"same": 2, "create": 1})
	printSummary(&b, "up", map[string]int{})
	assert.Equal(t, "preview summary: create=1 same=2\nup summary: no changes\n", b.String())

	for in, ok := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "": false} {
		err := confirm(strings.NewReader(in), io.Discard, "update")
		if ok {
			assert.NoError(t, err, in)
		} else {
			assert.ErrorIs(t, err, errNotConfirmed, in)
		}
	}
}

func TestErrorSummary(t *testing.T) {
	tests := map[string]string{
		"preview: failed to run preview: exit status 1\ncode: 1\nstdout: \nstderr: boom\n": "preview: failed to run preview: exit status 1 (see the output above)",
		"plain error": "plain error",
	}
	for in, want := range tests {
		assert.Equal(t, want, errorSummary(errors.New(in)))
	}
}

func mapLookup(m map[string]string) lookupFunc {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func writeExe(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755))
}
