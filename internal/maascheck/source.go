package maascheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ProjectName is the Pulumi project of the installer (cmd/rhoai).
const ProjectName = "rhoai"

// LookupFunc has the signature of os.LookupEnv.
type LookupFunc func(string) (string, bool)

// ResolveToken returns the user's OpenShift token: the environment variable
// named envName, else `oc whoami -t` when oc is on PATH. The token is never
// taken from a flag (it would land in shell history) and never printed.
// source says where it came from, for the log.
func ResolveToken(envName string, lookup LookupFunc, ocWhoami func() (string, error)) (token, source string, err error) {
	if envName != "" {
		if v, ok := lookup(envName); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), "$" + envName, nil
		}
	}
	if ocWhoami == nil {
		return "", "", fmt.Errorf("no OpenShift token: set %s (export %s=$(oc whoami -t))", envName, envName)
	}
	t, err := ocWhoami()
	if err != nil {
		return "", "", fmt.Errorf("no OpenShift token: %s is not set and `oc whoami -t` failed (%v); "+
			"log in with oc or export %s", envName, err, envName)
	}
	if t = strings.TrimSpace(t); t == "" {
		return "", "", fmt.Errorf("no OpenShift token: %s is not set and `oc whoami -t` printed nothing", envName)
	}
	return t, "oc whoami -t", nil
}

// OCWhoami runs `oc whoami -t`; nil when oc is not on PATH.
func OCWhoami() func() (string, error) {
	path, err := exec.LookPath("oc")
	if err != nil {
		return nil
	}
	return func() (string, error) {
		out, err := exec.Command(path, "whoami", "-t").Output() // #nosec G204 -- fixed arguments
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
			}
			return "", err
		}
		return string(out), nil
	}
}

// ReadOutputsFile reads outputs saved with `pulumi stack output --json`.
func ReadOutputsFile(path string) (*Outputs, error) {
	data, err := os.ReadFile(path) // #nosec G304 -- the user's own file
	if err != nil {
		return nil, fmt.Errorf("reading outputs: %w", err)
	}
	o, err := ParseOutputs(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// Backend is the state backend: PULUMI_BACKEND_URL, else
// file://$HOME/.pulumi-rhoai (as cmd/rhoai).
func Backend(lookup LookupFunc, home string) string {
	if v, ok := lookup("PULUMI_BACKEND_URL"); ok && v != "" {
		return v
	}
	return "file://" + filepath.Join(home, ".pulumi-rhoai")
}

// FindWorkDir walks up from start to the first directory holding Pulumi.yaml.
// A workspace without it would write a default Pulumi.yaml, so it is required.
func FindWorkDir(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if fi, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil && !fi.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no Pulumi.yaml in %s or a parent: run from the repository, or pass --outputs FILE "+
				"(pulumi stack output --json > FILE)", start)
		}
		dir = parent
	}
}

// StackOutputs reads the outputs of an existing stack through the Automation
// API (inline source with a no-op program: nothing is deployed).
func StackOutputs(ctx context.Context, stack, workDir, backend string) (*Outputs, error) {
	env := map[string]string{"PULUMI_BACKEND_URL": backend, "PULUMI_SKIP_UPDATE_CHECK": "true"}
	noop := func(*pulumi.Context) error { return nil }
	s, err := auto.SelectStackInlineSource(ctx, stack, ProjectName, noop,
		auto.WorkDir(workDir), auto.SecretsProvider("passphrase"), auto.EnvVars(env))
	if err != nil {
		return nil, fmt.Errorf("selecting stack %q in %s (installed with this backend? else pass --outputs FILE): %w",
			stack, backend, err)
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading outputs of stack %q (secret outputs need PULUMI_CONFIG_PASSPHRASE): %w", stack, err)
	}
	return outputsFromMap(outs)
}

func outputsFromMap(outs auto.OutputMap) (*Outputs, error) {
	plain := make(map[string]any, len(outs))
	for k, v := range outs {
		plain[k] = v.Value
	}
	data, err := json.Marshal(plain)
	if err != nil {
		return nil, fmt.Errorf("encoding stack outputs: %w", err)
	}
	return ParseOutputs(data)
}
