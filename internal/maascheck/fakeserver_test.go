package maascheck

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Secrets the fake server hands out or accepts; tests assert none is printed.
const (
	testToken     = "sha256~OCTOKEN-never-print-me-0123456789"
	testKeySecret = "KEYSECRET"
)

// fakeMaaS behaves like maas-api behind the MaaS gateway (openapi3.yaml:
// /health, /v1/api-keys, /v1/api-keys/{id}, /v1/models) plus the gateway's
// model route with Authorino (401/403) and Limitador (429 once a
// subscription's token budget is spent; only non-streaming usage counts).
type fakeMaaS struct {
	mu sync.Mutex

	// knobs (zero values: behave like a healthy install)
	healthStatus int            // /maas-api/health status (0: 200)
	createStatus int            // POST /v1/api-keys status (0: 201)
	createError  string         // its {"error"} on failure
	listed       []string       // /v1/models ids (nil: every model in served)
	noKeyStatus  int            // model route without a key (0: 401)
	chatStatus   int            // model route with a valid key (0: 200 with usage)
	chatHang     bool           // model route waits until the client gives up
	limits       map[string]int // token budget per subscription (absent: unlimited)
	usage        int            // usage.total_tokens per completion
	deleteStatus int            // DELETE /v1/api-keys/{id} (0: 200)
	echoSecrets  bool           // error bodies echo the Authorization header

	served map[string]string // "/ns/name" → served model name

	// record
	keys     map[string]*fakeKey // by key
	ids      []string            // ids in creation order
	deleted  []string            // ids DELETE reached
	spent    map[string]int      // tokens per subscription
	chats    map[string]int      // completions per subscription (any status)
	requests []string
}

type fakeKey struct {
	id, key, subscription string
	revoked               bool
}

func newFakeMaaS() *fakeMaaS {
	return &fakeMaaS{
		usage:  12,
		served: map[string]string{"/llm-d-demo/qwen3-8b": "alibaba/qwen3-8b"},
		keys:   map[string]*fakeKey{}, spent: map[string]int{}, chats: map[string]int{},
	}
}

func (f *fakeMaaS) start(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return srv
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fakeMaaS) errorBody(r *http.Request, msg string) map[string]any {
	if f.echoSecrets {
		msg += " (got " + r.Header.Get("Authorization") + ")"
	}
	return map[string]any{"error": msg}
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (f *fakeMaaS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	hang := f.chatHang && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v1/chat/completions") &&
		r.Header.Get("Authorization") != ""
	f.mu.Unlock()
	if hang {
		// Drain the body first: only then does the server notice the client
		// hanging up and cancel r.Context().
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch p := r.URL.Path; {
	case p == "/maas-api/health" && r.Method == http.MethodGet:
		if f.healthStatus != 0 && f.healthStatus != http.StatusOK {
			writeJSON(w, f.healthStatus, map[string]any{"error": "not found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "healthy"})
	case p == "/maas-api/v1/api-keys" && r.Method == http.MethodPost:
		f.createKey(w, r)
	case strings.HasPrefix(p, "/maas-api/v1/api-keys/") && r.Method == http.MethodDelete:
		f.deleteKey(w, r, strings.TrimPrefix(p, "/maas-api/v1/api-keys/"))
	case p == "/v1/models" && r.Method == http.MethodGet:
		f.listModels(w, r)
	case strings.HasSuffix(p, "/v1/chat/completions") && r.Method == http.MethodPost:
		f.chat(w, r, strings.TrimSuffix(p, "/v1/chat/completions"))
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no route " + p})
	}
}

func (f *fakeMaaS) createKey(w http.ResponseWriter, r *http.Request) {
	if bearer(r) != testToken {
		writeJSON(w, http.StatusUnauthorized, f.errorBody(r, "unauthorized"))
		return
	}
	var body struct {
		Name         string `json:"name"`
		ExpiresIn    string `json:"expiresIn"`
		Subscription string `json:"subscription"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
		writeJSON(w, http.StatusBadRequest, f.errorBody(r, "name is required"))
		return
	}
	if f.createStatus != 0 && f.createStatus != http.StatusCreated {
		writeJSON(w, f.createStatus, f.errorBody(r, f.createError))
		return
	}
	id := fmt.Sprintf("k%d", len(f.ids)+1)
	k := &fakeKey{id: id, key: "sk-oai-" + id + "_" + testKeySecret + id, subscription: body.Subscription}
	f.keys[k.key] = k
	f.ids = append(f.ids, id)
	writeJSON(w, http.StatusCreated, map[string]any{
		"key": k.key, "keyPrefix": "sk-oai-" + id, "id": id, "name": body.Name, "subscription": body.Subscription,
		"createdAt": "2026-01-02T03:04:05Z", "expiresAt": "2026-01-02T04:04:05Z", "ephemeral": false,
	})
}

func (f *fakeMaaS) deleteKey(w http.ResponseWriter, r *http.Request, id string) {
	if bearer(r) != testToken {
		writeJSON(w, http.StatusUnauthorized, f.errorBody(r, "unauthorized"))
		return
	}
	f.deleted = append(f.deleted, id)
	if f.deleteStatus != 0 && f.deleteStatus != http.StatusOK {
		writeJSON(w, f.deleteStatus, f.errorBody(r, "database unavailable"))
		return
	}
	for _, k := range f.keys {
		if k.id == id {
			k.revoked = true
			writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": "x", "creationDate": "2026-01-02T03:04:05Z", "status": "revoked"})
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"error": "API key not found"})
}

func (f *fakeMaaS) validKey(r *http.Request) (*fakeKey, bool) {
	k, ok := f.keys[bearer(r)]
	return k, ok && !k.revoked
}

func (f *fakeMaaS) listModels(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.validKey(r); !ok {
		writeJSON(w, http.StatusUnauthorized, f.errorBody(r, "unauthorized"))
		return
	}
	ids := f.listed
	if ids == nil {
		for _, s := range f.served {
			ids = append(ids, s)
		}
	}
	data := []map[string]any{}
	for _, id := range ids {
		data = append(data, map[string]any{"id": id, "object": "model", "created": 1672531200,
			"owned_by": "llm-d-demo", "ready": true})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (f *fakeMaaS) chat(w http.ResponseWriter, r *http.Request, route string) {
	if r.Header.Get("Authorization") == "" {
		status := f.noKeyStatus
		if status == 0 {
			status = http.StatusUnauthorized
		}
		if status == http.StatusOK {
			writeJSON(w, status, completion("x", f.usage))
			return
		}
		w.WriteHeader(status) // Authorino answers 401 with an empty body
		return
	}
	k, ok := f.validKey(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, f.errorBody(r, "unauthorized"))
		return
	}
	sub := k.subscription
	if h := r.Header.Get("x-maas-subscription"); h != "" && h != sub {
		writeJSON(w, http.StatusForbidden, f.errorBody(r, "key not bound to subscription "+h))
		return
	}
	f.chats[sub]++
	served, ok := f.served[route]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no route"})
		return
	}
	var body chatRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Model != served {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{
			"message": fmt.Sprintf("The model `%s` does not exist.", body.Model)}})
		return
	}
	if limit, ok := f.limits[sub]; ok && f.spent[sub] >= limit {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Too Many Requests\n"))
		return
	}
	if f.chatStatus != 0 && f.chatStatus != http.StatusOK {
		writeJSON(w, f.chatStatus, map[string]any{"error": map[string]any{"message": "upstream connect error"}})
		return
	}
	if !body.Stream {
		f.spent[sub] += f.usage
	}
	writeJSON(w, http.StatusOK, completion(served, f.usage))
}

func completion(model string, total int) map[string]any {
	return map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": "ok"}}},
		"usage": map[string]any{"prompt_tokens": total - 2, "completion_tokens": 2, "total_tokens": total},
	}
}

// testOutputs are stack outputs pointing at srv: one published model, a
// premium and a free subscription.
func testOutputs(url string) *Outputs {
	return &Outputs{
		MaasURL: url, MaasAPIURL: url + "/maas-api", DashboardURL: "https://dashboard.example",
		Models: []Model{{Name: "qwen3-8b", Namespace: "llm-d-demo", ServedName: "alibaba/qwen3-8b", Published: true,
			Endpoint: url + "/llm-d-demo/qwen3-8b"}},
		Subscriptions: []Subscription{
			{Name: "premium", Priority: 10, Groups: []string{"premium-users"},
				Models: []SubscriptionModel{{Name: "qwen3-8b", Namespace: "llm-d-demo", Limit: 100000, Window: "24h"}}},
			{Name: "free", Priority: 0, Groups: []string{"system:authenticated"},
				Models: []SubscriptionModel{{Name: "qwen3-8b", Namespace: "llm-d-demo", Limit: 50, Window: "24h"}}},
		},
	}
}

func httptestServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func decode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
