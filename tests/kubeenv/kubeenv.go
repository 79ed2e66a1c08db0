// Package kubeenv starts a throwaway Kubernetes control plane (etcd,
// kube-apiserver and kube-controller-manager) on 127.0.0.1 for tests, and
// stops it. There is no kubelet and no scheduler: whatever plays the nodes
// must bind pods and set their status itself.
//
// The binaries come from scripts/kube-toolchain.sh: Start looks in
// $RHOAI_TOOLCHAIN_DIR/bin, $HOME/.cache/rhoai-installer/toolchain/bin, then PATH.
package kubeenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Options configures Start. The zero value is ready to use.
type Options struct {
	// BinDir is searched for the binaries before the toolchain dirs and PATH.
	BinDir string
	// TempDir is the parent of the environment's temp dir (default os.TempDir()).
	TempDir string
	// StartTimeout bounds the whole start (default 2 minutes).
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL (default 5s).
	StopGrace time.Duration
	// Controllers replaces DefaultControllers.
	Controllers []string
	// ExtraAPIServerArgs and ExtraControllerManagerArgs are appended to the
	// flags Start passes (a repeated flag overrides the earlier one).
	ExtraAPIServerArgs, ExtraControllerManagerArgs []string
	// KeepDir leaves the temp dir (logs, etcd data) in place after Stop.
	KeepDir bool
}

// Env is a running control plane.
type Env struct {
	// Dir holds the certificates, kubeconfig, etcd data and one log per process.
	Dir string
	// Kubeconfig is the path of an admin kubeconfig (context "kubeenv").
	Kubeconfig string
	// Server is the API server URL, https://127.0.0.1:<port>.
	Server string

	config  *rest.Config
	dynamic dynamic.Interface
	procs   []*process // in start order
	grace   time.Duration
	keepDir bool

	stopOnce sync.Once
	stopErr  error
}

// RESTConfig returns a copy of the admin client configuration.
func (e *Env) RESTConfig() *rest.Config { return rest.CopyConfig(e.config) }

// Dynamic returns a dynamic client authenticated as the admin.
func (e *Env) Dynamic() dynamic.Interface { return e.dynamic }

// Start starts etcd, kube-apiserver and kube-controller-manager and returns
// once the API server's /readyz and the controller manager's /healthz pass.
// Call Stop when done, even after a failed test.
func Start(ctx context.Context, opts Options) (*Env, error) {
	opts = withDefaults(opts)
	bins, err := findBinaries(opts.BinDir)
	if err != nil {
		return nil, fmt.Errorf("kubeenv: %w", err)
	}
	dir, err := os.MkdirTemp(opts.TempDir, "kubeenv-")
	if err != nil {
		return nil, fmt.Errorf("kubeenv: create temp dir: %w", err)
	}
	e := &Env{Dir: dir, grace: opts.StopGrace, keepDir: opts.KeepDir}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := e.start(ctx, bins, opts); err != nil {
		where := "temp dir removed; Options.KeepDir keeps it"
		if opts.KeepDir {
			where = "files kept in " + dir
		}
		return nil, errors.Join(fmt.Errorf("kubeenv: start (%s): %w", where, err), e.Stop())
	}
	return e, nil
}

func withDefaults(o Options) Options {
	if o.StartTimeout <= 0 {
		o.StartTimeout = 2 * time.Minute
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 5 * time.Second
	}
	if len(o.Controllers) == 0 {
		o.Controllers = DefaultControllers
	}
	return o
}

func (e *Env) start(ctx context.Context, bins binaries, opts Options) error {
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	l := layout{
		dir:            e.Dir,
		etcdClientPort: ports[0], etcdPeerPort: ports[1],
		apiServerPort: ports[2], controllerManagerPort: ports[3],
		etcdNoFsync:    supportsFlag(bins.etcd, "--unsafe-no-fsync"),
		controllers:    opts.Controllers,
		extraAPIServer: opts.ExtraAPIServerArgs, extraManager: opts.ExtraControllerManagerArgs,
	}
	e.Server = l.apiServer()
	e.Kubeconfig = l.path(fileKubeconfig)
	if e.config, err = writeFiles(l, time.Now()); err != nil {
		return err
	}
	if e.dynamic, err = dynamic.NewForConfig(e.config); err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	apiClient, err := rest.HTTPClientFor(e.config)
	if err != nil {
		return fmt.Errorf("API server HTTP client: %w", err)
	}

	steps := []struct {
		name, bin string
		args      []string
		wait      func(*process) error
	}{
		{"etcd", bins.etcd, l.etcdArgs(), func(p *process) error {
			return waitHealthy(ctx, p, httpClient(), l.etcdURL()+"/health", `"health":"true"`)
		}},
		{"kube-apiserver", bins.apiServer, l.apiServerArgs(), func(p *process) error {
			return waitHealthy(ctx, p, apiClient, e.Server+"/readyz", "ok")
		}},
		{"kube-controller-manager", bins.controllerManager, l.controllerManagerArgs(), func(p *process) error {
			url := fmt.Sprintf("https://127.0.0.1:%d/healthz", l.controllerManagerPort)
			return waitHealthy(ctx, p, insecureLoopbackClient(), url, "ok")
		}},
	}
	for _, s := range steps {
		p, err := startProcess(s.name, e.Dir, s.bin, s.args)
		if err != nil {
			return err
		}
		e.procs = append(e.procs, p)
		if err := s.wait(p); err != nil {
			return err
		}
	}
	return nil
}

// supportsFlag reports whether bin's --help mentions flag.
func supportsFlag(bin, flag string) bool {
	out, _ := exec.Command(bin, "--help").CombinedOutput() // etcd 3.4 exits non-zero on --help
	return strings.Contains(string(out), flag)
}

// Stop terminates the processes in reverse start order, waits for them, and
// removes the temp dir unless Options.KeepDir. It is safe to call twice.
func (e *Env) Stop() error {
	e.stopOnce.Do(func() {
		var errs []error
		for i := len(e.procs) - 1; i >= 0; i-- {
			errs = append(errs, e.procs[i].stop(e.grace))
		}
		if !e.keepDir {
			if err := os.RemoveAll(e.Dir); err != nil {
				errs = append(errs, fmt.Errorf("remove %s: %w", e.Dir, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			e.stopErr = fmt.Errorf("kubeenv: stop: %w", err)
		}
	})
	return e.stopErr
}
