package tests

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// shippedStack is one Pulumi.<name>.yaml of the repository, loaded verbatim,
// plus only what the README tells a user to set for it.
type shippedStack struct {
	name   string
	config map[string]any // keys without the rhoai: prefix
}

// optIns are documented switches a user may turn on; each shipped stack also
// runs with them, so every constraint row (C18 needs the API switch) is
// checked on every stack file.
var optIns = map[string]any{"tls.apiCertificate": true}

// loadShippedStacks loads every Pulumi.<name>.yaml with only what the README
// tells a user to set (testkit.Shipped).
func loadShippedStacks(t *testing.T) []shippedStack {
	t.Helper()
	names, err := testkit.ShippedStacks()
	require.NoError(t, err)
	require.NotEmpty(t, names, "the repository ships stack files")
	var out []shippedStack
	for _, name := range names {
		cfg, err := testkit.Shipped(name)
		require.NoError(t, err)
		out = append(out, shippedStack{name: name, config: cfg})
	}
	return out
}

// facts of a stack, read from its raw config (not through the program, so a
// defaulting bug cannot hide here).
type stackFacts struct {
	platform, mode, cloud string
	tls, maas, apiSwitch  bool
}

func factsOf(cfg map[string]any) stackFacts {
	tls, _ := cfg["tls"].(map[string]any)
	maas, _ := cfg["maas"].(map[string]any)
	s := stackFacts{platform: str(cfg["platform"]), mode: str(cfg["mode"]), cloud: str(tls["cloud"]), tls: true, maas: true}
	if s.mode == "" {
		s.mode = "live"
	}
	if v, ok := tls["enabled"].(bool); ok {
		s.tls = v
	}
	if v, ok := maas["enabled"].(bool); ok {
		s.maas = v
	}
	s.apiSwitch, _ = tls["apiCertificate"].(bool)
	return s
}

func str(v any) string { s, _ := v.(string); return s }

// cluster is the simulated cluster of the stack's platform: base domain,
// infrastructure, worker zones and AMI, catalog (testkit.OpenShift); none in
// render mode.
func (s stackFacts) cluster() dynamic.Interface {
	if s.mode == "render" {
		return nil
	}
	if s.platform == "aws" {
		return testkit.OpenShift("AWS")
	}
	return testkit.OpenShift("BareMetal")
}

// withOptIns returns a copy of the config with every documented opt-in on.
func withOptIns(cfg map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range cfg {
		out[k] = v
	}
	for path, v := range optIns {
		top, field, _ := strings.Cut(path, ".")
		m := map[string]any{}
		if old, ok := out[top].(map[string]any); ok {
			for k, v := range old {
				m[k] = v
			}
		}
		m[field] = v
		out[top] = m
	}
	return out
}

// The layers a stack must register, from its raw config.
func (s stackFacts) layers() []string {
	want := []string{"rhoai:gitops:GitOps", "rhoai:gpu:GPU", "rhoai:connectivity:Connectivity", "rhoai:lws:LeaderWorkerSet",
		"rhoai:observability:Observability", "rhoai:rhoai:OpenShiftAI", "rhoai:serving:Serving"}
	if s.tls {
		want = append(want, "rhoai:tls:TLS")
	}
	if s.tls && s.cloud == "aws" {
		want = append(want, "rhoai:awsiam:Route53Access")
	}
	if s.platform == "aws" {
		want = append(want, "rhoai:gpucapacity:GPUCapacity")
	}
	if s.maas {
		want = append(want, "rhoai:maas:Gateway", "rhoai:maas:MaaS")
	}
	sort.Strings(want)
	return want
}

func layerTypes(rec *pulumitest.Recorder) []string {
	seen := map[string]bool{}
	for _, r := range rec.All() {
		if !r.Custom && strings.Count(r.Type, ":") == 2 && strings.HasPrefix(r.Type, "rhoai:") && r.Parent == "" {
			seen[r.Type] = true
		}
	}
	var out []string
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Every shipped stack file, as a user has it after following the README,
// previews and ups under mocks against a simulated cluster of its platform
// and registers every layer it is meant to. (Before tls.route53.domain
// defaulted from the discovered base domain, aws-dev failed here with
// `awsiam "awsiam": neither hosted zone ID nor domain given`.)
func TestShippedStacks_previewAndUpRegisterEveryLayer(t *testing.T) {
	for _, st := range loadShippedStacks(t) {
		for _, variant := range []struct {
			name string
			cfg  map[string]any
		}{{"as shipped", st.config}, {"with the opt-ins", withOptIns(st.config)}} {
			t.Run(st.name+"/"+variant.name, func(t *testing.T) {
				f := factsOf(variant.cfg)
				for _, preview := range []bool{true, false} {
					rec, err := testkit.Run(variant.cfg, f.cluster(), preview)
					require.NoError(t, err, "preview=%v", preview)
					assert.Equal(t, f.layers(), layerTypes(rec), "preview=%v: the layers registered", preview)
					assert.Greater(t, len(rec.Custom()), 60, "preview=%v: the whole stack", preview)
				}
			})
		}
	}
}
