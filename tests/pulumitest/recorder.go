// Package pulumitest records what a program registers under Pulumi mocks, so
// tests assert kinds, names, fields, parents, edges, hooks and secrets.
// Mocks record, they do not decide: outputs are the inputs plus only the
// computed values a test supplies.
package pulumitest

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one registration.
type Resource struct {
	Type     string
	Name     string
	Custom   bool
	Inputs   resource.PropertyMap
	Parent   string   // parent logical name ("" for the stack)
	Deps     []string // logical names of DependsOn and property dependencies
	Hooks    Hooks
	Provider string
}

// Hooks are the resource-hook names bound to a registration.
type Hooks struct {
	BeforeCreate, BeforeUpdate, BeforeDelete, AfterDelete []string
}

// Object returns the inputs as plain Go values (secrets unwrapped).
func (r Resource) Object() map[string]any { return r.Inputs.Mappable() }

// Kind is the Kubernetes kind for kubernetes:<apiVersion>:<Kind> tokens.
func (r Resource) Kind() string {
	parts := strings.Split(r.Type, ":")
	return parts[len(parts)-1]
}

// Recorder implements pulumi.MockResourceMonitor.
type Recorder struct {
	mu        sync.Mutex
	resources []Resource
	byName    map[string]int
	// Outputs, when set, adds computed outputs to a registration's result.
	Outputs func(r Resource) resource.PropertyMap
	// Calls answers invokes (e.g. AWS lookups) by token.
	Calls map[string]func(args resource.PropertyMap) (resource.PropertyMap, error)

	// Preview makes registrations answer as the engine does in a preview of
	// a create: the inputs come back known and the ID unknown, so work done
	// in an ApplyT on an ID does not happen. (Computed outputs stay as
	// Outputs gives them: the SDK's mock monitor cannot carry an unknown
	// secret into another resource's inputs.)
	Preview bool

	files map[string][]byte
}

// WriteFile records a file the program writes instead of touching the disk.
func (m *Recorder) WriteFile(path string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[path] = append([]byte(nil), data...)
	return nil
}

// Files are the files the program wrote, by path.
func (m *Recorder) Files() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range m.files {
		out[k] = v
	}
	return out
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{byName: map[string]int{}} }

func nameOfURN(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// NewResource records the registration and echoes the inputs.
func (m *Recorder) NewResource(a pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := Resource{Type: a.TypeToken, Name: a.Name, Custom: a.Custom, Inputs: a.Inputs, Provider: a.Provider}
	if rpc := a.RegisterRPC; rpc != nil {
		if p := rpc.GetParent(); p != "" && !strings.Contains(p, "pulumi:pulumi:Stack") {
			r.Parent = nameOfURN(p)
		}
		seen := map[string]bool{}
		add := func(urn string) {
			if n := nameOfURN(urn); !seen[n] {
				seen[n] = true
				r.Deps = append(r.Deps, n)
			}
		}
		for _, d := range rpc.GetDependencies() {
			add(d)
		}
		for _, pd := range rpc.GetPropertyDependencies() {
			for _, d := range pd.GetUrns() {
				add(d)
			}
		}
		if h := rpc.GetHooks(); h != nil {
			r.Hooks = Hooks{BeforeCreate: h.GetBeforeCreate(), BeforeUpdate: h.GetBeforeUpdate(), BeforeDelete: h.GetBeforeDelete(), AfterDelete: h.GetAfterDelete()}
		}
	}
	out := a.Inputs.Copy()
	if m.Outputs != nil {
		for k, v := range m.Outputs(r) {
			out[k] = v
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.byName[r.Name]; dup {
		return "", nil, fmt.Errorf("pulumitest: logical name %q registered twice (%s)", r.Name, r.Type)
	}
	m.byName[r.Name] = len(m.resources)
	m.resources = append(m.resources, r)
	id := a.Name + "-id"
	if !a.Custom || m.Preview {
		id = "" // unknown in a preview
	}
	return id, out, nil
}

// Call answers invokes from Calls, or echoes the arguments.
func (m *Recorder) Call(a pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if f, ok := m.Calls[a.Token]; ok {
		return f(a.Args)
	}
	return a.Args, nil
}

// All returns every registration in order.
func (m *Recorder) All() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Resource(nil), m.resources...)
}

// Get returns the registration with that logical name.
func (m *Recorder) Get(name string) (Resource, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.byName[name]
	if !ok {
		return Resource{}, false
	}
	return m.resources[i], true
}

// Custom returns the custom (non-component) registrations.
func (m *Recorder) Custom() []Resource {
	var out []Resource
	for _, r := range m.All() {
		if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
			out = append(out, r)
		}
	}
	return out
}

// Find returns custom registrations of a Kubernetes kind with that
// metadata.name (and namespace, when non-empty).
func (m *Recorder) Find(kind, namespace, name string) []Resource {
	var out []Resource
	for _, r := range m.Custom() {
		if r.Kind() != kind {
			continue
		}
		md, _ := r.Object()["metadata"].(map[string]any)
		if md["name"] != name {
			continue
		}
		if ns, _ := md["namespace"].(string); namespace != "" && ns != namespace {
			continue
		}
		out = append(out, r)
	}
	return out
}

// descendants returns the custom resources under a component (or itself).
func (m *Recorder) descendants(name string) []string {
	all := m.All()
	children := map[string][]string{}
	for _, r := range all {
		children[r.Parent] = append(children[r.Parent], r.Name)
	}
	var out []string
	var walk func(string)
	walk = func(n string) {
		if r, ok := m.Get(n); ok && r.Custom {
			out = append(out, n)
		}
		for _, c := range children[n] {
			walk(c)
		}
	}
	walk(name)
	return out
}

// Reaches reports whether `after` (a resource or component) transitively
// depends on every custom resource of `before`: the engine then creates
// `after` only once `before` is done, and destroys it first.
func (m *Recorder) Reaches(after, before string) bool {
	targets := m.descendants(before)
	if len(targets) == 0 {
		return false
	}
	for _, from := range m.descendants(after) {
		reach := m.closure(from)
		for _, t := range targets {
			if !reach[t] {
				return false
			}
		}
	}
	return len(m.descendants(after)) > 0
}

func (m *Recorder) closure(from string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		r, ok := m.Get(n)
		if !ok {
			continue
		}
		for _, d := range r.Deps {
			if !seen[d] {
				seen[d] = true
				stack = append(stack, m.descendants(d)...)
				stack = append(stack, d)
			}
		}
	}
	return seen
}

// HasHook reports whether a registration binds the named hook before create
// and before update (a gate).
func (r Resource) HasGate(hookName string) bool {
	return contains(r.Hooks.BeforeCreate, hookName) && contains(r.Hooks.BeforeUpdate, hookName)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Names lists logical names, sorted, for failure messages.
func Names(rs []Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// DependsOnAny reports whether some custom resource of `after` transitively
// depends on some custom resource of `before` (an edge between layers).
func (m *Recorder) DependsOnAny(after, before string) bool {
	targets := map[string]bool{}
	for _, t := range m.descendants(before) {
		targets[t] = true
	}
	for _, from := range m.descendants(after) {
		for n := range m.closure(from) {
			if targets[n] {
				return true
			}
		}
	}
	return false
}
