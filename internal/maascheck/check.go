// Package maascheck proves a Models-as-a-Service install end to end from the
// stack outputs (opendatahub-io/models-as-a-service@v0.1.1
// maas-api/openapi3.yaml; step 8 of alpha-hack-program/llm-d-guide@1f391b7
// docs/phases/06-maas.md): the MaaS API answers, an API key can be created,
// /v1/models lists the published models, a request without a key is refused,
// a completion returns usage tokens, a low tier reaches 429, and every key
// created is revoked at the end whatever happened before. It also prints
// a per-layer health report of the live cluster (health.go).
package maascheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Step names, in the order they run.
const (
	StepReachable = "maas-api-reachable"
	StepCreateKey = "create-api-key"
	StepModels    = "list-models"
	StepNoKey     = "request-without-key"
	StepChat      = "chat-completion"
	StepLowTier   = "low-tier-429"
	StepRevoke    = "revoke-keys"
)

// Hints printed under a failing step.
const (
	HintAuthorinoTLS = "check Authorino TLS: EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl, " +
		"Authorino listener TLS, odh-model-controller logs"
	hintUnreachable = "check DNS for the maas host, Route openshift-ingress/maas-default-gateway, Gateway " +
		"maas-default-gateway Programmed (run --health); a private CA needs --insecure-skip-tls-verify"
	hintAPIRoute = "check HTTPRoute redhat-ods-applications/maas-api-route and deployment/maas-api " +
		"(DSC ModelsAsServiceReady; run --health)"
	hintTokenRejected = "the OpenShift token was refused: log in again (oc login) and export it (OC_TOKEN=$(oc whoami -t))"
	hintNotOwner      = "the user is not in the subscription's owner groups (MaaSSubscription spec.owner.groups), " +
		"or the subscription does not exist/is not Active"
	hintModelsMissing = "check MaaSModelRef phase Ready, and that MaaSAuthPolicy subjects match the subscription " +
		"owner groups (else the model silently disappears from /v1/models)"
	hintAuthOpen = "requests without a key reach the model: check the Kuadrant CR exists and AuthPolicies " +
		"gateway-default-auth and maas-auth-<model> are Accepted=True (oc get authpolicy -A)"
	hintKeyRefused = "the key was refused: check MaaSAuthPolicy subjects vs the subscription owner groups and " +
		"AuthPolicy maas-auth-<model> Accepted=True"
	hintRoute = "no route to the model: check MaaSModelRef status.endpoint and that the LLMInferenceService " +
		"router.gateway.refs names maas-default-gateway"
	hintBudgetSpent = "the subscription's token budget is already spent for this window; use another subscription or wait"
	hintBackend     = "check the LLMInferenceService is Ready and its pods serve (run --health)"
	hintNoUsage     = "the response has no usage.total_tokens: token limits cannot be counted (stream must be false)"
	hintNo429       = "token limits are not enforced: check TokenRateLimitPolicy maas-trlp-<model> Accepted/Enforced, " +
		"Limitador in kuadrant-system, and the MaaSSubscription status.tokenRateLimitStatuses"
	hintTimeout = "raise --timeout, or check the model's latency"
)

// Key lifetime: a safety net in case revocation cannot reach the server.
const keyExpiresIn = "1h"

// Config is one run of the check.
type Config struct {
	Outputs   *Outputs
	Selection Selection
	// Token is the user's OpenShift token; it is never printed.
	Token string
	// HTTP sends the requests (TLS settings are the caller's).
	HTTP *http.Client
	// Timeout bounds steps 1-6; revocation has its own RevokeTimeout.
	Timeout       time.Duration
	RevokeTimeout time.Duration
	// MaxTokens is max_tokens of each completion (small: the 429 step sends many).
	MaxTokens int
	Out       io.Writer
	// Now names the keys; tests fix it.
	Now func() time.Time
}

// Outcome of a step.
type Outcome string

// Outcomes.
const (
	Pass Outcome = "PASS"
	Fail Outcome = "FAIL"
	Skip Outcome = "SKIP"
)

// StepResult is one printed step.
type StepResult struct {
	Step    string
	Outcome Outcome
	Status  string // "HTTP 201", "HTTP -" or "" (skipped before any request)
	Message string
	Hint    string
}

// Report is the result of a run.
type Report struct {
	Steps                   []StepResult
	Passed, Failed, Skipped int
}

// ExitCode is 0 only if no step failed.
func (r Report) ExitCode() int {
	if r.Failed > 0 {
		return 1
	}
	return 0
}

// createdKey is a key to revoke; the key itself is not kept.
type createdKey struct {
	ID, Display, Subscription string
}

type run struct {
	cfg     Config
	c       *client
	out     io.Writer
	report  Report
	keys    []createdKey
	mainKey string // the plaintext key, only in memory
	// minUsage is the smallest usage.total_tokens seen (0: none yet).
	minUsage int
}

// Run executes the steps in order and prints each as it completes, then the
// summary. Keys are revoked in a deferred step that runs whatever happened
// before, with a context of its own (the run's may have timed out).
func Run(ctx context.Context, cfg Config) (rep Report) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.RevokeTimeout <= 0 {
		cfg.RevokeTimeout = 30 * time.Second
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	sec := &redactor{}
	sec.add(cfg.Token)
	r := &run{cfg: cfg, c: &client{http: cfg.HTTP, secrets: sec}}
	r.out = redactingWriter{w: cfg.Out, r: sec}

	r.header()
	defer func() {
		r.revoke(context.WithoutCancel(ctx))
		fmt.Fprintf(r.out, "%d passed, %d failed, %d skipped\n", r.report.Passed, r.report.Failed, r.report.Skipped)
		rep = r.report
	}()

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r.reachable(ctx)
	r.createKey(ctx)
	r.listModels(ctx)
	r.withoutKey(ctx)
	r.chat(ctx)
	r.lowTier(ctx)
	return r.report
}

func (r *run) header() {
	s := r.cfg.Selection
	model := "none published"
	if s.HasModel {
		model = fmt.Sprintf("%s (served as %q)", s.Model, s.Model.RequestModel())
	}
	sub := s.Subscription
	if sub == "" {
		sub = "(server default)"
	}
	low := s.LowTier
	if low == "" {
		low = "none"
	}
	fmt.Fprintf(r.out, "maas-check: %s  subscription %s  model %s  low tier %s\n",
		r.cfg.Outputs.MaasURL, sub, model, low)
}

func (r *run) record(s StepResult) {
	s.Message = r.c.secrets.redact(s.Message)
	switch s.Outcome {
	case Pass:
		r.report.Passed++
	case Fail:
		r.report.Failed++
	default:
		r.report.Skipped++
	}
	r.report.Steps = append(r.report.Steps, s)
	line := fmt.Sprintf("%s %s:", s.Outcome, s.Step)
	if s.Status != "" {
		line += " " + s.Status
	}
	if s.Message != "" {
		line += " " + s.Message
	}
	fmt.Fprintln(r.out, line)
	if s.Hint != "" && s.Outcome == Fail {
		fmt.Fprintf(r.out, "     hint: %s\n", s.Hint)
	}
}

func (r *run) pass(step string, resp response, msg string) {
	r.record(StepResult{Step: step, Outcome: Pass, Status: resp.statusText(), Message: msg})
}

func (r *run) fail(step string, resp response, msg, hint string) {
	status := resp.statusText()
	if msg == "" {
		msg = resp.message()
	}
	if resp.Err != nil && hint != hintTimeout && isTimeout(resp.Err) {
		hint = hintTimeout
	}
	r.record(StepResult{Step: step, Outcome: Fail, Status: status, Message: msg, Hint: hint})
}

func (r *run) skip(step, why string) {
	r.record(StepResult{Step: step, Outcome: Skip, Message: why})
}

// (1) GET <maasApiUrl>/health; if that is not 200, an unauthenticated
// /v1/models answered with 401 still proves the gateway and maas-api route.
func (r *run) reachable(ctx context.Context) {
	api := r.cfg.Outputs.MaasAPIURL
	health := r.c.do(ctx, http.MethodGet, api+"/health", "", nil, nil)
	if health.Status == http.StatusOK {
		msg := health.message()
		if msg == "" {
			msg = "healthy"
		}
		r.pass(StepReachable, health, msg)
		return
	}
	models := r.c.do(ctx, http.MethodGet, r.cfg.Outputs.MaasURL+"/v1/models", "", nil, nil)
	if models.Status == http.StatusUnauthorized {
		r.pass(StepReachable, models, fmt.Sprintf("gateway answers: /v1/models without a key is refused (/health: %s %s)",
			health.statusText(), health.message()))
		return
	}
	hint := hintAPIRoute
	if health.Status == 0 {
		hint = hintUnreachable
	}
	r.fail(StepReachable, health, strings.TrimSpace(health.message()+
		fmt.Sprintf(" (/v1/models without a key: %s %s)", models.statusText(), models.message())), hint)
}

// apiKeyRequest is the body of POST /v1/api-keys (docs/decisions.md D11:
// expiresIn, not expiresInDays).
type apiKeyRequest struct {
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	ExpiresIn    string `json:"expiresIn"`
	Subscription string `json:"subscription,omitempty"`
}

// apiKeyResponse is the 201 body.
type apiKeyResponse struct {
	Key          string `json:"key"`
	KeyPrefix    string `json:"keyPrefix"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Subscription string `json:"subscription"`
	CreatedAt    string `json:"createdAt"`
	ExpiresAt    string `json:"expiresAt"`
	Ephemeral    bool   `json:"ephemeral"`
}

// newKey creates an API key; on success it is registered for redaction and
// revocation. ok is false when there is no usable key (resp says why).
func (r *run) newKey(ctx context.Context, purpose, subscription string) (key string, k createdKey, resp response, ok bool) {
	name := fmt.Sprintf("maas-check-%s-%s", purpose, r.cfg.Now().UTC().Format("20060102-150405"))
	resp = r.c.do(ctx, http.MethodPost, r.cfg.Outputs.MaasAPIURL+"/v1/api-keys", r.cfg.Token, nil, apiKeyRequest{
		Name: name, Description: "created by maas-check; revoked at the end of the run",
		ExpiresIn: keyExpiresIn, Subscription: subscription,
	})
	if resp.Status != http.StatusCreated {
		return "", k, resp, false
	}
	var body apiKeyResponse
	err := json.Unmarshal(resp.Body, &body)
	r.c.secrets.addKey(body.Key)
	if body.ID != "" {
		k = createdKey{ID: body.ID, Display: displayPrefix(body.Key, body.KeyPrefix), Subscription: body.Subscription}
		if k.Subscription == "" {
			k.Subscription = subscription
		}
		r.keys = append(r.keys, k)
	}
	if err != nil || body.Key == "" || body.ID == "" {
		resp.Err = fmt.Errorf("201 without a usable key (need key and id): %v", err)
		return "", k, resp, false
	}
	return body.Key, k, resp, true
}

// displayPrefix is the part of the key that is safe to print: keyPrefix, cut
// before the secret part (sk-oai-<id>_<secret>).
func displayPrefix(key, prefix string) string {
	if prefix == "" {
		prefix = "sk-oai-"
	}
	if i := strings.LastIndex(key, "_"); i >= 0 && len(prefix) > i {
		prefix = key[:i]
	}
	return prefix + "…"
}

func keyHint(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return hintTokenRejected
	case status == http.StatusForbidden || status == http.StatusBadRequest:
		return hintNotOwner
	case status == http.StatusNotFound:
		return hintAPIRoute
	case status >= 500:
		return HintAuthorinoTLS
	case status == 0:
		return hintUnreachable
	}
	return ""
}

// (2) create the main API key.
func (r *run) createKey(ctx context.Context) {
	key, k, resp, ok := r.newKey(ctx, "main", r.cfg.Selection.Subscription)
	if !ok {
		r.fail(StepCreateKey, resp, "", keyHint(resp.Status))
		return
	}
	r.mainKey = key
	r.pass(StepCreateKey, resp, fmt.Sprintf("key %s id %s subscription %s", k.Display, k.ID, k.Subscription))
}

func (r *run) modelHeaders(subscription string) map[string]string {
	if subscription == "" {
		return nil
	}
	return map[string]string{"x-maas-subscription": subscription}
}

// (3) /v1/models lists the published models the subscription covers.
func (r *run) listModels(ctx context.Context) {
	if r.mainKey == "" {
		r.skip(StepModels, "no API key (create-api-key failed)")
		return
	}
	want := r.expectedModels()
	if len(want) == 0 {
		r.skip(StepModels, "no published model in the stack outputs")
		return
	}
	resp := r.c.do(ctx, http.MethodGet, r.cfg.Outputs.MaasURL+"/v1/models", r.mainKey,
		r.modelHeaders(r.cfg.Selection.Subscription), nil)
	if resp.Status != http.StatusOK {
		hint := hintAPIRoute
		if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
			hint = hintKeyRefused
		}
		r.fail(StepModels, resp, "", hint)
		return
	}
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID      string `json:"id"`
			OwnedBy string `json:"owned_by"`
			Ready   *bool  `json:"ready"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		resp.Err = fmt.Errorf("not an OpenAI model list: %v", err)
		r.fail(StepModels, resp, "", hintAPIRoute)
		return
	}
	var listed, missing, found []string
	for _, d := range list.Data {
		listed = append(listed, d.ID)
	}
	for _, m := range want {
		hit := false
		for _, d := range list.Data {
			if d.ID == m.Name || (m.ServedName != "" && d.ID == m.ServedName) ||
				d.ID == "publishers/"+m.Namespace+"/models/"+m.Name || d.OwnedBy == m.Namespace+"/"+m.Name {
				hit = true
			}
		}
		if hit {
			found = append(found, m.String())
		} else {
			missing = append(missing, m.String())
		}
	}
	if len(missing) > 0 {
		r.fail(StepModels, resp, fmt.Sprintf("missing: %s (listed: %s)", strings.Join(missing, ", "),
			orNone(listed)), hintModelsMissing)
		return
	}
	r.pass(StepModels, resp, fmt.Sprintf("lists %s", strings.Join(found, ", ")))
}

// expectedModels are the published models of the chosen subscription, or all
// published models when the outputs do not say which the subscription has.
func (r *run) expectedModels() []Model {
	pub := r.cfg.Outputs.Published()
	sub, ok := r.cfg.Outputs.FindSubscription(r.cfg.Selection.Subscription)
	if !ok || len(sub.Models) == 0 {
		return pub
	}
	var out []Model
	for _, m := range pub {
		if _, in := sub.Limit(m); in {
			out = append(out, m)
		}
	}
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model     string        `json:"model"`
	Messages  []chatMessage `json:"messages"`
	MaxTokens int           `json:"max_tokens"`
	Stream    bool          `json:"stream"` // false: limits count only non-streaming responses
}

type chatUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (r *run) chatRequest() chatRequest {
	return chatRequest{
		Model:     r.cfg.Selection.Model.RequestModel(),
		Messages:  []chatMessage{{Role: "user", Content: "Reply with one word: ok"}},
		MaxTokens: r.cfg.MaxTokens,
	}
}

func (r *run) complete(ctx context.Context, key, subscription string) response {
	return r.c.do(ctx, http.MethodPost, r.cfg.Selection.Model.ChatURL(r.cfg.Outputs.MaasURL), key,
		r.modelHeaders(subscription), r.chatRequest())
}

// (4) a request without a key is refused with 401.
func (r *run) withoutKey(ctx context.Context) {
	var resp response
	what := "/v1/models"
	if r.cfg.Selection.HasModel {
		what = "chat completion of " + r.cfg.Selection.Model.String()
		resp = r.complete(ctx, "", "")
	} else {
		resp = r.c.do(ctx, http.MethodGet, r.cfg.Outputs.MaasURL+"/v1/models", "", nil, nil)
	}
	switch {
	case resp.Status == http.StatusUnauthorized:
		r.pass(StepNoKey, resp, strings.TrimSpace("refused: "+what+" "+resp.message()))
	case resp.Status >= 200 && resp.Status < 300:
		r.fail(StepNoKey, resp, what+" without a key was accepted", hintAuthOpen)
	case resp.Status == http.StatusForbidden:
		r.fail(StepNoKey, resp, strings.TrimSpace("expected 401, got 403 "+resp.message()), hintAuthOpen)
	default:
		r.fail(StepNoKey, resp, "", completionHint(resp.Status))
	}
}

func completionHint(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return hintKeyRefused
	case status == http.StatusNotFound:
		return hintRoute
	case status == http.StatusTooManyRequests:
		return hintBudgetSpent
	case status >= 500:
		return hintBackend
	case status == 0:
		return hintUnreachable
	}
	return ""
}

// usage reads usage.total_tokens of a completion.
func usage(resp response) (chatUsage, bool) {
	var body struct {
		Usage *chatUsage `json:"usage"`
	}
	if json.Unmarshal(resp.Body, &body) != nil || body.Usage == nil || body.Usage.TotalTokens <= 0 {
		return chatUsage{}, false
	}
	return *body.Usage, true
}

func (r *run) sawUsage(u chatUsage) {
	if r.minUsage == 0 || u.TotalTokens < r.minUsage {
		r.minUsage = u.TotalTokens
	}
}

// (5) a non-streaming completion returns usage tokens.
func (r *run) chat(ctx context.Context) {
	switch {
	case r.mainKey == "":
		r.skip(StepChat, "no API key (create-api-key failed)")
		return
	case !r.cfg.Selection.HasModel:
		r.skip(StepChat, "no published model in the stack outputs")
		return
	}
	resp := r.complete(ctx, r.mainKey, r.cfg.Selection.Subscription)
	if resp.Status != http.StatusOK {
		r.fail(StepChat, resp, "", completionHint(resp.Status))
		return
	}
	u, ok := usage(resp)
	if !ok {
		r.fail(StepChat, resp, "no usage.total_tokens in the response", hintNoUsage)
		return
	}
	r.sawUsage(u)
	r.pass(StepChat, resp, fmt.Sprintf("usage: %d prompt + %d completion = %d total tokens",
		u.PromptTokens, u.CompletionTokens, u.TotalTokens))
}

// (6) with a key for the low tier, small completions reach 429 within
// limit/min-usage+3 requests.
func (r *run) lowTier(ctx context.Context) {
	sel := r.cfg.Selection
	switch {
	case sel.LowTier == "":
		r.skip(StepLowTier, sel.LowTierWhy)
		return
	case !sel.HasModel:
		r.skip(StepLowTier, "no published model in the stack outputs")
		return
	case r.mainKey == "":
		r.skip(StepLowTier, "no API key could be created (create-api-key failed)")
		return
	}
	key, _, resp, ok := r.newKey(ctx, "lowtier", sel.LowTier)
	if !ok {
		r.fail(StepLowTier, resp, "creating a key for "+sel.LowTier+": "+resp.message(), keyHint(resp.Status))
		return
	}
	limit := sel.LowTierLimit
	spent := 0
	for n := 1; ; n++ {
		if r.minUsage > 0 {
			if bound := ceilDiv(limit.Limit, r.minUsage) + 3; n > bound {
				r.fail(StepLowTier, resp, fmt.Sprintf("no 429 after %d requests (%d tokens, limit %d per %s for %s)",
					n-1, spent, limit.Limit, limit.Window, sel.LowTier), hintNo429)
				return
			}
		}
		resp = r.complete(ctx, key, sel.LowTier)
		switch {
		case resp.Status == http.StatusTooManyRequests:
			r.pass(StepLowTier, resp, strings.TrimSpace(fmt.Sprintf("%s after %d requests (%d tokens, limit %d per %s for %s)",
				resp.message(), n, spent, limit.Limit, limit.Window, sel.LowTier)))
			return
		case resp.Status == http.StatusOK:
			u, ok := usage(resp)
			if !ok {
				r.fail(StepLowTier, resp, fmt.Sprintf("request %d: no usage.total_tokens in the response", n), hintNoUsage)
				return
			}
			r.sawUsage(u)
			spent += u.TotalTokens
		default:
			msg := fmt.Sprintf("request %d: %s", n, resp.message())
			if resp.Status == 0 {
				msg = fmt.Sprintf("after %d requests (%d tokens): %s", n-1, spent, resp.message())
			}
			r.fail(StepLowTier, resp, msg, completionHint(resp.Status))
			return
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// (7) revoke every key created; runs deferred with its own timeout.
func (r *run) revoke(parent context.Context) {
	if len(r.keys) == 0 {
		r.skip(StepRevoke, "no key was created")
		return
	}
	ctx, cancel := context.WithTimeout(parent, r.cfg.RevokeTimeout)
	defer cancel()
	var done, failed []string
	var shown response // the first failing DELETE, else the last one
	firstFailSeen := false
	for _, k := range r.keys {
		resp := r.c.do(ctx, http.MethodDelete, r.cfg.Outputs.MaasAPIURL+"/v1/api-keys/"+url.PathEscape(k.ID),
			r.cfg.Token, nil, nil)
		desc := fmt.Sprintf("%s (id %s)", k.Display, k.ID)
		switch {
		case resp.Status >= 200 && resp.Status < 300:
			done = append(done, desc)
		case resp.Status == http.StatusNotFound:
			done = append(done, desc+" already gone")
		default:
			failed = append(failed, fmt.Sprintf("%s: %s %s", desc, resp.statusText(), resp.message()))
		}
		if len(failed) == 0 || (len(failed) == 1 && !firstFailSeen) {
			shown = resp
			firstFailSeen = len(failed) == 1
		}
	}
	if len(failed) > 0 {
		r.fail(StepRevoke, shown, fmt.Sprintf("revoked %d of %d keys; not revoked: %s", len(done), len(r.keys),
			strings.Join(failed, "; ")), fmt.Sprintf("revoke by hand: curl -X DELETE -H \"Authorization: Bearer $(oc whoami -t)\" "+
			"%s/v1/api-keys/<id> (keys expire after %s anyway)", r.cfg.Outputs.MaasAPIURL, keyExpiresIn))
		return
	}
	r.pass(StepRevoke, shown, fmt.Sprintf("revoked %d key(s): %s", len(done), strings.Join(done, ", ")))
}

func isTimeout(err error) bool {
	return err != nil && (strings.Contains(err.Error(), context.DeadlineExceeded.Error()) ||
		strings.Contains(err.Error(), "Client.Timeout"))
}

// redactingWriter writes through the redactor.
type redactingWriter struct {
	w io.Writer
	r *redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
