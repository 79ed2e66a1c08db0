package olm

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Catalog is where and how OLM installs an operator: the Subscription's
// channel, CatalogSource, approval and optional CSV pin. Config overrides
// (rhoai:operators.<key>) and each layer's defaults have this shape; an empty
// field takes the default.
type Catalog struct {
	Channel     string   `json:"channel,omitempty"`
	Source      string   `json:"source,omitempty"`
	Approval    Approval `json:"approval,omitempty"`
	StartingCSV string   `json:"startingCSV,omitempty"`
}

// Over returns c with each empty field taken from def.
func (c Catalog) Over(def Catalog) Catalog {
	pick := func(v, d string) string {
		if v != "" {
			return v
		}
		return d
	}
	return Catalog{
		Channel:     pick(c.Channel, def.Channel),
		Source:      pick(c.Source, def.Source),
		Approval:    Approval(pick(string(c.Approval), string(def.Approval))),
		StartingCSV: pick(c.StartingCSV, def.StartingCSV),
	}
}

// Package is one operator package and how this program installs it by
// default. The layer that installs the operator owns its Package value;
// stacks/ reads it to resolve and check config overrides, so a default or a
// pin rule is written once.
type Package struct {
	Name    string  // packagemanifest name, e.g. rhcl-operator
	Default Catalog // what the rationale installs
	// Pin, when set, bounds StartingCSV (e.g. RHCL 1.3.x).
	Pin *Pin
}

// Pin bounds a package's CSV.
type Pin struct {
	Pattern *regexp.Regexp // the CSVs allowed
	Allowed string         // the allowed line in words, e.g. rhcl-operator.v1.3.x
	Why     string         // what breaks outside it
	// Manual: Automatic approval would let OLM upgrade past the pin into a
	// version that breaks the install, so only Manual is accepted.
	Manual bool
}

// Resolve returns the override with each empty field taken from the defaults.
func (p Package) Resolve(override Catalog) Catalog { return override.Over(p.Default) }

// CatalogProblem is one bad field (json name: channel, source, approval,
// startingCSV) of a resolved Catalog.
type CatalogProblem = manifest.Problem

var (
	channelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.\-]*[a-z0-9])?$`)
	// csvPattern is <package>.v<semver> or <package>.<semver> (rhods-operator.3.4.0).
	csvPattern = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
)

// Check reports every problem of a resolved catalog of this package.
func (p Package) Check(c Catalog) []CatalogProblem {
	var out []CatalogProblem
	add := func(field, found, expected string) {
		out = append(out, CatalogProblem{Field: field, Found: found, Expected: expected})
	}
	if !channelPattern.MatchString(c.Channel) {
		add("channel", manifest.Quoted(c.Channel), "an OLM channel name such as stable or stable-3.x")
	}
	if !dnsLabel.MatchString(c.Source) {
		add("source", manifest.Quoted(c.Source), "a CatalogSource name in "+MarketplaceNamespace+" such as redhat-operators")
	}
	if c.Approval != Automatic && c.Approval != Manual {
		add("approval", manifest.Quoted(string(c.Approval)), `"Automatic" or "Manual"`)
	}
	if c.StartingCSV != "" {
		switch m := csvPattern.FindStringSubmatch(c.StartingCSV); {
		case m == nil:
			add("startingCSV", manifest.Quoted(c.StartingCSV), "a CSV name such as "+p.Name+".v1.2.3")
		case m[1] != p.Name:
			add("startingCSV", manifest.Quoted(c.StartingCSV), "a CSV of package "+p.Name)
		case p.Pin != nil && !p.Pin.Pattern.MatchString(c.StartingCSV):
			add("startingCSV", manifest.Quoted(c.StartingCSV), p.Pin.Allowed+" ("+p.Pin.Why+")")
		}
	}
	switch {
	case c.Approval == Manual && c.StartingCSV == "":
		add("startingCSV", "nothing", "a pinned CSV with Manual approval (only its InstallPlan is approved)")
	case p.Pin != nil && p.Pin.Manual && c.Approval == Automatic:
		add("approval", manifest.Quoted(string(c.Approval)), `"Manual": with Automatic, OLM upgrades past `+p.Pin.Allowed+" ("+p.Pin.Why+")")
	}
	return out
}

// CheckErr joins Check's problems into one error naming the package.
func (p Package) CheckErr(c Catalog) error {
	probs := p.Check(c)
	if len(probs) == 0 {
		return nil
	}
	msgs := make([]string, len(probs))
	for i, pr := range probs {
		msgs[i] = pr.Error()
	}
	return fmt.Errorf("operator %s: %s", p.Name, strings.Join(msgs, "; "))
}
