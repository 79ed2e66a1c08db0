package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
)

const usageText = `usage: rhoai [--stack NAME] [--backend URL] [--yes] [--show-secrets] <command>

Runs the RHOAI installer program inline through the Pulumi Automation API.

commands:
  preview   show the changes an update would make
  up        deploy (asks for confirmation unless --yes)
  destroy   delete everything the stack manages (asks unless --yes)
  refresh   reconcile state with the cluster (asks unless --yes)
  outputs   print the stack outputs as JSON

flags:
`

var commands = []string{"preview", "up", "destroy", "refresh", "outputs"}

// errHelp is returned by parseArgs when -h/--help was requested.
var errHelp = errors.New("help requested")

type options struct {
	Command     string
	Stack       string
	Backend     string // empty: PULUMI_BACKEND_URL or the default file backend
	Yes         bool
	ShowSecrets bool
}

// parseArgs parses the command line. Flags may appear before or after the
// command. Usage text goes to out on error or -h.
func parseArgs(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rhoai", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.Stack, "stack", "render", "stack `NAME`")
	fs.StringVar(&o.Backend, "backend", "", "state backend `URL` (default $PULUMI_BACKEND_URL or file://$HOME/.pulumi-rhoai)")
	fs.BoolVar(&o.Yes, "yes", false, "do not ask for confirmation")
	fs.BoolVar(&o.ShowSecrets, "show-secrets", false, "print secret outputs in clear text")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}

	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return o, errHelp
			}
			return o, fmt.Errorf("parsing arguments: %w", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}

	switch {
	case len(positional) == 0:
		fs.Usage()
		return o, fmt.Errorf("missing command (one of %v)", commands)
	case len(positional) > 1:
		return o, fmt.Errorf("expected one command, got %q", positional)
	case !slices.Contains(commands, positional[0]):
		return o, fmt.Errorf("unknown command %q (want one of %v)", positional[0], commands)
	case o.Stack == "":
		return o, errors.New("--stack must not be empty")
	}
	o.Command = positional[0]
	return o, nil
}
