package kubeenv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
)

func TestKubeconfigYAML(t *testing.T) {
	p, err := newPKI(time.Now())
	require.NoError(t, err)
	const server = "https://127.0.0.1:6443"
	data, err := kubeconfigYAML(server, p.CA.CertPEM, p.Admin.CertPEM, p.Admin.KeyPEM)
	require.NoError(t, err)

	cfg, err := clientcmd.Load(data)
	require.NoError(t, err)
	assert.Equal(t, ContextName, cfg.CurrentContext)
	require.Contains(t, cfg.Contexts, ContextName)
	ctx := cfg.Contexts[ContextName]
	require.Contains(t, cfg.Clusters, ctx.Cluster)
	require.Contains(t, cfg.AuthInfos, ctx.AuthInfo)
	assert.Equal(t, server, cfg.Clusters[ctx.Cluster].Server)
	assert.Equal(t, p.CA.CertPEM, cfg.Clusters[ctx.Cluster].CertificateAuthorityData)
	assert.Equal(t, p.Admin.CertPEM, cfg.AuthInfos[ctx.AuthInfo].ClientCertificateData)
	assert.Equal(t, p.Admin.KeyPEM, cfg.AuthInfos[ctx.AuthInfo].ClientKeyData)

	// The same file gives the same client configuration as Env.RESTConfig.
	rc, err := clientcmd.RESTConfigFromKubeConfig(data)
	require.NoError(t, err)
	want := restConfig(server, p)
	assert.Equal(t, want.Host, rc.Host)
	assert.Equal(t, want.TLSClientConfig.CAData, rc.TLSClientConfig.CAData)
	assert.Equal(t, want.TLSClientConfig.CertData, rc.TLSClientConfig.CertData)
}
