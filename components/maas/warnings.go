package maas

import (
	"fmt"
	"sort"
	"strings"
)

// Warnings are configurations that apply but do not work as one expects: a
// subscription owner group without a matching auth policy subject (or the
// reverse) makes the model silently disappear from /v1/models for that group
// (alpha-hack-program/llm-d-guide@1f391b7 docs/reference/maas-troubleshooting.md);
// a published model without a subscription or an auth policy is reachable
// by nobody.
func (a MaaSArgs) Warnings() []string {
	a = a.withDefaults()
	var out []string
	type who struct{ groups, users map[string][]string } // subject -> policies naming it
	for _, m := range a.Models {
		key := m.Namespace + "/" + m.Name
		subs := who{map[string][]string{}, map[string][]string{}}
		pols := who{map[string][]string{}, map[string][]string{}}
		for _, s := range a.Subscriptions {
			for _, ml := range s.Models {
				if ml.Model == m.Name && ml.Namespace == m.Namespace {
					for _, g := range s.Groups {
						subs.groups[g] = append(subs.groups[g], s.Name)
					}
					for _, u := range s.Users {
						subs.users[u] = append(subs.users[u], s.Name)
					}
				}
			}
		}
		for _, p := range a.AuthPolicies {
			for _, r := range p.Models {
				if r.Name == m.Name && r.Namespace == m.Namespace {
					for _, g := range p.Groups {
						pols.groups[g] = append(pols.groups[g], p.Name)
					}
					for _, u := range p.Users {
						pols.users[u] = append(pols.users[u], p.Name)
					}
				}
			}
		}
		if len(subs.groups)+len(subs.users) == 0 {
			out = append(out, fmt.Sprintf("model %s is published but no MaaSSubscription covers it: no API key gets tokens for it", key))
		}
		if len(pols.groups)+len(pols.users) == 0 {
			out = append(out, fmt.Sprintf("model %s is published but no MaaSAuthPolicy covers it: nobody may call it", key))
		}
		if len(subs.groups)+len(subs.users) == 0 || len(pols.groups)+len(pols.users) == 0 {
			continue
		}
		out = append(out, mismatch(key, "group", subs.groups, pols.groups)...)
		out = append(out, mismatch(key, "user", subs.users, pols.users)...)
	}
	return out
}

func mismatch(model, kind string, subs, pols map[string][]string) []string {
	var out []string
	for _, s := range sortedKeys(subs) {
		if _, ok := pols[s]; !ok {
			out = append(out, fmt.Sprintf("model %s: %s %q owns MaaSSubscription %s but no MaaSAuthPolicy for the model names it; the model silently disappears from /v1/models for it (subjects must match the owner %ss)",
				model, kind, s, strings.Join(subs[s], ", "), kind))
		}
	}
	for _, p := range sortedKeys(pols) {
		if _, ok := subs[p]; !ok {
			out = append(out, fmt.Sprintf("model %s: %s %q is a subject of MaaSAuthPolicy %s but owns no MaaSSubscription for the model; its requests get no token budget (subjects must match the owner %ss)",
				model, kind, p, strings.Join(pols[p], ", "), kind))
		}
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
