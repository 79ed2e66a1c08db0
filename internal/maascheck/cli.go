package maascheck

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// Options are the command-line flags.
type Options struct {
	Stack, OutputsFile           string
	Subscription, LowTier, Model string
	TokenEnv                     string
	Insecure                     bool
	Timeout                      time.Duration
	MaxTokens                    int
	Health                       bool
	Kubeconfig, Context          string
}

// ParseFlags parses args (without the program name).
func ParseFlags(args []string, errOut io.Writer) (Options, error) {
	var o Options
	for _, a := range args {
		if name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-"); strings.HasPrefix(a, "-") && name == "token" {
			return o, errors.New("--token is not accepted: a token on the command line lands in shell history; " +
				"export it instead (OC_TOKEN=$(oc whoami -t)) or let maas-check run `oc whoami -t`")
		}
	}
	fs := flag.NewFlagSet("maas-check", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.Stack, "stack", "aws-dev", "Pulumi `stack` whose outputs to read (Automation API)")
	fs.StringVar(&o.OutputsFile, "outputs", "", "read the outputs from this JSON `file` (pulumi stack output --json) instead of the stack")
	fs.StringVar(&o.Subscription, "subscription", "", "MaaSSubscription `name` for the main API key (default: highest priority)")
	fs.StringVar(&o.LowTier, "low-tier", "", "MaaSSubscription `name` expected to reach 429 (default: smallest token limit, if not the main one)")
	fs.StringVar(&o.Model, "model", "", "model `name` or served name to call (default: first published model of the subscription)")
	fs.StringVar(&o.TokenEnv, "token-env", "OC_TOKEN", "environment `variable` holding the OpenShift token (else `oc whoami -t`)")
	fs.BoolVar(&o.Insecure, "insecure-skip-tls-verify", false, "do not verify the MaaS gateway's TLS certificate")
	fs.DurationVar(&o.Timeout, "timeout", 2*time.Minute, "bound for the checks (revocation gets 30s more)")
	fs.IntVar(&o.MaxTokens, "max-tokens", 16, "max_tokens of each completion")
	fs.BoolVar(&o.Health, "health", false, "print the per-layer health report of the live cluster instead")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig `path` for --health (default $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.Context, "context", "", "kubeconfig `context` for --health (default: current)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return o, nil
}

// Env is what Main takes from the process, replaceable in tests.
type Env struct {
	Lookup   LookupFunc
	OCWhoami func() (string, error) // nil: oc not on PATH
	Home     string
	WorkDir  string
	Stdout   io.Writer
	Stderr   io.Writer
	// Dynamic builds the cluster client for --health (nil: from kubeconfig).
	Dynamic func(kubeconfig, context string) (dynamic.Interface, error)
}

// Main runs the command and returns the exit code: 0 all passed, 1 a step
// failed (or a gate is not OK), 2 usage or setup error.
func Main(ctx context.Context, args []string, env Env) int {
	o, err := ParseFlags(args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "maas-check:", err)
		return 2
	}
	if o.Health {
		return runHealth(ctx, o, env)
	}
	outs, err := loadOutputs(ctx, o, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "maas-check:", err)
		return 2
	}
	sel, err := Select(outs, o.Subscription, o.LowTier, o.Model)
	if err != nil {
		fmt.Fprintln(env.Stderr, "maas-check:", err)
		return 2
	}
	token, source, err := ResolveToken(o.TokenEnv, env.Lookup, env.OCWhoami)
	if err != nil {
		fmt.Fprintln(env.Stderr, "maas-check:", err)
		return 2
	}
	fmt.Fprintf(env.Stderr, "maas-check: OpenShift token from %s\n", source)
	rep := Run(ctx, Config{
		Outputs: outs, Selection: sel, Token: token, HTTP: HTTPClient(o.Insecure),
		Timeout: o.Timeout, MaxTokens: o.MaxTokens, Out: env.Stdout,
	})
	return rep.ExitCode()
}

// HTTPClient is the client for the MaaS gateway (proxy from the environment).
func HTTPClient(insecure bool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // #nosec G402 -- opt-in flag
	}
	return &http.Client{Transport: tr}
}

func loadOutputs(ctx context.Context, o Options, env Env) (*Outputs, error) {
	if o.OutputsFile != "" {
		return ReadOutputsFile(o.OutputsFile)
	}
	dir, err := FindWorkDir(env.WorkDir)
	if err != nil {
		return nil, err
	}
	addToolchainToPath(env)
	return StackOutputs(ctx, o.Stack, dir, Backend(env.Lookup, env.Home))
}

// addToolchainToPath puts the installer's pinned Pulumi CLI on PATH when the
// PATH has none (scripts/toolchain.sh, as cmd/rhoai).
func addToolchainToPath(env Env) {
	var dirs []string
	if d, ok := env.Lookup("RHOAI_TOOLCHAIN_DIR"); ok && d != "" {
		dirs = append(dirs, filepath.Join(d, "bin"))
	}
	dirs = append(dirs, filepath.Join(env.Home, ".cache", "rhoai-installer", "toolchain", "bin"))
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "pulumi")); err == nil && !fi.IsDir() {
			_ = os.Setenv("PATH", d+string(os.PathListSeparator)+os.Getenv("PATH"))
			return
		}
	}
}

func runHealth(ctx context.Context, o Options, env Env) int {
	var models []Model
	if o.OutputsFile != "" {
		outs, err := ReadOutputsFile(o.OutputsFile)
		if err != nil {
			fmt.Fprintln(env.Stderr, "maas-check:", err)
			return 2
		}
		models = outs.Models
	} else if outs, err := loadOutputs(ctx, o, env); err == nil {
		models = outs.Models
	} else {
		fmt.Fprintf(env.Stderr, "maas-check: no stack outputs (%v); reading every model in the cluster\n", err)
	}
	build := env.Dynamic
	if build == nil {
		build = DynamicFromKubeconfig
	}
	c, err := build(o.Kubeconfig, o.Context)
	if err != nil {
		fmt.Fprintln(env.Stderr, "maas-check:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	return Health(ctx, c, Targets(models), env.Stdout).ExitCode()
}

// DynamicFromKubeconfig builds a dynamic client from a kubeconfig path
// (empty: $KUBECONFIG or ~/.kube/config) and context (empty: current).
func DynamicFromKubeconfig(kubeconfig, kubeContext string) (dynamic.Interface, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig (context %q): %w", kubeContext, err)
	}
	cfg.UserAgent = "maas-check"
	c, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the cluster client: %w", err)
	}
	return c, nil
}
