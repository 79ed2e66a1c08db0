// Package manifest is the one boundary between typed CR bodies (plain Go structs
// in each layer's spec.go) and the untyped maps pulumi-kubernetes takes in
// OtherFields, plus the annotations every layer puts on the objects it owns.
//
// No other code writes a spec as a map[string]any literal (tests/ greps for it).
package manifest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Untyped turns a typed body into the map OtherFields takes, through a JSON
// round trip, so json tags (and omitempty) decide the field names exactly as
// the CRD spells them.
func Untyped(v any) (kubernetes.UntypedArgs, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	out := kubernetes.UntypedArgs{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decoding %T as an object: %w", v, err)
	}
	return out, nil
}

// MustUntyped is Untyped for bodies built from constants in this repository;
// a failure there is a programming error caught by every unit test.
func MustUntyped(v any) kubernetes.UntypedArgs {
	out, err := Untyped(v)
	if err != nil {
		panic(err)
	}
	return out
}

// Annotation keys understood by pulumi-kubernetes.
const (
	WaitForAnnotation      = "pulumi.com/waitFor"
	TimeoutAnnotation      = "pulumi.com/timeoutSeconds"
	PatchForceAnnotation   = "pulumi.com/patchForce"
	FieldManagerAnnotation = "pulumi.com/patchFieldManager"
	SkipAwaitAnnotation    = "pulumi.com/skipAwait"
)

// WaitFor returns the annotations that make the provider wait, on create and
// update, until every expression holds (condition=Type, jsonpath={...}=value),
// failing the run after timeout. A failed wait leaves the resource with an
// initialization error, so the next `pulumi up` waits again (verified with
// the real engine; docs/gates.md).
func WaitFor(timeout time.Duration, exprs ...string) map[string]string {
	if len(exprs) == 0 {
		panic("manifest.WaitFor needs at least one expression")
	}
	value := exprs[0]
	if len(exprs) > 1 {
		raw, _ := json.Marshal(exprs) // a []string always marshals
		value = string(raw)
	}
	return map[string]string{
		WaitForAnnotation: value,
		TimeoutAnnotation: strconv.Itoa(int(timeout.Seconds())),
	}
}

// Merge joins string maps left to right; later keys win. Nil maps are skipped.
func Merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// StringMap converts a plain map for pulumi args; nil and empty give nil so
// the field is left out of the object.
func StringMap(m map[string]string) pulumi.StringMap {
	if len(m) == 0 {
		return nil
	}
	out := pulumi.StringMap{}
	for k, v := range m {
		out[k] = pulumi.String(v)
	}
	return out
}

// Timeouts gives the Pulumi custom timeouts matching a gate's budget, so the
// engine does not cut a waitFor short at its 10-minute default.
func Timeouts(d time.Duration) pulumi.ResourceOption {
	s := d.String()
	return pulumi.Timeouts(&pulumi.CustomTimeouts{Create: s, Update: s})
}

// SecretToSupply is a Secret the program needs but does not write: in
// render mode no secret value goes to disk, so the GitOps side supplies it
// (from a secret store) under this name, with these keys.
type SecretToSupply struct {
	Namespace string      `json:"namespace"`
	Name      string      `json:"name"`
	Keys      []SecretKey `json:"keys"`
	UsedBy    string      `json:"usedBy"` // who reads it, for the hand-off notes
}

// SecretKey is one key of a SecretToSupply and what its value must be.
type SecretKey struct {
	Name  string `json:"name"`
	Holds string `json:"holds"`
}
