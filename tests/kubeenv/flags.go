package kubeenv

import (
	"fmt"
	"path/filepath"
	"strings"
)

// DefaultControllers are the kube-controller-manager controllers Start runs.
// There is no kubelet or scheduler: garbagecollector and namespace make
// foreground deletion and namespace deletion finish; deployment, replicaset,
// endpoint and endpointslice make the objects that only controllers make;
// serviceaccount creates each namespace's "default" ServiceAccount, without
// which the ServiceAccount admission plugin rejects every pod.
var DefaultControllers = []string{
	"garbagecollector", "namespace", "deployment", "replicaset",
	"endpoint", "endpointslice", "serviceaccount", "serviceaccount-token",
}

// ServiceClusterIPRange is the service CIDR given to the API server. It is
// configuration only: nothing listens on it.
const ServiceClusterIPRange = "10.96.0.0/16"

// layout is where a control plane's files live and which ports it uses.
type layout struct {
	dir                                       string
	etcdClientPort, etcdPeerPort              int
	apiServerPort, controllerManagerPort      int
	etcdNoFsync                               bool
	controllers, extraAPIServer, extraManager []string
}

func (l layout) path(name string) string { return filepath.Join(l.dir, name) }

func (l layout) etcdURL() string   { return fmt.Sprintf("http://127.0.0.1:%d", l.etcdClientPort) }
func (l layout) apiServer() string { return fmt.Sprintf("https://127.0.0.1:%d", l.apiServerPort) }

// Files written into the temp dir.
const (
	fileCACert      = "ca.crt"
	fileServingCert = "apiserver.crt"
	fileServingKey  = "apiserver.key"
	fileSAKey       = "sa.key"
	fileSAPub       = "sa.pub"
	fileKubeconfig  = "kubeconfig"
)

func (l layout) etcdArgs() []string {
	peer := fmt.Sprintf("http://127.0.0.1:%d", l.etcdPeerPort)
	args := []string{
		"--name=kubeenv",
		"--data-dir=" + l.path("etcd"),
		"--listen-client-urls=" + l.etcdURL(),
		"--advertise-client-urls=" + l.etcdURL(),
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=kubeenv=" + peer,
		"--initial-cluster-state=new",
		"--logger=zap",
		"--log-level=warn",
	}
	if l.etcdNoFsync {
		args = append(args, "--unsafe-no-fsync")
	}
	return args
}

func (l layout) apiServerArgs() []string {
	args := []string{
		"--etcd-servers=" + l.etcdURL(),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", l.apiServerPort),
		"--service-cluster-ip-range=" + ServiceClusterIPRange,
		// Endpoints may not hold loopback addresses, so the reconciler of the
		// "kubernetes" Service's endpoints would fail on every sync.
		"--endpoint-reconciler-type=none",
		"--authorization-mode=RBAC",
		"--client-ca-file=" + l.path(fileCACert),
		"--tls-cert-file=" + l.path(fileServingCert),
		"--tls-private-key-file=" + l.path(fileServingKey),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + l.path(fileSAPub),
		"--service-account-signing-key-file=" + l.path(fileSAKey),
		// Without a node lifecycle controller nothing would remove the
		// not-ready taint this plugin puts on new (simulated) Nodes.
		"--disable-admission-plugins=TaintNodesByCondition",
		"--allow-privileged=true",
		"--profiling=false",
		"--cert-dir=" + l.path("apiserver-certs"),
	}
	return append(args, l.extraAPIServer...)
}

func (l layout) controllerManagerArgs() []string {
	args := []string{
		// No --authentication-kubeconfig: with it the manager looks up a
		// request-header CA that this API server does not have and logs an
		// error several times a second. Its /healthz needs no authentication.
		"--kubeconfig=" + l.path(fileKubeconfig),
		"--controllers=" + strings.Join(l.controllers, ","),
		"--use-service-account-credentials=false",
		"--leader-elect=false",
		"--service-account-private-key-file=" + l.path(fileSAKey),
		"--root-ca-file=" + l.path(fileCACert),
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", l.controllerManagerPort),
		"--cert-dir=" + l.path("controller-manager-certs"),
		"--service-cluster-ip-range=" + ServiceClusterIPRange,
		"--profiling=false",
	}
	return append(args, l.extraManager...)
}
