// Command rhoai drives the RHOAI installer program (stacks.Program) inline
// through the Pulumi Automation API, so no Pulumi Go language host is needed.
//
//	go run ./cmd/rhoai [--stack NAME] [--backend URL] [--yes] <preview|up|destroy|refresh|outputs>
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/stacks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The program runs in this process: Ctrl-C also ends its gates (the
	// engine does not cancel a hook it called).
	program := func(pctx *pulumi.Context) error { return stacks.Run(pctx, stacks.Environment{Context: ctx}) }
	err := run(ctx, os.Args[1:], program, os.Stdin, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "rhoai:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "rhoai:", errorSummary(err))
		os.Exit(1)
	}
}

// errorSummary drops the CLI's stdout/stderr that Automation API errors
// append: both were already streamed to the terminal.
func errorSummary(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\ncode: "); i >= 0 {
		return msg[:i] + " (see the output above)"
	}
	return msg
}

var errUsage = errors.New("usage")

// run parses args, prepares the environment and runs the command with program.
func run(ctx context.Context, args []string, program pulumi.RunFunc, in io.Reader, out, errOut io.Writer) error {
	o, err := parseArgs(args, errOut)
	if err != nil {
		if errors.Is(err, errHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return fmt.Errorf("finding home directory: %w", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("finding working directory: %w", err)
	}
	root, err := findRepoRoot(cwd)
	if err != nil {
		return fmt.Errorf("finding repository root: %w", err)
	}
	env, warning, err := passphraseEnv(o.Stack, os.LookupEnv)
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(errOut, warning)
	}
	backend, err := resolveBackend(o.Backend, os.LookupEnv, home)
	if err != nil {
		return err
	}
	cli, err := pulumiCLI(home)
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "rhoai: %s stack %q (backend %s, project dir %s)\n", o.Command, o.Stack, backend, root)
	s, err := openStack(ctx, stackConfig{Stack: o.Stack, WorkDir: root, Backend: backend, Env: env, CLI: cli}, program)
	if err != nil {
		return err
	}
	return runCommand(ctx, s, o, in, out, errOut)
}
