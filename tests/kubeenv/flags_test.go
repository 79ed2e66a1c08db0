package kubeenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestArgs(t *testing.T) {
	l := layout{
		dir:            "/tmp/kubeenv-x",
		etcdClientPort: 1001, etcdPeerPort: 1002, apiServerPort: 1003, controllerManagerPort: 1004,
		controllers:    []string{"namespace", "garbagecollector"},
		extraAPIServer: []string{"--v=4"},
	}
	noFsync := l
	noFsync.etcdNoFsync = true

	tests := []struct {
		name        string
		args        []string
		contains    []string
		notContains []string
	}{
		{"etcd", l.etcdArgs(), []string{
			"--data-dir=/tmp/kubeenv-x/etcd",
			"--listen-client-urls=http://127.0.0.1:1001",
			"--listen-peer-urls=http://127.0.0.1:1002",
			"--initial-cluster=kubeenv=http://127.0.0.1:1002",
		}, []string{"--unsafe-no-fsync"}},
		{"etcd without fsync", noFsync.etcdArgs(), []string{"--unsafe-no-fsync"}, nil},
		{"kube-apiserver", l.apiServerArgs(), []string{
			"--etcd-servers=http://127.0.0.1:1001",
			"--secure-port=1003",
			"--bind-address=127.0.0.1",
			"--service-cluster-ip-range=10.96.0.0/16",
			"--client-ca-file=/tmp/kubeenv-x/ca.crt",
			"--service-account-signing-key-file=/tmp/kubeenv-x/sa.key",
			"--v=4",
		}, nil},
		{"kube-controller-manager", l.controllerManagerArgs(), []string{
			"--kubeconfig=/tmp/kubeenv-x/kubeconfig",
			"--controllers=namespace,garbagecollector",
			"--leader-elect=false",
			"--use-service-account-credentials=false",
			"--bind-address=127.0.0.1",
			"--secure-port=1004",
			"--root-ca-file=/tmp/kubeenv-x/ca.crt",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, a := range tt.contains {
				assert.Contains(t, tt.args, a)
			}
			for _, a := range tt.notContains {
				assert.NotContains(t, tt.args, a)
			}
			for _, a := range tt.args {
				assert.NotContains(t, a, "0.0.0.0", "every listener is on loopback")
			}
		})
	}
}
