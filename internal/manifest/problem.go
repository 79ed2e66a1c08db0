package manifest

import "fmt"

// Problem is one bad field of a layer's arguments: what was found and what
// is allowed. The layer that owns a rule reports it this way, so stacks/
// can name the config key it came from (models[1].cpu) before anything is
// registered, and the rule is written once.
type Problem struct {
	Field    string // the layer's field name, e.g. cpu or startingCSV
	Found    string
	Expected string
}

func (p Problem) Error() string {
	return fmt.Sprintf("%s: found %s, expected %s", p.Field, p.Found, p.Expected)
}

// Quoted renders a found string value; empty is "nothing".
func Quoted(s string) string {
	if s == "" {
		return "nothing"
	}
	return fmt.Sprintf("%q", s)
}
