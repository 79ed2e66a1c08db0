package kubeenv

import (
	"fmt"

	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	"sigs.k8s.io/yaml"
)

// ContextName is the kubeconfig context (and cluster and user) that Start writes.
const ContextName = "kubeenv"

// kubeconfigYAML renders a kubeconfig for server with client-certificate auth.
func kubeconfigYAML(server string, caPEM, certPEM, keyPEM []byte) ([]byte, error) {
	cfg := clientcmdv1.Config{
		Kind:       "Config",
		APIVersion: "v1",
		Clusters: []clientcmdv1.NamedCluster{{
			Name:    ContextName,
			Cluster: clientcmdv1.Cluster{Server: server, CertificateAuthorityData: caPEM},
		}},
		AuthInfos: []clientcmdv1.NamedAuthInfo{{
			Name:     ContextName,
			AuthInfo: clientcmdv1.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM},
		}},
		Contexts: []clientcmdv1.NamedContext{{
			Name:    ContextName,
			Context: clientcmdv1.Context{Cluster: ContextName, AuthInfo: ContextName},
		}},
		CurrentContext: ContextName,
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("marshal kubeconfig: %w", err)
	}
	return out, nil
}
