package kubeenv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const pollInterval = 100 * time.Millisecond

// waitHealthy polls url until it answers 200 with a body containing want.
// It fails early, with the log tail, when the process exits.
func waitHealthy(ctx context.Context, p *process, client *http.Client, url, want string) error {
	last := errors.New("no answer yet")
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if done, err := p.exited(); done {
			return p.failure(fmt.Errorf("exited before %s was healthy: %v", url, err))
		}
		if last = probe(ctx, client, url, want); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return p.failure(fmt.Errorf("not healthy at %s: %w (last: %v)", url, ctx.Err(), last))
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, client *http.Client, url, want string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// insecureLoopbackClient probes the controller manager, whose serving
// certificate is self-signed at start; it only ever talks to 127.0.0.1.
func insecureLoopbackClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health probe
	}}
}
