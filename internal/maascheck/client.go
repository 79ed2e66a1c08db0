package maascheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"unicode"
)

// maxMessage bounds the server message printed for a step.
const maxMessage = 200

// response is what a step needs of one HTTP exchange.
type response struct {
	Status int    // 0 when the request failed before a response
	Body   []byte // at most 1 MiB
	Err    error  // transport error
}

// client sends the check's requests and remembers every secret it handles, so
// that nothing it prints carries them.
type client struct {
	http    *http.Client
	secrets *redactor
}

// do sends one request. body is JSON-encoded when not nil.
func (c *client) do(ctx context.Context, method, url, bearer string, headers map[string]string, body any) response {
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return response{Err: fmt.Errorf("encoding request: %w", err)}
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return response{Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return response{Status: resp.StatusCode, Err: fmt.Errorf("reading response: %w", err)}
	}
	return response{Status: resp.StatusCode, Body: data}
}

// message is the server's message: the `error` of the MaaS ErrorResponse
// ({"error": "..."}), an OpenAI-style {"error": {"message": ...}}, a
// `message` or `status` field, else the body's text, on one short line.
func (r response) message() string {
	if r.Err != nil {
		return transportMessage(r.Err)
	}
	var obj map[string]any
	if json.Unmarshal(r.Body, &obj) == nil {
		switch e := obj["error"].(type) {
		case string:
			return oneLine(e)
		case map[string]any:
			if m, ok := e["message"].(string); ok {
				return oneLine(m)
			}
		}
		for _, k := range []string{"message", "status", "detail"} {
			if m, ok := obj[k].(string); ok && m != "" {
				return oneLine(m)
			}
		}
		return ""
	}
	return oneLine(string(r.Body))
}

// statusText is "HTTP <code>" or "HTTP -" when no response arrived.
func (r response) statusText() string {
	if r.Status == 0 {
		return "HTTP -"
	}
	return fmt.Sprintf("HTTP %d", r.Status)
}

func transportMessage(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out (--timeout): " + oneLine(err.Error())
	case errors.Is(err, context.Canceled):
		return "cancelled: " + oneLine(err.Error())
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		s = s[:maxMessage] + "…"
	}
	return s
}

// redactor replaces every registered secret (the OpenShift token, API keys
// and their secret parts) in text written through it.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

// add registers a secret; empty and very short strings are ignored.
func (r *redactor) add(s string) {
	if len(s) < 6 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
}

// addKey registers an API key and its secret part (sk-oai-<id>_<secret>).
func (r *redactor) addKey(key string) {
	r.add(key)
	if i := strings.LastIndex(key, "_"); i >= 0 {
		r.add(key[i+1:])
	}
}

func (r *redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[REDACTED]")
	}
	return s
}
