// Package kube builds the cluster client that gates, preflight and cluster
// lookups share, from the same kubeconfig and context as the Pulumi provider,
// and reads fields out of unstructured objects.
package kube

import (
	"fmt"
	"strings"
	"sync"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Cluster lazily builds one dynamic client for the whole run. Gates run in
// hooks long after the program registered its resources; nothing dials the API
// server until the first check needs it (and never in render mode).
type Cluster struct {
	// Kubeconfig is a path or the kubeconfig's contents; empty means
	// $KUBECONFIG or ~/.kube/config, as the provider does.
	Kubeconfig string
	// Context is the kubeconfig context; empty means the current context.
	Context string

	once   sync.Once
	client dynamic.Interface
	err    error
}

// NewStatic wraps an existing client (fake clients in tests).
func NewStatic(c dynamic.Interface) *Cluster {
	cl := &Cluster{client: c}
	cl.once.Do(func() {})
	return cl
}

// Dynamic returns the shared client, building it on first use.
func (c *Cluster) Dynamic() (dynamic.Interface, error) {
	c.once.Do(func() {
		cfg, err := c.restConfig()
		if err != nil {
			c.err = err
			return
		}
		c.client, c.err = dynamic.NewForConfig(cfg)
		if c.err != nil {
			c.err = fmt.Errorf("building the dynamic client: %w", c.err)
		}
	})
	return c.client, c.err
}

func (c *Cluster) restConfig() (*rest.Config, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
	var loader clientcmd.ClientConfig
	if looksLikeContents(c.Kubeconfig) {
		raw, err := clientcmd.Load([]byte(c.Kubeconfig))
		if err != nil {
			return nil, fmt.Errorf("parsing the kubeconfig given in config (cluster.kubeconfig): %w", err)
		}
		loader = clientcmd.NewNonInteractiveClientConfig(*raw, c.Context, overrides, nil)
	} else {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if c.Kubeconfig != "" {
			rules.ExplicitPath = c.Kubeconfig
		}
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig (context %q): %w", c.Context, err)
	}
	// Gates and lookups make few, small requests; allow short bursts when
	// several gates start together.
	cfg.QPS, cfg.Burst = 20, 40
	cfg.UserAgent = "rhoai-installer"
	return cfg, nil
}

func looksLikeContents(s string) bool {
	return strings.Contains(s, "\n") || strings.HasPrefix(strings.TrimSpace(s), "apiVersion") || strings.HasPrefix(strings.TrimSpace(s), "{")
}
