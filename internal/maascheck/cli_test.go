package maascheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/dynamic"
)

func TestParseOutputs(t *testing.T) {
	plain := `{"maasUrl":"https://maas.apps.example.com/","maasApiUrl":"https://maas.apps.example.com/maas-api",
		"dashboardUrl":"https://d","models":[{"name":"qwen3-8b","namespace":"llm-d-demo","servedName":"alibaba/qwen3-8b",
		"published":true,"endpoint":"https://maas.apps.example.com/llm-d-demo/qwen3-8b"}],
		"subscriptions":[{"name":"free","priority":0,"groups":["system:authenticated"],
		"models":[{"name":"qwen3-8b","namespace":"llm-d-demo","limit":50,"window":"24h"}]}]}`
	want := &Outputs{
		MaasURL: "https://maas.apps.example.com", MaasAPIURL: "https://maas.apps.example.com/maas-api", DashboardURL: "https://d",
		Models: []Model{{Name: "qwen3-8b", Namespace: "llm-d-demo", ServedName: "alibaba/qwen3-8b", Published: true,
			Endpoint: "https://maas.apps.example.com/llm-d-demo/qwen3-8b"}},
		Subscriptions: []Subscription{{Name: "free", Groups: []string{"system:authenticated"},
			Models: []SubscriptionModel{{Name: "qwen3-8b", Namespace: "llm-d-demo", Limit: 50, Window: "24h"}}}},
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(plain), &m))
	wrapped := map[string]any{}
	for k, v := range m {
		wrapped[k] = map[string]any{"value": v, "secret": false}
	}
	wrappedJSON, err := json.Marshal(wrapped)
	require.NoError(t, err)
	outMap := auto.OutputMap{}
	for k, v := range m {
		outMap[k] = auto.OutputValue{Value: v}
	}

	tests := []struct {
		name string
		get  func() (*Outputs, error)
	}{
		{"pulumi stack output --json", func() (*Outputs, error) { return ParseOutputs([]byte(plain)) }},
		{"values wrapped as {value, secret}", func() (*Outputs, error) { return ParseOutputs(wrappedJSON) }},
		{"an Automation API OutputMap", func() (*Outputs, error) { return outputsFromMap(outMap) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}

	t.Run("outputs without maasUrl are refused", func(t *testing.T) {
		_, err := ParseOutputs([]byte(`{"dashboardUrl":"x"}`))
		assert.ErrorContains(t, err, "no maasUrl")
	})
	t.Run("maasApiUrl defaults to maasUrl/maas-api", func(t *testing.T) {
		o, err := ParseOutputs([]byte(`{"maasUrl":"https://m"}`))
		require.NoError(t, err)
		assert.Equal(t, "https://m/maas-api", o.MaasAPIURL)
	})
}

func TestChatURL(t *testing.T) {
	tests := []struct{ name, endpoint, want string }{
		{"endpoint is the model base", "https://m/ns/a", "https://m/ns/a/v1/chat/completions"},
		{"endpoint ends in /v1", "https://m/ns/a/v1/", "https://m/ns/a/v1/chat/completions"},
		{"endpoint is the full path", "https://m/ns/a/v1/chat/completions", "https://m/ns/a/v1/chat/completions"},
		{"no endpoint: maasUrl/<ns>/<name>", "", "https://m/ns/a/v1/chat/completions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Model{Name: "a", Namespace: "ns", Endpoint: tc.endpoint}.ChatURL("https://m"))
		})
	}
}

func TestSelect(t *testing.T) {
	outs := testOutputs("https://m")
	outs.Models = append(outs.Models, Model{Name: "granite", Namespace: "llm-d-demo", Published: false})
	tests := []struct {
		name                     string
		sub, low, model          string
		wantSub, wantLow, wantMd string
		wantWhy, wantErr         string
	}{
		{name: "defaults: highest priority, its first published model, smallest limit as low tier",
			wantSub: "premium", wantLow: "free", wantMd: "qwen3-8b"},
		{name: "the low tier defaults to nothing when the main subscription has the smallest limit",
			sub: "free", wantSub: "free", wantMd: "qwen3-8b", wantWhy: "the smallest token limit is the main subscription's (free)"},
		{name: "a model can be named by its served name", model: "alibaba/qwen3-8b",
			wantSub: "premium", wantLow: "free", wantMd: "qwen3-8b"},
		{name: "an unknown model is an error", model: "nope", wantErr: `model "nope" is not in the stack outputs`},
		{name: "an unknown subscription is an error", sub: "gold", wantErr: `subscription "gold" is not in the stack outputs`},
		{name: "an unknown low tier is an error", low: "bronze", wantErr: `low tier "bronze" is not in the stack outputs`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := Select(outs, tc.sub, tc.low, tc.model)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantSub, sel.Subscription)
			assert.Equal(t, tc.wantLow, sel.LowTier)
			assert.Equal(t, tc.wantMd, sel.Model.Name)
			assert.Contains(t, sel.LowTierWhy, tc.wantWhy)
			if tc.wantLow == "free" {
				assert.Equal(t, 50, sel.LowTierLimit.Limit)
			}
		})
	}
}

func TestResolveToken(t *testing.T) {
	env := func(m map[string]string) LookupFunc {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	oc := func(tok string, err error) func() (string, error) { return func() (string, error) { return tok, err } }
	tests := []struct {
		name       string
		lookup     LookupFunc
		oc         func() (string, error)
		want, from string
		wantErr    string
	}{
		{name: "the variable named by --token-env wins", lookup: env(map[string]string{"OC_TOKEN": " sha256~a \n"}),
			oc: oc("sha256~b", nil), want: "sha256~a", from: "$OC_TOKEN"},
		{name: "without it, oc whoami -t", lookup: env(nil), oc: oc("sha256~b\n", nil), want: "sha256~b", from: "oc whoami -t"},
		{name: "oc failing is an error that says what to do", lookup: env(nil), oc: oc("", errors.New("exit 1")),
			wantErr: "`oc whoami -t` failed"},
		{name: "no oc on PATH is an error", lookup: env(map[string]string{"OC_TOKEN": ""}), wantErr: "set OC_TOKEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, from, err := ResolveToken("OC_TOKEN", tc.lookup, tc.oc)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, tok)
			assert.Equal(t, tc.from, from)
		})
	}
}

func TestParseFlagsRefusesATokenFlag(t *testing.T) {
	for _, args := range [][]string{{"--token", "x"}, {"-token=x"}, {"--stack", "s", "--token=x"}} {
		_, err := ParseFlags(args, &bytes.Buffer{})
		assert.ErrorContains(t, err, "shell history", args)
	}
	o, err := ParseFlags([]string{"--outputs", "f.json", "--low-tier", "free", "--token-env", "MY_TOKEN"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, Options{Stack: "aws-dev", OutputsFile: "f.json", LowTier: "free", TokenEnv: "MY_TOKEN",
		Timeout: o.Timeout, MaxTokens: 16}, o)
	assert.Equal(t, "2m0s", o.Timeout.String())
}

func TestMainCommand(t *testing.T) {
	f := newFakeMaaS()
	f.limits = map[string]int{"free": 50}
	srv := f.start(t)
	dir := t.TempDir()
	data, err := json.Marshal(testOutputs(srv.URL))
	require.NoError(t, err)
	outputs := filepath.Join(dir, "outputs.json")
	require.NoError(t, os.WriteFile(outputs, data, 0o600))

	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		exit     int
		stdout   string
		stderr   string
		deletes  int
		noSecret bool
	}{
		{name: "a passing run from an outputs file exits 0", args: []string{"--outputs", outputs},
			env: map[string]string{"OC_TOKEN": testToken}, exit: 0, stdout: "7 passed, 0 failed, 0 skipped",
			stderr: "OpenShift token from $OC_TOKEN", deletes: 2},
		{name: "the token variable can be renamed", args: []string{"--outputs", outputs, "--token-env", "T",
			"--subscription", "free", "--low-tier", "free"},
			env: map[string]string{"T": testToken}, exit: 0, stdout: "PASS low-tier-429", deletes: 2},
		{name: "no token is a setup error", args: []string{"--outputs", outputs}, exit: 2, stderr: "no OpenShift token"},
		{name: "a --token flag is refused", args: []string{"--outputs", outputs, "--token", testToken},
			exit: 2, stderr: "shell history"},
		{name: "an unknown subscription is a setup error", args: []string{"--outputs", outputs, "--subscription", "gold"},
			env: map[string]string{"OC_TOKEN": testToken}, exit: 2, stderr: `subscription "gold"`},
		{name: "without --outputs and Pulumi.yaml the error says how to give outputs", args: nil,
			env: map[string]string{"OC_TOKEN": testToken}, exit: 2, stderr: "pass --outputs FILE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.mu.Lock()
			f.deleted, f.spent = nil, map[string]int{}
			f.mu.Unlock()
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tc.args, Env{
				Lookup: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok },
				Home:   dir, WorkDir: dir, Stdout: &stdout, Stderr: &stderr,
			})
			assert.Equal(t, tc.exit, code, stdout.String()+stderr.String())
			assert.Contains(t, stdout.String(), tc.stdout)
			assert.Contains(t, stderr.String(), tc.stderr)
			f.mu.Lock()
			assert.Len(t, f.deleted, tc.deletes)
			f.mu.Unlock()
			assert.NotContains(t, stdout.String()+stderr.String(), testToken)
			assert.NotContains(t, stdout.String()+stderr.String(), testKeySecret)
		})
	}
}

func TestMainHealthReport(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	var gotKubeconfig, gotContext string
	code := Main(context.Background(), []string{"--health", "--kubeconfig", "/k", "--context", "c"}, Env{
		Lookup: func(string) (string, bool) { return "", false }, Home: dir, WorkDir: dir,
		Stdout: &stdout, Stderr: &stderr,
		Dynamic: func(kubeconfig, context string) (dynamic.Interface, error) {
			gotKubeconfig, gotContext = kubeconfig, context
			return fakeHealthClient(t, healthyCluster()), nil
		},
	})
	assert.Equal(t, 0, code, stdout.String()+stderr.String())
	assert.Equal(t, "/k", gotKubeconfig)
	assert.Equal(t, "c", gotContext)
	assert.Contains(t, stderr.String(), "reading every model in the cluster")
	assert.True(t, strings.HasSuffix(stdout.String(), "26 ok, 0 waiting, 0 failed\n"), stdout.String())
}
