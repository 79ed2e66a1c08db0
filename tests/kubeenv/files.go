package kubeenv

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"k8s.io/client-go/rest"
)

// writeFiles generates the PKI and the admin kubeconfig into l.dir and returns
// the admin client configuration.
func writeFiles(l layout, now time.Time) (*rest.Config, error) {
	p, err := newPKI(now)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := kubeconfigYAML(l.apiServer(), p.CA.CertPEM, p.Admin.CertPEM, p.Admin.KeyPEM)
	if err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{
		fileCACert:      p.CA.CertPEM,
		fileServingCert: p.Serving.CertPEM,
		fileServingKey:  p.Serving.KeyPEM,
		fileSAKey:       p.ServiceAccountKeyPEM,
		fileSAPub:       p.ServiceAccountPubPEM,
		fileKubeconfig:  kubeconfig,
	} {
		if err := os.WriteFile(l.path(name), data, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return restConfig(l.apiServer(), p), nil
}

func restConfig(server string, p *pki) *rest.Config {
	return &rest.Config{
		Host: server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   p.CA.CertPEM,
			CertData: p.Admin.CertPEM,
			KeyData:  p.Admin.KeyPEM,
		},
		// Tests create many objects quickly; the default 5 QPS would throttle them.
		QPS:   200,
		Burst: 400,
	}
}

// httpClient is for etcd's plain-HTTP health endpoint on loopback.
func httpClient() *http.Client { return &http.Client{Timeout: 2 * time.Second} }
