package readiness

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Registered records every custom resource the program registers, at the
// moment it is registered: a stack transformation runs synchronously inside
// RegisterResource, before the registration's goroutine starts.
//
// A DependsOn on a component resource cannot be trusted to cover the
// component's children: the SDK expands it to the children already attached
// to the component, and a child is attached only when its own registration
// goroutine reaches getOpts, after its hooks are marshalled (pulumi
// sdk/v3@v3.274.1 go/pulumi/context.go getOpts → Parent.addChild;
// go/pulumi/rpc.go addDependency → getChildren). A dependent registered right
// after the children can miss some. "Everything else" (C18) depends on these
// resources instead.
type Registered struct {
	mu         sync.Mutex
	resources  []pulumi.Resource
	components map[string][]component // by type
}

type component struct {
	name string
	res  pulumi.Resource
}

// Record starts recording the stack's custom resources (providers excepted).
func Record(ctx *pulumi.Context) (*Registered, error) {
	r := &Registered{}
	err := ctx.RegisterStackTransformation(func(a *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		if _, provider := a.Resource.(pulumi.ProviderResource); provider {
			return nil
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, custom := a.Resource.(pulumi.CustomResource); custom {
			r.resources = append(r.resources, a.Resource)
		} else {
			if r.components == nil {
				r.components = map[string][]component{}
			}
			r.components[a.Type] = append(r.components[a.Type], component{a.Name, a.Resource})
		}
		return nil // record only, change nothing
	})
	if err != nil {
		return nil, fmt.Errorf("registering the resource recorder: %w", err)
	}
	return r, nil
}

// Resources are the custom resources registered so far, in order.
func (r *Registered) Resources() []pulumi.Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pulumi.Resource(nil), r.resources...)
}

// parentOf returns the component a resource being created belongs to,
// from its URN (the qualified type names the parent's type) and this
// program's naming (a child's logical name starts with its component's:
// serving-qwen3-8b-llmisvc under serving); nil when none matches. A hook
// must not log against the resource it gates: the SDK awaits a resource's
// URN to log against it, and that URN resolves only once the creation the
// hook holds up has finished (a deadlock). The parent component's URN is
// resolved as soon as it is registered.
func (r *Registered) parentOf(urn, name string) pulumi.Resource {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return nil
	}
	chain := strings.Split(parts[2], "$")
	if len(chain) < 2 {
		return nil // a child of the stack
	}
	parentType := chain[len(chain)-2]
	r.mu.Lock()
	defer r.mu.Unlock()
	var best component
	for _, c := range r.components[parentType] {
		if strings.HasPrefix(name, c.name+"-") && len(c.name) > len(best.name) {
			best = c
		}
	}
	return best.res
}
