package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const projectName = "rhoai"

// stackConfig is everything needed to open the stack.
type stackConfig struct {
	Stack   string
	WorkDir string // holds Pulumi.yaml and Pulumi.<stack>.yaml
	Backend string
	Env     map[string]string // extra env for the CLI
	CLI     auto.PulumiCommand
}

// openStack creates or selects the stack with program run inline. The
// existing Pulumi.yaml in WorkDir supplies the project settings; its
// `runtime: go` is not used because auto passes --client to the CLI.
func openStack(ctx context.Context, c stackConfig, program pulumi.RunFunc) (auto.Stack, error) {
	env := map[string]string{
		envBackend:                 c.Backend,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
	}
	maps.Copy(env, c.Env)
	opts := []auto.LocalWorkspaceOption{
		auto.WorkDir(c.WorkDir),
		auto.SecretsProvider("passphrase"),
		auto.EnvVars(env),
	}
	if c.CLI != nil {
		opts = append(opts, auto.Pulumi(c.CLI))
	}
	s, err := auto.UpsertStackInlineSource(ctx, c.Stack, projectName, program, opts...)
	if err != nil {
		return s, fmt.Errorf("opening stack %q in %s: %w", c.Stack, c.Backend, err)
	}
	return s, nil
}

// runCommand runs one driver command against an open stack.
func runCommand(ctx context.Context, s auto.Stack, o options, in io.Reader, out, errOut io.Writer) error {
	switch o.Command {
	case "preview":
		res, err := s.Preview(ctx, optpreview.ProgressStreams(out), optpreview.ErrorProgressStreams(errOut))
		if err != nil {
			return fmt.Errorf("preview: %w", err)
		}
		printSummary(out, "preview", res.ChangeSummary)
	case "up":
		if !o.Yes {
			res, err := s.Preview(ctx, optpreview.ProgressStreams(out), optpreview.ErrorProgressStreams(errOut))
			if err != nil {
				return fmt.Errorf("preview before up: %w", err)
			}
			printSummary(out, "preview", res.ChangeSummary)
			if err := confirm(in, out, "update"); err != nil {
				return err
			}
		}
		res, err := s.Up(ctx, optup.ProgressStreams(out), optup.ErrorProgressStreams(errOut))
		if err != nil {
			return fmt.Errorf("up: %w", err)
		}
		if res.Summary.ResourceChanges != nil {
			printSummary(out, "up", *res.Summary.ResourceChanges)
		}
	case "destroy":
		if !o.Yes {
			res, err := s.PreviewDestroy(ctx, optdestroy.RunProgram(true),
				optdestroy.ProgressStreams(out), optdestroy.ErrorProgressStreams(errOut))
			if err != nil {
				return fmt.Errorf("preview before destroy: %w", err)
			}
			printSummary(out, "preview", res.ChangeSummary)
			if err := confirm(in, out, "destroy"); err != nil {
				return err
			}
		}
		// RunProgram: the program registers delete hooks that must run.
		if _, err := s.Destroy(ctx, optdestroy.RunProgram(true),
			optdestroy.ProgressStreams(out), optdestroy.ErrorProgressStreams(errOut)); err != nil {
			return fmt.Errorf("destroy: %w", err)
		}
	case "refresh":
		if !o.Yes {
			res, err := s.PreviewRefresh(ctx, optrefresh.ProgressStreams(out), optrefresh.ErrorProgressStreams(errOut))
			if err != nil {
				return fmt.Errorf("preview before refresh: %w", err)
			}
			printSummary(out, "preview", res.ChangeSummary)
			if err := confirm(in, out, "refresh"); err != nil {
				return err
			}
		}
		if _, err := s.Refresh(ctx, optrefresh.ProgressStreams(out), optrefresh.ErrorProgressStreams(errOut)); err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
	case "outputs":
		outs, err := s.Outputs(ctx)
		if err != nil {
			return fmt.Errorf("reading outputs: %w", err)
		}
		b, err := json.MarshalIndent(maskOutputs(outs, o.ShowSecrets), "", "  ")
		if err != nil {
			return fmt.Errorf("encoding outputs: %w", err)
		}
		fmt.Fprintln(out, string(b))
	default:
		return fmt.Errorf("unknown command %q", o.Command)
	}
	return nil
}

// maskOutputs flattens outputs to plain values, hiding secrets unless show.
func maskOutputs(outs auto.OutputMap, show bool) map[string]any {
	m := make(map[string]any, len(outs))
	for k, v := range outs {
		if v.Secret && !show {
			m[k] = "[secret]"
		} else {
			m[k] = v.Value
		}
	}
	return m
}

// printSummary prints "<label> summary: create=1 same=3" in a stable order.
func printSummary[K ~string](out io.Writer, label string, changes map[K]int) {
	parts := make([]string, 0, len(changes))
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, changes[k]))
	}
	if len(parts) == 0 {
		parts = append(parts, "no changes")
	}
	fmt.Fprintf(out, "%s summary: %s\n", label, strings.Join(parts, " "))
}

// confirm asks on out and reads a y/yes answer from in.
func confirm(in io.Reader, out io.Writer, what string) error {
	fmt.Fprintf(out, "Do you want to perform this %s? [y/N] ", what)
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errNotConfirmed
}
