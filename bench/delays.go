package bench

import (
	"time"

	"github.com/rhoai-pulumi/installer/tests/ocpsim"
)

// RealDelays are the durations of a real install that the benchmark scales
// down: typical figures of an AWS install (EC2 node ready 8 min, GPU driver 5 min, a CSV
// install 1–2 min, model load 4 min, certificate issuance 1 min) over the
// simulator's realistic defaults for everything else.
func RealDelays() ocpsim.Delays {
	d := ocpsim.RealisticDelays()
	d.MachineProvision = 8 * time.Minute
	d.Driver = 5 * time.Minute
	d.CSVInstall = 90 * time.Second
	d.ModelLoad = 4 * time.Minute
	d.CertIssue = time.Minute
	return d
}
