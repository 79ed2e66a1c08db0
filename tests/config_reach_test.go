package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/rhoai"
	"github.com/rhoai-pulumi/installer/stacks"
	"github.com/rhoai-pulumi/installer/tests/pulumitest"
	"github.com/rhoai-pulumi/installer/tests/testkit"
)

// reach says how one config field is shown to reach what it configures: a
// run of a shipped stack with the field at a valid non-default value
// registers something different from the same run without it.
type reach struct {
	stack   string         // shipped stack both runs start from
	with    map[string]any // set on both runs (path: value), e.g. the pin an approval needs
	value   any            // the field's valid non-default value
	also    map[string]any // set on the changed run only: what must move with the field
	cluster func() dynamic.Interface
	// fails: the changed run must fail with this (a preflight bound); the
	// base run must not.
	fails string
	// baseFails: the base run fails with this and the changed run does not
	// (an escape hatch).
	baseFails string
	noop      string // instead of value: why no valid value changes anything
}

// twoModels puts a second published model beside the default one, so a
// subscription or policy can name another model.
var twoModels = map[string]any{"models": []any{
	map[string]any{"name": "qwen3-8b", "uri": stacks.DefaultModelURI},
	map[string]any{"name": "granite", "uri": "oci://registry.example.com/models/granite:1"},
}}

// noMaaSLists drops the explicit tiers, so a change to the models cannot
// leave a subscription naming a model that is gone.
var noMaaSLists = map[string]any{"maas": map[string]any{}}

func operatorReaches() map[string]reach {
	out := map[string]reach{}
	pins := map[string]string{"rhcl": "rhcl-operator.v1.3.5", "coo": "cluster-observability-operator.v1.4.1", "rhoai": "rhods-operator.3.4.1"}
	for key, pkg := range stacks.KnownOperators {
		with := map[string]any{}
		if key == "grafana" {
			with["observability.grafana"] = true // installed only then
		}
		pin := pins[key]
		if pin == "" {
			pin = pkg.Name + ".v1.0.0"
		}
		out["operators."+key+".channel"] = reach{stack: "baremetal", with: with, value: "fast-1.x"}
		out["operators."+key+".source"] = reach{stack: "baremetal", with: with, value: "my-mirror"}
		out["operators."+key+".startingCSV"] = reach{stack: "baremetal", with: with, value: pin}
		switch {
		case pkg.Pin != nil && pkg.Pin.Manual:
			out["operators."+key+".approval"] = reach{noop: "only Manual is valid (the default): with Automatic OLM upgrades past " + pkg.Pin.Allowed}
		case pkg.Default.Approval == "Manual":
			out["operators."+key+".approval"] = reach{stack: "baremetal", with: with, value: "Automatic"}
		default:
			w := map[string]any{"operators." + key + ".startingCSV": pin}
			for k, v := range with {
				w[k] = v
			}
			out["operators."+key+".approval"] = reach{stack: "baremetal", with: w, value: "Manual"}
		}
	}
	return out
}

func componentReaches() map[string]reach {
	out := map[string]reach{}
	for _, name := range rhoai.ComponentNames() {
		var value string
		for _, s := range []string{"Managed", "Removed", "Unmanaged"} {
			if ok, _, _ := rhoai.CheckComponent(name, rhoai.ManagementState(s)); ok {
				// the default is applied when unset; a different accepted state is the change
				def := rhoai.DefaultComponentState(name)
				if rhoai.ManagementState(s) != def {
					value = s
					break
				}
			}
		}
		if value == "" {
			out["rhoai.components."+name] = reach{noop: "only " + string(rhoai.DefaultComponentState(name)) + " is valid (the default)"}
			continue
		}
		out["rhoai.components."+name] = reach{stack: "baremetal", value: value}
	}
	return out
}

func reaches(t *testing.T) map[string]reach {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o600))
	sts := map[string]any{"tls.route53.mode": "sts", "tls.route53.oidcIssuer": "oidc.example.com",
		"tls.route53.oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.example.com"}
	m := map[string]reach{
		"platform":                  {stack: "baremetal", value: "aws", cluster: awsCluster},
		"mode":                      {stack: "baremetal", with: map[string]any{"cluster.baseDomain": testkit.BaseDomain}, value: "render"},
		"renderDir":                 {stack: "render", value: "out"},
		"cluster.kubeconfig":        {stack: "baremetal", value: kubeconfig},
		"cluster.context":           {stack: "baremetal", value: "admin"},
		"cluster.clusterIdentifier": {stack: "baremetal", value: "prod-east"},
		"cluster.baseDomain":        {stack: "baremetal", value: "other.example.com"},
		"cluster.appsDomain":        {stack: "baremetal", value: "apps2.ocp.example.com"},
		"cluster.minVersion":        {stack: "baremetal", value: "4.22", fails: "4.22"},
		"cluster.skipPreflight":     {stack: "baremetal", value: true, cluster: noDefaultStorageClass, baseFails: "StorageClass"},

		"tls.cloud":                          {stack: "aws-dev", with: map[string]any{"tls.route53.mode": "", "route53AccessKeyId": "AKIAEXAMPLE", "route53SecretAccessKey": "route53-secret-value"}, value: "none"},
		"tls.enabled":                        {stack: "baremetal", value: false},
		"tls.issuer":                         {stack: "baremetal", with: map[string]any{"tls.ingressCertificate": false}, value: "letsencrypt-staging"},
		"tls.acmeEmail":                      {stack: "baremetal", value: "ops@example.com"},
		"tls.recursiveNameservers":           {stack: "baremetal", value: []any{"9.9.9.9:53"}},
		"tls.ingressCertificate":             {stack: "baremetal", value: false},
		"tls.apiCertificate":                 {stack: "baremetal", value: true},
		"tls.route53.mode":                   {stack: "aws-dev", value: "iam"},
		"tls.route53.hostedZoneId":           {stack: "aws-dev", value: "Z0999999999999999999"},
		"tls.route53.domain":                 {stack: "aws-dev", value: "example.org"},
		"tls.route53.region":                 {stack: "aws-dev", value: "us-west-2"},
		"tls.route53.oidcIssuer":             {stack: "aws-dev", with: sts, value: "oidc2.example.com"},
		"tls.route53.oidcProviderArn":        {stack: "aws-dev", with: sts, value: "arn:aws:iam::123456789012:oidc-provider/oidc2.example.com"},
		"gpu.instanceTypes":                  {stack: "aws-dev", value: []any{"g6.2xlarge"}},
		"gpu.replicasPerZone":                {stack: "aws-dev", value: 2},
		"gpu.zones":                          {stack: "aws-dev", value: []any{"us-east-2a"}},
		"gpu.infrastructureId":               {stack: "aws-dev", value: "ocp-other"},
		"gpu.region":                         {stack: "aws-dev", value: "us-west-2", also: map[string]any{"gpu.zones": []any{"us-west-2a"}}},
		"gpu.ami":                            {stack: "aws-dev", value: "ami-0fedcba9876543210"},
		"gpu.volumeSize":                     {stack: "aws-dev", value: 200},
		"gpu.minAllocatable":                 {stack: "baremetal", value: 3},
		"observability.grafana":              {stack: "baremetal", value: true},
		"observability.userWorkload":         {stack: "baremetal", value: false},
		"observability.clusterObservability": {stack: "baremetal", value: false},
		"rhoai.rawDeploymentServiceConfig":   {stack: "baremetal", value: "Headed"},
		"rhoai.llamaStack":                   {stack: "baremetal", value: true},
		"rhoai.monitoringRetention":          {stack: "baremetal", value: "30d"},
		"rhoai.traceSampleRatio":             {stack: "baremetal", value: "0.5"},
		"gateway.tls":                        {stack: "baremetal", value: "selfSigned"},
		"gateway.secret":                     {stack: "baremetal", value: "my-certs"},

		"models[0].name":            {stack: "baremetal", with: noMaaSLists, value: "qwen3"},
		"models[0].namespace":       {stack: "baremetal", value: "team-x"},
		"models[0].displayName":     {stack: "baremetal", value: "Qwen 3"},
		"models[0].servedName":      {stack: "baremetal", value: "qwen"},
		"models[0].uri":             {stack: "baremetal", value: "oci://registry.example.com/models/qwen:2"},
		"models[0].replicas":        {stack: "baremetal", value: 3},
		"models[0].gpus":            {stack: "baremetal", value: 2},
		"models[0].cpu":             {stack: "baremetal", value: "8"},
		"models[0].memory":          {stack: "baremetal", value: "32Gi"},
		"models[0].vllmArgs":        {stack: "baremetal", value: "--max-model-len=8192"},
		"models[0].image":           {stack: "baremetal", value: "registry.example.com/vllm:1"},
		"models[0].hardwareProfile": {stack: "baremetal", value: "nvidia-a10g-profile"},
		"models[0].startupProbe":    {stack: "baremetal", value: false},
		"models[0].publish":         {stack: "baremetal", with: noMaaSLists, value: false},

		"maas.enabled":                           {stack: "baremetal", value: false},
		"maas.databaseStorage":                   {stack: "baremetal", value: "20Gi"},
		"maas.databaseImage":                     {stack: "baremetal", value: "registry.example.com/postgresql:16"},
		"maas.apiKeyMaxExpirationDays":           {stack: "baremetal", value: 30},
		"maas.subscriptions[0].name":             {stack: "baremetal", value: "gold"},
		"maas.subscriptions[0].groups":           {stack: "baremetal", value: []any{"premium-users"}},
		"maas.subscriptions[0].users":            {stack: "baremetal", value: []any{"alice"}},
		"maas.subscriptions[0].priority":         {stack: "baremetal", value: 5},
		"maas.subscriptions[0].models[0].model":  {stack: "baremetal", with: twoModels, value: "granite"},
		"maas.subscriptions[0].models[0].limit":  {stack: "baremetal", value: 500},
		"maas.subscriptions[0].models[0].window": {stack: "baremetal", value: "1h"},
		"maas.authPolicies[0].name":              {stack: "baremetal", value: "callers-b"},
		"maas.authPolicies[0].models":            {stack: "baremetal", with: twoModels, value: []any{"granite"}},
		"maas.authPolicies[0].groups":            {stack: "baremetal", value: []any{"premium-users"}},
		"maas.authPolicies[0].users":             {stack: "baremetal", value: []any{"alice"}},
		stacks.KeyDatabasePassword:               {stack: "baremetal", value: "db-secret-value"},
		stacks.KeyDatabaseURL:                    {stack: "baremetal", value: "postgresql://maas:pw@db.example.com:5432/maas"},
		stacks.KeyRoute53AccessKeyID:             {stack: "baremetal", value: "AKIAOTHER"},
		stacks.KeyRoute53SecretKey:               {stack: "baremetal", value: "other-secret-value"},
	}
	for k, v := range operatorReaches() {
		m[k] = v
	}
	for k, v := range componentReaches() {
		m[k] = v
	}
	return m
}

func awsCluster() dynamic.Interface { return testkit.OpenShift("AWS") }

// noDefaultStorageClass is a cluster whose only StorageClass is not the
// default: preflight reports it.
func noDefaultStorageClass() dynamic.Interface {
	c := testkit.OpenShift("BareMetal")
	_ = c.Resource(schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}).Delete(context.Background(), "gp3-csi", metav1.DeleteOptions{})
	return c
}

// configPaths walks the config types by reflection: every leaf field, with
// map keys expanded to what config accepts and list elements as [0].
func configPaths() []string {
	var out []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" || name == "" {
					continue
				}
				p := name
				if prefix != "" {
					p = prefix + "." + name
				}
				walk(p, f.Type)
			}
		case reflect.Map:
			var keys []string
			switch prefix {
			case "operators":
				for k := range stacks.KnownOperators {
					keys = append(keys, k)
				}
			case "rhoai.components":
				keys = rhoai.ComponentNames()
			default:
				panic("config map " + prefix + ": say which keys it accepts")
			}
			for _, k := range keys {
				walk(prefix+"."+k, t.Elem())
			}
		case reflect.Slice:
			if e := t.Elem(); e.Kind() == reflect.Struct {
				walk(prefix+"[0]", e)
				return
			}
			out = append(out, prefix)
		default:
			out = append(out, prefix)
		}
	}
	walk("", reflect.TypeOf(stacks.Config{}))
	out = append(out, stacks.KeyDatabasePassword, stacks.KeyDatabaseURL, stacks.KeyRoute53AccessKeyID, stacks.KeyRoute53SecretKey)
	sort.Strings(out)
	return out
}

// explicitLists make the list paths exist in the base run: the default model
// and one tier and policy over it, as a user would write them.
var explicitLists = map[string]any{
	"models": []any{map[string]any{"name": "qwen3-8b", "uri": stacks.DefaultModelURI}},
	"maas": map[string]any{
		"subscriptions": []any{map[string]any{"name": "tier", "groups": []any{"system:authenticated"},
			"models": []any{map[string]any{"model": "qwen3-8b", "limit": 1000, "window": "24h"}}}},
		"authPolicies": []any{map[string]any{"name": "callers", "groups": []any{"system:authenticated"}, "models": []any{"qwen3-8b"}}},
	},
}

// Every config field reaches what it configures: set to a valid non-default
// value, the registered resources differ from the same run without it.
// Fields that change nothing are listed with why.
func TestConfig_everyFieldReachesWhatItConfigures(t *testing.T) {
	shipped := map[string]map[string]any{}
	for _, st := range loadShippedStacks(t) {
		shipped[st.name] = st.config
	}
	table := reaches(t)
	paths := configPaths()
	var missing, stale []string
	for _, p := range paths {
		if _, ok := table[p]; !ok {
			missing = append(missing, p)
		}
	}
	for p := range table {
		if !slices.Contains(paths, p) {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	require.Empty(t, missing, "config fields without a reach entry: give each a valid non-default value (or a reason it changes nothing)")
	require.Empty(t, stale, "reach entries for fields the config no longer has")

	for _, p := range paths {
		r := table[p]
		t.Run(p, func(t *testing.T) {
			if r.noop != "" {
				t.Skip("changes nothing: " + r.noop)
			}
			base := deepCopy(shipped[r.stack])
			require.NotNil(t, base, "stack %s is shipped", r.stack)
			for k, v := range explicitLists {
				base[k] = deepCopy(map[string]any{"v": v})["v"]
			}
			for k, v := range r.with {
				setPath(t, base, k, v)
			}
			changed := deepCopy(base)
			setPath(t, changed, p, r.value)
			for k, v := range r.also {
				setPath(t, changed, k, v)
			}
			cluster := func() dynamic.Interface { return factsOf(base).cluster() }
			if r.cluster != nil {
				cluster = r.cluster
			}
			before, errBefore := testkit.Run(base, cluster(), false)
			after, errAfter := testkit.Run(changed, clusterFor(changed, r), false)
			switch {
			case r.fails != "":
				require.NoError(t, errBefore)
				require.Error(t, errAfter)
				assert.Contains(t, errAfter.Error(), r.fails)
			case r.baseFails != "":
				require.Error(t, errBefore)
				assert.Contains(t, errBefore.Error(), r.baseFails)
				require.NoError(t, errAfter)
			default:
				require.NoError(t, errBefore, "the base run")
				require.NoError(t, errAfter, "the run with %s=%v", p, r.value)
				assert.NotEqual(t, fingerprint(before), fingerprint(after), "%s=%v registers exactly what the base run registers: the field reaches nothing", p, r.value)
			}
		})
	}
}

// clusterFor: the changed run's cluster follows its platform (platform aws
// runs on an AWS cluster).
func clusterFor(cfg map[string]any, r reach) dynamic.Interface {
	if r.cluster != nil {
		return r.cluster()
	}
	return factsOf(cfg).cluster()
}

// fingerprint is everything a run registered: type, name, parent, inputs
// (secret values included), dependencies and hooks.
func fingerprint(rec *pulumitest.Recorder) []string {
	var out []string
	for _, r := range rec.All() {
		inputs, _ := json.Marshal(r.Inputs.Mappable())
		deps := append([]string(nil), r.Deps...)
		sort.Strings(deps)
		out = append(out, fmt.Sprintf("%s %s parent=%s inputs=%s deps=%v hooks=%v", r.Type, r.Name, r.Parent, inputs, deps, r.Hooks))
	}
	sort.Strings(out)
	return out
}

var pathToken = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// setPath sets a dotted config path ("tls.route53.mode", "models[0].cpu")
// in a config map, creating objects on the way; list elements must exist.
func setPath(t *testing.T, cfg map[string]any, path string, v any) {
	t.Helper()
	tokens := pathToken.FindAllStringSubmatch(path, -1)
	var cur any = cfg
	for i, tok := range tokens {
		last := i == len(tokens)-1
		if tok[2] != "" {
			idx, _ := strconv.Atoi(tok[2])
			list, ok := cur.([]any)
			require.True(t, ok && idx < len(list), "%s: no list element %d", path, idx)
			if last {
				list[idx] = v
				return
			}
			cur = list[idx]
			continue
		}
		m, ok := cur.(map[string]any)
		require.True(t, ok, "%s: %s is not an object", path, tok[1])
		if last {
			m[tok[1]] = v
			return
		}
		if _, ok := m[tok[1]]; !ok {
			m[tok[1]] = map[string]any{}
		}
		cur = m[tok[1]]
	}
}

func deepCopy(m map[string]any) map[string]any {
	raw, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// The README's configuration reference names every config key, and only
// keys the config has: a row `models[i].{name,uri}` covers models[0].name
// and models[0].uri; `operators.<key>...` and `rhoai.components.<name>`
// cover every operator key and DSC component.
func TestREADME_configurationReferenceMatchesTheSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "README.md"))
	require.NoError(t, err)
	text := string(raw)
	start := strings.Index(text, "## Configuration reference")
	require.GreaterOrEqual(t, start, 0)
	end := strings.Index(text[start+1:], "\n## ")
	section := text[start : start+1+end]
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.SplitN(strings.TrimPrefix(line, "| "), " | ", 2)[0]
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(cell, -1) {
			for _, k := range expandKey(m[1]) {
				documented[k] = true
			}
		}
	}
	var missing []string
	for _, p := range configPaths() {
		if !documented[p] {
			missing = append(missing, p)
		}
	}
	assert.Empty(t, missing, "config keys the README's configuration reference does not name")
	paths := configPaths()
	var stale []string
	for k := range documented {
		if !slices.Contains(paths, k) {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	assert.Empty(t, stale, "keys the README names that the config does not have")
}

// expandKey expands a README key pattern: {a,b} alternatives, [i]/[j] as
// [0], <key> as every operator key, <name> as every DSC component.
func expandKey(k string) []string {
	k = strings.NewReplacer("[i]", "[0]", "[j]", "[0]").Replace(k)
	if i := strings.Index(k, "<key>"); i >= 0 {
		var out []string
		for op := range stacks.KnownOperators {
			out = append(out, expandKey(k[:i]+op+k[i+len("<key>"):])...)
		}
		return out
	}
	if i := strings.Index(k, "<name>"); i >= 0 {
		var out []string
		for _, c := range rhoai.ComponentNames() {
			out = append(out, expandKey(k[:i]+c+k[i+len("<name>"):])...)
		}
		return out
	}
	open := strings.LastIndex(k, "{")
	if open < 0 {
		return []string{k}
	}
	closing := open + strings.Index(k[open:], "}")
	var out []string
	for _, alt := range strings.Split(k[open+1:closing], ",") {
		out = append(out, expandKey(k[:open]+alt+k[closing+1:])...)
	}
	return out
}
