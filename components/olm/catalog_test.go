package olm

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCatalog_Over(t *testing.T) {
	def := Catalog{Channel: "stable", Source: "redhat-operators", Approval: Manual, StartingCSV: "p.v1.3.4"}
	assert.Equal(t, def, Catalog{}.Over(def), "an empty override takes every default")
	assert.Equal(t, Catalog{Channel: "stable", Source: "mirror", Approval: Manual, StartingCSV: "p.v1.3.5"},
		Catalog{Source: "mirror", StartingCSV: "p.v1.3.5"}.Over(def), "each set field wins on its own")
}

func TestPackage_Check(t *testing.T) {
	pinned := Package{Name: "p", Default: Catalog{Channel: "stable", Source: "redhat-operators", Approval: Manual, StartingCSV: "p.v1.3.4"},
		Pin: &Pin{Pattern: regexp.MustCompile(`^p\.v1\.3\.[0-9]+$`), Allowed: "p.v1.3.x", Why: "1.4 breaks", Manual: true}}
	free := Package{Name: "q", Default: Catalog{Channel: "stable", Source: "redhat-operators", Approval: Automatic}}
	cases := []struct {
		name     string
		pkg      Package
		override Catalog
		want     []string // every problem, in order; nil: none
	}{
		{"accepts the defaults", pinned, Catalog{}, nil},
		{"accepts a pin inside the line", pinned, Catalog{StartingCSV: "p.v1.3.9", Source: "my-mirror"}, nil},
		{"accepts a Manual pin of a free package", free, Catalog{Approval: Manual, StartingCSV: "q.v2.0.0"}, nil},
		{"rejects a pin outside the line with why", pinned, Catalog{StartingCSV: "p.v1.4.0"}, []string{`startingCSV: found "p.v1.4.0", expected p.v1.3.x (1.4 breaks)`}},
		{"rejects a pin of another package", pinned, Catalog{StartingCSV: "q.v1.3.4"}, []string{`startingCSV: found "q.v1.3.4", expected a CSV of package p`}},
		{"rejects a malformed pin", free, Catalog{StartingCSV: "q-1"}, []string{`startingCSV: found "q-1", expected a CSV name such as q.v1.2.3`}},
		{"rejects Automatic where the pin needs Manual", pinned, Catalog{Approval: Automatic}, []string{`approval: found "Automatic", expected "Manual": with Automatic, OLM upgrades past p.v1.3.x (1.4 breaks)`}},
		{"rejects Manual without a pin", free, Catalog{Approval: Manual}, []string{"startingCSV: found nothing, expected a pinned CSV with Manual approval"}},
		{"rejects a bad channel, source and approval at once", free, Catalog{Channel: "Stable!", Source: "Red Hat", Approval: "Sometimes"},
			[]string{`channel: found "Stable!"`, `source: found "Red Hat"`, `approval: found "Sometimes"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.pkg.Check(tc.pkg.Resolve(tc.override))
			if tc.want == nil {
				assert.Empty(t, got)
				return
			}
			if assert.Len(t, got, len(tc.want)) {
				for i, w := range tc.want {
					assert.Contains(t, got[i].Error(), w)
				}
			}
		})
	}
}
