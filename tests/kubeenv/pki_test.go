package kubeenv

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPKI(t *testing.T) {
	now := time.Now()
	p, err := newPKI(now)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(p.CA.CertPEM))

	tests := []struct {
		name  string
		kp    keyPair
		usage x509.ExtKeyUsage
		check func(t *testing.T, c *x509.Certificate)
	}{
		{"serving", p.Serving, x509.ExtKeyUsageServerAuth, func(t *testing.T, c *x509.Certificate) {
			for _, host := range []string{"127.0.0.1", "localhost", kubernetesServiceIP, "kubernetes.default.svc"} {
				assert.NoError(t, c.VerifyHostname(host), host)
			}
		}},
		{"admin", p.Admin, x509.ExtKeyUsageClientAuth, func(t *testing.T, c *x509.Certificate) {
			assert.Equal(t, adminUser, c.Subject.CommonName)
			assert.Equal(t, []string{adminGroup}, c.Subject.Organization)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pair, err := tls.X509KeyPair(tt.kp.CertPEM, tt.kp.KeyPEM)
			require.NoError(t, err, "certificate and key match")
			c, err := x509.ParseCertificate(pair.Certificate[0])
			require.NoError(t, err)
			_, err = c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{tt.usage}, CurrentTime: now})
			require.NoError(t, err)
			tt.check(t, c)
		})
	}

	t.Run("service account key pair", func(t *testing.T) {
		block, _ := pem.Decode(p.ServiceAccountKeyPEM)
		require.NotNil(t, block)
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		require.NoError(t, err)
		block, _ = pem.Decode(p.ServiceAccountPubPEM)
		require.NotNil(t, block)
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		require.NoError(t, err)
		assert.True(t, key.PublicKey.Equal(pub.(*rsa.PublicKey)))
	})
}
