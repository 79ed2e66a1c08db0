package readiness

import (
	"fmt"
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
	mu        sync.Mutex
	resources []pulumi.Resource
	byName    map[string]pulumi.Resource // type + " " + logical name
}

// Record starts recording the stack's custom resources (providers excepted).
func Record(ctx *pulumi.Context) (*Registered, error) {
	r := &Registered{}
	err := ctx.RegisterStackTransformation(func(a *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		if _, provider := a.Resource.(pulumi.ProviderResource); provider {
			return nil
		}
		if _, custom := a.Resource.(pulumi.CustomResource); custom {
			r.mu.Lock()
			r.resources = append(r.resources, a.Resource)
			if r.byName == nil {
				r.byName = map[string]pulumi.Resource{}
			}
			r.byName[a.Type+" "+a.Name] = a.Resource
			r.mu.Unlock()
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

// find returns the recorded resource of that type and logical name, or nil.
func (r *Registered) find(typ, name string) pulumi.Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byName[typ+" "+name]
}
