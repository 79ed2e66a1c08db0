// Command maas-check proves a Models-as-a-Service install end to end from the
// stack outputs, or (--health) prints a per-layer health report of the live
// cluster. All logic is in internal/maascheck.
//
//	OC_TOKEN=$(oc whoami -t) go run ./cmd/maas-check --stack aws-dev
//	go run ./cmd/maas-check --outputs outputs.json --low-tier free
//	go run ./cmd/maas-check --health
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rhoai-pulumi/installer/internal/maascheck"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	home, _ := os.UserHomeDir()
	wd, _ := os.Getwd()
	code := maascheck.Main(ctx, os.Args[1:], maascheck.Env{
		Lookup:   os.LookupEnv,
		OCWhoami: maascheck.OCWhoami(),
		Home:     home,
		WorkDir:  wd,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
	})
	stop()
	os.Exit(code)
}
