package pulumitest

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Run executes a program under mocks (an `up`, not a preview, unless
// preview is true) with the given project config (keys without the
// project prefix get "rhoai:"), returning the recorder and the program's error.
func Run(program pulumi.RunFunc, config map[string]any, preview bool, rec *Recorder) (*Recorder, error) {
	if rec == nil {
		rec = NewRecorder()
	}
	rec.Preview = preview
	cfg := map[string]string{}
	for k, v := range config {
		if !containsColon(k) {
			k = "rhoai:" + k
		}
		switch s := v.(type) {
		case string:
			cfg[k] = s
		default:
			raw, err := json.Marshal(v)
			if err != nil {
				return rec, err
			}
			cfg[k] = string(raw)
		}
	}
	err := pulumi.RunErr(program, pulumi.WithMocks("rhoai", "test", rec), func(ri *pulumi.RunInfo) {
		ri.Config = cfg
		ri.DryRun = preview
	})
	return rec, err
}

func containsColon(s string) bool {
	for _, c := range s {
		if c == ':' {
			return true
		}
	}
	return false
}
