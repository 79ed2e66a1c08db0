package maascheck

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt from the runs against the test server")

// fixedNow names the keys deterministically.
func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

type runResult struct {
	rep Report
	out string
	url string
}

func runCheck(t *testing.T, f *fakeMaaS, lowTier string, edit func(*Outputs), timeout time.Duration) runResult {
	t.Helper()
	srv := f.start(t)
	outs := testOutputs(srv.URL)
	if edit != nil {
		edit(outs)
	}
	sel, err := Select(outs, "", lowTier, "")
	require.NoError(t, err)
	var buf bytes.Buffer
	rep := Run(context.Background(), Config{
		Outputs: outs, Selection: sel, Token: testToken, HTTP: srv.Client(),
		Timeout: timeout, RevokeTimeout: 5 * time.Second, Out: &buf, Now: fixedNow,
	})
	return runResult{rep: rep, out: buf.String(), url: srv.URL}
}

func outcomes(rep Report) map[string]Outcome {
	m := map[string]Outcome{}
	for _, s := range rep.Steps {
		m[s.Step] = s.Outcome
	}
	return m
}

func allSteps(o Outcome) map[string]Outcome {
	m := map[string]Outcome{}
	for _, s := range []string{StepReachable, StepCreateKey, StepModels, StepNoKey, StepChat, StepLowTier, StepRevoke} {
		m[s] = o
	}
	return m
}

func with(m map[string]Outcome, kv ...any) map[string]Outcome {
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(Outcome)
	}
	return m
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*fakeMaaS)
		edit     func(*Outputs)
		lowTier  string
		timeout  time.Duration
		want     map[string]Outcome
		exit     int
		deleted  []string // ids the DELETEs reached
		contains []string // in the output
		check    func(t *testing.T, f *fakeMaaS, r runResult)
	}{
		{
			name:    "a healthy install passes every step and revokes both keys",
			want:    allSteps(Pass),
			deleted: []string{"k1", "k2"},
			contains: []string{
				"PASS create-api-key: HTTP 201 key sk-oai-k1… id k1 subscription premium",
				"PASS list-models: HTTP 200 lists llm-d-demo/qwen3-8b",
				"PASS request-without-key: HTTP 401",
				"PASS chat-completion: HTTP 200 usage: 10 prompt + 2 completion = 12 total tokens",
				"PASS low-tier-429: HTTP 429 Too Many Requests after 6 requests (60 tokens, limit 50 per 24h for free)",
				"PASS revoke-keys: HTTP 200 revoked 2 key(s): sk-oai-k1… (id k1), sk-oai-k2… (id k2)",
				"7 passed, 0 failed, 0 skipped",
			},
		},
		{
			name:  "a 500 on key creation is reported with the Authorino TLS hint and nothing is revoked",
			setup: func(f *fakeMaaS) { f.createStatus, f.createError = 500, "failed to create API key" },
			want:  with(allSteps(Skip), StepReachable, Pass, StepCreateKey, Fail, StepNoKey, Pass),
			exit:  1,
			contains: []string{
				"FAIL create-api-key: HTTP 500 failed to create API key",
				"hint: " + HintAuthorinoTLS,
				"SKIP chat-completion: no API key (create-api-key failed)",
				"SKIP revoke-keys: no key was created",
				"2 passed, 1 failed, 4 skipped",
			},
		},
		{
			name:     "a published model missing from /v1/models fails list-models and names it",
			setup:    func(f *fakeMaaS) { f.listed = []string{"other-model"} },
			want:     with(allSteps(Pass), StepModels, Fail),
			exit:     1,
			deleted:  []string{"k1", "k2"},
			contains: []string{"FAIL list-models: HTTP 200 missing: llm-d-demo/qwen3-8b (listed: other-model)", "hint: check MaaSModelRef"},
		},
		{
			name:     "a request without a key that is accepted fails",
			setup:    func(f *fakeMaaS) { f.noKeyStatus = 200 },
			want:     with(allSteps(Pass), StepNoKey, Fail),
			exit:     1,
			deleted:  []string{"k1", "k2"},
			contains: []string{"FAIL request-without-key: HTTP 200 chat completion of llm-d-demo/qwen3-8b without a key was accepted"},
		},
		{
			name:    "no 429 within limit/min-usage+3 requests fails the low tier step",
			setup:   func(f *fakeMaaS) { f.limits = map[string]int{} },
			want:    with(allSteps(Pass), StepLowTier, Fail),
			exit:    1,
			deleted: []string{"k1", "k2"},
			contains: []string{
				"FAIL low-tier-429: HTTP 200 no 429 after 8 requests (96 tokens, limit 50 per 24h for free)",
				"hint: token limits are not enforced",
			},
			check: func(t *testing.T, f *fakeMaaS, _ runResult) {
				assert.Equal(t, 8, f.chats["free"], "ceil(50/12)+3 requests, not one more")
			},
		},
		{
			name:     "keys are revoked after a mid-run failure of the model",
			setup:    func(f *fakeMaaS) { f.chatStatus = 503 },
			want:     with(allSteps(Pass), StepChat, Fail, StepLowTier, Fail),
			exit:     1,
			deleted:  []string{"k1", "k2"},
			contains: []string{"FAIL chat-completion: HTTP 503 upstream connect error", "PASS revoke-keys"},
		},
		{
			name:     "keys are revoked after the run timed out",
			setup:    func(f *fakeMaaS) { f.chatHang = true },
			timeout:  500 * time.Millisecond,
			want:     with(allSteps(Pass), StepNoKey, Pass, StepChat, Fail, StepLowTier, Fail),
			exit:     1,
			deleted:  []string{"k1"},
			contains: []string{"FAIL chat-completion: HTTP - timed out", "hint: raise --timeout", "PASS revoke-keys: HTTP 200 revoked 1 key(s)"},
		},
		{
			name:     "a failing revocation is its own failed step with the manual command",
			setup:    func(f *fakeMaaS) { f.deleteStatus = 500 },
			want:     with(allSteps(Pass), StepRevoke, Fail),
			exit:     1,
			deleted:  []string{"k1", "k2"},
			contains: []string{"FAIL revoke-keys: HTTP 500 revoked 0 of 2 keys", "curl -X DELETE"},
		},
		{
			name:    "the low tier step is skipped when only one subscription exists",
			edit:    func(o *Outputs) { o.Subscriptions = o.Subscriptions[:1] },
			want:    with(allSteps(Pass), StepLowTier, Skip),
			exit:    0,
			deleted: []string{"k1"},
			contains: []string{"SKIP low-tier-429: the smallest token limit is the main subscription's (premium)",
				"6 passed, 0 failed, 1 skipped"},
		},
		{
			name:     "a missing /health still passes reachability when the gateway answers 401",
			setup:    func(f *fakeMaaS) { f.healthStatus = 404 },
			want:     allSteps(Pass),
			deleted:  []string{"k1", "k2"},
			contains: []string{"PASS maas-api-reachable: HTTP 401 gateway answers"},
		},
		{
			name:     "server messages echoing the token or a key are redacted",
			setup:    func(f *fakeMaaS) { f.echoSecrets, f.createStatus, f.createError = true, 500, "boom" },
			want:     with(allSteps(Skip), StepReachable, Pass, StepCreateKey, Fail, StepNoKey, Pass),
			exit:     1,
			contains: []string{"FAIL create-api-key: HTTP 500 boom (got Bearer [REDACTED])"},
		},
		{
			name:     "an explicit low tier equal to the main subscription is used",
			lowTier:  "premium",
			edit:     func(o *Outputs) { o.Subscriptions[0].Models[0].Limit = 30 },
			want:     allSteps(Pass),
			deleted:  []string{"k1", "k2"},
			contains: []string{"PASS low-tier-429: HTTP 429 Too Many Requests after 3 requests (24 tokens, limit 30 per 24h for premium)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMaaS()
			f.limits = map[string]int{"free": 50, "premium": 100000}
			if tc.lowTier == "premium" {
				f.limits["premium"] = 30
			}
			if tc.setup != nil {
				tc.setup(f)
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 20 * time.Second
			}
			r := runCheck(t, f, tc.lowTier, tc.edit, timeout)

			assert.Equal(t, tc.want, outcomes(r.rep), r.out)
			assert.Equal(t, tc.exit, r.rep.ExitCode(), r.out)
			f.mu.Lock()
			assert.ElementsMatch(t, tc.deleted, f.deleted, "DELETE /v1/api-keys/{id} reached the server for every key created")
			assert.Len(t, f.deleted, len(f.ids), "every created key is revoked")
			issued := make([]string, 0, len(f.keys))
			for k := range f.keys {
				issued = append(issued, k)
			}
			f.mu.Unlock()
			for _, c := range tc.contains {
				assert.Contains(t, r.out, c)
			}
			assertNoSecrets(t, r.out, issued)
			assert.Equal(t, StepRevoke, r.rep.Steps[len(r.rep.Steps)-1].Step, "revocation is reported last")
			if tc.check != nil {
				tc.check(t, f, r)
			}
		})
	}
}

func assertNoSecrets(t *testing.T, out string, keys []string) {
	t.Helper()
	assert.NotContains(t, out, testToken)
	assert.NotContains(t, out, "OCTOKEN")
	assert.NotContains(t, out, testKeySecret)
	for _, k := range keys {
		assert.NotContains(t, out, k)
	}
}

func TestRunRequestsFollowTheContract(t *testing.T) {
	f := newFakeMaaS()
	f.limits = map[string]int{"free": 50}
	r := runCheck(t, f, "", nil, 20*time.Second)
	require.Equal(t, 0, r.rep.ExitCode(), r.out)
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Equal(t, []string{
		"GET /maas-api/health",
		"POST /maas-api/v1/api-keys",
		"GET /v1/models",
		"POST /llm-d-demo/qwen3-8b/v1/chat/completions", // without a key
		"POST /llm-d-demo/qwen3-8b/v1/chat/completions", // chat
		"POST /maas-api/v1/api-keys",                    // low tier key
	}, f.requests[:6])
	assert.Equal(t, "DELETE /maas-api/v1/api-keys/k2", f.requests[len(f.requests)-1])
	for _, k := range f.keys {
		want := map[string]string{"k1": "premium", "k2": "free"}[k.id]
		assert.Equal(t, want, k.subscription, "key %s bound to the chosen subscription", k.id)
	}
}

func TestRunSendsTheDocumentedBodies(t *testing.T) {
	var keyBody, chatBody map[string]any
	var subHeader string
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/maas-api/v1/api-keys":
			require.NoError(t, decode(r, &keyBody))
			writeJSON(w, 201, map[string]any{"key": "sk-oai-a1_" + testKeySecret, "keyPrefix": "sk-oai-a1", "id": "a1"})
		case strings.HasSuffix(r.URL.Path, "/chat/completions") && r.Header.Get("Authorization") != "":
			require.NoError(t, decode(r, &chatBody))
			subHeader = r.Header.Get("x-maas-subscription")
			writeJSON(w, 200, completion("alibaba/qwen3-8b", 5))
		case r.URL.Path == "/maas-api/health":
			writeJSON(w, 200, map[string]any{"status": "healthy"})
		default:
			w.WriteHeader(401)
		}
	})
	outs := testOutputs(srv.URL)
	outs.Subscriptions = outs.Subscriptions[:1]
	sel, err := Select(outs, "", "", "")
	require.NoError(t, err)
	Run(context.Background(), Config{Outputs: outs, Selection: sel, Token: testToken, HTTP: srv.Client(), Now: fixedNow})

	assert.Equal(t, map[string]any{"name": "maas-check-main-20260102-030405",
		"description": "created by maas-check; revoked at the end of the run", "expiresIn": "1h",
		"subscription": "premium"}, keyBody)
	assert.Equal(t, "alibaba/qwen3-8b", chatBody["model"], "the served model name, not the object name")
	assert.Equal(t, false, chatBody["stream"], "token limits count only non-streaming responses")
	assert.Equal(t, float64(16), chatBody["max_tokens"])
	assert.Equal(t, "premium", subHeader)
}

// TestGoldenRuns saves one passing and one failing run for the README
// (go test ./internal/maascheck -run TestGoldenRuns -update). The saved text
// only keeps the README current; what the runs must show is asserted here.
func TestGoldenRuns(t *testing.T) {
	for _, tc := range []struct {
		file  string
		setup func(*fakeMaaS)
		want  []string // lines (prefixes) the run must print
	}{
		{file: "run-pass.txt", want: []string{"PASS maas-api-reachable:", "PASS create-api-key: HTTP 201", "PASS list-models:", "PASS request-without-key: HTTP 401",
			"PASS chat-completion: HTTP 200", "PASS low-tier-429: HTTP 429", "PASS revoke-keys:", "7 passed, 0 failed, 0 skipped"}},
		{file: "run-fail.txt", setup: func(f *fakeMaaS) { f.createStatus, f.createError = 500, "failed to create API key" },
			want: []string{"FAIL create-api-key: HTTP 500 failed to create API key", "     hint: ", "SKIP list-models:", "SKIP chat-completion:",
				"SKIP low-tier-429:", "SKIP revoke-keys: no key was created", "2 passed, 1 failed, 4 skipped"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := newFakeMaaS()
			f.limits = map[string]int{"free": 50}
			if tc.setup != nil {
				tc.setup(f)
			}
			r := runCheck(t, f, "", nil, 20*time.Second)
			got := strings.ReplaceAll(r.out, r.url, "https://maas.apps.example.com")
			lines := strings.Split(got, "\n")
			for _, w := range tc.want {
				assert.True(t, slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }), "the run prints a line %q:\n%s", w, got)
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestDisplayPrefixNeverShowsTheSecret(t *testing.T) {
	tests := []struct{ name, key, prefix, want string }{
		{"the server's prefix is used", "sk-oai-abc123_s3cr3t", "sk-oai-abc", "sk-oai-abc…"},
		{"a prefix reaching into the secret is cut at the underscore", "sk-oai-ab_s3cr3t", "sk-oai-ab_s3", "sk-oai-ab…"},
		{"no prefix falls back to the key format", "sk-oai-ab_s3cr3t", "", "sk-oai-…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, displayPrefix(tc.key, tc.prefix))
		})
	}
}
